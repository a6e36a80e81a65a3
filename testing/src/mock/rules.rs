//! The typed rules of a [`MockDb`](super::MockDb): one builder per operation, each naming a
//! model (and a key, where the operation has one) and ending in the answer, and how a rule
//! matches a request.

use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use ferrodyn::meta::ModelMeta;
use ferrodyn::operation::WriteKind;
use ferrodyn::{AttributeValue, Item, Key, Model, Partition};
use serde_json::{json, Map, Value};

use super::wire::{item_json, Parsed, Reply};
use super::{key_of, lock, State};

/// A rule as the mock keeps it.
pub(crate) struct RuleEntry {
    pub(crate) matcher: Matcher,
    pub(crate) answer: Answer,
    /// How many more requests it answers; `None` for any number.
    pub(crate) remaining: Option<usize>,
}

/// Which requests a rule answers.
pub(crate) enum Matcher {
    Get { meta: &'static ModelMeta, key: Item },
    Put { meta: &'static ModelMeta, key: Option<Item> },
    Update { meta: &'static ModelMeta, key: Item },
    Delete { meta: &'static ModelMeta, key: Item },
    Query { meta: &'static ModelMeta, partition: Option<(Option<&'static str>, AttributeValue)> },
    BatchWrite,
}

/// What a rule answers.
pub(crate) enum Answer {
    Reply(Reply),
    /// A BatchWriteItem's writes of these keys (table, model, key) come back unprocessed.
    Unprocessed(Vec<(String, &'static ModelMeta, Item)>),
}

impl Matcher {
    pub(crate) fn matches(&self, state: &State, parsed: &Parsed) -> bool {
        match (self, parsed) {
            (Matcher::Get { meta, key }, Parsed::Get { table, key: sent }) => {
                *table == state.table_of(meta) && sent == key
            }
            (Matcher::Put { meta, key }, Parsed::Put { table, item, .. }) => {
                *table == state.table_of(meta)
                    && state.is_model(meta, table, item)
                    && key.as_ref().is_none_or(|key| key_of(meta, item) == *key)
            }
            (Matcher::Update { meta, key }, Parsed::Update { table, key: sent, .. })
            | (Matcher::Delete { meta, key }, Parsed::Delete { table, key: sent, .. }) => {
                *table == state.table_of(meta) && sent == key
            }
            (Matcher::Query { meta, partition }, Parsed::Query { table, index, values }) => {
                *table == state.table_of(meta)
                    && partition
                        .as_ref()
                        .is_none_or(|(on, value)| index.as_deref() == *on && values.contains(value))
            }
            (Matcher::BatchWrite, Parsed::BatchWrite { .. }) => true,
            _ => false,
        }
    }
}

/// The answer to a BatchWriteItem whose writes of `keys` are left unprocessed.
pub(crate) fn unprocessed(keys: &[(String, &'static ModelMeta, Item)], parsed: &Parsed) -> Reply {
    let Parsed::BatchWrite { writes } = parsed else {
        return Reply::ok(json!({}));
    };
    let mut tables: Map<String, Value> = Map::new();
    for write in writes {
        let held_back = keys
            .iter()
            .any(|(table, meta, key)| *table == write.table && key_of(meta, &write.item) == *key);
        if !held_back {
            continue;
        }
        let request = match write.kind {
            WriteKind::Put => json!({ "PutRequest": { "Item": item_json(&write.item) } }),
            _ => json!({ "DeleteRequest": { "Key": item_json(&write.item) } }),
        };
        let entry = tables.entry(write.table.clone()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(requests) = entry {
            requests.push(request);
        }
    }
    Reply::ok(json!({ "UnprocessedItems": tables }))
}

/// What every rule builder shares: the mock, and how many requests the rule answers.
#[derive(Debug)]
struct Base {
    state: Arc<Mutex<State>>,
    times: Option<usize>,
}

impl Base {
    fn new<M: Model>(state: Arc<Mutex<State>>) -> Base {
        lock(&state).register::<M>();
        Base { state, times: None }
    }

    fn add(self, matcher: Matcher, answer: Answer) {
        lock(&self.state).rules.push(RuleEntry { matcher, answer, remaining: self.times });
    }
}

/// `value` as an item, for an answer.
///
/// # Panics
/// When the value does not convert: a mistake in the test, not in the code under test.
fn item_of<M: Model>(value: &M) -> Item {
    match value.to_item() {
        Ok(item) => item,
        Err(e) => panic!("ferrodyn-testing: a mock rule's {} is no item: {e}", M::META.type_name),
    }
}

/// The methods every rule builder has: a limit on how many requests it answers, and any
/// DynamoDB error as the answer.
macro_rules! common {
    () => {
        /// Answers only the next `n` matching requests; later ones go to the rules after it.
        pub fn times(mut self, n: usize) -> Self {
            self.base.times = Some(n);
            self
        }

        /// Answers only the next matching request.
        pub fn once(self) -> Self {
            self.times(1)
        }

        /// Answers with the DynamoDB error `code` (`InternalServerError`, `ValidationException`,
        /// …) and HTTP `status`; the SDK retries it as it would DynamoDB's (a 5xx, say).
        pub fn fails_with(self, status: u16, code: &str) {
            let answer = Answer::Reply(Reply::error(status, code, "mocked error"));
            let matcher = self.matcher();
            self.base.add(matcher, answer);
        }
    };
}

/// A rule for GetItem of one key: [`MockDb::on_get`](super::MockDb::on_get).
#[derive(Debug)]
#[must_use = "a rule does nothing until it is given its answer"]
pub struct GetRule<M> {
    base: Base,
    key: Item,
    model: PhantomData<fn() -> M>,
}

impl<M: Model> GetRule<M> {
    pub(crate) fn new(state: Arc<Mutex<State>>, key: Key<M>) -> Self {
        GetRule { base: Base::new::<M>(state), key: key.into_attributes(), model: PhantomData }
    }

    fn matcher(&self) -> Matcher {
        Matcher::Get { meta: M::META, key: self.key.clone() }
    }

    common!();

    /// Answers with `value` as the stored item.
    ///
    /// # Panics
    /// When `value` does not convert to an item.
    pub fn returns(self, value: &M) {
        let answer = Answer::Reply(Reply::ok(json!({ "Item": item_json(&item_of(value)) })));
        let matcher = self.matcher();
        self.base.add(matcher, answer);
    }

    /// Answers that there is no such item.
    pub fn returns_none(self) {
        let matcher = self.matcher();
        self.base.add(matcher, Answer::Reply(Reply::ok(json!({}))));
    }
}

/// A rule for PutItem of a model: [`MockDb::on_put`](super::MockDb::on_put).
#[derive(Debug)]
#[must_use = "a rule does nothing until it is given its answer"]
pub struct PutRule<M> {
    base: Base,
    key: Option<Item>,
    model: PhantomData<fn() -> M>,
}

impl<M: Model> PutRule<M> {
    pub(crate) fn new(state: Arc<Mutex<State>>) -> Self {
        PutRule { base: Base::new::<M>(state), key: None, model: PhantomData }
    }

    fn matcher(&self) -> Matcher {
        Matcher::Put { meta: M::META, key: self.key.clone() }
    }

    /// Answers only puts of the item with `key`.
    pub fn key(mut self, key: Key<M>) -> Self {
        self.key = Some(key.into_attributes());
        self
    }

    common!();

    /// Accepts the put.
    pub fn succeeds(self) {
        let matcher = self.matcher();
        self.base.add(matcher, Answer::Reply(Reply::ok(json!({}))));
    }

    /// Accepts the put, returning `old` as the item it replaced.
    ///
    /// # Panics
    /// When `old` does not convert to an item.
    pub fn returns_old(self, old: &M) {
        let answer = Answer::Reply(Reply::ok(json!({ "Attributes": item_json(&item_of(old)) })));
        let matcher = self.matcher();
        self.base.add(matcher, answer);
    }

    /// Fails with `ConditionalCheckFailedException`: a `create` of an existing item, or a
    /// failed condition ([`Error::is_condition_failed`](ferrodyn::Error::is_condition_failed)).
    pub fn fails_condition(self) {
        let matcher = self.matcher();
        self.base.add(matcher, Answer::Reply(Reply::condition_failed(None)));
    }

    /// Fails the condition with `stored` as the item DynamoDB returns with the failure, so
    /// that a versioned write sees a version conflict.
    ///
    /// # Panics
    /// When `stored` does not convert to an item.
    pub fn fails_condition_with(self, stored: &M) {
        let answer = Answer::Reply(Reply::condition_failed(Some(&item_of(stored))));
        let matcher = self.matcher();
        self.base.add(matcher, answer);
    }
}

/// A rule for UpdateItem of one key: [`MockDb::on_update`](super::MockDb::on_update).
#[derive(Debug)]
#[must_use = "a rule does nothing until it is given its answer"]
pub struct UpdateRule<M> {
    base: Base,
    key: Item,
    model: PhantomData<fn() -> M>,
}

impl<M: Model> UpdateRule<M> {
    pub(crate) fn new(state: Arc<Mutex<State>>, key: Key<M>) -> Self {
        UpdateRule { base: Base::new::<M>(state), key: key.into_attributes(), model: PhantomData }
    }

    fn matcher(&self) -> Matcher {
        Matcher::Update { meta: M::META, key: self.key.clone() }
    }

    common!();

    /// Applies the update, returning `updated` as the item after it.
    ///
    /// # Panics
    /// When `updated` does not convert to an item.
    pub fn returns(self, updated: &M) {
        let answer =
            Answer::Reply(Reply::ok(json!({ "Attributes": item_json(&item_of(updated)) })));
        let matcher = self.matcher();
        self.base.add(matcher, answer);
    }

    /// Fails the condition with no item returned: an update of a missing item
    /// ([`Error::is_not_found`](ferrodyn::Error::is_not_found)), or a failed condition.
    pub fn fails_condition(self) {
        let matcher = self.matcher();
        self.base.add(matcher, Answer::Reply(Reply::condition_failed(None)));
    }

    /// Fails the condition with `stored` returned, as DynamoDB does when the request asks for
    /// the old item: a stale version then is
    /// [`Error::is_version_conflict`](ferrodyn::Error::is_version_conflict).
    ///
    /// # Panics
    /// When `stored` does not convert to an item.
    pub fn fails_condition_with(self, stored: &M) {
        let answer = Answer::Reply(Reply::condition_failed(Some(&item_of(stored))));
        let matcher = self.matcher();
        self.base.add(matcher, answer);
    }
}

/// A rule for DeleteItem of one key: [`MockDb::on_delete`](super::MockDb::on_delete).
#[derive(Debug)]
#[must_use = "a rule does nothing until it is given its answer"]
pub struct DeleteRule<M> {
    base: Base,
    key: Item,
    model: PhantomData<fn() -> M>,
}

impl<M: Model> DeleteRule<M> {
    pub(crate) fn new(state: Arc<Mutex<State>>, key: Key<M>) -> Self {
        DeleteRule { base: Base::new::<M>(state), key: key.into_attributes(), model: PhantomData }
    }

    fn matcher(&self) -> Matcher {
        Matcher::Delete { meta: M::META, key: self.key.clone() }
    }

    common!();

    /// Deletes, returning no old item (as for a missing item).
    pub fn succeeds(self) {
        let matcher = self.matcher();
        self.base.add(matcher, Answer::Reply(Reply::ok(json!({}))));
    }

    /// Deletes, returning `old` as the item removed.
    ///
    /// # Panics
    /// When `old` does not convert to an item.
    pub fn returns_old(self, old: &M) {
        let answer = Answer::Reply(Reply::ok(json!({ "Attributes": item_json(&item_of(old)) })));
        let matcher = self.matcher();
        self.base.add(matcher, answer);
    }

    /// Fails with `ConditionalCheckFailedException`.
    pub fn fails_condition(self) {
        let matcher = self.matcher();
        self.base.add(matcher, Answer::Reply(Reply::condition_failed(None)));
    }
}

/// A rule for Query of a model's table: [`MockDb::on_query`](super::MockDb::on_query).
#[derive(Debug)]
#[must_use = "a rule does nothing until it is given its answer"]
pub struct QueryRule<M> {
    base: Base,
    partition: Option<(Option<&'static str>, AttributeValue)>,
    model: PhantomData<fn() -> M>,
}

impl<M: Model> QueryRule<M> {
    pub(crate) fn new(state: Arc<Mutex<State>>) -> Self {
        QueryRule { base: Base::new::<M>(state), partition: None, model: PhantomData }
    }

    fn matcher(&self) -> Matcher {
        Matcher::Query { meta: M::META, partition: self.partition.clone() }
    }

    /// Answers only queries of `partition` (of the table or of an index, as built by
    /// `M::partition(..)` or `M::<index>_partition(..)`).
    pub fn partition(mut self, partition: Partition<M>) -> Self {
        self.partition = partition.value().map(|value| (partition.index(), value.clone()));
        self
    }

    common!();

    /// Answers with one page holding `values`, the last page.
    ///
    /// # Panics
    /// When a value does not convert to an item.
    pub fn returns_page(self, values: &[M]) {
        let items: Vec<Value> = values.iter().map(|v| item_json(&item_of(v))).collect();
        let count = items.len();
        let answer = Answer::Reply(Reply::ok(
            json!({ "Items": items, "Count": count, "ScannedCount": count }),
        ));
        let matcher = self.matcher();
        self.base.add(matcher, answer);
    }
}

/// A rule for BatchWriteItem: [`MockDb::on_batch_write`](super::MockDb::on_batch_write).
#[derive(Debug)]
#[must_use = "a rule does nothing until it is given its answer"]
pub struct BatchWriteRule {
    base: Base,
}

impl BatchWriteRule {
    pub(crate) fn new(state: Arc<Mutex<State>>) -> Self {
        BatchWriteRule { base: Base { state, times: None } }
    }

    fn matcher(&self) -> Matcher {
        Matcher::BatchWrite
    }

    common!();

    /// Writes every put and delete.
    pub fn accepts_all(self) {
        let matcher = self.matcher();
        self.base.add(matcher, Answer::Reply(Reply::ok(json!({}))));
    }

    /// Hands back, as `UnprocessedItems`, the request's puts and deletes of the items with the
    /// keys of `items`; writes the others.
    ///
    /// # Panics
    /// When an item does not convert.
    pub fn returns_unprocessed<M: Model>(self, items: &[M]) {
        lock(&self.base.state).register::<M>();
        let table = M::META.table.to_owned();
        let keys = items
            .iter()
            .map(|item| (table.clone(), M::META, key_of(M::META, &item_of(item))))
            .collect();
        let matcher = self.matcher();
        self.base.add(matcher, Answer::Unprocessed(keys));
    }
}
