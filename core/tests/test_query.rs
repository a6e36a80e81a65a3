//! Query against DynamoDB Local: sort key conditions, filters, projection, consistent reads,
//! pagination by cursor, descending order, lazy streams, counts and GSI queries.

mod common;

use std::collections::BTreeSet;

use common::{order, product, setup, Customer, Order, Product, Status};
use ferrodyn::expression::attr;
use ferrodyn::{Count, ErrorKind, Model, Projection};
use ferrodyn_testing::TestDb;
use futures_util::StreamExt;

/// Orders `01..=n` of customer `c1`, and `c1`'s profile in the same partition.
async fn orders(db: &TestDb, n: u32) -> Vec<Order> {
    let mut out = Vec::new();
    for i in 1..=n {
        let o = order("c1", &format!("{i:02}"));
        db.put(&o).await.unwrap();
        out.push(o);
    }
    let profile = Customer { id: "c1".into(), name: "Ada".into(), email: "ada@example.com".into() };
    db.put(&profile).await.unwrap();
    out
}

fn ids(orders: &[Order]) -> Vec<&str> {
    orders.iter().map(|o| o.order_id.as_str()).collect()
}

#[tokio::test]
async fn every_sort_key_operator() {
    let db = setup().await;
    orders(&db, 5).await;
    let q = || db.query(Order::partition("c1"));
    assert_eq!(ids(&q().sort_key_eq("ORDER#03").all().await.unwrap()), ["03"]);
    assert_eq!(ids(&q().sort_key_lt("ORDER#03").all().await.unwrap()), ["01", "02"]);
    assert_eq!(ids(&q().sort_key_le("ORDER#03").all().await.unwrap()), ["01", "02", "03"]);
    assert_eq!(ids(&q().sort_key_gt("ORDER#03").all().await.unwrap()), ["04", "05"]);
    assert_eq!(ids(&q().sort_key_ge("ORDER#03").all().await.unwrap()), ["03", "04", "05"]);
    let between = q().sort_key_between("ORDER#02", "ORDER#04").all().await.unwrap();
    assert_eq!(ids(&between), ["02", "03", "04"]);
    let prefix = Order::META.sort_key.as_ref().unwrap().literal_prefix();
    assert_eq!(prefix, "ORDER#");
    let all = q().sort_key_begins_with(prefix).all().await.unwrap();
    assert_eq!(ids(&all), ["01", "02", "03", "04", "05"]);
    assert!(q().sort_key_begins_with("ORDER#1").all().await.unwrap().is_empty());
    // The profile (sk PROFILE) sorts after ORDER#…; without the entity filter a key condition
    // alone keeps it out.
    let profile = db.query(Customer::partition("c1")).sort_key_eq("PROFILE").all().await.unwrap();
    assert_eq!(profile.len(), 1);
    assert_eq!(profile[0].name, "Ada");
}

#[tokio::test]
async fn query_of_a_model_reads_only_its_entity_type() {
    let db = setup().await;
    orders(&db, 2).await;
    // The partition holds two orders and a customer; each query decodes only its own model.
    assert_eq!(db.query(Order::partition("c1")).all().await.unwrap().len(), 2);
    let customers = db.query(Customer::partition("c1")).all().await.unwrap();
    assert_eq!(customers.len(), 1);
}

#[tokio::test]
async fn filters_in_not_or_contains_exists_size() {
    let db = setup().await;
    let mut all = orders(&db, 5).await;
    // 01 pending, 02 paid with a note, 03 shipped with two lines, 04 paid tagged vip, 05 cancelled.
    all[1].status = Status::Paid;
    all[1].note = Some("leave at door".into());
    all[2].status = Status::Shipped;
    let line = all[2].lines[0].clone();
    all[2].lines.push(line);
    all[3].status = Status::Paid;
    all[3].tags = BTreeSet::from(["vip".to_owned()]);
    all[4].status = Status::Cancelled;
    for o in &all {
        db.put(o).await.unwrap();
    }
    let f = Order::FIELDS;
    let q = || db.query(Order::partition("c1"));
    let paid_or_shipped = q().filter(f.status.is_in([Status::Paid, Status::Shipped])).all();
    assert_eq!(ids(&paid_or_shipped.await.unwrap()), ["02", "03", "04"]);
    let not_paid = q().filter(!f.status.eq(Status::Paid)).all().await.unwrap();
    assert_eq!(ids(&not_paid), ["01", "03", "05"]);
    let or = q().filter(f.status.eq(Status::Cancelled) | f.status.eq(Status::Pending));
    assert_eq!(ids(&or.all().await.unwrap()), ["01", "05"]);
    let vip = q().filter(f.tags.contains("vip")).all().await.unwrap();
    assert_eq!(ids(&vip), ["04"]);
    let noted = q().filter(f.note.exists()).all().await.unwrap();
    assert_eq!(ids(&noted), ["02"]);
    let two_lines = q().filter(f.lines.size().ge(2)).all().await.unwrap();
    assert_eq!(ids(&two_lines), ["03"]);
    // Filters given twice are combined by AND.
    let both = q().filter(f.status.eq(Status::Paid)).filter(f.note.not_exists()).all();
    assert_eq!(ids(&both.await.unwrap()), ["04"]);
}

#[tokio::test]
async fn projection_returns_only_the_named_attributes() {
    let db = setup().await;
    let mut p = product("p1");
    p.ratio = Some(0.5);
    p.big = Some(7);
    db.put(&p).await.unwrap();
    let projected = db
        .query(Product::partition("p1"))
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
    assert_eq!(projected[0].big, None, "not projected");
    assert_eq!(projected[0].stock, 3);
    // Leaving out a required field is a decoding error naming it.
    let err = db
        .query(Product::partition("p1"))
        .projection(Projection::new().with(Product::FIELDS.sku))
        .all()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingAttribute);
    assert_eq!(err.attribute_path(), "price");
}

#[tokio::test]
async fn consistent_read_on_the_table_and_refused_on_a_gsi() {
    let db = setup().await;
    orders(&db, 2).await;
    let got = db.query(Order::partition("c1")).consistent_read(true).all().await.unwrap();
    assert_eq!(got.len(), 2);
    let before = db.requests_sent();
    let err = db
        .query(Order::gsi1_partition(Status::Pending))
        .consistent_read(true)
        .all()
        .await
        .unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert!(err.to_string().contains("global secondary index `gsi1`"), "{err}");
    assert_eq!(err.operation(), Some("Query"));
    assert_eq!(db.requests_sent(), before, "nothing was sent");
}

#[tokio::test]
async fn pagination_by_cursor_visits_every_item_once() {
    let db = setup().await;
    let expected = orders(&db, 9).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut q = db.query(Order::partition("c1")).limit(2);
        if let Some(c) = &cursor {
            q = q.cursor(c);
        }
        let page = q.page().await.unwrap();
        pages += 1;
        assert!(page.items.len() <= 2);
        seen.extend(page.items);
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
        assert!(pages < 20, "pagination does not end");
    }
    // 10 items in the partition (9 orders and the profile), 2 per page.
    assert!(pages >= 5, "{pages} pages");
    assert_eq!(seen, expected, "no duplicates, no omissions, in sort key order");
    assert_eq!(db.query(Order::partition("c1")).limit(2).all().await.unwrap(), expected);
}

#[tokio::test]
async fn cursors_from_elsewhere_are_refused_before_sending() {
    let db = setup().await;
    orders(&db, 3).await;
    let page = db.query(Order::partition("c1")).limit(1).page().await.unwrap();
    let cursor = page.cursor.unwrap();
    let before = db.requests_sent();

    let err = db.query(Order::partition("c2")).cursor(&cursor).page().await.unwrap_err();
    assert!(err.is_validation() && err.to_string().contains("another partition"), "{err}");
    assert!(err.to_string().contains("pk=CUSTOMER#c2"), "{err}");

    let err =
        db.query(Order::gsi1_partition(Status::Pending)).cursor(&cursor).page().await.unwrap_err();
    assert!(err.to_string().contains("issued for the table, not index `gsi1`"), "{err}");

    let mut tampered: Vec<char> = cursor.chars().collect();
    let i = tampered.len() / 2;
    tampered[i] = if tampered[i] == 'x' { 'y' } else { 'x' };
    let tampered: String = tampered.into_iter().collect();
    let err = db.query(Order::partition("c1")).cursor(&tampered).page().await.unwrap_err();
    assert!(err.is_validation() && err.to_string().contains("invalid cursor"), "{err}");

    let err = db
        .query(Order::partition("c1"))
        .cursor(&cursor[..cursor.len() - 3])
        .page()
        .await
        .unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(db.requests_sent(), before, "nothing was sent");

    // The right cursor goes on where the page ended.
    let rest = db.query(Order::partition("c1")).cursor(&cursor).all().await.unwrap();
    assert_eq!(ids(&rest), ["02", "03"]);
}

#[tokio::test]
async fn descending_order() {
    let db = setup().await;
    orders(&db, 4).await;
    let got = db.query(Order::partition("c1")).descending().all().await.unwrap();
    assert_eq!(ids(&got), ["04", "03", "02", "01"]);
    let page = db.query(Order::partition("c1")).descending().limit(3).page().await.unwrap();
    // The profile (PROFILE > ORDER#…) comes first in descending order and is filtered out.
    assert_eq!(ids(&page.items), ["04", "03"]);
    let rest = db
        .query(Order::partition("c1"))
        .descending()
        .cursor(&page.cursor.unwrap())
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&rest), ["02", "01"]);
}

#[tokio::test]
async fn stream_fetches_pages_lazily() {
    let db = setup().await;
    for i in 1..=10 {
        db.put(&order("c9", &format!("{i:02}"))).await.unwrap();
    }
    let before = db.requests_sent();
    let stream = db.query(Order::partition("c9")).limit(2).stream();
    let first: Vec<Order> = stream.take(3).map(|r| r.unwrap()).collect::<Vec<_>>().await;
    assert_eq!(ids(&first), ["01", "02", "03"]);
    // Five pages of two exist; three items need two of them.
    assert_eq!(db.requests_sent() - before, 2);

    let before = db.requests_sent();
    let all: Vec<Order> =
        db.query(Order::partition("c9")).limit(2).stream().map(|r| r.unwrap()).collect().await;
    assert_eq!(all.len(), 10);
    // Five full pages, then the empty one that tells DynamoDB's last page from a full one.
    assert_eq!(db.requests_sent() - before, 6);
}

#[tokio::test]
async fn stream_of_an_invalid_query_yields_its_error() {
    let db = setup().await;
    let before = db.requests_sent();
    let results: Vec<_> = db.query(Order::partition("c1")).limit(0).stream().collect().await;
    assert_eq!(results.len(), 1);
    let err = results.into_iter().next().unwrap().unwrap_err();
    assert!(err.is_local_validation() && err.to_string().contains("limit"), "{err}");
    assert_eq!(db.requests_sent(), before);
}

#[tokio::test]
async fn count_with_a_filter() {
    let db = setup().await;
    let mut all = orders(&db, 5).await;
    for o in &mut all[..2] {
        o.status = Status::Paid;
        db.put(o).await.unwrap();
    }
    let count = db
        .query(Order::partition("c1"))
        .filter(Order::FIELDS.status.eq(Status::Paid))
        .limit(2)
        .count()
        .await
        .unwrap();
    // Six items read (five orders and the profile), two matched.
    assert_eq!(count, Count { count: 2, scanned_count: 6 });
    let count = db.query(Order::partition("c1")).count().await.unwrap();
    assert_eq!(count, Count { count: 5, scanned_count: 6 });
    // A projection does not get in the way of Select COUNT.
    let count = db
        .query(Order::partition("c1"))
        .projection(Projection::new().with(Order::FIELDS.status))
        .count()
        .await
        .unwrap();
    assert_eq!(count.count, 5);
}

#[tokio::test]
async fn gsi_query_newest_first() {
    let db = setup().await;
    for (i, status) in
        [Status::Paid, Status::Pending, Status::Paid, Status::Paid].iter().enumerate()
    {
        let mut o = order(&format!("c{i}"), &format!("{i:02}"));
        o.status = *status;
        db.put(&o).await.unwrap();
    }
    let paid = db.query(Order::gsi1_partition(Status::Paid)).descending().all().await.unwrap();
    assert_eq!(ids(&paid), ["03", "02", "00"]);
    let newest = db
        .query(Order::gsi1_partition(Status::Paid))
        .descending()
        .sort_key_lt("2026-11-21T10:00:03Z")
        .limit(1)
        .page()
        .await
        .unwrap();
    assert_eq!(ids(&newest.items), ["02"]);
    // GSI pages paginate with cursors of that index.
    let rest = db
        .query(Order::gsi1_partition(Status::Paid))
        .descending()
        .sort_key_lt("2026-11-21T10:00:03Z")
        .cursor(&newest.cursor.unwrap())
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&rest), ["00"]);
}

#[tokio::test]
async fn invalid_queries_are_refused_before_sending() {
    let db = setup().await;
    let before = db.requests_sent();
    let err = db.query(Order::partition("c1")).limit(0).all().await.unwrap_err();
    assert!(err.is_local_validation());
    assert_eq!(err.to_string(), "Query Order pk=CUSTOMER#c1: limit must be at least 1");
    let err = db.query(Order::partition("x".repeat(3000))).all().await.unwrap_err();
    assert!(err.to_string().contains("2048-byte limit"), "{err}");
    let err = db.query(Product::partition("p1")).sort_key_eq("x").all().await.unwrap_err();
    assert!(err.to_string().contains("the table has no sort key"), "{err}");
    let many = (0..101).map(|i| i.to_string());
    let err = db.query(Order::partition("c1")).filter(attr("note").is_in(many)).count().await;
    assert!(err.unwrap_err().to_string().contains("100 values"));
    assert_eq!(db.requests_sent(), before);
}

#[test]
fn partitions_describe_themselves() {
    let p = Order::gsi1_partition(Status::Paid);
    assert_eq!(p.index(), Some("gsi1"));
    assert_eq!(p.attribute(), "gsi1pk");
    assert_eq!(p.to_string(), "gsi1pk=STATUS#paid (index gsi1)");
    assert_eq!(format!("{:?}", Order::partition("c1")), "Partition<Order>(pk=CUSTOMER#c1)");
}

/// A model whose index has a camelCase name and an optional key part (a sparse index).
#[derive(Debug, serde::Serialize, serde::Deserialize, Model)]
#[ferrodyn(table = "members", pk = "id", index(name = "byTeam", pk = "TEAM#{team}"))]
struct Member {
    id: String,
    team: Option<String>,
}

#[tokio::test]
async fn index_constructors_take_snake_case_names_and_absent_parts_are_refused() {
    let db = TestDb::new().await.unwrap();
    let p = Member::by_team_partition(Some("red".to_owned()));
    assert_eq!(p.to_string(), "byTeampk=TEAM#red (index byTeam)");
    let before = db.requests_sent();
    let err = db.query(Member::by_team_partition(None)).all().await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert!(err.to_string().contains("partition key cannot be built"), "{err}");
    assert_eq!(db.requests_sent(), before);
}

#[tokio::test]
async fn queries_and_scans_count_in_the_capacity_meter() {
    let db = common::setup().await;
    for i in 0..5 {
        db.create(&common::order("cap", &format!("o{i}"))).await.unwrap();
    }
    let scope = db.with_capacity_meter();
    let orders = scope.query(common::Order::partition("cap")).all().await.unwrap();
    assert_eq!(orders.len(), 5);
    let after_query = scope.consumed_capacity().unwrap();
    assert!(after_query.read_units > 0.0, "{after_query:?}");
    scope.scan::<common::Order>().count().await.unwrap();
    let total = scope.consumed_capacity().unwrap();
    assert!(total.read_units > after_query.read_units, "{total:?}");
    assert_eq!(total.write_units, 0.0);
}
