//! The request-scoped loader against DynamoDB Local (requests counted by the harness's SDK
//! interceptor): coalescing across models and tables, deduplication, the cache, missing items,
//! loads from several tasks and dropped loads; and against mocked responses for what DynamoDB
//! Local never gives (unprocessed keys, throttling).

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use aws_sdk_dynamodb::operation::batch_get_item::{BatchGetItemInput, BatchGetItemOutput};
use aws_sdk_dynamodb::types::KeysAndAttributes;
use aws_sdk_dynamodb::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;
use common::{order, product, setup, Customer, Order, Product};
use ferrodyn::operation::RetryPolicy;
use ferrodyn::{AttributeValue, Db, Item, Model};
use futures_util::future::{join3, join_all};
use serde::{Deserialize, Serialize};

/// A tiny backoff so that retries take no time.
const FAST: RetryPolicy =
    RetryPolicy { base: Duration::from_millis(1), cap: Duration::from_millis(1), max_attempts: 10 };

fn customer(i: usize) -> Customer {
    Customer { id: format!("c{i}"), name: format!("Customer {i}"), email: format!("c{i}@x.test") }
}

#[tokio::test]
async fn customers_of_200_orders_are_two_requests_and_cached_loads_are_none() {
    let db = setup().await;
    let customers: Vec<Customer> = (0..150).map(customer).collect();
    db.batch_write().put_all(&customers).await.unwrap();
    // 200 orders of 150 distinct customers, the first 50 customers with two orders each.
    let orders: Vec<Order> =
        (0..200).map(|i| order(&format!("c{}", i % 150), &format!("o{i}"))).collect();

    let loader = db.loader();
    let before = db.requests_sent();
    let loaded = join_all(orders.iter().map(|o| loader.load(Customer::key(&o.customer_id)))).await;
    let sent = db.requests_sent() - before;
    eprintln!("200 loads of 150 customers: {sent} BatchGetItem requests, {:?}", loader.stats());
    assert_eq!(sent, 2, "150 distinct keys in requests of at most 100");
    for (i, loaded) in loaded.into_iter().enumerate() {
        assert_eq!(loaded.unwrap(), Some(customer(i % 150)), "order o{i}'s customer");
    }
    let stats = loader.stats();
    assert_eq!(
        (stats.loads, stats.cache_hits, stats.deduplicated, stats.keys_fetched, stats.requests),
        (200, 0, 50, 150, 2)
    );
    assert_eq!(stats.requests_saved(), 198);

    // A key read before costs nothing, alone or in a fan-out.
    let before = db.requests_sent();
    assert_eq!(loader.load(Customer::key("c7")).await.unwrap(), Some(customer(7)));
    let again = join_all(orders.iter().map(|o| loader.load(Customer::key(&o.customer_id)))).await;
    assert!(again.iter().all(|c| c.as_ref().is_ok_and(Option::is_some)));
    assert_eq!(db.requests_sent() - before, 0);
    assert_eq!(loader.stats().cache_hits, 201);

    // A new loader has its own cache: the same fan-out is 2 requests again.
    let fresh = db.loader();
    let before = db.requests_sent();
    join_all(orders.iter().map(|o| fresh.load(Customer::key(&o.customer_id)))).await;
    assert_eq!(db.requests_sent() - before, 2);
}

#[tokio::test]
async fn two_models_in_two_tables_and_a_repeated_key_are_one_request() {
    let db = setup().await;
    db.put(&customer(1)).await.unwrap();
    db.put(&order("c1", "o1")).await.unwrap();
    db.put(&product("p1")).await.unwrap();
    let loader = db.loader();
    let before = db.requests_sent();
    let (customers, order_loaded, product_loaded) = join3(
        join_all((0..10).map(|_| loader.load(Customer::key("c1")))),
        loader.load(Order::key("c1", "o1")),
        loader.load(Product::key("p1")),
    )
    .await;
    assert_eq!(db.requests_sent() - before, 1, "shop and products keys in one BatchGetItem");
    assert!(customers.into_iter().all(|c| c.unwrap() == Some(customer(1))));
    assert_eq!(order_loaded.unwrap(), Some(order("c1", "o1")));
    assert_eq!(product_loaded.unwrap(), Some(product("p1")));
    let stats = loader.stats();
    assert_eq!((stats.loads, stats.deduplicated, stats.keys_fetched), (12, 9, 3));
}

#[tokio::test]
async fn missing_items_are_none_and_cached_as_missing() {
    let db = setup().await;
    db.put(&customer(1)).await.unwrap();
    let loader = db.loader();
    let before = db.requests_sent();
    let (present, missing) = futures_util::future::join(
        loader.load(Customer::key("c1")),
        loader.load(Customer::key("nobody")),
    )
    .await;
    assert_eq!(present.unwrap(), Some(customer(1)));
    assert_eq!(missing.unwrap(), None);
    assert_eq!(db.requests_sent() - before, 1);
    // Missing is an answer too: not asked for again, even once the item exists.
    db.put(&Customer { id: "nobody".into(), name: "N".into(), email: "n@x.test".into() })
        .await
        .unwrap();
    let before = db.requests_sent();
    assert_eq!(loader.load(Customer::key("nobody")).await.unwrap(), None);
    assert_eq!(db.requests_sent() - before, 0);
    // Until it is cleared.
    loader.clear_key(&Customer::key("nobody"));
    assert_eq!(
        loader.load(Customer::key("nobody")).await.unwrap().map(|c| c.name),
        Some("N".into())
    );
    assert_eq!(db.requests_sent() - before, 1);
}

#[tokio::test]
async fn primed_items_cost_nothing_until_cleared() {
    let db = setup().await;
    db.put(&customer(2)).await.unwrap();
    let loader = db.loader();
    let primed = Customer { name: "Primed".into(), ..customer(2) };
    loader.prime(&primed).unwrap();
    let before = db.requests_sent();
    assert_eq!(loader.load(Customer::key("c2")).await.unwrap(), Some(primed));
    assert_eq!(db.requests_sent() - before, 0);
    loader.clear();
    assert_eq!(loader.load(Customer::key("c2")).await.unwrap(), Some(customer(2)));
    assert_eq!(db.requests_sent() - before, 1);
    assert_eq!(loader.stats().cache_hits, 1);
}

#[tokio::test]
async fn an_invalid_key_is_refused_before_anything_is_queued() {
    let db = setup().await;
    let loader = db.loader();
    let before = db.requests_sent();
    let err = loader.load(Product::key("")).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!((err.operation(), err.model()), (Some("BatchGetItem"), Some("Product")));
    assert_eq!(err.attribute_path(), "sku");
    assert!(err.to_string().starts_with("BatchGetItem Product sku=: "), "{err}");
    assert_eq!(db.requests_sent() - before, 0);
    assert_eq!(loader.stats().loads, 0);
}

/// A model that claims the shop table with other key attributes than its models.
#[derive(Debug, Serialize, Deserialize, Model)]
#[ferrodyn(table = "shop", pk = "id")]
struct Stray {
    id: String,
}

#[tokio::test]
async fn models_that_disagree_on_a_tables_key_are_refused() {
    let db = setup().await;
    let loader = db.loader();
    assert_eq!(loader.load(Customer::key("c1")).await.unwrap(), None);
    let err = loader.load(Stray::key("s1")).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert!(err.to_string().contains("`Customer` and `Stray` share table"), "{err}");
}

#[tokio::test]
async fn a_wrong_entity_is_a_decoding_error_naming_the_key() {
    let db = setup().await;
    db.put(&order("c1", "o1")).await.unwrap();
    // The order's key read as a customer: same table and key attributes, another entity.
    let key = Customer::key("c1");
    let stray_key =
        ferrodyn::Key::<Customer>::from_attributes(Order::key("c1", "o1").into_attributes());
    let loader = db.loader();
    let (err, missing) = futures_util::future::join(loader.load(stray_key), loader.load(key)).await;
    let err = err.unwrap_err();
    assert_eq!(err.kind(), ferrodyn::ErrorKind::WrongEntity, "{err}");
    assert!(
        err.to_string().starts_with("BatchGetItem Customer pk=CUSTOMER#c1, sk=ORDER#o1: "),
        "{err}"
    );
    assert_eq!(missing.unwrap(), None);
    // The same item loaded as its own model decodes from the cache.
    let before = db.requests_sent();
    assert_eq!(loader.load(Order::key("c1", "o1")).await.unwrap(), Some(order("c1", "o1")));
    assert_eq!(db.requests_sent() - before, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn loads_from_many_tasks_fetch_each_key_once() {
    let db = setup().await;
    let customers: Vec<Customer> = (0..120).map(customer).collect();
    db.batch_write().put_all(&customers).await.unwrap();
    let loader = db.loader();
    let before = db.requests_sent();
    let tasks: Vec<_> = (0..16)
        .map(|t| {
            let loader = loader.clone();
            tokio::spawn(async move {
                // Overlapping keys: task t reads customers 5t .. 5t + 40 (some missing).
                let keys = (5 * t..5 * t + 40).map(|i| Customer::key(format!("c{i}")));
                let got = join_all(keys.map(|k| loader.load(k))).await;
                for (i, c) in (5 * t..5 * t + 40).zip(got) {
                    assert_eq!(c.unwrap(), (i < 120).then(|| customer(i)));
                }
            })
        })
        .collect();
    tokio::time::timeout(Duration::from_secs(30), join_all(tasks))
        .await
        .expect("no load waits forever")
        .into_iter()
        .for_each(|t| t.unwrap());
    let stats = loader.stats();
    let distinct = 5 * 15 + 40;
    assert_eq!(stats.loads, 16 * 40);
    assert_eq!(stats.keys_fetched, distinct as u64, "each distinct key read once: {stats:?}");
    assert_eq!(stats.cache_hits + stats.deduplicated + stats.keys_fetched, stats.loads);
    let sent = db.requests_sent() - before;
    assert_eq!(sent as u64, stats.requests);
    assert!(sent <= 16 * 2, "at most one batch per task: {sent}");
    eprintln!("16 tasks x 40 loads: {sent} requests, {stats:?}");
}

/// Polls a future once with a waker that does nothing.
fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    std::pin::Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
}

#[tokio::test]
async fn a_dropped_leader_hands_its_batch_over() {
    let db = setup().await;
    db.batch_write().put_all(&[customer(1), customer(2)]).await.unwrap();

    // Dropped before sending: the first load leads the batch, the second waits in it.
    let loader = db.loader();
    let mut leader = Box::pin(loader.load(Customer::key("c1")));
    let mut waiter = Box::pin(loader.load(Customer::key("c2")));
    let mut same_key = Box::pin(loader.load(Customer::key("c1")));
    assert!(poll_once(&mut leader).is_pending());
    assert!(poll_once(&mut waiter).is_pending());
    assert!(poll_once(&mut same_key).is_pending());
    drop(leader);
    let (a, b) =
        tokio::time::timeout(Duration::from_secs(10), futures_util::future::join(waiter, same_key))
            .await
            .expect("the batch was handed over");
    assert_eq!((a.unwrap(), b.unwrap()), (Some(customer(2)), Some(customer(1))));

    // Dropped while its request is in flight: the keys go back to the queue.
    let loader = db.loader();
    let mut leader = Box::pin(loader.load(Customer::key("c1")));
    let mut waiter = Box::pin(loader.load(Customer::key("c2")));
    assert!(poll_once(&mut leader).is_pending(), "yields once");
    assert!(poll_once(&mut waiter).is_pending());
    assert!(poll_once(&mut leader).is_pending(), "request in flight");
    assert_eq!(loader.stats().keys_fetched, 2);
    drop(leader);
    let got = tokio::time::timeout(Duration::from_secs(10), waiter).await.expect("re-queued");
    assert_eq!(got.unwrap(), Some(customer(2)));
    let stats = loader.stats();
    assert_eq!(stats.keys_fetched, 3, "c2 sent again, c1 (no one waits) not: {stats:?}");
}

// Mocked: what DynamoDB Local never answers.

const TABLE: &str = "products";

fn mock_db(rules: &[&Rule]) -> Db {
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, rules, |config| {
        config.retry_config(
            RetryConfig::standard()
                .with_max_attempts(2)
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

/// Records the skus of every BatchGetItem and answers each with its item, handing back the keys
/// `unprocessed` picks from the request (given the number of requests before it).
fn get_rule(
    sent: Arc<Mutex<Vec<Vec<String>>>>,
    unprocessed: impl Fn(&[String], usize) -> Vec<String> + Send + Sync + 'static,
) -> Rule {
    mock!(Client::batch_get_item).then_compute_output(move |input: &BatchGetItemInput| {
        let keys: Vec<Item> = input
            .request_items()
            .and_then(|r| r.get(TABLE))
            .map(|k| k.keys().to_vec())
            .unwrap_or_default();
        let skus: Vec<String> = keys.iter().map(sku).collect();
        let mut sent = sent.lock().unwrap();
        let back = unprocessed(&skus, sent.len());
        sent.push(skus);
        let (back_keys, items): (Vec<Item>, Vec<Item>) =
            keys.into_iter().partition(|k| back.contains(&sku(k)));
        let items = items
            .into_iter()
            .map(|mut item| {
                item.insert("price".into(), AttributeValue::N("19.99".into()));
                item.insert("stock".into(), AttributeValue::N("3".into()));
                item
            })
            .collect();
        let mut output = BatchGetItemOutput::builder()
            .set_responses(Some(HashMap::from([(TABLE.to_owned(), items)])));
        if !back_keys.is_empty() {
            let keys = KeysAndAttributes::builder().set_keys(Some(back_keys)).build().unwrap();
            output = output.unprocessed_keys(TABLE, keys);
        }
        output.build()
    })
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn unprocessed_keys_are_resent_and_the_rest_answered_at_the_bound() {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let rule = get_rule(sent.clone(), |skus, n| {
        // p3 comes back once; p7 always.
        skus.iter().filter(|s| (n == 0 && *s == "p3") || *s == "p7").cloned().collect()
    });
    let db = mock_db(&[&rule]);
    let loader = db.loader().retry(RetryPolicy { max_attempts: 3, ..FAST });
    let got = join_all((0..10).map(|i| loader.load(Product::key(format!("p{i}"))))).await;
    {
        let sent = sent.lock().unwrap();
        assert_eq!(sent.len(), 3, "the first request and two resends: {sent:?}");
        assert_eq!(sent[1], strings(&["p3", "p7"]));
        assert_eq!(sent[2], strings(&["p7"]));
    }
    for (i, loaded) in got.into_iter().enumerate() {
        if i == 7 {
            let err = loaded.unwrap_err();
            assert!(err.is_unprocessed(), "{err}");
            assert_eq!(
                err.to_string(),
                "BatchGetItem Product sku=p7: key still unprocessed after 3 attempts"
            );
            let left: Vec<String> =
                err.unprocessed().unwrap().keys().iter().map(|k| k.key_text()).collect();
            assert_eq!(left, ["sku=p7"]);
            assert_eq!(err.unprocessed().unwrap().keys()[0].table(), TABLE);
        } else {
            assert_eq!(loaded.unwrap().map(|p| p.sku), Some(format!("p{i}")));
        }
    }
    assert_eq!(loader.stats().requests, 3);
    // The failed key is not cached: the next load asks again, the others are cached.
    let before = sent.lock().unwrap().len();
    let (p7, p3) = futures_util::future::join(
        loader.load(Product::key("p7")),
        loader.load(Product::key("p3")),
    )
    .await;
    assert!(p7.unwrap_err().is_unprocessed());
    assert!(p3.unwrap().is_some());
    assert_eq!(sent.lock().unwrap()[before..].concat(), strings(&["p7", "p7", "p7"]));
}

#[tokio::test]
async fn requests_hold_at_most_100_keys_counted_across_tables() {
    let sent = Arc::new(Mutex::new(Vec::<BTreeMap<String, usize>>::new()));
    let record = sent.clone();
    let rule =
        mock!(Client::batch_get_item).then_compute_output(move |input: &BatchGetItemInput| {
            let tables = input.request_items().unwrap().iter();
            record.lock().unwrap().push(tables.map(|(t, k)| (t.clone(), k.keys().len())).collect());
            BatchGetItemOutput::builder().build() // no item: every key is missing
        });
    let db = mock_db(&[&rule]);
    let loader = db.loader();
    let (products, customers) = futures_util::future::join(
        join_all((0..150).map(|i| loader.load(Product::key(format!("p{i}"))))),
        join_all((0..60).map(|i| loader.load(Customer::key(format!("c{i}"))))),
    )
    .await;
    assert!(products.into_iter().all(|p| p.unwrap().is_none()));
    assert!(customers.into_iter().all(|c| c.unwrap().is_none()));
    let mut sent = sent.lock().unwrap().clone();
    // Queued products first, then customers: 100 products; 50 products and 50 customers; 10.
    let mut expected: Vec<BTreeMap<String, usize>> = vec![
        BTreeMap::from([("products".to_owned(), 100)]),
        BTreeMap::from([("products".to_owned(), 50), ("shop".to_owned(), 50)]),
        BTreeMap::from([("shop".to_owned(), 10)]),
    ];
    sent.sort();
    expected.sort();
    assert_eq!(sent, expected);
    assert_eq!(loader.stats().requests, 3);
}

#[tokio::test]
async fn a_failed_request_fails_each_of_its_loads_with_the_service_error() {
    let throttled = mock!(Client::batch_get_item).then_http_response(|| {
        let body = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}"#;
        Response::new(StatusCode::try_from(400).unwrap(), SdkBody::from(body))
    });
    let db = mock_db(&[&throttled]);
    let loader = db.loader();
    let got = join_all(["p1", "p2"].map(|s| loader.load(Product::key(s)))).await;
    let keys: HashSet<String> = got
        .into_iter()
        .map(|r| {
            let err = r.unwrap_err();
            assert!(err.is_throttled() && err.is_retryable(), "{err}");
            assert_eq!(err.code(), Some("ProvisionedThroughputExceededException"));
            assert_eq!(err.unprocessed().unwrap().len(), 1);
            err.to_string()
        })
        .collect();
    assert_eq!(
        keys,
        HashSet::from([
            "BatchGetItem Product sku=p1: ProvisionedThroughputExceededException: slow down \
             (1 left unprocessed)"
                .to_owned(),
            "BatchGetItem Product sku=p2: ProvisionedThroughputExceededException: slow down \
             (1 left unprocessed)"
                .to_owned(),
        ])
    );
    assert_eq!(loader.stats().requests, 1, "one request, retried by the SDK only");
    assert_eq!(throttled.num_calls(), 2);
}
