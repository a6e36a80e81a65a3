//! Model ↔ item conversion: ferrodyn's generated direct path against serde_dynamo on the same
//! 12-field struct, with allocation counts from a counting global allocator.
//!
//! After criterion's own report, an interleaved run (ferrodyn, serde_dynamo, repeat) prints the
//! median time per conversion of each and their ratio, which is robust to a noisy machine.

use std::alloc::System;
use std::hint::black_box;
use std::time::Instant;

use criterion::{BatchSize, Criterion};
use ferrodyn::{Item, Model};
use ferrodyn_benches::{record, Record};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn ferrodyn_to_item(r: &Record) -> Item {
    r.to_item().expect("record converts")
}

fn serde_to_item(r: &Record) -> Item {
    serde_dynamo::to_item(r).expect("record converts")
}

fn ferrodyn_from_item(item: Item) -> Record {
    Record::from_item(item).expect("item decodes")
}

fn serde_from_item(item: Item) -> Record {
    serde_dynamo::from_item(item).expect("item decodes")
}

fn criterion_benches(c: &mut Criterion) {
    let r = record();
    let item = ferrodyn_to_item(&r);
    let mut to = c.benchmark_group("to_item");
    to.bench_function("ferrodyn", |b| b.iter(|| ferrodyn_to_item(black_box(&r))));
    to.bench_function("serde_dynamo", |b| b.iter(|| serde_to_item(black_box(&r))));
    to.finish();
    let mut from = c.benchmark_group("from_item");
    from.bench_function("ferrodyn", |b| {
        b.iter_batched(|| item.clone(), ferrodyn_from_item, BatchSize::SmallInput)
    });
    from.bench_function("serde_dynamo", |b| {
        b.iter_batched(|| item.clone(), serde_from_item, BatchSize::SmallInput)
    });
    from.finish();
}

/// Allocations (count, bytes) of one call of `f` on a prepared input.
fn allocations<I, O>(input: impl Fn() -> I, f: impl Fn(I) -> O) -> (usize, usize) {
    let input = input();
    let region = Region::new(GLOBAL);
    let out = f(input);
    let stats = region.change();
    drop(black_box(out));
    (stats.allocations + stats.reallocations, stats.bytes_allocated)
}

/// Median nanoseconds per call over `rounds` interleaved batches of `batch` calls each.
fn interleaved<I: Clone>(
    rounds: usize,
    batch: usize,
    input: &I,
    fs: [&dyn Fn(I); 2],
) -> [f64; 2] {
    let mut samples = [Vec::with_capacity(rounds), Vec::with_capacity(rounds)];
    let mut inputs: Vec<I> = Vec::with_capacity(batch);
    for _ in 0..rounds {
        for (i, f) in fs.iter().enumerate() {
            inputs.clear();
            inputs.extend(std::iter::repeat_n(input, batch).cloned());
            let start = Instant::now();
            for x in inputs.drain(..) {
                f(black_box(x));
            }
            samples[i].push(start.elapsed().as_nanos() as f64 / batch as f64);
        }
    }
    samples.map(|mut s| {
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    })
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    criterion_benches(&mut criterion);
    criterion.final_summary();

    let r = record();
    let item = ferrodyn_to_item(&r);
    assert_eq!(ferrodyn_from_item(item.clone()), r, "ferrodyn round trip");
    assert_eq!(serde_from_item(serde_to_item(&r)), r, "serde_dynamo round trip");

    let rounds = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(201);
    let to = interleaved(rounds, 200, &r, [
        &|r: Record| drop(black_box(ferrodyn_to_item(&r))),
        &|r: Record| drop(black_box(serde_to_item(&r))),
    ]);
    // The clone of the input happens outside the timed loop in `interleaved`.
    let from = interleaved(rounds, 200, &item, [
        &|i: Item| drop(black_box(ferrodyn_from_item(i))),
        &|i: Item| drop(black_box(serde_from_item(i))),
    ]);
    let to_alloc = [
        allocations(|| r.clone(), |r| ferrodyn_to_item(&r)),
        allocations(|| r.clone(), |r| serde_to_item(&r)),
    ];
    let from_alloc = [
        allocations(|| item.clone(), ferrodyn_from_item),
        allocations(|| item.clone(), serde_from_item),
    ];

    println!("\nconversion of the 12-field Record, medians of {rounds} interleaved rounds");
    println!("{:<10} {:<13} {:>10} {:>8} {:>10} {:>8}", "direction", "library", "ns/op", "allocs", "bytes", "speedup");
    for (name, times, allocs) in [("to_item", to, to_alloc), ("from_item", from, from_alloc)] {
        for (i, library) in ["ferrodyn", "serde_dynamo"].iter().enumerate() {
            let speedup = times[1] / times[i];
            println!(
                "{name:<10} {library:<13} {:>10.0} {:>8} {:>10} {:>7.2}x",
                times[i], allocs[i].0, allocs[i].1, speedup
            );
        }
    }
    println!(
        "ratio ferrodyn/serde_dynamo: to_item {:.2}x faster, {} vs {} allocations; from_item {:.2}x faster, {} vs {} allocations",
        to[1] / to[0], to_alloc[0].0, to_alloc[1].0, from[1] / from[0], from_alloc[0].0, from_alloc[1].0
    );
}
