//! The baseline of the cold-start benchmark: a function as the AWS SDK's examples write it — the
//! shared configuration from `aws_config::load_defaults`, a client created in `main`, a
//! multi-threaded runtime, and one `GetItem` per invocation decoded with serde_dynamo.

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde::{Deserialize, Serialize};

/// The benchmark's item (the same fields as the ferrodyn function's model).
#[derive(Debug, Serialize, Deserialize)]
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

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let table = std::env::var("TABLE_NAME")?;
    let (client, table) = (&client, table.as_str());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Request>| async move {
        let output = client
            .get_item()
            .table_name(table)
            .key("id", AttributeValue::S(event.payload.id))
            .send()
            .await?;
        let customer: Option<Customer> = output.item.map(serde_dynamo::from_item).transpose()?;
        Ok::<_, Error>(serde_json::json!({ "customer": customer }))
    }))
    .await
}
