//! Index projections and local secondary indexes on DynamoDB Local: a KEYS_ONLY and an INCLUDE
//! global index and an INCLUDE local index created with the table, queries through each into
//! typed projections, the refusal of a whole-model read an index cannot serve, and
//! `ensure_tables` adding a KEYS_ONLY index and refusing a missing local index or a different
//! projection.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::types::{Projection, ProjectionType, TableDescription};
use aws_smithy_runtime_api::box_error::BoxError;
use ferrodyn::meta::{IndexKind, ProjectionMeta};
use ferrodyn::schema::{EnsureTables, Note as PlanNote, Step};
use ferrodyn::{Db, ErrorKind, IndexProjection, Model};
use ferrodyn_testing::TestDb;
use serde::{Deserialize, Serialize};

/// Orders with three indexes: by status (KEYS_ONLY), by day (INCLUDE `total_cents`), and a local
/// index by total (INCLUDE `status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "orders",
    pk = "customer_id",
    sk = "order_id",
    index(name = "by_status", pk = "status", sk = "created_at", projection = "keys_only"),
    index(name = "by_day", pk = "day", include = ["total_cents"]),
    local_index(name = "by_total", sk = "total_cents", include = ["status"])
)]
struct Order {
    customer_id: String,
    order_id: String,
    status: String,
    day: String,
    #[serde(rename = "totalCents")]
    total_cents: i64,
    created_at: String,
    note: Option<String>,
}

/// What `by_status` holds: the table's and the index's keys.
#[derive(Debug, PartialEq, IndexProjection)]
#[ferrodyn(projection_of = Order, index = "by_status")]
struct OrderKeys {
    customer_id: String,
    order_id: String,
    status: String,
    created_at: String,
}

/// Part of what `by_day` holds.
#[derive(Debug, PartialEq, IndexProjection)]
#[ferrodyn(projection_of = Order, index = "by_day")]
struct DayTotal {
    order_id: String,
    day: String,
    #[serde(rename = "totalCents")]
    total_cents: i64,
}

/// What `by_total` holds besides the customer.
#[derive(Debug, PartialEq, IndexProjection)]
#[ferrodyn(projection_of = Order, index = "by_total")]
struct TotalStatus {
    order_id: String,
    #[serde(rename = "totalCents")]
    total_cents: i64,
    status: String,
}

/// The same table before `by_status` existed.
#[derive(Debug, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "orders",
    pk = "customer_id",
    sk = "order_id",
    index(name = "by_day", pk = "day", include = ["total_cents"]),
    local_index(name = "by_total", sk = "total_cents", include = ["status"])
)]
struct OrderBeforeStatusIndex {
    customer_id: String,
    order_id: String,
    status: String,
    day: String,
    #[serde(rename = "totalCents")]
    total_cents: i64,
}

/// The same table created without its local index.
#[derive(Debug, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "orders",
    pk = "customer_id",
    sk = "order_id",
    index(name = "by_status", pk = "status", sk = "created_at", projection = "keys_only"),
    index(name = "by_day", pk = "day", include = ["total_cents"])
)]
struct OrderWithoutLocalIndex {
    customer_id: String,
    order_id: String,
    status: String,
    day: String,
    #[serde(rename = "totalCents")]
    total_cents: i64,
    created_at: String,
}

/// The same table with `by_status` projecting ALL.
#[derive(Debug, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "orders",
    pk = "customer_id",
    sk = "order_id",
    index(name = "by_status", pk = "status", sk = "created_at"),
    index(name = "by_day", pk = "day", include = ["total_cents"]),
    local_index(name = "by_total", sk = "total_cents", include = ["status"])
)]
struct OrderProjectingAll {
    customer_id: String,
    order_id: String,
    status: String,
    day: String,
    #[serde(rename = "totalCents")]
    total_cents: i64,
    created_at: String,
}

fn order(customer: &str, id: &str, status: &str, total_cents: i64) -> Order {
    Order {
        customer_id: customer.into(),
        order_id: id.into(),
        status: status.into(),
        day: "2026-12-02".into(),
        total_cents,
        created_at: format!("2026-12-02T10:00:0{}Z", id.len()),
        note: Some("leave at the door".into()),
    }
}

fn fast(ensure: EnsureTables) -> EnsureTables {
    ensure.poll_interval(Duration::from_millis(20)).timeout(Duration::from_secs(60))
}

async fn describe(db: &TestDb) -> TableDescription {
    let output = db.client().describe_table().table_name(db.table_name("orders")).send().await;
    output.unwrap().table.unwrap()
}

/// `(type, sorted non-key attributes)` of a projection.
fn shape(projection: Option<&Projection>) -> (ProjectionType, Vec<String>) {
    let projection = projection.unwrap();
    let mut attributes = projection.non_key_attributes().to_vec();
    attributes.sort();
    (projection.projection_type().unwrap().clone(), attributes)
}

#[test]
fn the_metadata_carries_kind_and_projection() {
    let by_status = Order::META.index("by_status").unwrap();
    assert_eq!(
        (by_status.kind, by_status.projection),
        (IndexKind::Global, ProjectionMeta::KeysOnly)
    );
    let by_day = Order::META.index("by_day").unwrap();
    assert_eq!(by_day.projection, ProjectionMeta::Include(&["totalCents"]));
    let by_total = Order::META.index("by_total").unwrap();
    assert_eq!(by_total.kind, IndexKind::Local);
    assert_eq!(by_total.partition_key.attribute, "customer_id");
    assert_eq!(by_total.projection, ProjectionMeta::Include(&["status"]));
    assert_eq!(OrderKeys::ATTRIBUTES, ["customer_id", "order_id", "status", "created_at"]);
    assert_eq!(DayTotal::ATTRIBUTES, ["order_id", "day", "totalCents"]);
}

/// A single-table model: its INCLUDE index holds the entity attribute too.
#[derive(Debug, Serialize, Deserialize, Model)]
#[ferrodyn(table = "shop", entity = "Invoice", pk = "INVOICE#{id}", sk = "INVOICE",
           index(name = "by_due", pk = "due", include = ["cents", "id"]))]
struct Invoice {
    id: String,
    due: String,
    cents: i64,
}

#[test]
fn an_include_list_holds_the_entity_attribute_and_leaves_out_keys() {
    let by_due = Invoice::META.index("by_due").unwrap();
    assert_eq!(by_due.projection, ProjectionMeta::Include(&["cents", "entity", "id"]));
    // `due` is the index's own key, projected without being listed.
    assert!(by_due.projects(Invoice::META, "due") && !by_due.projects(Invoice::META, "note"));
}

#[tokio::test]
async fn create_table_sends_each_projection_and_the_local_index() {
    let db = TestDb::new().await.unwrap();
    db.create_table::<Order>().await.unwrap();
    let table = describe(&db).await;
    let global = |name: &str| {
        let index = table.global_secondary_indexes().iter().find(|i| i.index_name() == Some(name));
        shape(index.unwrap().projection())
    };
    assert_eq!(global("by_status"), (ProjectionType::KeysOnly, vec![]));
    assert_eq!(global("by_day"), (ProjectionType::Include, vec!["totalCents".to_owned()]));
    let [local] = table.local_secondary_indexes() else { panic!("one local index: {table:?}") };
    assert_eq!(local.index_name(), Some("by_total"));
    let sort_key = local.key_schema().iter().map(|k| k.attribute_name()).collect::<Vec<_>>();
    assert_eq!(sort_key, ["customer_id", "totalCents"]);
    assert_eq!(shape(local.projection()), (ProjectionType::Include, vec!["status".to_owned()]));
    let again = db.plan_tables(&[Order::META]).await.unwrap();
    assert!(again.is_empty(), "{again}");
}

#[tokio::test]
async fn queries_through_each_index_decode_typed_projections() {
    let db = TestDb::new().await.unwrap();
    db.create_table::<Order>().await.unwrap();
    for o in [
        order("c1", "o1", "paid", 900),
        order("c1", "o22", "paid", 4250),
        order("c2", "o3", "new", 100),
    ] {
        db.put(&o).await.unwrap();
    }

    let mut keys =
        db.query(Order::by_status_partition("paid")).project::<OrderKeys>().all().await.unwrap();
    keys.sort_by(|a, b| a.order_id.cmp(&b.order_id));
    assert_eq!(
        keys,
        [
            OrderKeys {
                customer_id: "c1".into(),
                order_id: "o1".into(),
                status: "paid".into(),
                created_at: "2026-12-02T10:00:02Z".into()
            },
            OrderKeys {
                customer_id: "c1".into(),
                order_id: "o22".into(),
                status: "paid".into(),
                created_at: "2026-12-02T10:00:03Z".into()
            },
        ]
    );

    let mut days =
        db.query(Order::by_day_partition("2026-12-02")).project::<DayTotal>().all().await.unwrap();
    days.sort_by_key(|d| d.total_cents);
    let totals: Vec<i64> = days.iter().map(|d| d.total_cents).collect();
    assert_eq!(totals, [100, 900, 4250]);

    // A local index reads strongly consistent, in its own sort key order.
    let big = db
        .query(Order::by_total_partition("c1"))
        .sort_key_ge(1000)
        .consistent_read(true)
        .project::<TotalStatus>()
        .all()
        .await
        .unwrap();
    assert_eq!(
        big,
        [TotalStatus { order_id: "o22".into(), total_cents: 4250, status: "paid".into() }]
    );

    // A scan of an index decodes the same way.
    let scanned =
        db.scan::<Order>().index("by_status").project::<OrderKeys>().count().await.unwrap();
    assert_eq!(scanned.count, 3);
}

#[tokio::test]
async fn a_whole_model_read_an_index_cannot_serve_is_refused_before_sending() {
    let db = TestDb::new().await.unwrap();
    let before = db.requests_sent();

    let error = db.query(Order::by_status_partition("paid")).all().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation);
    let message = error.to_string();
    for part in
        ["Query", "Order", "index `by_status`", "KEYS_ONLY", "`day`", "`totalCents`", "`note`"]
    {
        assert!(message.contains(part), "{part} in {message}");
    }
    assert!(!message.contains("`status`"), "{message}");

    let error = db.scan::<Order>().index("by_day").all().await.unwrap_err();
    let message = error.to_string();
    assert_eq!(error.kind(), ErrorKind::Validation);
    for part in ["Scan", "Order", "index `by_day`", "INCLUDE", "`status`", "`note`"] {
        assert!(message.contains(part), "{part} in {message}");
    }

    let error = db.query(Order::by_day_partition("2026-12-02")).project::<OrderKeys>().all().await;
    let message = error.unwrap_err().to_string();
    assert!(message.contains("projection OrderKeys is of index `by_status`"), "{message}");
    assert!(message.contains("index `by_day`"), "{message}");

    let error = db
        .query(Order::by_status_partition("paid"))
        .consistent_read(true)
        .project::<OrderKeys>()
        .all()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("global secondary index `by_status`"), "{error}");
    assert_eq!(db.requests_sent(), before);
}

#[tokio::test]
async fn ensure_tables_adds_a_keys_only_index_with_its_projection() {
    let db = TestDb::new().await.unwrap();
    db.create_table::<OrderBeforeStatusIndex>().await.unwrap();
    let plan = db.plan_tables(&[Order::META]).await.unwrap();
    let table = db.table_name("orders");
    assert_eq!(plan.steps(), [Step::AddIndex { table, name: "by_status".into() }]);
    fast(db.ensure_tables(&[Order::META])).await.unwrap();
    let described = describe(&db).await;
    let index =
        described.global_secondary_indexes().iter().find(|i| i.index_name() == Some("by_status"));
    assert_eq!(shape(index.unwrap().projection()), (ProjectionType::KeysOnly, vec![]));
    assert!(db.plan_tables(&[Order::META]).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_missing_local_index_is_an_error_naming_it() {
    let db = TestDb::new().await.unwrap();
    db.create_table::<OrderWithoutLocalIndex>().await.unwrap();
    let error = db.plan_tables(&[Order::META]).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::SchemaMismatch);
    let message = error.to_string();
    assert!(message.contains("local secondary index `by_total`"), "{message}");
    assert!(message.contains("created with its table only"), "{message}");
    assert!(fast(db.ensure_tables(&[Order::META])).await.is_err());
    assert!(describe(&db).await.local_secondary_indexes().is_empty());
}

#[tokio::test]
async fn a_local_index_no_model_declares_is_kept_with_a_note() {
    let db = TestDb::new().await.unwrap();
    db.create_table::<Order>().await.unwrap();
    let plan = db.plan_tables(&[OrderWithoutLocalIndex::META]).await.unwrap();
    assert!(plan.steps().is_empty(), "{plan}");
    let table = db.table_name("orders");
    assert_eq!(plan.notes(), [PlanNote::UnknownLocalIndexKept { table, name: "by_total".into() }]);
    assert!(plan.to_string().contains("a local index goes only with its table"), "{plan}");
    let applied =
        fast(db.ensure_tables(&[OrderWithoutLocalIndex::META]).remove_unknown_indexes(true))
            .await
            .unwrap();
    assert!(applied.steps().is_empty(), "{applied}");
    assert_eq!(describe(&db).await.local_secondary_indexes().len(), 1);
}

#[tokio::test]
async fn a_different_projection_is_an_error_naming_the_index() {
    let db = TestDb::new().await.unwrap();
    db.create_table::<OrderProjectingAll>().await.unwrap();
    let error = db.plan_tables(&[Order::META]).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::SchemaMismatch);
    let message = error.to_string();
    assert!(message.contains("index `by_status`"), "{message}");
    assert!(
        message.contains("projects ALL on DynamoDB, the models declare KEYS_ONLY"),
        "{message}"
    );
}

#[test]
fn models_sharing_an_index_must_agree_on_its_projection() {
    let error =
        ferrodyn::schema::TableSchema::from_models(&[Order::META, OrderProjectingAll::META])
            .unwrap_err();
    assert!(error.to_string().contains("index `by_status`"), "{error}");
}

/// Notes with an index projecting ALL.
#[derive(Debug, Serialize, Deserialize, Model)]
#[ferrodyn(table = "notes", pk = "id", index(name = "by_author", pk = "author"))]
struct Note {
    id: String,
    author: String,
    text: String,
}

#[derive(Debug, PartialEq, IndexProjection)]
#[ferrodyn(projection_of = Note, index = "by_author")]
struct NoteByAuthor {
    id: String,
}

/// Records the body of every request a client sends.
#[derive(Debug, Clone, Default)]
struct Bodies(Arc<Mutex<Vec<String>>>);

impl Intercept for Bodies {
    fn name(&self) -> &'static str {
        "Bodies"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body = context.request().body().bytes().unwrap_or_default();
        self.0.lock().unwrap().push(String::from_utf8_lossy(body).into_owned());
        Ok(())
    }
}

#[tokio::test]
async fn a_typed_projection_of_an_all_index_asks_for_exactly_its_attributes() {
    let db = TestDb::new().await.unwrap();
    db.create_table::<Note>().await.unwrap();
    db.put(&Note { id: "n1".into(), author: "ann".into(), text: "hello".into() }).await.unwrap();
    let bodies = Bodies::default();
    let config = db.client().config().to_builder().interceptor(bodies.clone()).build();
    let recorded =
        Db::from_client(aws_sdk_dynamodb::Client::from_conf(config)).with_table_prefix(db.prefix());

    let notes =
        recorded.query(Note::by_author_partition("ann")).project::<NoteByAuthor>().all().await;
    assert_eq!(notes.unwrap(), [NoteByAuthor { id: "n1".into() }]);
    let sent = bodies.0.lock().unwrap().clone();
    let [query] = sent.as_slice() else { panic!("one request: {sent:?}") };
    let request: serde_json::Value = serde_json::from_str(query).unwrap();
    assert_eq!(request["IndexName"], "by_author");
    assert_eq!(request["ProjectionExpression"], "#p0");
    assert_eq!(request["ExpressionAttributeNames"]["#p0"], "id");

    // The whole model reads through an ALL index as before.
    let whole = db.query(Note::by_author_partition("ann")).all().await.unwrap();
    assert_eq!(whole[0].text, "hello");
}

#[tokio::test]
async fn a_local_index_pages_with_cursors() {
    let db = TestDb::new().await.unwrap();
    db.create_table::<Order>().await.unwrap();
    for (id, total) in [("o1", 300), ("o2", 100), ("o3", 200)] {
        db.put(&order("c1", id, "paid", total)).await.unwrap();
    }
    let read = || db.query(Order::by_total_partition("c1")).limit(2).project::<TotalStatus>();
    let first = read().page().await.unwrap();
    let totals: Vec<i64> = first.items.iter().map(|t| t.total_cents).collect();
    assert_eq!(totals, [100, 200]);
    let cursor = first.cursor.expect("a second page");
    let second = read().cursor(&cursor).page().await.unwrap();
    assert_eq!(
        second.items,
        [TotalStatus { order_id: "o1".into(), total_cents: 300, status: "paid".into() }]
    );
}
