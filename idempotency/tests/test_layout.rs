//! The records are Powertools' records: what we write has its layout attribute for attribute,
//! and records in that layout, written as Powertools (Python) writes them, are honoured.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;
use common::{
    builder, db_with_table, n, number, put_record, records, s, string, Record, TestClock,
};
use ferrodyn_idempotency::{Idempotency, IdempotencyError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// md5 of `json.dumps({"order_id": 7}, sort_keys=True)` and of `json.dumps(10)`, from Python.
const ORDER_7: &str = "e565575e98f32f5b7feb99ba9aa7d843";
const TEN: &str = "d3d9446802a44259755d38e6d163e820";

/// Attribute name → DynamoDB type tag, for comparing layouts.
fn layout(record: &Record) -> BTreeMap<&str, &'static str> {
    record
        .iter()
        .map(|(name, value)| {
            let tag = match value {
                AttributeValue::S(_) => "S",
                AttributeValue::N(_) => "N",
                _ => "other",
            };
            (name.as_str(), tag)
        })
        .collect()
}

#[tokio::test]
async fn the_records_we_write_have_powertools_layout_attribute_for_attribute() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let idem = builder(&db, &clock)
        .function_name("my-function")
        .event_key_path("body")
        .payload_validation_path("amount")
        .build()
        .unwrap();
    let event = json!({"body": {"order_id": 7}, "amount": 10});
    let deadline_ms = clock.millis() + 5_000;
    let deadline = UNIX_EPOCH + Duration::from_millis(u64::try_from(deadline_ms).unwrap());
    let started = clock.secs();

    let (started_tx, started_rx) = oneshot::channel();
    let (release_tx, release_rx) = oneshot::channel::<()>();
    let run = {
        let (idem, event) = (idem.clone(), event.clone());
        tokio::spawn(async move {
            idem.run("app.lambda_handler", &event, Some(deadline), || async move {
                started_tx.send(()).unwrap();
                release_rx.await.unwrap();
                Ok::<_, String>(json!({"statusCode": 200, "message": "ok"}))
            })
            .await
        })
    };
    started_rx.await.unwrap();
    let in_progress = records(&db).await.remove(0);
    let expected = BTreeMap::from([
        ("id", "S"),
        ("expiration", "N"),
        ("status", "S"),
        ("in_progress_expiration", "N"),
        ("validation", "S"),
    ]);
    assert_eq!(layout(&in_progress), expected);
    let id = format!("my-function.app.lambda_handler#{ORDER_7}");
    assert_eq!(string(&in_progress, "id"), id);
    assert_eq!(string(&in_progress, "status"), "INPROGRESS");
    assert_eq!(number(&in_progress, "expiration"), started + 3600);
    assert_eq!(number(&in_progress, "in_progress_expiration"), deadline_ms);
    assert_eq!(string(&in_progress, "validation"), TEN);

    clock.advance(Duration::from_secs(2));
    release_tx.send(()).unwrap();
    run.await.unwrap().unwrap();
    let completed = records(&db).await.remove(0);
    let mut expected = expected;
    expected.insert("data", "S");
    assert_eq!(layout(&completed), expected);
    assert_eq!(string(&completed, "id"), id);
    assert_eq!(string(&completed, "status"), "COMPLETED");
    assert_eq!(number(&completed, "expiration"), started + 2 + 3600, "a fresh expiry");
    assert_eq!(number(&completed, "in_progress_expiration"), deadline_ms);
    assert_eq!(string(&completed, "validation"), TEN);
    let data: Value = serde_json::from_str(string(&completed, "data")).unwrap();
    assert_eq!(data, json!({"statusCode": 200, "message": "ok"}));
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    status_code: u16,
    message: String,
}

/// A record as Powertools writes it for `app.lambda_handler` of `my-function`, keyed on
/// `{"order_id": 7}`: `save_inprogress` then `save_success`, `data` from `json.dumps(result,
/// sort_keys=True)`.
fn powertools_record(clock: &TestClock, status: &str) -> Record {
    Record::from([
        ("id".to_owned(), s(&format!("my-function.app.lambda_handler#{ORDER_7}"))),
        ("expiration".to_owned(), n(clock.secs() + 3600)),
        ("in_progress_expiration".to_owned(), n(clock.millis() + 30_000)),
        ("status".to_owned(), s(status)),
        ("data".to_owned(), s(r#"{"message": "from python", "statusCode": 201}"#)),
    ])
}

fn powertools_config(db: &ferrodyn_testing::TestDb, clock: &TestClock) -> Idempotency {
    builder(db, clock).function_name("my-function").event_key_path("body").build().unwrap()
}

#[tokio::test]
async fn a_completed_powertools_record_is_replayed() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    put_record(&db, powertools_record(&clock, "COMPLETED")).await;
    let idem = powertools_config(&db, &clock);
    let event = json!({"body": {"order_id": 7}});
    let replayed: Result<Response, IdempotencyError<String>> = idem
        .run("app.lambda_handler", &event, None, || async { Err("must not run".to_owned()) })
        .await;
    assert_eq!(replayed.unwrap(), Response { status_code: 201, message: "from python".into() });
}

#[tokio::test]
async fn powertools_in_progress_records_hold_the_key_until_their_in_progress_expiry() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let idem = powertools_config(&db, &clock);
    let event = json!({"body": {"order_id": 7}});

    // Powertools without a registered Lambda context writes no in_progress_expiration: the
    // record holds the key until it expires.
    let mut record = powertools_record(&clock, "INPROGRESS");
    record.remove("data");
    record.remove("in_progress_expiration");
    put_record(&db, record.clone()).await;
    let refused: Result<Value, IdempotencyError<String>> =
        idem.run("app.lambda_handler", &event, None, || async { Ok(json!(1)) }).await;
    assert!(refused.unwrap_err().is_already_in_progress());

    // One whose invocation's deadline has passed is taken over.
    record.insert("in_progress_expiration".to_owned(), n(clock.millis() - 1));
    put_record(&db, record).await;
    let taken: Value = idem
        .run("app.lambda_handler", &event, None, || async { Ok::<_, String>(json!(2)) })
        .await
        .unwrap();
    assert_eq!(taken, json!(2));
}

#[tokio::test]
async fn a_powertools_record_with_another_validation_hash_fails_validation() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let mut record = powertools_record(&clock, "COMPLETED");
    record.insert("validation".to_owned(), s(TEN));
    put_record(&db, record).await;
    let idem = builder(&db, &clock)
        .function_name("my-function")
        .event_key_path("body")
        .payload_validation_path("amount")
        .build()
        .unwrap();
    let same: Response = idem
        .run(
            "app.lambda_handler",
            &json!({"body": {"order_id": 7}, "amount": 10}),
            None,
            || async { Err::<Response, _>("must not run".to_owned()) },
        )
        .await
        .unwrap();
    assert_eq!(same.status_code, 201);
    let other: Result<Response, _> = idem
        .run(
            "app.lambda_handler",
            &json!({"body": {"order_id": 7}, "amount": 11}),
            None,
            || async { Err::<Response, _>("must not run".to_owned()) },
        )
        .await;
    assert!(other.unwrap_err().is_validation());
}

#[tokio::test]
async fn a_null_response_as_powertools_stores_it_reads_as_none() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let mut record = powertools_record(&clock, "COMPLETED");
    record.insert("data".to_owned(), s("null"));
    put_record(&db, record).await;
    let idem = powertools_config(&db, &clock);
    let replayed: Option<Response> = idem
        .run("app.lambda_handler", &json!({"body": {"order_id": 7}}), None, || async {
            Err::<Option<Response>, _>("must not run".to_owned())
        })
        .await
        .unwrap();
    assert_eq!(replayed, None);
}

#[tokio::test]
async fn sort_key_mode_keeps_every_record_under_one_static_partition_value() {
    let db = db_with_table(Some("sort_key")).await;
    let clock = TestClock::new();
    let idem = builder(&db, &clock)
        .function_name("my-function")
        .sort_key_attr("sort_key")
        .event_key_path("body")
        .build()
        .unwrap();
    let event = json!({"body": {"order_id": 7}});
    for _ in 0..2 {
        let r: Value = idem
            .run("app.lambda_handler", &event, None, || async { Ok::<_, String>(json!("ok")) })
            .await
            .unwrap();
        assert_eq!(r, json!("ok"));
    }
    let all = records(&db).await;
    assert_eq!(all.len(), 1);
    assert_eq!(string(&all[0], "id"), "idempotency#my-function");
    assert_eq!(string(&all[0], "sort_key"), format!("my-function.app.lambda_handler#{ORDER_7}"));
    assert_eq!(string(&all[0], "status"), "COMPLETED");
}

#[tokio::test]
async fn attribute_names_and_the_key_prefix_are_configurable() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let idem = builder(&db, &clock)
        .key_prefix("orders")
        .expiry_attr("ttl")
        .in_progress_expiry_attr("lease_ms")
        .status_attr("state")
        .data_attr("response")
        .validation_attr("payload_hash")
        .payload_validation_path("amount")
        .event_key_path("body")
        .build()
        .unwrap();
    let _: Value = idem
        .run("ignored", &json!({"body": {"order_id": 7}, "amount": 10}), None, || async {
            Ok::<_, String>(json!(true))
        })
        .await
        .unwrap();
    let record = records(&db).await.remove(0);
    let expected = BTreeMap::from([
        ("id", "S"),
        ("ttl", "N"),
        ("lease_ms", "N"),
        ("state", "S"),
        ("response", "S"),
        ("payload_hash", "S"),
    ]);
    assert_eq!(layout(&record), expected);
    assert_eq!(string(&record, "id"), format!("orders#{ORDER_7}"));
    assert_eq!(string(&record, "state"), "COMPLETED");
}

#[test]
fn invalid_options_are_refused_by_build() {
    let db = ferrodyn::Db::from_client(aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .build(),
    ));
    let refused = [
        Idempotency::builder(&db, "t").sort_key_attr("id").build().unwrap_err(),
        Idempotency::builder(&db, "t").data_attr("status").build().unwrap_err(),
        Idempotency::builder(&db, "t").status_attr("").build().unwrap_err(),
        Idempotency::builder(&db, "t").event_key_path("body.").build().unwrap_err(),
        Idempotency::builder(&db, "t").payload_validation_path("a[*]").build().unwrap_err(),
        Idempotency::builder(&db, "t").data_attr("d".repeat(256)).build().unwrap_err(),
    ];
    let messages: Vec<String> = refused.iter().map(ToString::to_string).collect();
    assert!(messages[0].contains("`id` is named twice"), "{messages:?}");
    assert!(messages[1].contains("`status` is named twice"), "{messages:?}");
    assert!(messages[2].contains("empty"), "{messages:?}");
    assert!(messages[3].contains("body."), "{messages:?}");
    assert!(messages[4].contains("a[*]"), "{messages:?}");
    assert!(messages[5].contains("256 bytes"), "{messages:?}");
}
