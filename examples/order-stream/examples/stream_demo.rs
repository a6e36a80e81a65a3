//! `cargo xtask demo`'s third part: the orders API and the order-stream consumer run as Lambda
//! binaries under local Runtime APIs against DynamoDB (`AWS_ENDPOINT_URL_DYNAMODB`). API calls
//! write orders; the local stream poller delivers the table's stream to the consumer, with the
//! template's filter, batch size and retry bound; the stats the API then serves are checked
//! against the orders written. Build both binaries first:
//! `cargo build -p orders-api --bin orders-api -p order-stream --bin order-stream`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ferrodyn::{Db, Model};
use ferrodyn_idempotency::Idempotency;
use ferrodyn_local::runtime_api::{Bootstrap, LocalFunction};
use ferrodyn_local::stream_poller::{Outcome, StreamPoller};
use order_stream::handler::{IDEMPOTENCY_TABLE, IDEMPOTENCY_TABLE_VAR};
use orders_api::models::{Customer, Order};
use serde_json::{json, Value};

type Error = Box<dyn std::error::Error>;

/// The template's filter for the consumer (template.yaml, `OrderStreamFunction`).
const FILTERS: [&str; 2] = [
    r#"{"dynamodb":{"NewImage":{"entity":{"S":["Order"]}}}}"#,
    r#"{"dynamodb":{"OldImage":{"entity":{"S":["Order"]}}}}"#,
];

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("order stream demo failed: {e}");
        std::process::exit(1);
    }
}

/// `target/<profile>/<name>`, next to `target/<profile>/examples/stream_demo`.
fn bootstrap_path(name: &str) -> Result<PathBuf, Error> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe.parent().and_then(|examples| examples.parent()).ok_or("no target dir")?;
    let path = profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !path.is_file() {
        return Err(format!("{} is missing: cargo build --bin {name}", path.display()).into());
    }
    Ok(path)
}

fn spawn(name: &str, table: &str, idempotency_table: &str) -> Result<LocalFunction, Error> {
    let mut bootstrap = Bootstrap::new(bootstrap_path(name)?)
        .env("TABLE_NAME", table)
        .env(IDEMPOTENCY_TABLE_VAR, idempotency_table);
    for name in
        ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
    {
        if let Ok(value) = std::env::var(name) {
            bootstrap = bootstrap.env(name, value);
        }
    }
    Ok(bootstrap.spawn()?)
}

/// One API Gateway HTTP API request to the orders API; the response body.
fn call(
    api: &LocalFunction,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Result<Value, Error> {
    let event = json!({
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {"http": {"method": method, "path": path}, "stage": "$default"},
        "body": body.map(|b| b.to_string()), "isBase64Encoded": false
    });
    let response: Value = serde_json::from_str(&api.invoke(&event.to_string())?.into_body()?)?;
    let status = response["statusCode"].as_u64().unwrap_or_default();
    let text = response["body"].as_str().unwrap_or_default();
    let body: Value = if text.is_empty() { Value::Null } else { serde_json::from_str(text)? };
    println!("{method} {path} → {status}");
    if status >= 400 {
        return Err(format!("{method} {path} answered {status}: {body}").into());
    }
    Ok(body)
}

async fn run() -> Result<(), Error> {
    let db = Db::from_env().await.with_table_prefix(format!("stream-demo-{}-", std::process::id()));
    db.create_table_for(&[Customer::META, Order::META]).await?;
    let idempotency = Idempotency::builder(&db, IDEMPOTENCY_TABLE).build()?;
    idempotency.create_table().await?;
    let table = db.table_name("shop");
    let idempotency_table = db.table_name(IDEMPOTENCY_TABLE);
    let api = spawn("orders-api", &table, &idempotency_table)?;
    let consumer = spawn("order-stream", &table, &idempotency_table)?;
    println!(
        "\norder stream: the orders API writes, the poller feeds order-stream, table {table}\n"
    );

    // The orders written, per customer name: (count, total) as the API reported them.
    let mut expected: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut ids = BTreeMap::new();
    for (name, orders) in [("Ada", &[(1, 1250), (3, 450)][..]), ("Grace", &[(2, 999), (1, 5000)])] {
        let email = format!("{}@example.com", name.to_lowercase());
        let customer =
            call(&api, "POST", "/customers", Some(json!({"name": name, "email": email})))?;
        let id = customer["id"].as_str().ok_or("no customer id")?.to_owned();
        let mut last = Value::Null;
        for &(qty, price) in orders {
            let lines = json!([{"sku": "BOOK", "qty": qty, "price_cents": price}]);
            last = call(
                &api,
                "POST",
                &format!("/customers/{id}/orders"),
                Some(json!({ "lines": lines })),
            )?;
            let entry = expected.entry(name.to_owned()).or_default();
            entry.0 += 1;
            entry.1 += last["total_cents"].as_i64().ok_or("no total")?;
        }
        if name == "Grace" {
            // A status change (no effect on the stats), then a deletion (subtracted).
            let order_path =
                format!("/customers/{id}/orders/{}", last["order_id"].as_str().unwrap_or("-"));
            call(&api, "PATCH", &order_path, Some(json!({"status": "paid", "version": 1})))?;
            call(&api, "DELETE", &order_path, None)?;
            let entry = expected.entry(name.to_owned()).or_default();
            entry.0 -= 1;
            entry.1 -= last["total_cents"].as_i64().ok_or("no total")?;
        }
        ids.insert(name.to_owned(), id);
    }

    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB")?;
    let mut poller =
        StreamPoller::connect(&endpoint, &table).await?.batch_size(100).maximum_retry_attempts(5);
    for filter in FILTERS {
        poller = poller.filter(filter)?;
    }
    let delivery = poller.run(&consumer).await?;
    let records: usize = delivery.invocations.iter().map(|i| i.sequence_numbers.len()).sum();
    println!(
        "\npoller: {} invocation(s), {records} Order record(s) delivered, {} failed batch(es)",
        delivery.invocations.len(),
        delivery.failed_batches.len()
    );
    if delivery.invocations.iter().any(|i| i.outcome != Outcome::Success) {
        return Err(format!("the consumer reported failures:\n{}", consumer.logs()).into());
    }

    let mut mismatches = 0;
    for (name, id) in &ids {
        let stats = call(&api, "GET", &format!("/customers/{id}/stats"), None)?;
        let got = (
            stats["order_count"].as_i64().unwrap_or(-1),
            stats["total_cents"].as_i64().unwrap_or(-1),
        );
        let want = expected.get(name).copied().unwrap_or_default();
        let verdict = if got == want { "match" } else { "MISMATCH" };
        mismatches += usize::from(got != want);
        println!(
            "  {name}: stats {} order(s), {} cents; written {} order(s), {} cents: {verdict}",
            got.0, got.1, want.0, want.1
        );
    }
    drop((api, consumer));
    for name in [&table, &idempotency_table] {
        db.client().delete_table().table_name(name).send().await?;
    }
    if mismatches > 0 {
        return Err(format!(
            "{mismatches} customer(s) with stats that differ from the orders written"
        )
        .into());
    }
    println!("order stream demo finished");
    Ok(())
}
