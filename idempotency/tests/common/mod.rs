//! Shared set-up: an idempotency table on DynamoDB Local, a clock the tests move, reading records
//! back, and capturing log lines.
#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use ferrodyn_idempotency::{Idempotency, IdempotencyBuilder};
use ferrodyn_testing::TestDb;

pub const TABLE: &str = "idempotency";

/// A clock that stands still until a test moves it.
#[derive(Debug, Clone)]
pub struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub fn new() -> TestClock {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis();
        TestClock(Arc::new(AtomicI64::new(i64::try_from(now).unwrap())))
    }

    pub fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(u64::try_from(self.0.load(Ordering::SeqCst)).unwrap())
    }

    pub fn millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }

    pub fn secs(&self) -> i64 {
        self.millis() / 1000
    }

    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(i64::try_from(by.as_millis()).unwrap(), Ordering::SeqCst);
    }
}

/// A TestDb with the idempotency table (partition key `id`, or `id` + `sort_key`).
pub async fn db_with_table(sort_key: Option<&str>) -> TestDb {
    let db = TestDb::new().await.expect("DynamoDB Local");
    let mut create = db
        .client()
        .create_table()
        .table_name(db.table_name(TABLE))
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        );
    if let Some(sort_key) = sort_key {
        create = create
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(sort_key)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(sort_key)
                    .key_type(KeyType::Range)
                    .build()
                    .unwrap(),
            );
    }
    create.send().await.expect("create table");
    db
}

/// A builder on `db`'s table with function name `fn-under-test` and `clock`.
pub fn builder(db: &TestDb, clock: &TestClock) -> IdempotencyBuilder {
    let clock = clock.clone();
    Idempotency::builder(db, TABLE).function_name("fn-under-test").clock(move || clock.now())
}

pub type Record = HashMap<String, AttributeValue>;

/// Every item in the table.
pub async fn records(db: &TestDb) -> Vec<Record> {
    let out = db.client().scan().table_name(db.table_name(TABLE)).send().await.expect("scan");
    out.items.unwrap_or_default()
}

pub async fn put_record(db: &TestDb, item: Record) {
    db.client()
        .put_item()
        .table_name(db.table_name(TABLE))
        .set_item(Some(item))
        .send()
        .await
        .expect("put record");
}

pub fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

pub fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub fn string<'a>(record: &'a Record, name: &str) -> &'a str {
    match record.get(name) {
        Some(AttributeValue::S(value)) => value,
        other => panic!("`{name}` is not a string: {other:?}"),
    }
}

pub fn number(record: &Record, name: &str) -> i64 {
    match record.get(name) {
        Some(AttributeValue::N(value)) => value.parse().unwrap(),
        other => panic!("`{name}` is not a number: {other:?}"),
    }
}

/// Log lines written while the guard lives (this thread only: use a current-thread runtime).
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    pub fn capture() -> (Logs, tracing::subscriber::DefaultGuard) {
        let logs = Logs::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::WARN)
            .finish();
        (logs, tracing::subscriber::set_default(subscriber))
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
