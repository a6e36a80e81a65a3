//! Two invocations with the same key at the same time: exactly one runs the handler; the other
//! is refused as in progress or, if it comes after the first completed, gets the stored response.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::db_with_table;
use ferrodyn_idempotency::{Idempotency, IdempotencyError};
use serde_json::{json, Value};

const TRIALS: usize = 100;
/// Trials run this many at a time, each one two invocations.
const AT_ONCE: usize = 10;

async fn invoke(
    idem: Idempotency,
    trial: usize,
    effects: Arc<AtomicUsize>,
) -> Result<Value, IdempotencyError<String>> {
    let event = json!({"payment": format!("p-{trial}")});
    idem.run("charge", &event, None, || async move {
        let n = effects.fetch_add(1, Ordering::SeqCst) + 1;
        // Long enough for the other invocation to find the key taken.
        tokio::time::sleep(Duration::from_millis(5 + (trial % 4) as u64 * 5)).await;
        Ok(json!({"trial": trial, "effect": n}))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_concurrent_invocations_with_one_key_have_exactly_one_side_effect() {
    let db = db_with_table(None).await;
    // The system clock: the two sides race for real.
    let idem =
        Idempotency::builder(&db, common::TABLE).function_name("fn-under-test").build().unwrap();
    let effects: Vec<Arc<AtomicUsize>> = (0..TRIALS).map(|_| Arc::default()).collect();
    let (mut refused, mut replayed) = (0, 0);

    for batch in (0..TRIALS).collect::<Vec<_>>().chunks(AT_ONCE) {
        let mut tasks = Vec::new();
        for &trial in batch {
            for _ in 0..2 {
                let task = invoke(idem.clone(), trial, effects[trial].clone());
                tasks.push((trial, tokio::spawn(task)));
            }
        }
        for (trial, task) in tasks {
            match task.await.unwrap() {
                Ok(response) => {
                    assert_eq!(response, json!({"trial": trial, "effect": 1}));
                    replayed += 1;
                }
                Err(e) if e.is_already_in_progress() => refused += 1,
                Err(e) => panic!("trial {trial}: {e:?}"),
            }
        }
    }
    let counts: Vec<usize> = effects.iter().map(|e| e.load(Ordering::SeqCst)).collect();
    assert!(counts.iter().all(|&n| n == 1), "{counts:?}");
    // Each trial: one Ok from the side that ran, and the other side refused or replayed.
    assert_eq!(replayed + refused, 2 * TRIALS);
    assert!(replayed >= TRIALS);
    eprintln!("{refused} refused as in progress, {} replayed", replayed - TRIALS);
}
