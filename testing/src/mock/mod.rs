//! The mock (feature `mock`): a ferrodyn [`Db`] whose client answers from typed rules instead of
//! a server, and records every request it was sent, so that handler logic is unit-tested with no
//! DynamoDB Local and no Java.
//!
//! Rules name a model and, where the operation has one, a typed key ([`Key<M>`]); a request
//! matches a rule when its table is the model's and its key attributes equal the rule's. The
//! first rule that matches, in the order they were added, answers; a rule limited with
//! `times(n)` stops answering after `n` requests. A request no rule answers fails with a
//! `MockRuleNotMatched` error that names the operation, the table, the model and the key, and
//! [`MockDb::assert_all_matched`] fails the test on it afterwards. Answers go over the SDK's own
//! decoding and retries, as DynamoDB's would.

mod client;
mod rules;
mod sent;
mod wire;

use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ferrodyn::meta::{KeyMeta, ModelMeta, ScalarType, TemplatePart};
use ferrodyn::operation::WriteKind;
use ferrodyn::{AttributeValue, Db, Item, Key, Model};

pub use client::MAX_ATTEMPTS;
pub use rules::{BatchWriteRule, DeleteRule, GetRule, PutRule, QueryRule, UpdateRule};
pub use sent::{Operation, SentRequest, SentWrite};

use rules::{Answer, RuleEntry};
use wire::{Parsed, Reply};

/// A ferrodyn [`Db`] on a mocked client: rules say what each request gets, and what was sent can
/// be asserted on afterwards. It dereferences to the [`Db`], which the code under test takes.
///
/// ```
/// use ferrodyn::Model;
/// use ferrodyn_testing::mock::{MockDb, Operation};
/// # use serde::{Deserialize, Serialize};
/// #[derive(Debug, PartialEq, Serialize, Deserialize, Model)]
/// #[ferrodyn(table = "users", pk = "id")]
/// struct User { id: String }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> ferrodyn::Result<()> {
/// let mock = MockDb::new();
/// mock.on_get(User::key("u1")).returns(&User { id: "u1".into() });
/// assert_eq!(mock.get(User::key("u1")).await?, Some(User { id: "u1".into() }));
/// mock.assert_sent(Operation::GetItem, &User::key("u1"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct MockDb {
    db: Db,
    state: Arc<Mutex<State>>,
}

impl fmt::Debug for MockDb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("MockDb")
            .field("rules", &state.rules.len())
            .field("requests", &state.records.len())
            .finish_non_exhaustive()
    }
}

impl Default for MockDb {
    fn default() -> Self {
        MockDb::new()
    }
}

/// A model the mock knows: its metadata and how its keys are shown.
#[derive(Clone, Copy)]
struct ModelEntry {
    meta: &'static ModelMeta,
    render: fn(&Item) -> String,
}

struct Record {
    sent: SentRequest,
    parsed: Parsed,
    reply: Option<Reply>,
}

/// What the rules and the client share.
pub(crate) struct State {
    models: Vec<ModelEntry>,
    rules: Vec<RuleEntry>,
    throttles: usize,
    records: Vec<Record>,
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("State")
            .field("models", &self.models.iter().map(|m| m.meta.type_name).collect::<Vec<_>>())
            .field("rules", &self.rules.len())
            .field("throttles", &self.throttles)
            .field("requests", &self.records.len())
            .finish()
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic in a test thread must not hide what the mock recorded from the assertions.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl MockDb {
    /// A mock with no rules: every request fails until rules say otherwise.
    pub fn new() -> MockDb {
        let state = Arc::new(Mutex::new(State {
            models: Vec::new(),
            rules: Vec::new(),
            throttles: 0,
            records: Vec::new(),
        }));
        let db = Db::from_client(client::client(state.clone()));
        MockDb { db, state }
    }

    /// The mocked [`Db`], for code that takes one.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Makes `M` known, so that requests for it are shown typed even where no rule names it
    /// (rules make their model known themselves).
    pub fn knows<M: Model>(&self) -> &Self {
        lock(&self.state).register::<M>();
        self
    }

    /// Answers a GetItem of `key`.
    pub fn on_get<M: Model>(&self, key: Key<M>) -> GetRule<M> {
        GetRule::new(self.state.clone(), key)
    }

    /// Answers a PutItem of any item of `M` (narrowed to one key with `key(..)`).
    pub fn on_put<M: Model>(&self) -> PutRule<M> {
        PutRule::new(self.state.clone())
    }

    /// Answers an UpdateItem of `key`.
    pub fn on_update<M: Model>(&self, key: Key<M>) -> UpdateRule<M> {
        UpdateRule::new(self.state.clone(), key)
    }

    /// Answers a DeleteItem of `key`.
    pub fn on_delete<M: Model>(&self, key: Key<M>) -> DeleteRule<M> {
        DeleteRule::new(self.state.clone(), key)
    }

    /// Answers a Query of `M`'s table (narrowed to one partition with `partition(..)`).
    pub fn on_query<M: Model>(&self) -> QueryRule<M> {
        QueryRule::new(self.state.clone())
    }

    /// Answers a BatchWriteItem.
    pub fn on_batch_write(&self) -> BatchWriteRule {
        BatchWriteRule::new(self.state.clone())
    }

    /// The next `attempts` attempts, of any request, fail with
    /// `ProvisionedThroughputExceededException` before the rules answer. The SDK retries them
    /// as it does DynamoDB's ([`MAX_ATTEMPTS`] attempts a request, so `throttle(2)` is absorbed
    /// and `throttle(3)` fails a request with [`Error::is_throttled`](ferrodyn::Error::is_throttled));
    /// a batch then resends what was not written under its own retry policy.
    pub fn throttle(&self, attempts: usize) -> &Self {
        lock(&self.state).throttles += attempts;
        self
    }

    /// Every request sent so far, in the order they were sent.
    pub fn requests(&self) -> Vec<SentRequest> {
        lock(&self.state).records.iter().map(|r| r.sent.clone()).collect()
    }

    /// The number of requests sent so far (a retried request counts once; see
    /// [`SentRequest::attempts`]).
    pub fn request_count(&self) -> usize {
        lock(&self.state).records.len()
    }

    /// The requests of `operation` sent so far.
    pub fn requests_of(&self, operation: &Operation) -> Vec<SentRequest> {
        self.requests().into_iter().filter(|r| r.operation == *operation).collect()
    }

    /// The first request of `operation` for `key`, which must have been sent.
    ///
    /// # Panics
    /// When no such request was sent; the message lists what was.
    #[track_caller]
    pub fn assert_sent<M: Model>(&self, operation: Operation, key: &Key<M>) -> SentRequest {
        let key = key.to_string();
        let requests = self.requests();
        let found = requests.iter().find(|r| {
            r.operation == operation
                && r.model == Some(M::META.type_name)
                && r.key.as_deref() == Some(key.as_str())
        });
        match found {
            Some(request) => request.clone(),
            None => panic!(
                "expected {operation} for {} {key}; the mock was sent:{}",
                M::META.type_name,
                list(&requests)
            ),
        }
    }

    /// No request of `operation` for `key` was sent.
    ///
    /// # Panics
    /// When one was.
    #[track_caller]
    pub fn assert_not_sent<M: Model>(&self, operation: Operation, key: &Key<M>) {
        let key = key.to_string();
        if let Some(request) = self.requests().into_iter().find(|r| {
            r.operation == operation
                && r.model == Some(M::META.type_name)
                && r.key.as_deref() == Some(key.as_str())
        }) {
            panic!(
                "expected no {operation} for {} {key}, but the mock was sent {request}",
                M::META.type_name
            );
        }
    }

    /// Nothing at all was sent (input the code under test must refuse before any request).
    ///
    /// # Panics
    /// When something was; the message lists it.
    #[track_caller]
    pub fn assert_no_requests(&self) {
        let requests = self.requests();
        assert!(requests.is_empty(), "expected no requests; the mock was sent:{}", list(&requests));
    }

    /// Every request was answered by a rule.
    ///
    /// # Panics
    /// When one was not; the message names each such request (operation, table, model, key).
    #[track_caller]
    pub fn assert_all_matched(&self) {
        let unmatched: Vec<SentRequest> =
            self.requests().into_iter().filter(|r| !r.matched).collect();
        assert!(
            unmatched.is_empty(),
            "no rule of the mock matched {} request(s):{}",
            unmatched.len(),
            list(&unmatched)
        );
    }
}

impl Deref for MockDb {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.db
    }
}

fn list(requests: &[SentRequest]) -> String {
    if requests.is_empty() {
        return " nothing".to_owned();
    }
    requests.iter().map(|r| format!("\n  {r}")).collect()
}

/// Shows an item's key as ferrodyn's typed key does.
fn render<M: Model>(item: &Item) -> String {
    Key::<M>::from_attributes(key_of(M::META, item)).to_string()
}

/// The key attributes of `item` under `meta`.
pub(crate) fn key_of(meta: &ModelMeta, item: &Item) -> Item {
    meta.key_attributes()
        .filter_map(|k| item.get(k.attribute).map(|v| (k.attribute.to_owned(), v.clone())))
        .collect()
}

/// Whether `value` could have been rendered from `key`'s template: the right type, and the
/// template's literal text in place.
fn template_matches(key: &KeyMeta, value: Option<&AttributeValue>) -> bool {
    let text = match (key.scalar, value) {
        (ScalarType::S, Some(AttributeValue::S(text))) => text.as_str(),
        (ScalarType::N, Some(AttributeValue::N(text))) => text.as_str(),
        (ScalarType::B, Some(AttributeValue::B(_))) => return true,
        _ => return false,
    };
    let mut rest = text;
    let mut after_field = false;
    for (i, part) in key.template.iter().enumerate() {
        match part {
            TemplatePart::Field(_) => after_field = true,
            TemplatePart::Literal(literal) if i + 1 == key.template.len() && after_field => {
                return rest.ends_with(literal);
            }
            TemplatePart::Literal(literal) if after_field => match rest.find(literal) {
                Some(at) => rest = &rest[at + literal.len()..],
                None => return false,
            },
            TemplatePart::Literal(literal) => match rest.strip_prefix(literal) {
                Some(tail) => rest = tail,
                None => return false,
            },
        }
    }
    after_field || rest.is_empty()
}

impl State {
    pub(crate) fn register<M: Model>(&mut self) {
        if !self.models.iter().any(|m| same_model(m.meta, M::META)) {
            self.models.push(ModelEntry { meta: M::META, render: render::<M> });
        }
    }

    /// The table of `meta`: the mock's [`Db`] maps no names.
    pub(crate) fn table_of(&self, meta: &ModelMeta) -> String {
        meta.table.to_owned()
    }

    /// The known model an item or key of `table` belongs to: by entity attribute where the
    /// item has one, else by the shape of its key.
    fn identify(&self, table: &str, item: &Item) -> Option<ModelEntry> {
        let candidates: Vec<ModelEntry> =
            self.models.iter().copied().filter(|m| self.table_of(m.meta) == table).collect();
        let by_entity = candidates.iter().find(|m| {
            m.meta.entity.as_ref().is_some_and(
                |e| matches!(item.get(e.attribute), Some(AttributeValue::S(v)) if v == e.value),
            )
        });
        by_entity.copied().or_else(|| {
            candidates.into_iter().find(|m| {
                m.meta.key_attributes().all(|k| template_matches(k, item.get(k.attribute)))
            })
        })
    }

    /// Whether `item` (or key) of `table` is of the model `meta`.
    pub(crate) fn is_model(&self, meta: &ModelMeta, table: &str, item: &Item) -> bool {
        self.identify(table, item).is_some_and(|m| same_model(m.meta, meta))
    }

    /// The model and the shown key of a key (or, `is_key` false, an item) of `table`. A key of
    /// no known model is shown attribute by attribute; an item of none by its attribute names
    /// only, since which of them form the key is unknown and the rest are its contents.
    fn describe(&self, table: &str, item: &Item, is_key: bool) -> (Option<&'static str>, String) {
        if let Some(model) = self.identify(table, item) {
            return (Some(model.meta.type_name), (model.render)(item));
        }
        let mut names: Vec<&String> = item.keys().collect();
        names.sort();
        let shown: Vec<String> = names
            .iter()
            .map(|n| match (&item[*n], is_key) {
                (AttributeValue::S(v) | AttributeValue::N(v), true) => format!("{n}={v}"),
                (value, _) => format!("{n}=<{}>", kind(value)),
            })
            .collect();
        (None, shown.join(", "))
    }

    /// The model and shown partition of a query.
    fn describe_query(
        &self,
        table: &str,
        index: Option<&str>,
        values: &[AttributeValue],
    ) -> (Option<&'static str>, Option<String>) {
        for model in self.models.iter().filter(|m| self.table_of(m.meta) == table) {
            let key = match index {
                None => Some(&model.meta.partition_key),
                Some(name) => model.meta.index(name).map(|i| &i.partition_key),
            };
            let Some(key) = key else { continue };
            if let Some(value) = values.iter().find(|v| template_matches(key, Some(v))) {
                let shown = match value {
                    AttributeValue::S(s) | AttributeValue::N(s) => s.clone(),
                    _ => "<binary>".to_owned(),
                };
                let on_index = index.map(|i| format!(" (index {i})")).unwrap_or_default();
                return (
                    Some(model.meta.type_name),
                    Some(format!("{}={shown}{on_index}", key.attribute)),
                );
            }
        }
        (None, None)
    }

    /// Records a request; its index for [`attempt`](Self::attempt).
    pub(crate) fn begin(&mut self, operation: &str, parsed: Parsed) -> usize {
        let mut sent = SentRequest {
            operation: Operation::from_name(operation),
            table: parsed.table().map(str::to_owned),
            model: None,
            key: None,
            condition: false,
            writes: Vec::new(),
            attempts: 0,
            matched: false,
        };
        match &parsed {
            Parsed::Get { table, key } => {
                let (model, shown) = self.describe(table, key, true);
                (sent.model, sent.key) = (model, Some(shown));
            }
            Parsed::Put { table, item, condition } => {
                let (model, shown) = self.describe(table, item, false);
                (sent.model, sent.key, sent.condition) = (model, Some(shown), *condition);
            }
            Parsed::Update { table, key, condition } | Parsed::Delete { table, key, condition } => {
                let (model, shown) = self.describe(table, key, true);
                (sent.model, sent.key, sent.condition) = (model, Some(shown), *condition);
            }
            Parsed::Query { table, index, values } => {
                (sent.model, sent.key) = self.describe_query(table, index.as_deref(), values);
            }
            Parsed::BatchWrite { writes } => {
                for write in writes {
                    let is_key = write.kind == WriteKind::Delete;
                    let (model, key) = self.describe(&write.table, &write.item, is_key);
                    let table = write.table.clone();
                    sent.writes.push(SentWrite { kind: write.kind, table, model, key });
                }
            }
            Parsed::Other => {}
        }
        self.records.push(Record { sent, parsed, reply: None });
        self.records.len() - 1
    }

    /// The answer to the next attempt of request `index`: a throttling error while
    /// [`MockDb::throttle`] has attempts left, else the answer of the first rule that matches,
    /// chosen once for the request.
    pub(crate) fn attempt(&mut self, index: usize) -> Reply {
        self.records[index].sent.attempts += 1;
        if self.throttles > 0 {
            self.throttles -= 1;
            return Reply::throttled();
        }
        if let Some(reply) = &self.records[index].reply {
            return reply.clone();
        }
        let parsed = self.records[index].parsed.clone();
        let rule = self
            .rules
            .iter()
            .position(|rule| rule.remaining != Some(0) && rule.matcher.matches(self, &parsed));
        let reply = match rule {
            Some(at) => {
                let rule = &mut self.rules[at];
                if let Some(remaining) = &mut rule.remaining {
                    *remaining -= 1;
                }
                self.records[index].sent.matched = true;
                match &self.rules[at].answer {
                    Answer::Reply(reply) => reply.clone(),
                    Answer::Unprocessed(keys) => rules::unprocessed(keys, &parsed),
                }
            }
            None => {
                let message = format!(
                    "ferrodyn-testing: no rule of the mock matched {}",
                    self.records[index].sent
                );
                Reply::error(400, "MockRuleNotMatched", &message)
            }
        };
        self.records[index].reply = Some(reply.clone());
        reply
    }
}

/// Whether two metadata describe the same model: `META` is an associated constant, so its
/// address may differ from one use to another.
fn same_model(a: &ModelMeta, b: &ModelMeta) -> bool {
    a.type_name == b.type_name && a.table == b.table
}

/// The DynamoDB type of a value, for a key the mock cannot show typed (never the value).
fn kind(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "S",
        AttributeValue::N(_) => "N",
        AttributeValue::B(_) => "B",
        _ => "non-key",
    }
}
