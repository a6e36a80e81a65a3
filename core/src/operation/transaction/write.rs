//! Write transactions (TransactWriteItems): [`Transaction`] collects prepared writes and
//! [`ConditionCheck`]s, checks the transaction-wide limits, and sends each action as the write
//! core builds it (`Prepared::into_transact_item`).

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types;

use crate::capacity::Usage;
use crate::error::{Error, Result};
use crate::expression::{Condition, Placeholders};
use crate::key::{item_identity, Key};
use crate::limits::{
    MAX_CLIENT_REQUEST_TOKEN_CHARS, MAX_TRANSACTION_ACTIONS, MAX_TRANSACTION_BYTES,
    MIN_CLIENT_REQUEST_TOKEN_CHARS,
};
use crate::model::{Model, ModelMeta};
use crate::value::Item;
use crate::{validate, Db};

use super::cancel::{self, ActionInfo};
use crate::operation::{DeleteItem, Prepared, PutItem, SaveItem, UpdateItem, WriteOp};

const WRITE: &str = "TransactWriteItems";

/// A write transaction (TransactWriteItems): up to 100 actions on distinct items, applied all or
/// none. Build it with [`Db::transaction`]; `.send().await` (or `.await`) commits it.
///
/// A canceled transaction is an error for which [`Error::is_transaction_canceled`] is true and
/// [`Error::cancellation_reasons`] lists, per action, why.
///
/// ```no_run
/// # use ferrodyn::{Db, ErrorKind, Model, Update};
/// # #[derive(serde::Serialize, serde::Deserialize, Model)]
/// # #[ferrodyn(table = "shop", pk = "id")]
/// # struct Order { id: String, paid: bool }
/// # #[derive(serde::Serialize, serde::Deserialize, Model)]
/// # #[ferrodyn(table = "stock", pk = "sku")]
/// # struct Stock { sku: String, left: u32 }
/// # async fn run(db: Db) -> ferrodyn::Result<()> {
/// let result = db
///     .transaction()
///     .create(db.create(&Order { id: "o1".into(), paid: false }))
///     .update(
///         db.update(Stock::key("book"), Update::new().set(Stock::FIELDS.left, 4u32))
///             .condition(Stock::FIELDS.left.eq(5u32)),
///     )
///     .client_request_token("order-o1")
///     .await;
/// if let Err(err) = &result {
///     if let Some(failed) = err.failed_action() {
///         // e.g. action 1 (Update Stock sku=book): ConditionalCheckFailed
///         assert_eq!(failed.kind(), Some(ErrorKind::ConditionFailed));
///     }
/// }
/// # Ok(()) }
/// ```
#[must_use]
pub struct Transaction {
    db: Db,
    actions: Vec<WriteAction>,
    token: Option<String>,
}

/// One action as added: its kind (also when preparing it failed, for `Debug`), and the prepared
/// write or the error to report when the transaction is sent.
struct WriteAction {
    op: WriteOp,
    meta: &'static ModelMeta,
    prepared: Result<Prepared>,
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let actions: Vec<String> = self
            .actions
            .iter()
            .map(|a| format!("{} {}", a.op.action(), a.meta.type_name))
            .collect();
        f.debug_struct("Transaction")
            .field("actions", &actions)
            .field("client_request_token", &self.token)
            .finish_non_exhaustive()
    }
}

/// A condition on an item that must hold for a [`Transaction`] to commit; it writes nothing.
#[must_use]
pub struct ConditionCheck<M> {
    key: Key<M>,
    condition: Condition,
}

impl<M: Model> std::fmt::Debug for ConditionCheck<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConditionCheck")
            .field("key", &self.key)
            .field("condition", &self.condition)
            .finish()
    }
}

impl<M: Model> ConditionCheck<M> {
    /// A check that `condition` holds on the item at `key`.
    pub fn new(key: Key<M>, condition: Condition) -> Self {
        ConditionCheck { key, condition }
    }

    fn prepare(self, db: &Db) -> Result<Prepared> {
        let meta = M::META;
        let mut p = Prepared::new(db, WriteOp::ConditionCheck, meta, self.key.into_attributes());
        p.confine(db, meta)?;
        validate::check_key(meta, &p.item).map_err(|e| p.error(e))?;
        p.finish(None, [Some(self.condition)], Placeholders::default())
    }
}

impl Transaction {
    pub(super) fn new(db: Db) -> Self {
        Transaction { db, actions: Vec::new(), token: None }
    }

    fn push<M: Model>(mut self, op: WriteOp, prepared: Result<Prepared>) -> Self {
        self.actions.push(WriteAction { op, meta: M::META, prepared });
        self
    }

    /// Adds an action ferrodyn prepared itself, or the error preparing it gave, reported when the
    /// transaction is sent (relation edges and their checks).
    pub(crate) fn push_action(
        mut self,
        op: WriteOp,
        meta: &'static ModelMeta,
        prepared: Result<Prepared>,
    ) -> Self {
        self.actions.push(WriteAction { op, meta, prepared });
        self
    }

    /// Adds an action ferrodyn prepared itself (an item and its unique guards).
    pub(crate) fn push_prepared(mut self, meta: &'static ModelMeta, prepared: Prepared) -> Self {
        self.actions.push(WriteAction { op: prepared.op, meta, prepared: Ok(prepared) });
        self
    }

    /// Adds a put (`db.put(&value)`, with its condition if any). A `db.create(&value)` keeps its
    /// condition that the item must not exist.
    ///
    /// Models with unique fields are refused (an error when sent, before anything is sent): their
    /// guard items move only with `db.create`/`db.put`.
    pub fn put<M: Model>(self, put: PutItem<M>) -> Self {
        self.push::<M>(WriteOp::Put, refuse_unique::<M>(put.prepare()))
    }

    /// Adds a create: a put that fails if the item exists (`db.create(&value)`, or a `db.put`).
    /// Refused for models with unique fields, as [`put`](Self::put).
    pub fn create<M: Model>(self, put: PutItem<M>) -> Self {
        self.push::<M>(WriteOp::Put, refuse_unique::<M>(put.into_create().prepare()))
    }

    /// Adds an update (`db.update(key, update)`, with its condition and upsert choice). Without
    /// `upsert`, a missing item cancels the transaction and its reason is
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound). An update that touches a unique field is refused (use
    /// `db.update`, which moves the field's guard item); other updates of such models are fine.
    pub fn update<M: Model>(self, update: UpdateItem<M>) -> Self {
        let touches = crate::operation::unique::touches(M::META, update.update_actions());
        let prepared = update.prepare();
        self.push::<M>(
            WriteOp::Update,
            if touches { refuse_unique::<M>(prepared) } else { prepared },
        )
    }

    /// Adds a partial save (`db.save(&before, &after)`): its update, with the version check; a
    /// save with nothing changed adds no action (a transaction of no action is refused when
    /// sent). Refused as [`update`](Self::update) is when it touches a unique field.
    pub fn save<M: Model>(self, save: SaveItem<M>) -> Self {
        match save.into_update() {
            Ok(Some(update)) => self.update(update),
            Ok(None) => self,
            Err(e) => self.push::<M>(WriteOp::Update, Err(e)),
        }
    }

    /// Adds a delete (`db.delete(key)`, with its condition if any). Refused for models with
    /// unique fields (use `db.delete`, which removes the guard items).
    pub fn delete<M: Model>(self, delete: DeleteItem<M>) -> Self {
        self.push::<M>(WriteOp::Delete, refuse_unique::<M>(delete.prepare()))
    }

    /// Adds a check that `condition` holds on the item at `key`.
    pub fn condition_check<M: Model>(self, key: Key<M>, condition: Condition) -> Self {
        self.check(ConditionCheck::new(key, condition))
    }

    /// Adds a condition check built beforehand.
    pub fn check<M: Model>(self, check: ConditionCheck<M>) -> Self {
        let prepared = check.prepare(&self.db);
        self.push::<M>(WriteOp::ConditionCheck, prepared)
    }

    /// Makes the transaction idempotent: DynamoDB applies a request with the same token and the
    /// same actions at most once within ten minutes, and reports a token reused for other actions
    /// as [`ErrorKind::IdempotentParameterMismatch`](crate::ErrorKind::IdempotentParameterMismatch). 1 to 36 characters.
    ///
    /// Without one, the SDK makes a token for each `send`: its own retries (of an internal error,
    /// say) cannot apply the transaction twice, but sending again after an error may.
    pub fn client_request_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The number of actions so far.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether the transaction has no action yet.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Sends the transaction.
    ///
    /// # Errors
    /// Before sending: an invalid action (as for the single-item operation, with
    /// [`Error::action_index`]), no action, more than 100 actions, two actions on one item, a
    /// request over 4 MB, or a client request token that is not 1–36 characters. From DynamoDB: a
    /// canceled transaction ([`Error::is_transaction_canceled`], with
    /// [`Error::cancellation_reasons`]), a token reused for other actions, or another error.
    pub async fn send(self) -> Result<()> {
        let db = self.db.clone();
        let (items, infos, token) = self.prepare()?;
        let result = db
            .client()
            .transact_write_items()
            .set_transact_items(Some(items))
            .set_client_request_token(token)
            .set_return_consumed_capacity(db.return_consumed_capacity())
            .send()
            .await;
        match result {
            Ok(output) => {
                db.record_capacity(Usage::Write, output.consumed_capacity());
                Ok(())
            }
            Err(err) => Err(cancel::request_error(err, WRITE, &infos, |e| match e {
                TransactWriteItemsError::TransactionCanceledException(e) => {
                    Some(e.cancellation_reasons())
                }
                _ => None,
            })),
        }
    }

    /// Checks the transaction-wide limits and turns each action into its SDK form.
    fn prepare(self) -> Result<(Vec<types::TransactWriteItem>, Vec<ActionInfo>, Option<String>)> {
        if self.actions.is_empty() {
            return Err(
                Error::validation("a transaction needs at least one action").with_operation(WRITE)
            );
        }
        if let Some(token) = &self.token {
            let chars = token.chars().count();
            if !(MIN_CLIENT_REQUEST_TOKEN_CHARS..=MAX_CLIENT_REQUEST_TOKEN_CHARS).contains(&chars) {
                return Err(Error::validation(format!(
                    "client request token is {chars} characters; DynamoDB takes \
                     {MIN_CLIENT_REQUEST_TOKEN_CHARS} to {MAX_CLIENT_REQUEST_TOKEN_CHARS}"
                ))
                .with_operation(WRITE));
            }
        }
        let tenant = crate::tenant::active(&self.db).map_err(|e| e.with_operation(WRITE))?;
        let count = self.actions.len();
        let mut seen: HashMap<Vec<u8>, usize> = HashMap::with_capacity(count);
        let mut size = self.token.as_ref().map_or(0, String::len);
        let mut items = Vec::with_capacity(count);
        let mut infos = Vec::with_capacity(count);
        for (index, action) in self.actions.into_iter().enumerate() {
            let meta = action.meta;
            let p = action.prepared.map_err(|e| e.in_action(index))?;
            let fail = |message: String| {
                Error::validation(message)
                    .context(WRITE, meta.type_name, Some(p.key_text.clone()))
                    .in_action(index)
            };
            if index == MAX_TRANSACTION_ACTIONS {
                return Err(fail(format!(
                    "a transaction has {count} actions, over DynamoDB's {MAX_TRANSACTION_ACTIONS}"
                )));
            }
            crate::tenant::check_same(tenant.as_ref(), p.tenant.as_ref())
                .map_err(|e| p.error(e).in_action(index))?;
            if let Some(first) = seen.insert(item_identity(&p.table, meta, &p.item), index) {
                return Err(fail(format!(
                    "actions {first} and {index} are on the same item; DynamoDB allows one"
                )));
            }
            size += request_size(&p);
            if size > MAX_TRANSACTION_BYTES {
                return Err(fail(format!(
                    "the transaction is over DynamoDB's {} MB request limit at this action \
                     ({size} bytes so far)",
                    MAX_TRANSACTION_BYTES / (1024 * 1024)
                )));
            }
            infos.push(ActionInfo::of(&p));
            let item = p
                .into_transact_item()
                .map_err(|e| e.context(WRITE, meta.type_name, None).in_action(index))?;
            items.push(item);
        }
        Ok((items, infos, self.token))
    }
}

impl std::future::IntoFuture for Transaction {
    type Output = Result<()>;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A write of a model with unique fields cannot join a user transaction: its guard items need
/// the read that `db.put`/`db.delete` do first.
fn refuse_unique<M: Model>(prepared: Result<Prepared>) -> Result<Prepared> {
    let p = prepared?;
    if !crate::operation::unique::has_unique(M::META) {
        return Ok(p);
    }
    Err(crate::operation::unique::refuse(M::META, WRITE, &p.item, "in a transaction"))
}

/// An approximation of an action's share of the request: table name, item or key, expressions,
/// placeholder names and values, sized as the item-size rule counts them.
fn request_size(p: &Prepared) -> usize {
    let attributes = |map: &Item| -> usize {
        map.iter().map(|(k, v)| k.len() + validate::check_value(v, 1).unwrap_or(0)).sum()
    };
    p.table.len()
        + attributes(&p.item)
        + p.update.as_ref().map_or(0, String::len)
        + p.condition.as_ref().map_or(0, String::len)
        + p.names.iter().flatten().map(|(k, v)| k.len() + v.len()).sum::<usize>()
        + p.values.as_ref().map_or(0, attributes)
}
