//! Allocations of decoding the 10,000-record stream events of `streams.rs` (every shape) by each
//! path, counted by a counting global allocator (a separate binary, so the counting does not slow
//! the timings), against the model's own: what deserialising each image's model from plain JSON
//! (`serde_json`, all of the event's images in one array) allocates.

#[path = "streams/shapes.rs"]
mod shapes;

use std::alloc::System;
use std::hint::black_box;

use shapes::{
    fast_path, floor, models_own, plain_images, usual_way, via_lambda_events, Shape, Visit, RECORDS,
};
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
        // The model's own: the event's images, as plain JSON.
        // Deserialised as one array, as `streams.rs` times it: the array's own growth adds about
        // 15 allocations to the event's tens of thousands.
        let (count, images) = plain_images::<M>(&json);
        let own = allocations(|| models_own::<M>(&images));
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
            count,
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
