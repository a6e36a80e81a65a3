//! DeleteItem.

use crate::error::Result;
use crate::expression::{Condition, Placeholders};
use crate::key::Key;
use crate::model::Model;
use crate::{validate, Db};

use super::{Prepared, WriteOp};

/// A DeleteItem request. Deleting a missing item succeeds;
/// [`send_returning_old`](Self::send_returning_old) tells whether there was one.
#[must_use]
pub struct DeleteItem<M> {
    db: Db,
    key: Key<M>,
    condition: Option<Condition>,
    expect_version: Option<u64>,
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
        DeleteItem { db, key, condition: None, expect_version: None }
    }

    super::setters! {
        /// Deletes only if `condition` holds.
        condition(condition: Condition) from old => Some(condition.and_after(old));
        /// Deletes only if the stored `#[ferrodyn(version)]` is `version`; otherwise the error's
        /// [`is_version_conflict`](crate::Error::is_version_conflict) is true.
        expect_version(version: u64) => Some(version);
    }

    /// Sends the request.
    ///
    /// # Errors
    /// An invalid key (before sending), a false condition ([`Error::is_condition_failed`](crate::Error::is_condition_failed)), or
    /// DynamoDB's error.
    pub async fn send(self) -> Result<()> {
        let db = self.db.clone();
        send::<M>(&db, self.prepare()?, false).await.map(drop)
    }

    /// Sends the request and returns the deleted item, or `None` if there was none.
    ///
    /// # Errors
    /// As [`send`](Self::send), plus a decoding error for the old item.
    pub async fn send_returning_old(self) -> Result<Option<M>> {
        let db = self.db.clone();
        let p = self.prepare()?;
        let context = p.clone();
        let old = send::<M>(&db, p, true).await?;
        old.map(M::from_item).transpose().map_err(|e| context.error(e))
    }

    /// Validates the key and renders the condition.
    pub(crate) fn prepare(self) -> Result<Prepared> {
        let meta = M::META;
        let mut p = Prepared::new(&self.db, WriteOp::Delete, meta, self.key.into_attributes());
        p.confine(&self.db, meta)?;
        validate::check_key(meta, &p.item).map_err(|e| p.error(e))?;
        p.expected_version =
            super::update::expected_version(meta, self.expect_version).map_err(|e| p.error(e))?;
        let version = p.expected_version.map(|v| v.condition(meta));
        p.finish(None, [version, self.condition], Placeholders::default())
    }
}

/// Sends a single DeleteItem, or for a model with unique fields the transaction that also
/// removes its guard items (see `unique`).
async fn send<M: Model>(db: &Db, p: Prepared, return_old: bool) -> Result<Option<crate::Item>> {
    if super::unique::has_unique(M::META) {
        return super::unique::write(db, M::META, p, super::unique::Change::Delete).await;
    }
    p.send(db, return_old).await
}

super::into_future!(DeleteItem, ());
