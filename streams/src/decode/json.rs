//! The fast path: a stream event read from its JSON text in one pass by the crate's own reader,
//! each image decoded where it stands in the text by the model's generated decoder.

use std::borrow::Cow;

use super::{
    assemble, decode_error, float_time, invalid, invalid_entity, is_ttl, missing_sequence_number,
    pick, Dispatch, Pick,
};
use crate::de::reader::{Mark, Reader, Str, Syntax};
use crate::de::{decode_base64, json, malformed};
use crate::entity::{self, Found};
use crate::error::{Error, ErrorKind, Result};
use crate::record::{ChangeKind, Decoded, InfoParts, KeyValue, Keys, RecordInfo, Span, StreamView};
use ferrodyn::meta::DeserializeEntity;
use ferrodyn::value::Tag;

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
    // Checked once here, so that no string read later needs checking again.
    let json = std::str::from_utf8(json).map_err(|_| invalid_event("the text is not UTF-8"))?;
    event_json(&mut Reader::new(json), &dispatch).map_err(Fail::into_error)
}

fn invalid_event(why: &str) -> Error {
    Error::new(ErrorKind::InvalidEvent, format!("not a DynamoDB stream event: {why}"))
}

/// Why the JSON path gave up on the whole event.
enum Fail {
    /// Malformed JSON.
    Syntax(Syntax),
    /// Well-formed JSON that is not a stream event.
    Shape(&'static str),
    /// A batch-wide failure of a record (no sequence number).
    Batch(Error),
}

impl From<Syntax> for Fail {
    fn from(e: Syntax) -> Self {
        Fail::Syntax(e)
    }
}

impl Fail {
    fn into_error(self) -> Error {
        match self {
            Fail::Syntax(e) => invalid_event(&e.to_string()),
            Fail::Shape(why) => invalid_event(why),
            Fail::Batch(e) => e,
        }
    }
}

/// `{"Records": […], …}`: each record is decoded as soon as it is read.
fn event_json<'de, T: DeserializeEntity<'de>>(
    r: &mut Reader<'de>,
    dispatch: &Dispatch,
) -> Result<Vec<Decoded<T>>, Fail> {
    if r.peek()? != b'{' {
        return Err(Fail::Shape("not an object"));
    }
    r.open(b'{', "an object")?;
    let mut records = None;
    let mut first = true;
    while let Some(key) = r.next_key(std::mem::take(&mut first))? {
        if key.as_str() == "Records" && records.is_none() {
            records = Some(records_json(r, dispatch)?);
        } else {
            r.skip()?;
        }
    }
    r.end()?;
    records.ok_or(Fail::Shape("no `Records` list"))
}

fn records_json<'de, T: DeserializeEntity<'de>>(
    r: &mut Reader<'de>,
    dispatch: &Dispatch,
) -> Result<Vec<Decoded<T>>, Fail> {
    if r.peek()? != b'[' {
        return Err(Fail::Shape("`Records` is not a list"));
    }
    r.open(b'[', "a list")?;
    // Lambda's record envelope alone is some 400 bytes: enough room for every record, seldom
    // much more.
    let mut out = Vec::with_capacity(r.text().len() / 512);
    let mut keys = Keys::default();
    let mut first = true;
    while r.next_element(std::mem::take(&mut first))? {
        out.push(record_json(r, dispatch, &mut keys)?);
    }
    Ok(out)
}

/// A string or `null`, borrowed when it can be.
fn optional_string<'de>(
    r: &mut Reader<'de>,
    field: &'static str,
) -> Result<Option<Cow<'de, str>>, Fail> {
    if r.null()? {
        return Ok(None);
    }
    if r.peek()? != b'"' {
        return Err(Fail::Shape(field));
    }
    Ok(Some(match r.string()? {
        Str::Borrowed(s) => Cow::Borrowed(s),
        Str::Copied(s) => Cow::Owned(s.to_owned()),
    }))
}

/// Opens an object, or reads `null` (`Ok(false)`).
fn optional_object(r: &mut Reader<'_>, field: &'static str) -> Result<bool, Fail> {
    if r.null()? {
        return Ok(false);
    }
    if r.peek()? != b'{' {
        return Err(Fail::Shape(field));
    }
    r.open(b'{', "an object")?;
    Ok(true)
}

/// Sets a field once: a field given twice makes the event invalid, as serde_json has it.
fn once<V>(slot: &mut Option<V>, value: V) -> Result<(), Fail> {
    if slot.replace(value).is_some() {
        return Err(Fail::Shape("a record field is given twice"));
    }
    Ok(())
}

/// An image as the record's text gives it, decoded as the model its own entity attribute names,
/// before the record says which images count and which model it is.
struct Image<T> {
    at: Mark,
    pick: Result<Pick, ()>,
    /// For `Pick::Model`, the image decoded as that model.
    decoded: Option<std::result::Result<T, ferrodyn::Error>>,
}

/// What the `dynamodb` part of a record gives. It is filled in place: images are large.
struct StreamPart<'de, T> {
    /// One bit per field read, to tell a field given twice.
    seen: u8,
    /// Whether the part is there (and not `null`).
    present: bool,
    time: Option<f64>,
    /// Whether valid keys were read (into the caller's buffer).
    keys: bool,
    new: Option<Image<T>>,
    old: Option<Image<T>>,
    sequence_number: Option<Cow<'de, str>>,
    view: Option<Cow<'de, str>>,
}

impl<T> StreamPart<'_, T> {
    /// Notes that field `bit` is read; a field given twice makes the event invalid, as
    /// serde_json has it.
    fn read(&mut self, bit: u8) -> Result<(), Fail> {
        if self.seen & bit != 0 {
            return Err(Fail::Shape("a record field is given twice"));
        }
        self.seen |= bit;
        Ok(())
    }
}

/// Reads a record; `keys` is a buffer for its keys, reused from record to record.
fn record_json<'de, T: DeserializeEntity<'de>>(
    r: &mut Reader<'de>,
    dispatch: &Dispatch,
    keys: &mut Keys,
) -> Result<Decoded<T>, Fail> {
    if r.peek()? != b'{' {
        return Err(Fail::Shape("a record is not an object"));
    }
    r.open(b'{', "a record")?;
    let (mut event_id, mut event_name, mut identity) = (None, None, None);
    let mut stream = StreamPart {
        seen: 0,
        present: false,
        time: None,
        keys: false,
        new: None,
        old: None,
        sequence_number: None,
        view: None,
    };
    let mut first = true;
    while let Some(key) = r.next_key(std::mem::take(&mut first))? {
        match key.as_str() {
            "eventID" => once(&mut event_id, optional_string(r, "`eventID` is not a string")?)?,
            "eventName" => {
                once(&mut event_name, optional_string(r, "`eventName` is not a string")?)?
            }
            "userIdentity" => once(&mut identity, identity_json(r)?)?,
            "dynamodb" => {
                stream.read(1)?;
                stream_json(r, dispatch, &mut stream, keys)?;
            }
            _ => r.skip()?,
        }
    }
    let event_id = event_id.flatten();
    if !stream.present {
        return Err(Fail::Batch(missing_sequence_number(event_id.as_deref())));
    }
    let sequence_number = match stream.sequence_number.take() {
        Some(s) if !s.is_empty() => s,
        _ => return Err(Fail::Batch(missing_sequence_number(event_id.as_deref()))),
    };
    if !stream.keys {
        keys.clear();
    }
    let parts = InfoParts {
        event_id: event_id.as_deref().unwrap_or_default(),
        sequence_number: &sequence_number,
        kind: event_name.flatten().as_deref().and_then(ChangeKind::parse),
        approximate_creation_time: stream.time.and_then(float_time),
        view: stream.view.as_deref().and_then(StreamView::parse),
        ttl_expiry: identity.flatten().unwrap_or(false),
    };
    let info = RecordInfo::new(keys, parts);
    let Some(kind) = info.kind else {
        return Ok(invalid(info, "its eventName is missing or unknown"));
    };
    if !stream.keys {
        return Ok(invalid(info, "its Keys are missing or malformed"));
    }
    let (new, old) = match kind {
        ChangeKind::Insert => (stream.new.as_mut(), None),
        ChangeKind::Modify => (stream.new.as_mut(), stream.old.as_mut()),
        ChangeKind::Remove => (None, stream.old.as_mut()),
    };
    let index = match (dispatch.attribute, new.as_deref().or(old.as_deref())) {
        (Some(attribute), Some(image)) => match image.pick {
            Ok(Pick::Model(index)) => index,
            Ok(Pick::Skip) => return Ok(Decoded::Skipped(info)),
            Err(()) => return Ok(invalid_entity(info, attribute)),
        },
        _ => 0,
    };
    let text = r.text();
    let decode = |image: &mut Image<T>, which: &str, info: &RecordInfo| -> Result<T> {
        let decoded = match (&image.pick, image.decoded.take()) {
            (Ok(Pick::Model(i)), Some(decoded)) if *i == index => decoded,
            // The image names another model than the record's: read it again as that one.
            _ => {
                let mut r = Reader::at(text, image.at);
                json::Entries::image(&mut r).and_then(|image| T::decode_model(index, image))
            }
        };
        decoded.map_err(|e| decode_error(info, which, dispatch.type_name(index), e))
    };
    Ok(assemble(info, kind, old, new, decode))
}

/// `userIdentity`: whether it says TTL expiry.
fn identity_json(r: &mut Reader<'_>) -> Result<Option<bool>, Fail> {
    if !optional_object(r, "`userIdentity` is not an object")? {
        return Ok(None);
    }
    let (mut kind, mut principal) = (None, None);
    let mut first = true;
    while let Some(key) = r.next_key(std::mem::take(&mut first))? {
        match key.as_str() {
            "type" => once(&mut kind, optional_string(r, "`userIdentity.type` is not a string")?)?,
            "principalId" => once(
                &mut principal,
                optional_string(r, "`userIdentity.principalId` is not a string")?,
            )?,
            _ => r.skip()?,
        }
    }
    Ok(Some(is_ttl(kind.flatten().as_deref(), principal.flatten().as_deref())))
}

fn stream_json<'de, T: DeserializeEntity<'de>>(
    r: &mut Reader<'de>,
    dispatch: &Dispatch,
    part: &mut StreamPart<'de, T>,
    keys: &mut Keys,
) -> Result<(), Fail> {
    if !optional_object(r, "`dynamodb` is not an object")? {
        return Ok(());
    }
    part.present = true;
    let mut first = true;
    while let Some(key) = r.next_key(std::mem::take(&mut first))? {
        match key.as_str() {
            "ApproximateCreationDateTime" => {
                let time = if r.null()? {
                    None
                } else if matches!(r.peek()?, b'-' | b'0'..=b'9') {
                    r.number()?.parse::<f64>().ok()
                } else {
                    return Err(Fail::Shape("`ApproximateCreationDateTime` is not a number"));
                };
                part.read(2)?;
                part.time = time;
            }
            "Keys" => {
                part.read(4)?;
                part.keys = keys_json(r, keys)?;
            }
            "NewImage" => {
                part.read(8)?;
                image_json(r, dispatch, &mut part.new)?;
            }
            "OldImage" => {
                part.read(16)?;
                image_json(r, dispatch, &mut part.old)?;
            }
            "SequenceNumber" => {
                part.read(32)?;
                part.sequence_number = optional_string(r, "`SequenceNumber` is not a string")?;
            }
            "StreamViewType" => {
                part.read(64)?;
                part.view = optional_string(r, "`StreamViewType` is not a string")?;
            }
            _ => r.skip()?,
        }
    }
    Ok(())
}

/// `Keys`: `None` when they are not key attributes (the record fails, not the event).
fn keys_json(r: &mut Reader<'_>, keys: &mut Keys) -> Result<bool, Fail> {
    let at = r.mark();
    keys.clear();
    match keys_from_reader(r, keys) {
        Ok(()) => Ok(true),
        Err(()) => {
            r.seek(at);
            r.skip()?;
            Ok(false)
        }
    }
}

fn keys_from_reader(r: &mut Reader<'_>, keys: &mut Keys) -> Result<(), ()> {
    if r.null().map_err(drop)? || r.peek().map_err(drop)? != b'{' {
        return Err(());
    }
    r.open(b'{', "an object").map_err(drop)?;
    let mut first = true;
    while let Some(name) = r.next_key(std::mem::take(&mut first)).map_err(drop)? {
        let name = keys.push_text(name.as_str());
        key_value(r, keys, name).map_err(drop)?;
    }
    if keys.is_empty() {
        return Err(());
    }
    keys.sort();
    Ok(())
}

/// `{"S": "…"}`, `{"N": "…"}` or `{"B": "<base64>"}`.
fn key_value(
    r: &mut Reader<'_>,
    keys: &mut Keys,
    name: Span,
) -> std::result::Result<(), ferrodyn::Error> {
    if r.peek()? != b'{' {
        return Err(malformed("not a key value"));
    }
    r.open(b'{', "an object")?;
    let tag = json::type_key(r).ok().flatten();
    if r.peek()? != b'"' {
        return Err(malformed("not a key value"));
    }
    let text = r.string()?;
    match tag {
        Some(Tag::S) => keys.push(name, KeyValue::S(text.as_str())),
        Some(Tag::N) => keys.push(name, KeyValue::N(text.as_str())),
        Some(Tag::B) => keys.push(name, KeyValue::B(&decode_base64(text.as_str())?)),
        _ => return Err(malformed("not a key value")),
    }
    if r.next_key(false)?.is_some() {
        return Err(malformed("not a key value"));
    }
    Ok(())
}

/// `NewImage`/`OldImage`: which model its entity attribute names, and the image decoded as that
/// model, read in place. `None` for `null` and `{}` (an item is never empty, so `{}` is no
/// image, as aws_lambda_events reads it).
fn image_json<'de, T: DeserializeEntity<'de>>(
    r: &mut Reader<'de>,
    dispatch: &Dispatch,
    slot: &mut Option<Image<T>>,
) -> Result<(), Fail> {
    if r.null()? || r.empty_object()? {
        return Ok(());
    }
    let at = r.mark();
    let pick = match dispatch.attribute {
        Some(attribute) => pick(dispatch, entity_at(r, attribute)),
        None => Ok(Pick::Model(0)),
    };
    let image = slot.insert(Image { at, pick, decoded: None });
    match image.pick {
        Ok(Pick::Model(index)) => {
            let decoded = image
                .decoded
                .insert(json::Entries::image(r).and_then(|image| T::decode_model(index, image)));
            if decoded.is_err() {
                // The model did not fit; whether the text is JSON at all, the skip tells.
                r.seek(at);
                r.skip()?;
            }
        }
        _ => r.skip()?,
    }
    Ok(())
}

/// The string value of top-level attribute `attribute` of the image at the reader (which stays
/// where it is); `Err` when the text is not an item or the attribute is not a string. Only the
/// attribute's own value is parsed, unless the scan for it is unsure.
fn entity_at<'de>(r: &Reader<'de>, attribute: &str) -> Result<Option<Cow<'de, str>>, ()> {
    match entity::find(r.rest(), attribute) {
        Found::Value(value) => string_attr(&mut Reader::new(value)).map(Some),
        Found::Absent => Ok(None),
        Found::NotItem => Err(()),
        Found::Unsure => {
            let mut r = Reader::at(r.text(), r.mark());
            entity_from_parse(&mut r, attribute).map_err(drop)?
        }
    }
}

/// [`entity_at`] by reading the whole image.
fn entity_from_parse<'de>(
    r: &mut Reader<'de>,
    attribute: &str,
) -> std::result::Result<Result<Option<Cow<'de, str>>, ()>, Syntax> {
    r.open(b'{', "an object")?;
    let mut found = None;
    let mut first = true;
    while let Some(name) = r.next_key(std::mem::take(&mut first))? {
        if found.is_none() && name.as_str() == attribute {
            match string_attr(r) {
                Ok(value) => found = Some(value),
                Err(()) => return Ok(Err(())),
            }
        } else {
            r.skip()?;
        }
    }
    Ok(Ok(found))
}

/// `{"S": "…"}`, borrowed when it can be.
fn string_attr<'de>(r: &mut Reader<'de>) -> Result<Cow<'de, str>, ()> {
    r.open(b'{', "an object").map_err(drop)?;
    match r.next_key(true) {
        Ok(Some(tag)) if tag.as_str() == "S" => {}
        _ => return Err(()),
    }
    let value = match optional_string(r, "") {
        Ok(Some(value)) => value,
        _ => return Err(()),
    };
    match r.next_key(false) {
        Ok(None) => Ok(value),
        _ => Err(()),
    }
}
