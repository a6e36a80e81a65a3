//! The error of ferrodyn-lambda's set-up: a variable of the Lambda environment that is missing or
//! malformed. It names the variable and says what is wrong, never the value (the value may be a
//! secret key or a session token).

use std::fmt;

/// What is wrong with the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A variable that the configuration needs is not set (or is empty).
    MissingVariable,
    /// A variable is set to a value that cannot be used.
    InvalidVariable,
}

/// A missing or malformed variable of the Lambda environment.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    inner: Box<ErrorImpl>,
}

#[derive(Clone, PartialEq, Eq)]
struct ErrorImpl {
    kind: ErrorKind,
    variable: String,
    reason: String,
}

impl Error {
    pub(crate) fn missing(variable: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::new(ErrorKind::MissingVariable, variable, reason)
    }

    pub(crate) fn invalid(variable: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidVariable, variable, reason)
    }

    fn new(kind: ErrorKind, variable: impl Into<String>, reason: impl Into<String>) -> Self {
        Error {
            inner: Box::new(ErrorImpl { kind, variable: variable.into(), reason: reason.into() }),
        }
    }

    /// Whether the variable is missing or malformed.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The name of the variable at fault (`AWS_REGION`, `AWS_SECRET_ACCESS_KEY`, …).
    pub fn variable(&self) -> &str {
        &self.inner.variable
    }

    /// A variable that the configuration needs is not set.
    pub fn is_missing(&self) -> bool {
        self.inner.kind == ErrorKind::MissingVariable
    }

    /// A variable is set to a value that cannot be used.
    pub fn is_invalid(&self) -> bool {
        self.inner.kind == ErrorKind::InvalidVariable
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.inner.kind {
            ErrorKind::MissingVariable => "is not set",
            ErrorKind::InvalidVariable => "is invalid",
        };
        write!(f, "Lambda environment: {} {what}: {}", self.inner.variable, self.inner.reason)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("variable", &self.inner.variable)
            .field("reason", &self.inner.reason)
            .finish()
    }
}

impl std::error::Error for Error {}

/// The result of ferrodyn-lambda's set-up.
pub type Result<T, E = Error> = std::result::Result<T, E>;
