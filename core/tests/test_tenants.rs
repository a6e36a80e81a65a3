//! Tenants: a tenant handle (`db.tenant(..)`, or a plain `Db` inside `tenant::scope`) keeps each
//! tenant's items in partitions of its own, and refuses another tenant's keys and items, and
//! scans, before anything is sent.

use ferrodyn::tenant::{self, TenantFormat};
use ferrodyn::{attr, AttributeValue, ErrorKind, Item, Key, Model, Update};
use ferrodyn_testing::TestDb;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "shop",
    entity = "Order",
    pk = "CUSTOMER#{customer_id}",
    sk = "ORDER#{order_id}",
    index(name = "gsi1", pk = "STATUS#{status}", sk = "{created_at}")
)]
struct Order {
    customer_id: String,
    order_id: String,
    status: String,
    total_cents: i64,
    created_at: String,
}

/// Keys that start with a field: an item read raw, or a value handed in from outside, can carry
/// a tenant's prefix in them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "shop",
    entity = "Note",
    pk = "{owner}",
    sk = "NOTE#{id}",
    index(name = "gsi1", pk = "{topic}", sk = "{id}")
)]
struct Note {
    owner: String,
    id: String,
    topic: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "shop", entity = "Account", pk = "{org}", sk = "ACCOUNT#{id}", unique = "email")]
struct Account {
    org: String,
    id: String,
    email: String,
}

/// An inverted index: its partition key is the table's sort key attribute, so under a tenant
/// the sort key carries the prefix too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "enrollments", pk = "STUDENT#{student}", sk = "COURSE#{course}")]
#[ferrodyn(index(
    name = "inverted",
    pk = "COURSE#{course}",
    pk_attribute = "sk",
    sk = "STUDENT#{student}",
    sk_attribute = "pk"
))]
struct Enrollment {
    student: String,
    course: String,
}

/// The partition key is the field itself: it would store the prefix in the field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "products", pk = "sku")]
struct Product {
    sku: String,
    stock: u32,
}

/// A number partition key cannot carry a prefix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "counters", pk = "{n}")]
struct Counter {
    n: u64,
}

fn order(customer: &str, id: &str, total_cents: i64) -> Order {
    Order {
        customer_id: customer.into(),
        order_id: id.into(),
        status: "pending".into(),
        total_cents,
        created_at: format!("2026-12-01T10:00:{id:0>2}Z"),
    }
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.into())
}

/// A key as stored, given attribute by attribute (as a key read from a raw item would be).
fn raw_key<M: Model>(pk: &str, sk: &str) -> Key<M> {
    Key::from_attributes(Item::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))]))
}

async fn setup() -> TestDb {
    let db = TestDb::new().await.expect("DynamoDB Local");
    db.create_table_for(&[Order::META, Note::META, Account::META]).await.expect("shop table");
    db
}

/// Awaits `$future`, which must fail with a tenant violation of operation `$op` and model
/// `$model` without a request.
macro_rules! refused {
    ($db:expr, $op:expr, $model:expr, $future:expr) => {{
        let before = $db.requests_sent();
        let Err(err) = $future.await else { panic!("{} was not refused", $op) };
        assert_eq!(err.kind(), ErrorKind::TenantViolation, "{}: {err}", $op);
        assert!(err.is_tenant_violation());
        assert_eq!((err.operation(), err.model()), (Some($op), Some($model)), "{err}");
        assert_eq!($db.requests_sent(), before, "{}: nothing may be sent", $op);
        err
    }};
}

#[tokio::test]
async fn tenants_share_model_keys_but_not_items() {
    let db = setup().await;
    let (a, b) = (db.tenant("acme").unwrap(), db.tenant("globex").unwrap());
    a.create(&order("c1", "o1", 100)).await.unwrap();
    // The same model key in another tenant is another item: the create succeeds.
    b.create(&order("c1", "o1", 200)).await.unwrap();
    assert_eq!(a.get(Order::key("c1", "o1")).await.unwrap(), Some(order("c1", "o1", 100)));
    assert_eq!(b.get(Order::key("c1", "o1")).await.unwrap(), Some(order("c1", "o1", 200)));

    // Stored under prefixed partition keys (table and index), with the fields as they are.
    let stored = db
        .get(raw_key::<Order>("TENANT#acme#CUSTOMER#c1", "ORDER#o1"))
        .send_item()
        .await
        .unwrap()
        .expect("the item is in acme's partition");
    assert_eq!(stored["sk"], s("ORDER#o1"));
    assert_eq!(stored["gsi1pk"], s("TENANT#acme#STATUS#pending"));
    assert_eq!(stored["customer_id"], s("c1"));
    assert_eq!(Order::from_item(stored).unwrap(), order("c1", "o1", 100));
    assert_eq!(db.get(Order::key("c1", "o1")).await.unwrap(), None, "nothing outside tenants");

    // Queries of the table and of the index read the handle's partitions.
    assert_eq!(a.query(Order::partition("c1")).all().await.unwrap(), [order("c1", "o1", 100)]);
    assert_eq!(b.query(Order::partition("c1")).all().await.unwrap(), [order("c1", "o1", 200)]);
    let pending = a.query(Order::gsi1_partition("pending")).all().await.unwrap();
    assert_eq!(pending, [order("c1", "o1", 100)]);
    let first = a.query(Order::partition("c1")).sort_key_begins_with("ORDER#").all();
    assert_eq!(first.await.unwrap().len(), 1);

    // An update rewrites the index key inside the tenant.
    let paid = Update::new().set(Order::FIELDS.status, "paid");
    a.update(Order::key("c1", "o1"), paid).await.unwrap();
    let stored = db.get(raw_key::<Order>("TENANT#acme#CUSTOMER#c1", "ORDER#o1")).send_item();
    assert_eq!(stored.await.unwrap().unwrap()["gsi1pk"], s("TENANT#acme#STATUS#paid"));
    assert_eq!(a.query(Order::gsi1_partition("paid")).all().await.unwrap().len(), 1);
    assert_eq!(b.query(Order::gsi1_partition("paid")).all().await.unwrap().len(), 0);
    assert_eq!(b.query(Order::gsi1_partition("pending")).all().await.unwrap().len(), 1);

    // Batch get and transaction get.
    let keys = [Order::key("c1", "o1"), Order::key("c1", "none")];
    let batch = a.batch_get(keys).await.unwrap();
    assert_eq!(batch.items[0].as_ref().map(|o| o.total_cents), Some(100));
    assert!(batch.items[1].is_none());
    let got = b.transaction_get().get(Order::key("c1", "o1")).send().await.unwrap();
    assert_eq!(got.get::<Order>(0).unwrap().map(|o| o.total_cents), Some(200));

    // Batch write and transaction write.
    a.batch_write().put(&order("c2", "o2", 5)).delete(Order::key("c1", "o1")).await.unwrap();
    b.transaction()
        .put(b.put(&order("c3", "o3", 7)))
        .condition_check(Order::key("c1", "o1"), Order::FIELDS.total_cents.eq(200))
        .await
        .unwrap();
    assert_eq!(a.get(Order::key("c1", "o1")).await.unwrap(), None);
    assert_eq!(b.get(Order::key("c1", "o1")).await.unwrap().map(|o| o.total_cents), Some(200));
    assert!(a.get(Order::key("c2", "o2")).await.unwrap().is_some());
    assert!(b.get(Order::key("c2", "o2")).await.unwrap().is_none());
    assert!(b.get(Order::key("c3", "o3")).await.unwrap().is_some());
    assert!(a.get(Order::key("c3", "o3")).await.unwrap().is_none());

    // A delete through one tenant leaves the other's item alone.
    b.delete(Order::key("c2", "o2")).await.unwrap();
    assert!(a.get(Order::key("c2", "o2")).await.unwrap().is_some());

    // The handle's own prefix, as a raw read gives it, is used as it is.
    let own = raw_key::<Order>("TENANT#acme#CUSTOMER#c2", "ORDER#o2");
    assert_eq!(a.get(own).await.unwrap().map(|o| o.total_cents), Some(5));
}

#[tokio::test]
async fn pages_of_a_tenant_query_follow_their_cursor() {
    let db = setup().await;
    let (a, b) = (db.tenant("acme").unwrap(), db.tenant("globex").unwrap());
    let orders: Vec<Order> = (1..=3).map(|i| order("c1", &i.to_string(), i)).collect();
    a.batch_write().put_all(&orders).await.unwrap();
    b.put(&order("c1", "9", 9)).await.unwrap();
    let mut read = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = a.query(Order::partition("c1")).limit(1);
        if let Some(c) = &cursor {
            query = query.cursor(c);
        }
        let page = query.page().await.unwrap();
        read.extend(page.items);
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(read, orders);
    // A cursor of acme's partition is not one of globex's.
    let first = a.query(Order::partition("c1")).limit(1).page().await.unwrap();
    let cursor = first.cursor.expect("more pages");
    let before = db.requests_sent();
    let err = b.query(Order::partition("c1")).cursor(&cursor).page().await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert_eq!(db.requests_sent(), before);
}

#[tokio::test]
async fn another_tenants_keys_and_items_are_refused_before_sending() {
    let db = setup().await;
    let (a, b) = (db.tenant("acme").unwrap(), db.tenant("globex").unwrap());
    b.put(&order("c1", "o1", 200)).await.unwrap();
    // globex's key as stored, and items whose keys carry globex's prefix.
    let theirs = || raw_key::<Order>("TENANT#globex#CUSTOMER#c1", "ORDER#o1");
    let note =
        Note { owner: "TENANT#globex#CUSTOMER#c1".into(), id: "n1".into(), topic: "t".into() };
    let topic =
        Note { owner: "CUSTOMER#c1".into(), id: "n2".into(), topic: "TENANT#globex#t".into() };
    let total = || Update::new().set(Order::FIELDS.total_cents, 1i64);

    // Single items.
    let err = refused!(db, "GetItem", "Order", a.get(theirs()));
    assert!(err.to_string().contains("outside tenant `acme`"), "{err}");
    refused!(db, "GetItem", "Order", a.get(theirs()).send_item());
    refused!(db, "PutItem", "Note", a.create(&note));
    refused!(db, "PutItem", "Note", a.put(&note));
    refused!(db, "PutItem", "Note", a.put(&topic));
    refused!(db, "UpdateItem", "Order", a.update(theirs(), total()));
    refused!(db, "UpdateItem", "Order", a.update(theirs(), total()).upsert());
    refused!(db, "DeleteItem", "Order", a.delete(theirs()));

    // Reads of many items.
    refused!(db, "Query", "Note", a.query(Note::partition("TENANT#globex#CUSTOMER#c1")).all());
    refused!(db, "Query", "Note", a.query(Note::gsi1_partition("TENANT#globex#t")).page());
    refused!(db, "Query", "Note", a.query(Note::partition("TENANT#globex#x")).count());
    let err = refused!(db, "Scan", "Order", a.scan::<Order>().all());
    assert!(err.to_string().contains("query a partition instead"), "{err}");
    refused!(db, "Scan", "Order", a.scan::<Order>().index("gsi1").page());
    refused!(db, "Scan", "Order", a.scan::<Order>().count());
    refused!(db, "Scan", "Order", a.scan::<Order>().segments(2).all());

    // Batches.
    let keys = [Order::key("c1", "o1"), theirs()];
    refused!(db, "BatchGetItem", "Order", a.batch_get(keys).send());
    let put = a.batch_write().put(&order("c9", "o9", 1)).put(&note);
    refused!(db, "BatchWriteItem", "Note", put.send());
    refused!(db, "BatchWriteItem", "Order", a.batch_write().delete(theirs()).send());

    // Transactions: actions with another tenant's keys, and actions built through another
    // handle.
    refused!(db, "PutItem", "Note", a.transaction().put(a.put(&note)).send());
    refused!(db, "PutItem", "Note", a.transaction().create(a.create(&note)).send());
    refused!(db, "UpdateItem", "Order", a.transaction().update(a.update(theirs(), total())).send());
    refused!(db, "DeleteItem", "Order", a.transaction().delete(a.delete(theirs())).send());
    let check = attr("total_cents").exists();
    refused!(
        db,
        "ConditionCheck",
        "Order",
        a.transaction().condition_check(theirs(), check).send()
    );
    let err = refused!(db, "PutItem", "Order", a.transaction().put(b.put(&order("c1", "o2", 1))));
    assert_eq!(err.action_index(), Some(0));
    assert!(err.to_string().contains("of another tenant"), "{err}");
    let plain =
        a.transaction().put(a.put(&order("c1", "o2", 1))).put(db.put(&order("c1", "o3", 1)));
    let err = refused!(db, "PutItem", "Order", plain.send());
    assert_eq!(err.action_index(), Some(1));
    refused!(
        db,
        "Get",
        "Order",
        a.transaction_get().get(Order::key("c1", "o1")).get(theirs()).send()
    );

    // Models with unique fields: refused before the read their writes start with.
    let account = Account { org: "TENANT#globex#ORG#1".into(), id: "u1".into(), email: "e".into() };
    let account_key = || raw_key::<Account>("TENANT#globex#ORG#1", "ACCOUNT#u1");
    refused!(db, "PutItem", "Account", a.create(&account));
    refused!(db, "PutItem", "Account", a.put(&account));
    let email = Update::new().set(Account::FIELDS.email, "f");
    refused!(db, "UpdateItem", "Account", a.update(account_key(), email));
    refused!(db, "DeleteItem", "Account", a.delete(account_key()));

    // A tenant handle inside the scope of another tenant.
    let inside = tenant::scope("globex", async { a.get(Order::key("c1", "o1")).await });
    let before = db.requests_sent();
    let err = inside.await.unwrap().unwrap_err();
    assert!(err.is_tenant_violation(), "{err}");
    assert_eq!(db.requests_sent(), before);

    // Nothing of globex's changed.
    assert_eq!(b.get(Order::key("c1", "o1")).await.unwrap(), Some(order("c1", "o1", 200)));
    assert!(b.query(Note::partition("CUSTOMER#c1")).all().await.unwrap().is_empty());
}

#[tokio::test]
async fn unique_fields_are_unique_per_tenant() {
    let db = setup().await;
    let (a, b) = (db.tenant("acme").unwrap(), db.tenant("globex").unwrap());
    let account =
        |id: &str, email: &str| Account { org: "ORG#1".into(), id: id.into(), email: email.into() };
    a.create(&account("u1", "ada@example.com")).await.unwrap();
    // Another tenant may hold the same value; the same tenant may not.
    b.create(&account("u1", "ada@example.com")).await.unwrap();
    let err = a.create(&account("u2", "ada@example.com")).await.unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    b.create(&account("u2", "bob@example.com")).await.unwrap();
    a.create(&account("u2", "bob@example.com")).await.unwrap();

    // Each tenant's guard is in its partition.
    let guard = db
        .get(raw_key::<Account>(
            "TENANT#acme#UNIQUE#Account#email#ada@example.com",
            "UNIQUE#Account#email#ada@example.com",
        ))
        .send_item()
        .await
        .unwrap()
        .expect("acme's guard");
    let Some(AttributeValue::M(owner)) = guard.get("owner") else { panic!("owner map") };
    assert_eq!(owner["pk"], s("TENANT#acme#ORG#1"));
    let found = a.find_by_unique::<Account, _, _>(Account::FIELDS.email, "ada@example.com");
    assert_eq!(found.await.unwrap(), Some(account("u1", "ada@example.com")));
    let outside = db.find_by_unique::<Account, _, _>(Account::FIELDS.email, "ada@example.com");
    assert_eq!(outside.await.unwrap(), None, "no guard outside the tenants");

    // Moving and removing a value in one tenant leaves the other's guards alone.
    let change = Update::new().set(Account::FIELDS.email, "ada@new.example.com");
    a.update(Account::key("ORG#1", "u1"), change).await.unwrap();
    a.delete(Account::key("ORG#1", "u2")).await.unwrap();
    a.create(&account("u3", "ada@example.com")).await.unwrap();
    let found = b.find_by_unique::<Account, _, _>(Account::FIELDS.email, "ada@example.com");
    assert_eq!(found.await.unwrap().map(|a| a.id), Some("u1".to_owned()));
    let found = b.find_by_unique::<Account, _, _>(Account::FIELDS.email, "bob@example.com");
    assert_eq!(found.await.unwrap().map(|a| a.id), Some("u2".to_owned()));
    let err = b.create(&account("u4", "bob@example.com")).await.unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
}

#[tokio::test]
async fn a_plain_handle_inside_a_scope_acts_for_the_scopes_tenant() {
    let db = setup().await;
    let plain: &ferrodyn::Db = &db;
    assert_eq!(tenant::current(), None);
    let read = tenant::scope("acme", async {
        assert_eq!(tenant::current().as_deref(), Some("acme"));
        plain.create(&order("c1", "o1", 100)).await.unwrap();
        // The same tenant's handle is fine inside its scope, and so is a scope of it.
        let same = plain.tenant("acme").unwrap().get(Order::key("c1", "o1")).await.unwrap();
        assert!(same.is_some());
        let nested = tenant::scope("acme", plain.query(Order::partition("c1")).all());
        assert_eq!(nested.await.unwrap().unwrap().len(), 1);
        // Another tenant's scope cannot start inside it.
        let other = tenant::scope("globex", async {}).await.unwrap_err();
        assert!(other.is_tenant_violation(), "{other}");
        // Scans are refused through the scope as through a handle.
        let before = db.requests_sent();
        assert!(plain.scan::<Order>().all().await.unwrap_err().is_tenant_violation());
        assert_eq!(db.requests_sent(), before);
        // Spawned tasks start outside the scope.
        let spawned = tokio::spawn(async { tenant::current() }).await.unwrap();
        assert_eq!(spawned, None);
        plain.get(Order::key("c1", "o1")).await.unwrap()
    })
    .await
    .unwrap();
    assert_eq!(read, Some(order("c1", "o1", 100)));
    assert_eq!(tenant::current(), None);

    // Outside the scope the plain handle is not confined: the item is in acme's partition.
    assert_eq!(plain.get(Order::key("c1", "o1")).await.unwrap(), None);
    let acme = db.tenant("acme").unwrap();
    assert_eq!(acme.get(Order::key("c1", "o1")).await.unwrap(), read);
    let raw = raw_key::<Order>("TENANT#acme#CUSTOMER#c1", "ORDER#o1");
    assert!(plain.get(raw).await.unwrap().is_some());

    // An invalid tenant id: the future does not run.
    let ran = std::sync::atomic::AtomicBool::new(false);
    let err =
        tenant::scope("no#hash", async { ran.store(true, std::sync::atomic::Ordering::SeqCst) })
            .await
            .unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
}

#[tokio::test]
async fn tenant_ids_formats_and_models_are_checked() {
    let db = setup().await;
    let before = db.requests_sent();
    for bad in ["", "a#b", "a*", "a b", &"x".repeat(tenant::MAX_TENANT_ID_BYTES + 1)] {
        let err = db.tenant(bad).unwrap_err();
        assert!(err.is_local_validation(), "{bad:?}: {err}");
    }

    // A format of one's own, read back with the same definition.
    let format = TenantFormat::new("T|", "|").unwrap();
    let custom = db.with_tenant_format(format.clone()).tenant("acme").unwrap();
    assert_eq!(custom.tenant_format(), &format);
    custom.put(&order("c1", "o1", 1)).await.unwrap();
    let stored = db.get(raw_key::<Order>("T|acme|CUSTOMER#c1", "ORDER#o1")).send_item();
    let stored = stored.await.unwrap().expect("stored in the custom format");
    assert_eq!(stored["gsi1pk"], s("T|acme|STATUS#pending"));
    let AttributeValue::S(pk) = &stored["pk"] else { panic!("string key") };
    assert_eq!(format.split(pk), Some(("acme", "CUSTOMER#c1")));
    assert_eq!(custom.get(Order::key("c1", "o1")).await.unwrap().map(|o| o.total_cents), Some(1));

    // Models whose partition key cannot carry a prefix are refused, naming why.
    let a = db.tenant("acme").unwrap();
    let before_models = db.requests_sent();
    let err = a.put(&Product { sku: "s1".into(), stock: 1 }).await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    assert!(err.to_string().contains("is the field itself"), "{err}");
    assert_eq!(err.model(), Some("Product"));
    let err = a.get(Product::key("s1")).await.unwrap_err();
    assert!(err.to_string().contains("is the field itself"), "{err}");
    let err = a.query(Product::partition("s1")).all().await.unwrap_err();
    assert!(err.is_local_validation(), "{err}");
    let err = a.put(&Counter { n: 1 }).await.unwrap_err();
    assert!(err.to_string().contains("is not a string"), "{err}");
    assert_eq!(db.requests_sent(), before_models);
    assert!(before < before_models, "the custom-format writes were sent");
}

#[tokio::test]
async fn an_inverted_index_is_confined_from_both_sides() {
    let db = TestDb::new().await.expect("DynamoDB Local");
    db.create_table::<Enrollment>().await.unwrap();
    let (a, b) = (db.tenant("acme").unwrap(), db.tenant("globex").unwrap());
    let enrollment =
        |student: &str, course: &str| Enrollment { student: student.into(), course: course.into() };
    a.batch_write().put(&enrollment("s1", "c1")).put(&enrollment("s2", "c1")).await.unwrap();
    b.put(&enrollment("s1", "c1")).await.unwrap();

    let stored = db.get(raw_key::<Enrollment>("TENANT#acme#STUDENT#s1", "TENANT#acme#COURSE#c1"));
    assert_eq!(stored.await.unwrap(), Some(enrollment("s1", "c1")));
    let courses = a.query(Enrollment::partition("s1")).sort_key_begins_with("COURSE#").all();
    assert_eq!(courses.await.unwrap(), [enrollment("s1", "c1")]);
    let students = a.query(Enrollment::inverted_partition("c1")).all().await.unwrap();
    assert_eq!(students, [enrollment("s1", "c1"), enrollment("s2", "c1")]);
    assert_eq!(b.query(Enrollment::inverted_partition("c1")).all().await.unwrap().len(), 1);
    let one = a.query(Enrollment::inverted_partition("c1")).sort_key_eq("STUDENT#s2").all();
    assert_eq!(one.await.unwrap(), [enrollment("s2", "c1")]);
    let after = a.query(Enrollment::inverted_partition("c1")).sort_key_gt("STUDENT#s1").all();
    assert_eq!(after.await.unwrap(), [enrollment("s2", "c1")]);

    // A key whose sort key carries globex's prefix is outside acme, too.
    let theirs = raw_key::<Enrollment>("TENANT#acme#STUDENT#s1", "TENANT#globex#COURSE#c1");
    refused!(db, "GetItem", "Enrollment", a.get(theirs));
    a.delete(Enrollment::key("s1", "c1")).await.unwrap();
    assert_eq!(b.query(Enrollment::partition("s1")).all().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_loader_reads_and_caches_per_tenant() {
    let db = setup().await;
    let (a, b) = (db.tenant("acme").unwrap(), db.tenant("globex").unwrap());
    a.put(&order("c1", "o1", 100)).await.unwrap();
    b.put(&order("c1", "o1", 200)).await.unwrap();
    let total = |o: Option<Order>| o.map(|o| o.total_cents);

    let loader = a.loader();
    assert_eq!(total(loader.load(Order::key("c1", "o1")).await.unwrap()), Some(100));
    let before = db.requests_sent();
    let err = loader.load(raw_key::<Order>("TENANT#globex#CUSTOMER#c1", "ORDER#o1")).await;
    assert!(err.unwrap_err().is_tenant_violation());
    assert!(loader
        .prime(&Note { owner: "TENANT#globex#x".into(), id: "n".into(), topic: "t".into() })
        .unwrap_err()
        .is_tenant_violation());
    assert_eq!(db.requests_sent(), before);

    // One loader of a plain handle, used in two tenants' scopes: each reads its own item, and
    // the cache of one is not the other's.
    let shared = db.loader();
    let key = || Order::key("c1", "o1");
    let in_acme = tenant::scope("acme", shared.load(key())).await.unwrap().unwrap();
    let in_globex = tenant::scope("globex", shared.load(key())).await.unwrap().unwrap();
    assert_eq!((total(in_acme), total(in_globex)), (Some(100), Some(200)));
    let again = tenant::scope("globex", shared.load(key())).await.unwrap().unwrap();
    assert_eq!(total(again), Some(200));
    assert_eq!(shared.load(key()).await.unwrap(), None, "outside the scopes: no item");
}
