//! ferrodyn-lambda's HTTPS client against a TLS proxy in front of DynamoDB Local: the platform's
//! roots plus a test authority from `SSL_CERT_FILE`, one connection for the prewarm and the
//! requests after it, and a refusal of a server the roots do not vouch for.

use std::sync::OnceLock;

use ferrodyn::Model;
use ferrodyn_lambda::LambdaDb;
use ferrodyn_testing::tls::{bundle, system_bundle, TestCa, TlsProxy};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "tls", pk = "id")]
struct Note {
    id: String,
    text: String,
}

/// The authority every test's trusted proxy uses, in `SSL_CERT_FILE` (with the system's roots)
/// before any HTTPS client of this process reads it.
fn trusted_ca() -> &'static TestCa {
    static CA: OnceLock<TestCa> = OnceLock::new();
    CA.get_or_init(|| {
        let ca = TestCa::generate().expect("test CA");
        let path = std::env::temp_dir().join(format!("ferrodyn-tls-{}.pem", std::process::id()));
        std::fs::write(&path, bundle(system_bundle().as_deref(), ca.ca_pem()).unwrap()).unwrap();
        std::env::set_var("SSL_CERT_FILE", &path);
        ca
    })
}

fn proxy(ca: &TestCa) -> TlsProxy {
    let endpoint = ferrodyn_testing::shared_endpoint().expect("DynamoDB Local starts");
    let upstream = endpoint.trim_start_matches("http://").parse().expect("a socket address");
    TlsProxy::start(ca.server_config(), upstream).expect("proxy")
}

fn vars(proxy: &TlsProxy) -> Vec<(String, String)> {
    [
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "FerrodynTlsTestKey".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "ferrodyn-tls-test-secret".to_owned()),
        ("AWS_ENDPOINT_URL_DYNAMODB", format!("https://localhost:{}", proxy.address().port())),
        ("AWS_MAX_ATTEMPTS", "2".to_owned()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect()
}

#[tokio::test]
async fn https_trusts_ssl_cert_file_and_keeps_the_prewarmed_connection() {
    let proxy = proxy(trusted_ca());
    let db = LambdaDb::builder().vars(vars(&proxy)).prewarm(true).build().await.unwrap();
    assert_eq!(proxy.handshakes(), 1, "the prewarm connected");
    let table = format!("tls{}", std::process::id());
    let db = db.with_table_name("tls", table);
    db.create_table::<Note>().await.unwrap();
    let note = Note { id: "n1".into(), text: "over TLS".into() };
    db.put(&note).await.unwrap();
    assert_eq!(db.get(Note::key("n1")).await.unwrap(), Some(note));
    assert_eq!(proxy.handshakes(), 1, "every request reused the prewarm's connection");
}

#[tokio::test]
async fn a_server_the_roots_do_not_vouch_for_is_refused() {
    trusted_ca();
    let stranger = TestCa::generate().expect("another CA");
    let proxy = proxy(&stranger);
    let db = LambdaDb::builder().vars(vars(&proxy)).prewarm(false).build().await.unwrap();
    let error = db.get(Note::key("n1")).await.unwrap_err().to_string();
    assert_eq!(proxy.handshakes(), 0, "no handshake completed");
    assert!(error.contains("GetItem"), "the error names the operation: {error}");
}
