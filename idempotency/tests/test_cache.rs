//! The local cache of completed records: a hit sends no request, an expired entry is not used,
//! a handler error drops nothing it should keep.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{builder, db_with_table, TestClock};
use ferrodyn_idempotency::IdempotencyError;
use serde_json::{json, Value};

#[tokio::test]
async fn a_cache_hit_sends_no_request_and_honours_the_expiry() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let idem = builder(&db, &clock)
        .local_cache(16)
        .expires_after(Duration::from_secs(10))
        .payload_validation_path("amount")
        .event_key_path("id")
        .build()
        .unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let handler = || async {
        let n = runs.fetch_add(1, Ordering::SeqCst) + 1;
        Ok::<_, String>(json!({"run": n}))
    };
    let event = json!({"id": "k", "amount": 1});

    let before = db.requests_sent();
    let first: Value = idem.run("handler", &event, None, handler).await.unwrap();
    assert_eq!(db.requests_sent() - before, 2, "PutItem, UpdateItem");

    let before = db.requests_sent();
    let cached: Value = idem.run("handler", &event, None, handler).await.unwrap();
    assert_eq!(cached, first);
    assert_eq!(db.requests_sent(), before, "a hit sends nothing");
    // Validation applies to cached records too, still without a request.
    let tampered: Result<Value, IdempotencyError<String>> =
        idem.run("handler", &json!({"id": "k", "amount": 2}), None, handler).await;
    assert!(tampered.unwrap_err().is_validation());
    assert_eq!(db.requests_sent(), before);
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    clock.advance(Duration::from_secs(11));
    let expired: Value = idem.run("handler", &event, None, handler).await.unwrap();
    assert_eq!(expired, json!({"run": 2}), "an expired cache entry is not used");
    assert_eq!(db.requests_sent() - before, 2);
}

#[tokio::test]
async fn a_record_completed_elsewhere_is_cached_once_read() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let writer = builder(&db, &clock).build().unwrap();
    let reader = builder(&db, &clock).local_cache(16).build().unwrap();
    let event = json!({"id": "k"});
    let _: Value = writer
        .run("handler", &event, None, || async { Ok::<_, String>(json!("done")) })
        .await
        .unwrap();

    let before = db.requests_sent();
    for _ in 0..3 {
        let r: Value = reader
            .run("handler", &event, None, || async { Err::<Value, _>("must not run".to_owned()) })
            .await
            .unwrap();
        assert_eq!(r, json!("done"));
    }
    assert_eq!(db.requests_sent() - before, 1, "one PutItem whose failed condition returned it");
}

#[tokio::test]
async fn without_the_cache_every_replay_is_one_request() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let idem = builder(&db, &clock).build().unwrap();
    let event = json!({"id": "k"});
    let _: Value = idem
        .run("handler", &event, None, || async { Ok::<_, String>(json!("done")) })
        .await
        .unwrap();
    let before = db.requests_sent();
    for _ in 0..3 {
        let _: Value = idem
            .run("handler", &event, None, || async { Err::<Value, _>("must not run".to_owned()) })
            .await
            .unwrap();
    }
    assert_eq!(db.requests_sent() - before, 3, "the conditional put alone, no GetItem");
}
