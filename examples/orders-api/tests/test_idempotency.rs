//! `Idempotency-Key` on `POST /customers/{id}/orders`: the built binary under the local Runtime
//! API against DynamoDB Local, with the shop table and an idempotency table (as template.yaml
//! declares it) of its own per test.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;
use ferrodyn::Model;
use ferrodyn_idempotency::Idempotency;
use ferrodyn_local::runtime_api::{Bootstrap, LocalFunction};
use ferrodyn_testing::TestDb;
use orders_api::models::{Customer, Order};
use serde_json::{json, Value};

mod common;

use common::event;

const FUNCTION: &str = "orders-api";

struct Api {
    runtime: tokio::runtime::Runtime,
    db: TestDb,
    idempotency_table: Option<String>,
    function: LocalFunction,
}

#[derive(Debug)]
struct Reply {
    status: u16,
    body: Value,
    headers: Value,
}

impl Api {
    /// The function with an idempotency table.
    fn start() -> Api {
        Api::start_with(true)
    }

    fn start_with(idempotency: bool) -> Api {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (db, idempotency_table) = runtime.block_on(async {
            let db = TestDb::new().await.unwrap();
            db.create_table_for(&[Customer::META, Order::META]).await.unwrap();
            let table = if idempotency { Some(create_idempotency_table(&db).await) } else { None };
            (db, table)
        });
        let function = spawn(&db, idempotency_table.as_deref());
        Api { runtime, db, idempotency_table, function }
    }

    /// Another execution environment of the same function.
    fn another_environment(&self) -> LocalFunction {
        spawn(&self.db, self.idempotency_table.as_deref())
    }

    fn create_customer(&self) -> String {
        let body = json!({"name": "Ada", "email": "ada@example.com"}).to_string();
        let reply = send(&self.function, event("POST", "/customers", Some(&body), false));
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    fn post_order(&self, customer_id: &str, key: Option<&str>, body: &str) -> Reply {
        send(&self.function, order_event(customer_id, key, body))
    }

    fn orders(&self, customer_id: &str) -> Vec<Order> {
        self.runtime
            .block_on(
                self.db.query(Order::partition(customer_id)).sort_key_begins_with("ORDER#").all(),
            )
            .unwrap()
    }

    /// Every record in the idempotency table.
    fn records(&self) -> Vec<std::collections::HashMap<String, AttributeValue>> {
        let table = self.idempotency_table.as_deref().unwrap();
        let scan = self.runtime.block_on(self.db.client().scan().table_name(table).send());
        scan.unwrap().items.unwrap_or_default()
    }
}

fn spawn(db: &TestDb, idempotency_table: Option<&str>) -> LocalFunction {
    let endpoint = ferrodyn_testing::shared_endpoint().unwrap();
    let mut bootstrap = Bootstrap::new(env!("CARGO_BIN_EXE_orders-api"))
        .function_name(FUNCTION)
        .env("TABLE_NAME", db.table_name("shop"))
        .env("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local");
    if let Some(table) = idempotency_table {
        bootstrap = bootstrap.env("IDEMPOTENCY_TABLE", table);
    }
    bootstrap.spawn().unwrap()
}

/// The table of template.yaml's `IdempotencyTable`: partition key `id` (S), on demand, TTL on
/// `expiration`.
async fn create_idempotency_table(db: &TestDb) -> String {
    let idempotency = Idempotency::builder(db, "idempotency").build().unwrap();
    idempotency.create_table().await.unwrap();
    db.table_name("idempotency")
}

fn order_event(customer_id: &str, key: Option<&str>, body: &str) -> Value {
    let mut event = event("POST", &format!("/customers/{customer_id}/orders"), Some(body), false);
    if let Some(key) = key {
        // Mixed case: header names are case-insensitive.
        event["headers"]["Idempotency-Key"] = json!(key);
    }
    event
}

fn send(function: &LocalFunction, event: Value) -> Reply {
    let result = match function.invoke(&event.to_string()) {
        Ok(result) => result,
        Err(e) => panic!("{e}\nfunction output:\n{}", function.logs()),
    };
    let body = match result.into_body() {
        Ok(body) => body,
        Err(e) => panic!("the function reported {e}\noutput:\n{}", function.logs()),
    };
    let response: Value = serde_json::from_str(&body).unwrap();
    let text = response["body"].as_str().unwrap_or_default();
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(text).unwrap() };
    Reply {
        status: u16::try_from(response["statusCode"].as_u64().unwrap()).unwrap(),
        body,
        headers: response["headers"].clone(),
    }
}

fn assert_error(reply: &Reply, status: u16, says: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    let message = reply.body["error"].as_str().unwrap_or_else(|| panic!("{}", reply.body));
    assert!(message.contains(says), "{message}");
    assert_eq!(reply.body.as_object().unwrap().len(), 1, "{}", reply.body);
}

const ONE_LINE: &str = r#"{"lines":[{"sku":"tea","qty":2,"price_cents":350}]}"#;

fn now_millis() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

#[test]
fn a_retry_with_the_same_key_and_body_gets_the_first_order() {
    let api = Api::start();
    let customer = api.create_customer();
    let first = api.post_order(&customer, Some("retry-1"), ONE_LINE);
    assert_eq!(first.status, 201, "{}", first.body);
    // The same JSON, spaced and ordered differently.
    let respaced = "{ \"lines\" : [ {\"price_cents\": 350, \"qty\": 2, \"sku\": \"tea\"} ] }\n";
    let second = api.post_order(&customer, Some("retry-1"), respaced);
    assert_eq!(second.status, 201, "{}", second.body);
    assert_eq!(second.body, first.body);
    assert_eq!(second.headers["content-type"], "application/json");
    let orders = api.orders(&customer);
    assert_eq!(orders.len(), 1);
    assert_eq!(first.body["order_id"], orders[0].order_id.as_str());

    // The record is Powertools': `<function>.create_order#<md5 of [customer, key]>`, completed,
    // with the order as its data.
    let records = api.records();
    assert_eq!(records.len(), 1);
    let record = &records[0];
    let id = format!(
        "{FUNCTION}.create_order#{}",
        ferrodyn_idempotency::hash(&json!([customer, "retry-1"]))
    );
    assert_eq!(record["id"].as_s().unwrap(), &id);
    assert_eq!(record["status"].as_s().unwrap(), "COMPLETED");
    let data: Value = serde_json::from_str(record["data"].as_s().unwrap()).unwrap();
    assert_eq!(data, first.body);
    let body: Value = serde_json::from_str(ONE_LINE).unwrap();
    assert_eq!(record["validation"].as_s().unwrap(), &ferrodyn_idempotency::hash(&body));
    // The key was held until the invocation's deadline (the local Runtime API announces 30 s),
    // not for the crate's 15-minute default.
    let held_until: i64 = record["in_progress_expiration"].as_n().unwrap().parse().unwrap();
    assert!(held_until <= now_millis() + 30_000, "{held_until}");
    assert!(held_until > now_millis(), "{held_until}");
}

#[test]
fn the_same_key_with_another_body_is_a_422() {
    let api = Api::start();
    let customer = api.create_customer();
    assert_eq!(api.post_order(&customer, Some("k"), ONE_LINE).status, 201);
    let other = r#"{"lines":[{"sku":"tea","qty":3,"price_cents":350}]}"#;
    let reply = api.post_order(&customer, Some("k"), other);
    assert_error(&reply, 422, "different request body");
    assert!(!reply.body.to_string().contains("tea"), "{}", reply.body);
    assert_eq!(api.orders(&customer).len(), 1);
    // Neither the key nor the body reaches the log.
    let logs = api.function.logs();
    assert!(logs.contains("handled a request"), "{logs}");
    assert!(!logs.contains("\"k\"") && !logs.contains("tea"), "{logs}");
}

#[test]
fn different_keys_and_no_key_create_an_order_each() {
    let api = Api::start();
    let customer = api.create_customer();
    let a = api.post_order(&customer, Some("a"), ONE_LINE);
    let b = api.post_order(&customer, Some("b"), ONE_LINE);
    assert_eq!((a.status, b.status), (201, 201));
    assert_ne!(a.body["order_id"], b.body["order_id"]);
    // Without the header: as before, every request creates, and no record is written.
    let c = api.post_order(&customer, None, ONE_LINE);
    let d = api.post_order(&customer, None, ONE_LINE);
    assert_eq!((c.status, d.status), (201, 201));
    assert_ne!(c.body["order_id"], d.body["order_id"]);
    assert_eq!(api.orders(&customer).len(), 4);
    assert_eq!(api.records().len(), 2);
    // The key belongs to the customer: another customer's request with it is its own.
    let body = json!({"name": "Grace", "email": "grace@example.com"}).to_string();
    let grace = send(&api.function, event("POST", "/customers", Some(&body), false));
    let grace = grace.body["id"].as_str().unwrap().to_owned();
    assert_eq!(api.post_order(&grace, Some("a"), ONE_LINE).status, 201);
    assert_eq!(api.orders(&grace).len(), 1);
}

#[test]
fn a_failed_request_leaves_no_record_and_its_retry_runs_again() {
    let api = Api::start();
    let unknown = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    assert_error(&api.post_order(unknown, Some("k"), ONE_LINE), 404, "customer not found");
    assert!(api.records().is_empty());
    assert_error(&api.post_order(unknown, Some("k"), ONE_LINE), 404, "customer not found");
    assert!(api.records().is_empty());

    // A body the handler refuses (400) stores nothing either: fixed, the retry creates.
    let customer = api.create_customer();
    let no_lines = r#"{"lines":[]}"#;
    assert_error(&api.post_order(&customer, Some("k"), no_lines), 400, "at least one line");
    assert!(api.records().is_empty());
    assert_error(&api.post_order(&customer, Some("k"), "{not json"), 400, "malformed JSON");
    assert!(api.records().is_empty());
    let created = api.post_order(&customer, Some("k"), ONE_LINE);
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(api.orders(&customer).len(), 1);
    assert_eq!(api.records().len(), 1);
}

#[test]
fn an_invalid_key_is_a_400_that_does_not_repeat_it() {
    let api = Api::start();
    let customer = api.create_customer();
    let too_long = "k".repeat(256);
    for key in ["", "has space", "tab\there", "caf\u{e9}", too_long.as_str()] {
        let reply = api.post_order(&customer, Some(key), ONE_LINE);
        assert_error(&reply, 400, "Idempotency-Key must be 1 to 255 visible ASCII characters");
    }
    // The longest key and every visible character are fine.
    let longest = "~".repeat(255);
    assert_eq!(api.post_order(&customer, Some(&longest), ONE_LINE).status, 201);
    let visible: String = ('!'..='~').collect();
    assert_eq!(api.post_order(&customer, Some(&visible), ONE_LINE).status, 201);
    assert_eq!(api.orders(&customer).len(), 2);
    assert_eq!(api.records().len(), 2);
}

#[test]
fn a_key_in_progress_is_a_409_with_retry_after() {
    let api = Api::start();
    let customer = api.create_customer();
    // What a first request still running has written (as the crate writes it).
    let body: Value = serde_json::from_str(ONE_LINE).unwrap();
    let id = format!(
        "{FUNCTION}.create_order#{}",
        ferrodyn_idempotency::hash(&json!([customer, "busy"]))
    );
    let now = now_millis();
    let put = api
        .db
        .client()
        .put_item()
        .table_name(api.idempotency_table.as_deref().unwrap())
        .item("id", AttributeValue::S(id))
        .item("status", AttributeValue::S("INPROGRESS".into()))
        .item("expiration", AttributeValue::N((now / 1000 + 3600).to_string()))
        .item("in_progress_expiration", AttributeValue::N((now + 60_000).to_string()))
        .item("validation", AttributeValue::S(ferrodyn_idempotency::hash(&body)))
        .send();
    api.runtime.block_on(put).unwrap();

    let reply = api.post_order(&customer, Some("busy"), ONE_LINE);
    assert_error(&reply, 409, "still in progress");
    assert_eq!(reply.headers["retry-after"], "1");
    // Another body under that key is refused as such, even while the first runs.
    let other = r#"{"lines":[{"sku":"cake","qty":1,"price_cents":500}]}"#;
    assert_error(&api.post_order(&customer, Some("busy"), other), 422, "different request body");
    assert!(api.orders(&customer).is_empty());
    assert_eq!(api.records().len(), 1);
}

#[test]
fn simultaneous_requests_with_one_key_create_one_order() {
    let api = Api::start();
    let customer = api.create_customer();
    let others: Vec<LocalFunction> = (0..3).map(|_| api.another_environment()).collect();
    let functions: Vec<&LocalFunction> = std::iter::once(&api.function).chain(&others).collect();
    // Warm each environment, so that the requests below start together.
    for function in &functions {
        let reply = send(function, event("GET", &format!("/customers/{customer}"), None, false));
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    for round in 0..5 {
        let key = format!("race-{round}");
        let barrier = std::sync::Barrier::new(functions.len());
        let replies: Vec<Reply> = std::thread::scope(|scope| {
            let handles: Vec<_> = functions
                .iter()
                .map(|function| {
                    let (barrier, key, customer) = (&barrier, &key, &customer);
                    scope.spawn(move || {
                        let event = order_event(customer, Some(key), ONE_LINE);
                        barrier.wait();
                        send(function, event)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let created: Vec<&Reply> = replies.iter().filter(|r| r.status == 201).collect();
        assert!(!created.is_empty(), "{replies:?}");
        for reply in &replies {
            match reply.status {
                201 => assert_eq!(reply.body, created[0].body),
                409 => assert_error(reply, 409, "still in progress"),
                _ => panic!("{replies:?}"),
            }
        }
        let orders = api.orders(&customer);
        assert_eq!(orders.len(), round + 1, "{replies:?}");
        assert!(orders.iter().any(|o| created[0].body["order_id"] == o.order_id.as_str()));
    }
}

#[test]
fn without_an_idempotency_table_the_header_is_refused() {
    let api = Api::start_with(false);
    let customer = api.create_customer();
    let reply = api.post_order(&customer, Some("k"), ONE_LINE);
    assert_error(&reply, 400, "not supported by this deployment");
    assert!(api.orders(&customer).is_empty());
    // Without the header the route works as always.
    assert_eq!(api.post_order(&customer, None, ONE_LINE).status, 201);
    assert!(
        api.function.logs().contains("IDEMPOTENCY_TABLE is not set"),
        "{}",
        api.function.logs()
    );
}
