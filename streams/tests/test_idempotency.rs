//! Per-record idempotency (`Processor::idempotency`) against DynamoDB Local: a redelivered batch
//! runs no handler again, a failed or panicking record leaves no idempotency record and runs
//! again, a record still running elsewhere fails, and `process_by_key` keys by a field.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::{block_on, orders_event, Order};
use ferrodyn::AttributeValue;
use ferrodyn_idempotency::Idempotency;
use ferrodyn_streams::{BatchResponse, Processor, Record};
use ferrodyn_testing::TestDb;
use tokio::sync::Notify;

const TABLE: &str = "idempotency";

async fn setup() -> (TestDb, Idempotency) {
    let db = TestDb::new().await.expect("DynamoDB Local");
    let idempotency =
        Idempotency::builder(&db, TABLE).function_name("consumer").build().expect("configured");
    idempotency.create_table().await.expect("the table");
    (db, idempotency)
}

fn failures(response: &BatchResponse) -> Vec<&str> {
    response.failures().collect()
}

/// The ids and statuses of the idempotency records, sorted.
async fn records(db: &TestDb) -> Vec<(String, String)> {
    let output = db
        .client()
        .scan()
        .table_name(db.table_name(TABLE))
        .consistent_read(true)
        .send()
        .await
        .expect("scanned");
    let text = |value: Option<&AttributeValue>| match value {
        Some(AttributeValue::S(s)) => s.clone(),
        other => panic!("not a string: {other:?}"),
    };
    let mut records: Vec<(String, String)> = output
        .items
        .unwrap_or_default()
        .iter()
        .map(|item| (text(item.get("id")), text(item.get("status"))))
        .collect();
    records.sort();
    records
}

#[test]
fn a_redelivered_batch_runs_no_handler_again() {
    block_on(async {
        let (db, idempotency) = setup().await;
        let processor = Processor::new().idempotency(&idempotency, "stats");
        let event = orders_event(5);
        let runs = AtomicUsize::new(0);
        for _ in 0..3 {
            let response = processor
                .process(event.as_str(), |_: Record<Order>| {
                    runs.fetch_add(1, Ordering::SeqCst);
                    async { Ok::<(), String>(()) }
                })
                .await
                .expect("processed");
            assert!(response.is_success(), "{response:?}");
        }
        assert_eq!(runs.load(Ordering::SeqCst), 5);
        let records = records(&db).await;
        assert_eq!(records.len(), 5);
        for (id, status) in &records {
            assert!(id.starts_with("consumer.stats#"), "{id}");
            assert_eq!(status, "COMPLETED");
        }
    });
}

#[test]
fn a_failed_or_panicking_record_leaves_no_record_and_runs_again() {
    block_on(async {
        let (db, idempotency) = setup().await;
        let processor = Processor::new().best_effort().idempotency(&idempotency, "stats");
        let event = orders_event(4);
        let runs = AtomicUsize::new(0);
        let first = processor
            .process(event.as_str(), |record: Record<Order>| {
                runs.fetch_add(1, Ordering::SeqCst);
                let sequence = record.sequence_number().to_owned();
                async move {
                    match sequence.as_str() {
                        "2" => Err("the stats update failed".to_owned()),
                        "3" => panic!("a bug"),
                        _ => Ok(()),
                    }
                }
            })
            .await
            .expect("processed");
        assert_eq!(failures(&first), ["2", "3"]);
        assert_eq!(runs.load(Ordering::SeqCst), 4);
        assert_eq!(records(&db).await.len(), 2, "only the two that succeeded");

        // The redelivery runs the two failed records only.
        let again = processor
            .process(event.as_str(), |_: Record<Order>| {
                runs.fetch_add(1, Ordering::SeqCst);
                async { Ok::<(), String>(()) }
            })
            .await
            .expect("processed");
        assert!(again.is_success(), "{again:?}");
        assert_eq!(runs.load(Ordering::SeqCst), 6);
        assert_eq!(records(&db).await.len(), 4);
    });
}

#[test]
fn a_record_running_elsewhere_fails_to_be_delivered_again() {
    block_on(async {
        let (_db, idempotency) = setup().await;
        let processor = Processor::new().idempotency(&idempotency, "stats");
        let event = orders_event(2);
        // The first delivery's handler holds record 1 until the second delivery is done.
        let (started, finish) = (Notify::new(), Notify::new());
        let slow = processor.process(event.as_str(), |record: Record<Order>| {
            let hold = record.sequence_number() == "1";
            let (started, finish) = (&started, &finish);
            async move {
                if hold {
                    started.notify_one();
                    finish.notified().await;
                }
                Ok::<(), String>(())
            }
        });
        let concurrent = async {
            started.notified().await;
            let ran = AtomicUsize::new(0);
            let response = processor
                .process(event.as_str(), |_: Record<Order>| {
                    ran.fetch_add(1, Ordering::SeqCst);
                    async { Ok::<(), String>(()) }
                })
                .await;
            finish.notify_one();
            assert_eq!(ran.load(Ordering::SeqCst), 0, "record 1 is in progress");
            response
        };
        let (slow, concurrent) = tokio::join!(slow, concurrent);
        assert!(slow.expect("processed").is_success());
        // Ordered mode: the record in progress and every later one.
        assert_eq!(failures(&concurrent.expect("processed")), ["1", "2"]);
    });
}

#[test]
fn process_by_key_runs_the_handler_once_per_key() {
    block_on(async {
        let (db, idempotency) = setup().await;
        let processor = Processor::new().idempotency(&idempotency, "by-parity");
        let event = orders_event(6);
        let runs = AtomicUsize::new(0);
        let key = |record: &Record<Order>| {
            let order_id = record.new_image().map(|o| o.order_id.clone()).unwrap_or_default();
            let number: u32 = order_id.trim_start_matches('o').parse().unwrap_or(0);
            number % 2
        };
        let response = processor
            .process_by_key(event.as_str(), key, |_: Record<Order>| {
                runs.fetch_add(1, Ordering::SeqCst);
                async { Ok::<(), String>(()) }
            })
            .await
            .expect("processed");
        assert!(response.is_success(), "{response:?}");
        assert_eq!(runs.load(Ordering::SeqCst), 2, "one per parity");
        assert_eq!(records(&db).await.len(), 2);
    });
}
