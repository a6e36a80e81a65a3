//! Creating the records' table where no template does: tests, local runs, a first deployment by
//! hand. A deployed stack declares it instead (see the README's table definition).

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};

use crate::config::Idempotency;
use crate::error::{PersistenceError, PersistenceErrorKind};

impl Idempotency {
    /// Creates the table this configuration keeps its records in: its key attribute (and sort
    /// key attribute, when set) as strings, on-demand billing, and TTL on the expiry attribute, so
    /// that DynamoDB deletes expired records. An existing table is left as it is.
    ///
    /// # Errors
    /// DynamoDB refused to create the table or to turn on its TTL.
    pub async fn create_table(&self) -> Result<(), PersistenceError> {
        let store = &self.inner.store;
        let keys = std::iter::once((&store.attributes.key, KeyType::Hash))
            .chain(store.sort_key.as_ref().map(|k| (k, KeyType::Range)));
        let mut create = store
            .client
            .create_table()
            .table_name(&store.table)
            .billing_mode(BillingMode::PayPerRequest);
        for (name, key_type) in keys {
            let invalid = |e: aws_sdk_dynamodb::error::BuildError| {
                PersistenceError::new(
                    "CreateTable",
                    &store.table,
                    PersistenceErrorKind::InvalidRecord,
                    e.to_string(),
                )
            };
            create = create
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name(name)
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                        .map_err(invalid)?,
                )
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name(name)
                        .key_type(key_type)
                        .build()
                        .map_err(invalid)?,
                );
        }
        match create.send().await {
            Ok(_) => {}
            Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => {
                return Ok(());
            }
            Err(e) => return Err(PersistenceError::from_sdk("CreateTable", &store.table, e)),
        }
        let ttl = TimeToLiveSpecification::builder()
            .attribute_name(&store.attributes.expiry)
            .enabled(true)
            .build()
            .map_err(|e| {
                PersistenceError::new(
                    "UpdateTimeToLive",
                    &store.table,
                    PersistenceErrorKind::InvalidRecord,
                    e.to_string(),
                )
            })?;
        store
            .client
            .update_time_to_live()
            .table_name(&store.table)
            .time_to_live_specification(ttl)
            .send()
            .await
            .map_err(|e| PersistenceError::from_sdk("UpdateTimeToLive", &store.table, e))?;
        Ok(())
    }
}
