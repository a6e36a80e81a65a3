//! Deleting a parent with its children: [`Db::delete_with_children`], the one explicit way a
//! delete reaches related items. A plain `db.delete` of a parent neither cascades nor checks for
//! children; this reads the children of a [`HasMany`] relation and deletes them with the parent
//! in one transaction, or refuses before deleting anything when they do not fit in one.

use futures_util::StreamExt;

use crate::error::{Error, Result};
use crate::key::describe_key;
use crate::limits::MAX_TRANSACTION_ACTIONS;
use crate::model::Model;
use crate::Db;

use super::HasMany;

impl Db {
    /// Deletes `parent` and its children through `relation` in one transaction
    /// (TransactWriteItems), after reading the children with the relation's query (strongly
    /// consistent for a relation of the table; a relation through an index reads the index, which
    /// is eventually consistent). Returns the number of children deleted.
    ///
    /// A transaction holds at most [`MAX_TRANSACTION_ACTIONS`] actions, so at most 99 children
    /// go with their parent: with more, nothing is deleted and the error says so, before any
    /// write is sent (delete the children in batches first). The delete is atomic over what the
    /// read found; a child written after the read is not deleted. Models with unique fields are
    /// refused, as in any transaction.
    ///
    /// # Errors
    /// Too many children (a validation error naming the limit), the read's errors, or the
    /// transaction's (a canceled transaction deletes nothing).
    pub async fn delete_with_children<P, C>(
        &self,
        parent: &P,
        relation: HasMany<P, C>,
    ) -> Result<usize>
    where
        P: Model + Sync,
        C: Model + Send + 'static,
    {
        let most = MAX_TRANSACTION_ACTIONS - 1;
        let mut query = relation.query(self, parent);
        if relation.index.is_none() {
            query = query.consistent_read(true);
        }
        // Pages of at most one item more than fits: the read stops as soon as it knows.
        let mut children = query.limit(MAX_TRANSACTION_ACTIONS as u32).stream();
        let mut keys = Vec::new();
        while let Some(child) = children.next().await {
            if keys.len() == most {
                let key = parent.primary_key();
                return Err(Error::validation(format!(
                    "{} has more than {most} `{}`: with the parent they are over DynamoDB's \
                     {MAX_TRANSACTION_ACTIONS} actions of a transaction, so nothing was deleted",
                    P::META.type_name,
                    relation.name
                ))
                .context(
                    "TransactWriteItems",
                    P::META.type_name,
                    Some(describe_key(P::META, key.attributes())),
                ));
            }
            keys.push(child?.primary_key());
        }
        let count = keys.len();
        let mut transaction = self.transaction().delete(self.delete(parent.primary_key()));
        for key in keys {
            transaction = transaction.delete(self.delete(key));
        }
        transaction.send().await?;
        Ok(count)
    }
}
