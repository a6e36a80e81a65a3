//! The request-scoped loader: [`Loader::load`] calls made concurrently are coalesced into
//! BatchGetItem requests across models and tables, deduplicated, and cached for the loader's
//! life. The queue, its dispatch and what happens when a waiting future is dropped are in
//! `queue`; the requests are batch get's own (`batch_get::request`).

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::key::{describe_key, Key};
use crate::model::Model;
use crate::value::Item;
use crate::{validate, Db};

use super::batch::{RetryPolicy, DEFAULT_CONCURRENCY};
use super::batch_get::OPERATION;

mod queue;

use queue::Shared;

/// A request-scoped loader of items by key, built with [`Db::loader`]: make one per request (a
/// Lambda invocation, an HTTP request) and clone it freely into the tasks that need it; clones
/// share the queue, the cache and the counters.
///
/// # Coalescing
/// A [`load`](Self::load) whose key is neither cached nor already asked for joins the open batch.
/// The load that opens a batch yields to its executor once, then takes every load queued by
/// then and sends them together: BatchGetItem requests of at most 100 keys, counted across
/// models and tables, up to 4 requests at a time. So loads awaited together in one task
/// (`join_all`, `FuturesUnordered`, `try_join!`) are one batch, since such a combinator polls
/// each of them before it polls the first again (one that stops a round early, as
/// `FuturesUnordered` does when two of its futures yield, splits the batch: more requests,
/// nothing lost). Loads from other tasks join the batch if they come before it is sent, and
/// otherwise open the next one, which is sent while the first is in flight. A key already
/// queued or in flight is not asked for again: its load waits for the same answer.
///
/// # Caching
/// Every answer is cached for the loader's life, a missing item too (as missing): loading a cached
/// key sends nothing. Errors are not cached; the next load of the key asks again.
/// [`prime`](Self::prime) adds an item you already have, [`clear`](Self::clear) and
/// [`clear_key`](Self::clear_key) forget. The cache holds items, not models: loading one item as
/// two models (an item collection's entities) reads it once, and each load decodes it.
///
/// # Cancellation
/// Dropping a load that waits gives up only that load. The load that sends a batch does so from
/// its own future; if it is dropped before the batch is answered, the keys other loads still wait
/// for are queued again and one of those loads sends them, so no load is left waiting. (A load
/// future kept but never polled again, neither awaited nor dropped, would hold up the loads in
/// its batch, as any future that owns shared work does.)
///
/// ```no_run
/// # use ferrodyn::{Db, Model};
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Serialize, Deserialize, Model)]
/// # #[ferrodyn(table = "shop", entity = "Order", pk = "CUSTOMER#{customer_id}", sk = "ORDER#{order_id}")]
/// # struct Order { customer_id: String, order_id: String }
/// # #[derive(Serialize, Deserialize, Model)]
/// # #[ferrodyn(table = "shop", entity = "Customer", pk = "CUSTOMER#{id}", sk = "PROFILE")]
/// # struct Customer { id: String, name: String }
/// # async fn run(db: Db, orders: Vec<Order>) -> ferrodyn::Result<()> {
/// let loader = db.loader();
/// // 200 orders of 150 customers: 2 BatchGetItem requests (100 + 50 keys), not 200 GetItems.
/// let customers = futures_util::future::try_join_all(
///     orders.iter().map(|o| loader.load(Customer::key(&o.customer_id))),
/// )
/// .await?;
/// assert_eq!((customers.len(), loader.stats().requests), (200, 2));
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use]
pub struct Loader {
    shared: Arc<Shared>,
}

/// What a [`Loader`] did since it was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoaderStats {
    /// Calls of [`Loader::load`] (those refused before queueing, for an invalid key, excluded).
    pub loads: u64,
    /// Loads answered from the cache, without waiting.
    pub cache_hits: u64,
    /// Loads of a key already queued or in flight, which waited for that answer.
    pub deduplicated: u64,
    /// Keys put in requests (a key is counted once per batch that sends it, not per resend).
    pub keys_fetched: u64,
    /// BatchGetItem requests sent, resends of unprocessed keys included.
    pub requests: u64,
}

impl LoaderStats {
    /// Requests saved against one GetItem per load: `loads - requests`, or 0.
    pub fn requests_saved(&self) -> u64 {
        self.loads.saturating_sub(self.requests)
    }
}

impl std::fmt::Debug for Loader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loader")
            .field("consistent_read", &self.shared.consistent_read)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Db {
    /// A new [`Loader`], with an empty cache, reading through this handle (its table names,
    /// capacity meter and client).
    pub fn loader(&self) -> Loader {
        Loader::with(self.clone(), false, DEFAULT_CONCURRENCY, RetryPolicy::default())
    }
}

impl Loader {
    fn with(db: Db, consistent_read: bool, concurrency: usize, retry: RetryPolicy) -> Loader {
        Loader { shared: Arc::new(Shared::new(db, consistent_read, concurrency, retry)) }
    }

    /// A loader that reads with strong consistency. Like the other settings it gives a new
    /// loader (an empty cache, counters at 0) that its clones share; set it before loading.
    pub fn consistent_read(self, consistent: bool) -> Loader {
        let s = &self.shared;
        Loader::with(s.db.clone(), consistent, s.concurrency, s.retry)
    }

    /// A loader that sends at most `requests` requests of one batch at a time (default 4, at
    /// least 1); see [`consistent_read`](Self::consistent_read).
    pub fn concurrency(self, requests: usize) -> Loader {
        let s = &self.shared;
        Loader::with(s.db.clone(), s.consistent_read, requests.max(1), s.retry)
    }

    /// A loader that resends unprocessed keys with this policy (batch get's default otherwise);
    /// see [`consistent_read`](Self::consistent_read).
    pub fn retry(self, policy: RetryPolicy) -> Loader {
        let s = &self.shared;
        Loader::with(s.db.clone(), s.consistent_read, s.concurrency, policy)
    }

    /// Loads the item of `M` at `key`: `Ok(None)` when there is none. See the
    /// [coalescing rule](Self#coalescing).
    ///
    /// # Errors
    /// An invalid key (before anything is queued); DynamoDB's error for the request that carried
    /// the key, or [`Error::is_unprocessed`] when the key was still unprocessed at the retry
    /// bound, with [`Error::unprocessed`] holding the key; a decoding error. Each names
    /// BatchGetItem, the model and the key. Two models that share a table but disagree on its key
    /// attributes are refused.
    pub async fn load<M: Model>(&self, key: Key<M>) -> Result<Option<M>> {
        let meta = M::META;
        let context = |e: Error| {
            e.context(OPERATION, meta.type_name, Some(describe_key(meta, key.attributes())))
        };
        validate::check_key(meta, key.attributes()).map_err(context)?;
        let table = self.shared.db.table_name(meta.table);
        let item = Shared::load(&self.shared, table, meta, key.attributes().clone())
            .await
            .map_err(context)?;
        item.map(|item| M::from_item(Item::clone(&item))).transpose().map_err(context)
    }

    /// Caches `value` as the item at its key, replacing what was cached; loads already waiting
    /// for the key get what their request reads.
    ///
    /// # Errors
    /// A field that fails to serialise, or an invalid key.
    pub fn prime<M: Model>(&self, value: &M) -> Result<()> {
        let meta = M::META;
        let key = value.primary_key();
        let context = |e: Error| {
            e.context(OPERATION, meta.type_name, Some(describe_key(meta, key.attributes())))
        };
        validate::check_key(meta, key.attributes()).map_err(context)?;
        let item = value.to_item().map_err(context)?;
        let table = self.shared.db.table_name(meta.table);
        self.shared.prime(table, meta, key.attributes(), item).map_err(context)
    }

    /// Forgets every cached item (loads waiting are not affected).
    pub fn clear(&self) {
        self.shared.clear();
    }

    /// Forgets the cached item at `key`, so that the next load reads it again.
    pub fn clear_key<M: Model>(&self, key: &Key<M>) {
        let table = self.shared.db.table_name(M::META.table);
        self.shared.clear_key(&table, key.attributes());
    }

    /// The counters so far.
    pub fn stats(&self) -> LoaderStats {
        self.shared.stats()
    }
}
