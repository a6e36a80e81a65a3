//! Transactions: [`Transaction`] (TransactWriteItems) writes puts, creates, updates, deletes and
//! condition checks across models atomically, and [`TransactGet`] (TransactGetItems) reads keys of
//! any models consistently; a canceled transaction is an error that says, per action, what
//! DynamoDB reported ([`CancellationReason`]).
//!
//! Each write action is the single-item builder's own prepared request, so validation, index key
//! maintenance and conditions (`create`'s attribute_not_exists, `update`'s existence check) are the
//! same inside and outside a transaction. The transaction-wide limits (action count, one action per
//! item, request size, client request token) are checked before sending; errors name the action
//! index, model and key.

use std::any::TypeId;
use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{self, ReturnValuesOnConditionCheckFailure};

use crate::capacity::Usage;
use crate::error::{Error, ErrorKind, Result};
use crate::expression::{Condition, Placeholders};
use crate::key::item_identity;
use crate::key::{describe_key, Key};
use crate::model::{Model, ModelMeta};
use crate::value::Item;
use crate::{validate, Db};

use super::{DeleteItem, Prepared, PutItem, UpdateItem};

const WRITE: &str = "TransactWriteItems";
const GET: &str = "TransactGetItems";

/// Most actions in one transaction (writes or gets).
pub const MAX_TRANSACTION_ACTIONS: usize = 100;
/// Largest total request size of a write transaction, in bytes.
pub const MAX_TRANSACTION_BYTES: usize = 4 * 1024 * 1024;
/// Longest client request token, in characters.
pub const MAX_CLIENT_REQUEST_TOKEN_CHARS: usize = 36;

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

struct WriteAction {
    operation: &'static str,
    meta: &'static ModelMeta,
    prepared: Result<Prepared>,
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let actions: Vec<String> =
            self.actions.iter().map(|a| format!("{} {}", a.operation, a.meta.type_name)).collect();
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
        const OPERATION: &str = "ConditionCheck";
        let meta = M::META;
        let key_text = describe_key(meta, self.key.attributes());
        let ctx = |e: Error| e.context(OPERATION, meta.type_name, Some(key_text.clone()));
        validate::check_key(meta, self.key.attributes()).map_err(ctx)?;
        let mut placeholders = Placeholders::default();
        let condition = super::render_condition(&self.condition, &mut placeholders).map_err(ctx)?;
        Ok(Prepared {
            operation: OPERATION,
            model: meta.type_name,
            table: db.table_name(meta.table),
            item: self.key.into_attributes(),
            key_text,
            update: None,
            condition: Some(condition),
            names: placeholders.take_names(),
            values: placeholders.take_values(),
            must_exist: false,
            expected_version: None,
        })
    }
}

impl Db {
    /// Starts a write transaction (TransactWriteItems).
    pub fn transaction(&self) -> Transaction {
        Transaction { db: self.clone(), actions: Vec::new(), token: None }
    }

    /// Starts a get transaction (TransactGetItems).
    pub fn transaction_get(&self) -> TransactGet {
        TransactGet { db: self.clone(), gets: Vec::new() }
    }
}

impl Transaction {
    fn push<M: Model>(mut self, operation: &'static str, prepared: Result<Prepared>) -> Self {
        self.actions.push(WriteAction { operation, meta: M::META, prepared });
        self
    }

    /// Adds an action ferrodyn prepared itself (an item and its unique guards).
    pub(crate) fn push_prepared(
        mut self,
        meta: &'static ModelMeta,
        operation: &'static str,
        prepared: Prepared,
    ) -> Self {
        self.actions.push(WriteAction { operation, meta, prepared: Ok(prepared) });
        self
    }

    /// Adds a put (`db.put(&value)`, with its condition if any). A `db.create(&value)` keeps its
    /// condition that the item must not exist.
    ///
    /// Models with unique fields are refused (an error when sent, before anything is sent): their
    /// guard items move only with `db.create`/`db.put`.
    pub fn put<M: Model>(self, put: PutItem<M>) -> Self {
        self.push::<M>("Put", refuse_unique::<M>(put.prepare()))
    }

    /// Adds a create: a put that fails if the item exists (`db.create(&value)`, or a `db.put`).
    /// Refused for models with unique fields, as [`put`](Self::put).
    pub fn create<M: Model>(self, put: PutItem<M>) -> Self {
        self.push::<M>("Put", refuse_unique::<M>(put.into_create().prepare()))
    }

    /// Adds an update (`db.update(key, update)`, with its condition and upsert choice). Without
    /// `upsert`, a missing item cancels the transaction and its reason is
    /// [`ErrorKind::NotFound`]. An update that touches a unique field is refused (use
    /// `db.update`, which moves the field's guard item); other updates of such models are fine.
    pub fn update<M: Model>(self, update: UpdateItem<M>) -> Self {
        let touches = super::unique::touches(M::META, update.update_actions());
        let prepared = update.prepare();
        self.push::<M>("Update", if touches { refuse_unique::<M>(prepared) } else { prepared })
    }

    /// Adds a delete (`db.delete(key)`, with its condition if any). Refused for models with
    /// unique fields (use `db.delete`, which removes the guard items).
    pub fn delete<M: Model>(self, delete: DeleteItem<M>) -> Self {
        self.push::<M>("Delete", refuse_unique::<M>(delete.prepare()))
    }

    /// Adds a check that `condition` holds on the item at `key`.
    pub fn condition_check<M: Model>(self, key: Key<M>, condition: Condition) -> Self {
        self.check(ConditionCheck::new(key, condition))
    }

    /// Adds a condition check built beforehand.
    pub fn check<M: Model>(self, check: ConditionCheck<M>) -> Self {
        let prepared = check.prepare(&self.db);
        self.push::<M>("ConditionCheck", prepared)
    }

    /// Makes the transaction idempotent: DynamoDB applies a request with the same token and the
    /// same actions at most once within ten minutes, and reports a token reused for other actions
    /// as [`ErrorKind::IdempotentParameterMismatch`]. 1 to 36 characters.
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
            Err(err) => {
                let reasons = match &err {
                    SdkError::ServiceError(service) => match service.err() {
                        TransactWriteItemsError::TransactionCanceledException(e) => {
                            Some(reasons(&infos, e.cancellation_reasons()))
                        }
                        _ => None,
                    },
                    _ => None,
                };
                Err(with_reasons(Error::from_sdk(err), reasons).with_operation(WRITE))
            }
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
            if chars == 0 || chars > MAX_CLIENT_REQUEST_TOKEN_CHARS {
                return Err(Error::validation(format!(
                    "client request token is {chars} characters; DynamoDB takes 1 to \
                     {MAX_CLIENT_REQUEST_TOKEN_CHARS}"
                ))
                .with_operation(WRITE));
            }
        }
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
            if let Some(first) = seen.insert(item_identity(&p.table, meta, &p.item), index) {
                return Err(fail(format!(
                    "actions {first} and {index} are on the same item; DynamoDB allows one"
                )));
            }
            size += request_size(&p);
            if size > MAX_TRANSACTION_BYTES {
                return Err(fail(format!(
                    "the transaction is over DynamoDB's 4 MB request limit at this action \
                     ({size} bytes so far)"
                )));
            }
            infos.push(ActionInfo {
                operation: action.operation,
                model: meta.type_name,
                key: p.key_text.clone(),
                must_exist: p.must_exist,
                expected_version: p.expected_version,
            });
            let item = write_item(action.operation, p)
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
    if !super::unique::has_unique(M::META) {
        return Ok(p);
    }
    Err(super::unique::refuse(M::META, WRITE, &p.item, "in a transaction"))
}

/// Turns one prepared request into the transaction action `operation`.
fn write_item(operation: &'static str, p: Prepared) -> Result<types::TransactWriteItem> {
    let built = |e: aws_smithy_types::error::operation::BuildError| {
        Error::validation("transaction action could not be built").with_source(e)
    };
    let builder = types::TransactWriteItem::builder();
    // As for single writes: the stored item tells a missing item or a stale version from a false
    // condition.
    let on_failure =
        p.wants_item_on_failure().then_some(ReturnValuesOnConditionCheckFailure::AllOld);
    Ok(match operation {
        "Put" => builder.put(
            types::Put::builder()
                .table_name(p.table)
                .set_item(Some(p.item))
                .set_condition_expression(p.condition)
                .set_expression_attribute_names(p.names)
                .set_expression_attribute_values(p.values)
                .set_return_values_on_condition_check_failure(on_failure)
                .build()
                .map_err(built)?,
        ),
        "Update" => builder.update(
            types::Update::builder()
                .table_name(p.table)
                .set_key(Some(p.item))
                .set_update_expression(p.update)
                .set_condition_expression(p.condition)
                .set_expression_attribute_names(p.names)
                .set_expression_attribute_values(p.values)
                .set_return_values_on_condition_check_failure(on_failure)
                .build()
                .map_err(built)?,
        ),
        "Delete" => builder.delete(
            types::Delete::builder()
                .table_name(p.table)
                .set_key(Some(p.item))
                .set_condition_expression(p.condition)
                .set_expression_attribute_names(p.names)
                .set_expression_attribute_values(p.values)
                .set_return_values_on_condition_check_failure(on_failure)
                .build()
                .map_err(built)?,
        ),
        _ => builder.condition_check(
            types::ConditionCheck::builder()
                .table_name(p.table)
                .set_key(Some(p.item))
                .set_condition_expression(p.condition)
                .set_expression_attribute_names(p.names)
                .set_expression_attribute_values(p.values)
                .build()
                .map_err(built)?,
        ),
    }
    .build())
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

/// What a cancellation reason needs to know about the action it belongs to.
#[derive(Debug)]
struct ActionInfo {
    operation: &'static str,
    model: &'static str,
    key: String,
    must_exist: bool,
    expected_version: Option<crate::managed::ExpectedVersion>,
}

/// Why DynamoDB canceled a transaction, for one of its actions (in request order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancellationReason {
    index: usize,
    operation: &'static str,
    model: &'static str,
    key: String,
    code: String,
    message: Option<String>,
    kind: Option<ErrorKind>,
}

impl CancellationReason {
    /// The action's index in the transaction, from 0.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The action: `Put`, `Update`, `Delete`, `ConditionCheck` or `Get`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The action's model.
    pub fn model(&self) -> &'static str {
        self.model
    }

    /// The action's key, as text (`pk=CUSTOMER#1, sk=ORDER#2`).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// DynamoDB's code: `None` for an action that did not fail, `ConditionalCheckFailed`,
    /// `TransactionConflict`, `ThrottlingError`, `ValidationError`, …
    pub fn code(&self) -> &str {
        &self.code
    }

    /// DynamoDB's message, if any.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// What went wrong with this action, `None` when it did not fail: [`ErrorKind::ConditionFailed`],
    /// [`ErrorKind::NotFound`] (an update of a missing item), [`ErrorKind::TransactionConflict`],
    /// [`ErrorKind::Throttled`], [`ErrorKind::ServiceValidation`], or [`ErrorKind::Service`].
    pub fn kind(&self) -> Option<ErrorKind> {
        self.kind
    }
}

fn reasons(infos: &[ActionInfo], sdk: &[types::CancellationReason]) -> Vec<CancellationReason> {
    sdk.iter()
        .enumerate()
        .map(|(index, reason)| {
            let info = infos.get(index);
            let code = reason.code().unwrap_or("None");
            let kind = match code {
                "None" => None,
                "ConditionalCheckFailed"
                    if info.is_some_and(|i| i.must_exist) && super::no_item(reason.item()) =>
                {
                    Some(ErrorKind::NotFound)
                }
                "ConditionalCheckFailed"
                    if info
                        .and_then(|i| i.expected_version)
                        .is_some_and(|v| v.is_stale(reason.item())) =>
                {
                    Some(ErrorKind::VersionConflict)
                }
                "ConditionalCheckFailed" => Some(ErrorKind::ConditionFailed),
                "TransactionConflict" => Some(ErrorKind::TransactionConflict),
                "ThrottlingError" | "ProvisionedThroughputExceeded" | "RequestLimitExceeded" => {
                    Some(ErrorKind::Throttled)
                }
                "ValidationError" => Some(ErrorKind::ServiceValidation),
                _ => Some(ErrorKind::Service),
            };
            CancellationReason {
                index,
                operation: info.map_or("?", |i| i.operation),
                model: info.map_or("?", |i| i.model),
                key: info.map_or_else(String::new, |i| i.key.clone()),
                code: code.to_owned(),
                message: reason.message().map(str::to_owned),
                kind,
            }
        })
        .collect()
}

/// Makes `error` a canceled transaction when DynamoDB gave reasons.
fn with_reasons(error: Error, reasons: Option<Vec<CancellationReason>>) -> Error {
    let Some(reasons) = reasons else { return error };
    let mut message = String::from("transaction canceled");
    let mut first = true;
    for reason in reasons.iter().filter(|r| r.kind.is_some()) {
        message.push_str(if first { ": " } else { "; " });
        first = false;
        let what = match reason.kind {
            Some(ErrorKind::NotFound) => "item does not exist",
            Some(ErrorKind::VersionConflict) => "version conflict",
            _ => &reason.code,
        };
        message.push_str(&format!(
            "action {} ({} {} {}): {what}",
            reason.index, reason.operation, reason.model, reason.key
        ));
    }
    error.canceled(message, reasons)
}

/// A get transaction (TransactGetItems): up to 100 keys of any models, read as one consistent
/// snapshot. Build it with [`Db::transaction_get`].
#[must_use]
pub struct TransactGet {
    db: Db,
    gets: Vec<GetAction>,
}

struct GetAction {
    meta: &'static ModelMeta,
    model: TypeId,
    table: String,
    key: Item,
    key_text: String,
    error: Option<Error>,
}

impl std::fmt::Debug for TransactGet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let gets: Vec<String> =
            self.gets.iter().map(|g| format!("{} {}", g.meta.type_name, g.key_text)).collect();
        f.debug_struct("TransactGet").field("gets", &gets).finish_non_exhaustive()
    }
}

impl TransactGet {
    /// Adds a key to read; its index in the output is the number of gets added before it.
    pub fn get<M: Model + 'static>(mut self, key: Key<M>) -> Self {
        let meta = M::META;
        let key_text = describe_key(meta, key.attributes());
        let error = validate::check_key(meta, key.attributes())
            .err()
            .map(|e| e.context("Get", meta.type_name, Some(key_text.clone())));
        self.gets.push(GetAction {
            meta,
            model: TypeId::of::<M>(),
            table: self.db.table_name(meta.table),
            key: key.into_attributes(),
            key_text,
            error,
        });
        self
    }

    /// The number of gets so far.
    pub fn len(&self) -> usize {
        self.gets.len()
    }

    /// Whether no get was added yet.
    pub fn is_empty(&self) -> bool {
        self.gets.is_empty()
    }

    /// Sends the transaction.
    ///
    /// # Errors
    /// Before sending: an invalid key (with [`Error::action_index`]), no get, more than 100 gets,
    /// or the same item twice. From DynamoDB: a canceled transaction
    /// ([`Error::is_transaction_canceled`]) or another error.
    pub async fn send(self) -> Result<TransactGetOutput> {
        if self.gets.is_empty() {
            return Err(
                Error::validation("a transaction needs at least one get").with_operation(GET)
            );
        }
        let count = self.gets.len();
        let mut seen: HashMap<Vec<u8>, usize> = HashMap::with_capacity(count);
        let mut items = Vec::with_capacity(count);
        let mut infos = Vec::with_capacity(count);
        let mut slots = Vec::with_capacity(count);
        for (index, get) in self.gets.into_iter().enumerate() {
            if let Some(error) = get.error {
                return Err(error.in_action(index));
            }
            let fail = |message: String| {
                Error::validation(message)
                    .context(GET, get.meta.type_name, Some(get.key_text.clone()))
                    .in_action(index)
            };
            if index == MAX_TRANSACTION_ACTIONS {
                return Err(fail(format!(
                    "a transaction has {count} gets, over DynamoDB's {MAX_TRANSACTION_ACTIONS}"
                )));
            }
            if let Some(first) = seen.insert(item_identity(&get.table, get.meta, &get.key), index) {
                return Err(fail(format!("gets {first} and {index} are of the same item")));
            }
            let sdk_get = types::Get::builder()
                .table_name(get.table)
                .set_key(Some(get.key))
                .build()
                .map_err(|e| {
                    fail("transaction get could not be built".to_owned()).with_source(e)
                })?;
            items.push(types::TransactGetItem::builder().get(sdk_get).build());
            infos.push(ActionInfo {
                operation: "Get",
                model: get.meta.type_name,
                key: get.key_text.clone(),
                must_exist: false,
                expected_version: None,
            });
            slots.push(Slot { meta: get.meta, model: get.model, key: get.key_text, item: None });
        }
        let result = self
            .db
            .client()
            .transact_get_items()
            .set_transact_items(Some(items))
            .set_return_consumed_capacity(self.db.return_consumed_capacity())
            .send();
        let output = match result.await {
            Ok(output) => {
                self.db.record_capacity(Usage::Read, output.consumed_capacity());
                output
            }
            Err(err) => {
                let reasons = match &err {
                    SdkError::ServiceError(service) => match service.err() {
                        TransactGetItemsError::TransactionCanceledException(e) => {
                            Some(reasons(&infos, e.cancellation_reasons()))
                        }
                        _ => None,
                    },
                    _ => None,
                };
                return Err(with_reasons(Error::from_sdk(err), reasons).with_operation(GET));
            }
        };
        let responses = output.responses.unwrap_or_default();
        if responses.len() != slots.len() {
            return Err(Error::new(
                ErrorKind::Service,
                format!("DynamoDB answered {} of {} gets", responses.len(), slots.len()),
            )
            .with_operation(GET));
        }
        for (slot, response) in slots.iter_mut().zip(responses) {
            slot.item = response.item.filter(|item| !item.is_empty());
        }
        Ok(TransactGetOutput { slots })
    }
}

impl std::future::IntoFuture for TransactGet {
    type Output = Result<TransactGetOutput>;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// The items read by a [`TransactGet`], by the index of their get.
pub struct TransactGetOutput {
    slots: Vec<Slot>,
}

struct Slot {
    meta: &'static ModelMeta,
    model: TypeId,
    key: String,
    item: Option<Item>,
}

impl std::fmt::Debug for TransactGetOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys identify items; their contents stay out of debug output.
        let slots: Vec<String> = self
            .slots
            .iter()
            .map(|s| {
                let found = if s.item.is_some() { "found" } else { "missing" };
                format!("{} {}: {found}", s.meta.type_name, s.key)
            })
            .collect();
        f.debug_struct("TransactGetOutput").field("items", &slots).finish()
    }
}

impl TransactGetOutput {
    /// The number of gets.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there were no gets (never true for a sent transaction).
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The item of get `index` decoded as `M`, or `None` if there is no such item.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidValue`] when `index` is out of range or get `index` was for another
    /// model than `M`; a decoding error naming the attribute.
    pub fn get<M: Model + 'static>(&self, index: usize) -> Result<Option<M>> {
        let slot = self.slot::<M>(index)?;
        match &slot.item {
            Some(item) => M::from_item(item.clone())
                .map(Some)
                .map_err(|e| e.context("Get", slot.meta.type_name, Some(slot.key.clone()))),
            None => Ok(None),
        }
    }

    /// Takes the item of get `index` decoded as `M`, leaving `None` in its place.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn take<M: Model + 'static>(&mut self, index: usize) -> Result<Option<M>> {
        self.slot::<M>(index)?;
        let slot = &mut self.slots[index];
        match slot.item.take() {
            Some(item) => M::from_item(item)
                .map(Some)
                .map_err(|e| e.context("Get", slot.meta.type_name, Some(slot.key.clone()))),
            None => Ok(None),
        }
    }

    /// The raw item of get `index`, if it was found.
    pub fn item(&self, index: usize) -> Option<&Item> {
        self.slots.get(index)?.item.as_ref()
    }

    /// The model of get `index`.
    pub fn model(&self, index: usize) -> Option<&'static str> {
        self.slots.get(index).map(|s| s.meta.type_name)
    }

    fn slot<M: Model + 'static>(&self, index: usize) -> Result<&Slot> {
        let Some(slot) = self.slots.get(index) else {
            return Err(Error::invalid_value(format!(
                "no get at index {index}: the transaction had {}",
                self.slots.len()
            ))
            .with_operation(GET)
            .in_action(index));
        };
        if slot.model != TypeId::of::<M>() {
            return Err(Error::invalid_value(format!(
                "get {index} is of {}, not {}",
                slot.meta.type_name,
                M::META.type_name
            ))
            .context(GET, slot.meta.type_name, Some(slot.key.clone()))
            .in_action(index));
        }
        Ok(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;

    fn info(must_exist: bool) -> ActionInfo {
        ActionInfo {
            operation: "Update",
            model: "Order",
            key: "pk=1".into(),
            must_exist,
            expected_version: None,
        }
    }

    #[test]
    fn reason_codes_map_to_kinds() {
        let sdk = |code: Option<&str>| {
            types::CancellationReason::builder().set_code(code.map(Into::into)).build()
        };
        let infos = [info(true), info(false), info(false), info(false), info(false)];
        let got = reasons(
            &infos,
            &[
                sdk(Some("ConditionalCheckFailed")),
                sdk(Some("ConditionalCheckFailed")),
                sdk(Some("ThrottlingError")),
                sdk(None),
                sdk(Some("ValidationError")),
                sdk(Some("TransactionConflict")),
            ],
        );
        let kinds: Vec<_> = got.iter().map(CancellationReason::kind).collect();
        assert_eq!(
            kinds,
            [
                Some(ErrorKind::NotFound),
                Some(ErrorKind::ConditionFailed),
                Some(ErrorKind::Throttled),
                None,
                Some(ErrorKind::ServiceValidation),
                Some(ErrorKind::TransactionConflict),
            ]
        );
        assert_eq!(got[3].code(), "None");
        // A reason past the known actions still says where it is.
        assert_eq!((got[5].index(), got[5].model()), (5, "?"));
    }

    #[test]
    fn an_update_whose_old_item_came_back_failed_its_condition() {
        let reason = types::CancellationReason::builder()
            .code("ConditionalCheckFailed")
            .item("pk", AttributeValue::S("1".into()))
            .build();
        let got = reasons(&[info(true)], &[reason]);
        assert_eq!(got[0].kind(), Some(ErrorKind::ConditionFailed));
    }

    #[test]
    fn identities_differ_by_table_type_and_value() {
        let meta = &ModelMeta {
            type_name: "T",
            table: "t",
            entity: None,
            partition_key: crate::meta::KeyMeta {
                attribute: "pk",
                scalar: crate::meta::ScalarType::S,
                template: &[crate::meta::TemplatePart::Field("pk")],
            },
            sort_key: None,
            indexes: &[],
            fields: &[],
            managed: crate::model::ManagedFields::NONE,
        };
        let item = |v: AttributeValue| Item::from([("pk".to_owned(), v)]);
        let s1 = item_identity("t", meta, &item(AttributeValue::S("1".into())));
        assert_eq!(s1, item_identity("t", meta, &item(AttributeValue::S("1".into()))));
        assert_ne!(s1, item_identity("u", meta, &item(AttributeValue::S("1".into()))));
        assert_ne!(s1, item_identity("t", meta, &item(AttributeValue::N("1".into()))));
        assert_ne!(s1, item_identity("t", meta, &item(AttributeValue::S("11".into()))));
    }
}
