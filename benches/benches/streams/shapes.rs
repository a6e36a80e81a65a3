//! The record shapes both stream benchmarks run, and the four ways each decodes an event: the
//! one-pass fast path, ferrodyn-streams over an `aws_lambda_events` event, the usual way
//! (`aws_lambda_events` then `serde_dynamo::from_item` per image), and the floor (`serde_json`
//! into `IgnoredAny`, reading the text and building nothing) — and, next to them, the model's
//! own work: the same images as plain JSON deserialised by `serde_json`, which builds the models
//! and nothing else.

use std::fmt::Debug;

use aws_lambda_events::event::dynamodb::Event;
use ferrodyn_benches::shapes::{self, event_of};
use ferrodyn_benches::{stream_event, StreamOrder};
use ferrodyn_streams::{decode_event, decode_json, Change, Decoded, DeserializeEntity};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Records in each event: the largest batch Lambda delivers.
pub(crate) const RECORDS: usize = 10_000;

/// What every shape's model is.
pub(crate) trait Shape:
    for<'de> DeserializeEntity<'de> + DeserializeOwned + Serialize + PartialEq + Debug + 'static
{
}
impl<
        M: for<'de> DeserializeEntity<'de>
            + DeserializeOwned
            + Serialize
            + PartialEq
            + Debug
            + 'static,
    > Shape for M
{
}

/// Something done with each shape: its name, model and event.
pub(crate) trait Visit {
    fn visit<M: Shape>(&mut self, name: &'static str, json: Vec<u8>);
}

/// Every shape, in the order the reports list them.
pub(crate) fn each(v: &mut impl Visit) {
    v.visit::<StreamOrder>("orders with lines", stream_event(RECORDS).into_bytes());
    v.visit::<shapes::Listing>(
        "probe: sets, map, float, 4 maps",
        event_of(RECORDS, shapes::listing).into_bytes(),
    );
    v.visit::<shapes::Audience>("set-heavy", event_of(RECORDS, shapes::audience).into_bytes());
    v.visit::<shapes::Page>("nested lists of maps", event_of(RECORDS, shapes::page).into_bytes());
    v.visit::<shapes::Reading>("number-heavy", event_of(RECORDS, shapes::reading).into_bytes());
    v.visit::<shapes::Contact>("string-heavy", event_of(RECORDS, shapes::contact).into_bytes());
}

pub(crate) fn fast_path<M: Shape>(json: &[u8]) -> Vec<Decoded<M>> {
    decode_json(json).expect("the event decodes")
}

pub(crate) fn via_lambda_events<M: Shape>(json: &[u8]) -> (Vec<Decoded<M>>, Event) {
    let event: Event = serde_json::from_slice(json).expect("the event parses");
    let decoded = decode_event(&event).expect("the event decodes");
    (decoded, event)
}

/// What a consumer writes without ferrodyn-streams: parse the event, then deserialise each image.
pub(crate) fn usual_way<M: Shape>(json: &[u8]) -> Vec<(String, Change<M>)> {
    let event: Event = serde_json::from_slice(json).expect("the event parses");
    let image = |item: serde_dynamo::Item| -> Option<M> {
        (!item.is_empty()).then(|| serde_dynamo::from_item(item).expect("the image decodes"))
    };
    event
        .records
        .into_iter()
        .map(|r| {
            let sequence_number = r.change.sequence_number.unwrap_or_default();
            let change = match r.event_name.as_str() {
                "INSERT" => Change::Insert { new: image(r.change.new_image) },
                "MODIFY" => Change::Modify {
                    old: image(r.change.old_image),
                    new: image(r.change.new_image),
                },
                _ => Change::Remove { old: image(r.change.old_image) },
            };
            (sequence_number, change)
        })
        .collect()
}

/// Every image of the event's records as plain JSON (`serde_json` of the model), in one JSON
/// array, and how many there are: what the model's own work is measured on, without DynamoDB's
/// type wrappers or the records' envelopes.
pub(crate) fn plain_images<M: Shape>(json: &[u8]) -> (usize, Vec<u8>) {
    let images: Vec<String> = fast_path::<M>(json)
        .iter()
        .filter_map(|d| match d {
            Decoded::Record(r) => Some(r),
            _ => None,
        })
        .flat_map(|r| [r.change().old_image(), r.change().new_image()])
        .flatten()
        .map(|m| serde_json::to_string(m).expect("the model serialises"))
        .collect();
    (images.len(), format!("[{}]", images.join(",")).into_bytes())
}

/// The model's own work: [`plain_images`]' array deserialised by `serde_json` into models — allocating and filling their strings, lists, maps and sets.
pub(crate) fn models_own<M: Shape>(images: &[u8]) -> Vec<M> {
    serde_json::from_slice(images).expect("the plain images parse")
}

pub(crate) fn floor(json: &[u8]) -> serde::de::IgnoredAny {
    serde_json::from_slice(json).expect("the event parses")
}

/// The fast path and serde_dynamo agree on every record of `json`, and every record decodes.
pub(crate) fn check<M: Shape>(name: &str, json: &[u8]) {
    let fast = fast_path::<M>(json);
    assert_eq!(fast.len(), RECORDS, "{name}");
    let usual = usual_way::<M>(json);
    for (d, (sequence_number, change)) in fast.iter().zip(&usual) {
        let Decoded::Record(r) = d else { panic!("{name}: a record did not decode: {d:?}") };
        assert_eq!(r.sequence_number(), sequence_number);
        assert_eq!(r.change(), change, "{name}: the fast path and serde_dynamo agree");
    }
    assert_eq!(via_lambda_events::<M>(json).0.len(), RECORDS, "{name}");
}
