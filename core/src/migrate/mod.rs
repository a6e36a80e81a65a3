//! Data migrations: an ordered set of named [`Migration`]s (an `up`, and a `down` where one is
//! given) applied to a table by [`Migrations::run`], with the applied state kept in the table as
//! items of their own (`state`), a lease so that one runner at a time works on a set (`lease`),
//! and a [`Backfill`] helper that rewrites a model's items with a resumable parallel scan
//! (`backfill`).
//!
//! A run takes the set's lease (waiting while another runner holds it), reads each migration's
//! state in order, skips those applied, and runs the others' `up` one after the other, renewing
//! the lease meanwhile; each is recorded `running` when it starts and `applied` when its `up`
//! returns. A runner that waited for the lease finds the migrations the other one applied and
//! skips them, so each `up` completes once. An `up` that fails, or a runner that dies, leaves
//! its migration `running`: the next run (after the lease expires, for a dead runner) runs that
//! `up` again with the same run id, and a backfill in it resumes from its checkpoint. An `up`
//! therefore has to be safe to run again after an interruption — a backfill is; other work
//! should be conditional writes or idempotent.

mod backfill;
mod lease;
mod state;

pub use backfill::{Backfill, Progress, MAX_ATTEMPTS, MIGRATED_ATTRIBUTE_PREFIX};
pub use state::MIGRATION_ENTITY;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::error::{Error, Result};
use crate::model::Model;
use crate::Db;

use lease::Lease;
use state::{check_name, Status, Table};

/// The body of an `up` or a `down`.
type Body = Arc<dyn Fn(Context) -> BoxFuture<'static, Result<()>> + Send + Sync>;

/// One named migration: an `up` (required) and an optional `down`.
#[must_use]
pub struct Migration {
    name: String,
    up: Option<Body>,
    down: Option<Body>,
}

impl std::fmt::Debug for Migration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migration")
            .field("name", &self.name)
            .field("down", &self.down.is_some())
            .finish_non_exhaustive()
    }
}

fn body<F, Fut>(f: F) -> Body
where
    F: Fn(Context) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    Arc::new(move |ctx| Box::pin(f(ctx)))
}

impl Migration {
    /// A migration called `name` (1 to 255 bytes, no `#`, not `LEASE`); names order nothing —
    /// the order of [`Migrations::with`] does — but a prefix such as `0001_` keeps them readable.
    pub fn new(name: impl Into<String>) -> Self {
        Migration { name: name.into(), up: None, down: None }
    }

    /// What applying the migration does. It may run again after an interruption (see the
    /// module docs): make it safe to.
    pub fn up<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.up = Some(body(f));
        self
    }

    /// What rolling the migration back does; without it, [`Migrations::down`] refuses it.
    pub fn down<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.down = Some(body(f));
        self
    }
}

/// What an `up` or a `down` is given: the database, and where the migration's state lives (for
/// [`backfill`](Context::backfill)'s checkpoints).
#[derive(Clone, Debug)]
pub struct Context {
    table: Table,
    migration: Arc<str>,
    /// The id of this application (or rollback) of the migration; a resumed one keeps it.
    run: Arc<str>,
}

impl Context {
    /// The handle the migrations were built with.
    pub fn db(&self) -> &Db {
        &self.table.db
    }

    /// The migration's name.
    pub fn migration(&self) -> &str {
        &self.migration
    }

    /// The migration set's name.
    pub fn set(&self) -> &str {
        &self.table.set
    }

    /// A backfill of every item of `M` (which must live in the set's table), checkpointed in this
    /// migration's state.
    pub fn backfill<M: Model + Send + 'static>(&self) -> Backfill<M> {
        Backfill::new(self.clone())
    }
}

/// Where a migration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationStatus {
    /// Not started (or rolled back).
    Pending,
    /// Started and not finished: running now, or interrupted (the next run resumes it).
    Running,
    /// Applied.
    Applied,
    /// A rollback started and did not finish: [`Migrations::down`] of it finishes it.
    RollingBack,
}

/// What [`Migrations::run`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// The migrations this run applied, in order.
    pub applied: Vec<String>,
    /// Of those, the ones an earlier run had started and not finished (resumed).
    pub resumed: Vec<String>,
    /// The migrations found applied already (by an earlier run, or by the runner this one
    /// waited for), skipped.
    pub already_applied: Vec<String>,
    /// Whether another runner held the lease and this one waited for it.
    pub waited_for_lease: bool,
}

/// An ordered set of migrations of one table, applied by [`run`](Migrations::run).
#[must_use]
pub struct Migrations {
    table: Table,
    migrations: Vec<Migration>,
    lease_duration: Duration,
    max_wait: Duration,
}

impl std::fmt::Debug for Migrations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migrations")
            .field("table", &self.table)
            .field("migrations", &self.migrations)
            .field("lease_duration", &self.lease_duration)
            .finish_non_exhaustive()
    }
}

impl Migrations {
    /// The migration set `set` (1 to 200 bytes, no `#`) of the table of `M`, whose state items
    /// and lease are kept in that table. The table's key attributes must be strings.
    pub fn new<M: Model>(db: &Db, set: &str) -> Self {
        Migrations {
            table: Table::new::<M>(db, set),
            migrations: Vec::new(),
            lease_duration: Duration::from_secs(60),
            max_wait: Duration::from_secs(15 * 60),
        }
    }

    /// Adds a migration after those added before.
    pub fn with(mut self, migration: Migration) -> Self {
        self.migrations.push(migration);
        self
    }

    /// How long a lease lasts without renewal (default 60 s): a runner that dies holding it is
    /// taken over this long after its last renewal. Renewals happen every third of it.
    pub fn lease_duration(mut self, duration: Duration) -> Self {
        self.lease_duration = duration;
        self
    }

    /// How long a run or rollback waits for a lease another runner holds before failing with
    /// [`ErrorKind::LeaseHeld`](crate::ErrorKind::LeaseHeld) (default 15 minutes; zero: do not
    /// wait).
    pub fn max_wait(mut self, duration: Duration) -> Self {
        self.max_wait = duration;
        self
    }

    /// The table, with the migrations checked: valid, distinct names, each with an `up`.
    fn checked(&self) -> Result<&Table> {
        let table = &self.table;
        table.check()?;
        let invalid = |name: &str, e: Error| table.error(Some(name), e);
        if self.lease_duration < Duration::from_millis(30) {
            return Err(table.error(None, Error::validation("a lease must last at least 30 ms")));
        }
        for (i, m) in self.migrations.iter().enumerate() {
            check_name("migration", &m.name).map_err(|e| invalid(&m.name, e))?;
            if m.up.is_none() {
                return Err(invalid(&m.name, Error::validation("a migration needs an `up`")));
            }
            if self.migrations[..i].iter().any(|other| other.name == m.name) {
                return Err(invalid(&m.name, Error::validation("two migrations have this name")));
            }
        }
        Ok(table)
    }

    /// Runs `work` holding the set's lease; returns its result and whether the lease was waited
    /// for. The lease is released whether `work` succeeds or fails (not when the future is
    /// dropped: then it expires).
    async fn leased<T>(
        &self,
        table: &Table,
        work: impl Future<Output = Result<T>>,
    ) -> Result<(T, bool)> {
        let lease = Lease::new(table.clone(), self.lease_duration);
        let poll = (self.lease_duration / 4).min(Duration::from_secs(1));
        let waited = lease.acquire(self.max_wait, poll).await?;
        let result = lease.hold(work).await;
        let released = lease.release().await;
        let value = result?;
        released?;
        Ok((value, waited))
    }

    /// Applies the pending migrations in order, holding the set's lease, and says what it did.
    ///
    /// # Errors
    /// Invalid migrations (before any request); the lease held by another runner past
    /// [`max_wait`](Self::max_wait), or lost while running
    /// ([`ErrorKind::LeaseHeld`](crate::ErrorKind::LeaseHeld)); a migration whose rollback was
    /// interrupted; the first error of an `up` (its migration stays `running`, and the next run
    /// resumes it); DynamoDB's errors.
    pub async fn run(&self) -> Result<Report> {
        let table = self.checked()?;
        let (mut report, waited) = self.leased(table, self.apply(table)).await?;
        report.waited_for_lease = waited;
        Ok(report)
    }

    async fn apply(&self, table: &Table) -> Result<Report> {
        let mut report = Report::default();
        for m in &self.migrations {
            let name = m.name.as_str();
            let run = match table.state(name).await? {
                Some(s) if s.status == Status::Applied => {
                    report.already_applied.push(name.to_owned());
                    continue;
                }
                Some(s) if s.status == Status::RollingBack => {
                    return Err(table.error(
                        Some(name),
                        Error::validation("its rollback was interrupted: finish it with `down`"),
                    ));
                }
                Some(s) => {
                    report.resumed.push(name.to_owned());
                    s.run
                }
                None => crate::new_ulid(),
            };
            table.begin(name, &run, Status::Running).await?;
            let up = m.up.as_ref().map(Arc::clone);
            let Some(up) = up else { continue };
            up(Context { table: table.clone(), migration: name.into(), run: run.into() }).await?;
            table.applied(name).await?;
            report.applied.push(name.to_owned());
        }
        Ok(report)
    }

    /// The status of each migration, in order.
    ///
    /// # Errors
    /// Invalid migrations, or DynamoDB's errors.
    pub async fn status(&self) -> Result<Vec<(String, MigrationStatus)>> {
        let table = self.checked()?;
        let mut out = Vec::with_capacity(self.migrations.len());
        for m in &self.migrations {
            let status = match table.state(&m.name).await? {
                None => MigrationStatus::Pending,
                Some(s) => match s.status {
                    Status::Running => MigrationStatus::Running,
                    Status::Applied => MigrationStatus::Applied,
                    Status::RollingBack => MigrationStatus::RollingBack,
                },
            };
            out.push((m.name.clone(), status));
        }
        Ok(out)
    }

    /// Rolls back the migration `name`, which must be the last one started (applied, or
    /// interrupted), holding the set's lease: runs its `down`, then deletes its state, so that it
    /// is pending again. An interrupted rollback is finished by calling this again (its `down`
    /// runs again, with the same run id, and a backfill in it resumes).
    ///
    /// # Errors
    /// An unknown migration, one without `down`, one that is not the last started, or not
    /// started at all; the lease as for [`run`](Self::run); the `down`'s error (its state stays
    /// `rolling back`); DynamoDB's errors.
    pub async fn down(&self, name: &str) -> Result<()> {
        let table = self.checked()?;
        let Some(m) = self.migrations.iter().find(|m| m.name == name) else {
            return Err(table.error(Some(name), Error::validation("no migration has this name")));
        };
        let Some(down) = m.down.as_ref().map(Arc::clone) else {
            return Err(table.error(Some(name), Error::validation("the migration has no `down`")));
        };
        let work = async {
            let Some((last, state)) = self.last_started(table).await? else {
                return Err(table.error(Some(name), Error::validation("no migration has started")));
            };
            if last != name {
                return Err(table.error(
                    Some(name),
                    Error::validation(format!(
                        "only the last migration started can be rolled back, and that is `{last}`"
                    )),
                ));
            }
            let run = match state.status {
                Status::RollingBack => state.run,
                _ => crate::new_ulid(),
            };
            table.begin(name, &run, Status::RollingBack).await?;
            down(Context { table: table.clone(), migration: name.into(), run: run.into() }).await?;
            table.forget(name).await
        };
        self.leased(table, work).await.map(drop)
    }

    /// Rolls back the last migration started (see [`down`](Self::down)), and returns its name;
    /// `None` when none has started.
    ///
    /// # Errors
    /// As [`down`](Self::down).
    pub async fn rollback(&self) -> Result<Option<String>> {
        let table = self.checked()?;
        let Some((name, _)) = self.last_started(table).await? else { return Ok(None) };
        self.down(&name).await?;
        Ok(Some(name))
    }

    /// The last migration, in order, that has a state, with it.
    async fn last_started(&self, table: &Table) -> Result<Option<(String, state::State)>> {
        for m in self.migrations.iter().rev() {
            if let Some(state) = table.state(&m.name).await? {
                return Ok(Some((m.name.clone(), state)));
            }
        }
        Ok(None)
    }
}
