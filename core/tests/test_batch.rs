//! Batch get and batch write against DynamoDB Local: large batches across models, order and
//! missing keys, deletes, duplicates and invalid items rejected before sending, progress.

mod common;

use std::sync::{Arc, Mutex};

use common::{order, product, setup, Order, Product};
use ferrodyn::expression::attr;
use ferrodyn::{Binary, Key, Projection};

fn order_no(i: usize) -> Order {
    order(&format!("c{}", i % 7), &format!("o{i}"))
}

fn order_key(i: usize) -> Key<Order> {
    Order::key(format!("c{}", i % 7), format!("o{i}"))
}

#[tokio::test]
async fn thousand_items_across_two_models_come_back_in_order() {
    let db = setup().await;
    let orders: Vec<Order> = (0..500).map(order_no).collect();
    let products: Vec<Product> = (0..500).map(|i| product(&format!("p{i}"))).collect();
    let before = db.requests_sent();
    db.batch_write().put_all(&orders).put_all(&products).await.unwrap();
    assert_eq!(db.requests_sent() - before, 40, "1,000 writes in requests of 25");

    // Keys in a shuffled order, with keys that have no item among them, and one key twice.
    let mut wanted: Vec<(usize, bool)> = (0..500).rev().map(|i| (i, true)).collect();
    wanted.insert(10, (900, false));
    wanted.insert(250, (901, false));
    wanted.push((902, false));
    wanted.push((3, true));
    let keys: Vec<Key<Order>> = wanted.iter().map(|&(i, _)| order_key(i)).collect();
    let before = db.requests_sent();
    let got = db.batch_get(keys.clone()).consistent_read(true).await.unwrap();
    assert_eq!(db.requests_sent() - before, 6, "503 distinct keys in requests of 100");
    assert_eq!(got.len(), wanted.len());
    for (&(i, exists), item) in wanted.iter().zip(&got.items) {
        if exists {
            assert_eq!(item.as_ref(), Some(&order_no(i)));
        } else {
            assert_eq!(item, &None);
        }
    }
    let missing: Vec<&Key<Order>> = got.missing().collect();
    assert_eq!(missing, [&order_key(900), &order_key(901), &order_key(902)]);
    assert_eq!(got.found().count(), 501);
    assert_eq!(got.keys(), &keys[..]);

    let product_keys = (0..500).map(|i| Product::key(format!("p{i}")));
    let got = db.batch_get(product_keys).concurrency(2).await.unwrap();
    assert_eq!(got.into_items(), products.into_iter().map(Some).collect::<Vec<_>>());
}

#[tokio::test]
async fn projection_keeps_key_attributes_to_match_items() {
    let db = setup().await;
    let mut p = product("p1");
    p.ratio = Some(0.5);
    db.batch_write().put(&p).put(&product("p2")).await.unwrap();
    let got = db
        .batch_get([Product::key("p2"), Product::key("p1"), Product::key("p3")])
        .projection(Projection::new().with(attr("price")).with(attr("stock")))
        .await
        .unwrap();
    let skus: Vec<Option<&str>> =
        got.items.iter().map(|p| p.as_ref().map(|p| p.sku.as_str())).collect();
    assert_eq!(skus, [Some("p2"), Some("p1"), None]);
    // Attributes left out of the projection are not read.
    assert_eq!(got.items[1].as_ref().and_then(|p| p.ratio), None);
}

#[tokio::test]
async fn batch_write_deletes_and_puts() {
    let db = setup().await;
    let products: Vec<Product> = (0..60).map(|i| product(&format!("p{i}"))).collect();
    db.batch_write().put_all(&products).await.unwrap();
    db.batch_write()
        .delete_all((0..60).filter(|i| i % 2 == 0).map(|i| Product::key(format!("p{i}"))))
        .put(&product("p100"))
        .delete(order_key(1))
        .await
        .unwrap();
    let got = db.batch_get((0..61).map(|i| Product::key(format!("p{i}")))).await.unwrap();
    for (i, item) in got.items.iter().enumerate() {
        assert_eq!(item.is_some(), i % 2 == 1 && i < 60, "p{i}");
    }
    assert!(db.get(Product::key("p100")).await.unwrap().is_some());
}

#[tokio::test]
async fn two_writes_to_one_item_are_rejected_before_sending() {
    let db = setup().await;
    let before = db.requests_sent();
    let orders: Vec<Order> = (0..40).map(order_no).collect();
    let err = db
        .batch_write()
        .put_all(&orders)
        .put(&product("p1"))
        .delete(order_key(30))
        .await
        .unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(err.operation(), Some("BatchWriteItem"));
    assert_eq!(err.model(), Some("Order"));
    let text = err.to_string();
    assert!(text.contains("pk=CUSTOMER#c2, sk=ORDER#o30"), "{text}");
    assert!(text.contains("same item"), "{text}");
    assert_eq!(db.requests_sent(), before, "nothing was sent");
}

#[tokio::test]
async fn invalid_item_in_a_batch_is_rejected_before_anything_is_sent() {
    let db = setup().await;
    let before = db.requests_sent();
    let mut products: Vec<Product> = (0..80).map(|i| product(&format!("p{i}"))).collect();
    products[70].image = Some(Binary::from(vec![0u8; 401 * 1024]));
    let err = db.batch_write().put_all(&products).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(err.operation(), Some("BatchWriteItem"));
    assert_eq!(err.model(), Some("Product"));
    assert!(err.to_string().contains("sku=p70"), "{err}");
    assert!(err.to_string().contains("400 KB"), "{err}");

    let err = db.batch_write().put(&product("p1")).put(&product("")).await.unwrap_err();
    assert!(err.is_local_validation() && err.attribute_path() == "sku", "{err}");

    let err = db.batch_get([Product::key("p1"), Product::key("")]).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(err.operation(), Some("BatchGetItem"));
    assert_eq!(db.requests_sent(), before, "nothing was sent");
}

#[tokio::test]
async fn empty_batches_send_nothing() {
    let db = setup().await;
    let before = db.requests_sent();
    db.batch_write().await.unwrap();
    let got = db.batch_get(Vec::<Key<Product>>::new()).await.unwrap();
    assert!(got.is_empty());
    assert_eq!(db.requests_sent(), before);
}

#[tokio::test]
async fn progress_is_monotonic_and_reaches_the_total() {
    let db = setup().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let products: Vec<Product> = (0..130).map(|i| product(&format!("p{i}"))).collect();
    db.batch_write()
        .put_all(&products)
        .concurrency(3)
        .progress(move |done, total| record.lock().unwrap().push((done, total)))
        .await
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 6, "one call per acknowledged request");
    assert_eq!(seen.last(), Some(&(130, 130)));
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{seen:?}");
    assert!(seen.iter().all(|&(_, total)| total == 130));

    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let keys = (0..250).map(|i| Product::key(format!("p{i}")));
    db.batch_get(keys)
        .progress(move |done, total| record.lock().unwrap().push((done, total)))
        .await
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.last(), Some(&(250, 250)));
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{seen:?}");
}

#[tokio::test]
async fn batch_operations_count_in_the_capacity_meter() {
    let db = common::setup().await;
    let scope = db.with_capacity_meter();
    let products: Vec<_> = (0..30).map(|i| common::product(&format!("cap{i}"))).collect();
    scope.batch_write().put_all(&products).await.unwrap();
    let written = scope.consumed_capacity().unwrap();
    assert!(written.write_units >= 30.0, "{written:?}");
    let keys = products.iter().map(|p| common::Product::key(p.sku.clone()));
    scope.batch_get(keys).send().await.unwrap();
    let total = scope.consumed_capacity().unwrap();
    assert!(total.read_units > 0.0, "{total:?}");
    assert_eq!(total.write_units, written.write_units);
}
