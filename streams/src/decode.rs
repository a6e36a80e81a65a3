//! Decoding a whole stream event into [`Decoded`] records, by two routes that give the same
//! result: [`decode_json`] reads the event's JSON text in one pass (images stay borrowed text
//! until their entity type is known, then feed the model's `Deserialize` directly), and
//! [`decode_event`] reads an `aws_lambda_events` [`Event`] already parsed.
//!
//! Which model an image belongs to is read from its entity attribute before anything is decoded,
//! so records of entity types the consumer does not handle cost only a scan of their image.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime};

use aws_lambda_events::event::dynamodb::{Event, EventRecord, StreamViewType};
use ferrodyn::{DeserializeEntity, ModelMeta};
use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::de::{self, json, tree};
use crate::entity::{self, Found};
use crate::error::{Error, ErrorKind, Result};
use crate::record::{Change, ChangeKind, Decoded, KeyValue, Keys, Record, RecordInfo, StreamView};

/// Decodes a DynamoDB stream event from its JSON text (what Lambda sends), the fast path.
///
/// Each record becomes [`Decoded::Record`], [`Decoded::Skipped`] (an entity type `T` does not
/// handle; its images are not decoded) or [`Decoded::Failed`] (an image or the record itself
/// does not decode). A record without images (a `KEYS_ONLY` stream) is handed over whatever its
/// entity type, since nothing in it says.
///
/// ```
/// use ferrodyn::Model;
/// use ferrodyn_streams::{decode_json, Change, Decoded};
/// use serde::Deserialize;
///
/// #[derive(Debug, Deserialize, Model)]
/// #[ferrodyn(table = "shop", entity = "Order", pk = "CUSTOMER#{customer_id}", sk = "ORDER#{order_id}")]
/// struct Order { customer_id: String, order_id: String, total_cents: i64 }
///
/// let event = br#"{"Records":[{"eventID":"1","eventName":"INSERT","dynamodb":{
///     "Keys":{"pk":{"S":"CUSTOMER#c1"},"sk":{"S":"ORDER#o1"}},
///     "NewImage":{"pk":{"S":"CUSTOMER#c1"},"sk":{"S":"ORDER#o1"},"entity":{"S":"Order"},
///                 "customer_id":{"S":"c1"},"order_id":{"S":"o1"},"total_cents":{"N":"4250"}},
///     "SequenceNumber":"100","StreamViewType":"NEW_AND_OLD_IMAGES"}}]}"#;
/// let records = decode_json::<Order>(event).unwrap();
/// let Decoded::Record(record) = &records[0] else { panic!("not decoded") };
/// assert_eq!(record.sequence_number(), "100");
/// assert_eq!(record.keys().get_str("pk"), Some("CUSTOMER#c1"));
/// assert!(matches!(record.change(), Change::Insert { new: Some(o) } if o.total_cents == 4250));
/// ```
///
/// # Errors
/// For the whole batch: [`ErrorKind::InvalidEvent`] when the text is not a stream event, and
/// [`ErrorKind::MissingSequenceNumber`] when a record has no sequence number (it could not be
/// reported alone, so the batch must fail and be retried).
pub fn decode_json<'de, T: DeserializeEntity<'de>>(json: &'de [u8]) -> Result<Vec<Decoded<T>>> {
    let dispatch = Dispatch::of::<T>();
    let mut failure = None;
    // Checked once here, so that neither the parse nor each image's strings check UTF-8 again.
    let json = std::str::from_utf8(json).map_err(|_| invalid_event("the text is not UTF-8"))?;
    let mut de = serde_json::Deserializer::from_str(json);
    let parsed = de
        .deserialize_map(EventVisitor {
            dispatch: &dispatch,
            failure: &mut failure,
            records: std::marker::PhantomData,
        })
        .and_then(|records| de.end().map(|()| records));
    match (parsed, failure) {
        (_, Some(e)) => Err(e),
        (Ok(Some(records)), None) => Ok(records),
        (Ok(None), None) => Err(invalid_event("no `Records` list")),
        (Err(e), None) => Err(invalid_event(&de::sanitize(&e.to_string()))),
    }
}

fn invalid_event(why: &str) -> Error {
    Error::new(ErrorKind::InvalidEvent, format!("not a DynamoDB stream event: {why}"))
}

/// Reads `{"Records":[…]}`, decoding each record as soon as it is parsed: no list of parsed
/// records is built first. A batch-wide failure is kept in `failure` and stops the parse.
struct EventVisitor<'a, T> {
    dispatch: &'a Dispatch,
    failure: &'a mut Option<Error>,
    records: std::marker::PhantomData<fn() -> T>,
}

impl<'de, T: DeserializeEntity<'de>> Visitor<'de> for EventVisitor<'_, T> {
    type Value = Option<Vec<Decoded<T>>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a DynamoDB stream event")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut records = None;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            if &*key == "Records" && records.is_none() {
                let seed = RecordsSeed::<T> {
                    dispatch: self.dispatch,
                    failure: &mut *self.failure,
                    records: self.records,
                };
                records = Some(map.next_value_seed(seed)?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(records)
    }
}

struct RecordsSeed<'a, T> {
    dispatch: &'a Dispatch,
    failure: &'a mut Option<Error>,
    records: std::marker::PhantomData<fn() -> T>,
}

impl<'de, T: DeserializeEntity<'de>> serde::de::DeserializeSeed<'de> for RecordsSeed<'_, T> {
    type Value = Vec<Decoded<T>>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: DeserializeEntity<'de>> Visitor<'de> for RecordsSeed<'_, T> {
    type Value = Vec<Decoded<T>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of stream records")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(record) = seq.next_element::<RawRecord<'de>>()? {
            match raw_record(record, self.dispatch) {
                Ok(decoded) => out.push(decoded),
                Err(e) => {
                    *self.failure = Some(e);
                    return Err(serde::de::Error::custom("batch-wide failure"));
                }
            }
        }
        Ok(out)
    }
}

/// Decodes a DynamoDB stream event that `aws_lambda_events` has parsed; the same result as
/// [`decode_json`] on its JSON text.
///
/// # Errors
/// [`ErrorKind::MissingSequenceNumber`] when a record has no sequence number.
pub fn decode_event<'de, T: DeserializeEntity<'de>>(event: &'de Event) -> Result<Vec<Decoded<T>>> {
    let dispatch = Dispatch::of::<T>();
    event.records.iter().map(|r| event_record(r, &dispatch)).collect()
}

/// Where `T` reads its entity type from.
struct Dispatch {
    models: &'static [&'static ModelMeta],
    /// The entity attribute, when every model declares one.
    attribute: Option<&'static str>,
}

impl Dispatch {
    fn of<'de, T: DeserializeEntity<'de>>() -> Self {
        let models = T::MODELS;
        let attribute = models
            .iter()
            .map(|m| m.entity.as_ref().map(|e| e.attribute))
            .collect::<Option<Vec<_>>>()
            .and_then(|attributes| attributes.first().copied());
        Dispatch { models, attribute }
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
        None => Ok(Pick::Skip),
    }
}

// ---------------------------------------------------------------------------------------------
// The JSON path

/// A string borrowed from the event when it has no escapes. (`Cow<str>` itself always copies,
/// except as a field marked `borrow`, which an `Option` or map key is not.)
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor<'a>(std::marker::PhantomData<&'a str>);
        impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(TextVisitor(std::marker::PhantomData))
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

#[derive(Deserialize)]
struct RawRecord<'a> {
    #[serde(rename = "eventID", borrow, default)]
    event_id: Option<Text<'a>>,
    #[serde(rename = "eventName", borrow, default)]
    event_name: Option<Text<'a>>,
    #[serde(rename = "userIdentity", borrow, default)]
    user_identity: Option<RawIdentity<'a>>,
    #[serde(borrow, default)]
    dynamodb: Option<RawStreamRecord<'a>>,
}

#[derive(Deserialize)]
struct RawIdentity<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Text<'a>>,
    #[serde(rename = "principalId", borrow, default)]
    principal_id: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawStreamRecord<'a> {
    #[serde(default)]
    approximate_creation_date_time: Option<f64>,
    #[serde(borrow, default)]
    keys: Option<&'a RawValue>,
    #[serde(borrow, default)]
    new_image: Option<&'a RawValue>,
    #[serde(borrow, default)]
    old_image: Option<&'a RawValue>,
    #[serde(borrow, default)]
    sequence_number: Option<Text<'a>>,
    #[serde(borrow, default)]
    stream_view_type: Option<Text<'a>>,
}

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

fn raw_record<'de, T: DeserializeEntity<'de>>(
    r: RawRecord<'de>,
    dispatch: &Dispatch,
) -> Result<Decoded<T>> {
    let Some(stream) = r.dynamodb.as_ref() else {
        return Err(missing_sequence_number(r.event_id.as_deref()));
    };
    let sequence_number = match stream.sequence_number.as_deref() {
        Some(s) if !s.is_empty() => s.to_owned(),
        _ => return Err(missing_sequence_number(r.event_id.as_deref())),
    };
    let keys = stream.keys.and_then(|k| keys_from_json(k.get()).ok());
    let keys_valid = keys.is_some();
    let info = RecordInfo {
        event_id: r.event_id.as_deref().unwrap_or_default().to_owned(),
        sequence_number,
        kind: r.event_name.as_deref().and_then(ChangeKind::parse),
        keys: keys.unwrap_or_default(),
        approximate_creation_time: stream.approximate_creation_date_time.and_then(float_time),
        view: stream.stream_view_type.as_deref().and_then(StreamView::parse),
        ttl_expiry: r
            .user_identity
            .as_ref()
            .is_some_and(|u| is_ttl(u.kind.as_deref(), u.principal_id.as_deref())),
    };
    let Some(kind) = info.kind else {
        return Ok(invalid(info, "its eventName is missing or unknown"));
    };
    if !keys_valid {
        return Ok(invalid(info, "its Keys are missing or malformed"));
    }
    // An item is never empty: `{}` is no image, as aws_lambda_events reads it.
    let present = |image: Option<&'de RawValue>| {
        image.filter(|i| {
            let inside = i.get().trim().trim_start_matches('{').trim_end_matches('}');
            !inside.trim().is_empty()
        })
    };
    let (new, old) = match kind {
        ChangeKind::Insert => (present(stream.new_image), None),
        ChangeKind::Modify => (present(stream.new_image), present(stream.old_image)),
        ChangeKind::Remove => (None, present(stream.old_image)),
    };
    let index = match (dispatch.attribute, new.or(old)) {
        (Some(attribute), Some(image)) => {
            match pick(dispatch, entity_from_json(image.get(), attribute)) {
                Ok(Pick::Model(index)) => index,
                Ok(Pick::Skip) => return Ok(Decoded::Skipped(info)),
                Err(()) => return Ok(invalid_entity(info, attribute)),
            }
        }
        _ => 0,
    };
    let decode = |image: &'de RawValue, which: &str, info: &RecordInfo| -> Result<T> {
        let mut de = serde_json::Deserializer::from_str(image.get());
        T::deserialize_model(index, json::Item(&mut de))
            .and_then(|v| de.end().map(|()| v))
            .map_err(|e| decode_error(info, which, dispatch.type_name(index), &e))
    };
    Ok(assemble(info, kind, old, new, decode))
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

fn keys_from_json(text: &str) -> Result<Keys, ()> {
    struct KeysVisitor;
    impl<'de> Visitor<'de> for KeysVisitor {
        type Value = Keys;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("key attributes")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
            let mut keys = Vec::with_capacity(2);
            while let Some((name, value)) = map.next_entry::<String, KeyValue>()? {
                keys.push((name, value));
            }
            Ok(sorted(keys))
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let keys = de.deserialize_map(KeysVisitor).map_err(|_| ())?;
    de.end().map_err(|_| ())?;
    if keys.is_empty() {
        return Err(());
    }
    Ok(keys)
}

/// Keys in attribute-name order, so that both paths (one reads a hash map) list them alike.
fn sorted(mut keys: Vec<(String, KeyValue)>) -> Keys {
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    Keys(keys)
}

/// The string value of `attribute` in an image's JSON text; `Err` when the text is not an item
/// or the attribute is not a string. Only the attribute's own value is parsed, unless the scan
/// for it is unsure.
fn entity_from_json<'de>(text: &'de str, attribute: &str) -> Result<Option<Cow<'de, str>>, ()> {
    match entity::find(text, attribute) {
        Found::Value(value) => {
            let mut de = serde_json::Deserializer::from_str(value);
            let attr = StringAttr::deserialize(&mut de).map_err(|_| ())?;
            de.end().map_err(|_| ())?;
            Ok(Some(attr.s.0))
        }
        Found::Absent => Ok(None),
        Found::NotItem => Err(()),
        Found::Unsure => entity_from_parse(text, attribute),
    }
}

/// [`entity_from_json`] by parsing the whole image. The rest of the image is skipped rather than
/// left unread: stopping the parser early costs an error value, an allocation per image.
fn entity_from_parse<'de>(text: &'de str, attribute: &str) -> Result<Option<Cow<'de, str>>, ()> {
    struct Scan<'a> {
        attribute: &'a str,
    }
    impl<'de> Visitor<'de> for Scan<'_> {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an item")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(name) = map.next_key::<Text<'de>>()? {
                if found.is_none() && &*name == self.attribute {
                    found = Some(map.next_value::<StringAttr<'de>>()?.s.0);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let found = de.deserialize_map(Scan { attribute }).map_err(|_| ())?;
    de.end().map_err(|_| ())?;
    Ok(found)
}

/// `{"S": "…"}`, borrowed when it can be.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StringAttr<'a> {
    #[serde(rename = "S", borrow)]
    s: Text<'a>,
}

fn invalid<T>(info: RecordInfo, why: &str) -> Decoded<T> {
    let error = Error::new(
        ErrorKind::InvalidRecord,
        format!("stream record {} ({}) is malformed: {why}", info.sequence_number, info.keys),
    );
    Decoded::Failed(info, error)
}

fn invalid_entity<T>(info: RecordInfo, attribute: &str) -> Decoded<T> {
    let error = Error::new(
        ErrorKind::Decode,
        format!(
            "stream record {} ({}): the image is not an item with a string `{attribute}` attribute",
            info.sequence_number, info.keys
        ),
    );
    Decoded::Failed(info, error)
}

fn decode_error(info: &RecordInfo, which: &str, type_name: &str, e: &dyn fmt::Display) -> Error {
    Error::new(
        ErrorKind::Decode,
        format!(
            "cannot decode the {which} image of {} record {} ({}) as {type_name}: {}",
            info.kind.map_or("a", ChangeKind::as_str),
            info.sequence_number,
            info.keys,
            de::sanitize(&e.to_string())
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// The aws_lambda_events path

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

fn keys_from_item(item: &serde_dynamo::Item) -> Result<Keys, ()> {
    let mut keys = Vec::with_capacity(item.len());
    for (name, value) in item.iter() {
        let value = match value {
            serde_dynamo::AttributeValue::S(s) => KeyValue::S(s.clone()),
            serde_dynamo::AttributeValue::N(n) => KeyValue::N(n.clone()),
            serde_dynamo::AttributeValue::B(b) => KeyValue::B(b.clone()),
            _ => return Err(()),
        };
        keys.push((name.clone(), value));
    }
    if keys.is_empty() {
        return Err(());
    }
    Ok(sorted(keys))
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

fn event_record<'de, T: DeserializeEntity<'de>>(
    r: &'de EventRecord,
    dispatch: &Dispatch,
) -> Result<Decoded<T>> {
    let stream = &r.change;
    let sequence_number = match stream.sequence_number.as_deref() {
        Some(s) if !s.is_empty() => s.to_owned(),
        _ => {
            return Err(missing_sequence_number(
                Some(&r.event_id).filter(|id| !id.is_empty()).map(String::as_str),
            ))
        }
    };
    let keys = keys_from_item(&stream.keys).ok();
    let keys_valid = keys.is_some();
    let time = &stream.approximate_creation_date_time;
    let info = RecordInfo {
        event_id: r.event_id.clone(),
        sequence_number,
        kind: ChangeKind::parse(&r.event_name),
        keys: keys.unwrap_or_default(),
        approximate_creation_time: event_time(time.timestamp(), time.timestamp_subsec_nanos()),
        view: stream.stream_view_type.as_ref().map(view_of),
        ttl_expiry: r
            .user_identity
            .as_ref()
            .is_some_and(|u| is_ttl(Some(&u.type_), Some(&u.principal_id))),
    };
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
        T::deserialize_model(index, tree::TreeItem(image))
            .map_err(|e| decode_error(info, which, dispatch.type_name(index), &e))
    };
    Ok(assemble(info, kind, old, new, decode))
}
