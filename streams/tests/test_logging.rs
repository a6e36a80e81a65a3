//! Failures are logged by event id, sequence number and key, never with item contents.
//!
//! Alone in its test binary: tracing caches each log callsite's interest when it is first hit,
//! and a callsite first hit by a test on another thread, while this one installs its subscriber,
//! could be cached as uninteresting and log nothing here.

mod common;

use std::sync::{Arc, Mutex};

use common::{block_on, fixture, orders_event, Order};
use ferrodyn_streams::{Processor, Record};

#[test]
fn failures_are_logged_by_record_and_key_without_item_contents() {
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("not poisoned").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber =
        tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
    let event = orders_event(2);
    let json = fixture("poison.json");
    tracing::subscriber::with_default(subscriber, || {
        block_on(Processor::new().best_effort().process(
            event.as_str(),
            |r: Record<Order>| async move {
                if r.sequence_number() == "2" {
                    Err("handler said no")
                } else {
                    Ok(())
                }
            },
        ))
        .expect("processed");
        block_on(
            Processor::new()
                .best_effort()
                .process(json.as_slice(), |_: Record<Order>| async { Ok::<(), String>(()) }),
        )
        .expect("processed");
    });
    let logs = String::from_utf8(buffer.0.lock().expect("not poisoned").clone()).expect("utf-8");
    let handler_line = logs.lines().find(|l| l.contains("handler failed")).expect("logged");
    assert!(handler_line.contains("event_id=event-2"), "{handler_line}");
    assert!(handler_line.contains("sequence_number=2"), "{handler_line}");
    assert!(handler_line.contains("sk=ORDER#o2"), "{handler_line}");
    assert!(handler_line.contains("handler said no"), "{handler_line}");
    assert!(logs.contains("sequence_number=102"), "{logs}");
    for secret in ["secret", "abc", "2500", "SKU-1"] {
        assert!(!logs.contains(secret), "the logs show item contents: {logs}");
    }
}
