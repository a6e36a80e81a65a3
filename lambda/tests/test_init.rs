//! `LambdaDb` and `Builder` against DynamoDB Local: the shared handle, the prewarm, static
//! credentials and table mappings.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferrodyn::Model;
use ferrodyn_lambda::{prewarm, LambdaDb, Prewarm, TracingConfig};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "shop", entity = "Customer", pk = "CUSTOMER#{id}", sk = "PROFILE")]
struct Customer {
    id: String,
    name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "audit", pk = "id")]
struct AuditEntry {
    id: String,
}

// DynamoDB Local accepts access key ids of letters and digits only.
const ACCESS_KEY: &str = "FerrodynLambdaTestKey";
const SECRET_KEY: &str = "ferrodyn-lambda-test-secret";
const SESSION_TOKEN: &str = "ferrodyn-lambda-test-token";

fn endpoint() -> &'static str {
    ferrodyn_testing::shared_endpoint().expect("DynamoDB Local starts")
}

/// A Lambda-like environment pointing at `endpoint`, with static credentials.
fn vars(endpoint: &str) -> Vec<(String, String)> {
    interested_global_subscriber();
    [
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
        ("AWS_SESSION_TOKEN", SESSION_TOKEN),
        ("AWS_ENDPOINT_URL_DYNAMODB", endpoint),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn with(mut vars: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    vars.push((name.to_owned(), value.to_owned()));
    vars
}

/// A table name of this test process and call alone.
fn unique(name: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("lambda{}x{n}x{nanos}-{name}", std::process::id())
}

/// A loopback URL on which nothing listens.
fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// Captured log output.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().expect("buffer").clone()).expect("utf-8")
    }
}

/// A process-wide subscriber interested in every level the tests capture, set before any test
/// logs. tracing caches each callsite's interest when the callsite is first hit; without an
/// interested global subscriber, a callsite first hit on a thread with no subscriber (the shared
/// handle's test runs on worker threads) while another test installs its own is cached as
/// uninteresting, and that test then captures nothing.
fn interested_global_subscriber() {
    static SET: std::sync::Once = std::sync::Once::new();
    SET.call_once(|| {
        let sink =
            TracingConfig::from_vars([("AWS_LAMBDA_LOG_LEVEL", "DEBUG")]).subscriber(std::io::sink);
        tracing::subscriber::set_global_default(sink).expect("the first global subscriber");
    });
}

/// Installs a text subscriber for the current thread (tests run on a current-thread runtime).
fn capture_logs() -> (Buffer, tracing::subscriber::DefaultGuard) {
    interested_global_subscriber();
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = TracingConfig::from_vars([("AWS_LAMBDA_LOG_LEVEL", "DEBUG")])
        .subscriber(move || writer.clone());
    let guard = tracing::subscriber::set_default(subscriber);
    (buffer, guard)
}

// The only test that touches the shared handle, so its first call is the one that builds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_returns_the_same_client_every_time() {
    assert!(LambdaDb::get().is_none());
    let concurrent: Vec<_> = (0..8)
        .map(|_| {
            let vars = vars(endpoint());
            tokio::spawn(async move { LambdaDb::builder().vars(vars).init().await })
        })
        .collect();
    let mut handles = Vec::new();
    for task in concurrent {
        handles.push(task.await.expect("task").expect("init"));
    }
    let first = handles[0];
    assert!(handles.iter().all(|h| h.ptr_eq(first)), "concurrent first calls share one client");

    // Later calls return the same handle and do not read their settings or the environment:
    // the process environment of this test has no region.
    let again = LambdaDb::builder().prewarm(false).table("shop", "elsewhere").init().await.unwrap();
    assert!(again.ptr_eq(first));
    assert!(std::ptr::eq(again.db(), first.db()));
    assert!(LambdaDb::init().await.expect("already built").ptr_eq(first));
    assert!(LambdaDb::get().expect("built").ptr_eq(first));
    assert_eq!(again.table_name("shop"), "shop", "the first call's (empty) mapping stays");

    // The handle is a working Db.
    let table = unique("shared");
    let db = again.with_table_name("shop", table.clone());
    db.create_table::<Customer>().await.unwrap();
    let ada = Customer { id: "c1".into(), name: "Ada".into() };
    db.put(&ada).await.unwrap();
    assert_eq!(db.get(Customer::key("c1")).await.unwrap(), Some(ada));
}

#[tokio::test]
async fn prewarm_connects_to_dynamodb_local() {
    let db = LambdaDb::builder().vars(vars(endpoint())).prewarm(false).build().await.unwrap();
    assert_eq!(prewarm(&db, Duration::from_secs(10)).await, Prewarm::Connected);
}

#[tokio::test]
async fn init_prewarms_under_provisioned_concurrency_and_logs_no_secret() {
    let (logs, _guard) = capture_logs();
    let provisioned =
        with(vars(endpoint()), "AWS_LAMBDA_INITIALIZATION_TYPE", "provisioned-concurrency");
    LambdaDb::builder().vars(provisioned).build().await.unwrap();
    let text = logs.text();
    assert!(text.contains("DynamoDB connection prewarmed"), "{text}");
    for secret in [SECRET_KEY, SESSION_TOKEN] {
        assert!(!text.contains(secret), "{text}");
    }
}

#[tokio::test]
async fn init_on_demand_does_not_prewarm_unless_asked() {
    let (logs, _guard) = capture_logs();
    for kind in [None, Some("on-demand"), Some("snap-start")] {
        let env = match kind {
            Some(kind) => with(vars(endpoint()), "AWS_LAMBDA_INITIALIZATION_TYPE", kind),
            None => vars(endpoint()),
        };
        LambdaDb::builder().vars(env).build().await.unwrap();
    }
    assert!(!logs.text().contains("prewarm"), "{}", logs.text());
    let on_demand = with(vars(endpoint()), "AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
    LambdaDb::builder().vars(on_demand).prewarm(true).build().await.unwrap();
    assert!(logs.text().contains("DynamoDB connection prewarmed"), "{}", logs.text());
}

#[tokio::test]
async fn prewarm_can_be_turned_off_in_code_and_by_the_environment() {
    let (logs, _guard) = capture_logs();
    LambdaDb::builder().vars(vars(endpoint())).prewarm(false).build().await.unwrap();
    LambdaDb::builder()
        .vars(with(vars(endpoint()), "FERRODYN_PREWARM", "false"))
        .build()
        .await
        .unwrap();
    assert!(!logs.text().contains("prewarm"), "{}", logs.text());
    // The environment also turns it on against the code's choice.
    LambdaDb::builder()
        .vars(with(vars(endpoint()), "FERRODYN_PREWARM", "true"))
        .prewarm(false)
        .build()
        .await
        .unwrap();
    assert!(logs.text().contains("DynamoDB connection prewarmed"), "{}", logs.text());
}

#[tokio::test]
async fn prewarm_against_a_closed_port_is_logged_and_init_succeeds() {
    let dead = closed_port();
    let (logs, _guard) = capture_logs();
    let db = LambdaDb::builder()
        .vars(vars(&dead))
        .prewarm(true)
        .build()
        .await
        .expect("init does not fail");
    let text = logs.text();
    assert!(text.contains("WARN"), "{text}");
    assert!(text.contains("DynamoDB connection prewarm failed"), "{text}");
    for secret in [SECRET_KEY, SESSION_TOKEN] {
        assert!(!text.contains(secret), "{text}");
    }
    assert_eq!(prewarm(&db, Duration::from_secs(10)).await, Prewarm::Failed);
    // The handle still reports DynamoDB's absence on use, as a transport error.
    let err = db.get(Customer::key("c1")).await.unwrap_err();
    assert_eq!(err.kind(), ferrodyn::ErrorKind::Transport, "{err}");
}

#[tokio::test]
async fn prewarm_is_bounded_by_its_timeout() {
    // Accepts connections (the kernel does) but never answers.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", silent.local_addr().expect("address"));
    let (logs, _guard) = capture_logs();
    let build = LambdaDb::builder()
        .vars(vars(&url))
        .prewarm(true)
        .attempt_timeout(Duration::from_secs(3600))
        .prewarm_timeout(Duration::from_millis(300))
        .build();
    // A guard against a hang, far above the prewarm limit; the assertions are on outcomes.
    let db = tokio::time::timeout(Duration::from_secs(120), build)
        .await
        .expect("the prewarm timeout ends init")
        .expect("init does not fail");
    assert!(logs.text().contains("DynamoDB connection prewarm timed out"), "{}", logs.text());
    let outcome =
        tokio::time::timeout(Duration::from_secs(120), prewarm(&db, Duration::from_millis(300)))
            .await
            .expect("bounded");
    assert_eq!(outcome, Prewarm::TimedOut);
    drop(silent);
}

#[tokio::test]
async fn the_timeout_variable_bounds_the_prewarm() {
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", silent.local_addr().expect("address"));
    let (logs, _guard) = capture_logs();
    let build = LambdaDb::builder()
        .vars(with(vars(&url), "FERRODYN_PREWARM_TIMEOUT_MS", "300"))
        .prewarm(true)
        .attempt_timeout(Duration::from_secs(3600))
        .prewarm_timeout(Duration::from_secs(3600))
        .build();
    tokio::time::timeout(Duration::from_secs(120), build)
        .await
        .expect("the variable's limit applies")
        .expect("init does not fail");
    assert!(logs.text().contains("timeout_ms=300"), "{}", logs.text());
}

#[tokio::test]
async fn static_credentials_from_the_variables_are_the_ones_sent() {
    // DynamoDB Local rejects an access key id with a '-': the rejection shows that the key of
    // the variables, which nothing else in the process knows, is the one that signs requests.
    let rejected = with(
        vars(endpoint()).into_iter().filter(|(k, _)| k != "AWS_ACCESS_KEY_ID").collect(),
        "AWS_ACCESS_KEY_ID",
        "not-this-key",
    );
    let db = LambdaDb::builder().vars(rejected).prewarm(false).build().await.unwrap();
    let err = db.get(Customer::key("c2")).await.unwrap_err();
    assert_eq!(err.code(), Some("UnrecognizedClientException"), "{err}");

    // And the valid ones work: a typed put and get.
    let db = LambdaDb::builder().vars(vars(endpoint())).build().await.unwrap();
    let db = db.with_table_name("shop", unique("creds"));
    db.create_table::<Customer>().await.unwrap();
    let grace = Customer { id: "c2".into(), name: "Grace".into() };
    db.put(&grace).await.unwrap();
    assert_eq!(db.get(Customer::key("c2")).await.unwrap(), Some(grace));
}

#[tokio::test]
async fn table_overrides_map_model_tables_to_physical_names() {
    let shop = unique("shop-physical");
    let prefix = unique("");
    let vars = with(vars(endpoint()), "FERRODYN_TABLES", &format!("shop={shop}"));
    let vars = with(vars, "FERRODYN_TABLE_PREFIX", &prefix);
    let db = LambdaDb::builder().vars(vars).prewarm(false).build().await.unwrap();
    assert_eq!(db.table_name("shop"), shop);
    assert_eq!(db.table_name("audit"), format!("{prefix}audit"));

    db.create_table::<Customer>().await.unwrap();
    db.create_table::<AuditEntry>().await.unwrap();
    db.put(&Customer { id: "c3".into(), name: "Edsger".into() }).await.unwrap();
    db.put(&AuditEntry { id: "a1".into() }).await.unwrap();
    // The items are in the physical tables, read with the raw client.
    for (table, pk) in [(shop.as_str(), "CUSTOMER#c3"), (&format!("{prefix}audit"), "a1")] {
        let key_name = if pk == "a1" { "id" } else { "pk" };
        let mut get = db
            .client()
            .get_item()
            .table_name(table)
            .key(key_name, ferrodyn::AttributeValue::S(pk.into()));
        if key_name == "pk" {
            get = get.key("sk", ferrodyn::AttributeValue::S("PROFILE".into()));
        }
        assert!(get.send().await.unwrap().item().is_some(), "{table}");
    }
}

#[tokio::test]
async fn single_table_reads_table_name_and_the_environment_wins_over_code() {
    let physical = unique("single");
    let db = LambdaDb::builder()
        .vars(with(vars(endpoint()), "TABLE_NAME", &physical))
        .single_table("shop")
        .table("shop", "from-code")
        .table("audit", "audit-from-code")
        .prewarm(false)
        .build()
        .await
        .unwrap();
    assert_eq!(db.table_name("shop"), physical);
    assert_eq!(db.table_name("audit"), "audit-from-code");
    db.create_table::<Customer>().await.unwrap();
    let ada = Customer { id: "c4".into(), name: "Ada".into() };
    db.create(&ada).await.unwrap();
    assert_eq!(db.get(Customer::key("c4")).await.unwrap(), Some(ada));

    // FERRODYN_TABLES comes last.
    let db = LambdaDb::builder()
        .vars(with(with(vars(endpoint()), "TABLE_NAME", &physical), "FERRODYN_TABLES", "shop=last"))
        .single_table("shop")
        .prewarm(false)
        .build()
        .await
        .unwrap();
    assert_eq!(db.table_name("shop"), "last");
}

#[tokio::test]
async fn single_table_without_table_name_is_an_error() {
    let err =
        LambdaDb::builder().vars(vars(endpoint())).single_table("shop").build().await.unwrap_err();
    assert!(err.is_missing());
    assert_eq!(err.variable(), "TABLE_NAME");
    assert!(err.to_string().contains("`shop`"), "{err}");
}

#[tokio::test]
async fn configuration_errors_stop_init_before_any_request() {
    let (logs, _guard) = capture_logs();
    let vars = vars(endpoint()).into_iter().filter(|(k, _)| k != "AWS_SECRET_ACCESS_KEY");
    let err = LambdaDb::builder().vars(vars).build().await.unwrap_err();
    assert_eq!(err.variable(), "AWS_SECRET_ACCESS_KEY");
    assert!(!err.to_string().contains(ACCESS_KEY), "{err}");
    assert!(!logs.text().contains("prewarm"), "no request was sent: {}", logs.text());
}
