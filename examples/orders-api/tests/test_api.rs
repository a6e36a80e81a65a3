//! The orders API as a real Lambda: the built binary runs under the local Runtime API against
//! DynamoDB Local and receives API Gateway HTTP API (payload v2) events, one warm process per
//! test, each test with a table of its own.

use ferrodyn::Model;
use ferrodyn_local::runtime_api::{Bootstrap, LocalFunction};
use ferrodyn_testing::TestDb;
use orders_api::models::{Customer, CustomerStats, Order};
use serde_json::{json, Value};

mod common;

use common::event;

struct Api {
    function: LocalFunction,
    db: TestDb,
}

struct Reply {
    status: u16,
    body: Value,
    headers: Value,
}

impl Api {
    fn start() -> Api {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let db = runtime.block_on(async {
            let db = TestDb::new().await.unwrap();
            db.create_table_for(&[Customer::META, Order::META]).await.unwrap();
            db
        });
        let endpoint = ferrodyn_testing::shared_endpoint().unwrap();
        let function = Bootstrap::new(env!("CARGO_BIN_EXE_orders-api"))
            .env("TABLE_NAME", db.table_name("shop"))
            .env("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "local")
            .env("AWS_SECRET_ACCESS_KEY", "local")
            .spawn()
            .unwrap();
        Api { function, db }
    }

    fn call(&self, method: &str, target: &str, body: Option<&str>) -> Reply {
        self.send(event(method, target, body, false))
    }

    fn send(&self, event: Value) -> Reply {
        let result = match self.function.invoke(&event.to_string()) {
            Ok(result) => result,
            Err(e) => panic!("{e}\nfunction output:\n{}", self.function.logs()),
        };
        let body = match result.into_body() {
            Ok(body) => body,
            Err(e) => panic!("the function reported {e}\noutput:\n{}", self.function.logs()),
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

    fn create_customer(&self, name: &str, email: &str) -> Value {
        let reply = self.call(
            "POST",
            "/customers",
            Some(&json!({"name": name, "email": email}).to_string()),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body
    }

    fn create_order(&self, customer_id: &str, lines: Value) -> Value {
        let reply = self.call(
            "POST",
            &format!("/customers/{customer_id}/orders"),
            Some(&json!({ "lines": lines }).to_string()),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body
    }
}

fn assert_error(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.body);
    let message = reply.body["error"].as_str().unwrap_or_else(|| panic!("{}", reply.body));
    assert!(!message.is_empty());
    assert_eq!(reply.body.as_object().unwrap().len(), 1, "{}", reply.body);
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

#[test]
fn customers_are_created_read_and_unique_by_email() {
    let api = Api::start();
    let ada = api.create_customer("  Ada Lovelace ", "Ada@Example.com ");
    assert_eq!(keys(&ada), ["created_at", "email", "id", "name"]);
    assert_eq!(ada["id"].as_str().unwrap().len(), 26, "a ULID: {}", ada["id"]);
    assert_eq!(ada["name"], "Ada Lovelace");
    assert_eq!(ada["email"], "ada@example.com");
    assert!(ada["created_at"].as_str().unwrap().ends_with('Z'));

    let got = api.call("GET", &format!("/customers/{}", ada["id"].as_str().unwrap()), None);
    assert_eq!((got.status, &got.body), (200, &ada));
    assert_eq!(got.headers["content-type"], "application/json");

    // The same email, in other case: taken.
    let duplicate = api.call(
        "POST",
        "/customers",
        Some(r#"{"name":"Someone Else","email":"ADA@example.COM"}"#),
    );
    assert_error(&duplicate, 409);
    // Another email is fine.
    api.create_customer("Grace", "grace@example.com");

    assert_error(&api.call("GET", "/customers/01ARZ3NDEKTSV4RRFFQ69G5FAV", None), 404);
    assert_error(&api.call("GET", &format!("/customers/{}", "x".repeat(3000)), None), 404);
    assert_error(&api.call("GET", "/customers/no%20such", None), 404);
}

#[test]
fn customer_stats_are_zeros_until_the_stream_consumer_writes_them() {
    let api = Api::start();
    let id = api.create_customer("Ada", "ada@example.com")["id"].as_str().unwrap().to_owned();
    let stats = api.call("GET", &format!("/customers/{id}/stats"), None);
    assert_eq!((stats.status, &stats.body), (200, &json!({"order_count": 0, "total_cents": 0})));

    // What the order-stream consumer writes.
    let written = CustomerStats { customer_id: id.clone(), order_count: 3, total_cents: 4_250 };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(api.db.put(&written).send()).unwrap();
    let stats = api.call("GET", &format!("/customers/{id}/stats"), None);
    assert_eq!((stats.status, &stats.body), (200, &json!({"order_count": 3, "total_cents": 4250})));

    assert_error(&api.call("GET", "/customers/01ARZ3NDEKTSV4RRFFQ69G5FAV/stats", None), 404);
    assert_error(&api.call("POST", &format!("/customers/{id}/stats"), None), 405);
}

#[test]
fn bad_customer_bodies_are_400() {
    let api = Api::start();
    for body in [
        r#"{"name":"Ada"}"#,                             // missing email
        r#"{"email":"ada@example.com"}"#,                // missing name
        r#"{"name":"   ","email":"ada@example.com"}"#,   // blank name
        r#"{"name":"Ada","email":"not-an-email"}"#,      // invalid email
        r#"{"name":"Ada","email":"ada@localhost"}"#,     // no domain dot
        r#"{"name":"Ada","email":"a b@example.com"}"#,   // whitespace
        r#"{"name":5,"email":"ada@example.com"}"#,       // wrong type
        r#"{"name":"Ada","email":["ada@example.com"]}"#, // wrong type
        r#"{"name":"Ada","email":"ada@example.com""#,    // malformed JSON
        r#"["Ada","ada@example.com"]"#,                  // not an object
        "null",
        "",
        "   ",
    ] {
        let reply = api.call("POST", "/customers", Some(body));
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert_error(&reply, 400);
    }
    // No body at all.
    assert_error(&api.call("POST", "/customers", None), 400);
}

#[test]
fn orders_are_created_with_totals_and_validated() {
    let api = Api::start();
    let customer = api.create_customer("Ada", "ada@example.com");
    let id = customer["id"].as_str().unwrap();
    let order = api.create_order(
        id,
        json!([{"sku":"BOOK-1","qty":2,"price_cents":1250},{"sku":"PEN","qty":1,"price_cents":0}]),
    );
    assert_eq!(
        keys(&order),
        ["created_at", "customer_id", "lines", "order_id", "status", "total_cents", "version"]
    );
    assert_eq!(order["order_id"].as_str().unwrap().len(), 26);
    assert_eq!(order["customer_id"], id);
    assert_eq!(order["status"], "pending");
    assert_eq!(order["total_cents"], 2500);
    assert_eq!(order["version"], 1);
    assert_eq!(order["lines"][0], json!({"sku":"BOOK-1","qty":2,"price_cents":1250}));

    let path = format!("/customers/{id}/orders");
    let unknown = api.call(
        "POST",
        "/customers/01ARZ3NDEKTSV4RRFFQ69G5FAV/orders",
        Some(r#"{"lines":[{"sku":"A","qty":1,"price_cents":1}]}"#),
    );
    assert_error(&unknown, 404);
    for body in [
        r#"{"lines":[]}"#,
        r#"{}"#,
        r#"{"lines":{"sku":"A"}}"#,
        r#"{"lines":[{"sku":"A","qty":0,"price_cents":1}]}"#,
        r#"{"lines":[{"sku":"A","qty":-2,"price_cents":1}]}"#,
        r#"{"lines":[{"sku":"A","qty":1,"price_cents":-1}]}"#,
        r#"{"lines":[{"sku":"A","qty":"two","price_cents":1}]}"#,
        r#"{"lines":[{"sku":"A","qty":1.5,"price_cents":1}]}"#,
        r#"{"lines":[{"sku":"","qty":1,"price_cents":1}]}"#,
        r#"{"lines":[{"qty":1,"price_cents":1}]}"#,
        r#"{"lines":[{"sku":"A","qty":4294967295,"price_cents":9223372036854775807}]}"#,
        r#"{"lines":[{"sku":"A","qty":1,"price_cents":1}"#,
    ] {
        let reply = api.call("POST", &path, Some(body));
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert_error(&reply, 400);
    }
    let too_many: Vec<Value> =
        (0..101).map(|i| json!({"sku": format!("S{i}"), "qty": 1, "price_cents": 1})).collect();
    let reply = api.call("POST", &path, Some(&json!({ "lines": too_many }).to_string()));
    assert_error(&reply, 400);
    // Nothing invalid was written.
    let listed = api.call("GET", &path, None);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
}

#[test]
fn a_customers_orders_come_newest_first_in_pages() {
    let api = Api::start();
    let customer = api.create_customer("Ada", "ada@example.com");
    let id = customer["id"].as_str().unwrap();
    let created: Vec<String> = (1..=5)
        .map(|n| {
            let order = api.create_order(id, json!([{"sku":"A","qty":n,"price_cents":100}]));
            order["order_id"].as_str().unwrap().to_owned()
        })
        .collect();
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();

    let all = api.call("GET", &format!("/customers/{id}/orders"), None);
    assert_eq!(all.status, 200);
    assert_eq!(keys(&all.body), ["cursor", "items"]);
    assert_eq!(all.body["cursor"], Value::Null);
    assert_eq!(order_ids(&all.body), newest_first);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let target = match &cursor {
            Some(c) => format!("/customers/{id}/orders?limit=2&cursor={c}"),
            None => format!("/customers/{id}/orders?limit=2"),
        };
        let page = api.call("GET", &target, None);
        assert_eq!(page.status, 200, "{}", page.body);
        pages += 1;
        let ids = order_ids(&page.body);
        assert!(ids.len() <= 2);
        seen.extend(ids);
        match page.body["cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(seen, newest_first);
    assert!(pages >= 3);

    let base = format!("/customers/{id}/orders");
    for query in
        ["limit=0", "limit=101", "limit=abc", "limit=-1", "cursor=not-a-cursor", "cursor=AAAA"]
    {
        let reply = api.call("GET", &format!("{base}?{query}"), None);
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        assert_error(&reply, 400);
    }
    // A cursor issued for another customer's partition is refused too.
    let other = api.create_customer("Grace", "grace@example.com");
    let other_id = other["id"].as_str().unwrap();
    let first = api.call("GET", &format!("{base}?limit=1"), None);
    let foreign = first.body["cursor"].as_str().unwrap();
    let reply = api.call("GET", &format!("/customers/{other_id}/orders?cursor={foreign}"), None);
    assert_error(&reply, 400);

    // No orders: an empty page; no customer: 404.
    let empty = api.call("GET", &format!("/customers/{other_id}/orders"), None);
    assert_eq!((empty.status, &empty.body), (200, &json!({"items": [], "cursor": null})));
    assert_error(&api.call("GET", "/customers/01ARZ3NDEKTSV4RRFFQ69G5FAV/orders", None), 404);
}

fn order_ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn status_changes_are_versioned_and_listed_through_the_status_index() {
    let api = Api::start();
    let ada = api.create_customer("Ada", "ada@example.com");
    let grace = api.create_customer("Grace", "grace@example.com");
    let mut orders = Vec::new();
    for (i, customer) in [&ada, &grace, &ada, &grace].into_iter().enumerate() {
        let id = customer["id"].as_str().unwrap();
        orders.push(api.create_order(id, json!([{"sku":"A","qty":i + 1,"price_cents":10}])));
    }
    let path = |order: &Value| {
        format!(
            "/customers/{}/orders/{}",
            order["customer_id"].as_str().unwrap(),
            order["order_id"].as_str().unwrap()
        )
    };

    // Pay the first three; each PATCH carries the version it read.
    for order in &orders[..3] {
        let paid = api.call("PATCH", &path(order), Some(r#"{"status":"paid","version":1}"#));
        assert_eq!(paid.status, 200, "{}", paid.body);
        assert_eq!(paid.body["status"], "paid");
        assert_eq!(paid.body["version"], 2);
        assert_eq!(paid.body["order_id"], order["order_id"]);
        assert_eq!(paid.body["created_at"], order["created_at"]);
    }
    // A writer that read version 1 is too late now.
    let stale = api.call("PATCH", &path(&orders[0]), Some(r#"{"status":"cancelled","version":1}"#));
    assert_error(&stale, 409);
    let shipped = api.call("PATCH", &path(&orders[0]), Some(r#"{"status":"shipped","version":2}"#));
    assert_eq!((shipped.status, &shipped.body["version"]), (200, &json!(3)));
    // The same status again changes nothing: no write, the version stays.
    let again = api.call("PATCH", &path(&orders[0]), Some(r#"{"status":"shipped","version":3}"#));
    assert_eq!((again.status, &again.body["version"]), (200, &json!(3)));

    // The status index, newest first: orders 2 and 1 are paid (0 has shipped).
    let paid = api.call("GET", "/orders?status=paid", None);
    assert_eq!(paid.status, 200, "{}", paid.body);
    let expected: Vec<String> =
        [&orders[2], &orders[1]].iter().map(|o| o["order_id"].as_str().unwrap().into()).collect();
    assert_eq!(order_ids(&paid.body), expected);
    assert_eq!(paid.body["cursor"], Value::Null);
    // Each listed order carries its customer's name, loaded in one batch for the page.
    let names: Vec<&str> = paid.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["customer_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ada", "Grace"]);
    let page1 = api.call("GET", "/orders?status=paid&limit=1", None);
    assert_eq!(order_ids(&page1.body), expected[..1]);
    let cursor = page1.body["cursor"].as_str().unwrap();
    let page2 = api.call("GET", &format!("/orders?status=paid&limit=1&cursor={cursor}"), None);
    assert_eq!(page2.status, 200, "{}", page2.body);
    assert_eq!(order_ids(&page2.body), expected[1..]);
    let pending = api.call("GET", "/orders?status=pending", None);
    assert_eq!(order_ids(&pending.body), [orders[3]["order_id"].as_str().unwrap()]);
    let shipped = api.call("GET", "/orders?status=shipped", None);
    assert_eq!(shipped.body["items"][0]["version"], 3);
    let cancelled = api.call("GET", "/orders?status=cancelled", None);
    assert_eq!((cancelled.status, &cancelled.body), (200, &json!({"items": [], "cursor": null})));

    // A cursor from the paid listing is not a cursor of the pending one.
    let reply = api.call("GET", &format!("/orders?status=pending&cursor={cursor}"), None);
    assert_error(&reply, 400);
    for query in ["", "?status=", "?status=lost", "?status=PAID", "?status=paid&limit=0"] {
        let reply = api.call("GET", &format!("/orders{query}"), None);
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        assert_error(&reply, 400);
    }

    // Unknown orders, and a known order under another customer's path.
    let unknown =
        format!("/customers/{}/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV", ada["id"].as_str().unwrap());
    assert_error(&api.call("PATCH", &unknown, Some(r#"{"status":"paid","version":1}"#)), 404);
    let elsewhere = format!(
        "/customers/{}/orders/{}",
        grace["id"].as_str().unwrap(),
        orders[0]["order_id"].as_str().unwrap()
    );
    assert_error(&api.call("PATCH", &elsewhere, Some(r#"{"status":"paid","version":3}"#)), 404);
    for body in [
        r#"{"status":"lost","version":3}"#,
        r#"{"status":"paid"}"#,
        r#"{"version":3}"#,
        r#"{"status":"paid","version":"3"}"#,
        r#"{"status":"paid","version":0}"#,
        r#"{"status":"paid","version":-1}"#,
        r#"{"status":1,"version":3}"#,
        "{",
    ] {
        let reply = api.call("PATCH", &path(&orders[0]), Some(body));
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert_error(&reply, 400);
    }
}

#[test]
fn orders_are_deleted_once() {
    let api = Api::start();
    let customer = api.create_customer("Ada", "ada@example.com");
    let id = customer["id"].as_str().unwrap();
    let keep = api.create_order(id, json!([{"sku":"A","qty":1,"price_cents":1}]));
    let drop = api.create_order(id, json!([{"sku":"B","qty":1,"price_cents":1}]));
    let path = format!("/customers/{id}/orders/{}", drop["order_id"].as_str().unwrap());
    let deleted = api.call("DELETE", &path, None);
    assert_eq!((deleted.status, &deleted.body), (204, &Value::Null));
    assert_error(&api.call("DELETE", &path, None), 404);
    assert_error(&api.call("PATCH", &path, Some(r#"{"status":"paid","version":1}"#)), 404);
    let listed = api.call("GET", &format!("/customers/{id}/orders"), None);
    assert_eq!(order_ids(&listed.body), [keep["order_id"].as_str().unwrap()]);
    assert_error(&api.call("DELETE", "/customers/nobody/orders/nothing", None), 404);
}

#[test]
fn oversize_bodies_are_413_and_base64_bodies_are_decoded() {
    let api = Api::start();
    let padding = "x".repeat(70 * 1024);
    let big = json!({"name": padding, "email": "ada@example.com"}).to_string();
    assert_error(&api.call("POST", "/customers", Some(&big)), 413);
    let customer = api.create_customer("Ada", "ada@example.com");
    let id = customer["id"].as_str().unwrap();
    let lines: Vec<Value> = (0..2000)
        .map(|i| json!({"sku": format!("SKU-{i:05}"), "qty": 1, "price_cents": 1}))
        .collect();
    let big = json!({ "lines": lines }).to_string();
    assert!(big.len() > 64 * 1024);
    assert_error(&api.call("POST", &format!("/customers/{id}/orders"), Some(&big)), 413);

    // API Gateway base64-encodes bodies it considers binary.
    let encoded = base64(r#"{"name":"Grace","email":"grace@example.com"}"#);
    let reply = api.send(event("POST", "/customers", Some(&encoded), true));
    assert_eq!((reply.status, &reply.body["email"]), (201, &json!("grace@example.com")));
}

#[test]
fn unknown_routes_are_404_and_wrong_methods_405() {
    let api = Api::start();
    for (method, target) in [
        ("GET", "/"),
        ("GET", "/nope"),
        ("GET", "/customers/a/b"),
        ("GET", "/customers/a/orders/b/c"),
        ("POST", "/orders/x"),
        ("GET", "/customers//orders"),
    ] {
        let reply = api.call(method, target, None);
        assert_eq!(reply.status, 404, "{method} {target}: {}", reply.body);
        assert_error(&reply, 404);
    }
    for (method, target, allow) in [
        ("GET", "/customers", "POST"),
        ("DELETE", "/customers", "POST"),
        ("PUT", "/customers/a", "GET"),
        ("DELETE", "/customers/a/orders", "GET, POST"),
        ("GET", "/customers/a/orders/b", "PATCH, DELETE"),
        ("POST", "/orders", "GET"),
    ] {
        let reply = api.call(method, target, Some("{}"));
        assert_error(&reply, 405);
        assert_eq!(reply.headers["allow"], allow, "{method} {target}");
    }
}

#[test]
fn one_warm_process_serves_every_invocation_and_logs_with_request_ids() {
    let api = Api::start();
    api.create_customer("Ada", "ada@example.com");
    assert_error(&api.call("GET", "/nope", None), 404);
    let timings = api.function.timings();
    let (spawned, first_next, first_response) =
        (timings.spawned.unwrap(), timings.first_next.unwrap(), timings.first_response.unwrap());
    assert!(spawned <= first_next && first_next <= first_response);
    // Logs reach us through a pipe and a reader thread, responses over TCP: the last line may
    // still be on its way when the response arrives.
    let count = |logs: &str| logs.lines().filter(|l| l.contains("handled a request")).count();
    let waited = std::time::Instant::now();
    while count(&api.function.logs()) < 2 && waited.elapsed() < std::time::Duration::from_secs(5) {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let logs = api.function.logs();
    let handled: Vec<&str> = logs.lines().filter(|l| l.contains("handled a request")).collect();
    assert_eq!(handled.len(), 2, "{logs}");
    assert!(handled.iter().all(|l| l.contains("requestId=")), "{logs}");
    // Item contents never reach the log.
    assert!(!logs.contains("ada@example.com"), "{logs}");
}

/// Standard base64 with padding (the test's only use of it).
fn base64(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| n << 8 | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
        out.push_str(&"=".repeat(3 - chunk.len()));
    }
    out
}
