//! Decoding 10,000-record DynamoDB stream events of several record shapes (`streams/shapes.rs`)
//! into typed changes: ferrodyn-streams' one-pass JSON path, ferrodyn-streams over an
//! `aws_lambda_events` event, the usual way (`aws_lambda_events` then `serde_dynamo::from_item`
//! per image), and a bare `serde_json` parse into `IgnoredAny` as the floor no decoder can beat;
//! and the model's own work (the images as plain JSON, deserialised by `serde_json`), which
//! every decoder of these models does on top of reading DynamoDB's JSON. Allocation counts are
//! in `stream_allocations.rs`.
//!
//! Criterion reports the order shape; then an interleaved run (every shape and path in each
//! round) prints each shape's medians and ratios. Each timed call follows an untimed one of the
//! same path, and includes dropping the result. `ROUNDS` sets the rounds (default 21), `SHAPES`
//! a comma-separated filter on the shapes' names, `CRITERION=0` leaves criterion out.

#[path = "streams/shapes.rs"]
mod shapes;

use std::hint::black_box;
use std::time::Instant;

use criterion::Criterion;
use ferrodyn_benches::StreamOrder;
use shapes::{
    fast_path, floor, models_own, plain_images, usual_way, via_lambda_events, Shape, Visit, RECORDS,
};

fn criterion_benches(c: &mut Criterion, json: &[u8]) {
    // Each iteration decodes and drops what it decoded, as an invocation does: the heap is
    // reused from one iteration to the next, and dropping is part of the cost.
    let mut group = c.benchmark_group("decode 10k-record stream event");
    group.sample_size(20);
    group.bench_function("ferrodyn fast path", |b| {
        b.iter(|| fast_path::<StreamOrder>(black_box(json)).len())
    });
    group.bench_function("ferrodyn via aws_lambda_events", |b| {
        b.iter(|| via_lambda_events::<StreamOrder>(black_box(json)).0.len())
    });
    group.bench_function("aws_lambda_events + serde_dynamo", |b| {
        b.iter(|| usual_way::<StreamOrder>(black_box(json)).len())
    });
    group.bench_function("serde_json IgnoredAny (floor)", |b| b.iter(|| floor(black_box(json))));
    group.finish();
}

/// A decoder under test: a call returning how many records it produced.
type Path = Box<dyn Fn(&[u8]) -> usize>;

const PATHS: [&str; 5] = [
    "ferrodyn fast path",
    "ferrodyn via aws_lambda_events",
    "aws_lambda_events + serde_dynamo",
    "serde_json IgnoredAny (floor)",
    "the model's own (plain JSON)",
];

struct Prepared {
    name: &'static str,
    json: Vec<u8>,
    paths: [Path; 5],
}

/// Checks each shape and keeps its event and paths.
struct Prepare {
    filter: Option<Vec<String>>,
    shapes: Vec<Prepared>,
}

impl Visit for Prepare {
    fn visit<M: Shape>(&mut self, name: &'static str, json: Vec<u8>) {
        if self.filter.as_ref().is_some_and(|f| !f.iter().any(|f| name.contains(f.as_str()))) {
            return;
        }
        shapes::check::<M>(name, &json);
        // The model's own runs on the images as plain JSON, made once here.
        let (_, images) = plain_images::<M>(&json);
        let paths: [Path; 5] = [
            Box::new(|j| fast_path::<M>(j).len()),
            Box::new(|j| via_lambda_events::<M>(j).0.len()),
            Box::new(|j| usual_way::<M>(j).len()),
            Box::new(|j| {
                floor(j);
                0
            }),
            Box::new(move |_| models_own::<M>(&images).len()),
        ];
        self.shapes.push(Prepared { name, json, paths });
    }
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let filter = std::env::var("SHAPES").ok().map(|s| s.split(',').map(str::to_owned).collect());
    let mut prepare = Prepare { filter, shapes: Vec::new() };
    shapes::each(&mut prepare);

    if std::env::var("CRITERION").as_deref() != Ok("0") {
        let order = ferrodyn_benches::stream_event(RECORDS).into_bytes();
        let mut criterion = Criterion::default().configure_from_args();
        criterion_benches(&mut criterion, &order);
        criterion.final_summary();
    }

    let rounds = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(21);
    let shapes = prepare.shapes;
    let mut samples: Vec<[Vec<f64>; 5]> = shapes.iter().map(|_| Default::default()).collect();
    for _ in 0..rounds {
        for (shape, samples) in shapes.iter().zip(&mut samples) {
            for (path, samples) in shape.paths.iter().zip(samples.iter_mut()) {
                // An untimed call first, so that each path is timed on the heap it leaves
                // itself: the hundreds of thousands of blocks another path just freed would
                // otherwise be merged at this one's first large allocation, on its clock.
                black_box(path(black_box(&shape.json)));
                let start = Instant::now();
                black_box(path(black_box(&shape.json)));
                samples.push(start.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    println!(
        "\ndecoding {RECORDS}-record stream events, medians of {rounds} interleaved rounds \
         (each path timed after an untimed call of its own)"
    );
    for (shape, samples) in shapes.iter().zip(samples) {
        let ms: Vec<f64> = samples.into_iter().map(median).collect();
        println!(
            "\n{} ({:.1} MB): fast/floor {:.2}x, usual/fast {:.2}x, model's own/floor {:.2}x, \
             fast/model's own {:.2}x",
            shape.name,
            shape.json.len() as f64 / 1e6,
            ms[0] / ms[3],
            ms[2] / ms[0],
            ms[4] / ms[3],
            ms[0] / ms[4]
        );
        println!("  {:<34} {:>9} {:>12} {:>10}", "path", "ms", "vs usual", "vs floor");
        for (name, m) in PATHS.iter().zip(&ms) {
            println!("  {name:<34} {m:>9.2} {:>11.2}x {:>9.2}x", ms[2] / m, m / ms[3]);
        }
    }
}
