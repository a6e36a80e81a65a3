//! Get transactions (TransactGetItems): [`TransactGet`] collects keys of any models, checks the
//! transaction limits before sending, and [`TransactGetOutput`] hands back each item decoded as
//! the model its get was for.

use std::any::TypeId;
use std::collections::HashMap;

use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsError;
use aws_sdk_dynamodb::types;

use crate::capacity::Usage;
use crate::error::{Error, ErrorKind, Result};
use crate::key::{describe_key, item_identity, Key};
use crate::limits::MAX_TRANSACTION_ACTIONS;
use crate::model::{Model, ModelMeta};
use crate::value::Item;
use crate::{validate, Db};

use super::cancel::{self, ActionInfo};

const GET: &str = "TransactGetItems";

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
    pub(super) fn new(db: Db) -> Self {
        TransactGet { db, gets: Vec::new() }
    }

    /// Adds a key to read; its index in the output is the number of gets added before it.
    pub fn get<M: Model + 'static>(mut self, key: Key<M>) -> Self {
        let meta = M::META;
        let key_text = describe_key(meta, key.attributes());
        let mut key = key.into_attributes();
        let error = crate::tenant::apply(&self.db, meta, &mut key)
            .and_then(|_| validate::check_key(meta, &key))
            .err()
            .map(|e| e.context("Get", meta.type_name, Some(key_text.clone())));
        self.gets.push(GetAction {
            meta,
            model: TypeId::of::<M>(),
            table: self.db.table_name(meta.table),
            key,
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
            infos.push(ActionInfo::get(get.meta.type_name, get.key_text.clone()));
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
                return Err(cancel::request_error(err, GET, &infos, |e| match e {
                    TransactGetItemsError::TransactionCanceledException(e) => {
                        Some(e.cancellation_reasons())
                    }
                    _ => None,
                }))
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
