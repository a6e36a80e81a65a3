//! The capture program's scenario, run against DynamoDB Local now: both paths agree on the live
//! events, and they hold the same changes as the committed fixtures (which other tests check
//! against the items written), so the fixtures are what DynamoDB Local's stream produces.

mod common;

use common::{agree, Everything, Note, Shop};
use ferrodyn_streams::{Change, Decoded};

fn changes<'de, T>(
    json: &'de [u8],
    event: &'de aws_lambda_events::event::dynamodb::Event,
) -> Vec<Option<Change<T>>>
where
    T: ferrodyn::meta::DeserializeEntity<'de> + PartialEq + std::fmt::Debug,
{
    agree::<T>(json, event)
        .into_iter()
        .map(|d| match d {
            Decoded::Record(r) => Some(r.into_change()),
            Decoded::Skipped(_) => None,
            Decoded::Failed(info, e) => panic!("record {}: {e}", info.sequence_number()),
        })
        .collect()
}

fn same_changes<T>(name: &str, live: &[u8])
where
    T: for<'de> ferrodyn::meta::DeserializeEntity<'de> + PartialEq + std::fmt::Debug,
{
    let committed = common::fixture(name);
    let (live_event, committed_event) = (common::event(live), common::event(&committed));
    assert_eq!(
        changes::<T>(live, &live_event),
        changes::<T>(&committed, &committed_event),
        "{name} differs from a fresh capture: regenerate it with \
         `cargo run -p ferrodyn-streams --example capture_fixtures`"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fresh_capture_matches_the_committed_fixtures() {
    let events = common::capture().await.expect("the scenario runs on DynamoDB Local");
    let names: Vec<&str> = events.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, common::CAPTURED);
    for (name, event) in events {
        let live = serde_json::to_vec(&event).expect("serialises");
        match name {
            "all_types.json" => same_changes::<Everything>(name, &live),
            "single_table.json" => same_changes::<Shop>(name, &live),
            _ => same_changes::<Note>(name, &live),
        }
    }
}
