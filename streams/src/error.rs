//! The crate's error: one opaque type with a [`ErrorKind`] and predicates, naming the record
//! (event id, sequence number) and the model, never attribute values.

use std::fmt;

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The event is not a DynamoDB stream event (malformed JSON, `Records` missing or not a list).
    InvalidEvent,
    /// A record has no sequence number, so a failure cannot be reported for it alone: the whole
    /// batch fails and Lambda retries it.
    MissingSequenceNumber,
    /// A record is malformed (no `dynamodb` part, no keys, unknown `eventName`).
    InvalidRecord,
    /// An image does not decode into the model (wrong type, missing attribute, bad number).
    Decode,
    /// Code asked for an image that the record does not carry: the stream view type leaves it
    /// out (`KEYS_ONLY`, `NEW_IMAGE`, `OLD_IMAGE`), or the change has none (the old image of an
    /// INSERT, the new image of a REMOVE).
    MissingImage,
}

/// An error decoding a stream event or record.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    /// For [`ErrorKind::Decode`]: the model's own decoding error, as `Db::get` would give it.
    decode: Option<ferrodyn::Error>,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { inner: Box::new(Inner { kind, message: message.into(), decode: None }) }
    }

    pub(crate) fn with_decode(mut self, error: ferrodyn::Error) -> Self {
        self.inner.decode = Some(error);
        self
    }

    /// For an image that failed to decode, the model's decoding error: the same error, naming
    /// the same attribute ([`ferrodyn::Error::attribute_path`]), as `Db::get` gives for the item.
    pub fn decode_error(&self) -> Option<&ferrodyn::Error> {
        self.inner.decode.as_ref()
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// Whether an image failed to decode into the model.
    pub fn is_decode(&self) -> bool {
        self.inner.kind == ErrorKind::Decode
    }

    /// Whether code asked for an image the record does not carry.
    pub fn is_missing_image(&self) -> bool {
        self.inner.kind == ErrorKind::MissingImage
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("message", &self.inner.message)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.decode.as_ref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}
