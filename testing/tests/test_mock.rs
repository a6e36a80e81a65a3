//! `MockDb`: every kind of rule, the assertions on what was sent, the failure of a request no
//! rule matches, and that none of it needs DynamoDB Local or Java.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use ferrodyn::operation::{RetryPolicy, WriteKind};
use ferrodyn::{Model, Update};
use ferrodyn_testing::mock::{MockDb, Operation, SentWrite, MAX_ATTEMPTS};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "shop",
    entity = "Order",
    pk = "CUSTOMER#{customer_id}",
    sk = "ORDER#{order_id}",
    index(name = "gsi1", pk = "STATUS#{status}", sk = "{order_id}")
)]
struct Order {
    customer_id: String,
    order_id: String,
    status: String,
    total_cents: u64,
    #[ferrodyn(version)]
    version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "shop", entity = "Customer", pk = "CUSTOMER#{id}", sk = "PROFILE")]
struct Customer {
    id: String,
    name: String,
}

fn order(customer: &str, id: &str) -> Order {
    Order {
        customer_id: customer.into(),
        order_id: id.into(),
        status: "paid".into(),
        total_cents: 1250,
        version: 1,
    }
}

fn customer(id: &str) -> Customer {
    Customer { id: id.into(), name: "Ada".into() }
}

/// Resends of unprocessed writes without waiting.
const FAST: RetryPolicy =
    RetryPolicy { base: Duration::from_millis(1), cap: Duration::from_millis(1), max_attempts: 3 };

/// The panic message of `f`, which must panic.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    match (payload.downcast_ref::<String>(), payload.downcast_ref::<&str>()) {
        (Some(message), _) => message.clone(),
        (None, Some(message)) => (*message).to_owned(),
        (None, None) => panic!("a panic without a message"),
    }
}

#[tokio::test]
async fn a_get_rule_answers_its_key_and_no_other() {
    let mock = MockDb::new();
    mock.on_get(Order::key("c1", "o1")).returns(&order("c1", "o1"));
    mock.on_get(Order::key("c1", "o9")).returns_none();

    assert_eq!(mock.get(Order::key("c1", "o1")).await.unwrap(), Some(order("c1", "o1")));
    assert_eq!(mock.get(Order::key("c1", "o9")).await.unwrap(), None);
    let err = mock.get(Order::key("c1", "o2")).await.unwrap_err();

    assert_eq!(err.code(), Some("MockRuleNotMatched"));
    assert!(!err.is_retryable(), "{err}");
    assert_eq!(
        err.to_string(),
        "GetItem Order pk=CUSTOMER#c1, sk=ORDER#o2: MockRuleNotMatched: ferrodyn-testing: no rule \
         of the mock matched GetItem on table `shop` for Order pk=CUSTOMER#c1, sk=ORDER#o2"
    );
    let requests = mock.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(mock.request_count(), 3);
    assert_eq!(
        requests.iter().map(|r| (r.matched, r.attempts)).collect::<Vec<_>>(),
        [(true, 1), (true, 1), (false, 1)]
    );
    let sent = mock.assert_sent(Operation::GetItem, &Order::key("c1", "o2"));
    assert_eq!(sent.table.as_deref(), Some("shop"));
    assert_eq!(sent.model, Some("Order"));
    assert!(!sent.condition);
}

#[tokio::test]
async fn an_unmatched_request_fails_the_assertion_with_a_message_naming_it() {
    let mock = MockDb::new();
    mock.on_get(Customer::key("c1")).returns(&customer("c1"));
    mock.get(Customer::key("c1")).await.unwrap();
    mock.assert_all_matched();

    assert!(mock.get(Customer::key("c2")).await.is_err());
    let message = panic_message(|| mock.assert_all_matched());
    assert_eq!(
        message,
        "no rule of the mock matched 1 request(s):\n  GetItem on table `shop` for Customer \
         pk=CUSTOMER#c2, sk=PROFILE"
    );
    let message = panic_message(|| {
        mock.assert_sent(Operation::GetItem, &Customer::key("c3"));
    });
    assert!(message.starts_with("expected GetItem for Customer pk=CUSTOMER#c3, sk=PROFILE;"));
    assert!(message.contains("GetItem on table `shop` for Customer pk=CUSTOMER#c2, sk=PROFILE"));
}

#[tokio::test]
async fn a_request_of_an_unknown_model_is_named_by_its_table_and_key() {
    let mock = MockDb::new();
    mock.on_get(Customer::key("c1")).returns_none();
    let err = mock.get(Order::key("c1", "o1")).await.unwrap_err();
    // Order is known by the rule the request matched against only once a rule names it, so
    // the mock names the request as it was sent.
    assert!(
        err.to_string().ends_with("matched GetItem on table `shop` pk=CUSTOMER#c1, sk=ORDER#o1"),
        "{err}"
    );
    mock.knows::<Order>();
    let err = mock.get(Order::key("c1", "o1")).await.unwrap_err();
    assert!(err.to_string().ends_with("for Order pk=CUSTOMER#c1, sk=ORDER#o1"), "{err}");
}

#[tokio::test]
async fn a_put_rule_fails_the_condition_of_a_create() {
    let mock = MockDb::new();
    mock.on_put::<Customer>().fails_condition();
    let err = mock.create(&customer("c1")).await.unwrap_err();
    assert!(err.is_condition_failed(), "{err}");
    assert_eq!(err.operation(), Some("PutItem"));
    let sent = mock.assert_sent(Operation::PutItem, &Customer::key("c1"));
    assert!(sent.condition, "a create is conditional");
    mock.assert_all_matched();
}

#[tokio::test]
async fn a_put_rule_narrowed_to_a_key_and_a_count() {
    let mock = MockDb::new();
    mock.on_put::<Customer>().key(Customer::key("c1")).once().succeeds();
    mock.on_put::<Customer>().key(Customer::key("c1")).returns_old(&customer("c1"));

    mock.put(&customer("c1")).await.unwrap();
    assert_eq!(mock.put(&customer("c1")).send_returning_old().await.unwrap(), Some(customer("c1")));
    let err = mock.put(&customer("c2")).await.unwrap_err();
    assert_eq!(err.code(), Some("MockRuleNotMatched"));
    // A put of an Order into the same table is not a put of a Customer.
    mock.knows::<Order>();
    let err = mock.put(&order("c1", "o1")).await.unwrap_err();
    assert_eq!(err.code(), Some("MockRuleNotMatched"));

    let puts = mock.requests_of(&Operation::PutItem);
    assert_eq!(
        puts.iter().map(|r| (r.model, r.key.clone().unwrap(), r.condition)).collect::<Vec<_>>(),
        [
            (Some("Customer"), "pk=CUSTOMER#c1, sk=PROFILE".to_owned(), false),
            (Some("Customer"), "pk=CUSTOMER#c1, sk=PROFILE".to_owned(), false),
            (Some("Customer"), "pk=CUSTOMER#c2, sk=PROFILE".to_owned(), false),
            (Some("Order"), "pk=CUSTOMER#c1, sk=ORDER#o1".to_owned(), true),
        ]
    );
    mock.assert_not_sent(Operation::PutItem, &Customer::key("c3"));
    let message = panic_message(|| mock.assert_not_sent(Operation::PutItem, &Customer::key("c2")));
    assert!(message.contains("but the mock was sent PutItem on table `shop` for Customer"));
}

#[tokio::test]
async fn update_rules_answer_with_the_item_a_missing_item_or_a_stale_version() {
    let mock = MockDb::new();
    let mut updated = order("c1", "o1");
    updated.status = "shipped".into();
    updated.version = 2;
    mock.on_update(Order::key("c1", "o1")).returns(&updated);
    mock.on_update(Order::key("c1", "o2")).fails_condition();
    let mut stored = order("c1", "o3");
    stored.version = 5;
    mock.on_update(Order::key("c1", "o3")).fails_condition_with(&stored);

    let set_shipped = || Update::new().set(Order::FIELDS.status, "shipped");
    let got = mock
        .update(Order::key("c1", "o1"), set_shipped())
        .expect_version(1)
        .send_returning_new()
        .await
        .unwrap();
    assert_eq!(got, updated);
    let missing = mock.update(Order::key("c1", "o2"), set_shipped()).await.unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
    let stale =
        mock.update(Order::key("c1", "o3"), set_shipped()).expect_version(1).await.unwrap_err();
    assert!(stale.is_version_conflict(), "{stale}");

    for id in ["o1", "o2", "o3"] {
        assert!(mock.assert_sent(Operation::UpdateItem, &Order::key("c1", id)).condition);
    }
    mock.assert_all_matched();
}

#[tokio::test]
async fn delete_rules() {
    let mock = MockDb::new();
    mock.on_delete(Order::key("c1", "o1")).returns_old(&order("c1", "o1"));
    mock.on_delete(Order::key("c1", "o2")).succeeds();
    mock.on_delete(Order::key("c1", "o3")).fails_condition();

    let old = mock.delete(Order::key("c1", "o1")).send_returning_old().await.unwrap();
    assert_eq!(old, Some(order("c1", "o1")));
    assert_eq!(mock.delete(Order::key("c1", "o2")).send_returning_old().await.unwrap(), None);
    let err = mock
        .delete(Order::key("c1", "o3"))
        .condition(Order::FIELDS.status.eq("paid"))
        .await
        .unwrap_err();
    assert!(err.is_condition_failed(), "{err}");
    assert!(mock.assert_sent(Operation::DeleteItem, &Order::key("c1", "o3")).condition);
    assert!(!mock.assert_sent(Operation::DeleteItem, &Order::key("c1", "o2")).condition);
}

#[tokio::test]
async fn the_next_batch_write_hands_back_unprocessed_items_which_are_resent() {
    let mock = MockDb::new();
    let orders: Vec<Order> = (0..5).map(|i| order("c1", &format!("o{i}"))).collect();
    mock.on_batch_write().once().returns_unprocessed(&orders[1..3]);
    mock.on_batch_write().accepts_all();

    mock.batch_write().put_all(&orders).retry(FAST).await.unwrap();

    let batches = mock.requests_of(&Operation::BatchWriteItem);
    assert_eq!(batches.len(), 2);
    let keys = |writes: &[SentWrite]| -> Vec<String> {
        writes
            .iter()
            .map(|w| {
                assert_eq!(
                    (w.kind, w.table.as_str(), w.model),
                    (WriteKind::Put, "shop", Some("Order"))
                );
                w.key.clone()
            })
            .collect()
    };
    assert_eq!(keys(&batches[0].writes).len(), 5);
    assert_eq!(
        keys(&batches[1].writes),
        ["pk=CUSTOMER#c1, sk=ORDER#o1", "pk=CUSTOMER#c1, sk=ORDER#o2"]
    );
    mock.assert_all_matched();
}

#[tokio::test]
async fn writes_unprocessed_after_the_retry_policy_are_an_unprocessed_error() {
    let mock = MockDb::new();
    let orders: Vec<Order> = (0..3).map(|i| order("c1", &format!("o{i}"))).collect();
    mock.on_batch_write().returns_unprocessed(&orders[..1]);

    let err = mock.batch_write().put_all(&orders).retry(FAST).await.unwrap_err();
    assert!(err.is_unprocessed(), "{err}");
    assert_eq!(err.unprocessed().map(|u| u.len()), Some(1));
    // The policy's three requests: all three writes, then the one handed back, twice.
    let sizes: Vec<usize> = mock.requests().iter().map(|r| r.writes.len()).collect();
    assert_eq!(sizes, [3, 1, 1]);
}

#[tokio::test]
async fn concurrent_batches_each_get_their_own_answers_through_retries() {
    let mock = MockDb::new();
    // Three chunks of 25, 25 and 10 writes in flight together, two attempts throttled, and o59
    // handed back by every answer to a request that holds it.
    let orders: Vec<Order> = (0..60).map(|i| order("c1", &format!("o{i:02}"))).collect();
    mock.on_batch_write().returns_unprocessed(&orders[59..]);
    mock.throttle(2);

    let err = mock.batch_write().put_all(&orders).concurrency(3).retry(FAST).await.unwrap_err();

    assert!(err.is_unprocessed(), "{err}");
    assert_eq!(err.unprocessed().map(|u| u.len()), Some(1));
    let batches = mock.requests_of(&Operation::BatchWriteItem);
    let mut sizes: Vec<usize> = batches.iter().map(|r| r.writes.len()).collect();
    sizes.sort_unstable();
    // The three chunks, then o59 alone twice (the policy's three requests for its chunk).
    assert_eq!(sizes, [1, 1, 10, 25, 25]);
    assert_eq!(batches.iter().map(|r| r.attempts).sum::<usize>(), 5 + 2);
    for resend in batches.iter().filter(|r| r.writes.len() == 1) {
        assert_eq!(resend.writes[0].key, "pk=CUSTOMER#c1, sk=ORDER#o59");
    }
    mock.assert_all_matched();
}

#[tokio::test]
async fn operations_without_rules_fail_naming_the_operation() {
    use aws_sdk_dynamodb::error::ProvideErrorMetadata;
    let mock = MockDb::new();
    let err = mock.client().list_tables().send().await.unwrap_err();
    assert_eq!(err.code(), Some("MockRuleNotMatched"));
    assert_eq!(err.message(), Some("ferrodyn-testing: no rule of the mock matched ListTables"));
    assert_eq!(mock.requests()[0].operation, Operation::Other("ListTables".into()));
}

#[tokio::test]
async fn two_throttled_attempts_are_absorbed_by_the_sdks_retries() {
    let mock = MockDb::new();
    mock.on_get(Customer::key("c1")).once().returns(&customer("c1"));
    mock.throttle(2);
    assert_eq!(mock.get(Customer::key("c1")).await.unwrap(), Some(customer("c1")));
    let sent = mock.assert_sent(Operation::GetItem, &Customer::key("c1"));
    assert_eq!(sent.attempts, 3);
    assert!(sent.matched);
}

#[tokio::test]
async fn throttling_beyond_the_sdks_attempts_fails_without_using_up_the_rule() {
    let mock = MockDb::new();
    mock.on_get(Customer::key("c1")).once().returns(&customer("c1"));
    mock.throttle(MAX_ATTEMPTS as usize);
    let err = mock.get(Customer::key("c1")).await.unwrap_err();
    assert!(err.is_throttled() && err.is_retryable(), "{err}");
    assert_eq!(err.code(), Some("ProvisionedThroughputExceededException"));
    // The rule answered no attempt yet, so it answers the next request.
    assert_eq!(mock.get(Customer::key("c1")).await.unwrap(), Some(customer("c1")));
    let attempts: Vec<usize> = mock.requests().iter().map(|r| r.attempts).collect();
    assert_eq!(attempts, [3, 1]);
}

#[tokio::test]
async fn a_5xx_rule_is_retried_by_the_sdk_and_then_retryable() {
    let mock = MockDb::new();
    mock.on_get(Customer::key("c1")).fails_with(500, "InternalServerError");
    let err = mock.get(Customer::key("c1")).await.unwrap_err();
    assert_eq!(err.code(), Some("InternalServerError"));
    assert!(err.is_retryable(), "{err}");
    assert_eq!(mock.requests()[0].attempts, MAX_ATTEMPTS as usize);
}

#[tokio::test]
async fn query_rules_return_typed_pages_of_their_partition() {
    let mock = MockDb::new();
    let orders = [order("c1", "o1"), order("c1", "o2")];
    mock.on_query().partition(Order::partition("c1")).returns_page(&orders);
    mock.on_query().partition(Order::gsi1_partition("paid")).returns_page(&orders[..1]);

    let page = mock.query(Order::partition("c1")).page().await.unwrap();
    assert_eq!(page.items, orders);
    assert!(page.cursor.is_none());
    let page = mock.query(Order::gsi1_partition("paid")).page().await.unwrap();
    assert_eq!(page.items, orders[..1]);
    let err = mock.query(Order::partition("c2")).page().await.unwrap_err();
    assert_eq!(err.code(), Some("MockRuleNotMatched"));

    let shown: Vec<(Option<&str>, Option<String>)> =
        mock.requests().into_iter().map(|r| (r.model, r.key)).collect();
    assert_eq!(
        shown,
        [
            (Some("Order"), Some("pk=CUSTOMER#c1".to_owned())),
            (Some("Order"), Some("gsi1pk=STATUS#paid (index gsi1)".to_owned())),
            (Some("Order"), Some("pk=CUSTOMER#c2".to_owned())),
        ]
    );
}

#[tokio::test]
async fn invalid_input_sends_nothing() {
    let mock = MockDb::new();
    // Over DynamoDB's 400 KB item size: refused before it is sent.
    let big = Customer { id: "c1".into(), name: "x".repeat(500 * 1024) };
    let err = mock.put(&big).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    mock.assert_no_requests();
    mock.on_get(Order::key("c1", "o1")).returns_none();
    mock.get(Order::key("c1", "o1")).await.unwrap();
    let message = panic_message(|| mock.assert_no_requests());
    assert!(message.contains("GetItem on table `shop` for Order pk=CUSTOMER#c1, sk=ORDER#o1"));
}

/// What the next test runs in a process that has no Java, no npm and no DynamoDB endpoint.
#[tokio::test]
async fn a_scenario_on_the_mock_alone() {
    let mock = MockDb::new();
    mock.on_get(Customer::key("c1")).returns(&customer("c1"));
    mock.on_put::<Order>().fails_condition();
    mock.throttle(1);
    assert_eq!(mock.get(Customer::key("c1")).await.unwrap(), Some(customer("c1")));
    assert!(mock.create(&order("c1", "o1")).await.unwrap_err().is_condition_failed());
    mock.assert_all_matched();
    assert_eq!(mock.request_count(), 2);
}

#[test]
fn the_mock_needs_no_java_and_no_server() {
    if std::env::var_os("FERRODYN_MOCK_ISOLATED").is_some() {
        // Inside the isolated run: make sure it is isolated.
        assert!(ferrodyn_testing::java_major_version().is_err(), "java is reachable");
        return;
    }
    let run = |test: &str| {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args([test, "--exact", "--test-threads=1"])
            .env_clear()
            .env("FERRODYN_MOCK_ISOLATED", "1")
            .env("PATH", "/nonexistent")
            // Nothing listens on the discard port: a request that left the process would fail.
            .env("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
            .env("FERRODYN_DYNAMODB_LOCAL_DIR", "/nonexistent/dynamodb-local")
            .output()
            .unwrap()
    };
    for test in ["a_scenario_on_the_mock_alone", "the_mock_needs_no_java_and_no_server"] {
        let output = run(test);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "{test} failed in isolation:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
