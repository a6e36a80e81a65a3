//! The one error type of ferrodyn: a boxed, opaque value with a [`ErrorKind`] and predicates.
//!
//! Messages name the operation, the model, the key and the attribute path involved, never item
//! contents or credentials. Callers ask `err.is_condition_failed()` or `err.kind()`; they never match
//! SDK internals.

use std::fmt;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use crate::operation::CancellationReason;

mod predicates;
mod shared;

/// What went wrong, in broad strokes. More kinds may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An attribute has the wrong DynamoDB type for the Rust field.
    WrongType,
    /// A required attribute is missing from the item.
    MissingAttribute,
    /// A number does not fit the Rust type, or is not a valid DynamoDB number.
    NumberOutOfRange,
    /// An item's entity attribute names a different model.
    WrongEntity,
    /// Any other value that cannot be decoded (a string that is not a timestamp, an unknown enum
    /// variant, a serde error on a field that falls back to serde_dynamo).
    InvalidValue,
    /// A DynamoDB limit or rule was broken, or a model's validator refused the value
    /// ([`Model::validate`](crate::Model::validate)); found before any request was sent.
    Validation,
    /// DynamoDB rejected the request as invalid (`ValidationException`).
    ServiceValidation,
    /// A condition expression evaluated to false (`ConditionalCheckFailedException`).
    ConditionFailed,
    /// A write carried a stale version (optimistic locking): the stored item changed since it
    /// was read, or is gone.
    VersionConflict,
    /// The item, table or index does not exist.
    NotFound,
    /// DynamoDB throttled the request and the SDK's retries gave up.
    Throttled,
    /// The request never got a response: connection, timeout, dispatch failure.
    Transport,
    /// Credentials or permissions were refused.
    AccessDenied,
    /// Another error reported by DynamoDB.
    Service,
    /// A batch left items or keys unprocessed after its retries; see [`Error::unprocessed`].
    Unprocessed,
    /// DynamoDB canceled a whole transaction; [`Error::cancellation_reasons`] says why, per action.
    TransactionCanceled,
    /// The item is part of another transaction in progress (`TransactionConflictException`).
    TransactionConflict,
    /// A transaction with the same client request token is still in progress
    /// (`TransactionInProgressException`, after the SDK's retries).
    TransactionInProgress,
    /// A client request token was reused for a different transaction within ten minutes
    /// (`IdempotentParameterMismatchException`).
    IdempotentParameterMismatch,
    /// A write would give a `unique = "..."` field a value another item of the model holds.
    UniqueViolation,
    /// A tenant handle was given a key or item of another tenant, asked for a scan, or used
    /// inside the scope of another tenant (see [`ferrodyn::tenant`](crate::tenant)); found
    /// before any request was sent.
    TenantViolation,
    /// A live table differs from its models in a way that cannot be changed in place (a key
    /// schema, a key attribute's type, a projection, a TTL attribute, a stream view type).
    SchemaMismatch,
    /// Another runner holds a migration set's lease: it was not released or did not expire
    /// within the wait allowed, or it expired and was taken over while this runner worked.
    LeaseHeld,
    /// A backfill was stopped by its progress callback; a rerun resumes it from its checkpoint.
    Stopped,
}

/// The ferrodyn error: small (one pointer) so that results stay cheap to return.
pub struct Error {
    inner: Box<ErrorImpl>,
}

struct ErrorImpl {
    kind: ErrorKind,
    message: String,
    path: Vec<PathSegment>,
    operation: Option<&'static str>,
    model: Option<&'static str>,
    key: Option<String>,
    code: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
    unprocessed: Option<Box<crate::operation::Unprocessed>>,
    /// The index of the transaction action the error is about.
    action: Option<usize>,
    /// Per-action reasons of a canceled transaction.
    reasons: Option<Vec<CancellationReason>>,
    /// The HTTP status of a service error.
    status: Option<u16>,
}

#[derive(Debug)]
enum PathSegment {
    Attribute(String),
    Index(usize),
}

impl Error {
    /// An error of `kind` with a message that must not contain item contents.
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(ErrorImpl {
                kind,
                message: message.into(),
                path: Vec::new(),
                operation: None,
                model: None,
                key: None,
                code: None,
                source: None,
                unprocessed: None,
                action: None,
                reasons: None,
                status: None,
            }),
        }
    }

    /// A local validation error: a DynamoDB limit broken before any request.
    pub(crate) fn validation(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Validation, message)
    }

    /// An attribute of DynamoDB type `found` where `expected` was wanted.
    pub(crate) fn wrong_type(
        expected: &str,
        found: &aws_sdk_dynamodb::types::AttributeValue,
    ) -> Self {
        Error::new(
            ErrorKind::WrongType,
            format!("expected {expected}, found {}", crate::value::type_name(found)),
        )
    }

    /// A value of DynamoDB type `found` where `expected` was wanted.
    #[doc(hidden)]
    pub fn wrong_tag(expected: &str, found: crate::value::Tag) -> Self {
        Error::new(ErrorKind::WrongType, format!("expected {expected}, found {found}"))
    }

    /// A number that does not fit `rust_type`, or is no DynamoDB number.
    #[doc(hidden)]
    pub fn out_of_range(rust_type: &str) -> Self {
        Error::new(ErrorKind::NumberOutOfRange, format!("number does not fit {rust_type}"))
    }

    /// An error of `kind` with `message`, for value sources outside this crate (stream JSON).
    /// The message must not hold item contents.
    #[doc(hidden)]
    pub fn decode(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error::new(kind, message)
    }

    /// A required attribute is missing.
    #[doc(hidden)]
    pub fn missing_attribute(attribute: &str) -> Self {
        Error::new(ErrorKind::MissingAttribute, "missing required attribute").at(attribute)
    }

    /// A value that cannot be decoded; `what` describes what was expected.
    #[doc(hidden)]
    pub fn invalid_value(what: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidValue, what)
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// Prefixes the attribute path with an attribute name (used while unwinding nested decoding).
    #[doc(hidden)]
    #[must_use]
    pub fn at(mut self, attribute: &str) -> Self {
        self.inner.path.insert(0, PathSegment::Attribute(attribute.to_owned()));
        self
    }

    /// Prefixes the attribute path with a list index.
    #[doc(hidden)]
    #[must_use]
    pub fn at_index(mut self, index: usize) -> Self {
        self.inner.path.insert(0, PathSegment::Index(index));
        self
    }

    /// Records the operation, model and key the error belongs to.
    #[must_use]
    pub(crate) fn context(
        mut self,
        operation: &'static str,
        model: &'static str,
        key: Option<String>,
    ) -> Self {
        let inner = &mut *self.inner;
        inner.operation.get_or_insert(operation);
        inner.model.get_or_insert(model);
        if inner.key.is_none() {
            inner.key = key;
        }
        self
    }

    /// Records the operation of an error that belongs to no single model (a batch, a whole
    /// transaction).
    #[must_use]
    pub(crate) fn with_operation(mut self, operation: &'static str) -> Self {
        self.inner.operation.get_or_insert(operation);
        self
    }

    /// Attaches what a batch left undone.
    #[must_use]
    pub(crate) fn with_unprocessed(mut self, unprocessed: crate::operation::Unprocessed) -> Self {
        self.inner.unprocessed = Some(Box::new(unprocessed));
        self
    }

    /// Marks the error as belonging to action `index` of a transaction.
    #[must_use]
    pub(crate) fn in_action(mut self, index: usize) -> Self {
        self.inner.action = Some(index);
        self
    }

    /// Turns the error into a canceled transaction with its per-action reasons.
    #[must_use]
    pub(crate) fn canceled(mut self, message: String, reasons: Vec<CancellationReason>) -> Self {
        self.inner.kind = ErrorKind::TransactionCanceled;
        self.inner.message = message;
        self.inner.reasons = Some(reasons);
        self
    }

    /// Maps an SDK error to a ferrodyn error, keeping DynamoDB's error code.
    pub(crate) fn from_sdk<E, R>(err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        match &err {
            SdkError::ServiceError(service) => {
                let code = service.err().code().map(str::to_owned);
                let message = service.err().message().unwrap_or("").to_owned();
                let kind = code.as_deref().map_or(ErrorKind::Service, kind_of_code);
                let status = (service.raw() as &dyn std::any::Any)
                    .downcast_ref::<aws_smithy_runtime_api::http::Response>()
                    .map(|r| r.status().as_u16());
                let text = match (&code, status) {
                    (Some(code), _) if message.is_empty() => code.clone(),
                    (Some(code), _) => format!("{code}: {message}"),
                    (None, Some(status)) => format!("service error (HTTP {status})"),
                    (None, None) => "service error".to_owned(),
                };
                let mut error = Error::new(kind, text);
                error.inner.code = code;
                error.inner.status = status;
                error.with_source(err)
            }
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => {
                let text = if matches!(err, SdkError::TimeoutError(_)) {
                    "request timed out"
                } else {
                    "request could not be sent"
                };
                Error::new(ErrorKind::Transport, text).with_source(err)
            }
            SdkError::ResponseError(_) => {
                Error::new(ErrorKind::Transport, "response could not be read").with_source(err)
            }
            SdkError::ConstructionFailure(_) => {
                Error::new(ErrorKind::Validation, "request could not be built").with_source(err)
            }
            _ => Error::new(ErrorKind::Service, "unexpected SDK error").with_source(err),
        }
    }

    /// The broad kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// DynamoDB's error code (`ConditionalCheckFailedException`, …) when the service answered.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The operation that failed (`PutItem`, `UpdateItem`, …), when known.
    pub fn operation(&self) -> Option<&'static str> {
        self.inner.operation
    }

    /// The Rust model involved, when known.
    pub fn model(&self) -> Option<&'static str> {
        self.inner.model
    }

    /// The attribute path the error is about (`lines[2].qty`), empty when none.
    pub fn attribute_path(&self) -> String {
        let mut out = String::new();
        for segment in &self.inner.path {
            match segment {
                PathSegment::Attribute(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                PathSegment::Index(index) => {
                    out.push('[');
                    out.push_str(itoa::Buffer::new().format(*index));
                    out.push(']');
                }
            }
        }
        out
    }
}

fn kind_of_code(code: &str) -> ErrorKind {
    match code {
        "ConditionalCheckFailedException" => ErrorKind::ConditionFailed,
        "ResourceNotFoundException" => ErrorKind::NotFound,
        "ThrottlingException"
        | "ProvisionedThroughputExceededException"
        | "RequestLimitExceeded" => ErrorKind::Throttled,
        "ValidationException" => ErrorKind::ServiceValidation,
        "AccessDeniedException"
        | "UnrecognizedClientException"
        | "MissingAuthenticationTokenException"
        | "InvalidSignatureException" => ErrorKind::AccessDenied,
        "TransactionCanceledException" => ErrorKind::TransactionCanceled,
        "TransactionConflictException" => ErrorKind::TransactionConflict,
        "TransactionInProgressException" => ErrorKind::TransactionInProgress,
        "IdempotentParameterMismatchException" => ErrorKind::IdempotentParameterMismatch,
        _ => ErrorKind::Service,
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        if let Some(action) = inner.action {
            write!(f, "transaction action {action}: ")?;
        }
        if let Some(operation) = inner.operation {
            f.write_str(operation)?;
            if let Some(model) = inner.model {
                write!(f, " {model}")?;
            }
            if let Some(key) = &inner.key {
                write!(f, " {key}")?;
            }
            f.write_str(": ")?;
        } else if let Some(model) = inner.model {
            write!(f, "{model}: ")?;
        }
        if !inner.path.is_empty() {
            write!(f, "attribute `{}`: ", self.attribute_path())?;
        }
        f.write_str(&inner.message)?;
        match inner.unprocessed.as_deref() {
            Some(u) if !u.is_empty() && inner.kind != ErrorKind::Unprocessed => {
                write!(f, " ({} left unprocessed)", u.len())
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("message", &self.to_string())
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source.as_deref().map(|e| e as _)
    }
}

/// `Result<T, ferrodyn::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::error::ErrorMetadata;
    use aws_sdk_dynamodb::operation::get_item::GetItemError;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;

    /// A service error as the SDK returns it after its own retries gave up.
    fn service_error(code: &str, status: u16) -> Error {
        let meta = ErrorMetadata::builder().code(code).message("from the service").build();
        let err = GetItemError::generic(meta);
        let response = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
        Error::from_sdk(SdkError::service_error(err, response)).context(
            "GetItem",
            "Order",
            Some("pk=CUSTOMER#1".into()),
        )
    }

    #[test]
    fn service_codes_map_to_kinds_and_predicates() {
        let throttled = service_error("ProvisionedThroughputExceededException", 400);
        assert!(throttled.is_throttled());
        assert_eq!(throttled.code(), Some("ProvisionedThroughputExceededException"));
        assert!(service_error("ThrottlingException", 400).is_throttled());
        assert!(service_error("RequestLimitExceeded", 400).is_throttled());
        assert!(service_error("ConditionalCheckFailedException", 400).is_condition_failed());
        assert!(service_error("ResourceNotFoundException", 400).is_not_found());
        let validation = service_error("ValidationException", 400);
        assert!(validation.is_validation() && !validation.is_local_validation());
        assert_eq!(service_error("AccessDeniedException", 400).kind(), ErrorKind::AccessDenied);
        assert_eq!(service_error("InternalServerError", 500).kind(), ErrorKind::Service);
    }

    #[test]
    fn messages_name_operation_model_key_and_path() {
        let err = service_error("ConditionalCheckFailedException", 400);
        assert_eq!(
            err.to_string(),
            "GetItem Order pk=CUSTOMER#1: ConditionalCheckFailedException: from the service"
        );
        let err =
            Error::wrong_type("N (i64)", &aws_sdk_dynamodb::types::AttributeValue::S("x".into()))
                .at_index(2)
                .at("lines")
                .context("GetItem", "Order", None);
        assert_eq!(err.attribute_path(), "lines[2]");
        assert_eq!(
            err.to_string(),
            "GetItem Order: attribute `lines[2]`: expected N (i64), found S"
        );
    }

    #[test]
    fn transaction_codes_map_to_kinds_and_retryability() {
        let conflict = service_error("TransactionConflictException", 400);
        assert!(conflict.is_transaction_conflict() && conflict.is_retryable());
        let in_progress = service_error("TransactionInProgressException", 400);
        assert_eq!(in_progress.kind(), ErrorKind::TransactionInProgress);
        assert!(in_progress.is_retryable());
        let mismatch = service_error("IdempotentParameterMismatchException", 400);
        assert_eq!(mismatch.kind(), ErrorKind::IdempotentParameterMismatch);
        assert!(!mismatch.is_retryable());
        assert!(service_error("InternalServerError", 500).is_retryable());
        assert!(service_error("SomethingElse", 503).is_retryable());
        assert!(!service_error("SomethingElse", 400).is_retryable());
        assert!(service_error("ThrottlingException", 400).is_retryable());
        assert!(!service_error("ConditionalCheckFailedException", 400).is_retryable());
        assert!(!service_error("ValidationException", 400).is_retryable());
    }

    #[test]
    fn error_is_one_pointer() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
