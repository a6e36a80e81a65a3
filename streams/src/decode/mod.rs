//! Decoding a whole stream event into [`Decoded`] records, by two routes that give the same
//! result: [`decode_json`] reads the event's JSON text in one pass with the crate's own reader
//! (`json`: each image is decoded where it stands in the text by the model's generated
//! decoder), and [`decode_event`] reads an `aws_lambda_events` event already parsed (`event`).
//!
//! Which model an image belongs to is read from its entity attribute before anything is decoded,
//! so records of entity types the consumer does not handle cost only a scan of their image.

mod event;
mod json;

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use crate::error::{Error, ErrorKind, Result};
use crate::record::{Change, ChangeKind, Decoded, Record, RecordInfo};
use ferrodyn::meta::{DeserializeEntity, ModelMeta};

pub use event::decode_event;
pub use json::decode_json;

/// Where `T` reads its entity type from.
struct Dispatch {
    models: &'static [&'static ModelMeta],
    /// The entity attribute, when every model declares one.
    attribute: Option<&'static str>,
    /// The model an image without the entity attribute decodes as (a model's own decoder reads
    /// it, as `from_item` does); `None` (an `Entities` enum) skips the record.
    without_entity: Option<usize>,
}

impl Dispatch {
    fn of<'de, T: DeserializeEntity<'de>>() -> Self {
        let models = T::MODELS;
        let attribute = models
            .iter()
            .map(|m| m.entity.as_ref().map(|e| e.attribute))
            .collect::<Option<Vec<_>>>()
            .and_then(|attributes| attributes.first().copied());
        Dispatch { models, attribute, without_entity: T::WITHOUT_ENTITY }
    }

    /// The index in `models` of the model for entity `value`.
    fn index(&self, value: &str) -> Option<usize> {
        self.models.iter().position(|m| m.entity.as_ref().is_some_and(|e| e.value == value))
    }

    fn type_name(&self, index: usize) -> &'static str {
        self.models.get(index).map_or("the model", |m| m.type_name)
    }
}

/// What became of a record's entity check.
enum Pick {
    Model(usize),
    Skip,
}

fn pick(dispatch: &Dispatch, entity: Result<Option<Cow<'_, str>>, ()>) -> Result<Pick, ()> {
    match entity? {
        Some(value) => Ok(dispatch.index(&value).map_or(Pick::Skip, Pick::Model)),
        None => Ok(dispatch.without_entity.map_or(Pick::Skip, Pick::Model)),
    }
}

// ---------------------------------------------------------------------------------------------
// Shared by both paths

fn is_ttl(kind: Option<&str>, principal: Option<&str>) -> bool {
    kind == Some("Service") && principal == Some("dynamodb.amazonaws.com")
}

/// Lambda writes `ApproximateCreationDateTime` as float seconds; microseconds are the precision
/// both paths keep (see `event_time`).
fn float_time(seconds: f64) -> Option<SystemTime> {
    if !(seconds.is_finite() && seconds >= 0.0) {
        return None;
    }
    let micros = (seconds.fract() * 1_000_000.0).floor() as u64;
    let whole = Duration::from_secs(seconds.trunc() as u64) + Duration::from_micros(micros);
    SystemTime::UNIX_EPOCH.checked_add(whole)
}

fn missing_sequence_number(event_id: Option<&str>) -> Error {
    Error::new(
        ErrorKind::MissingSequenceNumber,
        format!(
            "stream record {} has no sequence number, so its failure cannot be reported alone",
            event_id.unwrap_or("without an event id")
        ),
    )
}

/// The record of a change whose images `decode` turns into models (one path's way of reading an
/// image): the images the change kind carries are decoded, and a failed one fails the record.
fn assemble<I, T>(
    info: RecordInfo,
    kind: ChangeKind,
    old: Option<I>,
    new: Option<I>,
    decode: impl Fn(I, &str, &RecordInfo) -> Result<T>,
) -> Decoded<T> {
    let image =
        |image: Option<I>, which| image.map(|image| decode(image, which, &info)).transpose();
    let change = match kind {
        ChangeKind::Insert => image(new, "new").map(|new| Change::Insert { new }),
        ChangeKind::Modify => image(old, "old")
            .and_then(|old| image(new, "new").map(|new| Change::Modify { old, new })),
        ChangeKind::Remove => image(old, "old").map(|old| Change::Remove { old }),
    };
    match change {
        Ok(change) => Decoded::Record(Record { info, change }),
        Err(e) => Decoded::Failed(info, e),
    }
}

fn invalid<T>(info: RecordInfo, why: &str) -> Decoded<T> {
    let error = Error::new(
        ErrorKind::InvalidRecord,
        format!("stream record {} ({}) is malformed: {why}", info.sequence_number(), info.keys),
    );
    Decoded::Failed(info, error)
}

fn invalid_entity<T>(info: RecordInfo, attribute: &str) -> Decoded<T> {
    let error = Error::new(
        ErrorKind::Decode,
        format!(
            "stream record {} ({}): the image is not an item with a string `{attribute}` attribute",
            info.sequence_number(),
            info.keys
        ),
    );
    Decoded::Failed(info, error)
}

/// The model's own error (it names the attribute, never its value), in the record's context.
fn decode_error(info: &RecordInfo, which: &str, type_name: &str, e: ferrodyn::Error) -> Error {
    Error::new(
        ErrorKind::Decode,
        format!(
            "cannot decode the {which} image of {} record {} ({}) as {type_name}: {e}",
            info.kind.map_or("a", ChangeKind::as_str),
            info.sequence_number(),
            info.keys,
        ),
    )
    .with_decode(e)
}
