//! Models and the DynamoDB Local scenario shared by the tests and by the fixture capture program
//! (`examples/capture_fixtures.rs`): the items each fixture's writes produce, so that tests can
//! compare decoded records with what was written.
#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    StreamSpecification, StreamViewType,
};
use ferrodyn::{Attribute, Binary, Db, Entities, Model, Number};
use ferrodyn_local::stream_poller::StreamPoller;
use ferrodyn_testing::TestDb;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Attribute)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Paid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub sku: String,
    pub quantity: u32,
    pub price_cents: i64,
}

/// One field per DynamoDB type: S, N (several Rust types), B, BOOL, NULL (inside a list), L, M,
/// SS, NS, BS, and a unit enum stored as S.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "types", entity = "Everything", pk = "ID#{id}", sk = "ITEM")]
pub struct Everything {
    pub id: String,
    pub text: String,
    pub count: i64,
    pub small: u8,
    pub ratio: f64,
    pub amount: Number,
    pub data: Binary,
    pub flag: bool,
    pub maybe: Option<String>,
    pub list: Vec<Option<String>>,
    pub nested: BTreeMap<String, i64>,
    // DynamoDB has no empty sets: an empty set is left out of the item.
    #[serde(default)]
    pub tags: BTreeSet<String>,
    #[serde(default)]
    pub scores: BTreeSet<i64>,
    #[serde(default)]
    pub blobs: BTreeSet<Binary>,
    pub lines: Vec<Line>,
    pub status: Status,
}

pub fn everything(id: &str, count: i64) -> Everything {
    Everything {
        id: id.to_owned(),
        text: format!("text of {id} with \"quotes\", a tab\t, and é ü 日本"),
        count,
        small: 7,
        ratio: -0.125,
        amount: Number::new("12345678901234567890.123456789").expect("a valid number"),
        data: Binary(vec![0, 1, 2, 250, 255]),
        flag: count % 2 == 0,
        maybe: (count > 1).then(|| "present".to_owned()),
        list: vec![Some("a".to_owned()), None, Some("c".to_owned())],
        nested: BTreeMap::from([("x".to_owned(), 1), ("y".to_owned(), -2)]),
        tags: BTreeSet::from(["red".to_owned(), "blue".to_owned()]),
        scores: BTreeSet::from([1, 20, -300]),
        blobs: BTreeSet::from([Binary(vec![1]), Binary(vec![2, 3])]),
        lines: vec![Line { sku: "SKU-1".to_owned(), quantity: 2, price_cents: 1999 }],
        status: Status::Pending,
    }
}

/// The second version of `everything("e1", 1)`: every type changes, the list and the sets empty
/// out. The map stays non-empty: DynamoDB Local's stream writes an empty map without its `M`
/// tag (`"nested":{}`), which the Streams SDK then cannot parse.
pub fn everything_modified() -> Everything {
    Everything {
        count: 2,
        small: 255,
        ratio: 1e10,
        amount: Number::new("-0.5").expect("a valid number"),
        data: Binary(vec![]),
        flag: false,
        maybe: Some("now set".to_owned()),
        list: vec![],
        nested: BTreeMap::from([("z".to_owned(), 0)]),
        tags: BTreeSet::new(),
        scores: BTreeSet::new(),
        blobs: BTreeSet::new(),
        status: Status::Paid,
        ..everything("e1", 1)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "shop", entity = "Customer", pk = "CUSTOMER#{id}", sk = "PROFILE")]
pub struct Customer {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "shop",
    entity = "Order",
    pk = "CUSTOMER#{customer_id}",
    sk = "ORDER#{order_id}"
)]
pub struct Order {
    pub customer_id: String,
    pub order_id: String,
    pub status: Status,
    pub total_cents: i64,
    pub lines: Vec<Line>,
}

/// An entity type of the shop table that [`Shop`] does not handle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "shop",
    entity = "Invoice",
    pk = "CUSTOMER#{customer_id}",
    sk = "INVOICE#{invoice_id}"
)]
pub struct Invoice {
    pub customer_id: String,
    pub invoice_id: String,
}

#[derive(Debug, Clone, PartialEq, Entities)]
pub enum Shop {
    Customer(Customer),
    Order(Order),
}

pub fn customer() -> Customer {
    Customer { id: "c1".to_owned(), name: "Ada".to_owned() }
}

pub fn order(total_cents: i64, status: Status) -> Order {
    Order {
        customer_id: "c1".to_owned(),
        order_id: "o1".to_owned(),
        status,
        total_cents,
        lines: vec![
            Line { sku: "SKU-1".to_owned(), quantity: 1, price_cents: 1000 },
            Line { sku: "SKU-2".to_owned(), quantity: 3, price_cents: 500 },
        ],
    }
}

pub fn invoice() -> Invoice {
    Invoice { customer_id: "c1".to_owned(), invoice_id: "i1".to_owned() }
}

/// A plain model for the stream view fixtures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "notes", entity = "Note", pk = "NOTE#{id}", sk = "NOTE")]
pub struct Note {
    pub id: String,
    pub body: String,
}

pub fn note(body: &str) -> Note {
    Note { id: "n1".to_owned(), body: body.to_owned() }
}

/// `tests/fixtures/<name>`.
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures").join(name)
}

/// The committed fixture `name`.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// The captured fixtures: file name and the table writes that produce it.
pub const CAPTURED: &[&str] = &[
    "all_types.json",
    "single_table.json",
    "keys_only.json",
    "new_image.json",
    "old_image.json",
    "ttl.json",
];

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs every write scenario against DynamoDB Local and returns each fixture's event, captured
/// from the table's stream by the local stream poller.
pub async fn capture() -> Result<Vec<(&'static str, serde_json::Value)>, BoxError> {
    let endpoint = ferrodyn_testing::shared_endpoint()?;
    let db = TestDb::new().await?;
    let mut events = Vec::new();

    // Every attribute type: INSERT, MODIFY (every value changes), INSERT, REMOVE.
    db.create_table::<Everything>().await?;
    db.put(&everything("e1", 1)).await?;
    db.put(&everything_modified()).await?;
    db.put(&everything("e2", 3)).await?;
    db.delete(Everything::key("e1")).await?;
    events.push(("all_types.json", poll(endpoint, &db.table_name("types")).await?));

    // One table, three entity types; the consumer handles two.
    db.create_table_for(&[Customer::META, Order::META, Invoice::META]).await?;
    db.put(&customer()).await?;
    db.put(&order(2500, Status::Pending)).await?;
    db.put(&invoice()).await?;
    db.put(&order(2500, Status::Paid)).await?;
    db.delete(Invoice::key("c1", "i1")).await?;
    db.delete(Order::key("c1", "o1")).await?;
    events.push(("single_table.json", poll(endpoint, &db.table_name("shop")).await?));

    // The other stream view types: INSERT, MODIFY, REMOVE of one note each.
    for (name, view) in [
        ("keys_only.json", StreamViewType::KeysOnly),
        ("new_image.json", StreamViewType::NewImage),
        ("old_image.json", StreamViewType::OldImage),
    ] {
        let table = format!("{}notes-{}", db.prefix(), view.as_str().to_lowercase());
        create_notes_table(db.db(), &table, view).await?;
        let notes = db.with_table_name("notes", table.clone());
        notes.put(&note("first")).await?;
        notes.put(&note("second")).await?;
        notes.delete(Note::key("n1")).await?;
        events.push((name, poll(endpoint, &table).await?));
    }

    // TTL expiry. DynamoDB Local keeps TTL settings but never expires items, so this fixture is
    // a captured REMOVE given the `userIdentity` Lambda sets on a TTL deletion.
    let table = format!("{}notes-ttl", db.prefix());
    create_notes_table(db.db(), &table, StreamViewType::NewAndOldImages).await?;
    let notes = db.with_table_name("notes", table.clone());
    notes.put(&note("expiring")).await?;
    notes.delete(Note::key("n1")).await?;
    let mut event = poll(endpoint, &table).await?;
    if let Some(remove) = event["Records"].as_array_mut().and_then(|records| records.last_mut()) {
        remove["userIdentity"] =
            serde_json::json!({ "type": "Service", "principalId": "dynamodb.amazonaws.com" });
    }
    events.push(("ttl.json", event));
    Ok(events)
}

async fn poll(endpoint: &str, table: &str) -> Result<serde_json::Value, BoxError> {
    let mut poller = StreamPoller::connect(endpoint, table).await?;
    Ok(poller.capture_event().await?)
}

async fn create_notes_table(db: &Db, table: &str, view: StreamViewType) -> Result<(), BoxError> {
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder().attribute_name(name).key_type(kind).build()
    };
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    db.client()
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("pk", KeyType::Hash)?)
        .key_schema(key("sk", KeyType::Range)?)
        .attribute_definitions(attribute("pk")?)
        .attribute_definitions(attribute("sk")?)
        .stream_specification(
            StreamSpecification::builder().stream_enabled(true).stream_view_type(view).build()?,
        )
        .send()
        .await?;
    Ok(())
}

/// A decoded record in a form two decodes can be compared by: decode errors by kind, since the
/// two paths' serde errors may word the same failure differently.
#[derive(Debug, PartialEq)]
pub enum Outcome<T> {
    Record(ferrodyn_streams::Record<T>),
    Skipped(ferrodyn_streams::RecordInfo),
    Failed(ferrodyn_streams::RecordInfo, ferrodyn_streams::ErrorKind),
}

pub fn outcomes<T>(records: Vec<ferrodyn_streams::Decoded<T>>) -> Vec<Outcome<T>> {
    use ferrodyn_streams::Decoded;
    records
        .into_iter()
        .map(|d| match d {
            Decoded::Record(r) => Outcome::Record(r),
            Decoded::Skipped(info) => Outcome::Skipped(info),
            Decoded::Failed(info, e) => Outcome::Failed(info, e.kind()),
        })
        .collect()
}

/// `json` decoded by the fast path, after checking that the `aws_lambda_events` path decodes it
/// alike.
pub fn agree<'de, T>(
    json: &'de [u8],
    event: &'de aws_lambda_events::event::dynamodb::Event,
) -> Vec<ferrodyn_streams::Decoded<T>>
where
    T: ferrodyn::meta::DeserializeEntity<'de> + PartialEq + std::fmt::Debug,
{
    let fast = ferrodyn_streams::decode_json::<T>(json).expect("the event decodes");
    let slow = ferrodyn_streams::decode_event::<T>(event).expect("the event decodes");
    let fast_outcomes = outcomes(fast);
    assert_eq!(fast_outcomes, outcomes(slow), "the two paths disagree");
    ferrodyn_streams::decode_json::<T>(json).expect("the event decodes")
}

/// The fixture parsed by `aws_lambda_events`.
pub fn event(json: &[u8]) -> aws_lambda_events::event::dynamodb::Event {
    serde_json::from_slice(json).expect("aws_lambda_events parses the fixture")
}

pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(future)
}

/// An event of `n` Order inserts with sequence numbers `1..=n`.
pub fn orders_event(n: usize) -> String {
    let records: Vec<serde_json::Value> = (1..=n)
        .map(|i| {
            serde_json::json!({
                "eventID": format!("event-{i}"),
                "eventName": "INSERT",
                "dynamodb": {
                    "Keys": {"pk": {"S": "CUSTOMER#c1"}, "sk": {"S": format!("ORDER#o{i}")}},
                    "NewImage": {
                        "pk": {"S": "CUSTOMER#c1"}, "sk": {"S": format!("ORDER#o{i}")},
                        "entity": {"S": "Order"}, "customer_id": {"S": "c1"},
                        "order_id": {"S": format!("o{i}")}, "status": {"S": "pending"},
                        "total_cents": {"N": "100"}, "lines": {"L": []}
                    },
                    "SequenceNumber": i.to_string(),
                    "StreamViewType": "NEW_AND_OLD_IMAGES"
                }
            })
        })
        .collect();
    serde_json::json!({ "Records": records }).to_string()
}
