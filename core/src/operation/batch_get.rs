//! BatchGetItem: any number of keys of one model, validated before anything is sent, split into
//! requests of at most 100 distinct keys, sent with bounded concurrency, with unprocessed keys
//! (capacity, or the 16 MB response limit) resent until read or reported; items come back in the
//! order of the keys.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_dynamodb::types::KeysAndAttributes;

use crate::capacity::Usage;
use crate::error::{Error, ErrorKind, Result};
use crate::expression::{Placeholders, Projection};
use crate::key::item_identity;
use crate::key::{describe_key, Key};
use crate::model::Model;
use crate::value::Item;
use crate::{validate, Db};

use super::batch::{
    batch_error, run_chunks, ChunkEnd, Progress, RetryPolicy, Tally, Unprocessed, UnprocessedKey,
    DEFAULT_CONCURRENCY,
};
use crate::limits::MAX_BATCH_GET_KEYS;

const OPERATION: &str = "BatchGetItem";

/// Expression attribute names.
type Names = HashMap<String, String>;

/// A batch read of items of model `M` by key (BatchGetItem), built with [`Db::batch_get`].
///
/// A key asked for more than once is requested once (DynamoDB refuses repeated keys in a request)
/// and its item fills every position that asked for it.
#[must_use]
pub struct BatchGet<M> {
    db: Db,
    keys: Vec<Key<M>>,
    consistent_read: bool,
    projection: Option<Projection>,
    concurrency: usize,
    retry: RetryPolicy,
    progress: Option<Progress>,
}

impl<M: Model> std::fmt::Debug for BatchGet<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchGet")
            .field("model", &M::META.type_name)
            .field("keys", &self.keys.len())
            .field("consistent_read", &self.consistent_read)
            .field("projection", &self.projection)
            .field("concurrency", &self.concurrency)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// The items of a batch get, aligned with the keys asked for: `items[i]` is the item of the
/// `i`-th key, `None` when there is no such item.
pub struct BatchGetOutput<M> {
    /// One entry per key asked for, in the same order.
    pub items: Vec<Option<M>>,
    keys: Vec<Key<M>>,
}

impl<M: Model + std::fmt::Debug> std::fmt::Debug for BatchGetOutput<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchGetOutput").field("items", &self.items).finish_non_exhaustive()
    }
}

impl<M: Model> BatchGetOutput<M> {
    /// The keys asked for, in order.
    pub fn keys(&self) -> &[Key<M>] {
        &self.keys
    }

    /// The keys that have no item, in order.
    pub fn missing(&self) -> impl Iterator<Item = &Key<M>> {
        self.keys.iter().zip(&self.items).filter(|(_, item)| item.is_none()).map(|(key, _)| key)
    }

    /// The items found, in the order of their keys.
    pub fn found(&self) -> impl Iterator<Item = &M> {
        self.items.iter().flatten()
    }

    /// Each key with its item.
    pub fn iter(&self) -> impl Iterator<Item = (&Key<M>, Option<&M>)> {
        self.keys.iter().zip(self.items.iter().map(Option::as_ref))
    }

    /// The number of keys asked for.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key was asked for.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The items, aligned with the keys.
    pub fn into_items(self) -> Vec<Option<M>> {
        self.items
    }
}

impl Db {
    /// Reads items of `M` by key (BatchGetItem); see [`BatchGet`].
    pub fn batch_get<M: Model>(&self, keys: impl IntoIterator<Item = Key<M>>) -> BatchGet<M> {
        BatchGet {
            db: self.clone(),
            keys: keys.into_iter().collect(),
            consistent_read: false,
            projection: None,
            concurrency: DEFAULT_CONCURRENCY,
            retry: RetryPolicy::default(),
            progress: None,
        }
    }
}

/// A distinct key being read: its position among the distinct keys, and its attributes.
struct Wanted {
    index: usize,
    key: Item,
}

impl<M: Model> BatchGet<M> {
    super::setters! {
        /// Reads with strong consistency.
        consistent_read(consistent: bool) => consistent;
        /// Returns only these attributes (the key attributes are always added, to match items to
        /// keys); the model must then tolerate the others missing.
        projection(projection: impl Into<Projection>) => Some(projection.into());
    }

    super::setters! {
        /// How many requests may be in flight at once (default 4, at least 1).
        concurrency(requests: usize) => requests.max(1);
        /// How unprocessed keys are resent.
        retry(policy: RetryPolicy) => policy;
        /// Calls `progress(read, total)` as keys are answered (found or not), `total` being the
        /// number of distinct keys; the first argument only grows.
        progress(progress: impl Fn(usize, usize) + Send + Sync + 'static) =>
            Some(Arc::new(progress));
    }

    /// Renders the projection with the key attributes (to match items to keys) and the entity
    /// type added.
    fn render_projection(&self) -> Result<(Option<String>, Option<Names>)> {
        let Some(projection) = self.projection.as_ref().filter(|p| !p.is_empty()) else {
            return Ok((None, None));
        };
        let mut placeholders = Placeholders::default();
        let keys = M::META.key_attributes().map(|k| k.attribute);
        let expression =
            projection.render(&mut placeholders, keys.chain(M::META.decode_attributes()));
        validate::check_expression("projection", &expression, &placeholders.names)?;
        Ok((Some(expression), placeholders.take_names()))
    }

    /// Sends the requests and decodes the items.
    ///
    /// # Errors
    /// Before anything is sent: an invalid key or projection. After: DynamoDB's error for a
    /// request, or [`Error::is_unprocessed`] when keys were still unprocessed at the retry bound;
    /// either way [`Error::unprocessed`] lists the keys not read. A decoding error names the key.
    pub async fn send(self) -> Result<BatchGetOutput<M>> {
        let meta = M::META;
        // The keys as sent: in the tenant's partitions when the handle has one.
        let mut sent = Vec::with_capacity(self.keys.len());
        for key in &self.keys {
            let mut attributes = key.attributes().clone();
            crate::tenant::apply(&self.db, meta, &mut attributes)
                .and_then(|_| validate::check_key(meta, &attributes))
                .map_err(|e| {
                    e.context(OPERATION, meta.type_name, Some(describe_key(meta, key.attributes())))
                })?;
            sent.push(attributes);
        }
        let (projection, names) =
            self.render_projection().map_err(|e| e.context(OPERATION, meta.type_name, None))?;
        let table = self.db.table_name(meta.table);

        // Distinct keys, and for each key asked for, the distinct key it is.
        let mut index: HashMap<Vec<u8>, usize> = HashMap::with_capacity(self.keys.len());
        let mut distinct = Vec::new();
        let positions: Vec<usize> = sent
            .into_iter()
            .map(|key| {
                let next = distinct.len();
                let i = *index.entry(item_identity(&table, meta, &key)).or_insert(next);
                if i == next {
                    distinct.push(Wanted { index: i, key });
                }
                i
            })
            .collect();

        let found: Mutex<Vec<Option<Item>>> = Mutex::new(vec![None; distinct.len()]);
        let tally = Tally::new(distinct.len(), self.progress.clone());
        let mut chunks = Vec::with_capacity(distinct.len().div_ceil(MAX_BATCH_GET_KEYS));
        let mut rest = distinct.into_iter().peekable();
        while rest.peek().is_some() {
            chunks.push(rest.by_ref().take(MAX_BATCH_GET_KEYS).collect::<Vec<_>>());
        }
        let request = Request {
            db: &self.db,
            table: &table,
            consistent_read: self.consistent_read,
            projection: projection.as_deref(),
            names: names.as_ref(),
            retry: &self.retry,
            index: &index,
            found: &found,
            tally: &tally,
        };
        let end =
            run_chunks(chunks, self.concurrency, |wanted| request.read_chunk::<M>(wanted)).await;
        if !end.left.is_empty() || end.error.is_some() {
            let keys = end
                .left
                .into_iter()
                .map(|w| UnprocessedKey { meta, table: table.clone(), key: w.key })
                .collect();
            let unprocessed = Unprocessed { writes: Vec::new(), keys };
            let error =
                batch_error(OPERATION, end.error, unprocessed, self.retry.max_attempts.max(1));
            return Err(error.context(OPERATION, meta.type_name, None));
        }

        let mut found = found.into_inner().unwrap_or_else(PoisonError::into_inner);
        // The last position asking for an item takes it; earlier duplicates get a copy.
        let mut uses = vec![0usize; found.len()];
        for &i in &positions {
            uses[i] += 1;
        }
        let mut items = Vec::with_capacity(self.keys.len());
        for (key, &i) in self.keys.iter().zip(&positions) {
            uses[i] -= 1;
            let item = if uses[i] == 0 { found[i].take() } else { found[i].clone() };
            let value = item.map(M::from_item).transpose().map_err(|e| {
                e.context(OPERATION, meta.type_name, Some(describe_key(meta, key.attributes())))
            })?;
            items.push(value);
        }
        Ok(BatchGetOutput { items, keys: self.keys })
    }
}

impl<M: Model + Send + 'static> std::future::IntoFuture for BatchGet<M> {
    type Output = Result<BatchGetOutput<M>>;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// What every chunk of one batch get shares.
struct Request<'a> {
    db: &'a Db,
    table: &'a str,
    consistent_read: bool,
    projection: Option<&'a str>,
    names: Option<&'a Names>,
    retry: &'a RetryPolicy,
    index: &'a HashMap<Vec<u8>, usize>,
    found: &'a Mutex<Vec<Option<Item>>>,
    tally: &'a Tally,
}

impl Request<'_> {
    /// Reads one chunk and resends the keys DynamoDB returns unprocessed, within the bound.
    async fn read_chunk<M: Model>(&self, mut pending: Vec<Wanted>) -> ChunkEnd<Wanted> {
        let meta = M::META;
        let mut attempt = 0;
        loop {
            let keys = KeysAndAttributes::builder()
                .set_keys(Some(pending.iter().map(|w| w.key.clone()).collect()))
                .consistent_read(self.consistent_read)
                .set_projection_expression(self.projection.map(str::to_owned))
                .set_expression_attribute_names(self.names.cloned())
                .build();
            let keys = match keys {
                Ok(keys) => keys,
                Err(e) => {
                    let error = Error::new(ErrorKind::Validation, "request could not be built")
                        .with_source(e);
                    return ChunkEnd { left: pending, error: Some(error) };
                }
            };
            attempt += 1;
            let sent = self
                .db
                .client()
                .batch_get_item()
                .request_items(self.table, keys)
                .set_return_consumed_capacity(self.db.return_consumed_capacity())
                .send()
                .await;
            let mut output = match sent {
                Ok(output) => output,
                Err(e) => return ChunkEnd { left: pending, error: Some(Error::from_sdk(e)) },
            };
            self.db.record_capacity(Usage::Read, output.consumed_capacity());
            let items =
                output.responses.as_mut().and_then(|r| r.remove(self.table)).unwrap_or_default();
            {
                let mut found = self.found.lock().unwrap_or_else(PoisonError::into_inner);
                for item in items {
                    if let Some(&i) = self.index.get(&item_identity(self.table, meta, &item)) {
                        found[i] = Some(item);
                    }
                }
            }
            let returned: std::collections::HashSet<usize> = output
                .unprocessed_keys
                .and_then(|mut u| u.remove(self.table))
                .map(|k| k.keys)
                .unwrap_or_default()
                .iter()
                .filter_map(|key| self.index.get(&item_identity(self.table, meta, key)).copied())
                .collect();
            let (left, read): (Vec<Wanted>, Vec<Wanted>) =
                pending.into_iter().partition(|w| returned.contains(&w.index));
            self.tally.add(read.len());
            if left.is_empty() || attempt >= self.retry.max_attempts {
                return ChunkEnd { left, error: None };
            }
            self.retry.backoff(attempt - 1).await;
            pending = left;
        }
    }
}
