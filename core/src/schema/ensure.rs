//! Schema evolution: [`EnsureTables`] compares the tables the models declare with the live tables
//! (DescribeTable, DescribeTimeToLive) and brings them in line — creates a missing table, adds
//! missing global secondary indexes one UpdateTable at a time (DynamoDB allows one index creation
//! per request) waiting for each to be ACTIVE and backfilled, turns on the stream and TTL — and
//! returns the [`Plan`] of what it did. A difference that cannot be changed in place (a key
//! schema, a key attribute's type, a projection, a local secondary index missing or different
//! (DynamoDB creates those with the table only), a TTL on another attribute, a stream view type)
//! is an [`ErrorKind::SchemaMismatch`] error, raised before any change; an index no model declares
//! is removed only on request.

mod diff;
mod plan;

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use aws_sdk_dynamodb::types::{
    CreateGlobalSecondaryIndexAction, DeleteGlobalSecondaryIndexAction,
    GlobalSecondaryIndexDescription, GlobalSecondaryIndexUpdate, IndexStatus, TableDescription,
    TableStatus, TimeToLiveSpecification,
};

use diff::{Desired, Live};
pub use plan::{Note, Plan, Step};

use crate::error::{Error, ErrorKind, Result};
use crate::model::ModelMeta;
use crate::schema::TableSchema;
use crate::Db;

/// Brings the tables of some models in line with them; made by
/// [`Db::ensure_tables`](crate::Db::ensure_tables) or [`Db::ensure_table`](crate::Db::ensure_table).
///
/// `.await` applies the changes and returns the [`Plan`] of what was done;
/// [`plan`](Self::plan) is the dry run, which only describes the tables.
#[must_use = "an EnsureTables does nothing until it is awaited or planned"]
#[derive(Debug, Clone)]
pub struct EnsureTables {
    db: Db,
    models: Vec<&'static ModelMeta>,
    remove_unknown_indexes: bool,
    timeout: Duration,
    poll_interval: Duration,
}

/// A table's models, and what to do to it.
struct TablePlan {
    models: Vec<&'static ModelMeta>,
    desired: Desired,
    steps: std::ops::Range<usize>,
}

impl EnsureTables {
    pub(crate) fn new(db: Db, models: &[&'static ModelMeta]) -> Self {
        EnsureTables {
            db,
            models: models.to_vec(),
            remove_unknown_indexes: false,
            timeout: Duration::from_secs(30 * 60),
            poll_interval: Duration::from_secs(2),
        }
    }

    /// Deletes the global secondary indexes no model declares (off by default: such an index
    /// is kept and listed in [`Plan::notes`]).
    pub fn remove_unknown_indexes(mut self, remove: bool) -> Self {
        self.remove_unknown_indexes = remove;
        self
    }

    /// How long one step may wait for the table and its indexes to become ACTIVE (an index's
    /// backfill included) before failing; 30 minutes by default.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How often a waiting step describes the table again; 2 seconds by default.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// The dry run: what awaiting this would do, found with DescribeTable and DescribeTimeToLive
    /// only.
    ///
    /// # Errors
    /// Models that disagree on a table's schema ([`ErrorKind::Validation`]), a live table that
    /// differs in a way that cannot be changed in place ([`ErrorKind::SchemaMismatch`], naming
    /// the table, index and attribute), or DynamoDB's error.
    pub async fn plan(self) -> Result<Plan> {
        Ok(self.plan_tables().await?.0)
    }

    /// Plans every table before changing any, so that a mismatch anywhere changes nothing.
    async fn plan_tables(&self) -> Result<(Plan, Vec<TablePlan>)> {
        let mut groups: Vec<Vec<&'static ModelMeta>> = Vec::new();
        for model in &self.models {
            match groups.iter_mut().find(|g| g[0].table == model.table) {
                Some(group) => group.push(model),
                None => groups.push(vec![model]),
            }
        }
        if groups.is_empty() {
            return Err(Error::validation("ensure_tables needs at least one model"));
        }
        let mut plan = Plan::default();
        let mut tables = Vec::new();
        for models in groups {
            let schema = TableSchema::from_models(&models)?;
            let desired = Desired::new(&self.db, &schema, models[0].type_name);
            let live = self.describe(&desired).await?;
            let start = plan.steps.len();
            desired.compare(live.as_ref(), self.remove_unknown_indexes, &mut plan)?;
            tables.push(TablePlan { steps: start..plan.steps.len(), models, desired });
        }
        Ok((plan, tables))
    }

    async fn describe(&self, desired: &Desired) -> Result<Option<Live>> {
        let Some(table) = self.describe_table(desired).await? else { return Ok(None) };
        let ttl = self
            .db
            .client()
            .describe_time_to_live()
            .table_name(&desired.table)
            .send()
            .await
            .map_err(|e| Error::from_sdk(e).context("DescribeTimeToLive", desired.model, None))?
            .time_to_live_description;
        Ok(Some(Live { table, ttl }))
    }

    async fn describe_table(&self, desired: &Desired) -> Result<Option<TableDescription>> {
        match self.db.client().describe_table().table_name(&desired.table).send().await {
            Ok(output) => Ok(output.table),
            Err(e) => {
                let error = Error::from_sdk(e);
                if error.is_not_found() {
                    Ok(None)
                } else {
                    Err(error.context("DescribeTable", desired.model, None))
                }
            }
        }
    }

    async fn apply(self) -> Result<Plan> {
        let (plan, tables) = self.plan_tables().await?;
        for table in &tables {
            for step in &plan.steps[table.steps.clone()] {
                self.apply_step(table, step).await?;
            }
        }
        Ok(plan)
    }

    async fn apply_step(&self, table: &TablePlan, step: &Step) -> Result<()> {
        let desired = &table.desired;
        let client = self.db.client();
        let update = |e| Error::from_sdk(e).context("UpdateTable", desired.model, None);
        match step {
            Step::CreateTable { .. } => return self.db.create_table_for(&table.models).await,
            Step::AddIndex { name, .. } => {
                let Some(index) = desired.indexes.iter().find(|i| i.index_name() == name) else {
                    return Ok(());
                };
                self.wait(desired, "the table to be ACTIVE", all_active).await?;
                let action = CreateGlobalSecondaryIndexAction::builder()
                    .index_name(name)
                    .set_key_schema(Some(index.key_schema().to_vec()))
                    .set_projection(index.projection().cloned())
                    .build()
                    .map_err(|e| Error::validation("invalid index").with_source(e))?;
                client
                    .update_table()
                    .table_name(&desired.table)
                    .set_attribute_definitions(Some(desired.definitions_of(index)))
                    .global_secondary_index_updates(
                        GlobalSecondaryIndexUpdate::builder().create(action).build(),
                    )
                    .send()
                    .await
                    .map_err(update)?;
                let what = format!("index `{name}` to be ACTIVE and backfilled");
                self.wait(desired, &what, |t| all_active(t) && has_index(t, name)).await?;
            }
            Step::EnableStream { .. } => {
                self.wait(desired, "the table to be ACTIVE", all_active).await?;
                client
                    .update_table()
                    .table_name(&desired.table)
                    .set_stream_specification(desired.stream.clone())
                    .send()
                    .await
                    .map_err(update)?;
                self.wait(desired, "the stream to be on", all_active).await?;
            }
            Step::EnableTtl { attribute, .. } => {
                let ttl = TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(attribute)
                    .build()
                    .map_err(|e| Error::validation("invalid TTL settings").with_source(e))?;
                client
                    .update_time_to_live()
                    .table_name(&desired.table)
                    .time_to_live_specification(ttl)
                    .send()
                    .await
                    .map_err(|e| {
                        Error::from_sdk(e).context("UpdateTimeToLive", desired.model, None)
                    })?;
            }
            Step::RemoveIndex { name, .. } => {
                self.wait(desired, "the table to be ACTIVE", all_active).await?;
                let action = DeleteGlobalSecondaryIndexAction::builder()
                    .index_name(name)
                    .build()
                    .map_err(|e| Error::validation("invalid index").with_source(e))?;
                client
                    .update_table()
                    .table_name(&desired.table)
                    .global_secondary_index_updates(
                        GlobalSecondaryIndexUpdate::builder().delete(action).build(),
                    )
                    .send()
                    .await
                    .map_err(update)?;
                let what = format!("index `{name}` to be deleted");
                self.wait(desired, &what, |t| all_active(t) && !has_index(t, name)).await?;
            }
        }
        Ok(())
    }

    /// Describes the table every poll interval until `done`, failing after the timeout with an
    /// error naming the table, what it waited for and the last status seen.
    async fn wait(
        &self,
        desired: &Desired,
        what: &str,
        done: impl Fn(&TableDescription) -> bool,
    ) -> Result<()> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            let table = self.describe_table(desired).await?;
            if table.as_ref().is_some_and(&done) {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                let status = table.as_ref().map_or_else(|| "table not found".to_owned(), status);
                return Err(Error::new(
                    ErrorKind::Service,
                    format!(
                        "waited {:?} for {what} on table `{}`, in vain ({status})",
                        self.timeout, desired.table
                    ),
                )
                .context("EnsureTables", desired.model, None));
            }
            tokio::time::sleep(self.poll_interval).await;
        }
    }
}

impl IntoFuture for EnsureTables {
    type Output = Result<Plan>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.apply())
    }
}

/// An index that serves every item: ACTIVE and no longer backfilling.
fn index_ready(index: &GlobalSecondaryIndexDescription) -> bool {
    index.index_status() == Some(&IndexStatus::Active) && index.backfilling() != Some(true)
}

/// The table and every index are ACTIVE and backfilled: DynamoDB accepts the next UpdateTable.
fn all_active(table: &TableDescription) -> bool {
    table.table_status() == Some(&TableStatus::Active)
        && table.global_secondary_indexes().iter().all(index_ready)
}

fn has_index(table: &TableDescription, name: &str) -> bool {
    table.global_secondary_indexes().iter().any(|i| i.index_name() == Some(name))
}

/// `table ACTIVE, index gsi2 ACTIVE (backfilling)`.
fn status(table: &TableDescription) -> String {
    let mut out = format!("table {}", table.table_status().map_or("unknown", |s| s.as_str()));
    for index in table.global_secondary_indexes() {
        if index_ready(index) {
            continue;
        }
        out.push_str(&format!(
            ", index {} {}{}",
            index.index_name().unwrap_or("?"),
            index.index_status().map_or("unknown", |s| s.as_str()),
            if index.backfilling() == Some(true) { " (backfilling)" } else { "" }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(status: IndexStatus, backfilling: Option<bool>) -> GlobalSecondaryIndexDescription {
        GlobalSecondaryIndexDescription::builder()
            .index_name("gsi2")
            .index_status(status)
            .set_backfilling(backfilling)
            .build()
    }

    #[test]
    fn an_index_is_ready_when_active_and_backfilled() {
        assert!(index_ready(&index(IndexStatus::Active, None)));
        assert!(index_ready(&index(IndexStatus::Active, Some(false))));
        assert!(!index_ready(&index(IndexStatus::Active, Some(true))));
        assert!(!index_ready(&index(IndexStatus::Creating, Some(false))));
        let table = TableDescription::builder()
            .table_status(TableStatus::Active)
            .global_secondary_indexes(index(IndexStatus::Creating, Some(true)))
            .build();
        assert!(!all_active(&table));
        assert_eq!(status(&table), "table ACTIVE, index gsi2 CREATING (backfilling)");
    }
}
