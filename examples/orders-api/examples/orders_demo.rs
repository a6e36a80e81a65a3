//! `cargo xtask demo`'s second part: the orders API binary runs as a Lambda under the local
//! Runtime API against DynamoDB (`AWS_ENDPOINT_URL_DYNAMODB`), and a scripted series of API
//! Gateway requests is printed with each response. Build the binary first:
//! `cargo build -p orders-api --bin orders-api`.

use std::path::PathBuf;

use ferrodyn::{Db, Model};
use ferrodyn_local::runtime_api::Bootstrap;
use orders_api::models::{Customer, Order};
use serde_json::{json, Value};

type Error = Box<dyn std::error::Error>;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("orders API demo failed: {e}");
        std::process::exit(1);
    }
}

/// `target/<profile>/orders-api`, next to `target/<profile>/examples/orders_demo`.
fn bootstrap_path() -> Result<PathBuf, Error> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe.parent().and_then(|examples| examples.parent()).ok_or("no target dir")?;
    let path = profile_dir.join(format!("orders-api{}", std::env::consts::EXE_SUFFIX));
    if !path.is_file() {
        return Err(format!(
            "{} is missing: cargo build -p orders-api --bin orders-api",
            path.display()
        )
        .into());
    }
    Ok(path)
}

async fn run() -> Result<(), Error> {
    let db = Db::from_env().await.with_table_prefix(format!("orders-demo-{}-", std::process::id()));
    db.create_table_for(&[Customer::META, Order::META]).await?;
    let table = db.table_name("shop");
    let mut bootstrap = Bootstrap::new(bootstrap_path()?).env("TABLE_NAME", &table);
    for name in
        ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
    {
        if let Ok(value) = std::env::var(name) {
            bootstrap = bootstrap.env(name, value);
        }
    }
    let function = bootstrap.spawn()?;
    println!("\norders API as a Lambda binary under a local Runtime API, table {table}\n");

    let call = |method: &str, target: &str, body: Option<Value>| -> Result<Value, Error> {
        println!(
            "→ {method} {target}{}",
            body.as_ref().map(|b| format!(" {b}")).unwrap_or_default()
        );
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let event = json!({
            "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
            "headers": {"content-type": "application/json"},
            "requestContext": {"http": {"method": method, "path": path}, "stage": "$default"},
            "body": body.map(|b| b.to_string()), "isBase64Encoded": false
        });
        let result = function.invoke(&event.to_string())?.into_body()?;
        let response: Value = serde_json::from_str(&result)?;
        let text = response["body"].as_str().unwrap_or_default();
        let body: Value = if text.is_empty() { Value::Null } else { serde_json::from_str(text)? };
        println!(
            "← {} {}\n",
            response["statusCode"],
            if body.is_null() { String::new() } else { body.to_string() }
        );
        Ok(body)
    };

    let ada = call("POST", "/customers", Some(json!({"name": "Ada", "email": "ada@example.com"})))?;
    let id = ada["id"].as_str().ok_or("no customer id")?.to_owned();
    call("POST", "/customers", Some(json!({"name": "Ada again", "email": "ADA@example.com"})))?;
    call("GET", &format!("/customers/{id}"), None)?;
    let mut first = Value::Null;
    for (sku, qty) in [("BOOK", 1), ("PEN", 3), ("INK", 2)] {
        let lines = json!([{"sku": sku, "qty": qty, "price_cents": 450}]);
        let order =
            call("POST", &format!("/customers/{id}/orders"), Some(json!({ "lines": lines })))?;
        if first.is_null() {
            first = order;
        }
    }
    call("POST", &format!("/customers/{id}/orders"), Some(json!({"lines": []})))?;
    let page = call("GET", &format!("/customers/{id}/orders?limit=2"), None)?;
    if let Some(cursor) = page["cursor"].as_str() {
        call("GET", &format!("/customers/{id}/orders?limit=2&cursor={cursor}"), None)?;
    }
    let order_path =
        format!("/customers/{id}/orders/{}", first["order_id"].as_str().unwrap_or("-"));
    call("PATCH", &order_path, Some(json!({"status": "paid", "version": 1})))?;
    call("PATCH", &order_path, Some(json!({"status": "cancelled", "version": 1})))?;
    call("GET", "/orders?status=paid", None)?;
    // Orders of two customers: the listing names each order's customer, loaded in one
    // BatchGetItem for the page (the function's log line gives the request counts).
    let grace =
        call("POST", "/customers", Some(json!({"name": "Grace", "email": "grace@example.com"})))?;
    let grace_id = grace["id"].as_str().ok_or("no customer id")?.to_owned();
    for sku in ["LAMP", "DESK"] {
        let lines = json!([{"sku": sku, "qty": 1, "price_cents": 1200}]);
        call("POST", &format!("/customers/{grace_id}/orders"), Some(json!({ "lines": lines })))?;
    }
    call("GET", "/orders?status=pending", None)?;
    for line in function.logs().lines().filter(|l| l.contains("loaded the page's customers")) {
        println!("function log: {line}");
    }
    call("DELETE", &order_path, None)?;
    call("DELETE", &order_path, None)?;
    call("GET", "/nowhere", None)?;

    if let (Some(spawned), Some(first_next)) =
        (function.timings().spawned, function.timings().first_next)
    {
        println!(
            "init (spawn → first /next): {:.1} ms",
            (first_next - spawned).as_secs_f64() * 1e3
        );
    }
    drop(function);
    db.client().delete_table().table_name(&table).send().await?;
    println!("orders API demo finished");
    Ok(())
}
