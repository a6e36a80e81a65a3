//! Model ↔ item conversion time: ferrodyn's generated direct path against serde_dynamo on the same
//! 12-field struct (allocation counts are in `allocations.rs`, whose counting allocator would
//! otherwise add its own cost to every allocation timed here).
//!
//! After criterion's own report, an interleaved run (ferrodyn, serde_dynamo, repeat) prints the
//! median time per conversion of each and their ratio, which is robust to a noisy machine.

use std::hint::black_box;
use std::time::Instant;

use criterion::{BatchSize, Criterion};
use ferrodyn::{Item, Model};
use ferrodyn_benches::{record, Record};

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
    // Both produce the same Item; dropping it is left out of the timing for both.
    to.bench_function("ferrodyn", |b| b.iter_with_large_drop(|| ferrodyn_to_item(black_box(&r))));
    to.bench_function("serde_dynamo", |b| b.iter_with_large_drop(|| serde_to_item(black_box(&r))));
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

/// Median nanoseconds per call over `rounds` interleaved batches of `batch` calls each. Inputs are
/// made and outputs dropped outside the timed loop, identically for both functions, so the time is
/// the conversion itself.
fn interleaved<I, O>(
    rounds: usize,
    batch: usize,
    make_input: impl Fn() -> I,
    fs: [&dyn Fn(I) -> O; 2],
) -> [f64; 2] {
    let mut samples = [Vec::with_capacity(rounds), Vec::with_capacity(rounds)];
    for _ in 0..rounds {
        for (i, f) in fs.iter().enumerate() {
            let mut inputs: Vec<I> = (0..batch).map(|_| make_input()).collect();
            let mut outputs: Vec<O> = Vec::with_capacity(batch);
            let start = Instant::now();
            for x in inputs.drain(..) {
                outputs.push(f(black_box(x)));
            }
            samples[i].push(start.elapsed().as_nanos() as f64 / batch as f64);
            drop(black_box(outputs));
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
    let to = interleaved(rounds, 200, || &r, [&|r| ferrodyn_to_item(r), &|r| serde_to_item(r)]);
    let from = interleaved(rounds, 200, || item.clone(), [&ferrodyn_from_item, &serde_from_item]);
    println!(
        "\nconversion of the 12-field Record, medians of {rounds} interleaved rounds (ns per call)"
    );
    println!(
        "to_item:   ferrodyn {:.0}, serde_dynamo {:.0}: ferrodyn {:.2}x faster",
        to[0],
        to[1],
        to[1] / to[0]
    );
    println!(
        "from_item: ferrodyn {:.0}, serde_dynamo {:.0}: ferrodyn {:.2}x faster",
        from[0],
        from[1],
        from[1] / from[0]
    );
}
