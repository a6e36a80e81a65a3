//! The connection prewarm: one cheap request sent during Lambda's init phase so that DNS, the TCP
//! connection, the TLS handshake, credential resolution and request signing happen there, not in
//! the first invocation. The request is `DescribeEndpoints`: it names no table, reads no item and
//! consumes no capacity, and DynamoDB answers it on its public endpoints without checking IAM
//! permissions. Any HTTP answer, an error included, leaves a warm connection in the client's pool.

use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use ferrodyn::Db;

/// What the prewarm request achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Prewarm {
    /// DynamoDB answered (success or a service error such as an access denial): the connection
    /// is open and pooled.
    Connected,
    /// The request got no answer: the endpoint is unreachable or refused the connection.
    Failed,
    /// No answer within the time limit.
    TimedOut,
}

impl Prewarm {
    /// Whether a connection is now open.
    pub fn is_connected(self) -> bool {
        self == Prewarm::Connected
    }
}

/// Sends one `DescribeEndpoints` request on `db`'s client, with no retry and a limit of `timeout`
/// on the whole call. Never fails: an unanswered request is logged at `warn` (the error's
/// description, which holds no credentials) and reported as [`Prewarm::Failed`] or
/// [`Prewarm::TimedOut`]; the first real request then connects as usual.
///
/// [`LambdaDb`](crate::LambdaDb) calls it during init. Call it again after a SnapStart restore,
/// whose snapshot holds no usable connection.
pub async fn prewarm(db: &Db, timeout: Duration) -> Prewarm {
    // One attempt: retrying a dead endpoint would only spend the init phase on backoff sleeps.
    let overrides = aws_sdk_dynamodb::config::Builder::default()
        .retry_config(RetryConfig::disabled())
        .timeout_config(TimeoutConfig::builder().operation_timeout(timeout).build());
    let result =
        db.client().describe_endpoints().customize().config_override(overrides).send().await;
    match result {
        Ok(_) => {
            tracing::debug!("DynamoDB connection prewarmed");
            Prewarm::Connected
        }
        // An error answer still went over a connection that stays open.
        Err(SdkError::ServiceError(e)) => {
            use aws_sdk_dynamodb::error::ProvideErrorMetadata;
            tracing::debug!(code = e.err().code(), "DynamoDB connection prewarmed (error answer)");
            Prewarm::Connected
        }
        Err(SdkError::ResponseError(_)) => {
            tracing::debug!("DynamoDB connection prewarmed (unreadable answer)");
            Prewarm::Connected
        }
        Err(SdkError::TimeoutError(_)) => {
            tracing::warn!(
                timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                "DynamoDB connection prewarm timed out; the first request will connect"
            );
            Prewarm::TimedOut
        }
        Err(e) => {
            tracing::warn!(
                error = %DisplayErrorContext(&e),
                "DynamoDB connection prewarm failed; the first request will connect"
            );
            Prewarm::Failed
        }
    }
}
