//! The items a migration set keeps in its table: one state item per migration that has started
//! (status, run id, times, backfill checkpoints), and their keys — shared with the lease item of
//! `lease`. Every read is a consistent GetItem and every write goes through the write core
//! ([`Prepared`]), so keys, sizes and expressions are checked as for any model's write.
//!
//! Layout, with `<key>` the text `MIGRATION#<set>#<name>` written to the partition key and, when
//! the table has one, the sort key as well (both must be strings):
//!
//! | attribute | value |
//! |---|---|
//! | `status` | `running` (started, not finished: a rerun resumes it) or `applied` |
//! | `run` | the id of this application; items a backfill wrote carry it (see `backfill`) |
//! | `started_at`, `applied_at` | epoch milliseconds |
//! | `checkpoints` | a map: backfill name → `{total, segments}`, one entry per scan segment: `""` not started, a cursor, or `true` when done |
//! | the entity attribute | [`MIGRATION_ENTITY`], when the model the set was built from declares one |
//!
//! Rolling a migration back deletes its state item: it is pending again.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use futures_util::future::BoxFuture;

use crate::error::{Error, Result};
use crate::expression::{attr, Condition, Path, Placeholders, Untyped, Update};
use crate::key::Key;
use crate::limits::{MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES};
use crate::model::{Model, ModelMeta, ScalarType};
use crate::operation::{Prepared, WriteOp};
use crate::value::Item;
use crate::Db;

/// The entity attribute value of migration state and lease items, for a table whose models
/// declare `entity`: queries, scans and stream consumers of those models skip them.
pub const MIGRATION_ENTITY: &str = "ferrodyn:migration";

/// Where a migration set lives: the table (through one of its models) and the set's name.
#[derive(Clone)]
pub(crate) struct Table {
    pub(crate) db: Db,
    pub(crate) meta: &'static ModelMeta,
    pub(crate) set: Arc<str>,
    /// A consistent GetItem of a raw key in the table, through the model's own `GetItem`.
    get: fn(Db, Item) -> BoxFuture<'static, Result<Option<Item>>>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("model", &self.meta.type_name)
            .field("set", &self.set)
            .finish_non_exhaustive()
    }
}

fn get_item<M: Model>(db: Db, key: Item) -> BoxFuture<'static, Result<Option<Item>>> {
    Box::pin(async move {
        db.get(Key::<M>::from_attributes(key)).consistent_read(true).send_item().await
    })
}

/// Milliseconds since the epoch.
pub(crate) fn now_millis() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

pub(crate) fn number(n: u64) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

/// Where one segment of a backfill's scan has got to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SegmentCheckpoint {
    /// Not read yet.
    Start,
    /// Read up to the page that returned this cursor.
    After(String),
    /// Read to the end.
    Done,
}

impl SegmentCheckpoint {
    fn to_value(&self) -> AttributeValue {
        match self {
            SegmentCheckpoint::Start => AttributeValue::S(String::new()),
            SegmentCheckpoint::After(cursor) => AttributeValue::S(cursor.clone()),
            SegmentCheckpoint::Done => AttributeValue::Bool(true),
        }
    }

    fn from_value(value: &AttributeValue) -> Option<Self> {
        match value {
            AttributeValue::S(s) if s.is_empty() => Some(SegmentCheckpoint::Start),
            AttributeValue::S(s) => Some(SegmentCheckpoint::After(s.clone())),
            AttributeValue::Bool(true) => Some(SegmentCheckpoint::Done),
            _ => None,
        }
    }
}

/// The `status` attribute of a state item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Running,
    Applied,
    RollingBack,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Applied => "applied",
            Status::RollingBack => "rolling_back",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Status::Running, Status::Applied, Status::RollingBack]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A migration's state as stored.
#[derive(Debug, Clone)]
pub(crate) struct State {
    pub(crate) status: Status,
    pub(crate) run: String,
}

impl Table {
    pub(crate) fn new<M: Model>(db: &Db, set: &str) -> Self {
        Table { db: db.clone(), meta: M::META, set: set.into(), get: get_item::<M> }
    }

    /// Checks that the table's keys can hold state items and that the set's name is valid.
    pub(crate) fn check(&self) -> Result<()> {
        if self.meta.key_attributes().any(|k| k.scalar != ScalarType::S) {
            return Err(self.error(
                None,
                Error::validation(
                    "migrations need a table whose key attributes are strings: their state is \
                     kept in items keyed `MIGRATION#<set>#<name>`",
                ),
            ));
        }
        // The marker attribute `ferrodyn:migration:<set>` stays well under the name limits.
        if self.set.len() > 200 {
            return Err(
                self.error(None, Error::validation("a migration set name must be 1 to 200 bytes"))
            );
        }
        check_name("set", &self.set).map_err(|e| self.error(None, e))
    }

    /// Adds the operation, the table's model and the set (and migration) to an error.
    pub(crate) fn error(&self, migration: Option<&str>, e: Error) -> Error {
        let key = match migration {
            Some(name) => format!("migration `{name}` of set `{}`", self.set),
            None => format!("migration set `{}`", self.set),
        };
        e.context("Migrate", self.meta.type_name, Some(key))
    }

    /// The key of the item `MIGRATION#<set>#<suffix>`, checked against the key length limits.
    pub(crate) fn key(&self, suffix: &str) -> Result<Item> {
        let text = format!("MIGRATION#{}#{suffix}", self.set);
        let max =
            if self.meta.sort_key.is_some() { MAX_SORT_KEY_BYTES } else { MAX_PARTITION_KEY_BYTES };
        if text.len() > max {
            return Err(Error::validation(format!(
                "the key `MIGRATION#<set>#<name>` is {} bytes, over DynamoDB's {max}-byte key limit",
                text.len()
            )));
        }
        let mut key = Item::new();
        if let Some(sk) = &self.meta.sort_key {
            key.insert(sk.attribute.to_owned(), AttributeValue::S(text.clone()));
        }
        key.insert(self.meta.partition_key.attribute.to_owned(), AttributeValue::S(text));
        Ok(key)
    }

    /// A write of `op` on the item at `suffix`: the whole item for a put (the key and the entity
    /// attribute are added to `attributes`), the key otherwise.
    pub(crate) fn prepared(
        &self,
        op: WriteOp,
        suffix: &str,
        attributes: Item,
        update: Option<Update>,
        condition: Option<Condition>,
    ) -> Result<Prepared> {
        let mut item = self.key(suffix)?;
        if op == WriteOp::Put {
            item.extend(attributes);
            if let Some(entity) = &self.meta.entity {
                item.insert(
                    entity.attribute.to_owned(),
                    AttributeValue::S(MIGRATION_ENTITY.into()),
                );
            }
            crate::validate::check_item(&item).map_err(|e| self.error(None, e))?;
        }
        let mut p = Prepared::new(&self.db, op, self.meta, item);
        p.key_text = format!("MIGRATION#{}#{suffix}", self.set);
        let mut placeholders = Placeholders::default();
        let update = update.map(|u| u.render(&mut placeholders));
        p.finish(update, [condition], placeholders)
    }

    /// A consistent read of the item at `suffix`.
    pub(crate) async fn get(&self, suffix: &str) -> Result<Option<Item>> {
        (self.get)(self.db.clone(), self.key(suffix)?).await
    }

    /// The stored state of migration `name`, if it has started.
    pub(crate) async fn state(&self, name: &str) -> Result<Option<State>> {
        let Some(item) = self.get(name).await? else { return Ok(None) };
        let text = |a: &str| item.get(a).and_then(|v| v.as_s().ok()).cloned();
        let status = text("status").as_deref().and_then(Status::parse);
        let (Some(status), Some(run)) = (status, text("run")) else {
            let e = Error::invalid_value("a migration state item without a valid status or run");
            return Err(self.error(Some(name), e));
        };
        Ok(Some(State { status, run }))
    }

    /// Records that `name` starts running or rolling back (`status`) now with run id `run` (a
    /// new run, or the one resumed), with an empty map of checkpoints unless it has one.
    pub(crate) async fn begin(&self, name: &str, run: &str, status: Status) -> Result<()> {
        let mut update = Update::new();
        if let Some(entity) = &self.meta.entity {
            update = update.set(attr(entity.attribute), MIGRATION_ENTITY);
        }
        let update = update
            .set(attr("status"), status.as_str())
            .set(attr("run"), run)
            .set_if_not_exists(attr("started_at"), number(now_millis()))
            .set_if_not_exists(attr("checkpoints"), AttributeValue::M(HashMap::new()));
        let p = self.prepared(WriteOp::Update, name, Item::new(), Some(update), None)?;
        p.send(&self.db, false).await.map(drop)
    }

    /// Records that `name` is applied, dropping its checkpoints.
    pub(crate) async fn applied(&self, name: &str) -> Result<()> {
        let update = Update::new()
            .set(attr("status"), Status::Applied.as_str())
            .set(attr("applied_at"), number(now_millis()))
            .remove(attr("checkpoints"));
        let p = self.prepared(WriteOp::Update, name, Item::new(), Some(update), None)?;
        p.send(&self.db, false).await.map(drop)
    }

    /// Deletes the state of `name`: it is pending again.
    pub(crate) async fn forget(&self, name: &str) -> Result<()> {
        let p = self.prepared(WriteOp::Delete, name, Item::new(), None, None)?;
        p.send(&self.db, false).await.map(drop)
    }

    /// The checkpoint of backfill `backfill` of migration `name`, created with `total` segments
    /// not started when there is none. A stored one with another number of segments is refused:
    /// its cursors belong to other segments.
    pub(crate) async fn checkpoint(
        &self,
        name: &str,
        backfill: &str,
        total: u32,
    ) -> Result<Vec<SegmentCheckpoint>> {
        let start: Vec<AttributeValue> =
            (0..total).map(|_| SegmentCheckpoint::Start.to_value()).collect();
        let fresh = AttributeValue::M(HashMap::from([
            ("total".to_owned(), number(u64::from(total))),
            ("segments".to_owned(), AttributeValue::L(start)),
        ]));
        let path = attr("checkpoints").field::<Untyped>(backfill.to_owned());
        let update = Update::new().set_if_not_exists(&path, fresh);
        let exists = Path::<()>::new(self.meta.partition_key.attribute).exists();
        let p = self.prepared(WriteOp::Update, name, Item::new(), Some(update), Some(exists))?;
        let stored = p.send(&self.db, true).await?.unwrap_or_default();
        let entry = stored
            .get("checkpoints")
            .and_then(|c| c.as_m().ok())
            .and_then(|c| c.get(backfill))
            .and_then(|e| e.as_m().ok());
        let invalid =
            || Error::invalid_value(format!("a malformed checkpoint of backfill `{backfill}`"));
        let entry = entry.ok_or_else(invalid)?;
        let stored_total =
            entry.get("total").and_then(|t| t.as_n().ok()).and_then(|t| t.parse().ok());
        if stored_total != Some(total) {
            return Err(Error::validation(format!(
                "backfill `{backfill}` was started with {} segments, not {total}: resume it with the same number",
                stored_total.map_or_else(|| "another number of".to_owned(), |t: u32| t.to_string())
            )));
        }
        let segments = entry.get("segments").and_then(|s| s.as_l().ok()).ok_or_else(invalid)?;
        segments.iter().map(|s| SegmentCheckpoint::from_value(s).ok_or_else(invalid)).collect()
    }

    /// Stores where segment `segment` of backfill `backfill` has got to.
    pub(crate) async fn save_checkpoint(
        &self,
        name: &str,
        backfill: &str,
        segment: usize,
        at: &SegmentCheckpoint,
    ) -> Result<()> {
        let path = attr("checkpoints")
            .field::<Untyped>(backfill.to_owned())
            .field::<Untyped>("segments")
            .index::<Untyped>(segment);
        let update = Update::new().set(&path, at.to_value());
        let p = self.prepared(WriteOp::Update, name, Item::new(), Some(update), None)?;
        p.send(&self.db, false).await.map(drop)
    }
}

/// Checks a set, migration or backfill name: 1 to 255 bytes, no `#` (the key separator), not
/// `LEASE` (the lease item's key).
pub(crate) fn check_name(what: &str, name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 255 || name.contains('#') || name == "LEASE" {
        return Err(Error::validation(format!(
            "a migration {what} name must be 1 to 255 bytes without `#`, and not `LEASE`"
        )));
    }
    Ok(())
}
