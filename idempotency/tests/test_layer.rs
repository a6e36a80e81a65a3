//! The tower form: a `lambda_runtime` service behind `IdempotencyLayer`, the in-progress expiry
//! taken from the invocation's deadline, a typed key closure, errors as Lambda diagnostics.

mod common;

use std::future::poll_fn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{builder, db_with_table, number, records, string, TestClock};
use ferrodyn_idempotency::{Idempotency, IdempotencyError, IdempotencyLayer};
use lambda_runtime::tower::{Layer, Service};
use lambda_runtime::{service_fn, Context, Diagnostic, LambdaEvent};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Order {
    order_id: String,
    amount: u32,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Receipt {
    order_id: String,
    charge: usize,
}

fn event<E>(payload: E, deadline_ms: u64) -> LambdaEvent<E> {
    let mut context = Context::default();
    context.deadline = deadline_ms;
    context.request_id = "req-1".into();
    LambdaEvent::new(payload, context)
}

async fn call<S, E>(service: &mut S, event: LambdaEvent<E>) -> Result<S::Response, S::Error>
where
    S: Service<LambdaEvent<E>>,
{
    poll_fn(|cx| service.poll_ready(cx)).await?;
    service.call(event).await
}

#[tokio::test]
async fn a_layered_service_runs_once_per_key_with_the_deadline_from_its_context() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let idem = builder(&db, &clock).event_key_path("order_id").build().unwrap();
    let charges = Arc::new(AtomicUsize::new(0));
    let handler = {
        let charges = charges.clone();
        service_fn(move |event: LambdaEvent<Order>| {
            let charges = charges.clone();
            async move {
                let charge = charges.fetch_add(1, Ordering::SeqCst) + 1;
                Ok::<_, lambda_runtime::Error>(Receipt { order_id: event.payload.order_id, charge })
            }
        })
    };
    let mut service = idem.layer("handler").layer(handler);
    // It plugs into the runtime as is (not run: there is no Runtime API here).
    let _runnable = || lambda_runtime::run(service.clone());

    let deadline = u64::try_from(clock.millis()).unwrap() + 30_000;
    let order = Order { order_id: "o-1".into(), amount: 5 };
    let first = call(&mut service, event(order.clone(), deadline)).await.unwrap();
    let second = call(&mut service, event(order, deadline)).await.unwrap();
    assert_eq!(first, Receipt { order_id: "o-1".into(), charge: 1 });
    assert_eq!(second, first);
    assert_eq!(charges.load(Ordering::SeqCst), 1);

    let record = records(&db).await.remove(0);
    assert_eq!(number(&record, "in_progress_expiration"), i64::try_from(deadline).unwrap());
    assert!(string(&record, "id").starts_with("fn-under-test.handler#"));
}

#[tokio::test]
async fn a_typed_key_closure_picks_the_key_and_errors_become_diagnostics() {
    let db = db_with_table(None).await;
    let clock = TestClock::new();
    let idem: Idempotency = builder(&db, &clock).build().unwrap();
    let layer = IdempotencyLayer::new(&idem, "handler")
        .event_key(|order: &Order| Some(json!(order.order_id)));
    let mut failing = layer.layer(service_fn(|_: LambdaEvent<Order>| async {
        Err::<Receipt, lambda_runtime::Error>("card declined".into())
    }));
    let no_deadline = 0;
    let err = call(&mut failing, event(Order { order_id: "o-9".into(), amount: 1 }, no_deadline))
        .await
        .unwrap_err();
    assert_eq!(err.handler_error().map(ToString::to_string).as_deref(), Some("card declined"));
    let diagnostic: Diagnostic = err.into();
    assert_eq!(diagnostic.error_message, "card declined", "the handler's own diagnostic");
    assert!(records(&db).await.is_empty(), "the failed invocation's record is deleted");

    // The amount is not part of the key: another amount for o-9 is the same key.
    let mut paying = layer.layer(service_fn(|e: LambdaEvent<Order>| async move {
        Ok::<_, lambda_runtime::Error>(Receipt { order_id: e.payload.order_id, charge: 7 })
    }));
    let paid =
        call(&mut paying, event(Order { order_id: "o-9".into(), amount: 1 }, 0)).await.unwrap();
    let again =
        call(&mut paying, event(Order { order_id: "o-9".into(), amount: 2 }, 0)).await.unwrap();
    assert_eq!(paid, again);
    let record = records(&db).await.remove(0);
    // md5 of Python's json.dumps("o-9").
    assert_eq!(string(&record, "id"), "fn-under-test.handler#026af196a8e85f5cc6387372a1d32822");
    // Without a deadline in the context, the in-progress timeout applies (15 minutes).
    assert_eq!(number(&record, "in_progress_expiration"), clock.millis() + 15 * 60 * 1000);

    let in_progress: IdempotencyError<lambda_runtime::Error> =
        IdempotencyError::AlreadyInProgress { function: "fn-under-test.handler".into() };
    let diagnostic: Diagnostic = in_progress.into();
    assert_eq!(diagnostic.error_type, "IdempotencyAlreadyInProgressError");
    assert!(diagnostic.error_message.contains("fn-under-test.handler"));
}
