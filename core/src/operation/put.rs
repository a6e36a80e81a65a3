//! PutItem, for `put` (overwrite) and `create` (insert only).

use std::marker::PhantomData;

use aws_sdk_dynamodb::types::ReturnValue;

use crate::error::{Error, Result};
use crate::expression::{Condition, Path, Placeholders};
use crate::key::describe_key;
use crate::model::Model;
use crate::value::Item;
use crate::{validate, Db};

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
        self.condition = Some(match self.condition.take() {
            Some(existing) => existing.and(condition),
            None => condition,
        });
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
        let item = self.item.map_err(|e| e.context(OPERATION, meta.type_name, None))?;
        let key_text = describe_key(meta, &item);
        let ctx = |e: Error| e.context(OPERATION, meta.type_name, Some(key_text.clone()));
        validate::check_key(meta, &item).map_err(ctx)?;
        validate::check_index_keys(meta, &item).map_err(ctx)?;
        validate::check_item(&item).map_err(ctx)?;

        let mut condition = self.condition;
        if self.create {
            let not_exists = Path::<()>::new(meta.partition_key.attribute).not_exists();
            condition = Some(match condition {
                Some(c) => not_exists.and(c),
                None => not_exists,
            });
        }
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
        })
    }

    async fn send_inner(self, return_old: bool) -> Result<Option<(Item, String)>> {
        let db = self.db.clone();
        let mut p = self.prepare()?;
        let output = db
            .client()
            .put_item()
            .table_name(std::mem::take(&mut p.table))
            .set_item(Some(std::mem::take(&mut p.item)))
            .set_condition_expression(p.condition.take())
            .set_expression_attribute_names(p.names.take())
            .set_expression_attribute_values(p.values.take())
            .set_return_values(return_old.then_some(ReturnValue::AllOld))
            .send()
            .await
            .map_err(|e| p.error(Error::from_sdk(e)))?;
        Ok(output.attributes.filter(|a| !a.is_empty()).map(|a| (a, p.key_text)))
    }
}

super::into_future!(PutItem, ());
