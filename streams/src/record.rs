//! Typed stream records: what changed ([`Change`]), about which item ([`Keys`]), and where it sits
//! in the stream ([`RecordInfo`]: event id, sequence number, creation time, TTL expiry, view).

use std::fmt;
use std::time::SystemTime;

use ferrodyn::meta::DeserializeEntity;
use ferrodyn::tenant::TenantFormat;

use crate::error::{Error, ErrorKind, Result};

mod keys;

pub(crate) use keys::Span;
pub use keys::{KeyValue, Keys};

/// The kind of change a record describes (`eventName`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// A new item was written.
    Insert,
    /// An existing item was changed.
    Modify,
    /// An item was deleted (by a request, or by TTL expiry).
    Remove,
}

impl ChangeKind {
    /// DynamoDB's name for it: `INSERT`, `MODIFY`, `REMOVE`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Insert => "INSERT",
            ChangeKind::Modify => "MODIFY",
            ChangeKind::Remove => "REMOVE",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "INSERT" => Some(ChangeKind::Insert),
            "MODIFY" => Some(ChangeKind::Modify),
            "REMOVE" => Some(ChangeKind::Remove),
            _ => None,
        }
    }
}

/// What a stream carries for each change (`StreamViewType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamView {
    /// Only the key attributes.
    KeysOnly,
    /// The item as it is after the change.
    NewImage,
    /// The item as it was before the change.
    OldImage,
    /// Both.
    NewAndOldImages,
}

impl StreamView {
    /// DynamoDB's name for it, e.g. `NEW_AND_OLD_IMAGES`.
    pub fn as_str(self) -> &'static str {
        match self {
            StreamView::KeysOnly => "KEYS_ONLY",
            StreamView::NewImage => "NEW_IMAGE",
            StreamView::OldImage => "OLD_IMAGE",
            StreamView::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "KEYS_ONLY" => Some(StreamView::KeysOnly),
            "NEW_IMAGE" => Some(StreamView::NewImage),
            "OLD_IMAGE" => Some(StreamView::OldImage),
            "NEW_AND_OLD_IMAGES" => Some(StreamView::NewAndOldImages),
            _ => None,
        }
    }

    /// Whether records of this view carry the new image.
    pub fn has_new_image(self) -> bool {
        matches!(self, StreamView::NewImage | StreamView::NewAndOldImages)
    }

    /// Whether records of this view carry the old image.
    pub fn has_old_image(self) -> bool {
        matches!(self, StreamView::OldImage | StreamView::NewAndOldImages)
    }
}

/// Where a record sits in the stream and what it is about; everything but the images.
#[derive(Clone)]
pub struct RecordInfo {
    /// The keys, whose buffer also holds the event id and sequence number.
    pub(crate) keys: Keys,
    event_id: Span,
    sequence_number: Span,
    pub(crate) kind: Option<ChangeKind>,
    pub(crate) approximate_creation_time: Option<SystemTime>,
    pub(crate) view: Option<StreamView>,
    pub(crate) ttl_expiry: bool,
}

/// What a [`RecordInfo`] is built from, besides its keys.
pub(crate) struct InfoParts<'a> {
    pub(crate) event_id: &'a str,
    pub(crate) sequence_number: &'a str,
    pub(crate) kind: Option<ChangeKind>,
    pub(crate) approximate_creation_time: Option<SystemTime>,
    pub(crate) view: Option<StreamView>,
    pub(crate) ttl_expiry: bool,
}

impl RecordInfo {
    /// The info of a record with `keys` (read into a buffer that is reused) and `parts`: the
    /// record's text gets one allocation of just its size.
    pub(crate) fn new(keys: &Keys, parts: InfoParts<'_>) -> Self {
        let mut keys = keys.copy_with_room(parts.event_id.len() + parts.sequence_number.len());
        let event_id = keys.push_text(parts.event_id);
        let sequence_number = keys.push_text(parts.sequence_number);
        RecordInfo {
            keys,
            event_id,
            sequence_number,
            kind: parts.kind,
            approximate_creation_time: parts.approximate_creation_time,
            view: parts.view,
            ttl_expiry: parts.ttl_expiry,
        }
    }

    /// The record's unique id (`eventID`).
    pub fn event_id(&self) -> &str {
        self.keys.text(self.event_id)
    }

    /// The record's sequence number (`dynamodb.SequenceNumber`): what a partial-failure response
    /// reports. Never empty.
    pub fn sequence_number(&self) -> &str {
        self.keys.text(self.sequence_number)
    }

    /// INSERT, MODIFY or REMOVE; `None` only for a record that failed to decode because its
    /// `eventName` is missing or unknown.
    pub fn kind(&self) -> Option<ChangeKind> {
        self.kind
    }

    /// The changed item's key attributes.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// When the change was written to the stream (`ApproximateCreationDateTime`), if the record
    /// says.
    pub fn approximate_creation_time(&self) -> Option<SystemTime> {
        self.approximate_creation_time
    }

    /// The stream view type, if the record says (Lambda events always do).
    pub fn view(&self) -> Option<StreamView> {
        self.view
    }

    /// Whether this is a removal by TTL expiry rather than by a request (`userIdentity` is
    /// `{"type":"Service","principalId":"dynamodb.amazonaws.com"}`).
    pub fn is_ttl_expiry(&self) -> bool {
        self.ttl_expiry
    }

    /// The tenant whose partition the changed item is in, read from key attribute
    /// `partition_key` in `format` (the one a tenant handle wrote it with): `TENANT#acme#…` gives
    /// `acme`. `None` when the attribute is missing, not a string, or carries no tenant prefix.
    /// [`Record::tenant`] knows the attribute from the model.
    pub fn tenant_of(&self, partition_key: &str, format: &TenantFormat) -> Option<&str> {
        format.parse(self.keys.get_str(partition_key)?)
    }
}

impl PartialEq for RecordInfo {
    fn eq(&self, other: &Self) -> bool {
        self.event_id() == other.event_id()
            && self.sequence_number() == other.sequence_number()
            && self.kind == other.kind
            && self.keys == other.keys
            && self.approximate_creation_time == other.approximate_creation_time
            && self.view == other.view
            && self.ttl_expiry == other.ttl_expiry
    }
}

impl fmt::Debug for RecordInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordInfo")
            .field("event_id", &self.event_id())
            .field("sequence_number", &self.sequence_number())
            .field("kind", &self.kind)
            .field("keys", &self.keys)
            .field("approximate_creation_time", &self.approximate_creation_time)
            .field("view", &self.view)
            .field("ttl_expiry", &self.ttl_expiry)
            .finish()
    }
}

/// A change with its images decoded into `T`. An image is `None` when the record does not carry
/// it (see [`Record::new_image`] for an error that says why).
#[derive(Debug, Clone, PartialEq)]
pub enum Change<T> {
    /// A new item.
    Insert {
        /// The item as written.
        new: Option<T>,
    },
    /// A changed item.
    Modify {
        /// The item before the change.
        old: Option<T>,
        /// The item after the change.
        new: Option<T>,
    },
    /// A deleted item.
    Remove {
        /// The item as it was.
        old: Option<T>,
    },
}

impl<T> Change<T> {
    /// INSERT, MODIFY or REMOVE.
    pub fn kind(&self) -> ChangeKind {
        match self {
            Change::Insert { .. } => ChangeKind::Insert,
            Change::Modify { .. } => ChangeKind::Modify,
            Change::Remove { .. } => ChangeKind::Remove,
        }
    }

    /// The new image, if the record carries one.
    pub fn new_image(&self) -> Option<&T> {
        match self {
            Change::Insert { new } | Change::Modify { new, .. } => new.as_ref(),
            Change::Remove { .. } => None,
        }
    }

    /// The old image, if the record carries one.
    pub fn old_image(&self) -> Option<&T> {
        match self {
            Change::Modify { old, .. } | Change::Remove { old } => old.as_ref(),
            Change::Insert { .. } => None,
        }
    }
}

/// One decoded stream record: its [`RecordInfo`] and its [`Change`].
#[derive(Debug, Clone, PartialEq)]
pub struct Record<T> {
    pub(crate) info: RecordInfo,
    pub(crate) change: Change<T>,
}

impl<T> Record<T> {
    /// Event id, sequence number, keys, creation time, TTL expiry, view.
    pub fn info(&self) -> &RecordInfo {
        &self.info
    }

    /// The change.
    pub fn change(&self) -> &Change<T> {
        &self.change
    }

    /// The change, by value.
    pub fn into_change(self) -> Change<T> {
        self.change
    }

    /// The record's sequence number.
    pub fn sequence_number(&self) -> &str {
        self.info.sequence_number()
    }

    /// The changed item's key attributes.
    pub fn keys(&self) -> &Keys {
        &self.info.keys
    }

    /// INSERT, MODIFY or REMOVE.
    pub fn kind(&self) -> ChangeKind {
        self.change.kind()
    }

    /// Whether this is a removal by TTL expiry.
    pub fn is_ttl_expiry(&self) -> bool {
        self.info.ttl_expiry
    }

    /// The tenant whose partition the changed item is in, read from the table's partition key
    /// (of `T`'s models) in the default format, `TENANT#<tenant>#` (see
    /// [`ferrodyn::tenant`](ferrodyn::tenant)): `None` for an item outside any tenant.
    pub fn tenant<'de>(&self) -> Option<&str>
    where
        T: DeserializeEntity<'de>,
    {
        self.tenant_in(&TenantFormat::DEFAULT)
    }

    /// [`tenant`](Self::tenant) with the prefix written in `format` (a handle's
    /// `with_tenant_format`).
    pub fn tenant_in<'de>(&self, format: &TenantFormat) -> Option<&str>
    where
        T: DeserializeEntity<'de>,
    {
        let model = T::MODELS.first()?;
        self.info.tenant_of(model.partition_key.attribute, format)
    }

    /// The item after the change.
    ///
    /// # Errors
    /// [`ErrorKind::MissingImage`] for a REMOVE, or when the stream view does not carry new
    /// images (`KEYS_ONLY`, `OLD_IMAGE`); the message says which.
    pub fn new_image(&self) -> Result<&T> {
        self.change.new_image().ok_or_else(|| self.missing_image("new"))
    }

    /// The item before the change.
    ///
    /// # Errors
    /// [`ErrorKind::MissingImage`] for an INSERT, or when the stream view does not carry old
    /// images (`KEYS_ONLY`, `NEW_IMAGE`); the message says which.
    pub fn old_image(&self) -> Result<&T> {
        self.change.old_image().ok_or_else(|| self.missing_image("old"))
    }

    fn missing_image(&self, which: &str) -> Error {
        let kind = self.change.kind();
        let why = match (which, kind, self.info.view) {
            ("old", ChangeKind::Insert, _) => "an INSERT has no old image".to_owned(),
            ("new", ChangeKind::Remove, _) => "a REMOVE has no new image".to_owned(),
            (_, _, Some(view)) => {
                format!("the stream view {} carries no {which} image", view.as_str())
            }
            _ => format!("the record carries no {which} image"),
        };
        Error::new(
            ErrorKind::MissingImage,
            format!(
                "{} record {} ({}): {why}",
                kind.as_str(),
                self.info.sequence_number(),
                self.info.keys
            ),
        )
    }
}

/// One record of a decoded event: decoded, skipped (an entity type `T` does not handle) or
/// failed to decode. Every variant keeps the [`RecordInfo`], so a failure can be reported by
/// sequence number.
#[derive(Debug)]
pub enum Decoded<T> {
    /// A record of an entity type `T` handles.
    Record(Record<T>),
    /// A record of another entity type; its images were not decoded.
    Skipped(RecordInfo),
    /// A record that did not decode.
    Failed(RecordInfo, Error),
}

impl<T> Decoded<T> {
    /// The record's info, whatever became of it.
    pub fn info(&self) -> &RecordInfo {
        match self {
            Decoded::Record(r) => &r.info,
            Decoded::Skipped(info) | Decoded::Failed(info, _) => info,
        }
    }

    /// The decoded record, or the decode error; `Ok(None)` for a skipped record.
    ///
    /// # Errors
    /// The record's decode error.
    pub fn into_result(self) -> Result<Option<Record<T>>> {
        match self {
            Decoded::Record(r) => Ok(Some(r)),
            Decoded::Skipped(_) => Ok(None),
            Decoded::Failed(_, e) => Err(e),
        }
    }
}
