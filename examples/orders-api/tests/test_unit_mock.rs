//! Handlers unit-tested on `MockDb`: the routes run in-process against typed rules instead of
//! DynamoDB Local, with no Java and no Lambda process, so the outcomes DynamoDB Local cannot be
//! made to produce (throttling) are as easy to test as the rest.

use ferrodyn_testing::mock::{MockDb, Operation, MAX_ATTEMPTS};
use lambda_http::Body;
use orders_api::models::{Customer, Order, Status};
use orders_api::routes;
use serde_json::{json, Value};

mod common;

/// The status and JSON body of the API's answer to `method target` with `body`.
async fn call(mock: &MockDb, method: &str, target: &str, body: Option<Value>) -> (u16, Value) {
    let body = body.map(|b| b.to_string());
    let event = common::event(method, target, body.as_deref(), false);
    let request = lambda_http::request::from_str(&event.to_string()).unwrap();
    let response = routes::respond(mock, None, &request).await;
    let body = match response.body() {
        Body::Text(text) => serde_json::from_str(text).unwrap(),
        Body::Empty => Value::Null,
        Body::Binary(_) => panic!("a binary body"),
    };
    (response.status().as_u16(), body)
}

fn customer(id: &str) -> Customer {
    Customer {
        id: id.into(),
        name: "Ada Lovelace".into(),
        email: "ada@example.com".into(),
        created_at: "2026-11-21T09:00:00.000000Z".into(),
    }
}

fn order(customer_id: &str, order_id: &str, version: u64) -> Order {
    Order {
        order_id: order_id.into(),
        customer_id: customer_id.into(),
        status: Status::Pending,
        total_cents: 1250,
        version,
        created_at: "2026-11-21T09:00:00.000000Z".into(),
        lines: Vec::new(),
    }
}

#[tokio::test]
async fn get_customer_answers_the_stored_customer() {
    let mock = MockDb::new();
    mock.on_get(Customer::key("c1")).returns(&customer("c1"));
    let (status, body) = call(&mock, "GET", "/customers/c1", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, serde_json::to_value(customer("c1")).unwrap());
    mock.assert_sent(Operation::GetItem, &Customer::key("c1"));
    assert_eq!(mock.request_count(), 1);
}

#[tokio::test]
async fn get_customer_of_a_missing_customer_is_404() {
    let mock = MockDb::new();
    mock.on_get(Customer::key("c2")).returns_none();
    let (status, body) = call(&mock, "GET", "/customers/c2", None).await;
    assert_eq!((status, body), (404, json!({"error": "customer not found"})));
    mock.assert_all_matched();
}

#[tokio::test]
async fn get_customer_with_an_id_that_cannot_be_one_sends_nothing() {
    let mock = MockDb::new();
    let (status, _) = call(&mock, "GET", "/customers/not%20an%20id", None).await;
    assert_eq!(status, 404);
    mock.assert_no_requests();
}

#[tokio::test]
async fn get_customer_throttled_beyond_the_sdks_retries_is_503() {
    let mock = MockDb::new();
    mock.on_get(Customer::key("c1")).returns(&customer("c1"));
    mock.throttle(MAX_ATTEMPTS as usize);
    let (status, body) = call(&mock, "GET", "/customers/c1", None).await;
    assert_eq!((status, body), (503, json!({"error": "temporarily unavailable, retry"})));
    // Throttling the SDK's retries absorb is invisible to the client.
    mock.throttle(2);
    let (status, _) = call(&mock, "GET", "/customers/c1", None).await;
    assert_eq!(status, 200);
    let attempts: Vec<usize> = mock.requests().iter().map(|r| r.attempts).collect();
    assert_eq!(attempts, [3, 3]);
}

#[tokio::test]
async fn create_order_whose_conditional_put_fails_is_a_500_and_writes_once() {
    let mock = MockDb::new();
    mock.on_get(Customer::key("c1")).returns(&customer("c1"));
    mock.on_put::<Order>().fails_condition();
    let lines = json!({"lines": [{"sku": "A-1", "qty": 2, "price_cents": 625}]});
    let (status, body) = call(&mock, "POST", "/customers/c1/orders", Some(lines)).await;
    assert_eq!((status, body), (500, json!({"error": "internal error"})));
    let puts = mock.requests_of(&Operation::PutItem);
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].model, Some("Order"));
    assert!(puts[0].condition, "an order is created only if its key is new");
    assert!(puts[0].key.as_deref().is_some_and(|k| k.starts_with("pk=CUSTOMER#c1, sk=ORDER#")));
    mock.assert_all_matched();
}

#[tokio::test]
async fn change_status_on_a_stale_version_is_409() {
    let mock = MockDb::new();
    // The client read version 1; someone wrote version 3 before its update arrived. (A handler
    // that reads the order before writing it sees version 1 and still writes conditionally.)
    mock.on_get(Order::key("c1", "o1")).returns(&order("c1", "o1", 1));
    mock.on_update(Order::key("c1", "o1")).fails_condition_with(&order("c1", "o1", 3));
    mock.on_get(Order::key("c1", "o2")).returns_none();
    mock.on_update(Order::key("c1", "o2")).fails_condition();
    let change = json!({"status": "shipped", "version": 1});
    let (status, body) =
        call(&mock, "PATCH", "/customers/c1/orders/o1", Some(change.clone())).await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = call(&mock, "PATCH", "/customers/c1/orders/o2", Some(change)).await;
    assert_eq!((status, body), (404, json!({"error": "order not found"})));
    assert!(mock.assert_sent(Operation::UpdateItem, &Order::key("c1", "o1")).condition);
    mock.assert_all_matched();
}
