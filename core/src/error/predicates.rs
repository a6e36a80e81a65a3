//! The predicates callers ask an [`Error`] (`is_condition_failed()`, `is_retryable()`, …) and
//! the accessors of what a failed batch or transaction left: one place that reads a kind, a code
//! or a transaction's cancellation reasons into an answer.

use super::{Error, ErrorKind};
use crate::operation::CancellationReason;

impl Error {
    /// A condition expression was false: `create` on an existing item, a failed `condition(..)`,
    /// or a stale version (which [`is_version_conflict`](Self::is_version_conflict) singles out).
    ///
    /// Also true for a canceled transaction when any action's reason is `ConditionalCheckFailed`
    /// (except an update of a missing item, which is [`is_not_found`](Self::is_not_found), as for
    /// a single update).
    pub fn is_condition_failed(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::ConditionFailed | ErrorKind::VersionConflict)
            || self.any_reason(|kind| {
                matches!(kind, ErrorKind::ConditionFailed | ErrorKind::VersionConflict)
            })
    }

    /// A write carried a stale `#[ferrodyn(version)]`: someone else wrote the item since it was
    /// read. Read it again and retry.
    pub fn is_version_conflict(&self) -> bool {
        self.inner.kind == ErrorKind::VersionConflict
            || self.any_reason(|kind| kind == ErrorKind::VersionConflict)
    }

    /// The item (for an update), table or index does not exist. Also true for a canceled
    /// transaction when an update action found no item.
    pub fn is_not_found(&self) -> bool {
        self.inner.kind == ErrorKind::NotFound
            || self.any_reason(|kind| kind == ErrorKind::NotFound)
    }

    /// DynamoDB canceled a transaction: see [`cancellation_reasons`](Self::cancellation_reasons).
    pub fn is_transaction_canceled(&self) -> bool {
        self.inner.kind == ErrorKind::TransactionCanceled
    }

    /// Another transaction holds an item involved: a `TransactionConflictException`, or a canceled
    /// transaction with a `TransactionConflict` reason.
    pub fn is_transaction_conflict(&self) -> bool {
        self.inner.kind == ErrorKind::TransactionConflict
            || self.any_reason(|kind| kind == ErrorKind::TransactionConflict)
    }

    /// Sending the same request again later may succeed: throttling, transport failures, DynamoDB
    /// internal errors, transaction conflicts, a transaction still in progress, and a canceled
    /// transaction whose only failures are conflicts or throttling, and any HTTP 5xx answer. A write that failed with a
    /// transport or internal error may have been applied: retry it only if it is idempotent (a
    /// condition, or a transaction with a client request token).
    pub fn is_retryable(&self) -> bool {
        match self.inner.kind {
            ErrorKind::Throttled
            | ErrorKind::Transport
            | ErrorKind::TransactionConflict
            | ErrorKind::TransactionInProgress => true,
            ErrorKind::Service => {
                self.inner.status.is_some_and(|s| s >= 500)
                    || matches!(self.code(), Some("InternalServerError" | "ServiceUnavailable"))
            }
            ErrorKind::TransactionCanceled => {
                self.inner.reasons.as_deref().is_some_and(|reasons| {
                    let mut failures =
                        reasons.iter().filter_map(CancellationReason::kind).peekable();
                    failures.peek().is_some()
                        && failures.all(|kind| {
                            matches!(kind, ErrorKind::TransactionConflict | ErrorKind::Throttled)
                        })
                })
            }
            _ => false,
        }
    }

    /// For a canceled transaction, one reason per action in request order (DynamoDB's `None` code
    /// for the actions that did not fail).
    pub fn cancellation_reasons(&self) -> Option<&[CancellationReason]> {
        self.inner.reasons.as_deref()
    }

    /// For a canceled transaction, the first action that failed.
    pub fn failed_action(&self) -> Option<&CancellationReason> {
        self.inner.reasons.as_deref()?.iter().find(|r| r.kind().is_some())
    }

    /// The index of the transaction action the error is about, when it is about one.
    pub fn action_index(&self) -> Option<usize> {
        self.inner.action
    }

    fn any_reason(&self, f: impl Fn(ErrorKind) -> bool) -> bool {
        self.inner.reasons.iter().flatten().filter_map(CancellationReason::kind).any(f)
    }

    /// A create, put or update was refused because a `unique = "..."` field's value is held by
    /// another item of the model; the message names the model, key and field, never the value.
    pub fn is_unique_violation(&self) -> bool {
        self.inner.kind == ErrorKind::UniqueViolation
    }

    /// A tenant handle refused a key or item of another tenant, a scan, or being used inside the
    /// scope of another tenant; nothing was sent.
    pub fn is_tenant_violation(&self) -> bool {
        self.inner.kind == ErrorKind::TenantViolation
    }

    /// A live table differs from its models in a way ensuring it cannot change in place; the
    /// message names the table and index, [`attribute_path`](Self::attribute_path) the attribute.
    pub fn is_schema_mismatch(&self) -> bool {
        self.inner.kind == ErrorKind::SchemaMismatch
    }

    /// DynamoDB throttled the request and retries were exhausted.
    pub fn is_throttled(&self) -> bool {
        self.inner.kind == ErrorKind::Throttled
    }

    /// The request broke a DynamoDB rule: found locally, or reported by DynamoDB.
    pub fn is_validation(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Validation | ErrorKind::ServiceValidation)
    }

    /// The request was rejected locally, before anything was sent.
    pub fn is_local_validation(&self) -> bool {
        self.inner.kind == ErrorKind::Validation
    }

    /// An item could not be converted to or from its model.
    pub fn is_conversion(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::WrongType
                | ErrorKind::MissingAttribute
                | ErrorKind::NumberOutOfRange
                | ErrorKind::WrongEntity
                | ErrorKind::InvalidValue
        )
    }

    /// A batch gave up on some items or keys after its retries ([`ErrorKind::Unprocessed`]).
    pub fn is_unprocessed(&self) -> bool {
        self.inner.kind == ErrorKind::Unprocessed
    }

    /// What a batch left undone, whatever the kind of error: after its retries, or when a
    /// request failed (that request's entries and the chunks not sent yet).
    pub fn unprocessed(&self) -> Option<&crate::operation::Unprocessed> {
        self.inner.unprocessed.as_deref()
    }

    /// What a batch left undone, owned (to resend it).
    pub fn into_unprocessed(self) -> Option<crate::operation::Unprocessed> {
        self.inner.unprocessed.map(|u| *u)
    }

    /// The request did not reach DynamoDB or got no response; it may be retried.
    pub fn is_transport(&self) -> bool {
        self.inner.kind == ErrorKind::Transport
    }
}
