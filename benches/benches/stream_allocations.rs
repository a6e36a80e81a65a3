//! Allocations of decoding the 10,000-record stream events of `streams.rs` (every shape) by each
//! path, counted by a counting global allocator (a separate binary, so the counting does not slow
//! the timings), against the model's own: what deserialising each image's model from plain JSON
//! (`serde_json`) allocates, summed over the event's images.

#[path = "streams/shapes.rs"]
mod shapes;

use std::alloc::System;
use std::hint::black_box;

use ferrodyn_streams::Decoded;
use shapes::{fast_path, floor, usual_way, via_lambda_events, Shape, Visit, RECORDS};
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

struct Count;

impl Visit for Count {
    fn visit<M: Shape>(&mut self, name: &'static str, json: Vec<u8>) {
        shapes::check::<M>(name, &json);
        // The model's own: each image of the event, as plain JSON, deserialised alone.
        let decoded = fast_path::<M>(&json);
        let images: Vec<String> = decoded
            .iter()
            .filter_map(|d| match d {
                Decoded::Record(r) => Some(r),
                _ => None,
            })
            .flat_map(|r| [r.change().old_image(), r.change().new_image()])
            .flatten()
            .map(|m| serde_json::to_string(m).expect("the model serialises"))
            .collect();
        drop(decoded);
        let own = images.iter().fold((0, 0), |(count, bytes), text| {
            let (c, b) = allocations(|| serde_json::from_str::<M>(text).expect("plain JSON"));
            (count + c, bytes + b)
        });
        let rows = [
            ("ferrodyn fast path", allocations(|| fast_path::<M>(&json))),
            ("ferrodyn via aws_lambda_events", allocations(|| via_lambda_events::<M>(&json))),
            ("aws_lambda_events + serde_dynamo", allocations(|| usual_way::<M>(&json))),
            ("serde_json IgnoredAny (floor)", allocations(|| floor(&json))),
            ("the model's own (plain JSON)", own),
        ];
        let per_record = |n: usize| n as f64 / RECORDS as f64;
        println!(
            "\n{name} ({:.1} MB, {} images): fast path {:.2} allocations a record beyond the model's own",
            json.len() as f64 / 1e6,
            images.len(),
            per_record(rows[0].1 .0) - per_record(own.0)
        );
        println!("  {:<34} {:>9} {:>12} {:>11}", "path", "allocs", "bytes", "per record");
        for (path, (count, bytes)) in rows {
            println!("  {path:<34} {count:>9} {bytes:>12} {:>11.2}", per_record(count));
        }
    }
}

fn main() {
    println!("allocations of decoding {RECORDS}-record stream events");
    shapes::each(&mut Count);
}
