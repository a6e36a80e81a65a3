//! What an idempotent invocation can fail with: [`IdempotencyError`], the handler's own error
//! among them, and [`PersistenceError`] for the DynamoDB requests. Messages name the operation and
//! the record's function and handler (`<function>.<handler>`), never the event, the key's value or
//! the stored response.

use std::error::Error as StdError;
use std::fmt;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

/// Why an idempotent invocation did not return the handler's response.
#[non_exhaustive]
pub enum IdempotencyError<E> {
    /// Another invocation holds the key (its record is `INPROGRESS` and its in-progress expiry
    /// has not passed). Returned to Lambda, this fails the invocation, and Lambda's retry comes
    /// back once the other one has finished. Powertools' `IdempotencyAlreadyInProgressError`.
    AlreadyInProgress {
        /// The record's `<function>.<handler>`.
        function: String,
    },
    /// Payload validation is on and this payload's hash differs from the one the record was made
    /// with: the same key was used for a different request. The handler did not run.
    /// Powertools' `IdempotencyValidationError`.
    Validation {
        /// The record's `<function>.<handler>`.
        function: String,
    },
    /// The key path selected nothing and `raise_on_no_idempotency_key` is on. The handler did not
    /// run. Powertools' `IdempotencyKeyError`.
    MissingKey {
        /// The record's `<function>.<handler>`.
        function: String,
        /// The key path, if the key is selected by one.
        path: Option<String>,
    },
    /// A DynamoDB request on the record failed, or the record could not be read.
    Persistence(PersistenceError),
    /// The handler's own error; its record was deleted, so a retry runs the handler again.
    Handler(E),
}

impl<E> IdempotencyError<E> {
    /// Whether another invocation holds the key.
    pub fn is_already_in_progress(&self) -> bool {
        matches!(self, IdempotencyError::AlreadyInProgress { .. })
    }

    /// Whether the payload did not match the stored record.
    pub fn is_validation(&self) -> bool {
        matches!(self, IdempotencyError::Validation { .. })
    }

    /// The handler's error, if that is what this is.
    pub fn handler_error(&self) -> Option<&E> {
        match self {
            IdempotencyError::Handler(e) => Some(e),
            _ => None,
        }
    }

    /// The handler's error, if that is what this is.
    pub fn into_handler_error(self) -> Option<E> {
        match self {
            IdempotencyError::Handler(e) => Some(e),
            _ => None,
        }
    }

    /// The persistence error, if that is what this is.
    pub fn persistence_error(&self) -> Option<&PersistenceError> {
        match self {
            IdempotencyError::Persistence(e) => Some(e),
            _ => None,
        }
    }

    /// The name Powertools gives this error (`IdempotencyAlreadyInProgressError`, …); `None` for
    /// the handler's own error. Used as the `errorType` Lambda reports.
    pub fn powertools_name(&self) -> Option<&'static str> {
        match self {
            IdempotencyError::AlreadyInProgress { .. } => Some("IdempotencyAlreadyInProgressError"),
            IdempotencyError::Validation { .. } => Some("IdempotencyValidationError"),
            IdempotencyError::MissingKey { .. } => Some("IdempotencyKeyError"),
            IdempotencyError::Persistence(_) => Some("IdempotencyPersistenceLayerError"),
            IdempotencyError::Handler(_) => None,
        }
    }
}

impl<E: fmt::Display> fmt::Display for IdempotencyError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdempotencyError::AlreadyInProgress { function } => write!(
                f,
                "idempotency: an invocation of {function} with the same idempotency key is already in progress"
            ),
            IdempotencyError::Validation { function } => write!(
                f,
                "idempotency: the payload does not match the one stored under this idempotency key of {function}"
            ),
            IdempotencyError::MissingKey { function, path: Some(path) } => write!(
                f,
                "idempotency: the event of {function} has no idempotency key at `{path}`"
            ),
            IdempotencyError::MissingKey { function, path: None } => {
                write!(f, "idempotency: the event of {function} has no idempotency key")
            }
            IdempotencyError::Persistence(e) => e.fmt(f),
            IdempotencyError::Handler(e) => e.fmt(f),
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for IdempotencyError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdempotencyError::AlreadyInProgress { function } => {
                f.debug_struct("AlreadyInProgress").field("function", function).finish()
            }
            IdempotencyError::Validation { function } => {
                f.debug_struct("Validation").field("function", function).finish()
            }
            IdempotencyError::MissingKey { function, path } => f
                .debug_struct("MissingKey")
                .field("function", function)
                .field("path", path)
                .finish(),
            IdempotencyError::Persistence(e) => f.debug_tuple("Persistence").field(e).finish(),
            IdempotencyError::Handler(e) => f.debug_tuple("Handler").field(e).finish(),
        }
    }
}

impl<E: StdError + 'static> StdError for IdempotencyError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            IdempotencyError::Persistence(e) => Some(e),
            IdempotencyError::Handler(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(feature = "layer")]
impl<E: Into<lambda_runtime::Diagnostic>> From<IdempotencyError<E>> for lambda_runtime::Diagnostic
where
    IdempotencyError<E>: fmt::Display,
{
    fn from(error: IdempotencyError<E>) -> Self {
        match error.powertools_name() {
            Some(name) => lambda_runtime::Diagnostic {
                error_type: name.to_owned(),
                error_message: error.to_string(),
            },
            None => match error {
                IdempotencyError::Handler(e) => e.into(),
                // Every other variant has a name.
                other => lambda_runtime::Diagnostic {
                    error_type: "IdempotencyError".to_owned(),
                    error_message: other.to_string(),
                },
            },
        }
    }
}

/// What kind of failure a [`PersistenceError`] is.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersistenceErrorKind {
    /// DynamoDB throttled the request beyond the SDK's retries.
    Throttled,
    /// DynamoDB answered with another error (a 5xx beyond the retries, a validation error, a
    /// missing table, denied access).
    Service,
    /// The request could not be sent or its response read (timeout, connection).
    Transport,
    /// The stored record is not a record of this layout (an unknown status, a number that is not
    /// one), or its stored response does not decode as the handler's response type.
    InvalidRecord,
    /// The event could not be turned into JSON to select the key.
    Encoding,
    /// The request would break one of DynamoDB's limits (a record id longer than a key value
    /// may be); nothing was sent.
    Limit,
}

/// A failed DynamoDB request on an idempotency record, or a record that cannot be read.
pub struct PersistenceError {
    operation: &'static str,
    function: String,
    kind: PersistenceErrorKind,
    code: Option<String>,
    message: String,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl PersistenceError {
    pub(crate) fn new(
        operation: &'static str,
        function: &str,
        kind: PersistenceErrorKind,
        message: impl Into<String>,
    ) -> Self {
        PersistenceError {
            operation,
            function: function.to_owned(),
            kind,
            code: None,
            message: message.into(),
            source: None,
        }
    }

    /// From an SDK error. Never called with a failed condition's error, whose `Item` holds the
    /// stored record.
    pub(crate) fn from_sdk<E, R>(
        operation: &'static str,
        function: &str,
        err: SdkError<E, R>,
    ) -> Self
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        let (kind, code, message) = match &err {
            SdkError::ServiceError(service) => {
                let code = service.err().code().map(str::to_owned);
                let kind = match code.as_deref() {
                    Some(
                        "ThrottlingException"
                        | "ProvisionedThroughputExceededException"
                        | "RequestLimitExceeded",
                    ) => PersistenceErrorKind::Throttled,
                    _ => PersistenceErrorKind::Service,
                };
                let message = match (&code, service.err().message()) {
                    (Some(code), Some(message)) if !message.is_empty() => {
                        format!("{code}: {message}")
                    }
                    (Some(code), _) => code.clone(),
                    (None, _) => "service error".to_owned(),
                };
                (kind, code, message)
            }
            SdkError::TimeoutError(_) => {
                (PersistenceErrorKind::Transport, None, "request timed out".to_owned())
            }
            SdkError::DispatchFailure(_) => {
                (PersistenceErrorKind::Transport, None, "request could not be sent".to_owned())
            }
            SdkError::ResponseError(_) => {
                (PersistenceErrorKind::Transport, None, "response could not be read".to_owned())
            }
            _ => (PersistenceErrorKind::Service, None, "request could not be built".to_owned()),
        };
        PersistenceError {
            operation,
            function: function.to_owned(),
            kind,
            code,
            message,
            source: Some(Box::new(err)),
        }
    }

    /// The DynamoDB operation (`PutItem`, `UpdateItem`, `DeleteItem`), or what was being done
    /// (`read record`, `encode event`).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The record's `<function>.<handler>`.
    pub fn function(&self) -> &str {
        &self.function
    }

    /// The kind of failure.
    pub fn kind(&self) -> PersistenceErrorKind {
        self.kind
    }

    /// DynamoDB's error code, when the service answered.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// Whether DynamoDB throttled the request beyond the SDK's retries.
    pub fn is_throttled(&self) -> bool {
        self.kind == PersistenceErrorKind::Throttled
    }
}

impl fmt::Display for PersistenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "idempotency: {} on the record of {} failed: {}",
            self.operation, self.function, self.message
        )
    }
}

// By hand: the SDK error inside may carry a raw response, which is not ours to print.
impl fmt::Debug for PersistenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PersistenceError")
            .field("operation", &self.operation)
            .field("function", &self.function)
            .field("kind", &self.kind)
            .field("code", &self.code)
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

impl StdError for PersistenceError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn StdError + 'static))
    }
}
