//! The [`Db`] handle: a cheap-to-clone SDK client plus table-name mapping, and the entry points of
//! every operation.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;

use crate::capacity::Meter;
use crate::error::{Error, Result};
use crate::expression::Update;
use crate::key::Key;
use crate::model::{Model, ModelMeta};
use crate::operation::{DeleteItem, GetItem, PutItem, UpdateItem};
use crate::schema::{EnsureTables, Plan, TableSchema};
use crate::tenant::TenantFormat;

/// A handle to DynamoDB: clone it freely (an `Arc` inside) and share it between tasks.
///
/// Table names come from the models; [`with_table_prefix`](Db::with_table_prefix) and
/// [`with_table_name`](Db::with_table_name) map them to physical names (per stage, per test).
/// [`tenant`](Db::tenant) gives a handle confined to one tenant's partitions (see
/// [`ferrodyn::tenant`](crate::tenant)).
#[derive(Clone)]
pub struct Db {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    client: Client,
    prefix: String,
    tables: HashMap<String, String>,
    pub(crate) meter: Option<Meter>,
    /// The tenant of a handle made with `Db::tenant`.
    pub(crate) tenant: Option<Arc<str>>,
    pub(crate) tenant_format: TenantFormat,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("prefix", &self.inner.prefix)
            .field("tables", &self.inner.tables)
            .field("tenant", &self.inner.tenant)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// A handle from an SDK configuration.
    ///
    /// Without the `default-https-client` feature the configuration must carry an HTTP client
    /// (`SdkConfig::builder().http_client(..)`, or aws-config's `.http_client(..)`): the SDK has
    /// none of its own then, and every request fails saying so.
    pub fn new(config: &aws_types::SdkConfig) -> Self {
        Db::from_client(Client::new(config))
    }

    /// A handle around an existing client.
    pub fn from_client(client: Client) -> Self {
        Db {
            inner: Arc::new(Inner {
                client,
                prefix: String::new(),
                tables: HashMap::new(),
                meter: None,
                tenant: None,
                tenant_format: TenantFormat::DEFAULT,
            }),
        }
    }

    /// A handle configured from the environment through aws-config's default provider chain
    /// (honours `AWS_ENDPOINT_URL_DYNAMODB`), with the SDK's default HTTPS client (feature
    /// `default-https-client`, on by default).
    #[cfg(feature = "default-https-client")]
    pub async fn from_env() -> Self {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Db::new(&config)
    }

    pub(crate) fn map(&self, f: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = Inner {
            client: self.inner.client.clone(),
            prefix: self.inner.prefix.clone(),
            tables: self.inner.tables.clone(),
            meter: self.inner.meter.clone(),
            tenant: self.inner.tenant.clone(),
            tenant_format: self.inner.tenant_format.clone(),
        };
        f(&mut inner);
        Db { inner: Arc::new(inner) }
    }

    /// A handle whose physical table names are `prefix` + the model's table name.
    #[must_use]
    pub fn with_table_prefix(&self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        self.map(|inner| inner.prefix = prefix)
    }

    /// A handle that maps the model table name `logical` to `physical` (the prefix is not added).
    #[must_use]
    pub fn with_table_name(&self, logical: &str, physical: impl Into<String>) -> Self {
        let physical = physical.into();
        self.map(|inner| {
            inner.tables.insert(logical.to_owned(), physical);
        })
    }

    pub(crate) fn meter(&self) -> Option<&Meter> {
        self.inner.meter.as_ref()
    }

    /// The SDK client, for anything ferrodyn does not cover.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The physical name of the table a model calls `logical`.
    pub fn table_name(&self, logical: &str) -> String {
        match self.inner.tables.get(logical) {
            Some(physical) => physical.clone(),
            None => format!("{}{logical}", self.inner.prefix),
        }
    }

    /// Reads one item by key (GetItem).
    pub fn get<M: Model>(&self, key: Key<M>) -> GetItem<M> {
        GetItem::new(self.clone(), key)
    }

    /// Writes an item, replacing any item with the same key (PutItem).
    pub fn put<M: Model>(&self, value: &M) -> PutItem<M> {
        PutItem::new(self.clone(), value, false)
    }

    /// Writes a new item; if one with the same key exists, fails with an error for which
    /// [`Error::is_condition_failed`] is true.
    pub fn create<M: Model>(&self, value: &M) -> PutItem<M> {
        PutItem::new(self.clone(), value, true)
    }

    /// Updates an existing item (UpdateItem). A missing item is an error for which
    /// [`Error::is_not_found`] is true, unless [`UpdateItem::upsert`] is asked for.
    pub fn update<M: Model>(&self, key: Key<M>, update: Update) -> UpdateItem<M> {
        UpdateItem::new(self.clone(), key, update)
    }

    /// Deletes an item by key (DeleteItem); deleting a missing item succeeds.
    pub fn delete<M: Model>(&self, key: Key<M>) -> DeleteItem<M> {
        DeleteItem::new(self.clone(), key)
    }

    /// Brings the tables of `models` (grouped by table) in line with them: creates a missing
    /// table, adds missing indexes, turns on the stream and TTL; `.await` it for the [`Plan`] of
    /// what was done, or call [`EnsureTables::plan`] for a dry run. See [`EnsureTables`].
    pub fn ensure_tables(&self, models: &[&'static ModelMeta]) -> EnsureTables {
        EnsureTables::new(self.clone(), models)
    }

    /// [`ensure_tables`](Db::ensure_tables) for the table of `M` alone.
    pub fn ensure_table<M: Model>(&self) -> EnsureTables {
        self.ensure_tables(&[M::META])
    }

    /// What [`ensure_tables`](Db::ensure_tables) would do, without changing anything.
    ///
    /// # Errors
    /// As [`EnsureTables::plan`].
    pub async fn plan_tables(&self, models: &[&'static ModelMeta]) -> Result<Plan> {
        self.ensure_tables(models).plan().await
    }

    /// Creates the table of `M` (see [`Db::create_table_for`]).
    ///
    /// # Errors
    /// DynamoDB's error, e.g. the table already exists.
    pub async fn create_table<M: Model>(&self) -> Result<()> {
        self.create_table_for(&[M::META]).await
    }

    /// Creates the table shared by `models` from their metadata, PAY_PER_REQUEST with streams
    /// (NEW_AND_OLD_IMAGES), waits until it is active, and turns on TTL when a model has a
    /// `#[ferrodyn(ttl)]` field.
    ///
    /// # Errors
    /// Models that disagree on the schema, or DynamoDB's error.
    pub async fn create_table_for(&self, models: &[&'static ModelMeta]) -> Result<()> {
        let schema = TableSchema::from_models(models)?;
        let name = self.table_name(schema.table);
        let ctx = |e: Error| e.context("CreateTable", models[0].type_name, None);
        schema
            .create_table(self.client().create_table(), &name)
            .send()
            .await
            .map_err(|e| ctx(Error::from_sdk(e)))?;
        for _ in 0..600 {
            let table = self
                .client()
                .describe_table()
                .table_name(&name)
                .send()
                .await
                .map_err(|e| ctx(Error::from_sdk(e)))?;
            let status = table.table().and_then(|t| t.table_status());
            if status == Some(&aws_sdk_dynamodb::types::TableStatus::Active) {
                if let Some(attribute) = schema.ttl_attribute {
                    let ttl = aws_sdk_dynamodb::types::TimeToLiveSpecification::builder()
                        .enabled(true)
                        .attribute_name(attribute)
                        .build()
                        .map_err(|e| {
                            ctx(Error::validation("invalid TTL settings").with_source(e))
                        })?;
                    self.client()
                        .update_time_to_live()
                        .table_name(&name)
                        .time_to_live_specification(ttl)
                        .send()
                        .await
                        .map_err(|e| ctx(Error::from_sdk(e)))?;
                }
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Err(ctx(Error::new(crate::ErrorKind::Service, "table did not become active in 60 s")))
    }
}
