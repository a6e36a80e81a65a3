//! PutItem, for `put` (overwrite) and `create` (insert only).

use std::marker::PhantomData;

use aws_sdk_dynamodb::types::ReturnValue;

use crate::error::{Error, Result};
use crate::expression::{Condition, Path, Placeholders};
use crate::key::describe_key;
use crate::model::Model;
use crate::value::Item;
use crate::{validate, Db};

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

    async fn send_inner(mut self, return_old: bool) -> Result<Option<(Item, String)>> {
        let op = OPERATION;
        let meta = M::META;
        let item = std::mem::replace(&mut self.item, Ok(Item::new()));
        let item = item.map_err(|e| e.context(op, meta.type_name, None))?;
        let key = describe_key(meta, &item);
        let ctx = |e: Error| e.context(op, meta.type_name, Some(key.clone()));
        validate::check_key(meta, &item).map_err(ctx)?;
        validate::check_index_keys(meta, &item).map_err(ctx)?;
        validate::check_item(&item).map_err(ctx)?;

        let mut condition = self.condition.take();
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
        let output = self
            .db
            .client()
            .put_item()
            .table_name(self.db.table_name(meta.table))
            .set_item(Some(item))
            .set_condition_expression(condition)
            .set_expression_attribute_names(placeholders.take_names())
            .set_expression_attribute_values(placeholders.take_values())
            .set_return_values(return_old.then_some(ReturnValue::AllOld))
            .send()
            .await
            .map_err(|e| ctx(Error::from_sdk(e)))?;
        Ok(output.attributes.filter(|a| !a.is_empty()).map(|a| (a, key)))
    }
}

super::into_future!(PutItem, ());
