//! What batch get and batch write share: the retry policy for unprocessed items and keys, the
//! [`Unprocessed`] leftovers an error carries, item identities, and running chunks with bounded
//! concurrency.
//!
//! DynamoDB may accept only part of a batch and hand the rest back (`UnprocessedItems`,
//! `UnprocessedKeys`); the SDK does not retry those. Each chunk resends exactly what came back,
//! after a full-jitter exponential backoff, until everything is accepted or the policy's bound is
//! reached; whatever is left is reported, never dropped.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::{DeleteRequest, PutRequest, WriteRequest};
use futures_util::stream::{FuturesUnordered, StreamExt};

use crate::error::{Error, ErrorKind};
use crate::key::describe_key;
use crate::key::item_identity;
use crate::model::ModelMeta;
use crate::value::Item;

/// Requests in flight at once unless a batch asks otherwise.
pub(crate) const DEFAULT_CONCURRENCY: usize = 4;

/// How unprocessed items and keys are resent: full-jitter exponential backoff, sleeping
/// `random[0, 1) × min(base · 2^n, cap)` before the n-th resend (n from 0).
///
/// ```
/// use std::time::Duration;
/// let policy = ferrodyn::operation::RetryPolicy {
///     max_attempts: 5,
///     ..ferrodyn::operation::RetryPolicy::default()
/// };
/// assert_eq!(policy.base, Duration::from_millis(50));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The first backoff bound.
    pub base: Duration,
    /// The largest backoff bound.
    pub cap: Duration,
    /// Requests per chunk, the first one included; at least one request is always sent.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// 50 ms base, 5 s cap, 10 attempts: about half a minute in the worst case, well inside a
    /// Lambda timeout.
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_millis(50),
            cap: Duration::from_secs(5),
            max_attempts: 10,
        }
    }
}

impl RetryPolicy {
    /// The bound of the backoff before resend number `retry` (from 0).
    fn bound(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    pub(crate) async fn backoff(&self, retry: u32) {
        let delay = self.bound(retry).mul_f64(fastrand::f64());
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }
}

/// The progress callback: `(acknowledged, total)`.
pub(crate) type Progress = Arc<dyn Fn(usize, usize) + Send + Sync>;

/// Counts acknowledged items and reports them. Chunks run on one task, and each count is taken
/// and reported without an `.await` in between, so reports are in increasing order.
pub(crate) struct Tally {
    done: AtomicUsize,
    total: usize,
    progress: Option<Progress>,
}

impl Tally {
    pub(crate) fn new(total: usize, progress: Option<Progress>) -> Self {
        Tally { done: AtomicUsize::new(0), total, progress }
    }

    pub(crate) fn add(&self, n: usize) {
        if n == 0 {
            return;
        }
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(progress) = &self.progress {
            progress(done, self.total);
        }
    }
}

/// What a chunk ends with: the entries it could not get accepted, and the error that stopped it.
pub(crate) struct ChunkEnd<T> {
    pub(crate) left: Vec<T>,
    pub(crate) error: Option<Error>,
}

/// Runs `run` on every chunk, at most `concurrency` at a time. After the first error no further
/// chunk starts (those are returned as left over), but chunks in flight finish, so that no
/// request is abandoned half-way with an unknown outcome.
pub(crate) async fn run_chunks<T, F, Fut>(
    chunks: Vec<Vec<T>>,
    concurrency: usize,
    run: F,
) -> ChunkEnd<T>
where
    F: Fn(Vec<T>) -> Fut,
    Fut: Future<Output = ChunkEnd<T>>,
{
    let mut chunks = chunks.into_iter();
    let mut running = FuturesUnordered::new();
    let mut end = ChunkEnd { left: Vec::new(), error: None };
    loop {
        while end.error.is_none() && running.len() < concurrency.max(1) {
            match chunks.next() {
                Some(chunk) => running.push(run(chunk)),
                None => break,
            }
        }
        let Some(done) = running.next().await else { break };
        let ChunkEnd { mut left, error } = done;
        end.left.append(&mut left);
        if end.error.is_none() {
            end.error = error;
        }
    }
    end.left.extend(chunks.flatten());
    end
}

/// Whether an [`UnprocessedWrite`] writes or deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// A put: the whole item is kept.
    Put,
    /// A delete by key.
    Delete,
}

/// One put or delete of a batch write, validated. Left-over writes keep the whole item, so that
/// they can be resent; `Debug` shows the table, model and key only.
#[derive(Clone)]
pub struct UnprocessedWrite {
    pub(crate) kind: WriteKind,
    pub(crate) meta: &'static ModelMeta,
    pub(crate) table: String,
    /// The whole item for a put, the key for a delete.
    pub(crate) item: Item,
    pub(crate) size: usize,
}

impl UnprocessedWrite {
    /// Put or delete.
    pub fn kind(&self) -> WriteKind {
        self.kind
    }

    /// The physical table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The Rust model.
    pub fn model(&self) -> &'static str {
        self.meta.type_name
    }

    /// The key attributes.
    pub fn key(&self) -> Item {
        self.meta
            .key_attributes()
            .filter_map(|k| self.item.get_key_value(k.attribute))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    }

    /// The key as text (`pk=CUSTOMER#1, sk=ORDER#2`).
    pub fn key_text(&self) -> String {
        describe_key(self.meta, &self.item)
    }

    /// The whole item of a put; `None` for a delete.
    pub fn item(&self) -> Option<&Item> {
        (self.kind == WriteKind::Put).then_some(&self.item)
    }

    pub(crate) fn identity(&self) -> Vec<u8> {
        item_identity(&self.table, self.meta, &self.item)
    }

    /// The SDK request. Its builders only fail on a missing item or key, which is always set.
    pub(crate) fn to_request(&self) -> Result<WriteRequest, Error> {
        let built = match self.kind {
            WriteKind::Put => PutRequest::builder()
                .set_item(Some(self.item.clone()))
                .build()
                .map(|put| WriteRequest::builder().put_request(put).build()),
            WriteKind::Delete => DeleteRequest::builder()
                .set_key(Some(self.item.clone()))
                .build()
                .map(|delete| WriteRequest::builder().delete_request(delete).build()),
        };
        built.map_err(|e| Error::validation("request could not be built").with_source(e))
    }
}

impl fmt::Debug for UnprocessedWrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnprocessedWrite")
            .field("kind", &self.kind)
            .field("table", &self.table)
            .field("model", &self.meta.type_name)
            .field("key", &self.key_text())
            .finish()
    }
}

/// One key of a batch get that was not read.
#[derive(Clone)]
pub struct UnprocessedKey {
    pub(crate) meta: &'static ModelMeta,
    pub(crate) table: String,
    pub(crate) key: Item,
}

impl UnprocessedKey {
    /// The physical table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The Rust model.
    pub fn model(&self) -> &'static str {
        self.meta.type_name
    }

    /// The key attributes.
    pub fn key(&self) -> &Item {
        &self.key
    }

    /// The key as text (`pk=CUSTOMER#1, sk=ORDER#2`).
    pub fn key_text(&self) -> String {
        describe_key(self.meta, &self.key)
    }
}

impl fmt::Debug for UnprocessedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnprocessedKey")
            .field("table", &self.table)
            .field("model", &self.meta.type_name)
            .field("key", &self.key_text())
            .finish()
    }
}

/// What a batch operation left undone, carried by its error ([`Error::unprocessed`]): the writes
/// or keys DynamoDB did not accept within the retry bound, plus, when a request failed, that
/// request's entries and every chunk not sent yet. Everything else was acknowledged.
///
/// Writes keep their whole items: pass the value to
/// [`BatchWrite::resend`](crate::operation::BatchWrite::resend) to try again. `Debug` shows
/// tables, models and keys, never item contents.
#[derive(Clone, Default)]
pub struct Unprocessed {
    pub(crate) writes: Vec<UnprocessedWrite>,
    pub(crate) keys: Vec<UnprocessedKey>,
}

impl Unprocessed {
    /// The writes not done.
    pub fn writes(&self) -> &[UnprocessedWrite] {
        &self.writes
    }

    /// The keys not read.
    pub fn keys(&self) -> &[UnprocessedKey] {
        &self.keys
    }

    /// The number of writes and keys.
    pub fn len(&self) -> usize {
        self.writes.len() + self.keys.len()
    }

    /// Whether nothing is left.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The writes, owned.
    pub fn into_writes(self) -> Vec<UnprocessedWrite> {
        self.writes
    }
}

impl fmt::Debug for Unprocessed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Unprocessed");
        if !self.writes.is_empty() {
            s.field("writes", &self.writes);
        }
        if !self.keys.is_empty() {
            s.field("keys", &self.keys);
        }
        s.finish()
    }
}

/// The error that ends a batch: the request error, or `Unprocessed` when retries ran out, with the
/// leftovers attached either way.
pub(crate) fn batch_error(
    operation: &'static str,
    error: Option<Error>,
    unprocessed: Unprocessed,
    attempts: u32,
) -> Error {
    let n = unprocessed.len();
    let what = if unprocessed.keys.is_empty() { "writes" } else { "keys" };
    let error = error.unwrap_or_else(|| {
        Error::new(
            ErrorKind::Unprocessed,
            format!("{n} {what} still unprocessed after {attempts} attempts"),
        )
    });
    error.with_operation(operation).with_unprocessed(unprocessed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_bound_doubles_up_to_the_cap() {
        let policy = RetryPolicy {
            base: Duration::from_millis(10),
            cap: Duration::from_millis(75),
            max_attempts: 3,
        };
        let bounds: Vec<u128> = (0..5).map(|n| policy.bound(n).as_millis()).collect();
        assert_eq!(bounds, [10, 20, 40, 75, 75]);
        assert_eq!(policy.bound(200), Duration::from_millis(75));
    }
}
