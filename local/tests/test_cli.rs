//! `ferrodyn-local` end to end: `start` on the test stack (fixtures/template.yaml) with every
//! stream-mapping setting taking effect and its routes served over HTTP on loopback, `start` on
//! the repository's template.yaml (the orders API, then the stats the stream consumer kept),
//! `invoke` and `generate-event`. DynamoDB Local is the harness's (ferrodyn-testing), handed to
//! the tool through `AWS_ENDPOINT_URL_DYNAMODB`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, ProjectionType, PutRequest, WriteRequest};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_ferrodyn-local");
/// Long enough for a first build of the functions.
const STARTUP: Duration = Duration::from_secs(900);

fn endpoint() -> String {
    ferrodyn_testing::shared_endpoint().expect("DynamoDB Local").to_owned()
}

fn prefix(test: &str) -> String {
    format!("{test}-{}-", std::process::id())
}

/// A running `ferrodyn-local start`, killed when dropped; its output lines, stdout and stderr.
struct Started {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    address: SocketAddr,
    /// From spawning the process to its `listening` line.
    startup: Duration,
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Started {
    fn new(template: &Path, table_prefix: &str) -> Started {
        Started::with(template, table_prefix, &[])
    }

    fn with(template: &Path, table_prefix: &str, extra: &[&str]) -> Started {
        let spawned = Instant::now();
        let mut child = Command::new(BIN)
            .args(["start", "--port", "0", "--table-prefix", table_prefix, "--template"])
            .arg(template)
            .args(extra)
            .env(ferrodyn_testing::ENDPOINT_ENV, endpoint())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ferrodyn-local starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        for pipe in [
            child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
            child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let lines = Arc::clone(&lines);
            thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line);
                }
            });
        }
        let mut started =
            Started { child, lines, address: ([0, 0, 0, 0], 0).into(), startup: Duration::ZERO };
        let line = started.wait_for(STARTUP, |l| l.contains("listening on http://"));
        let address = line.split("http://").nth(1).and_then(|a| a.split_whitespace().next());
        started.address = address.and_then(|a| a.parse().ok()).expect("an address");
        started.startup = spawned.elapsed();
        started
    }

    /// Waits for a line matching `pred`; fails the test with the output otherwise.
    fn wait_for(&mut self, within: Duration, pred: impl Fn(&str) -> bool) -> String {
        let until = Instant::now() + within;
        loop {
            if let Some(line) = self.lines.lock().unwrap().iter().find(|l| pred(l)) {
                return line.clone();
            }
            if Instant::now() > until || self.child.try_wait().ok().flatten().is_some() {
                panic!("no such line; the output was:\n{}", self.output());
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn output(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    fn lines_with(&self, text: &str) -> Vec<String> {
        self.lines.lock().unwrap().iter().filter(|l| l.contains(text)).cloned().collect()
    }

    /// One HTTP/1.1 request on loopback: the status and the body.
    fn http(&self, method: &str, path: &str, body: Option<Value>) -> (u16, String) {
        let mut stream = TcpStream::connect(self.address).expect("connects");
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.address,
            body.len()
        )
        .expect("sends");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("reads");
        let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
        // Chunked bodies: keep the JSON between the chunk sizes.
        let body = match (body.find(['{', '[']), body.rfind(['}', ']'])) {
            (Some(start), Some(end)) if end >= start => body[start..=end].to_owned(),
            _ => body,
        };
        (status, body)
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The test stack's template copied into a fresh directory (so that `.ferrodyn-local/` lands
/// there), its `CodeUri` made absolute.
fn fixture_template(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ferrodyn-local-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(fixtures().join("template.yaml")).unwrap();
    let functions = fixtures().join("functions");
    let text = text.replace("CodeUri: functions", &format!("CodeUri: {}", functions.display()));
    let path = dir.join("template.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

fn sdk() -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("t", "t", None, None, "t"))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

async fn put_all(client: &aws_sdk_dynamodb::Client, table: &str, keys: &[&str]) {
    let requests: Vec<WriteRequest> = keys
        .iter()
        .map(|k| {
            let put = PutRequest::builder()
                .item("pk", AttributeValue::S((*k).to_owned()))
                .build()
                .unwrap();
            WriteRequest::builder().put_request(put).build()
        })
        .collect();
    for chunk in requests.chunks(25) {
        client.batch_write_item().request_items(table, chunk.to_vec()).send().await.unwrap();
    }
}

/// The records (`pk`s) of each `batch` line a function printed.
fn batches(started: &Started, function: &str) -> Vec<Vec<String>> {
    started
        .lines_with(&format!("[{function}] batch "))
        .iter()
        .filter_map(|l| {
            l.split_once(": ").map(|(_, keys)| keys.split(',').map(str::to_owned).collect())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn start_runs_the_test_stack_with_every_mapping_setting() {
    let prefix = prefix("mappings");
    let items = format!("{prefix}items-fx");
    let client = sdk();
    // The table exists before the start, with a record in its stream: TRIM_HORIZON mappings
    // see it, the LATEST one does not.
    client
        .create_table()
        .table_name(&items)
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .attribute_definitions(
            aws_sdk_dynamodb::types::AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            aws_sdk_dynamodb::types::KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                .build()
                .unwrap(),
        )
        .stream_specification(
            aws_sdk_dynamodb::types::StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(aws_sdk_dynamodb::types::StreamViewType::NewImage)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    put_all(&client, &items, &["keep-old", "l-old"]).await;
    let template = fixture_template("mappings");
    let mut started = Started::new(&template, &prefix);
    started.wait_for(Duration::from_secs(30), |l| {
        l.contains(&format!("table {items} (Items): exists"))
    });
    let audit = client.describe_table().table_name(format!("{prefix}Audit")).send().await.unwrap();
    let audit = audit.table().unwrap();
    // Each index with the projection the template declares.
    let [gsi] = audit.global_secondary_indexes() else { panic!("one global index: {audit:?}") };
    let projection = gsi.projection().unwrap();
    assert_eq!(projection.projection_type(), Some(&ProjectionType::Include));
    assert_eq!(projection.non_key_attributes(), ["pk"]);
    let [lsi] = audit.local_secondary_indexes() else { panic!("one local index: {audit:?}") };
    assert_eq!(lsi.index_name(), Some("by-kind-local"));
    let projection = lsi.projection().and_then(|p| p.projection_type());
    assert_eq!(projection, Some(&ProjectionType::KeysOnly));
    let ttl =
        client.describe_time_to_live().table_name(format!("{prefix}Audit")).send().await.unwrap();
    assert_eq!(ttl.time_to_live_description().and_then(|t| t.attribute_name()), Some("expires"));

    put_all(&client, &items, &["keep-1", "keep-2", "keep-3", "keep-4", "skip-1", "l-new"]).await;
    put_all(
        &client,
        &items,
        &["r-1", "r-bad", "r-3", "u-bad", "b-1", "b-bad", "b-3", "b-4", "a-bad"],
    )
    .await;
    for key in ["w-1", "w-2", "w-3"] {
        put_all(&client, &items, &[key]).await;
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    let wait = Duration::from_secs(60);
    started.wait_for(wait, |l| l.contains("[Recorder] batch") && l.contains("keep-4"));
    started.wait_for(wait, |l| l == "[Recorder] batch 1: l-new");
    started.wait_for(wait, |l| l.contains("[Recorder] batch 3: w-1,w-2,w-3"));
    started.wait_for(wait, |l| l.contains("Reporter.Reported: gave up on 2 records"));
    started.wait_for(wait, |l| l.contains("Bisector.Bisected: gave up on 1 records"));
    started.wait_for(wait, |l| l == "[Bisector] batch 2: b-3,b-4");
    started.wait_for(wait, |l| {
        l.contains("Bisector.Aged: gave up on 1 records") && l.contains("RecordAgeExceeded")
    });
    started.wait_for(wait, |l| l.contains("Reporter.Unreported ←") && l.contains("1 records, ok"));

    // FilterCriteria and BatchSize: only keep- records, at most two a batch.
    let recorded = batches(&started, "Recorder");
    let keep: Vec<&Vec<String>> = recorded.iter().filter(|b| b[0].starts_with("keep-")).collect();
    assert!(
        keep.iter().all(|b| b.len() <= 2 && b.iter().all(|k| k.starts_with("keep-"))),
        "{recorded:?}"
    );
    assert!(keep.iter().any(|b| b.len() == 2), "{recorded:?}");
    let all: Vec<&String> = recorded.iter().flatten().collect();
    assert!(all.contains(&&"keep-old".to_owned()), "TRIM_HORIZON reads what was there: {all:?}");
    assert!(!all.iter().any(|k| *k == "skip-1" || *k == "l-old"), "{all:?}");
    // ReportBatchItemFailures: r-1 checkpointed, r-bad and r-3 retried once, then given up.
    assert_eq!(batches(&started, "Reporter").iter().filter(|b| b[0].starts_with("r-")).count(), 2);
    let failures =
        template.parent().unwrap().join(".ferrodyn-local/failures/Reporter.Reported.jsonl");
    let record = json(std::fs::read_to_string(&failures).unwrap().lines().next().unwrap());
    assert_eq!(record["requestContext"]["condition"], "RetryAttemptsExhausted");
    assert_eq!(record["requestContext"]["approximateInvokeCount"], 2);
    assert_eq!(record["DDBStreamBatchInfo"]["batchSize"], 2);
    assert_eq!(record["destination"], "arn:aws:sqs:us-east-1:000000000000:failures");
    // Without ReportBatchItemFailures the failure list is ignored: one delivery, no retry.
    assert_eq!(batches(&started, "Reporter").iter().filter(|b| b[0].starts_with("u-")).count(), 1);
    // BisectBatchOnFunctionError: 4, then halves, the good record alone, then the bad one alone.
    let bisected: Vec<Vec<String>> =
        batches(&started, "Bisector").into_iter().filter(|b| b[0].starts_with("b-")).collect();
    let sizes: Vec<usize> = bisected.iter().map(Vec::len).collect();
    assert_eq!(sizes, [4, 2, 1, 3, 2, 1, 2], "{bisected:?}");
    assert!(!failures.with_file_name("Bisector.Bisected.jsonl").exists(), "no OnFailure set");

    // HTTP API routes, the Lambda environment, a REST route, a time-out and the restart after it.
    let (status, body) = started.http("GET", "/hello", None);
    assert_eq!(status, 200, "{body}");
    let body = json(&body);
    assert_eq!(body["version"], "2.0");
    let env = &body["env"];
    assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "Web");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "512");
    assert_eq!(env["ITEMS_TABLE"], items.as_str());
    assert_eq!(env["WHERE"], format!("us-east-1/{items}/fx").as_str());
    assert!(env["ITEMS_STREAM"].as_str().unwrap().contains(&format!("table/{items}/stream/")));
    assert_eq!(env["AWS_ENDPOINT_URL_DYNAMODB"], endpoint().as_str());
    assert_eq!(env["GLOBAL_VAR"], "from-globals");
    let (status, body) = started.http("GET", "/rest/hello", None);
    assert_eq!((status, json(&body)["path"].clone()), (200, json!("/rest/hello")));
    let timed = Instant::now();
    let (status, _) = started.http("GET", "/sleep/30", None);
    assert!(status >= 500, "{status}");
    assert!(timed.elapsed() < Duration::from_secs(10), "Timeout: 1 ends the invocation");
    let (status, _) = started.http("GET", "/hello", None);
    assert_eq!(status, 200, "a fresh process serves after the time-out");
    assert_eq!(started.http("GET", "/nowhere", None).0, 404);
    started.wait_for(wait, |l| l.starts_with("http GET /sleep/30 5"));
    assert!(!started.lines_with("[Web] served /hello").is_empty(), "function logs, prefixed");
}

#[test]
fn invoke_runs_one_event_and_generate_event_writes_samples() {
    let template = fixture_template("invoke");
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut child = Command::new(BIN)
            .args(args)
            .args(["--template", template.to_str().unwrap(), "--table-prefix", &prefix("invoke")])
            .env(ferrodyn_testing::ENDPOINT_ENV, endpoint())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.unwrap_or_default().as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let sample = Command::new(BIN).args(["generate-event", "http"]).output().unwrap();
    assert!(sample.status.success());
    let event = String::from_utf8(sample.stdout).unwrap();
    assert_eq!(json(&event)["rawPath"], "/customers/1");
    let out = run(&["invoke", "Web", "--event", "-"], Some(&event));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let response = json(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(response["statusCode"], 200);
    assert_eq!(json(response["body"].as_str().unwrap())["path"], "/customers/1");
    assert!(String::from_utf8_lossy(&out.stderr).contains("[Web] served /customers/1"));

    let sleepy = event.replace("\"/customers/1\"", "\"/sleep/9\"");
    let file = template.with_file_name("sleep.json");
    std::fs::write(&file, sleepy).unwrap();
    let out = run(&["invoke", "Web", "--event", file.to_str().unwrap()], None);
    assert!(!out.status.success());
    assert_eq!(json(&String::from_utf8(out.stdout).unwrap())["errorType"], "Sandbox.Timedout");

    let stream = Command::new(BIN).args(["generate-event", "dynamodb"]).output().unwrap();
    let out = run(
        &["invoke", "Recorder", "--event", "-"],
        Some(&String::from_utf8(stream.stdout).unwrap()),
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("[Recorder] batch 1: CUSTOMER#1"));
    let unknown = run(&["invoke", "Nobody", "--event", "-"], Some("{}"));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no Rust function Nobody"));
    let bad = Command::new(BIN).args(["generate-event", "s3"]).output().unwrap();
    assert!(!bad.status.success());
}

#[test]
fn start_serves_the_example_stack_and_feeds_its_stream_consumer() {
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    let mut started = Started::new(&template, &prefix("example"));
    let (status, body) = started.http(
        "POST",
        "/customers",
        Some(json!({"name": "Ada", "email": "ada@example.com"})),
    );
    println!("start to the first served request: {} ms", started.startup.as_millis());
    assert_eq!(status, 201, "{body}");
    let id = json(&body)["id"].as_str().unwrap().to_owned();
    let (status, body) = started.http("GET", &format!("/customers/{id}"), None);
    assert_eq!((status, json(&body)["name"].clone()), (200, json!("Ada")));
    let mut totals = Vec::new();
    let mut order_ids = Vec::new();
    for (qty, price) in [(2, 450), (1, 1250), (3, 100)] {
        let lines = json!({"lines": [{"sku": "BOOK", "qty": qty, "price_cents": price}]});
        let (status, body) = started.http("POST", &format!("/customers/{id}/orders"), Some(lines));
        assert_eq!(status, 201, "{body}");
        let order = json(&body);
        totals.push(order["total_cents"].as_i64().unwrap());
        order_ids.push(order["order_id"].as_str().unwrap().to_owned());
    }
    let (status, body) = started.http("GET", &format!("/customers/{id}/orders"), None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&order_ids[0]));
    let order = format!("/customers/{id}/orders/{}", order_ids[0]);
    let (status, body) =
        started.http("PATCH", &order, Some(json!({"status": "paid", "version": 1})));
    assert_eq!(status, 200, "{body}");
    let (status, body) = started.http("GET", "/orders?status=paid", None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&order_ids[0]), "{body}");
    let deleted = format!("/customers/{id}/orders/{}", order_ids[1]);
    assert_eq!(started.http("DELETE", &deleted, None).0, 204);
    assert_eq!(started.http("GET", "/customers", None).0, 404, "no GET /customers route");

    // The consumer keeps the stats from the stream: two orders left.
    let want = (2, totals[0] + totals[2]);
    let until = Instant::now() + Duration::from_secs(60);
    let stats = loop {
        let (status, body) = started.http("GET", &format!("/customers/{id}/stats"), None);
        let stats = if status == 200 { json(&body) } else { Value::Null };
        let got = (
            stats["order_count"].as_i64().unwrap_or(-1),
            stats["total_cents"].as_i64().unwrap_or(-1),
        );
        if got == want || Instant::now() > until {
            break got;
        }
        thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(stats, want, "{}", started.output());
    started.wait_for(Duration::from_secs(5), |l| {
        l.starts_with("stream OrderStreamFunction.ShopStream ←")
    });
    started.wait_for(Duration::from_secs(5), |l| {
        l.starts_with("http POST /customers 201 OrdersApiFunction")
    });
}

#[test]
fn watch_restarts_the_function_whose_binary_was_rebuilt() {
    let template = fixture_template("watch");
    let mut started = Started::with(&template, &prefix("watch"), &["--watch"]);
    assert_eq!(started.http("GET", "/hello", None).0, 200);
    // A newer modification time is a change to cargo: fixture-http is rebuilt, fixture-stream
    // (the other functions' binary) is not.
    let source = fixtures().join("functions/src/bin/fixture-http.rs");
    let file = std::fs::File::options().append(true).open(&source).unwrap();
    file.set_modified(std::time::SystemTime::now()).unwrap();
    started.wait_for(Duration::from_secs(300), |l| l == "watch: Web restarted with the new build");
    assert!(started.lines_with("watch: Recorder restarted").is_empty(), "{}", started.output());
    assert_eq!(started.http("GET", "/hello", None).0, 200);
}
