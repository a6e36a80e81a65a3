//! The invocation flow against DynamoDB Local: replay of a completed record, a key in progress
//! elsewhere, an abandoned in-progress record, payload validation, handler errors, expiry, a
//! missing key.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{builder, db_with_table, records, string, Logs, TestClock};
use ferrodyn_idempotency::IdempotencyError;
use serde_json::{json, Value};
use tokio::sync::oneshot;

type Result<T> = std::result::Result<T, IdempotencyError<String>>;

/// A handler that counts its runs and answers `{"run": <n>}`.
#[derive(Clone, Default)]
struct Counted(Arc<AtomicUsize>);

impl Counted {
    async fn call(&self) -> std::result::Result<Value, String> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(json!({"run": n}))
    }

    fn runs(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

#[tokio::test]
async fn a_completed_record_is_replayed_without_running_the_handler() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let idem = builder(&db, &clock).event_key_path("order_id").build().unwrap();
    let handler = Counted::default();
    let event = json!({"order_id": "o-1", "attempt": 1});

    let first: Value = idem.run("handler", &event, None, || handler.call()).await.unwrap();
    // Another delivery of the same order: a different event, the same key.
    let again = json!({"order_id": "o-1", "attempt": 2});
    let second: Value = idem.run("handler", &again, None, || handler.call()).await.unwrap();
    assert_eq!(first, json!({"run": 1}));
    assert_eq!(second, first);
    assert_eq!(handler.runs(), 1);

    let other: Value =
        idem.run("handler", &json!({"order_id": "o-2"}), None, || handler.call()).await.unwrap();
    assert_eq!(other, json!({"run": 2}));
    // Another handler name is another record.
    let elsewhere: Value = idem.run("other", &event, None, || handler.call()).await.unwrap();
    assert_eq!(elsewhere, json!({"run": 3}));
    assert_eq!(records(&db).await.len(), 3);
}

#[tokio::test]
async fn a_key_in_progress_is_refused_until_its_in_progress_expiry_then_taken_again() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let idem = builder(&db, &clock).build().unwrap();
    let event = json!({"payment": "p-1"});
    let deadline = clock.now() + Duration::from_secs(3);

    // The first invocation takes the key and waits inside its handler.
    let (started_tx, started_rx) = oneshot::channel();
    let (release_tx, release_rx) = oneshot::channel::<()>();
    let first = {
        let (idem, event) = (idem.clone(), event.clone());
        tokio::spawn(async move {
            idem.run("handler", &event, Some(deadline), || async move {
                started_tx.send(()).unwrap();
                release_rx.await.unwrap();
                Ok::<_, String>(json!("first"))
            })
            .await
        })
    };
    started_rx.await.unwrap();
    let record = records(&db).await.remove(0);
    assert_eq!(string(&record, "status"), "INPROGRESS");

    let handler = Counted::default();
    let refused: Result<Value> = idem.run("handler", &event, None, || handler.call()).await;
    assert!(
        matches!(refused, Err(IdempotencyError::AlreadyInProgress { ref function }) if function == "fn-under-test.handler"),
        "{refused:?}"
    );
    assert_eq!(handler.runs(), 0);

    // Past the first invocation's deadline (it timed out, say) the key is free again.
    clock.advance(Duration::from_millis(3001));
    let taken: Value = idem.run("handler", &event, None, || handler.call()).await.unwrap();
    assert_eq!(taken, json!({"run": 1}));

    release_tx.send(()).unwrap();
    assert_eq!(first.await.unwrap().unwrap(), json!("first"));
}

#[tokio::test]
async fn a_different_payload_under_the_same_key_fails_validation_and_the_handler_does_not_run() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let idem = builder(&db, &clock)
        .event_key_path("order_id")
        .payload_validation_path("amount")
        .build()
        .unwrap();
    let handler = Counted::default();
    let paid: Value = idem
        .run("handler", &json!({"order_id": "o-1", "amount": 10}), None, || handler.call())
        .await
        .unwrap();
    // Same payload part: replayed.
    let replayed: Value = idem
        .run("handler", &json!({"order_id": "o-1", "amount": 10, "retry": true}), None, || {
            handler.call()
        })
        .await
        .unwrap();
    assert_eq!(replayed, paid);

    let tampered: Result<Value> = idem
        .run("handler", &json!({"order_id": "o-1", "amount": 99}), None, || handler.call())
        .await;
    let err = tampered.unwrap_err();
    assert!(err.is_validation(), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("fn-under-test.handler"), "{message}");
    assert!(!message.contains("99") && !message.contains("o-1"), "{message}");
    assert_eq!(handler.runs(), 1);
}

#[tokio::test]
async fn a_failed_handler_leaves_no_record_and_the_next_call_runs_it() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let idem = builder(&db, &clock).build().unwrap();
    let event = json!({"job": 1});
    let failed: Result<Value> =
        idem.run("handler", &event, None, || async { Err("downstream is down".to_owned()) }).await;
    assert_eq!(failed.unwrap_err().into_handler_error().as_deref(), Some("downstream is down"));
    assert!(records(&db).await.is_empty());

    let handler = Counted::default();
    let retried: Value = idem.run("handler", &event, None, || handler.call()).await.unwrap();
    assert_eq!(retried, json!({"run": 1}));
}

#[tokio::test]
async fn after_its_expiry_a_record_no_longer_holds_the_key() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let idem = builder(&db, &clock).expires_after(Duration::from_secs(60)).build().unwrap();
    let handler = Counted::default();
    let event = json!({"job": 1});
    let _: Value = idem.run("handler", &event, None, || handler.call()).await.unwrap();

    clock.advance(Duration::from_secs(60));
    let within: Value = idem.run("handler", &event, None, || handler.call()).await.unwrap();
    assert_eq!(within, json!({"run": 1}), "the expiry second itself still holds the key");

    clock.advance(Duration::from_secs(1));
    let after: Value = idem.run("handler", &event, None, || handler.call()).await.unwrap();
    assert_eq!(after, json!({"run": 2}));
    let record = records(&db).await.remove(0);
    assert_eq!(string(&record, "status"), "COMPLETED");
    assert_eq!(string(&record, "data"), r#"{"run":2}"#);
}

#[tokio::test]
async fn a_missing_key_runs_the_handler_without_a_record_or_raises_when_asked() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let handler = Counted::default();
    let event = json!({"body": {"other": 1}, "order_id": ""});
    let (logs, _guard) = Logs::capture();

    let lenient = builder(&db, &clock).event_key_path("body.order_id").build().unwrap();
    for _ in 0..2 {
        let _: Value = lenient.run("handler", &event, None, || handler.call()).await.unwrap();
    }
    assert_eq!(handler.runs(), 2, "no idempotency without a key");
    assert!(records(&db).await.is_empty());
    assert!(logs.text().contains("no idempotency key"), "{}", logs.text());

    let strict = builder(&db, &clock)
        .event_key_path("order_id")
        .raise_on_no_idempotency_key(true)
        .build()
        .unwrap();
    let refused: Result<Value> = strict.run("handler", &event, None, || handler.call()).await;
    match refused {
        Err(IdempotencyError::MissingKey { function, path }) => {
            assert_eq!(function, "fn-under-test.handler");
            assert_eq!(path.as_deref(), Some("order_id"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(handler.runs(), 2);
}

#[tokio::test]
async fn a_stored_response_of_another_type_is_an_invalid_record_error() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let idem = builder(&db, &clock).build().unwrap();
    let event = json!({"job": 1});
    let _: Value = idem
        .run("handler", &event, None, || async { Ok::<_, String>(json!({"secret": "s3cr3t"})) })
        .await
        .unwrap();
    let as_number: Result<u32> = idem.run("handler", &event, None, || async { Ok(1) }).await;
    let err = as_number.unwrap_err();
    let persistence = err.persistence_error().expect("a persistence error");
    assert_eq!(persistence.kind(), ferrodyn_idempotency::PersistenceErrorKind::InvalidRecord);
    assert!(!err.to_string().contains("s3cr3t"), "{err}");
    assert!(!format!("{err:?}").contains("s3cr3t"), "{err:?}");
}

#[tokio::test]
async fn a_record_id_over_the_key_limit_is_refused_before_any_request() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let idem = builder(&db, &clock).build().unwrap();
    let handler = Counted::default();
    let long_name = "h".repeat(2048);
    let before = db.requests_sent();
    let refused: Result<Value> =
        idem.run(&long_name, &json!({"job": 1}), None, || handler.call()).await;
    let err = refused.unwrap_err();
    let persistence = err.persistence_error().expect("a persistence error");
    assert_eq!(persistence.kind(), ferrodyn_idempotency::PersistenceErrorKind::Limit);
    assert!(err.to_string().contains("2048"), "{err}");
    assert_eq!(db.requests_sent(), before);
    assert_eq!(handler.runs(), 0);
}
