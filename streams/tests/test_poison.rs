//! Poison records: each fails (or, for an unknown entity type, is skipped) alone, with an error
//! that names the record and never the attribute values; records without a sequence number fail
//! the whole batch.

mod common;

use common::{agree, event, fixture, Order, Shop};
use ferrodyn_streams::{decode_json, Decoded, ErrorKind};

/// Sequence number → what becomes of the record in `poison.json`.
const EXPECTED: &[(&str, Option<ErrorKind>)] = &[
    ("101", None),
    ("102", Some(ErrorKind::Decode)),        // total_cents is S
    ("103", Some(ErrorKind::InvalidRecord)), // no Keys
    ("104", Some(ErrorKind::Decode)),        // N "abc"
    ("105", Some(ErrorKind::Decode)),        // 39-digit N into i64
    ("106", None),                           // entity Refund: skipped
    ("107", Some(ErrorKind::Decode)),        // entity attribute is N
    ("108", Some(ErrorKind::Decode)),        // order_id missing
    ("109", Some(ErrorKind::InvalidRecord)), // eventName UPSERT
    ("111", Some(ErrorKind::Decode)),        // unknown status variant
    ("112", Some(ErrorKind::Decode)),        // lines is M, not L
    ("114", None),
];

#[test]
fn each_poison_record_fails_alone() {
    let json = fixture("poison.json");
    let event = event(&json);
    let decoded = agree::<Shop>(&json, &event);
    assert_eq!(decoded.len(), EXPECTED.len());
    for (d, (sequence_number, expected)) in decoded.iter().zip(EXPECTED) {
        assert_eq!(d.info().sequence_number(), *sequence_number);
        match (d, expected) {
            (Decoded::Failed(_, e), Some(kind)) => {
                assert_eq!(e.kind(), *kind, "{sequence_number}: {e}")
            }
            (Decoded::Record(_), None) => {}
            (Decoded::Skipped(_), None) => assert_eq!(*sequence_number, "106"),
            (other, _) => panic!("{sequence_number}: unexpected {other:?}"),
        }
    }
}

#[test]
fn errors_name_the_record_and_model_but_never_values() {
    let json = fixture("poison.json");
    for d in decode_json::<Order>(&json).expect("decodes") {
        if let Decoded::Failed(info, e) = d {
            let message = e.to_string();
            assert!(message.contains(info.sequence_number()), "{message}");
            for secret in ["secret", "abc", "123456789012345678901234567890", "2500", "UPSERT"] {
                assert!(!message.contains(secret), "{message} shows a value");
            }
            if e.kind() == ErrorKind::Decode && !message.contains("entity") {
                assert!(message.contains("as Order"), "{message}");
                assert!(message.contains("CUSTOMER#c1"), "{message} names the key");
            }
        }
    }
}

#[test]
fn decode_errors_say_what_was_wrong() {
    let json = fixture("poison.json");
    let decoded = decode_json::<Order>(&json).expect("decodes");
    let message = |sequence_number: &str| {
        decoded
            .iter()
            .find_map(|d| match d {
                Decoded::Failed(info, e) if info.sequence_number() == sequence_number => {
                    Some(e.to_string())
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("{sequence_number} failed"))
    };
    // The model's own errors, as `Db::get` gives them: they name the attribute.
    let ends = |sequence_number: &str, end: &str| {
        let message = message(sequence_number);
        assert!(message.ends_with(end), "{message} should end with {end:?}");
    };
    ends("102", "attribute `total_cents`: expected N (i64), found S");
    ends("104", "attribute `total_cents`: number does not fit i64");
    ends("105", "attribute `total_cents`: number does not fit i64");
    ends("108", "attribute `order_id`: missing required attribute");
    assert!(message("103").contains("Keys"), "{}", message("103"));
}

#[test]
fn malformed_attribute_values_fail_their_record_on_the_fast_path() {
    // aws_lambda_events rejects this whole event; the fast path fails only the two records.
    let json = fixture("poison_tags.json");
    assert!(serde_json::from_slice::<aws_lambda_events::event::dynamodb::Event>(&json).is_err());
    let decoded = decode_json::<Order>(&json).expect("decodes");
    let kinds: Vec<_> = decoded
        .iter()
        .map(|d| match d {
            Decoded::Record(_) => None,
            Decoded::Skipped(_) => panic!("nothing to skip"),
            Decoded::Failed(_, e) => Some(e.kind()),
        })
        .collect();
    assert_eq!(kinds, [None, Some(ErrorKind::Decode), Some(ErrorKind::Decode)]);
}

#[test]
fn a_record_without_a_sequence_number_fails_the_batch() {
    for name in ["missing_sequence_number.json", "empty_sequence_number.json"] {
        let json = fixture(name);
        let e = decode_json::<Order>(&json).expect_err("cannot be reported alone");
        assert_eq!(e.kind(), ErrorKind::MissingSequenceNumber, "{name}");
        assert!(e.to_string().contains("poison-"), "names the event id: {e}");
        let event = event(&json);
        let e = ferrodyn_streams::decode_event::<Order>(&event).expect_err("cannot be reported");
        assert_eq!(e.kind(), ErrorKind::MissingSequenceNumber, "{name}");
    }
}

#[test]
fn text_that_is_not_a_stream_event_fails_the_batch() {
    for text in [&b"not json"[..], b"{}", b"{\"Records\": 5}", b"[]"] {
        let e = decode_json::<Order>(text).expect_err("not an event");
        assert_eq!(e.kind(), ErrorKind::InvalidEvent);
    }
}
