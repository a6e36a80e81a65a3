//! Stream view types: each record carries the images its view gives, and asking for one it does
//! not carry is an error that says why.

mod common;

use common::{agree, event, fixture, note, Note};
use ferrodyn_streams::{Change, ChangeKind, Decoded, ErrorKind, Record, StreamView};

fn records(name: &str) -> Vec<Record<Note>> {
    let json = fixture(name);
    let event = event(&json);
    agree::<Note>(&json, &event)
        .into_iter()
        .map(|d| match d {
            Decoded::Record(r) => r,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn keys_only_records_carry_keys_and_no_image() {
    let records = records("keys_only.json");
    let kinds: Vec<ChangeKind> = records.iter().map(Record::kind).collect();
    assert_eq!(kinds, [ChangeKind::Insert, ChangeKind::Modify, ChangeKind::Remove]);
    for r in &records {
        assert_eq!(r.info().view(), Some(StreamView::KeysOnly));
        assert_eq!(r.keys().get_str("pk"), Some("NOTE#n1"));
        assert_eq!(r.change().new_image(), None);
        assert_eq!(r.change().old_image(), None);
    }
    let e = records[1].new_image().expect_err("no new image");
    assert_eq!(e.kind(), ErrorKind::MissingImage);
    assert!(e.to_string().contains("the stream view KEYS_ONLY carries no new image"), "{e}");
    let e = records[1].old_image().expect_err("no old image");
    assert!(e.to_string().contains("KEYS_ONLY carries no old image"), "{e}");
}

#[test]
fn new_image_records_carry_the_new_image_only() {
    let records = records("new_image.json");
    assert_eq!(records[0].change(), &Change::Insert { new: Some(note("first")) });
    assert_eq!(records[1].change(), &Change::Modify { old: None, new: Some(note("second")) });
    assert_eq!(records[2].change(), &Change::Remove { old: None });
    assert_eq!(records[1].new_image().expect("carried"), &note("second"));
    let e = records[1].old_image().expect_err("not carried");
    assert!(e.is_missing_image());
    assert!(e.to_string().contains("NEW_IMAGE carries no old image"), "{e}");
    let e = records[2].new_image().expect_err("a REMOVE has none");
    assert!(e.to_string().contains("a REMOVE has no new image"), "{e}");
}

#[test]
fn old_image_records_carry_the_old_image_only() {
    let records = records("old_image.json");
    assert_eq!(records[0].change(), &Change::Insert { new: None });
    assert_eq!(records[1].change(), &Change::Modify { old: Some(note("first")), new: None });
    assert_eq!(records[2].change(), &Change::Remove { old: Some(note("second")) });
    assert_eq!(records[2].old_image().expect("carried"), &note("second"));
    let e = records[0].new_image().expect_err("not carried");
    assert!(e.to_string().contains("OLD_IMAGE carries no new image"), "{e}");
    let e = records[0].old_image().expect_err("an INSERT has none");
    assert!(e.to_string().contains("an INSERT has no old image"), "{e}");
}

#[test]
fn an_empty_image_is_no_image_on_both_paths() {
    let text = String::from_utf8(fixture("new_image.json")).expect("utf-8");
    let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
    value["Records"][0]["dynamodb"]["NewImage"] = serde_json::json!({});
    let json = serde_json::to_vec(&value).expect("serialises");
    let event = event(&json);
    let decoded = agree::<Note>(&json, &event);
    assert!(
        matches!(&decoded[0], Decoded::Record(r) if r.change() == &Change::Insert { new: None })
    );
}
