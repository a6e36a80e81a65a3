//! Failures DynamoDB Local never produces, as mocked HTTP responses that go through the SDK's own
//! deserialisation and retries: throttling of the conditional put, a 5xx on the completion, a
//! failed deletion.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemOutput;
use aws_sdk_dynamodb::operation::put_item::PutItemOutput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemOutput;
use aws_sdk_dynamodb::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use common::Logs;
use ferrodyn::Db;
use ferrodyn_idempotency::{Idempotency, IdempotencyError, PersistenceErrorKind};
use serde_json::{json, Value};

/// A DynamoDB (awsJson 1.0) error response.
fn error_response(status: u16, error_type: &str) -> Response {
    let body = format!(
        r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{error_type}","message":"mocked"}}"#
    );
    Response::new(StatusCode::try_from(status).expect("status"), SdkBody::from(body))
}

/// An `Idempotency` on a client that answers from `rules`, retrying quickly (3 attempts, the
/// SDK's default).
fn mocked(rules: &[&Rule]) -> Idempotency {
    let client: Client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, rules, |c| {
        c.retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(1)),
        )
    });
    Idempotency::builder(&Db::from_client(client), "idempotency")
        .function_name("fn-under-test")
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_throttled_conditional_put_is_retried_by_the_sdk() {
    let put = mock!(Client::put_item)
        .sequence()
        .http_response(|| error_response(400, "ThrottlingException"))
        .times(2)
        .output(|| PutItemOutput::builder().build())
        .build();
    let update = mock!(Client::update_item).then_output(|| UpdateItemOutput::builder().build());
    let idem = mocked(&[&put, &update]);
    let runs = AtomicUsize::new(0);
    let response: Value = idem
        .run("handler", &json!({"id": 1}), None, || async {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok::<_, String>(json!("charged"))
        })
        .await
        .unwrap();
    assert_eq!(response, json!("charged"));
    assert_eq!(put.num_calls(), 3, "two throttled attempts, then the put");
    assert_eq!(update.num_calls(), 1);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn throttling_beyond_the_retries_fails_before_the_handler_runs() {
    let put = mock!(Client::put_item)
        .sequence()
        .http_response(|| error_response(400, "ProvisionedThroughputExceededException"))
        .repeatedly()
        .build();
    let idem = mocked(&[&put]);
    let result: Result<Value, IdempotencyError<String>> = idem
        .run("handler", &json!({"id": 1}), None, || async { panic!("the handler must not run") })
        .await;
    let err = result.unwrap_err();
    let persistence = err.persistence_error().expect("a persistence error");
    assert!(persistence.is_throttled());
    assert_eq!(persistence.operation(), "PutItem");
    assert_eq!(persistence.code(), Some("ProvisionedThroughputExceededException"));
    assert_eq!(put.num_calls(), 3);
    assert_eq!(
        err.to_string(),
        "idempotency: PutItem on the record of fn-under-test.handler failed: \
         ProvisionedThroughputExceededException: mocked"
    );
}

#[tokio::test]
async fn a_5xx_on_the_completion_still_returns_the_handlers_response() {
    let put = mock!(Client::put_item).then_output(|| PutItemOutput::builder().build());
    let update = mock!(Client::update_item)
        .sequence()
        .http_response(|| error_response(500, "InternalServerError"))
        .repeatedly()
        .build();
    let idem = mocked(&[&put, &update]);
    let (logs, _guard) = Logs::capture();
    let response: Value = idem
        .run("handler", &json!({"id": 1}), None, || async {
            Ok::<_, String>(json!({"receipt": "r-secret"}))
        })
        .await
        .unwrap();
    assert_eq!(response, json!({"receipt": "r-secret"}));
    assert_eq!(update.num_calls(), 3, "retried by the SDK, then given up");
    let text = logs.text();
    assert!(text.contains("fn-under-test.handler") && text.contains("INPROGRESS"), "{text}");
    assert!(text.contains("UpdateItem") && text.contains("InternalServerError"), "{text}");
    assert!(!text.contains("r-secret"), "{text}");
}

#[tokio::test]
async fn a_failed_deletion_still_returns_the_handlers_error() {
    let put = mock!(Client::put_item).then_output(|| PutItemOutput::builder().build());
    let delete = mock!(Client::delete_item)
        .sequence()
        .http_status(503, None)
        .times(3)
        .output(|| DeleteItemOutput::builder().build())
        .build();
    let idem = mocked(&[&put, &delete]);
    let (logs, _guard) = Logs::capture();
    let calls = Arc::new(AtomicUsize::new(0));
    let result: Result<Value, IdempotencyError<String>> = idem
        .run("handler", &json!({"id": 1}), None, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err("payment provider refused".to_owned())
        })
        .await;
    assert_eq!(
        result.unwrap_err().into_handler_error().as_deref(),
        Some("payment provider refused")
    );
    assert_eq!(delete.num_calls(), 3);
    let text = logs.text();
    assert!(text.contains("could not be deleted") && text.contains("DeleteItem"), "{text}");
}

#[tokio::test]
async fn an_unknown_status_is_an_invalid_record() {
    use aws_sdk_dynamodb::types::error::ConditionalCheckFailedException;
    use aws_sdk_dynamodb::types::AttributeValue;
    let put = mock!(Client::put_item).then_error(|| {
        aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(
            ConditionalCheckFailedException::builder()
                .item("id", AttributeValue::S("fn-under-test.handler#x".into()))
                .item("status", AttributeValue::S("PAUSED".into()))
                .item("expiration", AttributeValue::N("99999999999".into()))
                .build(),
        )
    });
    let idem = mocked(&[&put]);
    let result: Result<Value, IdempotencyError<String>> =
        idem.run("handler", &json!({"id": 1}), None, || async { panic!("must not run") }).await;
    let err = result.unwrap_err();
    assert_eq!(
        err.persistence_error().map(|e| e.kind()),
        Some(PersistenceErrorKind::InvalidRecord)
    );
}
