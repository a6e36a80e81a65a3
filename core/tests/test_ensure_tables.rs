//! `Db::ensure_tables` on DynamoDB Local: creating a missing table, adding an index to a live
//! table (backfill included), turning on TTL and the stream, refusing what cannot change in
//! place, keeping or removing an index no model declares, and the dry run.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, IndexStatus, KeySchemaElement, KeyType,
    Projection, ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TableDescription, TimeToLiveSpecification, TimeToLiveStatus,
};
use aws_sdk_dynamodb::Client;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use common::{Customer, Order, Product};
use ferrodyn::schema::{EnsureTables, Note, Step};
use ferrodyn::{Db, ErrorKind, Model};
use ferrodyn_testing::TestDb;
use serde::{Deserialize, Serialize};

/// The first revision of the `catalog` table: one index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "catalog",
    pk = "ITEM#{id}",
    sk = "META",
    index(name = "by_owner", pk = "OWNER#{owner}", sk = "{id}")
)]
struct ItemV1 {
    id: String,
    owner: String,
    category: String,
}

/// The second revision: an index over attributes every item already has, so that the index's
/// backfill is what makes old items findable through it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "catalog",
    pk = "ITEM#{id}",
    sk = "META",
    index(name = "by_owner", pk = "OWNER#{owner}", sk = "{id}"),
    index(name = "by_category", pk = "category", sk = "id")
)]
struct ItemV2 {
    id: String,
    owner: String,
    category: String,
}

/// A table without TTL.
#[derive(Debug, Serialize, Deserialize, Model)]
#[ferrodyn(table = "sessions", pk = "id")]
struct SessionV1 {
    id: String,
}

/// The same table, with TTL on `expires_at`.
#[derive(Debug, Serialize, Deserialize, Model)]
#[ferrodyn(table = "sessions", pk = "id")]
struct SessionV2 {
    id: String,
    #[ferrodyn(ttl)]
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Records the name of every operation a client sends.
#[derive(Debug, Clone, Default)]
struct Operations(Arc<Mutex<Vec<String>>>);

impl Intercept for Operations {
    fn name(&self) -> &'static str {
        "Operations"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let name = cfg.load::<Metadata>().map_or("?", Metadata::name).to_owned();
        self.0.lock().unwrap().push(name);
        Ok(())
    }
}

impl Operations {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// A handle on the same tables as `db` whose requests are recorded.
fn recorded(db: &TestDb) -> (Db, Operations) {
    let operations = Operations::default();
    let config = db.client().config().to_builder().interceptor(operations.clone()).build();
    (Db::from_client(Client::from_conf(config)).with_table_prefix(db.prefix()), operations)
}

/// Polls fast, so that waiting on DynamoDB Local takes no time.
fn fast(ensure: EnsureTables) -> EnsureTables {
    ensure.poll_interval(Duration::from_millis(20)).timeout(Duration::from_secs(60))
}

async fn describe(db: &TestDb, logical: &str) -> TableDescription {
    let output =
        db.client().describe_table().table_name(db.table_name(logical)).send().await.unwrap();
    output.table.unwrap()
}

async fn ttl_of(db: &TestDb, logical: &str) -> (Option<TimeToLiveStatus>, Option<String>) {
    let output =
        db.client().describe_time_to_live().table_name(db.table_name(logical)).send().await;
    let ttl = output.unwrap().time_to_live_description.unwrap();
    (ttl.time_to_live_status, ttl.attribute_name)
}

fn index_names(table: &TableDescription) -> Vec<&str> {
    let mut names: Vec<_> =
        table.global_secondary_indexes().iter().filter_map(|i| i.index_name()).collect();
    names.sort_unstable();
    names
}

fn definition(name: &str, ty: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder().attribute_name(name).attribute_type(ty).build().unwrap()
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder().attribute_name(name).key_type(key_type).build().unwrap()
}

/// A CreateTable request for the physical table of `logical`, PAY_PER_REQUEST, with no stream.
fn raw_create(db: &TestDb, logical: &str) -> CreateTableFluentBuilder {
    db.client()
        .create_table()
        .table_name(db.table_name(logical))
        .billing_mode(BillingMode::PayPerRequest)
}

/// The `catalog` table as `ItemV1` declares it, but with no stream.
fn catalog_without_stream(db: &TestDb) -> CreateTableFluentBuilder {
    raw_create(db, "catalog")
        .attribute_definitions(definition("pk", ScalarAttributeType::S))
        .attribute_definitions(definition("sk", ScalarAttributeType::S))
        .attribute_definitions(definition("by_ownerpk", ScalarAttributeType::S))
        .attribute_definitions(definition("by_ownersk", ScalarAttributeType::S))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by_owner")
                .key_schema(key("by_ownerpk", KeyType::Hash))
                .key_schema(key("by_ownersk", KeyType::Range))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .unwrap(),
        )
}

fn item(id: &str, category: &str) -> ItemV1 {
    ItemV1 { id: id.into(), owner: "ann".into(), category: category.into() }
}

#[tokio::test]
async fn a_missing_table_is_created_for_each_table_of_the_models() {
    let db = TestDb::new().await.unwrap();
    let models = [Customer::META, Product::META, Order::META];
    let planned = db.plan_tables(&models).await.unwrap();
    let expected = [
        Step::CreateTable { table: db.table_name("shop") },
        Step::CreateTable { table: db.table_name("products") },
    ];
    assert_eq!(planned.steps(), expected);
    assert!(planned.to_string().contains(&format!("1. create table `{}`", db.table_name("shop"))));

    let done = fast(db.ensure_tables(&models)).await.unwrap();
    assert_eq!(done, planned);
    let shop = describe(&db, "shop").await;
    assert_eq!(index_names(&shop), ["gsi1"]);
    assert!(shop.stream_specification().is_some_and(|s| s.stream_enabled()));
    describe(&db, "products").await;
    let again = db.plan_tables(&models).await.unwrap();
    assert!(again.is_empty() && again.notes().is_empty(), "{again}");
}

#[tokio::test]
async fn an_up_to_date_table_plans_nothing_and_sends_no_write() {
    let db = TestDb::new().await.unwrap();
    db.create_table_for(&[Order::META, Customer::META]).await.unwrap();
    db.create_table::<SessionV2>().await.unwrap();
    let (recorded, operations) = recorded(&db);

    let models = [Order::META, Customer::META, SessionV2::META];
    let plan = recorded.plan_tables(&models).await.unwrap();
    assert!(plan.is_empty() && plan.notes().is_empty(), "{plan}");
    assert_eq!(plan.to_string(), "no changes");
    let done = fast(recorded.ensure_tables(&models)).await.unwrap();
    assert!(done.is_empty(), "{done}");
    let sent = operations.take();
    assert_eq!(sent.len(), 8, "{sent:?}");
    assert!(sent.iter().all(|op| op == "DescribeTable" || op == "DescribeTimeToLive"), "{sent:?}");
}

#[tokio::test]
async fn a_new_index_is_added_and_backfilled_with_the_existing_items() {
    let db = TestDb::new().await.unwrap();
    db.create_table::<ItemV1>().await.unwrap();
    for (id, category) in [("1", "books"), ("2", "games"), ("3", "books")] {
        db.put(&item(id, category)).await.unwrap();
    }
    let (recorded, operations) = recorded(&db);

    let plan = fast(recorded.ensure_table::<ItemV2>()).await.unwrap();
    let table = db.table_name("catalog");
    assert_eq!(plan.steps(), [Step::AddIndex { table: table.clone(), name: "by_category".into() }]);
    let sent = operations.take();
    assert_eq!(sent.iter().filter(|op| *op == "UpdateTable").count(), 1, "{sent:?}");
    // It waited: the last request described the table with the new index in place.
    assert_eq!(sent.last().map(String::as_str), Some("DescribeTable"), "{sent:?}");

    let live = describe(&db, "catalog").await;
    assert_eq!(index_names(&live), ["by_category", "by_owner"]);
    let added = live
        .global_secondary_indexes()
        .iter()
        .find(|i| i.index_name() == Some("by_category"))
        .unwrap();
    assert_eq!(added.index_status(), Some(&IndexStatus::Active));
    assert_ne!(added.backfilling(), Some(true));

    let books = db.query(ItemV2::by_category_partition("books")).all().await.unwrap();
    let ids: Vec<_> = books.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["1", "3"]);
    assert!(db.plan_tables(&[ItemV2::META]).await.unwrap().is_empty());
}

#[tokio::test]
async fn ttl_is_turned_on_and_a_ttl_on_another_attribute_is_refused() {
    let db = TestDb::new().await.unwrap();
    db.create_table::<SessionV1>().await.unwrap();
    assert!(db.plan_tables(&[SessionV1::META]).await.unwrap().is_empty());
    let plan = fast(db.ensure_table::<SessionV2>()).await.unwrap();
    let table = db.table_name("sessions");
    let expected = Step::EnableTtl { table: table.clone(), attribute: "expires_at".into() };
    assert_eq!(plan.steps(), [expected]);
    let (status, attribute) = ttl_of(&db, "sessions").await;
    assert_eq!(status, Some(TimeToLiveStatus::Enabled));
    assert_eq!(attribute.as_deref(), Some("expires_at"));
    // A model revision without the TTL field leaves TTL on, and says so.
    let plan = db.plan_tables(&[SessionV1::META]).await.unwrap();
    assert!(plan.is_empty());
    let kept = Note::UndeclaredTtlKept { table, attribute: "expires_at".into() };
    assert_eq!(plan.notes(), [kept]);

    let other = TestDb::new().await.unwrap();
    other.create_table::<SessionV1>().await.unwrap();
    let ttl = TimeToLiveSpecification::builder().enabled(true).attribute_name("gone_at").build();
    other
        .client()
        .update_time_to_live()
        .table_name(other.table_name("sessions"))
        .time_to_live_specification(ttl.unwrap())
        .send()
        .await
        .unwrap();
    let err = fast(other.ensure_table::<SessionV2>()).await.unwrap_err();
    assert!(err.is_schema_mismatch(), "{err}");
    assert_eq!(err.attribute_path(), "expires_at");
    let message = err.to_string();
    assert!(message.contains(&other.table_name("sessions")), "{message}");
    assert!(message.contains("`gone_at`"), "{message}");
    assert_eq!(ttl_of(&other, "sessions").await.1.as_deref(), Some("gone_at"));
}

#[tokio::test]
async fn the_stream_is_turned_on_and_another_view_type_is_refused() {
    let db = TestDb::new().await.unwrap();
    catalog_without_stream(&db).send().await.unwrap();
    let plan = fast(db.ensure_table::<ItemV1>()).await.unwrap();
    let table = db.table_name("catalog");
    let expected = Step::EnableStream { table, view: "NEW_AND_OLD_IMAGES".into() };
    assert_eq!(plan.steps(), [expected]);
    let stream = describe(&db, "catalog").await.stream_specification.unwrap();
    assert!(stream.stream_enabled());
    assert_eq!(stream.stream_view_type(), Some(&StreamViewType::NewAndOldImages));
    assert!(db.plan_tables(&[ItemV1::META]).await.unwrap().is_empty());

    let other = TestDb::new().await.unwrap();
    let keys_only = StreamSpecification::builder()
        .stream_enabled(true)
        .stream_view_type(StreamViewType::KeysOnly)
        .build()
        .unwrap();
    catalog_without_stream(&other).stream_specification(keys_only).send().await.unwrap();
    let err = fast(other.ensure_table::<ItemV1>()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SchemaMismatch);
    let message = err.to_string();
    assert!(message.contains("KEYS_ONLY stream"), "{message}");
    assert!(message.contains(&other.table_name("catalog")), "{message}");
}

#[tokio::test]
async fn a_key_change_is_refused_naming_the_table_index_and_attribute() {
    let db = TestDb::new().await.unwrap();
    // The partition key has another type.
    raw_create(&db, "sessions")
        .attribute_definitions(definition("id", ScalarAttributeType::N))
        .key_schema(key("id", KeyType::Hash))
        .send()
        .await
        .unwrap();
    let (recorded, operations) = recorded(&db);
    let err = fast(recorded.ensure_table::<SessionV2>()).await.unwrap_err();
    assert!(err.is_schema_mismatch(), "{err}");
    assert_eq!(err.attribute_path(), "id");
    assert_eq!(
        err.to_string(),
        format!(
            "EnsureTables SessionV2: attribute `id`: key attribute `id` of table `{}` has type N \
             on DynamoDB, the models declare S; a key type cannot be changed in place",
            db.table_name("sessions")
        )
    );
    // Refused before any change: no TTL was turned on.
    let sent = operations.take();
    assert!(sent.iter().all(|op| op.starts_with("Describe")), "{sent:?}");
    // Every table is planned before any changes, so the missing `catalog` is not created either.
    let err = fast(db.ensure_tables(&[ItemV1::META, SessionV2::META])).await.unwrap_err();
    assert!(err.is_schema_mismatch(), "{err}");
    let missing = db.client().describe_table().table_name(db.table_name("catalog")).send().await;
    assert!(missing.is_err());

    // The table has another sort key.
    raw_create(&db, "shop")
        .attribute_definitions(definition("pk", ScalarAttributeType::S))
        .attribute_definitions(definition("sort", ScalarAttributeType::S))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sort", KeyType::Range))
        .send()
        .await
        .unwrap();
    let err = db.plan_tables(&[Order::META]).await.unwrap_err();
    assert!(err.is_schema_mismatch());
    assert_eq!(err.attribute_path(), "sk");
    assert!(err.to_string().contains("the sort key of table"), "{err}");
    assert!(err.to_string().contains("is `sort` on DynamoDB"), "{err}");

    // An existing index has another key.
    raw_create(&db, "catalog")
        .attribute_definitions(definition("pk", ScalarAttributeType::S))
        .attribute_definitions(definition("sk", ScalarAttributeType::S))
        .attribute_definitions(definition("owner", ScalarAttributeType::S))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by_owner")
                .key_schema(key("owner", KeyType::Hash))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let err = db.plan_tables(&[ItemV1::META]).await.unwrap_err();
    assert!(err.is_schema_mismatch());
    assert_eq!(err.attribute_path(), "by_ownerpk");
    let message = err.to_string();
    assert!(message.contains("the partition key of index `by_owner` of table"), "{message}");
}

#[tokio::test]
async fn an_unknown_index_is_kept_unless_removal_is_asked_for() {
    let db = TestDb::new().await.unwrap();
    db.create_table::<ItemV2>().await.unwrap();
    let table = db.table_name("catalog");

    let kept = fast(db.ensure_table::<ItemV1>()).await.unwrap();
    assert!(kept.is_empty());
    let note = Note::UnknownIndexKept { table: table.clone(), name: "by_category".into() };
    assert_eq!(kept.notes(), [note]);
    assert!(kept.to_string().starts_with("no changes\nnote: table `"), "{kept}");
    assert_eq!(index_names(&describe(&db, "catalog").await), ["by_category", "by_owner"]);

    let removed = fast(db.ensure_table::<ItemV1>().remove_unknown_indexes(true)).await.unwrap();
    assert_eq!(removed.steps(), [Step::RemoveIndex { table, name: "by_category".into() }]);
    assert!(removed.notes().is_empty());
    assert_eq!(index_names(&describe(&db, "catalog").await), ["by_owner"]);
}

#[tokio::test]
async fn a_dry_run_changes_nothing() {
    let db = TestDb::new().await.unwrap();
    catalog_without_stream(&db).send().await.unwrap();
    db.put(&item("1", "books")).await.unwrap();
    let (recorded, operations) = recorded(&db);
    let before = (describe(&db, "catalog").await, ttl_of(&db, "catalog").await);

    let plan = recorded.ensure_table::<ItemV2>().remove_unknown_indexes(true).plan().await.unwrap();
    let table = db.table_name("catalog");
    assert_eq!(
        plan.steps(),
        [
            Step::AddIndex { table: table.clone(), name: "by_category".into() },
            Step::EnableStream { table: table.clone(), view: "NEW_AND_OLD_IMAGES".into() },
        ]
    );
    assert_eq!(operations.take(), ["DescribeTable", "DescribeTimeToLive"]);
    let after = (describe(&db, "catalog").await, ttl_of(&db, "catalog").await);
    assert_eq!(before, after);
    assert_eq!(
        plan.to_string(),
        format!(
            "1. add global secondary index `by_category` to table `{table}`\n\
             2. turn on the stream (NEW_AND_OLD_IMAGES) of table `{table}`\n"
        )
    );
}
