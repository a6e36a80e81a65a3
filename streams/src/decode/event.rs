//! The `aws_lambda_events` path: a stream event already parsed into that crate's types, each
//! image decoded by the model's generated decoder over its attribute-value tree; the same
//! result as the JSON path on the event's text.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use super::{
    assemble, decode_error, invalid, invalid_entity, is_ttl, missing_sequence_number, pick,
    Dispatch, Pick,
};
use crate::de::tree;
use crate::error::Result;
use crate::record::{ChangeKind, Decoded, InfoParts, KeyValue, Keys, RecordInfo, StreamView};
use aws_lambda_events::event::dynamodb::{Event, EventRecord, StreamViewType};
use ferrodyn::meta::DeserializeEntity;

/// Decodes a DynamoDB stream event that `aws_lambda_events` has parsed; the same result as
/// [`decode_json`](crate::decode_json) on its JSON text.
///
/// # Errors
/// [`ErrorKind::MissingSequenceNumber`](crate::ErrorKind::MissingSequenceNumber) when a record has no sequence number.
pub fn decode_event<'de, T: DeserializeEntity<'de>>(event: &'de Event) -> Result<Vec<Decoded<T>>> {
    let dispatch = Dispatch::of::<T>();
    let mut keys = Keys::default();
    event.records.iter().map(|r| event_record(r, &dispatch, &mut keys)).collect()
}

/// `aws_lambda_events` reads `ApproximateCreationDateTime` into a `DateTime` whose nanosecond
/// field holds the microseconds (it scales the fraction by 10⁶); read it back as such, so that
/// both paths give the same time. The epoch itself is its default for a missing value.
fn event_time(seconds: i64, subsec: u32) -> Option<SystemTime> {
    if seconds <= 0 && subsec == 0 {
        return None;
    }
    let seconds = u64::try_from(seconds).ok()?;
    let whole = Duration::from_secs(seconds) + Duration::from_micros(u64::from(subsec));
    SystemTime::UNIX_EPOCH.checked_add(whole)
}

fn view_of(view: &StreamViewType) -> StreamView {
    match view {
        StreamViewType::NewImage => StreamView::NewImage,
        StreamViewType::OldImage => StreamView::OldImage,
        StreamViewType::NewAndOldImages => StreamView::NewAndOldImages,
        StreamViewType::KeysOnly => StreamView::KeysOnly,
    }
}

fn keys_from_item(item: &serde_dynamo::Item, keys: &mut Keys) -> Result<(), ()> {
    keys.clear();
    for (name, value) in item.iter() {
        let value = match value {
            serde_dynamo::AttributeValue::S(s) => KeyValue::S(s),
            serde_dynamo::AttributeValue::N(n) => KeyValue::N(n),
            serde_dynamo::AttributeValue::B(b) => KeyValue::B(b),
            _ => return Err(()),
        };
        let name = keys.push_text(name);
        keys.push(name, value);
    }
    if keys.is_empty() {
        return Err(());
    }
    keys.sort();
    Ok(())
}

fn entity_from_item<'a>(
    item: &'a serde_dynamo::Item,
    attribute: &str,
) -> Result<Option<Cow<'a, str>>, ()> {
    match item.get(attribute) {
        Some(serde_dynamo::AttributeValue::S(s)) => Ok(Some(Cow::Borrowed(s))),
        Some(_) => Err(()),
        None => Ok(None),
    }
}

/// Reads a record; `keys` is a buffer for its keys, reused from record to record.
fn event_record<'de, T: DeserializeEntity<'de>>(
    r: &'de EventRecord,
    dispatch: &Dispatch,
    keys: &mut Keys,
) -> Result<Decoded<T>> {
    let stream = &r.change;
    let sequence_number = match stream.sequence_number.as_deref() {
        Some(s) if !s.is_empty() => s,
        _ => {
            return Err(missing_sequence_number(
                Some(&r.event_id).filter(|id| !id.is_empty()).map(String::as_str),
            ))
        }
    };
    let keys_valid = keys_from_item(&stream.keys, keys).is_ok();
    if !keys_valid {
        keys.clear();
    }
    let time = &stream.approximate_creation_date_time;
    let parts = InfoParts {
        event_id: &r.event_id,
        sequence_number,
        kind: ChangeKind::parse(&r.event_name),
        approximate_creation_time: event_time(time.timestamp(), time.timestamp_subsec_nanos()),
        view: stream.stream_view_type.as_ref().map(view_of),
        ttl_expiry: r
            .user_identity
            .as_ref()
            .is_some_and(|u| is_ttl(Some(&u.type_), Some(&u.principal_id))),
    };
    let info = RecordInfo::new(keys, parts);
    let Some(kind) = info.kind else {
        return Ok(invalid(info, "its eventName is missing or unknown"));
    };
    if !keys_valid {
        return Ok(invalid(info, "its Keys are missing or malformed"));
    }
    // aws_lambda_events reads a missing image as an empty one; an item is never empty.
    let present = |item: &'de serde_dynamo::Item| Some(item).filter(|i| !i.is_empty());
    let (new, old) = match kind {
        ChangeKind::Insert => (present(&stream.new_image), None),
        ChangeKind::Modify => (present(&stream.new_image), present(&stream.old_image)),
        ChangeKind::Remove => (None, present(&stream.old_image)),
    };
    let index = match (dispatch.attribute, new.or(old)) {
        (Some(attribute), Some(image)) => {
            match pick(dispatch, entity_from_item(image, attribute)) {
                Ok(Pick::Model(index)) => index,
                Ok(Pick::Skip) => return Ok(Decoded::Skipped(info)),
                Err(()) => return Ok(invalid_entity(info, attribute)),
            }
        }
        _ => 0,
    };
    let decode = |image: &'de serde_dynamo::Item, which: &str, info: &RecordInfo| -> Result<T> {
        T::decode_model(index, tree::TreeMap::image(image))
            .map_err(|e| decode_error(info, which, dispatch.type_name(index), e))
    };
    Ok(assemble(info, kind, old, new, decode))
}
