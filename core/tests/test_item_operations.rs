//! get, put, create, update and delete against DynamoDB Local.

mod common;

use std::collections::BTreeSet;

use common::{order, product, setup, Customer, Line, Order, Product, Status};
use ferrodyn::expression::attr;
use ferrodyn::{AttributeValue, ErrorKind, Model, Projection, Update};

#[tokio::test]
async fn create_then_get_round_trips() {
    let db = setup().await;
    let o = order("c1", "o1");
    db.create(&o).await.unwrap();
    let got = db.get(Order::key("c1", "o1")).await.unwrap();
    assert_eq!(got, Some(o));
}

#[tokio::test]
async fn get_missing_is_none() {
    let db = setup().await;
    assert_eq!(db.get(Order::key("c1", "nope")).await.unwrap(), None);
    assert_eq!(db.get(Order::key("c1", "nope")).consistent_read(true).await.unwrap(), None);
}

#[tokio::test]
async fn stored_item_has_keys_index_keys_and_entity() {
    let db = setup().await;
    db.create(&order("c1", "o1")).await.unwrap();
    let item =
        db.get(Order::key("c1", "o1")).consistent_read(true).send_item().await.unwrap().unwrap();
    assert_eq!(item["pk"], AttributeValue::S("CUSTOMER#c1".into()));
    assert_eq!(item["sk"], AttributeValue::S("ORDER#o1".into()));
    assert_eq!(item["gsi1pk"], AttributeValue::S("STATUS#pending".into()));
    assert_eq!(item["gsi1sk"], AttributeValue::S("2026-11-21T10:00:o1Z".into()));
    assert_eq!(item["entity"], AttributeValue::S("Order".into()));
    assert!(!item.contains_key("note"), "None is left out");
}

#[tokio::test]
async fn create_on_existing_item_is_condition_failed() {
    let db = setup().await;
    db.create(&order("c1", "o1")).await.unwrap();
    let mut changed = order("c1", "o1");
    changed.total_cents = 1;
    let err = db.create(&changed).await.unwrap_err();
    assert!(err.is_condition_failed(), "{err}");
    assert_eq!(err.operation(), Some("PutItem"));
    assert_eq!(err.model(), Some("Order"));
    let text = err.to_string();
    assert!(text.contains("pk=CUSTOMER#c1, sk=ORDER#o1"), "{text}");
    // The first item is untouched.
    let got = db.get(Order::key("c1", "o1")).await.unwrap().unwrap();
    assert_eq!(got.total_cents, 2500);
}

#[tokio::test]
async fn put_overwrites_and_returns_old() {
    let db = setup().await;
    db.put(&order("c1", "o1")).await.unwrap();
    let mut changed = order("c1", "o1");
    changed.total_cents = 999;
    let old = db.put(&changed).send_returning_old().await.unwrap();
    assert_eq!(old.map(|o| o.total_cents), Some(2500));
    let got = db.get(Order::key("c1", "o1")).await.unwrap().unwrap();
    assert_eq!(got.total_cents, 999);
}

#[tokio::test]
async fn put_with_condition() {
    let db = setup().await;
    db.put(&order("c1", "o1")).await.unwrap();
    let mut changed = order("c1", "o1");
    changed.status = Status::Paid;
    let err =
        db.put(&changed).condition(Order::FIELDS.status.eq(Status::Shipped)).await.unwrap_err();
    assert!(err.is_condition_failed());
    db.put(&changed).condition(Order::FIELDS.status.eq(Status::Pending)).await.unwrap();
    assert_eq!(db.get(Order::key("c1", "o1")).await.unwrap().unwrap().status, Status::Paid);
}

#[tokio::test]
async fn get_with_projection_uses_placeholders_for_reserved_words() {
    let db = setup().await;
    db.create(&order("c1", "o1")).await.unwrap();
    // `status` is a DynamoDB reserved word; it only works through a #name placeholder.
    let item = db
        .get(Order::key("c1", "o1"))
        .projection(Projection::new().with(Order::FIELDS.status).with(Order::FIELDS.total_cents))
        .send_item()
        .await
        .unwrap()
        .unwrap();
    let mut names: Vec<_> = item.keys().cloned().collect();
    names.sort();
    // The entity type comes along: decoding the item as the model checks it.
    assert_eq!(names, ["entity", "status", "total_cents"]);
}

#[tokio::test]
async fn update_actions() {
    let db = setup().await;
    db.create(&order("c1", "o1")).await.unwrap();
    let f = Order::FIELDS;
    let new = db
        .update(
            Order::key("c1", "o1"),
            Update::new()
                .set(&f.note, "leave at door")
                .add(&f.total_cents, 500)
                .append(&f.lines, vec![Line { sku: "PEN".into(), qty: 2, price_cents: 250 }])
                .add(&f.tags, BTreeSet::from(["rush".to_owned()])),
        )
        .send_returning_new()
        .await
        .unwrap();
    assert_eq!(new.note.as_deref(), Some("leave at door"));
    assert_eq!(new.total_cents, 3000);
    assert_eq!(new.lines.len(), 2);
    assert_eq!(new.lines[1].sku, "PEN");
    assert_eq!(new.tags, BTreeSet::from(["gift".to_owned(), "rush".to_owned()]));

    let new = db
        .update(
            Order::key("c1", "o1"),
            Update::new()
                .remove(&f.note)
                .increment(&f.total_cents, -1000)
                .delete(&f.tags, BTreeSet::from(["gift".to_owned()])),
        )
        .send_returning_new()
        .await
        .unwrap();
    assert_eq!(new.note, None);
    assert_eq!(new.total_cents, 2000);
    assert_eq!(new.tags, BTreeSet::from(["rush".to_owned()]));
}

#[tokio::test]
async fn update_keeps_index_keys_in_step() {
    let db = setup().await;
    db.create(&order("c1", "o1")).await.unwrap();
    db.update(Order::key("c1", "o1"), Update::new().set(Order::FIELDS.status, Status::Shipped))
        .await
        .unwrap();
    let item = db.get(Order::key("c1", "o1")).send_item().await.unwrap().unwrap();
    assert_eq!(item["gsi1pk"], AttributeValue::S("STATUS#shipped".into()));
    assert_eq!(item["status"], AttributeValue::S("shipped".into()));
}

#[tokio::test]
async fn update_with_condition_and_same_attribute_in_both() {
    let db = setup().await;
    db.create(&order("c1", "o1")).await.unwrap();
    let f = Order::FIELDS;
    // The condition and the update both name `status`: their placeholders must not collide.
    let err = db
        .update(Order::key("c1", "o1"), Update::new().set(&f.status, Status::Paid))
        .condition(Order::FIELDS.status.eq(Status::Shipped))
        .await
        .unwrap_err();
    assert!(err.is_condition_failed(), "{err}");
    assert!(!err.is_not_found());
    db.update(Order::key("c1", "o1"), Update::new().set(&f.status, Status::Paid))
        .condition(Order::FIELDS.status.eq(Status::Pending))
        .await
        .unwrap();
    assert_eq!(db.get(Order::key("c1", "o1")).await.unwrap().unwrap().status, Status::Paid);
}

#[tokio::test]
async fn update_of_missing_item_is_not_found_unless_upsert() {
    let db = setup().await;
    let err = db
        .update(Product::key("nope"), Update::new().set(Product::FIELDS.stock, 1u32))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(db.get(Product::key("nope")).await.unwrap(), None);

    db.update(
        Product::key("new"),
        Update::new()
            .set(Product::FIELDS.stock, 1u32)
            .set(Product::FIELDS.price, product("x").price),
    )
    .upsert()
    .await
    .unwrap();
    let got = db.get(Product::key("new")).await.unwrap().unwrap();
    assert_eq!(got.stock, 1);
}

#[tokio::test]
async fn update_of_primary_key_field_is_rejected_before_sending() {
    let db = setup().await;
    let before = db.requests_sent();
    let err = db
        .update(Order::key("c1", "o1"), Update::new().set(Order::FIELDS.order_id, "o2"))
        .await
        .unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(err.attribute_path(), "order_id");
    assert_eq!(db.requests_sent(), before);
}

#[tokio::test]
async fn delete_with_condition_and_returning_old() {
    let db = setup().await;
    db.create(&order("c1", "o1")).await.unwrap();
    let err = db
        .delete(Order::key("c1", "o1"))
        .condition(Order::FIELDS.status.eq(Status::Paid))
        .await
        .unwrap_err();
    assert!(err.is_condition_failed());
    assert_eq!(err.operation(), Some("DeleteItem"));
    let old = db.delete(Order::key("c1", "o1")).send_returning_old().await.unwrap();
    assert_eq!(old, Some(order("c1", "o1")));
    assert_eq!(db.get(Order::key("c1", "o1")).await.unwrap(), None);
    // Deleting again succeeds and reports that nothing was there.
    assert_eq!(db.delete(Order::key("c1", "o1")).send_returning_old().await.unwrap(), None);
    db.delete(Order::key("c1", "o1")).await.unwrap();
}

#[tokio::test]
async fn conditions_of_every_kind() {
    let db = setup().await;
    db.create(&order("c1", "o1")).await.unwrap();
    let f = || Order::FIELDS;
    let holds = [
        f().total_cents.ne(1),
        f().total_cents.lt(2501),
        f().total_cents.le(2500),
        f().total_cents.gt(2499),
        f().total_cents.ge(2500),
        f().total_cents.between(2000, 3000),
        f().created_at.begins_with("2026-11"),
        f().tags.contains("gift"),
        f().status.is_in([Status::Paid, Status::Pending]),
        f().customer_id.exists(),
        f().note.not_exists(),
        f().lines.is_type(ferrodyn::expression::AttributeType::L),
        f().lines.size().eq(1),
        f().status.eq(Status::Paid).or(f().total_cents.eq(2500)),
        !f().status.eq(Status::Paid),
        attr("total_cents").gt(0) & attr("entity").eq("Order"),
    ];
    for condition in holds {
        let text = format!("{condition:?}");
        // The condition holds on the real item: an update guarded by it succeeds.
        db.update(Order::key("c1", "o1"), Update::new().set(attr("touched"), true))
            .condition(condition)
            .await
            .unwrap_or_else(|e| panic!("{text}: {e}"));
    }
    let fails = [
        f().total_cents.lt(2500),
        f().status.is_in([Status::Paid]),
        f().lines.size().gt(1),
        f().note.not_exists().and(f().total_cents.eq(0)),
    ];
    for condition in fails {
        let text = format!("{condition:?}");
        let err = db
            .update(Order::key("c1", "o1"), Update::new().set(f().note, "y"))
            .condition(condition)
            .await
            .unwrap_err();
        assert!(err.is_condition_failed(), "{text}: {err}");
    }
}

#[tokio::test]
async fn direct_key_models() {
    let db = setup().await;
    let mut p = product("SKU-1");
    p.image = Some(ferrodyn::Binary(vec![0, 1, 2, 255]));
    p.big = Some(-170141183460469231731687303715884105);
    p.ratio = Some(0.125);
    db.create(&p).await.unwrap();
    let item = db.get(Product::key("SKU-1")).send_item().await.unwrap().unwrap();
    assert_eq!(item["sku"], AttributeValue::S("SKU-1".into()));
    assert!(!item.contains_key("pk"));
    assert_eq!(db.get(Product::key("SKU-1")).await.unwrap(), Some(p));
}

#[tokio::test]
async fn two_entity_types_share_a_table() {
    let db = setup().await;
    let c = Customer { id: "c1".into(), name: "Ada".into(), email: "ada@example.com".into() };
    db.create(&c).await.unwrap();
    db.create(&order("c1", "o1")).await.unwrap();
    assert_eq!(db.get(Customer::key("c1")).await.unwrap(), Some(c));
    let item = db.get(Customer::key("c1")).send_item().await.unwrap().unwrap();
    assert_eq!(item["sk"], AttributeValue::S("PROFILE".into()));
    assert_eq!(item["entity"], AttributeValue::S("Customer".into()));
    // Reading an Order item as a Customer is a typed error, not garbage.
    let order_item = db.get(Order::key("c1", "o1")).send_item().await.unwrap().unwrap();
    let err = Customer::from_item(order_item).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongEntity);
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, Model)]
#[ferrodyn(
    table = "scores",
    pk = "player",
    index(name = "board", pk = "GAME#{game}#{season}", sk = "{points}")
)]
struct Score {
    player: String,
    game: String,
    season: u32,
    points: u64,
}

#[tokio::test]
async fn updates_rebuild_index_keys_from_all_their_fields() {
    let db = ferrodyn_testing::TestDb::new().await.unwrap();
    db.create_table::<Score>().await.unwrap();
    let s = Score { player: "p1".into(), game: "chess".into(), season: 3, points: 10 };
    db.create(&s).await.unwrap();
    let f = Score::FIELDS;

    // A numeric one-field index key stays a number.
    db.update(Score::key("p1"), Update::new().set(&f.points, 42u64)).await.unwrap();
    let item = db.get(Score::key("p1")).send_item().await.unwrap().unwrap();
    assert_eq!(item["boardsk"], AttributeValue::N("42".into()));

    // `game` alone cannot rebuild GAME#{game}#{season}: rejected before sending.
    let before = db.requests_sent();
    let err = db.update(Score::key("p1"), Update::new().set(&f.game, "go")).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert!(err.to_string().contains("SET `season`"), "{err}");
    assert_eq!(db.requests_sent(), before);

    db.update(Score::key("p1"), Update::new().set(&f.game, "go").set(&f.season, 4u32))
        .await
        .unwrap();
    let item = db.get(Score::key("p1")).send_item().await.unwrap().unwrap();
    assert_eq!(item["boardpk"], AttributeValue::S("GAME#go#4".into()));
    let got = db.get(Score::key("p1")).await.unwrap().unwrap();
    assert_eq!(got, Score { player: "p1".into(), game: "go".into(), season: 4, points: 42 });
}

#[tokio::test]
async fn capacity_meter_totals_a_scope() {
    let db = setup().await;
    assert_eq!(db.consumed_capacity(), None, "no meter unless asked for");
    let scope = db.with_capacity_meter();
    scope.create(&order("c1", "o1")).await.unwrap();
    let after_write = scope.consumed_capacity().unwrap();
    assert!(after_write.write_units >= 1.0, "{after_write:?}");
    assert_eq!(after_write.read_units, 0.0);
    scope.get(Order::key("c1", "o1")).consistent_read(true).await.unwrap();
    scope.update(Order::key("c1", "o1"), Update::new().set(attr("x"), 1)).await.unwrap();
    scope.delete(Order::key("c1", "o1")).await.unwrap();
    let total = scope.consumed_capacity().unwrap();
    assert!(total.read_units >= 1.0, "{total:?}");
    assert!(total.write_units >= 3.0, "{total:?}");
    // A new meter starts from zero; clones share one.
    let one_op = db.with_capacity_meter();
    let clone = one_op.clone();
    clone.get(Order::key("c1", "o1")).await.unwrap();
    assert_eq!(one_op.consumed_capacity(), clone.consumed_capacity());
    assert!(one_op.consumed_capacity().unwrap().read_units > 0.0);
}
