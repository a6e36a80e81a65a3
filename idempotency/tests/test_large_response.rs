//! A response too large for a DynamoDB item is returned, not stored: its record is deleted, and a
//! warning names the function and the size, never the contents.

mod common;

use std::time::Duration;

use common::{builder, db_with_table, records, Logs, TestClock};
use serde_json::{json, Value};

#[tokio::test]
async fn a_response_over_the_item_limit_is_returned_and_its_record_deleted() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let idem = builder(&db, &clock).build().unwrap();
    let (logs, _guard) = Logs::capture();
    let big = format!("secret-{}", "x".repeat(400 * 1024));
    let event = json!({"report": 1});

    let before = db.requests_sent();
    let response: Value = idem
        .run("handler", &event, None, || async { Ok::<_, String>(json!({"body": big})) })
        .await
        .unwrap();
    assert_eq!(response["body"].as_str().map(str::len), Some(big.len()));
    assert_eq!(db.requests_sent() - before, 2, "PutItem, then DeleteItem instead of UpdateItem");
    assert!(records(&db).await.is_empty());

    let text = logs.text();
    assert!(text.contains("too large"), "{text}");
    assert!(text.contains("fn-under-test.handler"), "{text}");
    let size: usize = text
        .split("size=")
        .nth(1)
        .map(|rest| rest.chars().take_while(char::is_ascii_digit).collect::<String>())
        .and_then(|digits| digits.parse().ok())
        .expect("a size field");
    // The data attribute alone is the JSON of the response, a few bytes over `big`.
    assert!(size > big.len() && size < big.len() + 300, "{size}");
    assert!(!text.contains("secret-"), "{text}");

    // The key is free: the next delivery runs the handler.
    let small: Value = idem
        .run("handler", &event, None, || async { Ok::<_, String>(json!("small")) })
        .await
        .unwrap();
    assert_eq!(small, json!("small"));
}

#[tokio::test]
async fn a_response_just_under_the_limit_is_stored() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let idem = builder(&db, &clock).expires_after(Duration::from_secs(60)).build().unwrap();
    // The record's other attributes and names take under 300 bytes.
    let body = "y".repeat(400 * 1024 - 400);
    let event = json!({"report": 2});
    let _: Value =
        idem.run("handler", &event, None, || async { Ok::<_, String>(json!(body)) }).await.unwrap();
    let all = records(&db).await;
    assert_eq!(all.len(), 1);
    assert_eq!(common::string(&all[0], "status"), "COMPLETED");
}
