//! The ferrodyn function of the cold-start benchmark (`coldstart-ferrodyn`) with
//! ferrodyn-idempotency's layer in front of its handler: the records go to the benchmark's table
//! (its partition key is `id`, a string, as Powertools' layout needs), and every invocation's key
//! is new (the process's start time and pid, and a counter), so each one takes the full path — the
//! conditional put, the handler's `get`, the update that stores the response.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use ferrodyn::Model;
use ferrodyn_idempotency::Idempotency;
use ferrodyn_lambda::LambdaDb;
use lambda_runtime::tower::Layer;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde::{Deserialize, Serialize};

/// The benchmark's item.
#[derive(Debug, Serialize, Deserialize, Model)]
#[ferrodyn(table = "coldstart", pk = "id")]
struct Customer {
    id: String,
    name: String,
    email: String,
    visits: u64,
}

#[derive(Serialize, Deserialize)]
struct Request {
    id: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let db = LambdaDb::builder().single_table("coldstart").init().await?;
    let idempotency = Idempotency::builder(&db, "coldstart").build()?;
    let started = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let process = format!("{started}-{}", std::process::id());
    let invocations = AtomicU64::new(0);
    let layer = idempotency.layer("get_customer").event_key(move |request: &Request| {
        let n = invocations.fetch_add(1, Ordering::Relaxed);
        Some(serde_json::json!([process, n, request.id]))
    });
    let handler = layer.layer(service_fn(move |event: LambdaEvent<Request>| async move {
        let customer = db.get(Customer::key(event.payload.id)).await?;
        Ok::<_, Error>(serde_json::json!({ "customer": customer }))
    }));
    lambda_runtime::run(handler).await
}
