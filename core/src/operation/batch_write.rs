//! BatchWriteItem: any number of puts and deletes, across models and tables, validated before
//! anything is sent, split into requests of at most 25 writes and 16 MB, sent with bounded
//! concurrency, with unprocessed items resent until accepted or reported.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use aws_sdk_dynamodb::types::WriteRequest;

use crate::capacity::Usage;
use crate::error::{Error, Result};
use crate::key::item_identity;
use crate::key::{describe_key, Key};
use crate::model::{Model, ModelMeta};
use crate::value::Item;
use crate::{managed, validate, validator, Db};

use super::batch::{
    batch_error, run_chunks, ChunkEnd, Progress, RetryPolicy, Tally, Unprocessed, UnprocessedWrite,
    WriteKind, DEFAULT_CONCURRENCY,
};
use crate::limits::{MAX_BATCH_WRITE_BYTES, MAX_BATCH_WRITE_ITEMS};

const OPERATION: &str = "BatchWriteItem";

/// A batch of puts and deletes (BatchWriteItem), built with [`Db::batch_write`].
///
/// Every write is validated as the single-item put or delete would be (a put runs the model's
/// validators, [`Model::validate`]), and two writes to the same item (same table and key) are
/// rejected, all before the first request. Conditions do not exist in BatchWriteItem; use a
/// transaction for conditional writes. For the same reason a `#[ferrodyn(version)]` is incremented
/// but not checked, and an empty `#[ferrodyn(id)]` is generated as on create.
///
/// Writes are not atomic: if the batch fails, the error's [`Error::unprocessed`] lists exactly the
/// writes that were not acknowledged (the failed request's, those never sent, and those DynamoDB
/// still returned as unprocessed at the retry bound); the others are done.
#[must_use]
pub struct BatchWrite {
    db: Db,
    writes: Vec<UnprocessedWrite>,
    seen: HashSet<Vec<u8>>,
    error: Option<Error>,
    concurrency: usize,
    retry: RetryPolicy,
    progress: Option<Progress>,
}

impl std::fmt::Debug for BatchWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchWrite")
            .field("writes", &self.writes.len())
            .field("concurrency", &self.concurrency)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Starts a batch of puts and deletes (BatchWriteItem); see [`BatchWrite`].
    pub fn batch_write(&self) -> BatchWrite {
        BatchWrite {
            db: self.clone(),
            writes: Vec::new(),
            seen: HashSet::new(),
            error: None,
            concurrency: DEFAULT_CONCURRENCY,
            retry: RetryPolicy::default(),
            progress: None,
        }
    }
}

impl BatchWrite {
    /// Adds a put of `value`, replacing any item with the same key.
    pub fn put<M: Model>(mut self, value: &M) -> Self {
        if self.error.is_none() {
            match prepare_put(&self.db, value) {
                Ok(write) => self.add(write),
                Err(e) => self.error = Some(e),
            }
        }
        self
    }

    /// Adds a put of each value.
    pub fn put_all<'a, M: Model + 'a>(self, values: impl IntoIterator<Item = &'a M>) -> Self {
        values.into_iter().fold(self, BatchWrite::put)
    }

    /// Adds a delete by key; deleting a missing item succeeds.
    pub fn delete<M: Model>(mut self, key: Key<M>) -> Self {
        if self.error.is_none() {
            match prepare_delete(&self.db, key) {
                Ok(write) => self.add(write),
                Err(e) => self.error = Some(e),
            }
        }
        self
    }

    /// Adds a delete of each key.
    pub fn delete_all<M: Model>(self, keys: impl IntoIterator<Item = Key<M>>) -> Self {
        keys.into_iter().fold(self, BatchWrite::delete)
    }

    /// Adds the writes a failed batch left over ([`Error::into_unprocessed`]). They were validated
    /// when first added and keep their physical table names.
    pub fn resend(mut self, unprocessed: Unprocessed) -> Self {
        for write in unprocessed.into_writes() {
            if self.error.is_some() {
                break;
            }
            self.add(write);
        }
        self
    }

    super::setters! {
        /// How many requests may be in flight at once (default 4, at least 1).
        concurrency(requests: usize) => requests.max(1);
        /// How unprocessed items are resent.
        retry(policy: RetryPolicy) => policy;
        /// Calls `progress(acknowledged, total)` each time DynamoDB acknowledges writes; the
        /// first argument only grows and reaches `total` when the batch succeeds.
        progress(progress: impl Fn(usize, usize) + Send + Sync + 'static) =>
            Some(Arc::new(progress));
    }

    /// The number of writes added.
    pub fn len(&self) -> usize {
        self.writes.len()
    }

    /// Whether no write was added.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    fn add(&mut self, write: UnprocessedWrite) {
        if self.seen.insert(write.identity()) {
            self.writes.push(write);
        } else {
            self.error =
                Some(Error::validation("two writes to the same item in one batch").context(
                    OPERATION,
                    write.meta.type_name,
                    Some(write.key_text()),
                ));
        }
    }

    /// Sends the batch. An empty batch sends nothing.
    ///
    /// # Errors
    /// Before anything is sent: the first invalid write (a value its model's validators refuse,
    /// key, size, numbers, sets, nesting) or the second write to an item, naming the model (and
    /// the key, except for a refused value). After: DynamoDB's error for a request (e.g.
    /// [`Error::is_throttled`] once the SDK's retries gave up), or [`Error::is_unprocessed`] when
    /// writes were still unprocessed at the retry bound; either way [`Error::unprocessed`] lists
    /// every write not acknowledged.
    pub async fn send(self) -> Result<()> {
        if let Some(error) = self.error {
            return Err(error);
        }
        if self.writes.is_empty() {
            return Ok(());
        }
        let tally = Tally::new(self.writes.len(), self.progress);
        let chunks = chunk(self.writes);
        let (db, retry) = (&self.db, &self.retry);
        let end =
            run_chunks(chunks, self.concurrency, |writes| write_chunk(db, writes, retry, &tally))
                .await;
        if end.left.is_empty() && end.error.is_none() {
            return Ok(());
        }
        let unprocessed = Unprocessed { writes: end.left, keys: Vec::new() };
        Err(batch_error(OPERATION, end.error, unprocessed, retry.max_attempts.max(1)))
    }
}

impl std::future::IntoFuture for BatchWrite {
    type Output = Result<()>;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// The checks of a single put, with this operation's name in the errors.
fn prepare_put<M: Model>(db: &Db, value: &M) -> Result<UnprocessedWrite> {
    let meta = M::META;
    validator::check(OPERATION, value)?;
    let mut item = value.to_item().map_err(|e| e.context(OPERATION, meta.type_name, None))?;
    if super::unique::has_unique(meta) {
        return Err(super::unique::refuse(meta, OPERATION, &item, "in a batch write"));
    }
    let managed = managed::on_batch_put(meta, &mut item);
    checked(db, WriteKind::Put, meta, item, |item| {
        managed?;
        validate::check_key(meta, item)?;
        validate::check_index_keys(meta, item)?;
        validate::check_item(item)
    })
}

/// The checks of a single delete, with this operation's name in the errors.
fn prepare_delete<M: Model>(db: &Db, key: Key<M>) -> Result<UnprocessedWrite> {
    let meta = M::META;
    let item = key.into_attributes();
    if super::unique::has_unique(meta) {
        return Err(super::unique::refuse(meta, OPERATION, &item, "in a batch write"));
    }
    checked(db, WriteKind::Delete, meta, item, |item| {
        validate::check_key(meta, item)?;
        validate::check_item(item)
    })
}

/// A write of `item` once `check` (which returns its size) passes; its errors name the key.
fn checked(
    db: &Db,
    kind: WriteKind,
    meta: &'static ModelMeta,
    item: Item,
    check: impl FnOnce(&Item) -> Result<usize>,
) -> Result<UnprocessedWrite> {
    let size = check(&item)
        .map_err(|e| e.context(OPERATION, meta.type_name, Some(describe_key(meta, &item))))?;
    Ok(UnprocessedWrite { kind, meta, table: db.table_name(meta.table), item, size })
}

/// Splits writes into requests of at most 25 writes and 16 MB, keeping their order.
fn chunk(writes: Vec<UnprocessedWrite>) -> Vec<Vec<UnprocessedWrite>> {
    let mut chunks = Vec::with_capacity(writes.len().div_ceil(MAX_BATCH_WRITE_ITEMS));
    let mut current: Vec<UnprocessedWrite> = Vec::new();
    let mut bytes = 0;
    for write in writes {
        let full = current.len() == MAX_BATCH_WRITE_ITEMS
            || bytes + write.size + write.table.len() > MAX_BATCH_WRITE_BYTES;
        if full && !current.is_empty() {
            chunks.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += write.size + write.table.len();
        current.push(write);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// Sends one chunk and resends what DynamoDB returns unprocessed, within the policy's bound.
async fn write_chunk(
    db: &Db,
    mut pending: Vec<UnprocessedWrite>,
    retry: &RetryPolicy,
    tally: &Tally,
) -> ChunkEnd<UnprocessedWrite> {
    let mut attempt = 0;
    loop {
        let mut request: HashMap<String, Vec<WriteRequest>> = HashMap::new();
        for write in &pending {
            match write.to_request() {
                Ok(r) => request.entry(write.table.clone()).or_default().push(r),
                Err(e) => {
                    return ChunkEnd { left: pending, error: Some(e.with_operation(OPERATION)) }
                }
            }
        }
        attempt += 1;
        let sent = db
            .client()
            .batch_write_item()
            .set_request_items(Some(request))
            .set_return_consumed_capacity(db.return_consumed_capacity())
            .send()
            .await;
        let output = match sent {
            Ok(output) => output,
            Err(e) => {
                let error = Error::from_sdk(e).with_operation(OPERATION);
                return ChunkEnd { left: pending, error: Some(error) };
            }
        };
        db.record_capacity(Usage::Write, output.consumed_capacity());
        let left = take_returned(&mut pending, output.unprocessed_items.unwrap_or_default());
        tally.add(pending.len());
        if left.is_empty() || attempt >= retry.max_attempts {
            return ChunkEnd { left, error: None };
        }
        retry.backoff(attempt - 1).await;
        pending = left;
    }
}

/// Moves the writes DynamoDB returned unprocessed out of `pending` (which keeps the acknowledged
/// ones) and returns them in their original order.
fn take_returned(
    pending: &mut Vec<UnprocessedWrite>,
    returned: HashMap<String, Vec<WriteRequest>>,
) -> Vec<UnprocessedWrite> {
    if returned.values().all(Vec::is_empty) {
        return Vec::new();
    }
    let index: HashMap<Vec<u8>, usize> =
        pending.iter().enumerate().map(|(i, w)| (w.identity(), i)).collect();
    let mut returned_flags = vec![false; pending.len()];
    let mut strays = Vec::new();
    for (table, requests) in returned {
        // Every model of a table shares its key attributes, so any write to the table tells how
        // to identify the returned ones.
        let Some(meta) = pending.iter().find(|w| w.table == table).map(|w| w.meta) else {
            continue; // DynamoDB returns only tables it was sent.
        };
        for request in requests {
            let (kind, item) = match (request.put_request, request.delete_request) {
                (Some(put), _) => (WriteKind::Put, put.item),
                (None, Some(delete)) => (WriteKind::Delete, delete.key),
                (None, None) => continue,
            };
            match index.get(&item_identity(&table, meta, &item)) {
                Some(&i) => returned_flags[i] = true,
                // Not expected; resend what DynamoDB returned rather than lose it.
                None => strays.push(UnprocessedWrite {
                    kind,
                    meta,
                    table: table.clone(),
                    item,
                    size: 0,
                }),
            }
        }
    }
    let mut left = Vec::new();
    let mut kept = Vec::with_capacity(pending.len());
    for (write, returned) in std::mem::take(pending).into_iter().zip(returned_flags) {
        if returned {
            left.push(write);
        } else {
            kept.push(write);
        }
    }
    *pending = kept;
    left.extend(strays);
    left
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{KeyMeta, ModelMeta, ScalarType, TemplatePart};

    static META: ModelMeta = ModelMeta {
        type_name: "Thing",
        table: "things",
        entity: None,
        partition_key: KeyMeta {
            attribute: "id",
            scalar: ScalarType::S,
            template: &[TemplatePart::Field("id")],
        },
        sort_key: None,
        indexes: &[],
        fields: &[],
        managed: crate::model::ManagedFields::NONE,
    };

    fn write(size: usize) -> UnprocessedWrite {
        UnprocessedWrite {
            kind: WriteKind::Put,
            meta: &META,
            table: "things".into(),
            item: crate::Item::new(),
            size,
        }
    }

    #[test]
    fn chunks_hold_at_most_25_writes_and_16_mb() {
        let sizes: Vec<usize> =
            chunk((0..60).map(|_| write(10)).collect()).iter().map(Vec::len).collect();
        assert_eq!(sizes, [25, 25, 10]);
        // Writes larger than DynamoDB allows, to reach the request bound before the count.
        let big = MAX_BATCH_WRITE_BYTES / 3;
        let sizes: Vec<usize> =
            chunk((0..7).map(|_| write(big)).collect()).iter().map(Vec::len).collect();
        assert_eq!(sizes, [2, 2, 2, 1]);
    }
}
