//! Batch processing: the partial-failure response names exactly the failed records (ordered
//! mode: the first failure and everything after it), for handler errors, panics, decode failures
//! and records not started before the deadline.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use common::{block_on, fixture, orders_event, Order};
use ferrodyn_streams::{process, BatchResponse, Mode, Processor, Record};
use proptest::prelude::*;

fn failures(response: &BatchResponse) -> Vec<String> {
    response.failures().map(str::to_owned).collect()
}

fn seq(range: std::ops::RangeInclusive<usize>) -> Vec<String> {
    range.map(|i| i.to_string()).collect()
}

/// Runs `processor` over `event`, failing the records whose order id is in `failing`.
fn run(processor: &Processor, event: &str, failing: &BTreeSet<usize>) -> BatchResponse {
    block_on(processor.process(event, |record: Record<Order>| {
        let order_id = record.new_image().map(|o| o.order_id.clone()).unwrap_or_default();
        let fail = failing.iter().any(|i| order_id == format!("o{i}"));
        async move {
            if fail {
                Err(format!("order {order_id} failed"))
            } else {
                Ok(())
            }
        }
    }))
    .expect("the batch is processed")
}

proptest! {
    #[test]
    fn best_effort_reports_exactly_the_failed_records(
        (n, failing) in (1usize..40).prop_flat_map(|n| (Just(n), proptest::collection::btree_set(1..=n, 0..=n)))
    ) {
        let event = orders_event(n);
        let response = run(&Processor::new().best_effort(), &event, &failing);
        let expected: Vec<String> = failing.iter().map(usize::to_string).collect();
        prop_assert_eq!(failures(&response), expected);
    }

    #[test]
    fn ordered_reports_the_first_failure_and_every_later_record(
        (n, failing) in (1usize..40).prop_flat_map(|n| (Just(n), proptest::collection::btree_set(1..=n, 0..=n)))
    ) {
        let event = orders_event(n);
        let response = run(&Processor::new(), &event, &failing);
        let expected = match failing.first() {
            Some(&first) => seq(first..=n),
            None => vec![],
        };
        prop_assert_eq!(failures(&response), expected);
    }
}

#[test]
fn ordered_mode_does_not_run_the_handler_after_a_failure() {
    let event = orders_event(5);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let response = block_on(process(event.as_str(), |record: Record<Order>| {
        let seen = seen.clone();
        async move {
            seen.lock().expect("not poisoned").push(record.sequence_number().to_owned());
            if record.sequence_number() == "2" {
                Err("fails")
            } else {
                Ok(())
            }
        }
    }))
    .expect("processed");
    assert_eq!(failures(&response), seq(2..=5));
    assert_eq!(*seen.lock().expect("not poisoned"), seq(1..=2));
}

#[test]
fn the_response_serialises_as_lambda_reads_it() {
    let event = orders_event(3);
    let response = run(&Processor::new().mode(Mode::BestEffort), &event, &BTreeSet::from([2]));
    assert_eq!(
        serde_json::to_string(&response).expect("serialises"),
        r#"{"batchItemFailures":[{"itemIdentifier":"2"}]}"#
    );
    let none = run(&Processor::new(), &event, &BTreeSet::new());
    assert!(none.is_success());
    assert_eq!(serde_json::to_string(&none).expect("serialises"), r#"{"batchItemFailures":[]}"#);
    let lambda: aws_lambda_events::event::streams::DynamoDbEventResponse = response.into();
    assert_eq!(lambda.batch_item_failures[0].item_identifier.as_deref(), Some("2"));
}

#[test]
fn a_panicking_handler_fails_only_its_record() {
    let event = orders_event(4);
    let panics_in_future = |record: Record<Order>| async move {
        assert_ne!(record.sequence_number(), "2", "the handler panics on record 2");
        Ok::<(), String>(())
    };
    let response =
        block_on(Processor::new().best_effort().process(event.as_str(), panics_in_future))
            .expect("processed");
    assert_eq!(failures(&response), ["2"]);

    // A handler that panics before it returns its future.
    let panics_when_called = |record: Record<Order>| {
        assert_ne!(record.sequence_number(), "3", "the handler panics on record 3");
        std::future::ready(Ok::<(), String>(()))
    };
    let response =
        block_on(Processor::new().process(event.as_str(), panics_when_called)).expect("processed");
    assert_eq!(failures(&response), seq(3..=4));
}

#[test]
fn records_that_do_not_decode_fail_alone() {
    let json = fixture("poison.json");
    let handled = Arc::new(Mutex::new(Vec::new()));
    let handler = |record: Record<Order>| {
        let handled = handled.clone();
        async move {
            handled.lock().expect("not poisoned").push(record.sequence_number().to_owned());
            Ok::<(), String>(())
        }
    };
    let response = block_on(Processor::new().best_effort().process(json.as_slice(), handler))
        .expect("processed");
    assert_eq!(
        failures(&response),
        ["102", "103", "104", "105", "107", "108", "109", "111", "112"]
    );
    // The good records ran; the skipped one (106) neither ran nor failed.
    assert_eq!(*handled.lock().expect("not poisoned"), ["101", "114"]);

    let response = block_on(
        Processor::new()
            .process(json.as_slice(), |_: Record<Order>| async { Ok::<(), String>(()) }),
    )
    .expect("processed");
    assert_eq!(
        failures(&response),
        ["102", "103", "104", "105", "106", "107", "108", "109", "111", "112", "114"]
    );
}

#[test]
fn a_batch_with_a_record_without_sequence_number_fails_whole() {
    let json = fixture("missing_sequence_number.json");
    let calls = Arc::new(Mutex::new(0));
    let e = block_on(process(json.as_slice(), |_: Record<Order>| {
        *calls.lock().expect("not poisoned") += 1;
        async { Ok::<(), String>(()) }
    }))
    .expect_err("the batch fails");
    assert_eq!(e.kind(), ferrodyn_streams::ErrorKind::MissingSequenceNumber);
    assert_eq!(*calls.lock().expect("not poisoned"), 0, "no handler ran");
}

#[test]
fn records_not_started_before_the_deadline_are_reported() {
    let event = orders_event(5);
    for processor in [Processor::new(), Processor::new().best_effort()] {
        // Generous, so that records 1 and 2 start in time on a loaded machine.
        let deadline = Instant::now() + Duration::from_secs(3);
        let margin = Duration::from_secs(1);
        let cutoff = deadline - margin;
        let processor = processor.deadline(deadline).margin(margin);
        let started = Arc::new(Mutex::new(Vec::new()));
        let response = block_on(processor.process(event.as_str(), |record: Record<Order>| {
            let started = started.clone();
            async move {
                started.lock().expect("not poisoned").push(record.sequence_number().to_owned());
                // Record 2 runs past the cut-off: records 3 to 5 must not start.
                if record.sequence_number() == "2" {
                    tokio::time::sleep_until((cutoff + Duration::from_millis(1)).into()).await;
                }
                Ok::<(), String>(())
            }
        }))
        .expect("processed");
        assert_eq!(failures(&response), seq(3..=5));
        assert_eq!(*started.lock().expect("not poisoned"), seq(1..=2));
    }
}

#[test]
fn a_deadline_already_past_reports_every_record() {
    let event = orders_event(3);
    let response = block_on(
        Processor::new()
            .best_effort()
            .deadline_at(SystemTime::now() - Duration::from_secs(1))
            .process(event.as_str(), |_: Record<Order>| async { Ok::<(), String>(()) }),
    )
    .expect("processed");
    assert_eq!(failures(&response), seq(1..=3));
}

#[test]
fn the_deadline_comes_from_the_lambda_context() {
    let event = orders_event(2);
    let mut context = lambda_runtime::Context::default();
    let in_an_hour = SystemTime::now() + Duration::from_secs(3600);
    context.deadline =
        in_an_hour.duration_since(SystemTime::UNIX_EPOCH).expect("after 1970").as_millis() as u64;
    let ok = |_: Record<Order>| async { Ok::<(), String>(()) };
    let response = block_on(Processor::new().context(&context).process(event.as_str(), ok))
        .expect("processed");
    assert!(response.is_success());
    context.deadline = 0;
    let response = block_on(Processor::new().context(&context).process(event.as_str(), ok))
        .expect("processed");
    assert_eq!(failures(&response), seq(1..=2));
}
