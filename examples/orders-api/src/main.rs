//! The Lambda bootstrap: tracing and the shared DynamoDB client in the init phase, then one
//! handler call per API Gateway event.

use ferrodyn_lambda::LambdaDb;
use lambda_http::{service_fn, Error, Request};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    ferrodyn_lambda::init_tracing();
    // TABLE_NAME names the physical table that holds the model table `shop`.
    let db = LambdaDb::builder().single_table("shop").init().await?;
    lambda_http::run(service_fn(move |request: Request| orders_api::routes::handle(db, request)))
        .await
}
