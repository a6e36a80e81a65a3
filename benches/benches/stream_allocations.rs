//! Allocations of decoding the 10,000-record stream event of `streams.rs` by each path, counted
//! by a counting global allocator (a separate binary, so the counting does not slow the timings).

use std::alloc::System;
use std::hint::black_box;

use aws_lambda_events::event::dynamodb::Event;
use ferrodyn_benches::{stream_event, StreamOrder};
use ferrodyn_streams::{decode_event, decode_json, Decoded};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations (count including reallocations, bytes) of one call of `f`.
fn allocations<O>(f: impl FnOnce() -> O) -> (usize, usize) {
    let region = Region::new(GLOBAL);
    let out = f();
    let stats = region.change();
    drop(black_box(out));
    (stats.allocations + stats.reallocations, stats.bytes_allocated)
}

fn main() {
    let json = stream_event(10_000).into_bytes();
    let rows = [
        ("ferrodyn fast path", allocations(|| decode_json::<StreamOrder>(&json).expect("decodes"))),
        (
            "ferrodyn via aws_lambda_events",
            allocations(|| {
                let event: Event = serde_json::from_slice(&json).expect("parses");
                let decoded: Vec<Decoded<StreamOrder>> = decode_event(&event).expect("decodes");
                (decoded, event)
            }),
        ),
        (
            "aws_lambda_events + serde_dynamo",
            allocations(|| {
                let event: Event = serde_json::from_slice(&json).expect("parses");
                let image = |item: serde_dynamo::Item| -> Option<StreamOrder> {
                    (!item.is_empty()).then(|| serde_dynamo::from_item(item).expect("decodes"))
                };
                event
                    .records
                    .into_iter()
                    .map(|r| {
                        let sequence_number = r.change.sequence_number.unwrap_or_default();
                        (sequence_number, image(r.change.new_image), image(r.change.old_image))
                    })
                    .collect::<Vec<_>>()
            }),
        ),
        (
            "serde_json IgnoredAny (floor)",
            allocations(|| serde_json::from_slice::<serde::de::IgnoredAny>(&json).expect("parses")),
        ),
    ];
    println!(
        "allocations of decoding a 10,000-record stream event ({:.1} MB)",
        json.len() as f64 / 1e6
    );
    println!("{:<34} {:>9} {:>12}", "path", "allocs", "bytes");
    for (name, (count, bytes)) in rows {
        println!("{name:<34} {count:>9} {bytes:>12}");
    }
}
