//! The `Idempotency-Key` header of `POST /customers/{id}/orders`: a client that retries a
//! create (after a timeout, a dropped connection, a 503) sends the same key and gets the order
//! the first request created instead of a second one. Built on ferrodyn-idempotency's function
//! form, with records in Powertools' layout in their own table.
//!
//! - The record's key is the customer id and the header's value; its validation hash is over
//!   the request body **as parsed JSON** (Powertools' canonical form: keys sorted, no
//!   insignificant whitespace), so a retry may re-encode the body but not change it.
//! - The stored response is the created order, replayed as the same 201 with the same body.
//! - A failed request (any 4xx or 5xx of the handler) deletes its record: the retry runs again.
//! - The same key with another body is a 422; a key whose first request is still running a
//!   409 with `Retry-After: 1` (a create takes milliseconds; the function's timeout bounds it).
//! - Records expire after ferrodyn-idempotency's default hour (DynamoDB's TTL on `expiration`);
//!   a key reused after that creates a new order.

use ferrodyn::Db;
use ferrodyn_idempotency::{ConfigError, Idempotency, IdempotencyError, PersistenceErrorKind};
use lambda_http::http::StatusCode;
use lambda_http::{Request, RequestExt};
use serde_json::json;

use crate::error::ApiError;
use crate::routes::{self, Outcome};

/// The request header (HTTP header names are case-insensitive; `http` keeps them lower-case).
pub const HEADER: &str = "idempotency-key";
/// The longest key, in bytes (each one a visible ASCII character).
pub const MAX_KEY_BYTES: usize = 255;
/// The variable that names the physical table of the records; without it the header is refused.
pub const TABLE_ENV: &str = "IDEMPOTENCY_TABLE";
/// The logical name of that table (mapped to the physical one in `main`).
pub const TABLE: &str = "idempotency";
/// The handler part of the record ids: `<function>.create_order#<md5 of the key>`.
pub const HANDLER: &str = "create_order";
/// `Retry-After` (seconds) of the 409 for a key whose first request is still running.
pub const RETRY_AFTER_SECS: u32 = 1;

/// The idempotency settings of `POST /customers/{id}/orders`, on the table [`TABLE`] maps to.
///
/// # Errors
/// None for these settings; [`ConfigError`] is what the builder returns.
pub fn create_order_idempotency(db: &Db) -> Result<Idempotency, ConfigError> {
    Idempotency::builder(db, TABLE)
        .event_key_path("[customer_id, idempotency_key]")
        .payload_validation_path("body")
        // The key is never empty (checked in `key`); were it, creating without it is wrong.
        .raise_on_no_idempotency_key(true)
        .build()
}

/// The `Idempotency-Key` header, if there is one: one value of 1 to [`MAX_KEY_BYTES`]
/// visible ASCII characters (`!` to `~`), else a 400 that does not repeat it.
fn key(request: &Request) -> Result<Option<&str>, ApiError> {
    let mut values = request.headers().get_all(HEADER).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ApiError::bad_request("send at most one Idempotency-Key header"));
    }
    let bytes = value.as_bytes();
    let visible = bytes.iter().all(|b| (0x21..=0x7e).contains(b));
    match std::str::from_utf8(bytes) {
        Ok(key) if visible && (1..=MAX_KEY_BYTES).contains(&key.len()) => Ok(Some(key)),
        _ => Err(ApiError::bad_request(format!(
            "Idempotency-Key must be 1 to {MAX_KEY_BYTES} visible ASCII characters"
        ))),
    }
}

/// `POST /customers/{id}/orders`, idempotent when the request has an `Idempotency-Key`.
pub(crate) async fn create_order(
    db: &Db,
    idempotency: Option<&Idempotency>,
    request: &Request,
    customer_id: &str,
) -> Outcome {
    let Some(key) = key(request)? else {
        return routes::create_order(db, request, customer_id).await;
    };
    // Ignoring the header would let a retry create a second order the client believes cannot be.
    let Some(idempotency) = idempotency else {
        return Err(ApiError::bad_request(
            "Idempotency-Key is not supported by this deployment: send the request without it",
        ));
    };
    // A body that is not JSON is refused before any record is written.
    let body = routes::parse_object(request)?;
    let payload = json!({ "customer_id": customer_id, "idempotency_key": key, "body": body });
    // The record is in progress until this invocation's deadline at most.
    let deadline = request.lambda_context_ref().map(|context| context.deadline());
    let created = idempotency
        .run(HANDLER, &payload, deadline, || {
            routes::create_order_from(db, &payload["body"], customer_id)
        })
        .await;
    match created {
        Ok(order) => Ok((StatusCode::CREATED, Some(order))),
        Err(error) => Err(api_error(error)),
    }
}

fn api_error(error: IdempotencyError<ApiError>) -> ApiError {
    match error {
        IdempotencyError::Handler(error) => error,
        IdempotencyError::Validation { .. } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "this Idempotency-Key was used with a different request body",
        ),
        IdempotencyError::AlreadyInProgress { .. } => ApiError::conflict(
            "a request with this Idempotency-Key is still in progress: retry once it has finished",
        )
        .with_retry_after(RETRY_AFTER_SECS),
        // Names the operation and `<function>.<handler>`, never the key or the body.
        IdempotencyError::Persistence(error)
            if matches!(
                error.kind(),
                PersistenceErrorKind::Throttled | PersistenceErrorKind::Transport
            ) =>
        {
            tracing::warn!(%error, "idempotency record request failed; the client may retry");
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable, retry")
        }
        IdempotencyError::Persistence(error) => {
            tracing::error!(%error, "idempotency record request failed");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
        other => {
            tracing::error!(error = other.powertools_name(), "idempotent create failed");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}
