//! Operations: single items (GetItem, PutItem for put and create, UpdateItem, DeleteItem),
//! batches of them (BatchGetItem, BatchWriteItem), transactions, and reads of many items (Query,
//! Scan).
//!
//! Each builder validates everything it can before sending (keys, item limits, expression limits),
//! and its errors carry the operation, the model and the key. Builders are also futures
//! (`db.put(&order).await`), the same as calling `.send()`.

mod batch;
mod batch_get;
mod batch_write;
mod delete;
mod get;
mod put;
mod query;
mod read;
mod scan;
mod transaction;
mod unique;
mod update;

pub use batch::{RetryPolicy, Unprocessed, UnprocessedKey, UnprocessedWrite, WriteKind};
pub use batch_get::{BatchGet, BatchGetOutput};
pub use batch_write::BatchWrite;
pub use delete::DeleteItem;
pub use get::GetItem;
pub use put::PutItem;
pub use query::Query;
pub use read::{Count, Page};
pub use scan::{ParallelScan, Scan};
pub use transaction::{
    CancellationReason, ConditionCheck, TransactGet, TransactGetOutput, Transaction,
    MAX_CLIENT_REQUEST_TOKEN_CHARS, MAX_TRANSACTION_ACTIONS, MAX_TRANSACTION_BYTES,
};
pub use unique::{GUARD_ENTITY, MAX_UNIQUE_ATTEMPTS, UNIQUE_OWNER_ATTRIBUTE};
pub use update::UpdateItem;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, ErrorKind, Result};
use crate::expression::{Condition, Placeholders};
use crate::managed::ExpectedVersion;
use crate::validate;
use crate::value::Item;

/// A validated single-item write with its expressions rendered: what `send` turns into an SDK
/// request, and what a transaction turns into one of its actions.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) operation: &'static str,
    pub(crate) model: &'static str,
    /// The physical table name.
    pub(crate) table: String,
    /// The whole item for a put, the key otherwise.
    pub(crate) item: Item,
    /// The key, for error messages.
    pub(crate) key_text: String,
    pub(crate) update: Option<String>,
    pub(crate) condition: Option<String>,
    pub(crate) names: Option<HashMap<String, String>>,
    pub(crate) values: Option<HashMap<String, AttributeValue>>,
    /// An update that must not create the item (a failed existence check is "not found").
    pub(crate) must_exist: bool,
    /// The version the stored item must have (optimistic locking).
    pub(crate) expected_version: Option<ExpectedVersion>,
}

impl Prepared {
    /// Adds the operation, model and key to an error.
    pub(crate) fn error(&self, e: Error) -> Error {
        e.context(self.operation, self.model, Some(self.key_text.clone()))
    }

    /// Whether DynamoDB should return the stored item when the condition fails, to tell a
    /// missing item or a stale version from another failed condition.
    pub(crate) fn wants_item_on_failure(&self) -> bool {
        self.must_exist || self.expected_version.is_some()
    }

    /// The error for a failed condition, given the item DynamoDB returned with it.
    pub(crate) fn condition_failed(&self, stored: Option<&Item>, error: Error) -> Error {
        let error = if self.must_exist && no_item(stored) {
            Error::new(ErrorKind::NotFound, "item does not exist")
        } else if self.expected_version.is_some_and(|v| v.is_stale(stored)) {
            Error::new(
                ErrorKind::VersionConflict,
                "version conflict: the item was changed or deleted since it was read",
            )
        } else {
            error
        };
        self.error(error)
    }
}

/// Maps an SDK error of a single-item write, singling out failed conditions.
macro_rules! write_error {
    ($prepared:expr, $err:expr, $error_type:ident) => {{
        use aws_sdk_dynamodb::error::SdkError;
        match $err {
            SdkError::ServiceError(service)
                if matches!(service.err(), $error_type::ConditionalCheckFailedException(_)) =>
            {
                let stored = match service.err() {
                    $error_type::ConditionalCheckFailedException(e) => e.item.clone(),
                    _ => None,
                };
                let raw = crate::Error::from_sdk(SdkError::ServiceError(service));
                $prepared.condition_failed(stored.as_ref(), raw)
            }
            other => $prepared.error(crate::Error::from_sdk(other)),
        }
    }};
}

pub(crate) use write_error;

/// Checks a condition's values and renders it with prefix `c`.
pub(crate) fn render_condition(
    condition: &Condition,
    placeholders: &mut Placeholders,
) -> Result<String> {
    for value in condition.values() {
        validate::check_value(value, 1)?;
    }
    if condition.largest_in() > validate::MAX_IN_VALUES {
        return Err(crate::Error::validation(format!(
            "an IN condition has more than DynamoDB's {} values",
            validate::MAX_IN_VALUES
        )));
    }
    let expression = condition.render('c', placeholders);
    validate::check_expression("condition", &expression, &placeholders.names)?;
    Ok(expression)
}

/// Implements `IntoFuture` by calling `send`.
macro_rules! into_future {
    ($builder:ident, $output:ty) => {
        impl<M: crate::Model + Send + 'static> std::future::IntoFuture for $builder<M> {
            type Output = crate::Result<$output>;
            type IntoFuture =
                std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;
            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}

pub(crate) use into_future;

/// Whether a value returned for a key is absent or empty (an empty map means no item).
pub(crate) fn no_item(item: Option<&std::collections::HashMap<String, AttributeValue>>) -> bool {
    item.is_none_or(|i| i.is_empty())
}
