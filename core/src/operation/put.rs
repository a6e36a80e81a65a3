//! PutItem, for `put` (overwrite) and `create` (insert only).

use std::marker::PhantomData;

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};

use crate::capacity::Usage;
use crate::error::{Error, Result};
use crate::expression::{Condition, Path, Placeholders};
use crate::key::describe_key;
use crate::model::Model;
use crate::value::Item;
use crate::{managed, validate, Db};

use super::Prepared;

const OPERATION: &str = "PutItem";

/// A PutItem request.
#[must_use]
pub struct PutItem<M> {
    db: Db,
    item: Result<Item>,
    create: bool,
    condition: Option<Condition>,
    model: PhantomData<fn() -> M>,
}

impl<M: Model> std::fmt::Debug for PutItem<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PutItem")
            .field("model", &M::META.type_name)
            .field("create", &self.create)
            .field("condition", &self.condition)
            .finish_non_exhaustive()
    }
}

impl<M: Model> PutItem<M> {
    pub(crate) fn new(db: Db, value: &M, create: bool) -> Self {
        PutItem { db, item: value.to_item(), create, condition: None, model: PhantomData }
    }

    /// Makes the put a create (the item must not exist), for `Transaction::create`.
    pub(crate) fn into_create(mut self) -> Self {
        self.create = true;
        self
    }

    /// Writes only if `condition` holds (combined with `create`'s own condition by AND).
    pub fn condition(mut self, condition: Condition) -> Self {
        self.condition = Some(condition.and_after(self.condition.take()));
        self
    }

    /// Sends the request.
    ///
    /// # Errors
    /// Invalid items are rejected before sending (key, size, numbers, sets, nesting); `create` on an
    /// existing item and a false condition give [`Error::is_condition_failed`].
    pub async fn send(self) -> Result<()> {
        self.send_inner(false).await.map(drop)
    }

    /// Sends the request and returns the model as written: with its generated id, version and
    /// timestamps filled in.
    ///
    /// # Errors
    /// As [`send`](Self::send), plus a decoding error for the written item.
    pub async fn send_returning_new(self) -> Result<M> {
        let (db, create) = (self.db.clone(), self.create);
        let p = self.prepare()?;
        let written = p.item.clone();
        let key_text = p.key_text.clone();
        dispatch::<M>(&db, p, create, false).await?;
        M::from_item(written).map_err(|e| e.context(OPERATION, M::META.type_name, Some(key_text)))
    }

    /// Sends the request and returns the item it replaced, if any.
    ///
    /// # Errors
    /// As [`send`](Self::send), plus a decoding error for the old item.
    pub async fn send_returning_old(self) -> Result<Option<M>> {
        let op = OPERATION;
        match self.send_inner(true).await? {
            Some((old, key)) => {
                M::from_item(old).map(Some).map_err(|e| e.context(op, M::META.type_name, Some(key)))
            }
            None => Ok(None),
        }
    }

    /// Validates the item and renders the condition.
    pub(crate) fn prepare(self) -> Result<Prepared> {
        let meta = M::META;
        let mut item = self.item.map_err(|e| e.context(OPERATION, meta.type_name, None))?;
        let expected_version = managed::on_put(meta, &mut item, self.create)
            .map_err(|e| e.context(OPERATION, meta.type_name, Some(describe_key(meta, &item))))?;
        let key_text = describe_key(meta, &item);
        let ctx = |e: Error| e.context(OPERATION, meta.type_name, Some(key_text.clone()));
        validate::check_key(meta, &item).map_err(ctx)?;
        validate::check_index_keys(meta, &item).map_err(ctx)?;
        validate::check_item(&item).map_err(ctx)?;

        let guard = match (self.create, expected_version) {
            (true, _) => Some(Path::<()>::new(meta.partition_key.attribute).not_exists()),
            (false, Some(expected)) => Some(expected.condition(meta)),
            (false, None) => None,
        };
        let condition = [guard, self.condition].into_iter().flatten().reduce(Condition::and);
        let mut placeholders = Placeholders::default();
        let condition = condition
            .map(|c| super::render_condition(&c, &mut placeholders))
            .transpose()
            .map_err(ctx)?;
        Ok(Prepared {
            operation: OPERATION,
            model: meta.type_name,
            table: self.db.table_name(meta.table),
            item,
            key_text,
            update: None,
            condition,
            names: placeholders.take_names(),
            values: placeholders.take_values(),
            must_exist: false,
            // A create's own condition already says "does not exist".
            expected_version: expected_version.filter(|_| !self.create),
        })
    }

    async fn send_inner(self, return_old: bool) -> Result<Option<(Item, String)>> {
        let (db, create) = (self.db.clone(), self.create);
        let p = self.prepare()?;
        dispatch::<M>(&db, p, create, return_old).await
    }
}

/// Sends a single PutItem, or for a model with unique fields the transaction that also writes
/// its guard items (see `unique`).
async fn dispatch<M: Model>(
    db: &Db,
    p: Prepared,
    create: bool,
    return_old: bool,
) -> Result<Option<(Item, String)>> {
    if !super::unique::has_unique(M::META) {
        return send_prepared(db, p, return_old).await;
    }
    let key_text = p.key_text.clone();
    if create {
        super::unique::create(db, M::META, p).await?;
        return Ok(None);
    }
    let old = super::unique::write(db, M::META, p, super::unique::Change::Put).await?;
    Ok(old.map(|old| (old, key_text)))
}

async fn send_prepared(
    db: &Db,
    mut p: Prepared,
    return_old: bool,
) -> Result<Option<(Item, String)>> {
    let output = db
        .client()
        .put_item()
        .set_return_consumed_capacity(db.return_consumed_capacity())
        .table_name(std::mem::take(&mut p.table))
        .set_item(Some(std::mem::take(&mut p.item)))
        .set_condition_expression(p.condition.take())
        .set_expression_attribute_names(p.names.take())
        .set_expression_attribute_values(p.values.take())
        .set_return_values(return_old.then_some(ReturnValue::AllOld))
        .set_return_values_on_condition_check_failure(
            p.wants_item_on_failure().then_some(ReturnValuesOnConditionCheckFailure::AllOld),
        )
        .send()
        .await
        .map_err(|e| super::write_error!(p, e, PutItemError))?;
    db.record_capacity(Usage::Write, output.consumed_capacity());
    Ok(output.attributes.filter(|a| !a.is_empty()).map(|a| (a, p.key_text)))
}

super::into_future!(PutItem, ());
