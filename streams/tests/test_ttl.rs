//! TTL expiry: a removal by DynamoDB's TTL process (`userIdentity` of the service) is told apart
//! from a removal by a request.

mod common;

use common::{agree, event, fixture, note, Note};
use ferrodyn_streams::{Change, Decoded};

#[test]
fn a_ttl_removal_is_marked_and_others_are_not() {
    let json = fixture("ttl.json");
    let event = event(&json);
    let records: Vec<_> = agree::<Note>(&json, &event)
        .into_iter()
        .map(|d| match d {
            Decoded::Record(r) => r,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(records.len(), 2);
    assert!(!records[0].is_ttl_expiry());
    assert!(records[1].is_ttl_expiry());
    assert_eq!(records[1].change(), &Change::Remove { old: Some(note("expiring")) });
}

#[test]
fn a_removal_by_request_is_not_a_ttl_expiry() {
    let json = fixture("all_types.json");
    let event = event(&json);
    let decoded = agree::<common::Everything>(&json, &event);
    let remove = decoded.last().expect("a record");
    assert!(matches!(remove, Decoded::Record(r) if !r.is_ttl_expiry()));
}

#[test]
fn only_the_dynamodb_service_identity_means_ttl() {
    let text = String::from_utf8(fixture("ttl.json")).expect("utf-8");
    let other = text.replace("dynamodb.amazonaws.com", "someone.example.com");
    assert_ne!(text, other);
    let decoded = ferrodyn_streams::decode_json::<Note>(other.as_bytes()).expect("decodes");
    assert!(decoded.iter().all(|d| !d.info().is_ttl_expiry()));
}
