//! The HTTP client of the shared DynamoDB client: rustls with the ring crypto provider instead of
//! the SDK's default aws-lc, and no TLS at all for a plain `http://` endpoint. aws-lc seeds its
//! random generator from CPU jitter the first time a process uses it (a TLS handshake), which
//! costs tens of milliseconds of CPU per cold start; ring takes its seed from the kernel. Roots are
//! the system's (`rustls-native-certs`), so `SSL_CERT_FILE` and `SSL_CERT_DIR` work as with the
//! default client.

use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::Provider;
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// The HTTPS client: for AWS itself, and for aws-config's credential providers.
pub(crate) fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The client for DynamoDB at `endpoint` (`None`: the regional HTTPS endpoint).
///
/// An `http://` endpoint (DynamoDB Local, a test double) gets a client without TLS: the HTTPS
/// client reads and parses the system's root certificates when it opens its first connection,
/// whatever the URL's scheme, which a plain-HTTP function would pay on every cold start.
pub(crate) fn dynamodb_client(endpoint: Option<&str>) -> SharedHttpClient {
    match endpoint {
        Some(url) if is_plain_http(url) => aws_smithy_http_client::Builder::new().build_http(),
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
