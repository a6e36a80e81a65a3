//! Decoding a 10,000-record DynamoDB stream event (≈6 MB of Order records with lines) into typed
//! changes: ferrodyn-streams' one-pass JSON path, ferrodyn-streams over an `aws_lambda_events`
//! event, the usual way (`aws_lambda_events` then `serde_dynamo::from_item` per image), and a
//! bare `serde_json` parse into `IgnoredAny` as the floor no decoder can beat. Allocation counts
//! are in `stream_allocations.rs`.
//!
//! After criterion's report, an interleaved run prints the median of each and the ratios; each
//! timed call follows an untimed one of the same path, and includes dropping the result.

use std::hint::black_box;
use std::time::Instant;

use aws_lambda_events::event::dynamodb::Event;
use criterion::Criterion;
use ferrodyn_benches::{stream_event, StreamOrder};
use ferrodyn_streams::{decode_event, decode_json, Change, Decoded};

const RECORDS: usize = 10_000;

fn fast_path(json: &[u8]) -> Vec<Decoded<StreamOrder>> {
    decode_json(json).expect("the event decodes")
}

fn via_lambda_events(json: &[u8]) -> usize {
    let event: Event = serde_json::from_slice(json).expect("the event parses");
    let decoded: Vec<Decoded<StreamOrder>> = decode_event(&event).expect("the event decodes");
    decoded.len()
}

/// What a consumer writes without ferrodyn-streams: parse the event, then deserialise each image.
fn usual_way(json: &[u8]) -> Vec<(String, Change<StreamOrder>)> {
    let event: Event = serde_json::from_slice(json).expect("the event parses");
    let image = |item: serde_dynamo::Item| -> Option<StreamOrder> {
        (!item.is_empty()).then(|| serde_dynamo::from_item(item).expect("the image decodes"))
    };
    event
        .records
        .into_iter()
        .map(|r| {
            let sequence_number = r.change.sequence_number.unwrap_or_default();
            let change = match r.event_name.as_str() {
                "INSERT" => Change::Insert { new: image(r.change.new_image) },
                "MODIFY" => Change::Modify {
                    old: image(r.change.old_image),
                    new: image(r.change.new_image),
                },
                _ => Change::Remove { old: image(r.change.old_image) },
            };
            (sequence_number, change)
        })
        .collect()
}

fn floor(json: &[u8]) -> serde::de::IgnoredAny {
    serde_json::from_slice(json).expect("the event parses")
}

fn criterion_benches(c: &mut Criterion, json: &[u8]) {
    // Each iteration decodes and drops what it decoded, as an invocation does: the heap is
    // reused from one iteration to the next, and dropping is part of the cost.
    let mut group = c.benchmark_group("decode 10k-record stream event");
    group.sample_size(20);
    group.bench_function("ferrodyn fast path", |b| b.iter(|| fast_path(black_box(json)).len()));
    group.bench_function("ferrodyn via aws_lambda_events", |b| {
        b.iter(|| via_lambda_events(black_box(json)))
    });
    group.bench_function("aws_lambda_events + serde_dynamo", |b| {
        b.iter(|| usual_way(black_box(json)).len())
    });
    group.bench_function("serde_json IgnoredAny (floor)", |b| b.iter(|| floor(black_box(json))));
    group.finish();
}

/// A decoder under test: its name, and a call returning how many records it produced.
type Path<'a> = (&'a str, &'a dyn Fn(&[u8]) -> usize);

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let json = stream_event(RECORDS).into_bytes();

    // The paths agree before anything is timed.
    let fast = fast_path(&json);
    assert_eq!(fast.len(), RECORDS);
    assert!(fast.iter().all(|d| matches!(d, Decoded::Record(_))), "every record decodes");
    let usual = usual_way(&json);
    for (d, (sequence_number, change)) in fast.iter().zip(&usual) {
        let Decoded::Record(r) = d else { unreachable!("checked above") };
        assert_eq!(r.sequence_number(), sequence_number);
        assert_eq!(r.change(), change, "the fast path and serde_dynamo agree");
    }
    assert_eq!(via_lambda_events(&json), RECORDS);
    // Freed before anything is timed: live results scattered through the heap would slow
    // every allocation after them.
    drop((fast, usual));

    let mut criterion = Criterion::default().configure_from_args();
    criterion_benches(&mut criterion, &json);
    criterion.final_summary();

    let rounds = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(21);
    let fs: [Path<'_>; 4] = [
        ("ferrodyn fast path", &|j| fast_path(j).len()),
        ("ferrodyn via aws_lambda_events", &via_lambda_events),
        ("aws_lambda_events + serde_dynamo", &|j| usual_way(j).len()),
        ("serde_json IgnoredAny (floor)", &|j| {
            floor(j);
            0
        }),
    ];
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); fs.len()];
    for _ in 0..rounds {
        for (i, (_, f)) in fs.iter().enumerate() {
            // An untimed call first, so that each path is timed on the heap it leaves itself:
            // the hundreds of thousands of blocks another path just freed would otherwise be
            // merged at this one's first large allocation, on its clock.
            black_box(f(black_box(&json)));
            let start = Instant::now();
            black_box(f(black_box(&json)));
            samples[i].push(start.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let medians: Vec<f64> = samples.into_iter().map(median).collect();
    println!(
        "\ndecoding a {RECORDS}-record stream event ({:.1} MB), medians of {rounds} interleaved rounds \
         (each path timed after an untimed call of its own)",
        json.len() as f64 / 1e6
    );
    println!("{:<34} {:>9} {:>12} {:>10}", "path", "ms", "vs usual", "vs floor");
    for ((name, _), ms) in fs.iter().zip(&medians) {
        println!("{name:<34} {ms:>9.2} {:>11.2}x {:>9.2}x", medians[2] / ms, ms / medians[3]);
    }
}
