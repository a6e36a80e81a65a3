//! The HTTP clients of the shared DynamoDB client: hyper with rustls on ring instead of the SDK's
//! default aws-lc, and no TLS at all for a plain `http://` endpoint. aws-lc seeds its random
//! generator from CPU jitter the first time a process uses it (a TLS handshake), which costs tens
//! of milliseconds of CPU per cold start; ring takes its seed from the kernel. Roots are the
//! system's, found as the SDK's default client finds them (so `SSL_CERT_FILE` and `SSL_CERT_DIR`
//! work as with it) but decoded in a fraction of its time (`roots`, `pem`), or with the
//! `webpki-roots` feature compiled in.

mod client;
mod pem;
mod roots;

use aws_smithy_runtime_api::client::http::SharedHttpClient;
use client::HyperClient;

/// The HTTPS client: for AWS itself, and for aws-config's credential providers.
pub(crate) fn https_client() -> SharedHttpClient {
    SharedHttpClient::new(HyperClient::https())
}

/// The client for DynamoDB at `endpoint` (`None`: the regional HTTPS endpoint).
///
/// An `http://` endpoint (DynamoDB Local, a test double) gets a client without TLS, which never
/// reads the system's root certificates: a plain-HTTP function does not pay for them on every
/// cold start.
pub(crate) fn dynamodb_client(endpoint: Option<&str>) -> SharedHttpClient {
    match endpoint {
        Some(url) if is_plain_http(url) => SharedHttpClient::new(HyperClient::http()),
        _ => https_client(),
    }
}

fn is_plain_http(url: &str) -> bool {
    url.get(..7).is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
}

#[cfg(test)]
mod tests {
    use super::is_plain_http;

    #[test]
    fn only_http_urls_go_without_tls() {
        assert!(is_plain_http("http://localhost:8000"));
        assert!(is_plain_http("HTTP://127.0.0.1:8000/"));
        assert!(!is_plain_http("https://dynamodb.eu-west-1.amazonaws.com"));
        assert!(!is_plain_http("http:/"));
        assert!(!is_plain_http(""));
    }
}
