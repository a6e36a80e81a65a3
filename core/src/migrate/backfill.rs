//! Backfills: every item of a model read with a parallel scan, page by page per segment,
//! transformed by a closure and written back with an UpdateItem of what changed (the same diff as
//! [`Db::save`](crate::Db::save)), with the position of each segment stored in the migration's
//! state after each page, so that a rerun resumes where the last one stopped.
//!
//! Exactly once: each written item is marked with the attribute `ferrodyn:migration:<set>` set
//! to `<migration>/<run id>`, in the same UpdateItem as the change. The scan filters marked items
//! out and every write is conditioned on the item not carrying this run's mark, so an item that
//! was written after the last stored checkpoint (a crash between a write and the checkpoint) is
//! read again on resume and skipped, not transformed twice. Every write is also conditioned on the
//! item being as read: on its version for a versioned model, otherwise on the attributes the
//! transform changes holding the values read. When that fails (a concurrent writer), the item is
//! read again (consistently) and, unless it is marked, transformed again from what is stored,
//! up to [`MAX_ATTEMPTS`] times. A resumed run keeps its run id; a new application of the
//! migration (after a rollback) gets a new one, and marks items again.
//!
//! The mark stays on the items (a later put of the model drops it, which is harmless): models
//! ignore attributes they do not declare.

use std::collections::HashSet;
use std::marker::PhantomData;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, ErrorKind, Result};
use crate::expression::{attr, diff_items, Condition};
use crate::model::Model;
use crate::operation::ParallelScan;
use crate::value::Item;

use super::state::{check_name, SegmentCheckpoint};
use super::Context;

/// The name of the attribute that marks an item a backfill wrote is this prefix followed by the
/// migration set's name.
pub const MIGRATED_ATTRIBUTE_PREFIX: &str = "ferrodyn:migration:";

/// How many times one item is read and written again when concurrent writers keep changing it.
pub const MAX_ATTEMPTS: usize = 5;

/// Counts of a backfill's items, in this run (a resumed run counts from zero).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Items read (not counting items marked already, which the scan filters out).
    pub seen: u64,
    /// Items transformed and written.
    pub written: u64,
    /// Items left as they were: the transform returned `None` or the value unchanged, or the
    /// item was deleted or migrated by this run meanwhile.
    pub skipped: u64,
}

type ProgressFn = Arc<dyn Fn(&Progress) -> ControlFlow<()> + Send + Sync>;

/// A backfill of the items of `M`, built by [`Context::backfill`] and started with
/// [`run`](Backfill::run).
#[must_use]
pub struct Backfill<M> {
    ctx: Context,
    name: Option<String>,
    segments: u32,
    page_size: u32,
    progress: Option<ProgressFn>,
    model: PhantomData<fn() -> M>,
}

impl<M: Model> std::fmt::Debug for Backfill<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backfill")
            .field("model", &M::META.type_name)
            .field("migration", &self.ctx.migration())
            .field("segments", &self.segments)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

/// What one item came to.
enum Outcome {
    Written,
    Skipped,
}

impl<M: Model + Send + 'static> Backfill<M> {
    pub(crate) fn new(ctx: Context) -> Self {
        Backfill {
            ctx,
            name: None,
            segments: 4,
            page_size: 100,
            progress: None,
            model: PhantomData,
        }
    }

    /// The name its checkpoint is stored under (default the model's type name): give each
    /// backfill of one model in one migration its own.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The number of scan segments read concurrently (default 4). A resumed backfill must use
    /// the number it started with.
    pub fn segments(mut self, n: u32) -> Self {
        self.segments = n;
        self
    }

    /// Items read per Scan request (default 100): a checkpoint is stored after each page.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n;
        self
    }

    /// Called after each page (with the checkpoint stored) with the counts so far; returning
    /// `ControlFlow::Break(())` stops the backfill with an error of kind
    /// [`ErrorKind::Stopped`](crate::ErrorKind::Stopped), to be resumed by a later run.
    pub fn on_progress(
        mut self,
        f: impl Fn(&Progress) -> ControlFlow<()> + Send + Sync + 'static,
    ) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Transforms every item of `M` not yet migrated by this run of the migration: `Some` of a
    /// new value writes what changed (the primary key must not change), `None` leaves the item.
    ///
    /// # Errors
    /// An invalid name, a model of another table, a checkpoint of another number of segments
    /// (before reading); a transform that changes the primary key; an item still changed by
    /// others after [`MAX_ATTEMPTS`]; [`ErrorKind::Stopped`](crate::ErrorKind::Stopped); the
    /// first error of any segment (the others stop at once); DynamoDB's errors. After an error
    /// the checkpoint holds the last page finished in each segment.
    pub async fn run<F>(self, transform: F) -> Result<Progress>
    where
        F: Fn(M) -> Option<M> + Send + Sync,
    {
        let table = &self.ctx.table;
        let migration = self.ctx.migration();
        let name = self.name.clone().unwrap_or_else(|| M::META.type_name.to_owned());
        check_name("backfill", &name).map_err(|e| table.error(Some(migration), e))?;
        if M::META.table != table.meta.table {
            return Err(table.error(
                Some(migration),
                Error::validation(format!(
                    "backfill `{name}`: `{}` lives in table `{}`, not in the set's `{}`",
                    M::META.type_name,
                    M::META.table,
                    table.meta.table
                )),
            ));
        }
        let checkpoint = table
            .checkpoint(migration, &name, self.segments)
            .await
            .map_err(|e| table.error(Some(migration), e))?;
        let marker = format!("{MIGRATED_ATTRIBUTE_PREFIX}{}", self.ctx.set());
        let tag = AttributeValue::S(format!("{migration}/{}", self.ctx.run));
        let unmarked = attr(marker.clone()).not_exists().or(attr(marker.clone()).ne(tag.clone()));
        let mut scan = self.ctx.db().scan::<M>().limit(self.page_size).filter(unmarked.clone());
        if M::META.entity.is_none() {
            // Without an entity filter the scan would read the set's own items as `M`.
            let pk = M::META.partition_key.attribute;
            scan = scan.filter(!attr(pk).begins_with("MIGRATION#"));
        }
        let run = Run {
            backfill: &self,
            name,
            scan: scan.segments(self.segments),
            marker,
            tag,
            unmarked,
            transform: &transform,
            counts: Mutex::new(Progress::default()),
        };
        let segments = checkpoint.into_iter().enumerate().map(|(i, at)| run.segment(i, at));
        futures_util::future::try_join_all(segments).await?;
        Ok(run.snapshot())
    }
}

/// One run of a backfill, shared by its segments.
struct Run<'a, M, F> {
    backfill: &'a Backfill<M>,
    name: String,
    scan: ParallelScan<M>,
    marker: String,
    tag: AttributeValue,
    unmarked: Condition,
    transform: &'a F,
    counts: Mutex<Progress>,
}

impl<M, F> Run<'_, M, F>
where
    M: Model + Send + 'static,
    F: Fn(M) -> Option<M> + Send + Sync,
{
    fn snapshot(&self) -> Progress {
        *self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn count(&self, f: impl FnOnce(&mut Progress)) {
        f(&mut self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    }

    /// Reads segment `segment` from `at` to its end, storing its checkpoint after each page.
    async fn segment(&self, segment: usize, mut at: SegmentCheckpoint) -> Result<()> {
        let ctx = &self.backfill.ctx;
        // Segments number fewer than `u32::MAX`: there is one per `u32` of `segments`.
        let index = u32::try_from(segment).unwrap_or(u32::MAX);
        loop {
            let cursor = match &at {
                SegmentCheckpoint::Done => return Ok(()),
                SegmentCheckpoint::Start => None,
                SegmentCheckpoint::After(cursor) => Some(cursor.as_str()),
            };
            let page = self.scan.segment_page(index, cursor).await?;
            for value in page.items {
                self.count(|p| p.seen += 1);
                match self.migrate(value).await? {
                    Outcome::Written => self.count(|p| p.written += 1),
                    Outcome::Skipped => self.count(|p| p.skipped += 1),
                }
            }
            at = page.cursor.map_or(SegmentCheckpoint::Done, SegmentCheckpoint::After);
            let table = &ctx.table;
            table.save_checkpoint(ctx.migration(), &self.name, segment, &at).await?;
            if let Some(progress) = &self.backfill.progress {
                if progress(&self.snapshot()).is_break() {
                    let message = format!(
                        "backfill `{}` was stopped by its progress callback; a rerun resumes it",
                        self.name
                    );
                    let e = Error::new(ErrorKind::Stopped, message);
                    return Err(table.error(Some(ctx.migration()), e));
                }
            }
        }
    }

    /// Transforms and writes one item, reading it again after a failed condition.
    async fn migrate(&self, mut value: M) -> Result<Outcome> {
        let db = self.backfill.ctx.db();
        let meta = M::META;
        let key_text = crate::key::describe_key(meta, value.primary_key().attributes());
        for _ in 0..MAX_ATTEMPTS {
            let key = value.primary_key();
            let before = value.to_item()?;
            let Some(after) = (self.transform)(value) else { return Ok(Outcome::Skipped) };
            let changes = diff_items(meta, &before, &after.to_item()?)?;
            if changes.is_empty() {
                return Ok(Outcome::Skipped);
            }
            let changed: HashSet<String> =
                changes.actions.iter().map(|a| a.path.root.to_string()).collect();
            let update = changes.set(attr(self.marker.clone()), self.tag.clone());
            let mut write = db.update(key.clone(), update).condition(self.unmarked.clone());
            match meta.managed.version {
                Some(attribute) => {
                    let version = crate::operation::version_of(&before, attribute)?;
                    write = write.expect_version(version);
                }
                None => {
                    if let Some(unchanged) = unchanged(&before, changed) {
                        write = write.condition(unchanged);
                    }
                }
            }
            match write.send().await {
                Ok(()) => return Ok(Outcome::Written),
                Err(e) if e.is_not_found() => return Ok(Outcome::Skipped),
                Err(e) if e.is_condition_failed() => {}
                Err(e) => return Err(e),
            }
            let Some(stored) = db.get(key).consistent_read(true).send_item().await? else {
                return Ok(Outcome::Skipped);
            };
            if stored.get(&self.marker) == Some(&self.tag) {
                return Ok(Outcome::Skipped);
            }
            value = M::from_item(stored)?;
        }
        let e = Error::new(
            ErrorKind::ConditionFailed,
            format!("the item kept changing while backfill `{}` wrote it", self.name),
        );
        Err(e.context("UpdateItem", meta.type_name, Some(key_text)))
    }
}

/// `attribute = <value read>` (or `attribute_not_exists`) for each changed attribute.
fn unchanged(before: &Item, changed: HashSet<String>) -> Option<Condition> {
    let mut names: Vec<String> = changed.into_iter().collect();
    names.sort();
    names
        .into_iter()
        .map(|name| match before.get(&name) {
            Some(value) => attr(name).eq(value.clone()),
            None => attr(name).not_exists(),
        })
        .reduce(Condition::and)
}
