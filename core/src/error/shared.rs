//! One error for several callers: a request that served many waiters (the loader's batches)
//! fails once, and each waiter gets its own [`Error`] with the same kind, code, status, message
//! and operation, sharing the source.

use std::fmt;
use std::sync::Arc;

use super::{Error, ErrorImpl, ErrorKind};

type Source = Arc<dyn std::error::Error + Send + Sync>;

/// The parts of an error that every copy repeats.
pub(crate) struct SharedError {
    kind: ErrorKind,
    message: String,
    operation: Option<&'static str>,
    code: Option<String>,
    status: Option<u16>,
    source: Option<Source>,
}

impl fmt::Debug for SharedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

/// The shared source of every copy: shows and chains as the original source.
struct SharedSource(Source);

impl fmt::Display for SharedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl fmt::Debug for SharedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::error::Error for SharedSource {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl Error {
    /// The error as a template for copies. Model, key, attribute path and leftovers are not kept:
    /// each copy gets its own.
    pub(crate) fn into_shared(self) -> SharedError {
        let ErrorImpl { kind, message, operation, code, status, source, .. } = *self.inner;
        SharedError { kind, message, operation, code, status, source: source.map(Source::from) }
    }
}

impl SharedError {
    /// A copy of the error.
    pub(crate) fn to_error(&self) -> Error {
        let mut error = Error::new(self.kind, self.message.clone());
        let inner = &mut *error.inner;
        inner.operation = self.operation;
        inner.code.clone_from(&self.code);
        inner.status = self.status;
        if let Some(source) = &self.source {
            inner.source = Some(Box::new(SharedSource(source.clone())));
        }
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_keep_kind_code_status_and_source() {
        let mut original = Error::new(ErrorKind::Throttled, "ThrottlingException: slow down")
            .with_source(std::io::Error::other("socket"))
            .with_operation("BatchGetItem");
        original.inner.code = Some("ThrottlingException".into());
        original.inner.status = Some(400);
        let shared = original.into_shared();
        for _ in 0..2 {
            let copy = shared.to_error().context("BatchGetItem", "Customer", Some("pk=C#1".into()));
            assert!(copy.is_throttled() && copy.is_retryable());
            assert_eq!(copy.code(), Some("ThrottlingException"));
            assert_eq!(
                copy.to_string(),
                "BatchGetItem Customer pk=C#1: ThrottlingException: slow down"
            );
            let source = std::error::Error::source(&copy).expect("a source");
            assert_eq!(source.to_string(), "socket");
        }
    }
}
