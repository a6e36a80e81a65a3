//! The floor of the cold-start benchmark: a Lambda function that echoes its event, with nothing
//! but `lambda_runtime` and tokio, started the cheapest way (a current-thread runtime).

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(event.payload)
    }))
    .await
}
