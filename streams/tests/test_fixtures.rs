//! Captured fixtures: both decoding paths agree on every fixture, and the records decode to
//! exactly the items the capture scenario wrote, for every DynamoDB attribute type.

mod common;

use common::{agree, event, everything, everything_modified, fixture, Everything, Note, Shop};
use ferrodyn_streams::{Change, ChangeKind, Decoded, StreamView};

fn records<T: std::fmt::Debug>(decoded: Vec<Decoded<T>>) -> Vec<ferrodyn_streams::Record<T>> {
    decoded
        .into_iter()
        .map(|d| match d {
            Decoded::Record(r) => r,
            other => panic!("expected a decoded record, got {other:?}"),
        })
        .collect()
}

#[test]
fn both_paths_agree_on_every_fixture() {
    for name in common::CAPTURED.iter().chain(&["poison.json"]) {
        let json = fixture(name);
        let event = event(&json);
        let decoded = match *name {
            "all_types.json" => agree::<Everything>(&json, &event).len(),
            "single_table.json" | "poison.json" => {
                agree::<Shop>(&json, &event).len() + agree::<common::Order>(&json, &event).len()
            }
            _ => agree::<Note>(&json, &event).len(),
        };
        assert!(decoded > 0, "{name} has records");
    }
}

#[test]
fn every_attribute_type_decodes_to_the_value_written() {
    let json = fixture("all_types.json");
    let event = event(&json);
    let records = records(agree::<Everything>(&json, &event));
    let changes: Vec<Change<Everything>> = records.iter().map(|r| r.change().clone()).collect();
    assert_eq!(
        changes,
        vec![
            Change::Insert { new: Some(everything("e1", 1)) },
            Change::Modify { old: Some(everything("e1", 1)), new: Some(everything_modified()) },
            Change::Insert { new: Some(everything("e2", 3)) },
            Change::Remove { old: Some(everything_modified()) },
        ]
    );
}

#[test]
fn record_info_comes_from_the_record() {
    let json = fixture("all_types.json");
    let event = event(&json);
    let records = records(agree::<Everything>(&json, &event));
    let mut previous = String::new();
    for (record, raw) in records.iter().zip(&event.records) {
        let info = record.info();
        assert_eq!(info.event_id(), raw.event_id);
        assert_eq!(Some(info.sequence_number()), raw.change.sequence_number.as_deref());
        // Sequence numbers of one shard grow; DynamoDB Local pads them to one width.
        assert!(info.sequence_number() > previous.as_str());
        previous = info.sequence_number().to_owned();
        assert_eq!(info.view(), Some(StreamView::NewAndOldImages));
        assert!(info.approximate_creation_time().is_some());
        assert!(!info.is_ttl_expiry());
        assert_eq!(info.kind(), Some(record.kind()));
        assert!(info.keys().get_str("pk").is_some_and(|pk| pk.starts_with("ID#e")));
        assert_eq!(info.keys().get_str("sk"), Some("ITEM"));
        assert_eq!(info.keys().iter().count(), 2);
    }
    let kinds: Vec<ChangeKind> = records.iter().map(|r| r.kind()).collect();
    assert_eq!(
        kinds,
        [ChangeKind::Insert, ChangeKind::Modify, ChangeKind::Insert, ChangeKind::Remove]
    );
}
