//! Partial saves: [`Db::save`] turns the difference of two values of a model into an UpdateItem
//! ([`Update::diff`]) and sends it through `db.update`, with the version check of the value read
//! and the managed timestamps, or sends nothing when nothing changed.

use crate::error::{Error, Result};
use crate::expression::{diff_items, Condition, Update};
use crate::key::describe_key;
use crate::model::Model;
use crate::value::Item;
use crate::{validator, Db};

use super::UpdateItem;

/// What a [`SaveItem`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// Nothing changed: no request was sent (the condition was not checked either).
    Unchanged,
    /// The update was written.
    Updated,
}

/// A partial save (UpdateItem) built with [`Db::save`]: `.send().await` (or `.await`) writes
/// what changed and returns [`Saved`].
#[must_use]
pub struct SaveItem<M> {
    /// The update, or `None` when nothing changed; an error to report when sent.
    update: Result<Option<UpdateItem<M>>>,
    /// The item of `after` when nothing changed, to return without a request.
    after: Item,
}

impl<M: Model> std::fmt::Debug for SaveItem<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("SaveItem");
        match &self.update {
            Ok(Some(update)) => s.field("update", update),
            Ok(None) => s.field("update", &"unchanged"),
            Err(e) => s.field("error", e),
        };
        s.finish()
    }
}

impl Db {
    /// Saves what changed from `before` (the value as read) to `after` (UpdateItem): SET the
    /// attributes that changed or appeared, REMOVE those that disappeared (a field that became
    /// `None`), ADD or DELETE the elements of a string, number or binary set that only gained or
    /// only lost elements (a set that did both is SET whole, as are lists and maps that changed).
    /// Index keys built from changed fields follow, as with [`update`](Db::update), whose request
    /// this is: a versioned model's write is checked against `before`'s version and increments
    /// it, `updated_at` is set, and a unique field moves its guard.
    ///
    /// When nothing changed, nothing is sent: [`SaveItem::send`] returns [`Saved::Unchanged`],
    /// and [`SaveItem::is_unchanged`] tells beforehand. `after` is validated first
    /// ([`Model::validate`]), changed or not: a refused value is an error when sent, and nothing
    /// is sent.
    ///
    /// Unlike [`put`](Db::put), which replaces the whole item, a save leaves every attribute it
    /// does not change alone — attributes outside the model (written by another model or
    /// another service) survive, and so do concurrent changes to other fields. The item must
    /// exist ([`Error::is_not_found`] otherwise); changing the primary key is refused before
    /// sending (that would be another item: put the new one and delete the old).
    ///
    /// ```no_run
    /// # use ferrodyn::{Db, Model};
    /// # use ferrodyn::operation::Saved;
    /// # #[derive(Clone, serde::Serialize, serde::Deserialize, Model)]
    /// # #[ferrodyn(table = "shop", pk = "id")]
    /// # struct Customer { id: String, name: String, #[ferrodyn(version)] version: u64 }
    /// # async fn run(db: Db) -> ferrodyn::Result<()> {
    /// let before = db.get(Customer::key("c1")).await?.expect("stored");
    /// let mut after = before.clone();
    /// after.name = "Anna".into();
    /// // UpdateItem: SET name, ADD version 1, condition version = before's.
    /// let saved = db.save(&before, &after).send_returning_new().await?;
    /// assert_eq!(saved.version, before.version + 1);
    /// assert_eq!(db.save(&saved, &saved).await?, Saved::Unchanged); // no request
    /// # Ok(()) }
    /// ```
    pub fn save<M: Model>(&self, before: &M, after: &M) -> SaveItem<M> {
        let meta = M::META;
        // `after` is the value written: its validators run whatever the difference.
        if let Err(e) = validator::check("UpdateItem", after) {
            return SaveItem { update: Err(e), after: Item::new() };
        }
        let key = before.primary_key();
        let context = |e: Error| {
            e.context("UpdateItem", meta.type_name, Some(describe_key(meta, key.attributes())))
        };
        let items = before.to_item().and_then(|b| Ok((b, after.to_item()?))).map_err(context);
        let (before_item, after_item) = match items {
            Ok(items) => items,
            Err(e) => return SaveItem { update: Err(e), after: Item::new() },
        };
        let update = diff_items(meta, &before_item, &after_item).and_then(|update| {
            if update.is_empty() {
                return Ok(None);
            }
            let mut write = self.update(key.clone(), update);
            if let Some(attribute) = meta.managed.version {
                write = write.expect_version(version_of(&before_item, attribute)?);
            }
            Ok(Some(write))
        });
        // `after` is only decoded back when nothing is sent.
        let after = if matches!(update, Ok(None)) { after_item } else { Item::new() };
        SaveItem { update: update.map_err(context), after }
    }
}

/// The version stored in an item (0 when it has none).
pub(crate) fn version_of(item: &Item, attribute: &str) -> Result<u64> {
    match item.get(attribute) {
        None => Ok(0),
        Some(value) => value.as_n().ok().and_then(|n| n.parse().ok()).ok_or_else(|| {
            Error::validation("version must be a non-negative integer").at(attribute)
        }),
    }
}

impl<M: Model> SaveItem<M> {
    /// Writes only if `condition` holds as well (not checked when nothing changed).
    pub fn condition(mut self, condition: Condition) -> Self {
        if let Ok(Some(update)) = self.update {
            self.update = Ok(Some(update.condition(condition)));
        }
        self
    }

    /// Whether nothing changed, so that sending sends nothing.
    pub fn is_unchanged(&self) -> bool {
        matches!(self.update, Ok(None))
    }

    /// The actions computed from the difference (without the version and timestamp ferrodyn
    /// adds when sending), `None` when nothing changed or the save is refused.
    pub fn changes(&self) -> Option<&Update> {
        self.update.as_ref().ok()?.as_ref().map(UpdateItem::update_actions)
    }

    /// The update to send, `None` when nothing changed: to add it to a
    /// [`Transaction`](crate::operation::Transaction) yourself, or use
    /// [`Transaction::save`](crate::operation::Transaction::save).
    ///
    /// # Errors
    /// A field that fails to serialise, a changed primary key, or an invalid version.
    pub fn into_update(self) -> Result<Option<UpdateItem<M>>> {
        self.update
    }

    /// Sends the update, if anything changed.
    ///
    /// # Errors
    /// Before sending: a value of `after` its validators refuse, a changed primary key or an
    /// invalid update, as for [`Db::update`]. From DynamoDB: [`Error::is_version_conflict`] when
    /// the item changed since `before` was read (versioned models), [`Error::is_not_found`] when
    /// it is gone, a false condition.
    pub async fn send(self) -> Result<Saved> {
        match self.update? {
            Some(update) => update.send().await.map(|()| Saved::Updated),
            None => Ok(Saved::Unchanged),
        }
    }

    /// Sends the update, if anything changed, and returns the item as it is after it (with its
    /// new version and `updated_at`); when nothing changed, `after` itself, without a request.
    ///
    /// # Errors
    /// As [`send`](Self::send), plus a decoding error.
    pub async fn send_returning_new(self) -> Result<M> {
        match self.update? {
            Some(update) => update.send_returning_new().await,
            None => M::from_item(self.after),
        }
    }
}

super::into_future!(SaveItem, Saved);
