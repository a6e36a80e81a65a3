//! The stream poller against DynamoDB Local: each test writes to a table of its own and lets the
//! poller deliver the stream to a function played by a closure that records what it was sent
//! and answers as the test tells it to. The real consumer binary runs under the poller in the
//! order-stream example's tests.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, StreamSpecification, StreamViewType,
};
use aws_sdk_dynamodb::Client;
use ferrodyn_local::runtime_api::{FunctionError, InvocationResult, InvokeError};
use ferrodyn_local::stream_poller::{FilterPattern, Outcome, StreamPoller};
use serde_json::{json, Value};

async fn client() -> Client {
    let endpoint = ferrodyn_testing::shared_endpoint().unwrap();
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "local", "local", None, None, "test",
        ))
        .build();
    Client::from_conf(config)
}

/// A fresh table with a `pk` string key and a NEW_AND_OLD_IMAGES stream.
async fn table(client: &Client) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!("poller-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    name
}

/// A poller on `table`'s stream in the shared DynamoDB Local.
async fn connect(table: &str) -> StreamPoller {
    StreamPoller::connect(ferrodyn_testing::shared_endpoint().unwrap(), table).await.unwrap()
}

async fn put(client: &Client, table: &str, pk: &str, kind: &str, n: u32) {
    client
        .put_item()
        .table_name(table)
        .item("pk", AttributeValue::S(pk.to_owned()))
        .item("entity", AttributeValue::S(kind.to_owned()))
        .item("n", AttributeValue::N(n.to_string()))
        .send()
        .await
        .unwrap();
}

/// Writes `count` items `item-00` … in order.
async fn put_many(client: &Client, table: &str, count: u32) {
    for i in 0..count {
        put(client, table, &format!("item-{i:02}"), "Order", i).await;
    }
}

/// A function played by a closure: records each event and answers with `answer(call, event)`.
struct Recorder {
    events: RefCell<Vec<Value>>,
}

impl Recorder {
    fn new() -> Recorder {
        Recorder { events: RefCell::new(Vec::new()) }
    }

    fn function<'a>(
        &'a self,
        answer: impl Fn(usize, &Value) -> Result<String, String> + 'a,
    ) -> impl Fn(&str) -> Result<InvocationResult, InvokeError> + 'a {
        move |event: &str| {
            let event: Value = serde_json::from_str(event).unwrap();
            let call = self.events.borrow().len();
            let answer = answer(call, &event);
            self.events.borrow_mut().push(event);
            Ok(match answer {
                Ok(body) => InvocationResult { request_id: call.to_string(), body, error: None },
                Err(message) => InvocationResult {
                    request_id: call.to_string(),
                    body: String::new(),
                    error: Some(FunctionError { error_type: Some("Failed".into()), body: message }),
                },
            })
        }
    }

    /// The `pk` of each record of each event.
    fn keys(&self) -> Vec<Vec<String>> {
        self.events.borrow().iter().map(keys).collect()
    }
}

fn keys(event: &Value) -> Vec<String> {
    records(event)
        .iter()
        .map(|r| r["dynamodb"]["Keys"]["pk"]["S"].as_str().unwrap().to_owned())
        .collect()
}

fn records(event: &Value) -> &Vec<Value> {
    event["Records"].as_array().unwrap()
}

fn sequence_numbers(event: &Value) -> Vec<String> {
    records(event)
        .iter()
        .map(|r| r["dynamodb"]["SequenceNumber"].as_str().unwrap().to_owned())
        .collect()
}

fn failures(sequence_numbers: &[&str]) -> String {
    let failures: Vec<Value> =
        sequence_numbers.iter().map(|s| json!({ "itemIdentifier": s })).collect();
    json!({ "batchItemFailures": failures }).to_string()
}

fn names(range: std::ops::Range<u32>) -> Vec<String> {
    range.map(|i| format!("item-{i:02}")).collect()
}

#[tokio::test]
async fn delivers_in_stream_order_in_batches_of_the_batch_size() {
    let client = client().await;
    let table = table(&client).await;
    put_many(&client, &table, 25).await;
    let recorder = Recorder::new();
    let mut poller = connect(&table).await.batch_size(10);

    let delivery = poller.run(&recorder.function(|_, _| Ok(String::new()))).await.unwrap();

    assert_eq!(recorder.keys(), vec![names(0..10), names(10..20), names(20..25)]);
    assert_eq!(delivery.records_processed(), 25);
    assert!(delivery.invocations.iter().all(|i| i.outcome == Outcome::Success));
    let all: Vec<String> = recorder.events.borrow().iter().flat_map(sequence_numbers).collect();
    let mut sorted = all.clone();
    sorted.sort_by_key(|s| (s.trim_start_matches('0').len(), s.trim_start_matches('0').to_owned()));
    assert_eq!(all, sorted);

    // Caught up: a second run delivers only what was written since.
    put(&client, &table, "late", "Order", 99).await;
    let delivery = poller.run(&recorder.function(|_, _| Ok(String::new()))).await.unwrap();
    assert_eq!(delivery.invocations.len(), 1);
    assert_eq!(recorder.keys().last().unwrap(), &vec!["late".to_owned()]);
}

#[tokio::test]
async fn events_have_lambdas_shape() {
    let client = client().await;
    let table = table(&client).await;
    client
        .put_item()
        .table_name(&table)
        .item("pk", AttributeValue::S("a".into()))
        .item("blob", AttributeValue::B(Blob::new(b"hi there".to_vec())))
        .item(
            "blobs",
            AttributeValue::Bs(vec![Blob::new(vec![0u8, 255]), Blob::new(b"x".to_vec())]),
        )
        .item("nums", AttributeValue::Ns(vec!["1".into(), "2.5".into()]))
        .item("nested", AttributeValue::M([("on".to_owned(), AttributeValue::Bool(true))].into()))
        .item("list", AttributeValue::L(vec![AttributeValue::Null(true)]))
        .send()
        .await
        .unwrap();
    client
        .update_item()
        .table_name(&table)
        .key("pk", AttributeValue::S("a".into()))
        .update_expression("SET n = :n")
        .expression_attribute_values(":n", AttributeValue::N("7".into()))
        .send()
        .await
        .unwrap();
    client
        .delete_item()
        .table_name(&table)
        .key("pk", AttributeValue::S("a".into()))
        .send()
        .await
        .unwrap();
    let mut poller = connect(&table).await;

    let event = poller.capture_event().await.unwrap();

    let records = records(&event);
    let names: Vec<&str> = records.iter().map(|r| r["eventName"].as_str().unwrap()).collect();
    assert_eq!(names, ["INSERT", "MODIFY", "REMOVE"]);
    for record in records {
        assert_eq!(record["eventSource"], "aws:dynamodb");
        assert_eq!(record["eventSourceARN"], poller.stream_arn());
        assert!(record["eventID"].as_str().is_some_and(|id| !id.is_empty()));
        assert!(record["eventVersion"].is_string());
        assert!(record["awsRegion"].is_string());
        assert!(record.get("userIdentity").is_none());
        let body = &record["dynamodb"];
        assert_eq!(body["Keys"], json!({"pk": {"S": "a"}}));
        assert_eq!(body["StreamViewType"], "NEW_AND_OLD_IMAGES");
        assert!(body["SizeBytes"].as_u64().is_some_and(|n| n > 0));
        assert!(body["ApproximateCreationDateTime"].is_number());
        assert!(body["SequenceNumber"].is_string());
    }
    let insert = &records[0]["dynamodb"];
    assert!(insert.get("OldImage").is_none());
    assert_eq!(insert["NewImage"]["blob"], json!({"B": "aGkgdGhlcmU="}));
    assert_eq!(insert["NewImage"]["blobs"]["BS"].as_array().unwrap().len(), 2);
    assert!(insert["NewImage"]["blobs"]["BS"].as_array().unwrap().contains(&json!("AP8=")));
    assert_eq!(insert["NewImage"]["nested"], json!({"M": {"on": {"BOOL": true}}}));
    assert_eq!(insert["NewImage"]["list"], json!({"L": [{"NULL": true}]}));
    let modify = &records[1]["dynamodb"];
    assert_eq!(modify["NewImage"]["n"], json!({"N": "7"}));
    assert!(modify["OldImage"].get("n").is_none());
    let remove = &records[2]["dynamodb"];
    assert!(remove.get("NewImage").is_none());
    assert_eq!(remove["OldImage"]["n"], json!({"N": "7"}));
    // Checkpointed: nothing is left to capture.
    assert_eq!(poller.capture_event().await.unwrap(), json!({"Records": []}));
}

#[tokio::test]
async fn a_reported_failure_checkpoints_before_it_and_redelivers_from_it() {
    let client = client().await;
    let table = table(&client).await;
    put_many(&client, &table, 8).await;
    let recorder = Recorder::new();
    let mut poller = connect(&table).await.batch_size(8);

    // The first call fails items 5 and 3 (reported out of order): the lowest one counts.
    let delivery = poller
        .run(&recorder.function(|call, event| {
            let seq = sequence_numbers(event);
            Ok(if call == 0 { failures(&[&seq[5], &seq[3]]) } else { String::new() })
        }))
        .await
        .unwrap();

    assert_eq!(recorder.keys(), vec![names(0..8), names(3..8)]);
    let first = &delivery.invocations[0];
    assert_eq!(
        first.outcome,
        Outcome::PartialFailure { first_failed: first.sequence_numbers[3].clone() }
    );
    assert_eq!(delivery.records_processed(), 8);
    assert!(poller.failed_batches().is_empty());
}

#[tokio::test]
async fn retries_are_bounded_then_the_batch_goes_to_the_failure_destination() {
    let client = client().await;
    let table = table(&client).await;
    put_many(&client, &table, 6).await;
    let recorder = Recorder::new();
    let mut poller = connect(&table).await.batch_size(4).maximum_retry_attempts(2);

    // item-02 always fails.
    let delivery = poller
        .run(&recorder.function(|_, event| {
            let keys = keys(event);
            let seq = sequence_numbers(event);
            Ok(match keys.iter().position(|k| k == "item-02") {
                Some(at) => failures(&[&seq[at]]),
                None => String::new(),
            })
        }))
        .await
        .unwrap();

    // One attempt and two retries from item-02, then the rest of the stream.
    assert_eq!(
        recorder.keys(),
        vec![names(0..4), names(2..6), names(2..6)],
        "after giving up on item-02..05 the stream is exhausted"
    );
    assert_eq!(delivery.failed_batches.len(), 1);
    let failed = &delivery.failed_batches[0];
    assert_eq!(failed.batch_size, 4);
    assert_eq!(failed.attempts, 3);
    assert_eq!(failed.condition, "RetryAttemptsExhausted");
    assert_eq!(failed.start_sequence_number, delivery.invocations[1].sequence_numbers[0]);
    assert_eq!(poller.failed_batches(), delivery.failed_batches.as_slice());

    // Later records are delivered normally.
    put(&client, &table, "after", "Order", 1).await;
    poller.run(&recorder.function(|_, _| Ok(String::new()))).await.unwrap();
    assert_eq!(recorder.keys().last().unwrap(), &vec!["after".to_owned()]);
}

#[tokio::test]
async fn a_function_error_retries_the_whole_batch_bisecting_it() {
    let client = client().await;
    let table = table(&client).await;
    put_many(&client, &table, 8).await;
    let recorder = Recorder::new();
    let mut poller = connect(&table)
        .await
        .batch_size(8)
        .maximum_retry_attempts(10)
        .bisect_batch_on_function_error(true);

    // The function fails batches holding item-01 in its first four calls: the batch halves
    // until item-00 goes alone, then whole batches resume.
    let delivery = poller
        .run(&recorder.function(|call, event| {
            let keys = keys(event);
            if keys.iter().any(|k| k == "item-01") && call < 4 {
                Err("poisoned".into())
            } else {
                Ok(String::new())
            }
        }))
        .await
        .unwrap();

    assert_eq!(
        recorder.keys(),
        vec![names(0..8), names(0..4), names(0..2), names(0..1), names(1..8)],
    );
    assert!(matches!(delivery.invocations[0].outcome, Outcome::FunctionError(_)));
    assert!(delivery.failed_batches.is_empty());
}

#[tokio::test]
async fn an_empty_or_unknown_item_identifier_fails_the_whole_batch() {
    let client = client().await;
    let table = table(&client).await;
    put_many(&client, &table, 3).await;
    let recorder = Recorder::new();
    let mut poller = connect(&table).await.maximum_retry_attempts(5);

    let delivery = poller
        .run(&recorder.function(|call, _| {
            Ok(match call {
                0 => json!({"batchItemFailures": [{"itemIdentifier": ""}]}).to_string(),
                1 => json!({"batchItemFailures": [{"itemIdentifier": null}]}).to_string(),
                2 => failures(&["12345"]),
                _ => json!({"batchItemFailures": []}).to_string(),
            })
        }))
        .await
        .unwrap();

    assert_eq!(recorder.keys(), vec![names(0..3); 4]);
    let outcomes: Vec<bool> = delivery
        .invocations
        .iter()
        .map(|i| matches!(i.outcome, Outcome::FunctionError(_)))
        .collect();
    assert_eq!(outcomes, [true, true, true, false]);
}

#[tokio::test]
async fn filters_select_records_and_skip_the_rest_unseen() {
    let client = client().await;
    let table = table(&client).await;
    put(&client, &table, "o1", "Order", 1).await;
    put(&client, &table, "c1", "Customer", 1).await;
    put(&client, &table, "o2", "Order", 2).await;
    client
        .delete_item()
        .table_name(&table)
        .key("pk", AttributeValue::S("o1".into()))
        .send()
        .await
        .unwrap();
    let recorder = Recorder::new();
    let mut poller = connect(&table)
        .await
        .filter(r#"{"dynamodb":{"NewImage":{"entity":{"S":["Order"]}}}}"#)
        .unwrap()
        .filter(r#"{"dynamodb":{"OldImage":{"entity":{"S":["Order"]}}}}"#)
        .unwrap();

    poller.run(&recorder.function(|_, _| Ok(String::new()))).await.unwrap();

    assert_eq!(recorder.keys(), vec![vec!["o1", "o2", "o1"]]);
}

#[test]
fn filter_patterns_follow_lambdas_rules() {
    let record = json!({
        "eventName": "MODIFY",
        "dynamodb": {"NewImage": {"entity": {"S": "Order"}, "status": {"S": "paid"}}}
    });
    let matches = |pattern: &str| FilterPattern::parse(pattern).unwrap().matches(&record);
    assert!(matches(r#"{"eventName":["INSERT","MODIFY"]}"#));
    assert!(!matches(r#"{"eventName":["REMOVE"]}"#));
    assert!(matches(r#"{"dynamodb":{"NewImage":{"status":{"S":[{"prefix":"pa"}]}}}}"#));
    assert!(matches(r#"{"dynamodb":{"OldImage":[{"exists":false}]}}"#));
    assert!(!matches(r#"{"dynamodb":{"OldImage":{"entity":{"S":["Order"]}}}}"#));
    assert!(matches(r#"{"eventName":[{"anything-but":["REMOVE"]}]}"#));
    assert!(FilterPattern::parse(r#"{"eventName":[{"numeric":[">",1]}]}"#).is_err());
    assert!(FilterPattern::parse(r#"{"eventName":"INSERT"}"#).is_err());
    assert!(FilterPattern::parse("not json").is_err());
}

#[tokio::test]
async fn shards_are_listed_page_by_page_and_read_to_the_end() {
    let client = client().await;
    let table = table(&client).await;
    put_many(&client, &table, 3).await;
    let recorder = Recorder::new();
    let mut poller = connect(&table).await.describe_page_size(1);

    poller.run(&recorder.function(|_, _| Ok(String::new()))).await.unwrap();

    assert_eq!(recorder.keys(), vec![names(0..3)]);
}
