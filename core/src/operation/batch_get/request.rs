//! The one BatchGetItem request path, untyped: distinct keys of any models in any tables, split
//! into requests of at most 100 keys (counted across tables, as DynamoDB counts them), sent with
//! bounded concurrency, items matched back to their keys, and unprocessed keys (capacity, or the
//! 16 MB response limit) resent within the retry policy's bound. [`BatchGet`](super::BatchGet)
//! reads one model's keys through it; the [`Loader`](crate::operation::Loader) reads whatever its
//! loads have queued, across models and tables.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use aws_sdk_dynamodb::types::KeysAndAttributes;

use crate::capacity::Usage;
use crate::error::{Error, ErrorKind};
use crate::key::item_identity;
use crate::limits::MAX_BATCH_GET_KEYS;
use crate::model::ModelMeta;
use crate::value::Item;
use crate::Db;

use super::super::batch::{
    batch_error, run_chunks, ChunkEnd, Progress, RetryPolicy, Tally, Unprocessed, UnprocessedKey,
};
use super::{Names, OPERATION};

/// One table of a read: what its `KeysAndAttributes` carry besides the keys.
pub(crate) struct TableRead {
    /// The physical table name.
    pub(crate) name: String,
    /// A model of the table: its key attribute names match returned items to keys (models that
    /// share a table share them).
    pub(crate) meta: &'static ModelMeta,
    /// The rendered projection, with the key attributes in it.
    pub(crate) projection: Option<String>,
    /// The projection's attribute names.
    pub(crate) names: Option<Names>,
}

/// One key to read: its table (an index into the tables), its model (for errors) and attributes.
#[derive(Clone)]
pub(crate) struct KeyRead {
    pub(crate) table: usize,
    pub(crate) meta: &'static ModelMeta,
    pub(crate) key: Item,
}

/// A read of distinct keys (no key twice: DynamoDB refuses repeated keys in a request).
pub(crate) struct MultiGet<'a> {
    pub(crate) db: &'a Db,
    pub(crate) tables: &'a [TableRead],
    pub(crate) consistent_read: bool,
    pub(crate) concurrency: usize,
    pub(crate) retry: &'a RetryPolicy,
    pub(crate) progress: Option<Progress>,
    /// Counts every request sent, resends included.
    pub(crate) requests: Option<&'a AtomicU64>,
}

/// What a read ends with: the item of each key (by position; `None` for no item or not read), the
/// positions of the keys not read, and the request error that stopped it, if any.
pub(crate) struct Fetched {
    pub(crate) items: Vec<Option<Item>>,
    pub(crate) left: Vec<usize>,
    pub(crate) error: Option<Error>,
    pub(crate) attempts: u32,
}

impl Fetched {
    /// Whether every key was answered (found or not).
    pub(crate) fn is_complete(&self) -> bool {
        self.left.is_empty() && self.error.is_none()
    }

    /// The error of an incomplete read: the request error, or
    /// [`Unprocessed`](ErrorKind::Unprocessed) when retries ran out, with the keys not read
    /// attached either way.
    pub(crate) fn into_error(self, keys: &[KeyRead], tables: &[TableRead]) -> Error {
        let keys = self.left.iter().map(|&i| unprocessed_key(&keys[i], tables)).collect();
        let unprocessed = Unprocessed { writes: Vec::new(), keys };
        batch_error(OPERATION, self.error, unprocessed, self.attempts)
    }
}

/// The [`UnprocessedKey`] of a key not read.
pub(crate) fn unprocessed_key(key: &KeyRead, tables: &[TableRead]) -> UnprocessedKey {
    UnprocessedKey { meta: key.meta, table: tables[key.table].name.clone(), key: key.key.clone() }
}

/// What every chunk of one read shares.
struct Shared<'a> {
    get: &'a MultiGet<'a>,
    keys: &'a [KeyRead],
    /// Each key's identity (table and key values) to its position.
    index: HashMap<Vec<u8>, usize>,
    /// Table names to their position in `tables`.
    tables: HashMap<&'a str, usize>,
    found: Mutex<Vec<Option<Item>>>,
    tally: Tally,
}

impl MultiGet<'_> {
    /// Reads `keys`, which must be distinct.
    pub(crate) async fn run(&self, keys: &[KeyRead]) -> Fetched {
        let index = keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let table = &self.tables[k.table];
                (item_identity(&table.name, table.meta, &k.key), i)
            })
            .collect();
        let tables = self.tables.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
        let shared = Shared {
            get: self,
            keys,
            index,
            tables,
            found: Mutex::new(vec![None; keys.len()]),
            tally: Tally::new(keys.len(), self.progress.clone()),
        };
        let positions: Vec<usize> = (0..keys.len()).collect();
        let chunks: Vec<Vec<usize>> =
            positions.chunks(MAX_BATCH_GET_KEYS).map(<[usize]>::to_vec).collect();
        let end = run_chunks(chunks, self.concurrency, |chunk| shared.read_chunk(chunk)).await;
        let items = shared.found.into_inner().unwrap_or_else(PoisonError::into_inner);
        let mut left = end.left;
        left.sort_unstable();
        Fetched { items, left, error: end.error, attempts: self.retry.max_attempts.max(1) }
    }
}

impl Shared<'_> {
    /// The request's `RequestItems`: the chunk's keys grouped by table.
    fn request_items(
        &self,
        pending: &[usize],
    ) -> Result<HashMap<String, KeysAndAttributes>, Error> {
        let mut by_table: HashMap<usize, Vec<Item>> = HashMap::new();
        for &i in pending {
            let key = &self.keys[i];
            by_table.entry(key.table).or_default().push(key.key.clone());
        }
        by_table
            .into_iter()
            .map(|(t, keys)| {
                let table = &self.get.tables[t];
                KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    .consistent_read(self.get.consistent_read)
                    .set_projection_expression(table.projection.clone())
                    .set_expression_attribute_names(table.names.clone())
                    .build()
                    .map(|keys| (table.name.clone(), keys))
                    .map_err(|e| {
                        Error::new(ErrorKind::Validation, "request could not be built")
                            .with_source(e)
                    })
            })
            .collect()
    }

    /// The position of the key an item (or a returned key) of table `name` belongs to.
    fn position(&self, name: &str, item: &Item) -> Option<usize> {
        let table = &self.get.tables[*self.tables.get(name)?];
        self.index.get(&item_identity(&table.name, table.meta, item)).copied()
    }

    /// Reads one chunk and resends the keys DynamoDB returns unprocessed, within the bound.
    async fn read_chunk(&self, mut pending: Vec<usize>) -> ChunkEnd<usize> {
        let db = self.get.db;
        let mut attempt = 0;
        loop {
            let request_items = match self.request_items(&pending) {
                Ok(items) => items,
                Err(error) => return ChunkEnd { left: pending, error: Some(error) },
            };
            attempt += 1;
            if let Some(requests) = self.get.requests {
                requests.fetch_add(1, Ordering::Relaxed);
            }
            let sent = db
                .client()
                .batch_get_item()
                .set_request_items(Some(request_items))
                .set_return_consumed_capacity(db.return_consumed_capacity())
                .send()
                .await;
            let output = match sent {
                Ok(output) => output,
                Err(e) => return ChunkEnd { left: pending, error: Some(Error::from_sdk(e)) },
            };
            db.record_capacity(Usage::Read, output.consumed_capacity());
            {
                let mut found = self.found.lock().unwrap_or_else(PoisonError::into_inner);
                for (table, items) in output.responses.unwrap_or_default() {
                    for item in items {
                        if let Some(i) = self.position(&table, &item) {
                            found[i] = Some(item);
                        }
                    }
                }
            }
            let returned: HashSet<usize> = output
                .unprocessed_keys
                .unwrap_or_default()
                .iter()
                .flat_map(|(table, keys)| keys.keys.iter().map(move |key| (table, key)))
                .filter_map(|(table, key)| self.position(table, key))
                .collect();
            let (left, read): (Vec<usize>, Vec<usize>) =
                pending.into_iter().partition(|i| returned.contains(i));
            self.tally.add(read.len());
            if left.is_empty() || attempt >= self.get.retry.max_attempts {
                return ChunkEnd { left, error: None };
            }
            self.get.retry.backoff(attempt - 1).await;
            pending = left;
        }
    }
}
