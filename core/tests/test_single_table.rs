//! Single-table reads into an enum with `#[derive(Entities)]`: queries, scans and streams of
//! several models in one table, and items of entity types no variant names.

mod common;

use common::{order, setup, Customer, Order, Status};
use ferrodyn::{AttributeValue, Entities, ErrorKind, Model, Unknown, Update};
use ferrodyn_testing::TestDb;
use futures_util::StreamExt;

#[derive(Debug, PartialEq, Entities)]
enum CustomerView {
    Customer(Customer),
    Order(Order),
}

fn customer(id: &str) -> Customer {
    Customer { id: id.into(), name: "Ada".into(), email: "ada@example.com".into() }
}

/// A customer, two orders, and (with `invoice`) an item of an entity type the enum lacks.
async fn seed(db: &TestDb, invoice: bool) {
    db.put(&customer("c1")).await.unwrap();
    db.put(&order("c1", "01")).await.unwrap();
    let mut paid = order("c1", "02");
    paid.status = Status::Paid;
    db.put(&paid).await.unwrap();
    if invoice {
        db.client()
            .put_item()
            .table_name(db.table_name("shop"))
            .item("pk", AttributeValue::S("CUSTOMER#c1".into()))
            .item("sk", AttributeValue::S("INVOICE#i1".into()))
            .item("entity", AttributeValue::S("Invoice".into()))
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn query_a_partition_into_the_enum() {
    let db = setup().await;
    seed(&db, false).await;
    let items = db.query(Customer::partition("c1")).entities::<CustomerView>().all().await.unwrap();
    // In sort key order: ORDER#01, ORDER#02, PROFILE.
    assert_eq!(
        items,
        [
            CustomerView::Order(order("c1", "01")),
            CustomerView::Order(Order { status: Status::Paid, ..order("c1", "02") }),
            CustomerView::Customer(customer("c1")),
        ]
    );
    // Sort key conditions and filters apply as usual.
    let orders = db
        .query(Customer::partition("c1"))
        .entities::<CustomerView>()
        .sort_key_begins_with(Order::META.sort_key.as_ref().unwrap().literal_prefix())
        .page()
        .await
        .unwrap();
    assert_eq!(orders.items.len(), 2);
    assert!(orders.items.iter().all(|v| matches!(v, CustomerView::Order(_))));
    assert_eq!(orders.cursor, None);
}

#[tokio::test]
async fn unknown_entity_type_is_an_error_by_default() {
    let db = setup().await;
    seed(&db, true).await;
    let err =
        db.query(Customer::partition("c1")).entities::<CustomerView>().all().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongEntity);
    assert!(err.to_string().contains("entity type `Invoice`"), "{err}");
    assert!(err.to_string().contains("CustomerView reads Customer, Order"), "{err}");
    assert_eq!(err.operation(), Some("Query"));
    assert_eq!(err.model(), Some("CustomerView"));
}

#[tokio::test]
async fn unknown_entity_type_can_be_skipped() {
    let db = setup().await;
    seed(&db, true).await;
    let items = db
        .query(Customer::partition("c1"))
        .entities::<CustomerView>()
        .unknown_entities(Unknown::Skip)
        .all()
        .await
        .unwrap();
    assert_eq!(items.len(), 3, "the invoice is left out");
    // Counting has nothing to decode: all four items count.
    let count = db.query(Customer::partition("c1")).entities::<CustomerView>().count().await;
    assert_eq!(count.unwrap().count, 4);
}

#[tokio::test]
async fn stream_reports_the_unknown_item_and_goes_on() {
    let db = setup().await;
    seed(&db, true).await;
    let results: Vec<_> = db
        .query(Customer::partition("c1"))
        .entities::<CustomerView>()
        .limit(1)
        .stream()
        .collect()
        .await;
    assert_eq!(results.len(), 4);
    // INVOICE#i1 sorts before ORDER#…
    assert_eq!(results[0].as_ref().unwrap_err().kind(), ErrorKind::WrongEntity);
    assert!(results[1..].iter().all(Result::is_ok));
}

#[tokio::test]
async fn scan_a_table_into_the_enum() {
    let db = setup().await;
    seed(&db, true).await;
    db.put(&customer("c2")).await.unwrap();
    let items = db
        .scan::<Customer>()
        .entities::<CustomerView>()
        .unknown_entities(Unknown::Skip)
        .segments(2)
        .all()
        .await
        .unwrap();
    let customers = items.iter().filter(|v| matches!(v, CustomerView::Customer(_))).count();
    assert_eq!((items.len(), customers), (4, 2));
    let err = db.scan::<Order>().entities::<CustomerView>().all().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongEntity);
}

#[tokio::test]
async fn an_item_without_the_entity_attribute_is_not_the_model_s() {
    let db = setup().await;
    // Every write of the model stores its entity type, an upsert's too.
    db.update(Order::key("c1", "u1"), Update::new().set(Order::FIELDS.note, "x"))
        .upsert()
        .await
        .unwrap();
    let raw = |sk: &str| {
        db.client()
            .get_item()
            .table_name(db.table_name("shop"))
            .key("pk", AttributeValue::S("CUSTOMER#c1".into()))
            .key("sk", AttributeValue::S(sk.into()))
            .send()
    };
    let upserted = raw("ORDER#u1").await.unwrap().item.unwrap();
    assert_eq!(upserted["entity"], AttributeValue::S("Order".into()));
    // An update keeps the entity type the item has.
    db.update(Order::key("c1", "u1"), Update::new().set(Order::FIELDS.note, "y")).await.unwrap();
    assert_eq!(raw("ORDER#u1").await.unwrap().item.unwrap()["entity"], upserted["entity"]);

    // An item another writer stored without it: `get` refuses it, a query filters it out.
    db.put(&order("c1", "01")).await.unwrap();
    let mut item = order("c1", "02").to_item().unwrap();
    item.remove("entity");
    db.client()
        .put_item()
        .table_name(db.table_name("shop"))
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
    let err = db.get(Order::key("c1", "02")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongEntity);
    assert!(err.to_string().contains("no entity type attribute `entity`"), "{err}");
    assert_eq!((err.operation(), err.model()), (Some("GetItem"), Some("Order")));
    let ids: Vec<String> = db
        .query(Order::partition("c1"))
        .sort_key_begins_with("ORDER#0")
        .all()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.order_id)
        .collect();
    assert_eq!(ids, ["01"]);
}

#[test]
fn entities_metadata() {
    assert_eq!(CustomerView::TYPE_NAME, "CustomerView");
    let names: Vec<&str> = CustomerView::MODELS.iter().map(|m| m.type_name).collect();
    assert_eq!(names, ["Customer", "Order"]);
    let item = customer("c3").to_item().unwrap();
    assert!(matches!(CustomerView::from_entity_item(item), Some(Ok(CustomerView::Customer(_)))));
    let mut item = customer("c3").to_item().unwrap();
    item.insert("entity".into(), AttributeValue::S("Invoice".into()));
    assert!(CustomerView::from_entity_item(item).is_none());
}
