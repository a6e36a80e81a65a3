//! The HTTPS client of the shared DynamoDB client: rustls with the ring crypto provider instead of
//! the SDK's default aws-lc. aws-lc seeds its random generator from CPU jitter the first time a
//! process uses it (a TLS handshake), which costs tens of milliseconds of CPU per cold start;
//! ring takes its seed from the kernel. Roots are the system's (`rustls-native-certs`), so
//! `SSL_CERT_FILE` and `SSL_CERT_DIR` work as with the default client.

use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::Provider;
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// The HTTP client every [`LambdaDb`](crate::LambdaDb) uses.
pub(crate) fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}
