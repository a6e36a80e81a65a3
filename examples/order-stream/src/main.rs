//! The Lambda bootstrap: tracing and the shared DynamoDB client in the init phase, then one
//! handler call per stream batch.

use ferrodyn_lambda::LambdaDb;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::value::RawValue;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    ferrodyn_lambda::init_tracing();
    // TABLE_NAME names the physical table that holds the model table `shop`.
    let db = LambdaDb::builder().single_table("shop").init().await?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| async move {
        // The size, never the images.
        tracing::trace!(event_bytes = event.payload.get().len(), "received a stream batch");
        // A whole-batch error (not a stream event, a record without a sequence number) is an
        // invocation error: Lambda retries the batch.
        order_stream::handler::handle(db.db(), event).await.map_err(Error::from)
    }))
    .await
}
