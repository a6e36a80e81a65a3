//! Scan against DynamoDB Local: entity filtering in a shared table, filters, projection,
//! pagination by cursor, streams, counts and parallel scans.

mod common;

use std::collections::BTreeSet;

use common::{order, product, setup, Customer, Order, Product, Status};
use ferrodyn::{Count, Projection};
use futures_util::StreamExt;

fn sorted_ids(orders: &[Order]) -> Vec<String> {
    let mut ids: Vec<String> =
        orders.iter().map(|o| format!("{}/{}", o.customer_id, o.order_id)).collect();
    ids.sort();
    ids
}

/// Seven orders over three customers, and two customer profiles in the same table.
async fn seed(db: &ferrodyn_testing::TestDb) -> Vec<Order> {
    let mut out = Vec::new();
    for (customer, id) in [
        ("c1", "01"),
        ("c1", "02"),
        ("c1", "03"),
        ("c2", "04"),
        ("c2", "05"),
        ("c3", "06"),
        ("c3", "07"),
    ] {
        let mut o = order(customer, id);
        if id.ends_with(['2', '4', '6']) {
            o.status = Status::Paid;
        }
        db.put(&o).await.unwrap();
        out.push(o);
    }
    for id in ["c1", "c2"] {
        let c =
            Customer { id: id.into(), name: id.to_uppercase(), email: format!("{id}@example.com") };
        db.put(&c).await.unwrap();
    }
    out
}

#[tokio::test]
async fn scan_of_a_model_reads_only_its_entity_type() {
    let db = setup().await;
    let expected = seed(&db).await;
    let got = db.scan::<Order>().all().await.unwrap();
    assert_eq!(sorted_ids(&got), sorted_ids(&expected));
    let customers = db.scan::<Customer>().all().await.unwrap();
    assert_eq!(customers.len(), 2);
}

#[tokio::test]
async fn filter_projection_and_consistent_read() {
    let db = setup().await;
    seed(&db).await;
    let paid =
        db.scan::<Order>().filter(Order::FIELDS.status.eq(Status::Paid)).all().await.unwrap();
    let mut ids: Vec<&str> = paid.iter().map(|o| o.order_id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["02", "04", "06"]);
    let consistent = db.scan::<Order>().consistent_read(true).all().await.unwrap();
    assert_eq!(consistent.len(), 7);

    let mut p = product("p1");
    p.ratio = Some(0.25);
    db.put(&p).await.unwrap();
    let projected = db
        .scan::<Product>()
        .projection(
            Projection::new()
                .with(Product::FIELDS.sku)
                .with(Product::FIELDS.price)
                .with(Product::FIELDS.stock),
        )
        .all()
        .await
        .unwrap();
    assert_eq!(projected.len(), 1);
    assert_eq!(projected[0].ratio, None, "not projected");
}

#[tokio::test]
async fn pagination_by_cursor_and_stream() {
    let db = setup().await;
    let expected = seed(&db).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let mut scan = db.scan::<Order>().limit(2);
        if let Some(c) = &cursor {
            scan = scan.cursor(c);
        }
        let page = scan.page().await.unwrap();
        seen.extend(page.items);
        cursor = page.cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert!(cursor.is_none(), "pagination ended");
    assert_eq!(sorted_ids(&seen), sorted_ids(&expected), "no duplicates, no omissions");

    // The products table holds one model only, so every item read is returned.
    for i in 0..10 {
        db.put(&product(&format!("p{i}"))).await.unwrap();
    }
    let before = db.requests_sent();
    let first: Vec<Product> =
        db.scan::<Product>().limit(2).stream().take(3).map(|r| r.unwrap()).collect().await;
    assert_eq!(first.len(), 3);
    // Five pages of two exist; three items need two of them.
    assert_eq!(db.requests_sent() - before, 2);
    let streamed: Vec<Order> =
        db.scan::<Order>().limit(3).stream().map(|r| r.unwrap()).collect().await;
    assert_eq!(sorted_ids(&streamed), sorted_ids(&expected));
}

#[tokio::test]
async fn scan_cursor_must_be_a_table_cursor() {
    let db = setup().await;
    seed(&db).await;
    let page = db.query(Order::partition("c1")).limit(1).page().await.unwrap();
    let query_cursor = page.cursor.unwrap();
    let before = db.requests_sent();
    // A query cursor of the same table is a valid table cursor: DynamoDB resumes after that key.
    assert!(db.scan::<Order>().cursor(&query_cursor).limit(1).page().await.is_ok());
    assert_eq!(db.requests_sent(), before + 1);
    let err = db.scan::<Order>().cursor("not-a-cursor").page().await.unwrap_err();
    assert!(err.is_local_validation() && err.operation() == Some("Scan"), "{err}");
    let err = db.scan::<Product>().cursor(&query_cursor).page().await.unwrap_err();
    assert!(err.to_string().contains("not the key attributes"), "{err}");
    assert_eq!(db.requests_sent(), before + 1);
}

#[tokio::test]
async fn count_against_scanned_count() {
    let db = setup().await;
    seed(&db).await;
    let count = db
        .scan::<Order>()
        .filter(Order::FIELDS.status.eq(Status::Paid))
        .limit(4)
        .count()
        .await
        .unwrap();
    // Nine items in the table (seven orders, two customers), three paid orders.
    assert_eq!(count, Count { count: 3, scanned_count: 9 });
    assert_eq!(db.scan::<Customer>().count().await.unwrap(), Count { count: 2, scanned_count: 9 });
}

#[tokio::test]
async fn parallel_scan_returns_every_item_exactly_once() {
    let db = setup().await;
    let expected = seed(&db).await;
    let got = db.scan::<Order>().limit(1).segments(3).all().await.unwrap();
    assert_eq!(got.len(), expected.len());
    let unique: BTreeSet<String> = sorted_ids(&got).into_iter().collect();
    assert_eq!(unique.len(), expected.len(), "no item twice");
    assert_eq!(sorted_ids(&got), sorted_ids(&expected));

    let count =
        db.scan::<Order>().filter(Order::FIELDS.status.eq(Status::Paid)).segments(3).count();
    assert_eq!(count.await.unwrap(), Count { count: 3, scanned_count: 9 });
    // More segments than items: the empty ones return nothing.
    assert_eq!(db.scan::<Order>().segments(20).all().await.unwrap().len(), 7);
}

#[tokio::test]
async fn invalid_scans_are_refused_before_sending() {
    let db = setup().await;
    let before = db.requests_sent();
    let err = db.scan::<Order>().segments(0).all().await.unwrap_err();
    assert!(err.is_local_validation() && err.to_string().contains("segments"), "{err}");
    let err = db.scan::<Order>().segments(1_000_001).count().await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    let page = db.scan::<Order>().limit(0).page().await.unwrap_err();
    assert_eq!(page.to_string(), "Scan Order: limit must be at least 1");
    let err = db.scan::<Order>().cursor("AAAA").segments(2).all().await.unwrap_err();
    assert!(err.to_string().contains("a cursor cannot start a parallel scan"), "{err}");
    assert_eq!(db.requests_sent(), before);
}

/// A model with a sparse index: only members with a team have its key attribute.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ferrodyn::Model)]
#[ferrodyn(table = "members", pk = "id", index(name = "byTeam", pk = "TEAM#{team}", sk = "{id}"))]
struct Member {
    id: String,
    team: Option<String>,
}

#[tokio::test]
async fn scan_of_a_sparse_index_reads_only_the_indexed_items() {
    let db = ferrodyn_testing::TestDb::new().await.unwrap();
    db.create_table::<Member>().await.unwrap();
    for (id, team) in [("m1", Some("red")), ("m2", None), ("m3", Some("blue")), ("m4", None)] {
        db.put(&Member { id: id.into(), team: team.map(Into::into) }).await.unwrap();
    }
    assert_eq!(db.scan::<Member>().count().await.unwrap().count, 4);

    let mut indexed = db.scan::<Member>().index("byTeam").all().await.unwrap();
    indexed.sort_by(|a, b| a.id.cmp(&b.id));
    let ids: Vec<&str> = indexed.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["m1", "m3"]);
    assert_eq!(indexed[0].team.as_deref(), Some("red"));
    let count = db.scan::<Member>().index("byTeam").count().await.unwrap();
    assert_eq!(count, Count { count: 2, scanned_count: 2 });

    // Pages of the index scan carry cursors of the index, that resume the index scan.
    let first = db.scan::<Member>().index("byTeam").limit(1).page().await.unwrap();
    assert_eq!(first.items.len(), 1);
    let cursor = first.cursor.expect("a second page");
    let rest = db.scan::<Member>().index("byTeam").cursor(&cursor).all().await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_ne!(rest[0].id, first.items[0].id);
    // A cursor of the index is refused by a scan of the table, before sending.
    let before = db.requests_sent();
    let err = db.scan::<Member>().cursor(&cursor).page().await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(db.requests_sent(), before);

    // Parallel segments of the index read the same items.
    let segmented = db.scan::<Member>().index("byTeam").segments(2).all().await.unwrap();
    assert_eq!(segmented.len(), 2);

    // What an index cannot do is refused before anything is sent.
    let before = db.requests_sent();
    let err = db.scan::<Member>().index("byTeam").consistent_read(true).all().await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert!(err.to_string().contains("consistent reads are not supported"), "{err}");
    assert!(err.to_string().contains("byTeam"), "{err}");
    let err = db.scan::<Member>().index("byTeem").page().await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert!(err.to_string().contains("no index `byTeem`"), "{err}");
    assert!(err.to_string().contains("Scan"), "{err}");
    assert_eq!(db.requests_sent(), before);
}

#[test]
fn scan_debug_names_the_index_and_no_values() {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .build();
    let db = ferrodyn::Db::from_client(aws_sdk_dynamodb::Client::from_conf(config));
    let scan = db.scan::<Member>().index("byTeam").filter(Member::FIELDS.team.eq("red"));
    let text = format!("{scan:?}");
    assert!(text.starts_with("Scan {"), "{text}");
    assert!(text.contains("index: Some(\"byTeam\")"), "{text}");
    assert!(!text.contains("red"), "{text}");
}

#[tokio::test]
async fn segment_pages_read_from_cursors_cover_the_parallel_scan() {
    let db = setup().await;
    let expected = seed(&db).await;
    let scan = db.scan::<Order>().limit(2).segments(3);
    let mut got = Vec::new();
    for segment in 0..3 {
        let mut cursor: Option<String> = None;
        loop {
            let page = scan.segment_page(segment, cursor.as_deref()).await.unwrap();
            got.extend(page.items);
            match page.cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    assert_eq!(sorted_ids(&got), sorted_ids(&expected));
    let sent = db.requests_sent();
    let err = scan.segment_page(3, None).await.unwrap_err();
    assert!(err.is_local_validation() && err.to_string().contains("segment 3"), "{err}");
    assert_eq!(db.requests_sent(), sent);
}
