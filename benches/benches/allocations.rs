//! Allocations of one model ↔ item conversion, ferrodyn against serde_dynamo, counted by a
//! counting global allocator (a separate binary, so the counting does not slow the timings in
//! `conversion.rs`).

use std::alloc::System;
use std::hint::black_box;

use ferrodyn::{Item, Model};
use ferrodyn_benches::{record, Record};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations (count including reallocations, bytes) of one call of `f` on a prepared input.
fn allocations<I, O>(input: I, f: impl Fn(I) -> O) -> (usize, usize) {
    let region = Region::new(GLOBAL);
    let out = f(input);
    let stats = region.change();
    drop(black_box(out));
    (stats.allocations + stats.reallocations, stats.bytes_allocated)
}

fn main() {
    let r = record();
    let item: Item = r.to_item().expect("record converts");
    let rows = [
        ("to_item", "ferrodyn", allocations(&r, |r| r.to_item().expect("converts"))),
        (
            "to_item",
            "serde_dynamo",
            allocations(&r, |r| serde_dynamo::to_item::<_, Item>(r).expect("converts")),
        ),
        (
            "from_item",
            "ferrodyn",
            allocations(item.clone(), |i| Record::from_item(i).expect("decodes")),
        ),
        (
            "from_item",
            "serde_dynamo",
            allocations(item.clone(), |i| {
                serde_dynamo::from_item::<_, Record>(i).expect("decodes")
            }),
        ),
    ];
    println!("allocations of one conversion of the 12-field Record");
    println!("{:<10} {:<13} {:>7} {:>7}", "direction", "library", "allocs", "bytes");
    for (direction, library, (count, bytes)) in rows {
        println!("{direction:<10} {library:<13} {count:>7} {bytes:>7}");
    }
}
