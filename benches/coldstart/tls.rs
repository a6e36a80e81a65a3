//! DynamoDB over HTTPS for the cold-start harness: ferrodyn-testing's test authority and TLS proxy,
//! with the server certificate's key type from `COLDSTART_TLS` and the delay per round trip from
//! `COLDSTART_RTT_MS`.

use std::time::Duration;

pub use ferrodyn_testing::tls::{bundle, system_bundle, CertKind, TestCa, TlsProxy};

use super::BoxError;

/// Reads `COLDSTART_TLS` (`p256`, the default, or `rsa`).
///
/// # Errors
/// Another value.
pub fn cert_kind_from_env() -> Result<CertKind, BoxError> {
    match std::env::var("COLDSTART_TLS").as_deref() {
        Err(_) | Ok("" | "p256") => Ok(CertKind::P256),
        Ok("rsa") => Ok(CertKind::Rsa),
        Ok(other) => Err(format!("COLDSTART_TLS must be `p256` or `rsa`, not `{other}`").into()),
    }
}

/// The delay per round trip `COLDSTART_RTT_MS` asks for (milliseconds, fractions allowed;
/// default none).
///
/// # Errors
/// Not a non-negative number.
pub fn rtt_from_env() -> Result<Duration, BoxError> {
    match std::env::var("COLDSTART_RTT_MS") {
        Err(_) => Ok(Duration::ZERO),
        Ok(value) => value
            .parse::<f64>()
            .ok()
            .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok())
            .ok_or_else(|| {
                format!("COLDSTART_RTT_MS must be a number of ms, not `{value}`").into()
            }),
    }
}

/// The `SSL_CERT_FILE` bundle `COLDSTART_BUNDLE` asks for: `system` (the default) is the system's
/// roots plus the test authority, what a function on the platform's roots needs; `ca` is the
/// authority alone, what a function built with ferrodyn-lambda's `webpki-roots` feature needs.
///
/// # Errors
/// Another value, or the system bundle could not be read.
pub fn bundle_from_env(ca_pem: &str) -> Result<String, BoxError> {
    match std::env::var("COLDSTART_BUNDLE").as_deref() {
        Err(_) | Ok("" | "system") => Ok(bundle(system_bundle().as_deref(), ca_pem)?),
        Ok("ca") => Ok(bundle(None, ca_pem)?),
        Ok(other) => {
            Err(format!("COLDSTART_BUNDLE must be `system` or `ca`, not `{other}`").into())
        }
    }
}
