//! The Lambda bootstrap: tracing and the shared DynamoDB client in the init phase, then one
//! handler call per API Gateway event.

use std::env::VarError;

use ferrodyn_lambda::LambdaDb;
use lambda_http::{service_fn, Error, Request};
use orders_api::idempotency::{self, TABLE_ENV};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    ferrodyn_lambda::init_tracing();
    // TABLE_NAME names the physical table that holds the model table `shop`; IDEMPOTENCY_TABLE,
    // when set, the table of the `Idempotency-Key` records.
    let idempotency_table = match std::env::var(TABLE_ENV) {
        Ok(name) if !name.is_empty() => Some(name),
        Ok(_) | Err(VarError::NotPresent) => None,
        Err(VarError::NotUnicode(_)) => {
            return Err(format!("{TABLE_ENV} is not valid Unicode").into());
        }
    };
    let mut builder = LambdaDb::builder().single_table("shop");
    if let Some(physical) = &idempotency_table {
        builder = builder.table(idempotency::TABLE, physical.as_str());
    }
    let db = builder.init().await?;
    let idempotency = match idempotency_table {
        Some(_) => Some(idempotency::create_order_idempotency(&db)?),
        None => {
            tracing::warn!(
                "{TABLE_ENV} is not set: requests with an Idempotency-Key header are refused (400)"
            );
            None
        }
    };
    lambda_http::run(service_fn(move |request: Request| {
        orders_api::routes::handle(db, idempotency.clone(), request)
    }))
    .await
}
