//! Batch get and batch write against mocked responses DynamoDB Local never gives:
//! UnprocessedItems and UnprocessedKeys, and throttling that outlasts the SDK's retries.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::operation::batch_get_item::{BatchGetItemInput, BatchGetItemOutput};
use aws_sdk_dynamodb::operation::batch_write_item::{BatchWriteItemInput, BatchWriteItemOutput};
use aws_sdk_dynamodb::types::{KeysAndAttributes, WriteRequest};
use aws_sdk_dynamodb::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;
use common::{product, Product};
use ferrodyn::operation::{RetryPolicy, WriteKind};
use ferrodyn::{AttributeValue, Db, Item};

const TABLE: &str = "products";

/// A tiny backoff so that retries take no time.
const FAST: RetryPolicy =
    RetryPolicy { base: Duration::from_millis(1), cap: Duration::from_millis(1), max_attempts: 10 };

/// A `Db` on a mocked client whose own retries (throttling) are three attempts, 1 ms apart.
fn mock_db(rules: &[&Rule]) -> Db {
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, rules, |config| {
        config.retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(1)),
        )
    });
    Db::from_client(client)
}

fn sku(item: &Item) -> String {
    match item.get("sku") {
        Some(AttributeValue::S(s)) => s.clone(),
        other => panic!("no sku: {other:?}"),
    }
}

fn skus_of_writes(requests: &[WriteRequest]) -> Vec<String> {
    requests
        .iter()
        .map(|r| match (r.put_request(), r.delete_request()) {
            (Some(put), _) => sku(put.item()),
            (None, Some(delete)) => sku(delete.key()),
            (None, None) => panic!("empty write request"),
        })
        .collect()
}

/// Records every BatchWriteItem request (the skus it carries) and answers with `unprocessed`,
/// which picks the writes to hand back from the request and the number of requests before it.
fn write_rule(
    sent: Arc<Mutex<Vec<Vec<String>>>>,
    unprocessed: impl Fn(&[String], usize) -> Vec<String> + Send + Sync + 'static,
) -> Rule {
    mock!(Client::batch_write_item).then_compute_output(move |input: &BatchWriteItemInput| {
        let requests =
            input.request_items().and_then(|r| r.get(TABLE)).cloned().unwrap_or_default();
        let skus = skus_of_writes(&requests);
        let mut sent = sent.lock().unwrap();
        let back = unprocessed(&skus, sent.len());
        sent.push(skus);
        let back: Vec<WriteRequest> = requests
            .into_iter()
            .filter(|r| skus_of_writes(std::slice::from_ref(r)).iter().all(|s| back.contains(s)))
            .collect();
        let output = BatchWriteItemOutput::builder();
        if back.is_empty() {
            output.build()
        } else {
            output.unprocessed_items(TABLE, back).build()
        }
    })
}

fn products(n: usize) -> Vec<Product> {
    (0..n).map(|i| product(&format!("p{i}"))).collect()
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn unprocessed_items_are_resent_exactly_once_each() {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let flaky = strings(&["p3", "p7", "p30", "p41"]);
    let handed_back = Arc::new(Mutex::new(HashSet::new()));
    let rule = write_rule(sent.clone(), move |skus, _| {
        let mut handed_back = handed_back.lock().unwrap();
        skus.iter()
            .filter(|s| flaky.contains(s) && handed_back.insert((*s).clone()))
            .cloned()
            .collect()
    });
    let db = mock_db(&[&rule]);
    db.batch_write().put_all(&products(50)).concurrency(1).retry(FAST).await.unwrap();

    let sent = sent.lock().unwrap().clone();
    // Two chunks of 25, each followed by the resend of its two unprocessed writes.
    assert_eq!(sent.len(), 4, "{sent:?}");
    assert_eq!(sent[1], strings(&["p3", "p7"]));
    assert_eq!(sent[3], strings(&["p30", "p41"]));
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for sku in sent.iter().flatten() {
        *counts.entry(sku.clone()).or_default() += 1;
    }
    assert_eq!(counts.len(), 50);
    let twice: Vec<&String> = counts.iter().filter(|(_, &n)| n == 2).map(|(s, _)| s).collect();
    assert_eq!(twice, ["p3", "p30", "p41", "p7"]);
    assert!(counts.values().all(|&n| n <= 2));
}

#[tokio::test]
async fn retry_bound_reports_exactly_the_leftover_writes_and_they_can_be_resent() {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let stuck = strings(&["p1", "p2", "p40"]);
    let accept_all = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let accept = accept_all.clone();
    let rule = write_rule(sent.clone(), move |skus, _| {
        if accept.load(std::sync::atomic::Ordering::SeqCst) {
            return Vec::new();
        }
        skus.iter().filter(|s| stuck.contains(s)).cloned().collect()
    });
    let db = mock_db(&[&rule]);
    let policy = RetryPolicy { max_attempts: 3, ..FAST };
    let err = db
        .batch_write()
        .put_all(&products(50))
        .delete(Product::key("gone"))
        .concurrency(1)
        .retry(policy)
        .await
        .unwrap_err();
    assert!(err.is_unprocessed(), "{err}");
    assert_eq!(err.operation(), Some("BatchWriteItem"));
    // The two chunks holding stuck writes were sent three times each, the last one (the delete)
    // once.
    assert_eq!(sent.lock().unwrap().len(), 7);

    let unprocessed = err.unprocessed().unwrap();
    let left: Vec<String> = unprocessed.writes().iter().map(|w| sku(w.item().unwrap())).collect();
    assert_eq!(left, strings(&["p1", "p2", "p40"]));
    for write in unprocessed.writes() {
        assert_eq!(write.kind(), WriteKind::Put);
        assert_eq!(write.table(), TABLE);
        assert_eq!(write.model(), "Product");
        assert_eq!(write.key().len(), 1);
        assert_eq!(write.item().unwrap()["price"], AttributeValue::N("19.99".into()));
    }
    // Messages name keys, never item contents.
    let shown = format!("{err} {err:?} {unprocessed:?}");
    assert!(shown.contains("sku=p40"), "{shown}");
    assert!(!shown.contains("19.99"), "{shown}");
    assert_eq!(err.to_string(), "BatchWriteItem: 3 writes still unprocessed after 3 attempts");

    accept_all.store(true, std::sync::atomic::Ordering::SeqCst);
    let leftovers = err.into_unprocessed().unwrap();
    db.batch_write().resend(leftovers).retry(FAST).await.unwrap();
    let sent = sent.lock().unwrap();
    assert_eq!(sent.len(), 8);
    assert_eq!(sent[7], strings(&["p1", "p2", "p40"]));
}

#[tokio::test]
async fn thousand_puts_are_forty_requests_of_at_most_25() {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let rule = write_rule(sent.clone(), |_, _| Vec::new());
    let db = mock_db(&[&rule]);
    db.batch_write().put_all(&products(1000)).retry(FAST).await.unwrap();
    let sent = sent.lock().unwrap();
    assert_eq!(sent.len(), 40);
    assert!(sent.iter().all(|r| r.len() == 25));
    let distinct: HashSet<&String> = sent.iter().flatten().collect();
    assert_eq!(distinct.len(), 1000);
}

#[tokio::test]
async fn throttling_after_sdk_retries_reports_unsent_writes() {
    let first_chunk = |input: &BatchWriteItemInput| {
        let requests = input.request_items().and_then(|r| r.get(TABLE));
        requests.is_some_and(|r| skus_of_writes(r).contains(&"p0".to_owned()))
    };
    let accepted = mock!(Client::batch_write_item)
        .match_requests(first_chunk)
        .then_output(|| BatchWriteItemOutput::builder().build());
    // The SDK retries a throttled request itself; the mock serves each attempt from this rule,
    // which records the request the first time it matches.
    let throttled_requests = Arc::new(Mutex::new(Vec::new()));
    let record = throttled_requests.clone();
    let throttled = mock!(Client::batch_write_item)
        .match_requests(move |input| {
            let requests = input.request_items().and_then(|r| r.get(TABLE));
            record.lock().unwrap().push(skus_of_writes(requests.map_or(&[], Vec::as_slice)));
            true
        })
        .then_http_response(|| {
            let body = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}"#;
            Response::new(StatusCode::try_from(400).unwrap(), SdkBody::from(body))
        });
    let db = mock_db(&[&accepted, &throttled]);
    let err =
        db.batch_write().put_all(&products(100)).concurrency(1).retry(FAST).await.unwrap_err();
    assert!(err.is_throttled(), "{err}");
    assert_eq!(err.operation(), Some("BatchWriteItem"));
    assert_eq!(err.code(), Some("ProvisionedThroughputExceededException"));
    // The first chunk went through; the second was attempted three times by the SDK; the last
    // two never left.
    assert_eq!(accepted.num_calls(), 1);
    assert_eq!(throttled.num_calls(), 3);
    let throttled_requests = throttled_requests.lock().unwrap();
    let second: Vec<String> = (25..50).map(|i| format!("p{i}")).collect();
    assert_eq!(*throttled_requests, [second]);
    let left: Vec<String> =
        err.unprocessed().unwrap().writes().iter().map(|w| sku(w.item().unwrap())).collect();
    let expected: Vec<String> = (25..100).map(|i| format!("p{i}")).collect();
    assert_eq!(left, expected);
    assert!(err.to_string().contains("75 left unprocessed"), "{err}");
}

/// Records every BatchGetItem request (its skus) and answers with an item for each key (or none
/// for `missing`), handing back the keys `unprocessed` picks.
fn get_rule(
    sent: Arc<Mutex<Vec<Vec<String>>>>,
    missing: &'static [&'static str],
    unprocessed: impl Fn(&[String]) -> Vec<String> + Send + Sync + 'static,
) -> Rule {
    mock!(Client::batch_get_item).then_compute_output(move |input: &BatchGetItemInput| {
        let keys: Vec<Item> = input
            .request_items()
            .and_then(|r| r.get(TABLE))
            .map(|k| k.keys().to_vec())
            .unwrap_or_default();
        let skus: Vec<String> = keys.iter().map(sku).collect();
        let back = unprocessed(&skus);
        sent.lock().unwrap().push(skus);
        let mut items = Vec::new();
        let mut back_keys = Vec::new();
        for key in keys {
            let s = sku(&key);
            if back.contains(&s) {
                back_keys.push(key);
            } else if !missing.contains(&s.as_str()) {
                let mut item = key;
                item.insert("price".into(), AttributeValue::N("19.99".into()));
                item.insert("stock".into(), AttributeValue::N("3".into()));
                items.push(item);
            }
        }
        let mut output = BatchGetItemOutput::builder()
            .set_responses(Some(HashMap::from([(TABLE.to_owned(), items)])));
        if !back_keys.is_empty() {
            let keys = KeysAndAttributes::builder().set_keys(Some(back_keys)).build().unwrap();
            output = output.unprocessed_keys(TABLE, keys);
        }
        output.build()
    })
}

#[tokio::test]
async fn two_hundred_fifty_gets_are_three_requests_of_at_most_100() {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let rule = get_rule(sent.clone(), &["p17", "p200"], |_| Vec::new());
    let db = mock_db(&[&rule]);
    let mut keys: Vec<_> = (0..250).map(|i| Product::key(format!("p{i}"))).collect();
    keys.push(Product::key("p5")); // a repeated key is asked for once
    let got = db.batch_get(keys).retry(FAST).await.unwrap();
    let sent = sent.lock().unwrap();
    let mut sizes: Vec<usize> = sent.iter().map(Vec::len).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [50, 100, 100]);
    assert_eq!(sent.iter().flatten().collect::<HashSet<_>>().len(), 250);
    assert_eq!(got.len(), 251);
    let missing: Vec<String> = got.missing().map(|k| k.to_string()).collect();
    assert_eq!(missing, ["sku=p17", "sku=p200"]);
    for (key, item) in got.iter() {
        if let Some(item) = item {
            assert_eq!(key.to_string(), format!("sku={}", item.sku));
        }
    }
    assert_eq!(got.items[250].as_ref().map(|p| p.sku.as_str()), Some("p5"));
}

#[tokio::test]
async fn unprocessed_keys_are_resent_exactly_once_and_reported_at_the_bound() {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let handed_back = Arc::new(Mutex::new(HashSet::new()));
    let flaky = strings(&["p4", "p150"]);
    let rule = get_rule(sent.clone(), &[], move |skus| {
        let mut handed_back = handed_back.lock().unwrap();
        skus.iter()
            .filter(|s| flaky.contains(s) && handed_back.insert((*s).clone()))
            .cloned()
            .collect()
    });
    let db = mock_db(&[&rule]);
    let got = db
        .batch_get((0..200).map(|i| Product::key(format!("p{i}"))))
        .concurrency(1)
        .retry(FAST)
        .await
        .unwrap();
    assert_eq!(got.found().count(), 200);
    {
        let sent = sent.lock().unwrap();
        let sizes: Vec<usize> = sent.iter().map(Vec::len).collect();
        assert_eq!(sizes, [100, 1, 100, 1]);
        assert_eq!(sent[1], strings(&["p4"]));
        assert_eq!(sent[3], strings(&["p150"]));
    }

    let sent = Arc::new(Mutex::new(Vec::new()));
    let rule = get_rule(sent.clone(), &[], |skus| {
        skus.iter().filter(|s| ["p9", "p99"].contains(&s.as_str())).cloned().collect()
    });
    let db = mock_db(&[&rule]);
    let policy = RetryPolicy { max_attempts: 4, ..FAST };
    let err = db
        .batch_get((0..150).map(|i| Product::key(format!("p{i}"))))
        .retry(policy)
        .await
        .unwrap_err();
    assert!(err.is_unprocessed(), "{err}");
    assert_eq!(err.operation(), Some("BatchGetItem"));
    assert_eq!(err.model(), Some("Product"));
    let left: Vec<String> =
        err.unprocessed().unwrap().keys().iter().map(|k| k.key_text()).collect();
    assert_eq!(left, ["sku=p9", "sku=p99"]);
    assert_eq!(err.unprocessed().unwrap().keys()[0].table(), TABLE);
    // The chunk holding the stuck keys was sent four times, the other once.
    assert_eq!(sent.lock().unwrap().len(), 5);
}
