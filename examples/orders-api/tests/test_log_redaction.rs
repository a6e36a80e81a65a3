//! The orders API's log at the loudest levels users set while debugging: the built binary runs
//! under the local Runtime API against DynamoDB Local with canary values in its request bodies
//! (and so in the items it writes and reads back) and in its credentials, and its whole output
//! (stdout and stderr) must carry none of them while carrying TRACE lines; only a `RUST_LOG`
//! directive that names `lambda_runtime` shows the raw events.

use ferrodyn::Model;
use ferrodyn_local::runtime_api::LocalFunction;
use ferrodyn_testing::TestDb;
use orders_api::models::{Customer, Order};
use serde_json::{json, Value};

mod common;
mod redaction;

use common::event;
use redaction::{assert_redacted, raw_events, settled_logs, LOUD, RAW_EVENTS};

const NAME: &str = "Canary Quillon Name";
const EMAIL: &str = "canary.quillon@example.com";
const SKU: &str = "CANARY-SKU-QUILLON";
/// Logged once per request, at INFO.
const HANDLED: &str = "handled a request";
/// Logged once per request, at TRACE.
const ROUTING: &str = "routing a request";

/// Runs the API with `logging` on a table of its own, sends six requests whose bodies (and the
/// items they create) hold the canaries, and returns everything the process wrote.
fn output_of(logging: &[(&str, &str)]) -> String {
    let db = table();
    let program = env!("CARGO_BIN_EXE_orders-api");
    let function = redaction::spawn(program, &db.table_name("shop"), &[], logging);
    let customer = call(&function, "POST", "/customers", json!({"name": NAME, "email": EMAIL}));
    let id = customer["id"].as_str().unwrap_or_else(|| panic!("{customer}"));
    call(&function, "GET", &format!("/customers/{id}"), Value::Null);
    let lines = json!({"lines": [{"sku": SKU, "qty": 2, "price_cents": 1250}]});
    call(&function, "POST", &format!("/customers/{id}/orders"), lines);
    call(&function, "GET", &format!("/customers/{id}/orders"), Value::Null);
    // Refused bodies: a taken email (409) and a malformed one (400).
    call(&function, "POST", "/customers", json!({"name": NAME, "email": EMAIL}));
    call(&function, "POST", "/customers", json!({"name": NAME, "email": [EMAIL]}));
    settled_logs(&function, HANDLED, 6)
}

/// Sends one request and returns the response body as JSON (`null` when empty).
fn call(function: &LocalFunction, method: &str, target: &str, body: Value) -> Value {
    let body = (!body.is_null()).then(|| body.to_string());
    let event = event(method, target, body.as_deref(), false);
    let result = function.invoke(&event.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let response: Value = serde_json::from_str(&result.into_body().unwrap()).unwrap();
    serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap()
}

fn table() -> TestDb {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let db = TestDb::new().await.unwrap();
        db.create_table_for(&[Customer::META, Order::META]).await.unwrap();
        db
    })
}

#[test]
fn no_item_value_or_credential_reaches_the_log_at_trace() {
    for logging in LOUD {
        let logs = output_of(logging);
        assert_redacted(&logs, logging, &[NAME, EMAIL, SKU], ROUTING, 6);
    }
}

#[test]
fn a_directive_naming_lambda_runtime_shows_the_raw_events() {
    for logging in RAW_EVENTS {
        let logs = output_of(logging);
        let raw = raw_events(&logs, logging);
        assert_eq!(raw.len(), 6, "{logging:?}:\n{logs}");
        assert!(raw[0].contains(EMAIL) && raw[2].contains(SKU), "{logging:?}:\n{logs}");
    }
}
