//! Transaction failures DynamoDB Local never produces (conflicts, a transaction still in progress,
//! internal errors), as mocked HTTP responses that go through the SDK's own deserialisation and
//! retry classification.

mod common;

use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use common::{order, Customer, Order, Status};
use ferrodyn::{Db, ErrorKind, Update};

/// A DynamoDB (awsJson 1.0) error response.
fn error_response(status: u16, error_type: &str, extra: &str) -> Response {
    let body = format!(
        r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{error_type}","message":"mocked"{extra}}}"#
    );
    Response::new(StatusCode::try_from(status).expect("status"), SdkBody::from(body))
}

/// A handle whose client answers from `rules`, retrying quickly (3 attempts, as by default).
fn mocked_db(rules: &[&Rule]) -> Db {
    let client: Client = mock_client!(aws_sdk_dynamodb, RuleMode::Sequential, rules, |c| {
        c.retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1)),
        )
    });
    Db::from_client(client)
}

fn two_model_transaction(db: &Db) -> ferrodyn::operation::Transaction {
    db.transaction()
        .put(db.put(&order("c1", "o1")))
        .update(db.update(Customer::key("c1"), Update::new().set(Customer::FIELDS.name, "Grace")))
}

const CANCELED_BY_CONFLICT: &str = r#","CancellationReasons":[{"Code":"None"},{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}]"#;

#[tokio::test]
async fn a_conflict_reason_is_typed_and_at_its_index() {
    let rule = mock!(Client::transact_write_items).then_http_response(|| {
        error_response(400, "TransactionCanceledException", CANCELED_BY_CONFLICT)
    });
    let db = mocked_db(&[&rule]);
    let err = two_model_transaction(&db).await.unwrap_err();

    assert_eq!(rule.num_calls(), 1, "the SDK does not retry a canceled transaction");
    assert_eq!(err.kind(), ErrorKind::TransactionCanceled);
    assert!(err.is_transaction_canceled());
    assert!(err.is_transaction_conflict());
    assert!(err.is_retryable(), "only conflicts: sending again may succeed");
    assert!(!err.is_condition_failed());
    assert_eq!(err.code(), Some("TransactionCanceledException"));
    let reasons = err.cancellation_reasons().expect("reasons");
    assert_eq!(reasons.len(), 2);
    assert_eq!(reasons[0].code(), "None");
    assert_eq!(reasons[0].kind(), None);
    assert_eq!(reasons[0].operation(), "Put");
    let conflict = &reasons[1];
    assert_eq!(conflict.index(), 1);
    assert_eq!(conflict.operation(), "Update");
    assert_eq!(conflict.model(), "Customer");
    assert_eq!(conflict.key(), "pk=CUSTOMER#c1, sk=PROFILE");
    assert_eq!(conflict.code(), "TransactionConflict");
    assert_eq!(conflict.kind(), Some(ErrorKind::TransactionConflict));
    assert_eq!(conflict.message(), Some("Transaction is ongoing for the item"));
    assert_eq!(err.failed_action().map(|r| r.index()), Some(1));
    assert_eq!(
        err.to_string(),
        "TransactWriteItems: transaction canceled: action 1 (Update Customer pk=CUSTOMER#c1, \
         sk=PROFILE): TransactionConflict"
    );
}

#[tokio::test]
async fn a_conflict_next_to_a_false_condition_is_not_retryable() {
    let rule = mock!(Client::transact_write_items).then_http_response(|| {
        error_response(
            400,
            "TransactionCanceledException",
            r#","CancellationReasons":[{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"},{"Code":"TransactionConflict"}]"#,
        )
    });
    let db = mocked_db(&[&rule]);
    let err = two_model_transaction(&db).await.unwrap_err();
    assert!(err.is_condition_failed() && err.is_transaction_conflict(), "{err}");
    assert!(!err.is_retryable(), "the condition fails again");
    assert_eq!(err.failed_action().map(|r| r.index()), Some(0));
}

#[tokio::test]
async fn transaction_in_progress_is_retried_by_the_sdk_then_surfaces() {
    let rule = mock!(Client::transact_write_items)
        .sequence()
        .http_response(|| error_response(400, "TransactionInProgressException", ""))
        .repeatedly()
        .build();
    let db = mocked_db(&[&rule]);
    let err = two_model_transaction(&db).client_request_token("t-1").await.unwrap_err();
    assert_eq!(rule.num_calls(), 3, "three attempts");
    assert_eq!(err.kind(), ErrorKind::TransactionInProgress, "{err}");
    assert_eq!(err.code(), Some("TransactionInProgressException"));
    assert!(err.is_retryable());
    assert!(!err.is_transaction_canceled());
    assert_eq!(err.cancellation_reasons(), None);
    assert_eq!(err.operation(), Some("TransactWriteItems"));
}

#[tokio::test]
async fn an_internal_error_is_retried_by_the_sdk_then_surfaces() {
    let rule = mock!(Client::transact_write_items)
        .sequence()
        .http_response(|| error_response(500, "InternalServerError", ""))
        .repeatedly()
        .build();
    let db = mocked_db(&[&rule]);
    let err = two_model_transaction(&db).await.unwrap_err();
    assert_eq!(rule.num_calls(), 3, "three attempts");
    assert_eq!(err.kind(), ErrorKind::Service, "{err}");
    assert_eq!(err.code(), Some("InternalServerError"));
    assert!(err.is_retryable());
    assert_eq!(err.to_string(), "TransactWriteItems: InternalServerError: mocked");
}

#[tokio::test]
async fn a_bare_503_is_retried_then_surfaces_as_a_service_error() {
    let rule =
        mock!(Client::transact_write_items).sequence().http_status(503, None).repeatedly().build();
    let db = mocked_db(&[&rule]);
    let err = two_model_transaction(&db).await.unwrap_err();
    assert_eq!(rule.num_calls(), 3, "three attempts");
    assert_eq!(err.kind(), ErrorKind::Service, "{err}");
    assert_eq!(err.code(), None);
    assert!(err.is_retryable(), "a 5xx is transient");
    assert!(!err.is_transaction_canceled());
    assert_eq!(err.to_string(), "TransactWriteItems: service error (HTTP 503)");
}

#[tokio::test]
async fn a_single_update_conflicting_with_a_transaction_is_a_conflict() {
    let rule = mock!(Client::update_item)
        .then_http_response(|| error_response(400, "TransactionConflictException", ""));
    let db = mocked_db(&[&rule]);
    let err = db
        .update(Order::key("c1", "o1"), Update::new().set(Order::FIELDS.status, Status::Paid))
        .await
        .unwrap_err();
    assert_eq!(rule.num_calls(), 1, "the SDK does not retry a conflict");
    assert_eq!(err.kind(), ErrorKind::TransactionConflict, "{err}");
    assert!(err.is_transaction_conflict() && err.is_retryable());
    assert_eq!(err.operation(), Some("UpdateItem"));
}

#[tokio::test]
async fn a_get_transaction_canceled_by_a_conflict_names_the_get() {
    let rule = mock!(Client::transact_get_items).then_http_response(|| {
        error_response(400, "TransactionCanceledException", CANCELED_BY_CONFLICT)
    });
    let db = mocked_db(&[&rule]);
    let err = db
        .transaction_get()
        .get(Order::key("c1", "o1"))
        .get(Customer::key("c1"))
        .await
        .unwrap_err();
    assert!(err.is_transaction_canceled() && err.is_retryable(), "{err}");
    assert_eq!(err.operation(), Some("TransactGetItems"));
    let reasons = err.cancellation_reasons().expect("reasons");
    assert_eq!(reasons[1].operation(), "Get");
    assert_eq!(reasons[1].model(), "Customer");
    assert_eq!(reasons[1].kind(), Some(ErrorKind::TransactionConflict));
}
