//! BatchGetItem: any number of keys of one model, validated before anything is sent, split into
//! requests of at most 100 distinct keys, sent with bounded concurrency, with unprocessed keys
//! (capacity, or the 16 MB response limit) resent until read or reported; items come back in the
//! order of the keys. The requests themselves are the untyped path in `request`, which the
//! [`Loader`](crate::operation::Loader) shares.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::Result;
use crate::expression::{Placeholders, Projection};
use crate::key::item_identity;
use crate::key::{describe_key, Key};
use crate::model::Model;
use crate::{validate, Db};

use super::batch::{Progress, RetryPolicy, DEFAULT_CONCURRENCY};

mod request;

pub(crate) use request::{unprocessed_key, KeyRead, MultiGet, TableRead};

pub(crate) const OPERATION: &str = "BatchGetItem";

/// Expression attribute names.
pub(crate) type Names = HashMap<String, String>;

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
    /// request, or [`Error::is_unprocessed`](crate::Error::is_unprocessed) when keys were still
    /// unprocessed at the retry bound; either way [`Error::unprocessed`](crate::Error::unprocessed)
    /// lists the keys not read. A decoding error names the key.
    pub async fn send(self) -> Result<BatchGetOutput<M>> {
        let meta = M::META;
        for key in &self.keys {
            validate::check_key(meta, key.attributes()).map_err(|e| {
                e.context(OPERATION, meta.type_name, Some(describe_key(meta, key.attributes())))
            })?;
        }
        let (projection, names) =
            self.render_projection().map_err(|e| e.context(OPERATION, meta.type_name, None))?;
        let table = self.db.table_name(meta.table);

        // Distinct keys, and for each key asked for, the distinct key it is.
        let mut index: HashMap<Vec<u8>, usize> = HashMap::with_capacity(self.keys.len());
        let mut distinct = Vec::new();
        let positions: Vec<usize> = self
            .keys
            .iter()
            .map(|key| {
                let next = distinct.len();
                let i = *index.entry(item_identity(&table, meta, key.attributes())).or_insert(next);
                if i == next {
                    distinct.push(KeyRead { table: 0, meta, key: key.attributes().clone() });
                }
                i
            })
            .collect();

        let tables = [TableRead { name: table, meta, projection, names }];
        let get = MultiGet {
            db: &self.db,
            tables: &tables,
            consistent_read: self.consistent_read,
            concurrency: self.concurrency,
            retry: &self.retry,
            progress: self.progress.clone(),
            requests: None,
        };
        let fetched = get.run(&distinct).await;
        if !fetched.is_complete() {
            let error = fetched.into_error(&distinct, &tables);
            return Err(error.context(OPERATION, meta.type_name, None));
        }

        let mut found = fetched.items;
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
