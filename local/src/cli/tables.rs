//! Creating the template's tables in DynamoDB (Local) as declared: keys, attribute definitions,
//! secondary indexes, the stream and time to live; a table that exists already is kept.

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection, ProjectionType, ScalarAttributeType, StreamSpecification,
    StreamViewType, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;
use ferrodyn_local::template::{Table, TableIndex};

/// A DynamoDB client on `endpoint` with the dummy credentials DynamoDB Local accepts.
pub(crate) fn client(endpoint: &str, region: &str) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new("local", "local", None, None, "ferrodyn-local"))
        .build();
    Client::from_conf(config)
}

fn keys(schema: &[(String, String)]) -> Result<Vec<KeySchemaElement>, String> {
    schema
        .iter()
        .map(|(name, kind)| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(KeyType::from(kind.as_str()))
                .build()
                .map_err(|e| e.to_string())
        })
        .collect()
}

fn projection(index: &TableIndex) -> Projection {
    let mut projection =
        Projection::builder().projection_type(ProjectionType::from(index.projection_type.as_str()));
    for attribute in &index.non_key_attributes {
        projection = projection.non_key_attributes(attribute);
    }
    projection.build()
}

/// Creates `table` unless it exists; returns its stream ARN, if it has a stream, and whether it
/// was created.
///
/// # Errors
/// CreateTable, DescribeTable or UpdateTimeToLive failed; the message names the table.
pub(crate) async fn create(
    client: &Client,
    table: &Table,
) -> Result<(Option<String>, bool), String> {
    let name = &table.name;
    let fail =
        |operation: &str, e: &dyn std::fmt::Display| format!("{operation} on table {name}: {e}");
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(keys(&table.key_schema).map_err(|e| fail("CreateTable", &e))?));
    for (attribute, kind) in &table.attribute_definitions {
        let definition = AttributeDefinition::builder()
            .attribute_name(attribute)
            .attribute_type(ScalarAttributeType::from(kind.as_str()))
            .build()
            .map_err(|e| fail("CreateTable", &e))?;
        request = request.attribute_definitions(definition);
    }
    for index in &table.global_secondary_indexes {
        let gsi = GlobalSecondaryIndex::builder()
            .index_name(&index.name)
            .set_key_schema(Some(keys(&index.key_schema).map_err(|e| fail("CreateTable", &e))?))
            .projection(projection(index))
            .build()
            .map_err(|e| fail("CreateTable", &e))?;
        request = request.global_secondary_indexes(gsi);
    }
    for index in &table.local_secondary_indexes {
        let lsi = LocalSecondaryIndex::builder()
            .index_name(&index.name)
            .set_key_schema(Some(keys(&index.key_schema).map_err(|e| fail("CreateTable", &e))?))
            .projection(projection(index))
            .build()
            .map_err(|e| fail("CreateTable", &e))?;
        request = request.local_secondary_indexes(lsi);
    }
    if let Some(view) = &table.stream_view_type {
        request = request.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(view.as_str()))
                .build()
                .map_err(|e| fail("CreateTable", &e))?,
        );
    }
    let created = match request.send().await {
        Ok(output) => Some(output),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_in_use_exception()) => None,
        Err(e) => {
            return Err(fail("CreateTable", &aws_sdk_dynamodb::error::DisplayErrorContext(e)))
        }
    };
    let stream_arn = match &created {
        Some(output) => {
            output.table_description().and_then(|d| d.latest_stream_arn()).map(str::to_owned)
        }
        None => client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| fail("DescribeTable", &aws_sdk_dynamodb::error::DisplayErrorContext(e)))?
            .table()
            .and_then(|t| t.latest_stream_arn())
            .map(str::to_owned),
    };
    if let (Some(attribute), true) = (&table.time_to_live_attribute, created.is_some()) {
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(attribute)
                    .enabled(true)
                    .build()
                    .map_err(|e| fail("UpdateTimeToLive", &e))?,
            )
            .send()
            .await
            .map_err(|e| {
                fail("UpdateTimeToLive", &aws_sdk_dynamodb::error::DisplayErrorContext(e))
            })?;
    }
    Ok((stream_arn, created.is_some()))
}
