//! Relations declared on models: 1:N in one item collection and through a global secondary index,
//! 1:1, the parent of a child, N:M through mirrored edges (both directions, link and unlink
//! atomicity), reads through a relation page by page, `key(..)` mappings of differently named
//! fields and reads from the parent's partition, and deleting a parent with its children within
//! and over the transaction limit.

use ferrodyn::relation::{EDGE_ENTITY, EDGE_TARGET_ATTRIBUTE};
use ferrodyn::schema::TableSchema;
use ferrodyn::{AttributeValue, ErrorKind, Model};
use ferrodyn_testing::TestDb;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "crm",
    entity = "Customer",
    pk = "CUSTOMER#{customer_id}",
    sk = "CUSTOMER",
    has_many(orders = Order),
    has_one(profile = Profile)
)]
struct Customer {
    customer_id: String,
    name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "crm",
    entity = "Order",
    pk = "CUSTOMER#{customer_id}",
    sk = "ORDER#{order_id}",
    belongs_to(customer = Customer),
    has_many(shipments = Shipment, index = "gsi1")
)]
struct Order {
    customer_id: String,
    order_id: String,
    total_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", entity = "Profile", pk = "CUSTOMER#{customer_id}", sk = "PROFILE")]
struct Profile {
    customer_id: String,
    bio: String,
}

/// Another kind of item in the customer's partition, which no relation of it reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "crm", entity = "Note", pk = "CUSTOMER#{customer_id}", sk = "NOTE#{note_id}")]
struct Note {
    customer_id: String,
    note_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "crm",
    entity = "Shipment",
    pk = "SHIPMENT#{shipment_id}",
    sk = "SHIPMENT",
    index(name = "gsi1", pk = "ORDER#{order_id}", sk = "{shipped_at}")
)]
struct Shipment {
    shipment_id: String,
    order_id: String,
    shipped_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "school",
    entity = "Student",
    pk = "STUDENT#{student_id}",
    sk = "STUDENT",
    many_to_many(courses = Course, inverse = students)
)]
struct Student {
    student_id: String,
    name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "school",
    entity = "Course",
    pk = "COURSE#{course_id}",
    sk = "COURSE",
    many_to_many(students = Student, inverse = courses)
)]
struct Course {
    course_id: String,
    title: String,
}

const CRM: [&ferrodyn::meta::ModelMeta; 5] =
    [Customer::META, Order::META, Profile::META, Note::META, Shipment::META];

async fn setup() -> TestDb {
    let db = TestDb::new().await.expect("DynamoDB Local");
    db.create_table_for(&CRM).await.expect("crm table");
    db.create_table_for(&[Student::META, Course::META]).await.expect("school table");
    db
}

fn customer(id: &str) -> Customer {
    Customer { customer_id: id.into(), name: format!("customer {id}") }
}

fn order(customer: &str, id: &str) -> Order {
    Order { customer_id: customer.into(), order_id: id.into(), total_cents: 100 }
}

fn student(id: &str) -> Student {
    Student { student_id: id.into(), name: format!("student {id}") }
}

fn course(id: &str) -> Course {
    Course { course_id: id.into(), title: format!("course {id}") }
}

/// A customer with `orders` orders, a profile and two notes in its partition.
async fn seed_customer(db: &TestDb, id: &str, orders: usize) {
    db.put(&customer(id)).await.unwrap();
    db.put(&Profile { customer_id: id.into(), bio: "hello".into() }).await.unwrap();
    for n in 0..2 {
        db.put(&Note { customer_id: id.into(), note_id: n.to_string() }).await.unwrap();
    }
    let orders: Vec<Order> = (0..orders).map(|n| order(id, &format!("{n:03}"))).collect();
    for chunk in orders.chunks(25) {
        db.batch_write().put_all(chunk).await.unwrap();
    }
}

#[tokio::test]
async fn has_many_reads_the_collection_only() {
    let db = setup().await;
    seed_customer(&db, "c1", 3).await;
    seed_customer(&db, "c2", 1).await;
    let orders = db.related(&customer("c1"), Customer::ORDERS).all().await.unwrap();
    assert_eq!(orders, [order("c1", "000"), order("c1", "001"), order("c1", "002")]);
    // The sort key condition keeps the customer, its profile and notes out of the read itself,
    // not only out of the result: only the orders are read.
    let count = db.related(&customer("c1"), Customer::ORDERS).count().await.unwrap();
    assert_eq!((count.count, count.scanned_count), (3, 3));
    assert_eq!(Customer::ORDERS.name(), "orders");
    assert_eq!(Customer::ORDERS.index(), None);
}

#[tokio::test]
async fn has_many_pages_with_cursors_and_streams() {
    let db = setup().await;
    seed_customer(&db, "c1", 5).await;
    let parent = customer("c1");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = db.related(&parent, Customer::ORDERS).limit(2);
        if let Some(c) = &cursor {
            query = query.cursor(c);
        }
        let page = query.page().await.unwrap();
        assert!(page.items.len() <= 2);
        pages += 1;
        seen.extend(page.items.into_iter().map(|o| o.order_id));
        cursor = page.cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["000", "001", "002", "003", "004"]);

    // Filters and descending order apply as to any query; stream() fetches page by page.
    let streamed: Vec<String> = db
        .related(&parent, Customer::ORDERS)
        .limit(2)
        .descending()
        .stream()
        .map(|o| o.unwrap().order_id)
        .collect()
        .await;
    assert_eq!(streamed, ["004", "003", "002", "001", "000"]);

    // A cursor of another parent's relation is refused before sending.
    let other = db.related(&customer("c1"), Customer::ORDERS).limit(2).page().await.unwrap();
    let before = db.requests_sent();
    let err = db
        .related(&customer("c2"), Customer::ORDERS)
        .cursor(other.cursor.as_deref().unwrap())
        .page()
        .await
        .unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(db.requests_sent(), before);
}

#[tokio::test]
async fn has_many_through_an_index() {
    let db = setup().await;
    let shipment = |id: &str, order: &str, at: &str| Shipment {
        shipment_id: id.into(),
        order_id: order.into(),
        shipped_at: at.into(),
    };
    let shipments = [
        shipment("s1", "o1", "2026-01-02"),
        shipment("s2", "o2", "2026-01-01"),
        shipment("s3", "o1", "2026-01-01"),
    ];
    for s in &shipments {
        db.put(s).await.unwrap();
    }
    let found = db.related(&order("c1", "o1"), Order::SHIPMENTS).all().await.unwrap();
    // In the index's sort key order.
    assert_eq!(found, [shipments[2].clone(), shipments[0].clone()]);
    assert_eq!(Order::SHIPMENTS.index(), Some("gsi1"));

    // The index is part of the table the models create, and a consistent read of it is refused.
    let schema = TableSchema::from_models(&CRM).unwrap();
    assert!(schema.indexes.contains_key("gsi1"));
    let err = db
        .related(&order("c1", "o1"), Order::SHIPMENTS)
        .consistent_read(true)
        .all()
        .await
        .unwrap_err();
    assert!(err.is_local_validation(), "{err}");
}

/// A parent whose partition key is the shipments' index partition key, under another field name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "crm",
    entity = "Purchase",
    pk = "ORDER#{id}",
    sk = "PURCHASE",
    has_many(shipments = Shipment, index = "gsi1", key(order_id = id))
)]
struct Purchase {
    id: String,
}

#[tokio::test]
async fn has_many_through_an_index_with_a_mapped_key() {
    let db = setup().await;
    for (id, order) in [("s1", "o1"), ("s2", "o2"), ("s3", "o1")] {
        let at = format!("2026-01-0{}", &id[1..]);
        db.put(&Shipment { shipment_id: id.into(), order_id: order.into(), shipped_at: at })
            .await
            .unwrap();
    }
    let ids = |found: Vec<Shipment>| found.into_iter().map(|s| s.shipment_id).collect::<Vec<_>>();
    let purchase = Purchase { id: "o1".into() };
    let found = db.related(&purchase, Purchase::SHIPMENTS).all().await.unwrap();
    assert_eq!(ids(found), ["s1", "s3"]);
    // The index partition renders what the purchase's table partition does: readable from it.
    let found = db.related_in(Purchase::partition("o1"), Purchase::SHIPMENTS).all().await.unwrap();
    assert_eq!(ids(found), ["s1", "s3"]);
}

#[tokio::test]
async fn has_one_and_belongs_to() {
    let db = setup().await;
    seed_customer(&db, "c1", 1).await;
    let profile = db.related(&customer("c1"), Customer::PROFILE).await.unwrap();
    assert_eq!(profile, Some(Profile { customer_id: "c1".into(), bio: "hello".into() }));
    let none = db.related(&customer("c9"), Customer::PROFILE).consistent_read(true).await.unwrap();
    assert_eq!(none, None);

    let parent = db.related(&order("c1", "000"), Order::CUSTOMER).await.unwrap();
    assert_eq!(parent, Some(customer("c1")));
    let orphan = db.related(&order("c9", "000"), Order::CUSTOMER).await.unwrap();
    assert_eq!(orphan, None);
}

/// A child whose own key can be absent: a value without it is no item, and reads through its
/// relations are refused before sending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "crm",
    entity = "Device",
    pk = "CUSTOMER#{customer_id}",
    sk = "DEVICE#{serial}",
    belongs_to(customer = Customer)
)]
struct Device {
    customer_id: String,
    serial: Option<String>,
}

#[tokio::test]
async fn a_source_without_its_key_is_refused_before_sending() {
    let db = setup().await;
    let device = Device { customer_id: "c1".into(), serial: None };
    let before = db.requests_sent();
    let err = db.related(&device, Device::CUSTOMER).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(err.operation(), Some("GetItem"));
    assert_eq!(err.model(), Some("Customer"));
    assert!(err.to_string().contains("field `serial` is absent"), "{err}");
    assert_eq!(db.requests_sent(), before);
}

/// The edges in one partition of the school table, raw.
async fn edges(db: &TestDb, pk: &str) -> Vec<std::collections::HashMap<String, AttributeValue>> {
    let out = db
        .client()
        .query()
        .table_name(db.table_name("school"))
        .key_condition_expression("pk = :pk AND begins_with(sk, :rel)")
        .expression_attribute_values(":pk", AttributeValue::S(pk.into()))
        .expression_attribute_values(":rel", AttributeValue::S("REL#".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    out.items.unwrap_or_default()
}

#[tokio::test]
async fn many_to_many_from_both_sides() {
    let db = setup().await;
    for s in ["s1", "s2"] {
        db.put(&student(s)).await.unwrap();
    }
    for c in ["c1", "c2"] {
        db.put(&course(c)).await.unwrap();
    }
    db.link(&student("s1"), Student::COURSES, &course("c1")).await.unwrap();
    db.link(&student("s1"), Student::COURSES, &course("c2")).await.unwrap();
    // From the other side, with the other model's own constant.
    db.link(&course("c1"), Course::STUDENTS, &student("s2")).await.unwrap();
    // Linking again leaves one link.
    db.link(&student("s1"), Student::COURSES, &course("c1")).await.unwrap();

    let links = db.related(&student("s1"), Student::COURSES).all().await.unwrap();
    let keys: Vec<_> = links.iter().map(|l| l.key().clone()).collect();
    assert_eq!(keys, [Course::key("c1"), Course::key("c2")]);
    let loaded = db.batch_get(links.into_iter().map(|l| l.into_key())).await.unwrap();
    let titles: Vec<String> = loaded.found().map(|c| c.title.clone()).collect();
    assert_eq!(titles, ["course c1", "course c2"]);

    let students = db.related(&course("c1"), Course::STUDENTS).all().await.unwrap();
    let keys: Vec<_> = students.into_iter().map(|l| l.into_key()).collect();
    assert_eq!(keys, [Student::key("s1"), Student::key("s2")]);
    // `inverse()` is the same relation as the other model's declaration.
    let inverse = db.related(&course("c1"), Student::COURSES.inverse()).all().await.unwrap();
    assert_eq!(inverse.len(), 2);
    assert_eq!(Student::COURSES.inverse_name(), "students");

    // The edges are entity-typed: a query of the student's partition reads the student only.
    let own = db.query(Student::partition("s1")).all().await.unwrap();
    assert_eq!(own, [student("s1")]);
    let raw = edges(&db, "STUDENT#s1").await;
    assert_eq!(raw.len(), 2);
    assert_eq!(raw[0]["sk"], AttributeValue::S("REL#courses#COURSE#c1".into()));
    assert_eq!(raw[0]["entity"], AttributeValue::S(EDGE_ENTITY.into()));
    assert_eq!(
        raw[0][EDGE_TARGET_ATTRIBUTE],
        AttributeValue::M(Course::key("c1").into_attributes())
    );

    // Pages through links, as through any query.
    let page = db.related(&student("s1"), Student::COURSES).limit(1).page().await.unwrap();
    assert_eq!(page.items.len(), 1);
    let rest = db
        .related(&student("s1"), Student::COURSES)
        .cursor(page.cursor.as_deref().unwrap())
        .all()
        .await
        .unwrap();
    assert_eq!(rest.into_iter().map(|l| l.into_key()).collect::<Vec<_>>(), [Course::key("c2")]);

    // Unlinking removes both edges in one transaction; unlinking again is no error.
    db.unlink(&student("s1"), Student::COURSES, &course("c1")).await.unwrap();
    db.unlink(&course("c1"), Course::STUDENTS, &student("s1")).await.unwrap();
    let left = db.related(&student("s1"), Student::COURSES).all().await.unwrap();
    assert_eq!(left.into_iter().map(|l| l.into_key()).collect::<Vec<_>>(), [Course::key("c2")]);
    let left = db.related(&course("c1"), Course::STUDENTS).all().await.unwrap();
    assert_eq!(left.into_iter().map(|l| l.into_key()).collect::<Vec<_>>(), [Student::key("s2")]);
    assert!(edges(&db, "COURSE#c1").await.len() == 1);
}

#[tokio::test]
async fn link_to_a_missing_item_writes_nothing() {
    let db = setup().await;
    db.put(&student("s1")).await.unwrap();
    db.put(&course("c1")).await.unwrap();
    // Another writer deletes the course before the link is sent.
    db.delete(Course::key("c1")).await.unwrap();
    let err = db.link(&student("s1"), Student::COURSES, &course("c1")).await.unwrap_err();
    assert!(err.is_transaction_canceled(), "{err}");
    let failed = err.failed_action().unwrap();
    assert_eq!((failed.index(), failed.kind()), (1, Some(ErrorKind::NotFound)));
    assert!(edges(&db, "STUDENT#s1").await.is_empty());
    assert!(edges(&db, "COURSE#c1").await.is_empty());
}

#[tokio::test]
async fn links_racing_deletes_leave_both_edges_or_none() {
    let db = setup().await;
    let n = 12;
    db.put(&student("s1")).await.unwrap();
    for c in 0..n {
        db.put(&course(&c.to_string())).await.unwrap();
    }
    // Each course is deleted by a concurrent writer while it is being linked.
    let races = (0..n).map(|c| {
        let db = db.clone();
        async move {
            let id = c.to_string();
            let link = db.link(&student("s1"), Student::COURSES, &course(&id));
            let delete = db.delete(Course::key(id.as_str()));
            // Whichever wins, the link is all or nothing.
            let (linked, _deleted) = futures_util::future::join(link.send(), delete.send()).await;
            (id, linked.is_ok())
        }
    });
    let results = futures_util::future::join_all(races).await;
    let linked: Vec<&String> = results.iter().filter(|(_, ok)| *ok).map(|(id, _)| id).collect();
    let from_student: Vec<String> = edges(&db, "STUDENT#s1")
        .await
        .iter()
        .map(|e| match &e["sk"] {
            AttributeValue::S(s) => s.trim_start_matches("REL#courses#COURSE#").to_owned(),
            other => panic!("sort key {other:?}"),
        })
        .collect();
    let mut expected: Vec<String> = linked.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(from_student, expected);
    for (id, ok) in &results {
        let mirrored = edges(&db, &format!("COURSE#{id}")).await.len();
        assert_eq!(mirrored, usize::from(*ok), "course {id}");
    }
}

#[tokio::test]
async fn delete_with_children_within_the_limit() {
    let db = setup().await;
    // The parent and 99 children: exactly DynamoDB's 100 actions.
    seed_customer(&db, "c1", 99).await;
    seed_customer(&db, "c2", 1).await;
    let deleted = db.delete_with_children(&customer("c1"), Customer::ORDERS).await.unwrap();
    assert_eq!(deleted, 99);
    assert_eq!(db.get(Customer::key("c1")).consistent_read(true).await.unwrap(), None);
    let left = db.related(&customer("c1"), Customer::ORDERS).consistent_read(true).count().await;
    assert_eq!(left.unwrap().count, 0);
    // Not a child through this relation: the profile and the notes stay, and so does c2.
    let profile = db.related(&customer("c1"), Customer::PROFILE).consistent_read(true).await;
    assert!(profile.unwrap().is_some());
    let notes = db.query(Note::partition("c1")).consistent_read(true).all().await.unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(db.related(&customer("c2"), Customer::ORDERS).all().await.unwrap().len(), 1);

    // A parent without children is deleted alone.
    db.put(&customer("c3")).await.unwrap();
    assert_eq!(db.delete_with_children(&customer("c3"), Customer::ORDERS).await.unwrap(), 0);
    assert_eq!(db.get(Customer::key("c3")).consistent_read(true).await.unwrap(), None);
}

#[tokio::test]
async fn delete_with_children_over_the_limit_deletes_nothing() {
    let db = setup().await;
    seed_customer(&db, "c1", 100).await;
    let before = db.requests_sent();
    let err = db.delete_with_children(&customer("c1"), Customer::ORDERS).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(err.kind(), ErrorKind::Validation);
    let message = err.to_string();
    assert!(message.contains("more than 99 `orders`"), "{message}");
    assert!(message.contains("100 actions"), "{message}");
    assert!(message.contains("CUSTOMER#c1"), "{message}");
    // Only the read was sent (one page of 100 finds the child too many): no transaction.
    assert_eq!(db.requests_sent() - before, 1);
    assert!(db.get(Customer::key("c1")).consistent_read(true).await.unwrap().is_some());
    let left = db.related(&customer("c1"), Customer::ORDERS).consistent_read(true).count().await;
    assert_eq!(left.unwrap().count, 100);
}

#[cfg(feature = "cloudformation")]
#[tokio::test]
async fn schema_of_related_models() {
    // Edges live in the table's own keys: the school table needs no index for them, and the
    // schema of both models is the table's key schema alone.
    let schema = TableSchema::from_models(&[Student::META, Course::META]).unwrap();
    assert!(schema.indexes.is_empty());
    assert_eq!(schema.attribute_definitions().len(), 2);
    let key = |name: &str, key_type: &str| serde_json::json!({"AttributeName": name, "KeyType": key_type});
    let string = |name: &str| serde_json::json!({"AttributeName": name, "AttributeType": "S"});
    let table = |indexes: serde_json::Value| {
        serde_json::json!({"Resources": {"Table": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [string("pk"), string("sk")],
                "KeySchema": [key("pk", "HASH"), key("sk", "RANGE")],
                "GlobalSecondaryIndexes": indexes,
                "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"}
            }
        }}})
    };
    assert_eq!(
        schema.cloudformation_drift(&table(serde_json::json!([])), "Table"),
        Vec::<String>::new()
    );
    // The index a has_many relation reads is part of the crm table's schema: a template without
    // it drifts.
    let crm = TableSchema::from_models(&CRM).unwrap();
    let drift = crm.cloudformation_drift(&table(serde_json::json!([])), "Table");
    assert!(drift.iter().any(|d| d.contains("gsi1")), "{drift:?}");
    assert_eq!(format!("{:?}", Student::COURSES), "ManyToMany(Student.courses -> Course)");
    assert_eq!(format!("{:?}", Order::CUSTOMER), "BelongsTo(Order.customer -> Customer)");
}

/// A parent whose key field is `id`, and children naming it `account_id`: `key(..)` maps the
/// children's template field to the parent's attribute, both ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "billing",
    entity = "Account",
    pk = "ACCOUNT#{id}",
    sk = "ACCOUNT",
    has_many(invoices = Invoice, key(account_id = id))
)]
struct Account {
    id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "billing",
    entity = "Invoice",
    pk = "ACCOUNT#{account_id}",
    sk = "INVOICE#{invoice_id}",
    belongs_to(account = Account, key(id = account_id))
)]
struct Invoice {
    account_id: String,
    invoice_id: String,
}

#[tokio::test]
async fn mapped_keys_read_both_ways_and_from_the_partition() {
    let db = setup().await;
    db.create_table_for(&[Account::META, Invoice::META]).await.expect("billing table");
    let invoice = |a: &str, i: &str| Invoice { account_id: a.into(), invoice_id: i.into() };
    for id in ["a1", "a2"] {
        db.put(&Account { id: id.into() }).await.unwrap();
    }
    for item in [invoice("a1", "1"), invoice("a1", "2"), invoice("a2", "1")] {
        db.put(&item).await.unwrap();
    }
    let a1 = Account { id: "a1".into() };
    let invoices = db.related(&a1, Account::INVOICES).all().await.unwrap();
    assert_eq!(invoices, [invoice("a1", "1"), invoice("a1", "2")]);
    let parent = db.related(&invoice("a2", "1"), Invoice::ACCOUNT).await.unwrap();
    assert_eq!(parent, Some(Account { id: "a2".into() }));
    assert_eq!(db.related(&invoice("a9", "1"), Invoice::ACCOUNT).await.unwrap(), None);

    // From the parent's partition alone: the same query, one request, no read of the parent.
    let before = db.requests_sent();
    let page = db
        .related_in(Account::partition("a1"), Account::INVOICES)
        .descending()
        .limit(1)
        .page()
        .await
        .unwrap();
    assert_eq!(db.requests_sent(), before + 1);
    assert_eq!(page.items, [invoice("a1", "2")]);
    let cursor = page.cursor.expect("a second page");
    let rest = db
        .related_in(Account::partition("a1"), Account::INVOICES)
        .descending()
        .cursor(&cursor)
        .all()
        .await
        .unwrap();
    assert_eq!(rest, [invoice("a1", "1")]);
    let none = db.related_in(Account::partition("a9"), Account::INVOICES).all().await.unwrap();
    assert!(none.is_empty());

    // Shipments are found by the order's id, not in the order's partition: refused, unsent.
    let before = db.requests_sent();
    let err = db.related_in(Order::partition("c1"), Order::SHIPMENTS).all().await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert!(err.to_string().contains("relation `shipments`"), "{err}");
    assert_eq!(db.requests_sent(), before);
}
