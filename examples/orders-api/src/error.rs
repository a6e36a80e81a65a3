//! Errors as the API shows them: a status and `{"error": "…"}`. DynamoDB failures the client
//! cannot fix become a 500 or 503 whose message says nothing about the table; the full error
//! (which names the operation, model and key, never item contents) goes to the log.

use lambda_http::http::StatusCode;

/// An error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `error` field of the body.
    pub message: String,
    /// The `Allow` header of a 405.
    pub allow: Option<&'static str>,
    /// The `Retry-After` header (seconds) of an error the same request may not get later.
    pub retry_after: Option<u32>,
}

impl ApiError {
    /// An error with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), allow: None, retry_after: None }
    }

    /// The same error with a `Retry-After` of `seconds`.
    #[must_use]
    pub fn with_retry_after(mut self, seconds: u32) -> ApiError {
        self.retry_after = Some(seconds);
        self
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// 409.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, message)
    }

    /// 405, naming the methods the route has.
    pub fn method_not_allowed(allow: &'static str) -> ApiError {
        ApiError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            message: format!("method not allowed; use {allow}"),
            allow: Some(allow),
            retry_after: None,
        }
    }

    /// A DynamoDB failure the client did not cause: logged in full, answered without detail.
    pub fn internal(error: &ferrodyn::Error) -> ApiError {
        if error.is_retryable() {
            tracing::warn!(%error, "DynamoDB request failed; the client may retry");
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily unavailable, retry",
            );
        }
        tracing::error!(%error, "DynamoDB request failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }
}
