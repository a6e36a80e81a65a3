//! DeleteItem.

use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};

use crate::capacity::Usage;
use crate::error::{Error, Result};
use crate::expression::{Condition, Placeholders};
use crate::key::{describe_key, Key};
use crate::model::Model;
use crate::{validate, Db};

use super::Prepared;

const OPERATION: &str = "DeleteItem";

/// A DeleteItem request. Deleting a missing item succeeds;
/// [`send_returning_old`](Self::send_returning_old) tells whether there was one.
#[must_use]
pub struct DeleteItem<M> {
    db: Db,
    key: Key<M>,
    condition: Option<Condition>,
    expected_version: Option<u64>,
}

impl<M: Model> std::fmt::Debug for DeleteItem<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeleteItem")
            .field("key", &self.key)
            .field("condition", &self.condition)
            .finish()
    }
}

impl<M: Model> DeleteItem<M> {
    pub(crate) fn new(db: Db, key: Key<M>) -> Self {
        DeleteItem { db, key, condition: None, expected_version: None }
    }

    /// Deletes only if `condition` holds.
    pub fn condition(mut self, condition: Condition) -> Self {
        self.condition = Some(condition.and_after(self.condition.take()));
        self
    }

    /// Deletes only if the stored `#[ferrodyn(version)]` is `version`; otherwise the error's
    /// [`is_version_conflict`](Error::is_version_conflict) is true.
    pub fn expect_version(mut self, version: u64) -> Self {
        self.expected_version = Some(version);
        self
    }

    /// Sends the request.
    ///
    /// # Errors
    /// An invalid key (before sending), a false condition ([`Error::is_condition_failed`]), or
    /// DynamoDB's error.
    pub async fn send(self) -> Result<()> {
        self.send_inner(false).await.map(drop)
    }

    /// Sends the request and returns the deleted item, or `None` if there was none.
    ///
    /// # Errors
    /// As [`send`](Self::send), plus a decoding error for the old item.
    pub async fn send_returning_old(self) -> Result<Option<M>> {
        let key = self.key.clone();
        match self.send_inner(true).await? {
            Some(old) => M::from_item(old).map(Some).map_err(|e| {
                e.context(
                    "DeleteItem",
                    M::META.type_name,
                    Some(describe_key(M::META, key.attributes())),
                )
            }),
            None => Ok(None),
        }
    }

    /// Validates the key and renders the condition.
    pub(crate) fn prepare(self) -> Result<Prepared> {
        let meta = M::META;
        let key_text = describe_key(meta, self.key.attributes());
        let ctx = |e: Error| e.context(OPERATION, meta.type_name, Some(key_text.clone()));
        validate::check_key(meta, self.key.attributes()).map_err(ctx)?;
        let expected_version =
            super::update::expected_version(meta, self.expected_version).map_err(ctx)?;
        let condition = [expected_version.map(|v| v.condition(meta)), self.condition]
            .into_iter()
            .flatten()
            .reduce(Condition::and);
        let mut placeholders = Placeholders::default();
        let condition = condition
            .as_ref()
            .map(|c| super::render_condition(c, &mut placeholders))
            .transpose()
            .map_err(ctx)?;
        Ok(Prepared {
            operation: OPERATION,
            model: meta.type_name,
            table: self.db.table_name(meta.table),
            item: self.key.into_attributes(),
            key_text,
            update: None,
            condition,
            names: placeholders.take_names(),
            values: placeholders.take_values(),
            must_exist: false,
            expected_version,
        })
    }

    async fn send_inner(self, return_old: bool) -> Result<Option<crate::Item>> {
        let db = self.db.clone();
        let mut p = self.prepare()?;
        if super::unique::has_unique(M::META) {
            return super::unique::write(&db, M::META, p, super::unique::Change::Delete).await;
        }
        let output = db
            .client()
            .delete_item()
            .set_return_consumed_capacity(db.return_consumed_capacity())
            .table_name(std::mem::take(&mut p.table))
            .set_key(Some(std::mem::take(&mut p.item)))
            .set_condition_expression(p.condition.take())
            .set_expression_attribute_names(p.names.take())
            .set_expression_attribute_values(p.values.take())
            .set_return_values(return_old.then_some(ReturnValue::AllOld))
            .set_return_values_on_condition_check_failure(
                p.wants_item_on_failure().then_some(ReturnValuesOnConditionCheckFailure::AllOld),
            )
            .send()
            .await
            .map_err(|e| super::write_error!(p, e, DeleteItemError))?;
        db.record_capacity(Usage::Write, output.consumed_capacity());
        Ok(output.attributes.filter(|a| !a.is_empty()))
    }
}

super::into_future!(DeleteItem, ());
