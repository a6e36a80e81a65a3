//! The ferrodyn function of the cold-start benchmark: `LambdaDb::init` in `main` on a
//! current-thread runtime, then one typed `get` per invocation.

use ferrodyn::Model;
use ferrodyn_lambda::LambdaDb;
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

#[derive(Deserialize)]
struct Request {
    id: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let db = LambdaDb::builder().single_table("coldstart").init().await?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Request>| async move {
        let customer = db.get(Customer::key(event.payload.id)).await?;
        Ok::<_, Error>(serde_json::json!({ "customer": customer }))
    }))
    .await
}
