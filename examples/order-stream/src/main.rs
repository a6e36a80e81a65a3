//! The Lambda bootstrap: tracing, the shared DynamoDB client and the idempotency records' table in
//! the init phase, then one handler call per stream batch.

use ferrodyn_idempotency::Idempotency;
use ferrodyn_lambda::LambdaDb;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use order_stream::handler::{IDEMPOTENCY_TABLE, IDEMPOTENCY_TABLE_VAR};
use serde_json::value::RawValue;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    ferrodyn_lambda::init_tracing();
    let idempotency_table = std::env::var(IDEMPOTENCY_TABLE_VAR)
        .map_err(|_| format!("{IDEMPOTENCY_TABLE_VAR} must name the idempotency table"))?;
    // TABLE_NAME names the physical table that holds the model table `shop`.
    let db = LambdaDb::builder()
        .single_table("shop")
        .table(IDEMPOTENCY_TABLE, idempotency_table)
        .init()
        .await?;
    let idempotency = Idempotency::builder(db.db(), IDEMPOTENCY_TABLE).build()?;
    let idempotency = &idempotency;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| async move {
        // The size, never the images.
        tracing::trace!(event_bytes = event.payload.get().len(), "received a stream batch");
        // A whole-batch error (not a stream event, a record without a sequence number) is an
        // invocation error: Lambda retries the batch.
        order_stream::handler::handle(db.db(), idempotency, event).await.map_err(Error::from)
    }))
    .await
}
