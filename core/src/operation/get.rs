//! GetItem.

use crate::capacity::Usage;
use crate::error::{Error, Result};
use crate::expression::{Placeholders, Projection};
use crate::key::{describe_key, Key};
use crate::model::Model;
use crate::value::Item;
use crate::{validate, Db};

/// A GetItem request; `.send().await` (or `.await`) returns the item decoded, or `None`.
#[must_use]
pub struct GetItem<M> {
    db: Db,
    key: Key<M>,
    consistent_read: bool,
    projection: Option<Projection>,
    /// Why the get cannot be sent (a relation whose source value failed to render the key),
    /// reported before any request.
    refused: Option<Error>,
}

impl<M: Model> std::fmt::Debug for GetItem<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GetItem").field("key", &self.key).finish_non_exhaustive()
    }
}

impl<M: Model> GetItem<M> {
    pub(crate) fn new(db: Db, key: Key<M>) -> Self {
        GetItem { db, key, consistent_read: false, projection: None, refused: None }
    }

    super::setters! {
        /// Reads with strong consistency.
        consistent_read(consistent: bool) => consistent;
        /// Returns only these attributes; the model must then tolerate the others missing
        /// (`Option` or `#[serde(default)]` fields), or use [`send_item`](Self::send_item).
        projection(projection: impl Into<Projection>) => Some(projection.into());
    }

    /// Makes the get fail with `error` when sent, before any request.
    pub(crate) fn refuse(mut self, error: Error) -> Self {
        self.refused = Some(error);
        self
    }

    fn error(&self, e: Error) -> Error {
        context(e, &self.key)
    }

    /// Sends the request and decodes the item.
    ///
    /// # Errors
    /// An invalid key (before sending), DynamoDB's error, or a decoding error naming the attribute.
    pub async fn send(self) -> Result<Option<M>> {
        let key = self.key.clone();
        match self.send_item().await? {
            Some(item) => M::from_item(item).map(Some).map_err(|e| context(e, &key)),
            None => Ok(None),
        }
    }

    /// Sends the request and returns the raw item.
    ///
    /// # Errors
    /// An invalid key (before sending) or DynamoDB's error.
    pub async fn send_item(mut self) -> Result<Option<Item>> {
        if let Some(e) = self.refused.take() {
            return Err(self.error(e));
        }
        let mut key = self.key.attributes().clone();
        crate::tenant::apply(&self.db, M::META, &mut key)
            .and_then(|_| validate::check_key(M::META, &key))
            .map_err(|e| self.error(e))?;
        let mut placeholders = Placeholders::default();
        let projection = self.projection.as_ref().filter(|p| !p.is_empty()).map(|p| {
            let expression = p.render(&mut placeholders, M::META.decode_attributes());
            validate::check_expression("projection", &expression, &placeholders.names)
                .map(|()| expression)
        });
        let projection = projection.transpose().map_err(|e| self.error(e))?;
        let output = self
            .db
            .client()
            .get_item()
            .set_return_consumed_capacity(self.db.return_consumed_capacity())
            .table_name(self.db.table_name(M::META.table))
            .set_key(Some(key))
            .consistent_read(self.consistent_read)
            .set_projection_expression(projection)
            .set_expression_attribute_names(placeholders.take_names())
            .send()
            .await
            .map_err(|e| self.error(Error::from_sdk(e)))?;
        self.db.record_capacity(Usage::Read, output.consumed_capacity());
        Ok(output.item.filter(|item| !item.is_empty()))
    }
}

fn context<M: Model>(e: Error, key: &Key<M>) -> Error {
    e.context("GetItem", M::META.type_name, Some(describe_key(M::META, key.attributes())))
}

super::into_future!(GetItem, Option<M>);
