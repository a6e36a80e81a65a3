//! PutItem, for `put` (overwrite) and `create` (insert only).

use std::marker::PhantomData;

use crate::error::Result;
use crate::expression::{Condition, Path, Placeholders};
use crate::key::describe_key;
use crate::model::Model;
use crate::value::Item;
use crate::{managed, validate, validator, Db};

use super::{Prepared, WriteOp};

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
    /// The put of `value`, once its validators accept it (a refusal is reported when sent).
    pub(crate) fn new(db: Db, value: &M, create: bool) -> Self {
        let item = validator::check(WriteOp::Put.operation(), value).and_then(|()| value.to_item());
        PutItem { db, item, create, condition: None, model: PhantomData }
    }

    /// Makes the put a create (the item must not exist), for `Transaction::create`.
    pub(crate) fn into_create(mut self) -> Self {
        self.create = true;
        self
    }

    super::setters! {
        /// Writes only if `condition` holds (combined with `create`'s own condition by AND).
        condition(condition: Condition) from old => Some(condition.and_after(old));
    }

    /// Sends the request.
    ///
    /// # Errors
    /// Values the model's validators refuse ([`Model::validate`]) and invalid items (key, size,
    /// numbers, sets, nesting) are rejected before sending; `create` on an existing item and a
    /// false condition give [`Error::is_condition_failed`](crate::Error::is_condition_failed).
    pub async fn send(self) -> Result<()> {
        let (db, create) = (self.db.clone(), self.create);
        dispatch::<M>(&db, self.prepare()?, create, false).await.map(drop)
    }

    /// Sends the request and returns the model as written: with its generated id, version and
    /// timestamps filled in.
    ///
    /// # Errors
    /// As [`send`](Self::send), plus a decoding error for the written item.
    pub async fn send_returning_new(self) -> Result<M> {
        let (db, create) = (self.db.clone(), self.create);
        let p = self.prepare()?;
        let (written, context) = (p.item.clone(), p.clone());
        dispatch::<M>(&db, p, create, false).await?;
        M::from_item(written).map_err(|e| context.error(e))
    }

    /// Sends the request and returns the item it replaced, if any.
    ///
    /// # Errors
    /// As [`send`](Self::send), plus a decoding error for the old item.
    pub async fn send_returning_old(self) -> Result<Option<M>> {
        let (db, create) = (self.db.clone(), self.create);
        let p = self.prepare()?;
        let context = p.clone();
        let old = dispatch::<M>(&db, p, create, true).await?;
        old.map(M::from_item).transpose().map_err(|e| context.error(e))
    }

    /// Validates the item and renders the condition.
    pub(crate) fn prepare(self) -> Result<Prepared> {
        let meta = M::META;
        let item =
            self.item.map_err(|e| e.context(WriteOp::Put.operation(), meta.type_name, None))?;
        let mut p = Prepared::new(&self.db, WriteOp::Put, meta, item);
        let expected_version = managed::on_put(meta, &mut p.item, self.create);
        // A generated id is part of the key.
        p.key_text = describe_key(meta, &p.item);
        let expected_version = expected_version.map_err(|e| p.error(e))?;
        validate::check_key(meta, &p.item)
            .and_then(|()| validate::check_index_keys(meta, &p.item))
            .and_then(|()| validate::check_item(&p.item).map(drop))
            .map_err(|e| p.error(e))?;
        let guard = match (self.create, expected_version) {
            (true, _) => Some(Path::<()>::new(meta.partition_key.attribute).not_exists()),
            (false, Some(expected)) => Some(expected.condition(meta)),
            (false, None) => None,
        };
        // A create's own condition already says "does not exist".
        p.expected_version = expected_version.filter(|_| !self.create);
        p.finish(None, [guard, self.condition], Placeholders::default())
    }
}

/// Sends a single PutItem, or for a model with unique fields the transaction that also writes
/// its guard items (see `unique`). Returns the item replaced, when asked for.
async fn dispatch<M: Model>(
    db: &Db,
    p: Prepared,
    create: bool,
    return_old: bool,
) -> Result<Option<Item>> {
    if !super::unique::has_unique(M::META) {
        return p.send(db, return_old).await;
    }
    if create {
        super::unique::create(db, M::META, p).await?;
        return Ok(None);
    }
    super::unique::write(db, M::META, p, super::unique::Change::Put).await
}

super::into_future!(PutItem, ());
