//! Fields ferrodyn manages for a model: the optimistic-locking version, `created_at`/`updated_at`
//! timestamps, the TTL (epoch seconds) and generated ids (ULID), applied to puts, creates and
//! updates in one place so single-item operations and transactions behave alike.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::expression::{Action, ActionKind, Condition, Path, Update};
use crate::key::render_template;
use crate::model::ModelMeta;
use crate::value::{retake, FromAttributeValue, Item, Source, Value};

/// A type usable as a `#[ferrodyn(version)]` field: an integer.
#[diagnostic::on_unimplemented(
    message = "a `#[ferrodyn(version)]` field must be an integer, not `{Self}`"
)]
pub trait VersionField {}

/// A type usable as a `#[ferrodyn(created_at)]`/`#[ferrodyn(updated_at)]` field: stored as an
/// RFC 3339 string with six fractional digits (`String`, or `chrono::DateTime<Utc>`).
#[diagnostic::on_unimplemented(
    message = "a `#[ferrodyn(created_at)]`/`#[ferrodyn(updated_at)]` field must be a String or DateTime<Utc>, not `{Self}`"
)]
pub trait TimestampField {}

/// A type usable as a `#[ferrodyn(id)]` field: a string that is filled in when empty.
#[diagnostic::on_unimplemented(
    message = "a `#[ferrodyn(id)]` field must be a String, not `{Self}`"
)]
pub trait IdField {}

macro_rules! marker {
    ($trait:ident: $($t:ty),*) => { $(impl $trait for $t {})* };
}

marker!(VersionField: u32, u64, i32, i64, usize);
marker!(TimestampField: String, Option<String>);
marker!(IdField: String);
#[cfg(feature = "chrono")]
marker!(TimestampField: chrono::DateTime<chrono::Utc>, Option<chrono::DateTime<chrono::Utc>>);

/// A `#[ferrodyn(ttl)]` field's value, stored as epoch seconds (N), as DynamoDB's TTL requires.
#[diagnostic::on_unimplemented(
    message = "a `#[ferrodyn(ttl)]` field must be an integer of epoch seconds, SystemTime or DateTime<Utc> (or an Option of one), not `{Self}`"
)]
pub trait TtlValue: Sized {
    /// Epoch seconds, or `None` to leave the attribute out (no expiry).
    fn to_ttl(&self) -> Option<AttributeValue>;
    /// Decodes epoch seconds.
    ///
    /// # Errors
    /// Not a number, or out of range.
    fn from_ttl(value: AttributeValue) -> Result<Self>;
    /// Decodes epoch seconds from any source: the definition every path uses.
    ///
    /// # Errors
    /// Not a number, out of range, or a malformed source.
    fn decode_ttl<'de, S: Source<'de>>(source: S) -> Result<Self> {
        Self::from_ttl(source.into_attribute_value()?)
    }
    /// The value when the attribute is missing, if the type has one.
    fn ttl_missing() -> Option<Self> {
        None
    }
}

impl TtlValue for u64 {
    fn to_ttl(&self) -> Option<AttributeValue> {
        Some(AttributeValue::N(itoa::Buffer::new().format(*self).to_owned()))
    }
    fn from_ttl(value: AttributeValue) -> Result<Self> {
        Self::decode_ttl(value)
    }
    fn decode_ttl<'de, S: Source<'de>>(source: S) -> Result<Self> {
        u64::decode(source)
    }
}

impl TtlValue for i64 {
    fn to_ttl(&self) -> Option<AttributeValue> {
        Some(AttributeValue::N(itoa::Buffer::new().format(*self).to_owned()))
    }
    fn from_ttl(value: AttributeValue) -> Result<Self> {
        Self::decode_ttl(value)
    }
    fn decode_ttl<'de, S: Source<'de>>(source: S) -> Result<Self> {
        i64::decode(source)
    }
}

impl TtlValue for SystemTime {
    fn to_ttl(&self) -> Option<AttributeValue> {
        let secs = self.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        secs.to_ttl()
    }
    fn from_ttl(value: AttributeValue) -> Result<Self> {
        Self::decode_ttl(value)
    }
    fn decode_ttl<'de, S: Source<'de>>(source: S) -> Result<Self> {
        Ok(UNIX_EPOCH + Duration::from_secs(u64::decode(source)?))
    }
}

#[cfg(feature = "chrono")]
impl TtlValue for chrono::DateTime<chrono::Utc> {
    fn to_ttl(&self) -> Option<AttributeValue> {
        self.timestamp().to_ttl()
    }
    fn from_ttl(value: AttributeValue) -> Result<Self> {
        Self::decode_ttl(value)
    }
    fn decode_ttl<'de, S: Source<'de>>(source: S) -> Result<Self> {
        let secs = i64::decode(source)?;
        chrono::DateTime::from_timestamp(secs, 0)
            .ok_or_else(|| Error::invalid_value("expected epoch seconds in chrono's range"))
    }
}

impl<T: TtlValue> TtlValue for Option<T> {
    fn to_ttl(&self) -> Option<AttributeValue> {
        self.as_ref().and_then(TtlValue::to_ttl)
    }
    fn from_ttl(value: AttributeValue) -> Result<Self> {
        Self::decode_ttl(value)
    }
    fn decode_ttl<'de, S: Source<'de>>(source: S) -> Result<Self> {
        match source.take()? {
            Value::Null => Ok(None),
            other => T::decode_ttl(retake(other)).map(Some),
        }
    }
    fn ttl_missing() -> Option<Self> {
        Some(None)
    }
}

/// The current time as ferrodyn writes timestamps: RFC 3339, UTC, six fractional digits (the same
/// text as `chrono::DateTime<Utc>` fields), so that it sorts as a string.
pub(crate) fn now_timestamp() -> String {
    format_timestamp(SystemTime::now())
}

fn format_timestamp(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_micros()
    )
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new ULID: 48 bits of milliseconds since the epoch, then 80 random bits, in Crockford base32,
/// so ids sort by creation time.
pub fn new_ulid() -> String {
    let millis = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    let value = (millis & ((1 << 48) - 1)) << 80 | (fastrand::u128(..) & ((1 << 80) - 1));
    (0..26).rev().map(|i| CROCKFORD[((value >> (i * 5)) & 31) as usize] as char).collect()
}

/// What a write must find stored for its version check to pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ExpectedVersion {
    pub(crate) attribute: &'static str,
    /// 0 means the item must not exist yet.
    pub(crate) version: u64,
}

impl ExpectedVersion {
    /// The condition that enforces it.
    pub(crate) fn condition(self, meta: &ModelMeta) -> Condition {
        if self.version == 0 {
            Path::<()>::new(meta.partition_key.attribute).not_exists()
        } else {
            Path::<u64>::new(self.attribute).eq(self.version)
        }
    }

    /// Whether `stored` (the item DynamoDB returned when the condition failed) shows a version
    /// other than the expected one, i.e. the write was stale.
    pub(crate) fn is_stale(self, stored: Option<&Item>) -> bool {
        let stored_version = stored
            .and_then(|item| item.get(self.attribute))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        stored_version != self.version
    }
}

/// Fills in what a put or create manages: a generated id (create, when empty; keys built from it
/// are rendered again), the version (1 on create, stored + 1 on put) and the timestamps. Returns
/// the version check the write needs (none for a create without a version field: its own
/// `attribute_not_exists` suffices).
pub(crate) fn on_put(
    meta: &ModelMeta,
    item: &mut Item,
    create: bool,
) -> Result<Option<ExpectedVersion>> {
    let managed = &meta.managed;
    if create {
        if let Some(id) = managed.id {
            let empty =
                item.get(id).is_none_or(|v| matches!(v, AttributeValue::S(s) if s.is_empty()));
            if empty {
                item.insert(id.to_owned(), AttributeValue::S(new_ulid()));
                render_keys_using(meta, item, id)?;
            }
        }
    }
    let now = (managed.created_at.is_some() || managed.updated_at.is_some()).then(now_timestamp);
    if let (true, Some(created_at), Some(now)) = (create, managed.created_at, &now) {
        item.insert(created_at.to_owned(), AttributeValue::S(now.clone()));
        // An index sorted by creation time (`sk = "{created_at}"`) must see the stamped value.
        render_keys_using(meta, item, created_at)?;
    }
    if let (Some(updated_at), Some(now)) = (managed.updated_at, now) {
        item.insert(updated_at.to_owned(), AttributeValue::S(now));
        render_keys_using(meta, item, updated_at)?;
    }
    let Some(attribute) = managed.version else { return Ok(None) };
    let current = if create {
        0
    } else {
        match item.get(attribute) {
            Some(AttributeValue::N(n)) => n.parse::<u64>().map_err(|_| {
                Error::validation("version must be a non-negative integer").at(attribute)
            })?,
            _ => 0,
        }
    };
    item.insert(
        attribute.to_owned(),
        AttributeValue::N(itoa::Buffer::new().format(current + 1).to_owned()),
    );
    Ok(Some(ExpectedVersion { attribute, version: current }))
}

/// Fills in what a batch put manages. BatchWriteItem takes no conditions, so the version is
/// incremented but cannot be checked (documented on `BatchWrite`); an empty id is generated as on
/// create.
pub(crate) fn on_batch_put(meta: &ModelMeta, item: &mut Item) -> Result<()> {
    fill_id(meta, item)?;
    on_put(meta, item, false).map(drop)
}

/// Gives an empty `#[ferrodyn(id)]` field a new ULID, and renders the keys built from it again.
fn fill_id(meta: &ModelMeta, item: &mut Item) -> Result<()> {
    let Some(id) = meta.managed.id else { return Ok(()) };
    if item.get(id).is_none_or(|v| matches!(v, AttributeValue::S(s) if s.is_empty())) {
        item.insert(id.to_owned(), AttributeValue::S(new_ulid()));
        render_keys_using(meta, item, id)?;
    }
    Ok(())
}

/// Renders again every key attribute whose template uses `field` (after ferrodyn filled it in).
fn render_keys_using(meta: &ModelMeta, item: &mut Item, field: &str) -> Result<()> {
    let keys = meta.key_attributes().chain(
        meta.indexes.iter().flat_map(|i| std::iter::once(&i.partition_key).chain(&i.sort_key)),
    );
    for key in keys {
        if key.is_direct() || !key.fields().any(|f| f == field) {
            continue;
        }
        if let Some(value) = render_template(key, |f| item.get(f))? {
            item.insert(key.attribute.to_owned(), value);
        }
    }
    Ok(())
}

/// Adds what an update manages: `ADD version 1` and `SET updated_at = now` (unless the update
/// sets it). Updating the version directly is an error: it only moves through ferrodyn.
pub(crate) fn on_update(meta: &ModelMeta, update: &mut Update) -> Result<()> {
    let managed = &meta.managed;
    if let Some(version) = managed.version {
        if update.actions.iter().any(|a| a.path.root() == version) {
            return Err(Error::validation(
                "the version is managed by ferrodyn: use `expect_version` to check it",
            )
            .at(version));
        }
        update.actions.push(Action {
            path: Path::new(version),
            kind: ActionKind::Add(AttributeValue::N("1".to_owned())),
        });
    }
    // An upsert creates the item, which must carry its entity type as a put's does: stream
    // consumers and single-table reads tell the models apart by it.
    if let Some(entity) = &meta.entity {
        update.actions.push(Action {
            path: Path::new(entity.attribute),
            kind: ActionKind::SetIfNotExists(AttributeValue::S(entity.value.to_owned())),
        });
    }
    if let Some(updated_at) = managed.updated_at {
        if !update.actions.iter().any(|a| a.path.root() == updated_at) {
            update.actions.push(Action {
                path: Path::new(updated_at),
                kind: ActionKind::Set(AttributeValue::S(now_timestamp())),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_match_chrono_format() {
        let t = UNIX_EPOCH + Duration::new(1_795_000_000, 123_456_789);
        assert_eq!(format_timestamp(t), "2026-11-18T11:06:40.123456Z");
        assert_eq!(format_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(format_timestamp(leap), "2000-02-29T00:00:00.000000Z");
    }

    #[test]
    fn ulids_are_26_crockford_chars_and_sort_by_time() {
        let a = new_ulid();
        std::thread::sleep(Duration::from_millis(2));
        let b = new_ulid();
        assert_eq!(a.len(), 26);
        assert!(a.bytes().all(|c| CROCKFORD.contains(&c)));
        assert!(a < b, "{a} < {b}");
        assert_ne!(new_ulid(), new_ulid());
    }
}
