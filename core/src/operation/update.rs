//! UpdateItem, with index keys kept in step with the fields they are built from.
//!
//! When an update sets a field that an index key template uses (`gsi1pk = "STATUS#{status}"`), the
//! index key attribute is rewritten in the same request, so the index never goes stale. Fields of
//! the primary key cannot be updated (that would be another item).

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::expression::{Action, ActionKind, Condition, Path, Placeholders, Update};
use crate::key::{render_template, Key};
use crate::model::{KeyMeta, Model, ModelMeta};
use crate::{managed, validate, Db};

use super::{Prepared, WriteOp};

/// An UpdateItem request. By default the item must exist: a missing one is an error for which
/// [`Error::is_not_found`] is true.
#[must_use]
pub struct UpdateItem<M> {
    db: Db,
    key: Key<M>,
    update: Update,
    condition: Option<Condition>,
    upsert: bool,
    expect_version: Option<u64>,
}

impl<M: Model> std::fmt::Debug for UpdateItem<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateItem")
            .field("key", &self.key)
            .field("update", &self.update)
            .field("condition", &self.condition)
            .field("upsert", &self.upsert)
            .finish()
    }
}

impl<M: Model> UpdateItem<M> {
    pub(crate) fn new(db: Db, key: Key<M>, update: Update) -> Self {
        UpdateItem { db, key, update, condition: None, upsert: false, expect_version: None }
    }

    super::setters! {
        /// Updates only if `condition` holds.
        condition(condition: Condition) from old => Some(condition.and_after(old));
        /// Updates only if the stored `#[ferrodyn(version)]` is `version` (the one you read);
        /// otherwise the error's [`is_version_conflict`](Error::is_version_conflict) is true.
        /// Every update of a versioned model increments the version, checked or not.
        expect_version(version: u64) => Some(version);
    }

    /// Creates the item when it does not exist (DynamoDB's own UpdateItem behaviour). The new
    /// item holds only the key and the updated attributes.
    pub fn upsert(mut self) -> Self {
        self.upsert = true;
        self
    }

    /// Sends the request.
    ///
    /// # Errors
    /// Invalid updates are rejected before sending; a missing item gives
    /// [`Error::is_not_found`], a false condition [`Error::is_condition_failed`].
    pub async fn send(self) -> Result<()> {
        self.send_inner(false).await.map(drop)
    }

    /// Sends the request and returns the item as it is after the update.
    ///
    /// # Errors
    /// As [`send`](Self::send), plus a decoding error for the new item.
    pub async fn send_returning_new(self) -> Result<M> {
        let (item, context) = self.send_inner(true).await?;
        M::from_item(item.unwrap_or_default()).map_err(|e| context.error(e))
    }

    /// Validates the key and the actions, adds the index key attributes that must follow, and
    /// renders the update and condition.
    pub(crate) fn prepare(self) -> Result<Prepared> {
        let meta = M::META;
        let mut p = Prepared::new(&self.db, WriteOp::Update, meta, self.key.into_attributes());
        let tenant = p.confine(&self.db, meta)?;
        let ctx = |e: Error| p.error(e);
        validate::check_key(meta, &p.item).map_err(ctx)?;
        let mut update = maintain_keys(meta, self.update).map_err(ctx)?;
        if let Some(tenant) = &tenant {
            confine_index_keys(tenant, meta, &mut update).map_err(ctx)?;
        }
        managed::on_update(meta, &mut update).map_err(ctx)?;
        let expected_version = expected_version(meta, self.expect_version).map_err(ctx)?;
        for (path, value) in update.values() {
            let depth = 1 + path.rest.len();
            validate::check_value(value, depth).map_err(|e| ctx(e.at(&path.to_string())))?;
        }
        let mut placeholders = Placeholders::default();
        let expression = update.render(&mut placeholders);
        validate::check_expression("update", &expression, &placeholders.names).map_err(ctx)?;

        let guards = [
            (!self.upsert).then(|| Path::<()>::new(meta.partition_key.attribute).exists()),
            expected_version.map(|v| v.condition(meta)),
            self.condition,
        ];
        p.must_exist = !self.upsert;
        p.expected_version = expected_version;
        p.finish(Some(expression), guards, placeholders)
    }

    /// The update's actions, as given.
    pub(crate) fn update_actions(&self) -> &Update {
        &self.update
    }

    /// Sends the update; returns the item after it when asked for, and the prepared write for
    /// the context of later errors.
    async fn send_inner(self, return_new: bool) -> Result<(Option<crate::Item>, Prepared)> {
        let db = self.db.clone();
        let unique = super::unique::touches(M::META, &self.update)
            .then(|| super::unique::Change::update(M::META, &self.update));
        let p = self.prepare()?;
        let context = p.clone();
        let Some(change) = unique else { return Ok((p.send(&db, return_new).await?, context)) };
        // A unique field moves its guard item: read, then one transaction (see `unique`).
        let change = change.map_err(|e| p.error(e))?;
        let key = Key::<M>::from_attributes(p.item.clone());
        super::unique::write(&db, M::META, p, change).await?;
        if !return_new {
            return Ok((None, context));
        }
        Ok((db.get(key).consistent_read(true).send_item().await?, context))
    }
}

super::into_future!(UpdateItem, ());

/// The version check asked for with `expect_version`, if the model has a version field.
pub(crate) fn expected_version(
    meta: &ModelMeta,
    version: Option<u64>,
) -> Result<Option<crate::managed::ExpectedVersion>> {
    let Some(version) = version else { return Ok(None) };
    match meta.managed.version {
        Some(attribute) => Ok(Some(crate::managed::ExpectedVersion { attribute, version })),
        None => Err(Error::validation("`expect_version` needs a `#[ferrodyn(version)]` field")),
    }
}

/// Rejects updates of primary key fields and key attributes, and adds the index key attributes
/// that must change with the fields they are built from.
fn maintain_keys(meta: &ModelMeta, mut update: Update) -> Result<Update> {
    if update.is_empty() {
        return Err(Error::validation("an update needs at least one action"));
    }
    let mut seen = HashSet::new();
    for action in &update.actions {
        if !seen.insert(action.path.to_string()) {
            return Err(
                Error::validation("two actions on one attribute").at(&action.path.to_string())
            );
        }
    }
    let top_level = |name: &str| -> Vec<&ActionKind> {
        update.actions.iter().filter(|a| a.path.root() == name).map(|a| &a.kind).collect()
    };
    for key in meta.key_attributes() {
        for field in key.fields().chain([key.attribute]) {
            if !top_level(field).is_empty() {
                return Err(Error::validation(format!(
                    "cannot update a field of the primary key (`{}`)",
                    key.attribute
                ))
                .at(field));
            }
        }
    }
    if let Some(entity) = &meta.entity {
        if !top_level(entity.attribute).is_empty() {
            return Err(Error::validation("cannot update the entity type").at(entity.attribute));
        }
    }
    let sets: HashMap<&str, &AttributeValue> = update
        .actions
        .iter()
        .filter(|a| a.path.is_top_level())
        .filter_map(|a| match &a.kind {
            ActionKind::Set(v) => Some((a.path.root(), v)),
            _ => None,
        })
        .collect();
    let mut extra = Vec::new();
    for index in meta.indexes {
        for key in std::iter::once(&index.partition_key).chain(&index.sort_key) {
            if key.is_direct() {
                continue;
            }
            if !top_level(key.attribute).is_empty() {
                return Err(Error::validation(format!(
                    "index key attribute of `{}` is derived from fields; update those instead",
                    index.name
                ))
                .at(key.attribute));
            }
            let touched: Vec<&str> = key.fields().filter(|f| !top_level(f).is_empty()).collect();
            let Some(first) = touched.first() else { continue };
            let removes = touched.iter().any(|f| {
                update.actions.iter().any(|a| {
                    a.path.root() == *f
                        && a.path.is_top_level()
                        && matches!(a.kind, ActionKind::Remove)
                })
            });
            if removes {
                extra.push(Action { path: Path::new(key.attribute), kind: ActionKind::Remove });
                continue;
            }
            extra.push(render_index_key(index.name, key, first, &sets)?);
        }
    }
    update.actions.extend(extra);
    Ok(update)
}

/// Gives the index partition keys an update rewrites the tenant's prefix (`maintain_keys` is the
/// only source of actions on them: SETs of key attributes by hand are refused).
fn confine_index_keys(
    tenant: &crate::tenant::Active,
    meta: &ModelMeta,
    update: &mut Update,
) -> Result<()> {
    for action in &mut update.actions {
        if !action.path.is_top_level()
            || !crate::tenant::is_partition_attribute(meta, action.path.root())
        {
            continue;
        }
        if let ActionKind::Set(value) | ActionKind::SetIfNotExists(value) = &mut action.kind {
            tenant.render(action.path.root(), value)?;
        }
    }
    Ok(())
}

fn render_index_key(
    index: &str,
    key: &KeyMeta,
    touched: &str,
    sets: &HashMap<&str, &AttributeValue>,
) -> Result<Action> {
    if let Some(missing) = key.fields().find(|f| !sets.contains_key(f)) {
        return Err(Error::validation(format!(
            "updating `{touched}` changes index `{index}`'s key `{}`, which is also built from \
             `{missing}`: SET `{missing}` in the same update",
            key.attribute
        )));
    }
    let kind = match render_template(key, |f| sets.get(f).copied())? {
        Some(value) => ActionKind::Set(value),
        None => ActionKind::Remove,
    };
    Ok(Action { path: Path::new(key.attribute), kind })
}
