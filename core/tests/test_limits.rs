//! DynamoDB's limits are checked before any request: each case gets a clear error, and the request
//! counter proves nothing was sent.

mod common;

use std::collections::BTreeSet;

use common::{order, product, setup, Order, Product};
use ferrodyn::expression::attr;
use ferrodyn::{AttributeValue, Error, Update};
use ferrodyn_testing::TestDb;

/// Runs `f`, asserts it failed local validation without sending anything, returns the message.
async fn rejected<F, Fut, T>(db: &TestDb, f: F) -> String
where
    F: FnOnce() -> Fut,
    Fut: std::future::IntoFuture<Output = Result<T, Error>>,
    T: std::fmt::Debug,
{
    let before = db.requests_sent();
    let err = f().await.unwrap_err();
    assert!(err.is_local_validation(), "not a local validation error: {err}");
    assert!(err.is_validation());
    assert_eq!(db.requests_sent(), before, "a request was sent for: {err}");
    err.to_string()
}

#[tokio::test]
async fn empty_key_values() {
    let db = setup().await;
    let msg = rejected(&db, || db.get(Product::key("")).send()).await;
    assert!(
        msg.contains("GetItem Product") && msg.contains("`sku`") && msg.contains("empty"),
        "{msg}"
    );
    rejected(&db, || db.put(&product(""))).await;
    rejected(&db, || db.delete(Product::key("")).send()).await;
    let update = Update::new().set(Product::FIELDS.stock, 1u32);
    rejected(&db, || db.update(Product::key(""), update).send()).await;
}

#[tokio::test]
async fn key_length_limits() {
    let db = setup().await;
    // Partition key: 2048 bytes is fine, 2049 is not.
    db.put(&product(&"p".repeat(2048))).await.unwrap();
    let msg = rejected(&db, || db.put(&product(&"p".repeat(2049))).send()).await;
    assert!(msg.contains("2049 bytes") && msg.contains("2048"), "{msg}");
    // Sort key: the template adds "ORDER#" (6 bytes) to the order id.
    let with_sort_key = |id: &str| {
        let mut o = order("c1", id);
        o.created_at = "2026-11-21T10:00:00Z".into();
        o
    };
    db.put(&with_sort_key(&"s".repeat(1018))).await.unwrap();
    let msg = rejected(&db, || db.put(&with_sort_key(&"s".repeat(1019))).send()).await;
    assert!(msg.contains("`sk`") && msg.contains("1024"), "{msg}");
    assert!(msg.contains("…(1025 bytes)"), "long key values are shortened: {msg}");
    rejected(&db, || db.get(Order::key("c1", "s".repeat(1019))).send()).await;
}

#[tokio::test]
async fn index_key_values_are_checked() {
    let db = setup().await;
    let mut o = order("c1", "o1");
    o.created_at = String::new(); // gsi1sk would be empty
    let msg = rejected(&db, || db.put(&o).send()).await;
    assert!(msg.contains("`gsi1sk`"), "{msg}");
}

#[tokio::test]
async fn item_size_limit_and_messages_never_show_contents() {
    let db = setup().await;
    let mut o = order("c1", "o1");
    o.note = Some("secret-".repeat(400 * 1024 / 7 + 10));
    let msg = rejected(&db, || db.put(&o).send()).await;
    assert!(msg.contains("400 KB"), "{msg}");
    assert!(msg.starts_with("PutItem Order pk=CUSTOMER#c1, sk=ORDER#o1: "), "{msg}");
    assert!(!msg.contains("secret"), "message leaks item contents: {msg}");
    // Just under the limit is accepted by us and by DynamoDB.
    o.note = Some("x".repeat(400 * 1024 - 1024));
    db.put(&o).await.unwrap();
}

#[tokio::test]
async fn empty_and_duplicate_sets() {
    let db = setup().await;
    db.create(&order("c1", "o1")).await.unwrap();
    let empty = Update::new().add(Order::FIELDS.tags, BTreeSet::<String>::new());
    let msg = rejected(&db, || db.update(Order::key("c1", "o1"), empty).send()).await;
    assert!(msg.contains("sets cannot be empty") && msg.contains("`tags`"), "{msg}");
    let dup = Update::new().set(attr("codes"), AttributeValue::Ss(vec!["a".into(), "a".into()]));
    let msg = rejected(&db, || db.update(Order::key("c1", "o1"), dup).send()).await;
    assert!(msg.contains("unique"), "{msg}");
    // An empty set field is left out of the item instead of being sent.
    let mut o = order("c1", "o2");
    o.tags.clear();
    db.create(&o).await.unwrap();
    assert_eq!(db.get(Order::key("c1", "o2")).await.unwrap().unwrap().tags, BTreeSet::new());
}

#[tokio::test]
async fn nan_and_infinity() {
    let db = setup().await;
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut p = product("p1");
        p.ratio = Some(bad);
        let msg = rejected(&db, || db.put(&p).send()).await;
        assert!(msg.contains("NaN and infinity") && msg.contains("`ratio`"), "{msg}");
    }
}

#[tokio::test]
async fn numbers_beyond_38_digits_or_range() {
    let db = setup().await;
    let mut p = product("p1");
    p.big = Some(i128::MAX); // 39 digits
    let msg = rejected(&db, || db.put(&p).send()).await;
    assert!(msg.contains("38 significant digits") && msg.contains("`big`"), "{msg}");
    p.big = Some(10_i128.pow(37)); // 38 digits: fine
    db.put(&p).await.unwrap();

    for (n, what) in [("1E+126", "9.99E+125"), ("1E-131", "1E-130")] {
        let mut p = product("p2");
        p.extra = Some(AttributeValue::N(n.into()));
        let msg = rejected(&db, || db.put(&p).send()).await;
        assert!(msg.contains(what), "{msg}");
    }
    let bad = Update::new().set(attr("n"), AttributeValue::N("abc".into()));
    rejected(&db, || db.update(Product::key("p1"), bad).send()).await;
    assert!("1e200".parse::<ferrodyn::Number>().is_err());
}

#[tokio::test]
async fn nesting_deeper_than_32() {
    let db = setup().await;
    let nest = |levels: usize| {
        let mut v = AttributeValue::S("leaf".into());
        for _ in 0..levels {
            v = AttributeValue::L(vec![v]);
        }
        v
    };
    // The attribute, 30 lists inside it and the string inside those: 32 levels, the most
    // DynamoDB accepts; one more list is rejected.
    let mut p = product("p1");
    p.extra = Some(nest(31));
    db.put(&p).await.unwrap();
    p.extra = Some(nest(32));
    let msg = rejected(&db, || db.put(&p).send()).await;
    assert!(msg.contains("32 levels"), "{msg}");
}

#[tokio::test]
async fn expression_limits() {
    let db = setup().await;
    let too_many = Order::FIELDS.total_cents.is_in(0..101i64);
    let msg = rejected(&db, || db.delete(Order::key("c1", "o1")).condition(too_many).send()).await;
    assert!(msg.contains("100 values"), "{msg}");
    let mut long = Order::FIELDS.total_cents.eq(0);
    for i in 0..400 {
        long = long.or(Order::FIELDS.total_cents.eq(i));
    }
    let msg = rejected(&db, || db.delete(Order::key("c1", "o1")).condition(long).send()).await;
    assert!(msg.contains("4 KB"), "{msg}");
    let long_name = Update::new().set(attr("n".repeat(256)), 1);
    let msg = rejected(&db, || db.update(Order::key("c1", "o1"), long_name).send()).await;
    assert!(msg.contains("255"), "{msg}");
    rejected(&db, || db.update(Order::key("c1", "o1"), Update::new()).send()).await;
}
