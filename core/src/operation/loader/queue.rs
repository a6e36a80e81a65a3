//! The loader's shared state and its dispatch: one mutex-protected [`State`] holds the cache, the
//! keys waiting (queued or in flight) with the loads waiting for them, the queue of keys not sent
//! yet, and which load will send it (the leader).
//!
//! Invariants, kept under the lock: a key is cached or pending, never both from the same answer
//! moment on; a pending key is queued (not yet sent) or in flight in exactly one batch; a
//! non-empty queue has a leader, or every load waiting for a queued key has been woken so that
//! the first to run becomes it. Answers go to a mailbox per waiting load, so that clearing the
//! cache cannot take an answer away from a load. Wakers are woken after the lock is released.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::error::{Error, ErrorKind, Result};
use crate::key::item_identity;
use crate::model::ModelMeta;
use crate::operation::batch::{RetryPolicy, Unprocessed};
use crate::operation::batch_get::{unprocessed_key, KeyRead, MultiGet, TableRead, OPERATION};
use crate::value::Item;
use crate::Db;

use super::LoaderStats;

/// A key's identity: its physical table and key values.
type Identity = Vec<u8>;

/// An answer: the item (`None`: there is none), or the error of the request that carried the key.
type Outcome = Result<Option<Arc<Item>>>;

/// What every clone of a loader shares.
pub(super) struct Shared {
    pub(super) db: Db,
    pub(super) consistent_read: bool,
    pub(super) concurrency: usize,
    pub(super) retry: RetryPolicy,
    state: Mutex<State>,
    counters: Counters,
}

#[derive(Default)]
struct Counters {
    loads: AtomicU64,
    cache_hits: AtomicU64,
    deduplicated: AtomicU64,
    keys_fetched: AtomicU64,
    requests: AtomicU64,
}

#[derive(Default)]
struct State {
    /// Answers, kept for the loader's life.
    cache: HashMap<Identity, Option<Arc<Item>>>,
    /// Keys asked for and not answered yet.
    pending: HashMap<Identity, Pending>,
    /// Pending keys not sent yet, in the order they were asked for.
    queue: Vec<Identity>,
    /// The load that will send the queue.
    leader: Option<u64>,
    /// Answers delivered to loads that have not run since.
    mailbox: HashMap<u64, Outcome>,
    /// The model whose key attributes identify the items of each physical table.
    tables: HashMap<String, &'static ModelMeta>,
    next_waiter: u64,
}

struct Pending {
    table: String,
    meta: &'static ModelMeta,
    key: Item,
    /// The loads waiting, with the waker of their last poll.
    waiters: Vec<(u64, Option<Waker>)>,
    in_flight: bool,
}

/// What a load's first step found.
enum Enqueued {
    Cached(Option<Arc<Item>>),
    Wait(Ticket),
}

/// What a waiting load is to do next.
enum Turn {
    Done(Outcome),
    Lead,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

fn wake(wakers: Vec<Waker>) {
    for waker in wakers {
        waker.wake();
    }
}

impl State {
    /// The model that identifies `table`'s items, registering `meta` for it if it is the first.
    fn identity_meta(
        &mut self,
        table: &str,
        meta: &'static ModelMeta,
    ) -> Result<&'static ModelMeta> {
        let known = *self.tables.entry(table.to_owned()).or_insert(meta);
        let names = |m: &ModelMeta| m.key_attributes().map(|k| k.attribute).collect::<Vec<_>>();
        if !std::ptr::eq(known, meta) && names(known) != names(meta) {
            return Err(Error::validation(format!(
                "models `{}` and `{}` share table `{table}` but not its key attributes",
                known.type_name, meta.type_name
            )));
        }
        Ok(known)
    }

    /// The wakers of every load waiting for a queued key, once the queue has lost its leader.
    fn wake_queue(&mut self) -> Vec<Waker> {
        if self.leader.is_some() {
            return Vec::new();
        }
        let mut wakers = Vec::new();
        for id in &self.queue {
            if let Some(pending) = self.pending.get_mut(id) {
                wakers.extend(pending.waiters.iter_mut().filter_map(|(_, waker)| waker.take()));
            }
        }
        wakers
    }

    /// Answers a pending key: every load waiting for it gets an `outcome()`.
    fn answer(&mut self, id: &Identity, outcome: impl Fn() -> Outcome, wakers: &mut Vec<Waker>) {
        let Some(pending) = self.pending.remove(id) else { return };
        for (waiter, waker) in pending.waiters {
            self.mailbox.insert(waiter, outcome());
            wakers.extend(waker);
        }
    }
}

impl Shared {
    pub(super) fn new(
        db: Db,
        consistent_read: bool,
        concurrency: usize,
        retry: RetryPolicy,
    ) -> Self {
        Shared {
            db,
            consistent_read,
            concurrency,
            retry,
            state: Mutex::new(State::default()),
            counters: Counters::default(),
        }
    }

    pub(super) fn stats(&self) -> LoaderStats {
        let c = &self.counters;
        let get = |n: &AtomicU64| n.load(Ordering::Relaxed);
        LoaderStats {
            loads: get(&c.loads),
            cache_hits: get(&c.cache_hits),
            deduplicated: get(&c.deduplicated),
            keys_fetched: get(&c.keys_fetched),
            requests: get(&c.requests),
        }
    }

    pub(super) fn prime(
        &self,
        table: String,
        meta: &'static ModelMeta,
        key: &Item,
        item: Item,
    ) -> Result<()> {
        let mut state = lock(&self.state);
        let identity_meta = state.identity_meta(&table, meta)?;
        let id = item_identity(&table, identity_meta, key);
        state.cache.insert(id, Some(Arc::new(item)));
        Ok(())
    }

    pub(super) fn clear(&self) {
        lock(&self.state).cache.clear();
    }

    pub(super) fn clear_key(&self, table: &str, key: &Item) {
        let mut state = lock(&self.state);
        if let Some(&identity_meta) = state.tables.get(table) {
            state.cache.remove(&item_identity(table, identity_meta, key));
        }
    }

    /// The item at `key` of `meta` in `table`: from the cache, or from the batch the key joins.
    pub(super) async fn load(
        this: &Arc<Shared>,
        table: String,
        meta: &'static ModelMeta,
        key: Item,
    ) -> Outcome {
        let ticket = match this.enqueue(table, meta, key)? {
            Enqueued::Cached(item) => return Ok(item),
            Enqueued::Wait(ticket) => ticket,
        };
        let mut lead = ticket.leads;
        loop {
            if lead {
                // Let the loads polled after this one (a `join_all`'s siblings) queue theirs.
                YieldOnce(false).await;
                let batch = ticket.take_queue();
                if !batch.is_empty() {
                    let (ids, keys) = batch.into_iter().unzip();
                    let dispatch = Dispatch { shared: this, ids, done: false };
                    dispatch.send(keys).await;
                }
            }
            match std::future::poll_fn(|cx| ticket.poll_turn(cx)).await {
                Turn::Done(outcome) => return outcome,
                Turn::Lead => lead = true,
            }
        }
    }

    /// Answers from the cache, or registers the load as waiting for the key (queueing the key
    /// when nobody asked for it yet, and leading the queue when it has no leader).
    fn enqueue(
        self: &Arc<Self>,
        table: String,
        meta: &'static ModelMeta,
        key: Item,
    ) -> Result<Enqueued> {
        let mut state = lock(&self.state);
        let identity_meta = state.identity_meta(&table, meta)?;
        let identity = item_identity(&table, identity_meta, &key);
        self.counters.loads.fetch_add(1, Ordering::Relaxed);
        if let Some(item) = state.cache.get(&identity) {
            self.counters.cache_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(Enqueued::Cached(item.clone()));
        }
        let waiter = state.next_waiter;
        state.next_waiter += 1;
        let mut leads = false;
        if let Some(pending) = state.pending.get_mut(&identity) {
            pending.waiters.push((waiter, None));
            self.counters.deduplicated.fetch_add(1, Ordering::Relaxed);
        } else {
            let pending =
                Pending { table, meta, key, waiters: vec![(waiter, None)], in_flight: false };
            state.pending.insert(identity.clone(), pending);
            state.queue.push(identity.clone());
            if state.leader.is_none() {
                state.leader = Some(waiter);
                leads = true;
            }
        }
        Ok(Enqueued::Wait(Ticket { shared: self.clone(), waiter, identity, leads }))
    }
}

/// A load waiting for its key. Dropping it withdraws the load, and hands the lead of the queue
/// on if it held it.
struct Ticket {
    shared: Arc<Shared>,
    waiter: u64,
    identity: Identity,
    leads: bool,
}

impl Ticket {
    fn poll_turn(&self, cx: &mut Context<'_>) -> Poll<Turn> {
        let mut state = lock(&self.shared.state);
        if let Some(outcome) = state.mailbox.remove(&self.waiter) {
            return Poll::Ready(Turn::Done(outcome));
        }
        if state.leader.is_none() && !state.queue.is_empty() {
            state.leader = Some(self.waiter);
            return Poll::Ready(Turn::Lead);
        }
        match state.pending.get_mut(&self.identity) {
            Some(pending) => {
                if let Some(slot) = pending.waiters.iter_mut().find(|(w, _)| *w == self.waiter) {
                    slot.1 = Some(cx.waker().clone());
                }
                Poll::Pending
            }
            // Not reachable while the invariants hold (an answer is mailed as the key stops
            // pending); should it happen, the load ends rather than waits for nothing.
            None => Poll::Ready(Turn::Done(Err(Error::new(
                ErrorKind::Service,
                "the loader lost track of the key",
            )
            .with_operation(OPERATION)))),
        }
    }

    /// Takes the queue this load leads, marking its keys in flight: each key's identity, table
    /// and what to request.
    fn take_queue(&self) -> Vec<(Identity, (String, KeyRead))> {
        let mut state = lock(&self.shared.state);
        if state.leader != Some(self.waiter) {
            return Vec::new();
        }
        state.leader = None;
        let ids = std::mem::take(&mut state.queue);
        ids.into_iter()
            .filter_map(|id| {
                let pending = state.pending.get_mut(&id)?;
                pending.in_flight = true;
                let key = KeyRead { table: 0, meta: pending.meta, key: pending.key.clone() };
                Some((id, (pending.table.clone(), key)))
            })
            .collect()
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut state = lock(&self.shared.state);
        state.mailbox.remove(&self.waiter);
        if let Some(pending) = state.pending.get_mut(&self.identity) {
            pending.waiters.retain(|(w, _)| *w != self.waiter);
            if pending.waiters.is_empty() && !pending.in_flight {
                state.pending.remove(&self.identity);
                state.queue.retain(|id| *id != self.identity);
            }
        }
        let mut wakers = Vec::new();
        if state.leader == Some(self.waiter) {
            state.leader = None;
            wakers = state.wake_queue();
        }
        drop(state);
        wake(wakers);
    }
}

/// A batch in flight. If the load sending it is dropped before the answers are in, the keys
/// still awaited are queued again (and the loads waiting for them woken to send them).
struct Dispatch<'a> {
    shared: &'a Shared,
    ids: Vec<Identity>,
    done: bool,
}

impl Dispatch<'_> {
    /// Sends the keys (all `in_flight` under this dispatch) and answers every load waiting for
    /// them.
    async fn send(mut self, keys: Vec<(String, KeyRead)>) {
        let shared = self.shared;
        let mut tables: Vec<TableRead> = Vec::new();
        let keys: Vec<KeyRead> = keys
            .into_iter()
            .map(|(name, mut key)| {
                key.table = match tables.iter().position(|t| t.name == name) {
                    Some(i) => i,
                    None => {
                        tables.push(TableRead {
                            name,
                            meta: key.meta,
                            projection: None,
                            names: None,
                        });
                        tables.len() - 1
                    }
                };
                key
            })
            .collect();
        shared.counters.keys_fetched.fetch_add(keys.len() as u64, Ordering::Relaxed);
        let get = MultiGet {
            db: &shared.db,
            tables: &tables,
            consistent_read: shared.consistent_read,
            concurrency: shared.concurrency,
            retry: &shared.retry,
            progress: None,
            requests: Some(&shared.counters.requests),
        };
        let fetched = get.run(&keys).await;

        let attempts = fetched.attempts;
        let mut items = fetched.items;
        let failed: std::collections::HashSet<usize> = fetched.left.iter().copied().collect();
        let request_error = fetched.error.map(Error::into_shared);
        let mut wakers = Vec::new();
        let mut state = lock(&shared.state);
        // Keys in flight stay pending (a withdrawn load leaves its key to the batch), so every
        // id is answered here.
        let ids = std::mem::take(&mut self.ids);
        for (i, id) in ids.iter().enumerate() {
            if failed.contains(&i) {
                let unprocessed = unprocessed_key(&keys[i], &tables);
                let error = || match &request_error {
                    Some(shared) => shared.to_error(),
                    None => Error::new(
                        ErrorKind::Unprocessed,
                        format!("key still unprocessed after {attempts} attempts"),
                    )
                    .with_operation(OPERATION),
                };
                let outcome = || {
                    let keys = vec![unprocessed.clone()];
                    Err(error().with_unprocessed(Unprocessed { writes: Vec::new(), keys }))
                };
                state.answer(id, outcome, &mut wakers);
            } else {
                let item = items[i].take().map(Arc::new);
                state.cache.entry(id.clone()).or_insert_with(|| item.clone());
                state.answer(id, || Ok(item.clone()), &mut wakers);
            }
        }
        self.done = true;
        drop(state);
        wake(wakers);
    }
}

impl Drop for Dispatch<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut state = lock(&self.shared.state);
        for id in std::mem::take(&mut self.ids) {
            let Some(pending) = state.pending.get_mut(&id) else { continue };
            if !pending.in_flight {
                continue;
            }
            if pending.waiters.is_empty() {
                state.pending.remove(&id);
            } else {
                pending.in_flight = false;
                state.queue.push(id);
            }
        }
        let wakers = state.wake_queue();
        drop(state);
        wake(wakers);
    }
}

/// Returns `Pending` once (waking itself), then `Ready`.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
