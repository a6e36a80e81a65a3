//! The lease of a migration set: one item per set, keyed `MIGRATION#<set>#LEASE` (no migration
//! may be called `LEASE`), holding the runner that owns it (`owner`) and when the lease expires
//! (`expires_at`), so that one runner at a time applies or rolls back the set's migrations.
//!
//! - acquire: PutItem conditioned on `attribute_not_exists(<partition key>) OR expires_at < :now
//!   OR owner = :me`; a runner that finds it held waits and tries again, up to its maximum wait;
//! - renew: while a migration runs, UpdateItem `SET expires_at = :later` conditioned on
//!   `owner = :me`, every third of the lease's duration; a failed renewal (another runner took an
//!   expired lease over) stops the migration with [`ErrorKind::LeaseHeld`];
//! - release: DeleteItem conditioned on `owner = :me`.
//!
//! `expires_at` is epoch milliseconds from the runner's own clock: the lease duration must exceed
//! the clock skew between runners and the longest pause of a runner (a Lambda frozen between
//! invocations renews nothing, and is taken over once the lease expires).

use std::future::Future;
use std::time::Duration;

use crate::error::{Error, ErrorKind, Result};
use crate::expression::{attr, Path, Update};
use crate::operation::WriteOp;
use crate::value::Item;

use super::state::{now_millis, number, Table};

/// The lease item's key suffix.
const LEASE: &str = "LEASE";

/// A lease held by this runner (or being acquired).
#[derive(Debug)]
pub(crate) struct Lease {
    table: Table,
    owner: String,
    duration: Duration,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Lease {
    pub(crate) fn new(table: Table, duration: Duration) -> Self {
        Lease { table, owner: crate::new_ulid(), duration }
    }

    fn error(&self, e: Error) -> Error {
        self.table.error(None, e)
    }

    /// Tries once; `false` when another runner holds an unexpired lease.
    async fn try_acquire(&self) -> Result<bool> {
        let now = now_millis();
        let mut item = Item::new();
        item.insert(
            "owner".to_owned(),
            aws_sdk_dynamodb::types::AttributeValue::S(self.owner.clone()),
        );
        item.insert("expires_at".to_owned(), number(now.saturating_add(millis(self.duration))));
        let free = Path::<()>::new(self.table.meta.partition_key.attribute)
            .not_exists()
            .or(attr("expires_at").lt(number(now)))
            .or(attr("owner").eq(self.owner.as_str()));
        let p = self.table.prepared(WriteOp::Put, LEASE, item, None, Some(free))?;
        match p.send(&self.table.db, false).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_condition_failed() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Acquires the lease, waiting up to `max_wait` (polling every `poll`) while another runner
    /// holds it. Returns whether it had to wait.
    pub(crate) async fn acquire(&self, max_wait: Duration, poll: Duration) -> Result<bool> {
        let started = tokio::time::Instant::now();
        let mut waited = false;
        loop {
            if self.try_acquire().await? {
                return Ok(waited);
            }
            if started.elapsed() >= max_wait {
                return Err(self.error(Error::new(
                    ErrorKind::LeaseHeld,
                    format!(
                        "another runner holds the lease of the migration set (waited {} ms)",
                        started.elapsed().as_millis()
                    ),
                )));
            }
            waited = true;
            tokio::time::sleep(poll).await;
        }
    }

    /// Pushes the expiry out; fails with [`ErrorKind::LeaseHeld`] when the lease is no longer ours.
    async fn renew(&self) -> Result<()> {
        let later = now_millis().saturating_add(millis(self.duration));
        let update = Update::new().set(attr("expires_at"), number(later));
        let ours = attr("owner").eq(self.owner.as_str());
        let p =
            self.table.prepared(WriteOp::Update, LEASE, Item::new(), Some(update), Some(ours))?;
        match p.send(&self.table.db, false).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_condition_failed() => Err(self.error(Error::new(
                ErrorKind::LeaseHeld,
                "the lease of the migration set expired and was taken over by another runner",
            ))),
            Err(e) => Err(e),
        }
    }

    /// Runs `work` while renewing the lease; stops it (dropping the future) when a renewal fails.
    pub(crate) async fn hold<T>(&self, work: impl Future<Output = Result<T>>) -> Result<T> {
        let renewals = async {
            loop {
                tokio::time::sleep(self.duration / 3).await;
                if let Err(e) = self.renew().await {
                    return e;
                }
            }
        };
        tokio::select! {
            biased;
            result = work => result,
            e = renewals => Err(e),
        }
    }

    /// Gives the lease up, if it is still ours.
    pub(crate) async fn release(&self) -> Result<()> {
        let ours = attr("owner").eq(self.owner.as_str());
        let p = self.table.prepared(WriteOp::Delete, LEASE, Item::new(), None, Some(ours))?;
        match p.send(&self.table.db, false).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_condition_failed() => Ok(()),
            Err(e) => Err(e),
        }
    }
}
