//! Unique constraints (`#[ferrodyn(unique = "email")]`): guard items that hold each unique value,
//! written, moved and removed in the same TransactWriteItems as the item they belong to, and
//! [`Db::find_by_unique`], which looks an item up through its guard.
//!
//! A guard lives in the model's own table. Its partition key (and sort key, when the table has one)
//! is `UNIQUE#<entity or type name>#<attribute>#<value>`, and its `owner` attribute is a map of the
//! owner's primary key. Values are the attribute's S or N text compared exactly: `a@x.com` and
//! `A@x.com` are two values (normalise them yourself). A guard of a model that declares `entity`
//! carries that entity attribute with the reserved value [`GUARD_ENTITY`], so queries, scans and
//! stream consumers of the model skip it (an item without the attribute would be read as the
//! model); a model without `entity` reads them in a scan of its table (give such models an
//! `entity`).
//!
//! `create` is one transaction (the item's put and a put per guard, each `attribute_not_exists`).
//! `put`, `delete` and updates that SET or REMOVE a unique attribute first read the item (a
//! consistent GetItem), then send one transaction whose item action also requires the unique
//! attributes to still hold the values read, with the guards of changed values deleted (only if
//! this item owns them) and new ones put. When another writer changes the item between the read
//! and the transaction, its conditions fail and the read and transaction are tried again, up to
//! [`MAX_UNIQUE_ATTEMPTS`] transactions. Batch writes and user transactions cannot do this, and refuse
//! writes that would leave guards behind.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::capacity::Usage;
use crate::error::{Error, ErrorKind, Result};
use crate::expression::{
    attr, Accepts, ActionKind, AttributeType, Condition, IntoPath, Path, Placeholders, Update,
};
use crate::key::{describe_key, Key};
use crate::limits::{MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES};
use crate::model::{Model, ModelMeta, ScalarType};
use crate::value::{Item, ToAttributeValue};
use crate::{validate, Db};

use super::{Prepared, WriteOp};

/// How many transactions a put, update or delete of a model with unique fields sends before it
/// gives up because other writers keep changing the item between its read and its transaction.
pub const MAX_UNIQUE_ATTEMPTS: usize = 3;

/// The entity value of guard items: no model's (entity types are Rust-like names), so every
/// reader of a model's entity type passes over guards.
pub const GUARD_ENTITY: &str = "ferrodyn:unique-guard";

/// The guard attribute holding the owner's primary key (a map).
pub const UNIQUE_OWNER_ATTRIBUTE: &str = "owner";

/// Whether the model declares unique fields.
pub(crate) fn has_unique(meta: &ModelMeta) -> bool {
    !meta.managed.unique.is_empty()
}

/// The error for a write of a model with unique fields where guards cannot be kept in step.
pub(crate) fn refuse(meta: &ModelMeta, operation: &'static str, key: &Item, place: &str) -> Error {
    let fields: Vec<&str> = meta.managed.unique.iter().map(|a| field_name(meta, a)).collect();
    Error::validation(format!(
        "{} has unique fields ({}) whose guard items cannot be kept in step {place}; write it \
         with db.create, db.put, db.update or db.delete",
        meta.type_name,
        fields.join(", ")
    ))
    .context(operation, meta.type_name, Some(describe_key(meta, key)))
}

/// Whether `update` SETs or REMOVEs (or otherwise touches) a unique attribute.
pub(crate) fn touches(meta: &ModelMeta, update: &Update) -> bool {
    update.actions.iter().any(|a| meta.managed.unique.contains(&a.path.root()))
}

/// The Rust field name of `attribute`, for messages.
fn field_name(meta: &ModelMeta, attribute: &'static str) -> &'static str {
    meta.fields.iter().find(|f| f.attribute == attribute).map_or(attribute, |f| f.name)
}

/// The text of a unique value: `None` when absent or NULL (no guard).
fn value_text<'a>(attribute: &str, value: Option<&'a AttributeValue>) -> Result<Option<&'a str>> {
    match value {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(AttributeValue::S(s)) => Ok(Some(s)),
        Some(AttributeValue::N(n)) => Ok(Some(n)),
        Some(other) => Err(Error::validation(format!(
            "a unique field must hold a string or a number, not {}",
            crate::value::type_name(other)
        ))
        .at(attribute)),
    }
}

/// The unique attributes of an item as stored: whether it exists, and each attribute's value in
/// the order of `ManagedFields::unique` (NULL kept, so that a condition can require it again).
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    exists: bool,
    values: Vec<Option<AttributeValue>>,
}

impl Snapshot {
    fn of(meta: &ModelMeta, item: Option<&Item>) -> Result<Snapshot> {
        let mut values = Vec::with_capacity(meta.managed.unique.len());
        for attribute in meta.managed.unique {
            let value = item.and_then(|i| i.get(*attribute));
            value_text(attribute, value)?;
            values.push(value.cloned());
        }
        Ok(Snapshot { exists: item.is_some(), values })
    }

    /// The condition that the stored item is still as read: it exists or not, and each unique
    /// attribute holds the same value.
    fn unchanged(&self, meta: &ModelMeta) -> Condition {
        let key = Path::<()>::new(meta.partition_key.attribute);
        if !self.exists {
            return key.not_exists();
        }
        let mut condition = key.exists();
        for (attribute, value) in meta.managed.unique.iter().zip(&self.values) {
            let path = attr(*attribute);
            condition = condition.and(match value {
                None => path.not_exists(),
                Some(AttributeValue::Null(_)) => path.is_type(AttributeType::Null),
                Some(value) => path.eq(value.clone()),
            });
        }
        condition
    }
}

/// Errors if the table's key attributes cannot hold `UNIQUE#...` strings.
fn check_string_keys(meta: &ModelMeta) -> Result<()> {
    if meta.key_attributes().any(|k| k.scalar != ScalarType::S) {
        return Err(Error::validation(
            "unique fields need a table whose key attributes are strings: guard items are keyed \
             `UNIQUE#<model>#<attribute>#<value>`",
        ));
    }
    Ok(())
}

/// The primary key of a guard, checked against the key length limits (the value is part of it).
fn guard_key(meta: &ModelMeta, attribute: &'static str, value: &str) -> Result<Item> {
    let prefix = meta.entity.as_ref().map_or(meta.type_name, |e| e.value);
    let text = format!("UNIQUE#{prefix}#{attribute}#{value}");
    let max = if meta.sort_key.is_some() { MAX_SORT_KEY_BYTES } else { MAX_PARTITION_KEY_BYTES };
    if text.len() > max {
        return Err(Error::validation(format!(
            "the value of unique field `{}` makes a guard key of {} bytes, over DynamoDB's \
             {max}-byte key limit",
            field_name(meta, attribute),
            text.len()
        )));
    }
    let mut key = Item::new();
    if let Some(sk) = &meta.sort_key {
        key.insert(sk.attribute.to_owned(), AttributeValue::S(text.clone()));
    }
    key.insert(meta.partition_key.attribute.to_owned(), AttributeValue::S(text));
    Ok(key)
}

/// What the guard actions of one item share.
struct Owner<'a> {
    db: &'a Db,
    meta: &'static ModelMeta,
    /// The owner's primary key.
    key: Item,
    key_text: String,
}

impl Owner<'_> {
    fn prepared(
        &self,
        op: WriteOp,
        attribute: &'static str,
        item: Item,
        condition: Condition,
    ) -> Result<Prepared> {
        let mut p = Prepared::new(self.db, op, self.meta, item);
        // The guard's own key holds the value: name it by the owner instead.
        p.key_text = format!("unique `{}` of {}", field_name(self.meta, attribute), self.key_text);
        // A tenant's guards live in its own partitions: two tenants may hold the same value.
        p.confine(self.db, self.meta)?;
        validate::check_key(self.meta, &p.item).map_err(|e| p.error(e))?;
        p.finish(None, [Some(condition)], Placeholders::default())
    }

    /// A put of the guard of `value`, refused if another item holds it.
    fn put_guard(&self, attribute: &'static str, value: &str) -> Result<Prepared> {
        let mut item = guard_key(self.meta, attribute, value)?;
        item.insert(UNIQUE_OWNER_ATTRIBUTE.to_owned(), AttributeValue::M(self.key.clone()));
        if let Some(entity) = &self.meta.entity {
            item.insert(entity.attribute.to_owned(), AttributeValue::S(GUARD_ENTITY.to_owned()));
        }
        let condition = Path::<()>::new(self.meta.partition_key.attribute).not_exists();
        self.prepared(WriteOp::Put, attribute, item, condition)
    }

    /// A delete of the guard of `value`, only if this item owns it (or it is already gone, as for
    /// items written before the constraint existed).
    fn delete_guard(&self, attribute: &'static str, value: &str) -> Result<Prepared> {
        let key = guard_key(self.meta, attribute, value)?;
        let condition = Path::<()>::new(self.meta.partition_key.attribute)
            .not_exists()
            .or(attr(UNIQUE_OWNER_ATTRIBUTE).eq(AttributeValue::M(self.key.clone())));
        self.prepared(WriteOp::Delete, attribute, key, condition)
    }
}

/// The primary key attributes of an item.
fn key_of(meta: &ModelMeta, item: &Item) -> Item {
    meta.key_attributes()
        .filter_map(|k| item.get(k.attribute).map(|v| (k.attribute.to_owned(), v.clone())))
        .collect()
}

/// A consistent read of the item a prepared write is about.
async fn read(db: &Db, p: &Prepared, key: &Item) -> Result<Option<Item>> {
    let output = db
        .client()
        .get_item()
        .set_return_consumed_capacity(db.return_consumed_capacity())
        .table_name(&p.table)
        .set_key(Some(key.clone()))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| p.error(Error::from_sdk(e)))?;
    db.record_capacity(Usage::Read, output.consumed_capacity());
    Ok(output.item.filter(|item| !item.is_empty()))
}

/// How one transaction ended.
enum Outcome {
    Done,
    /// The item's own action failed its condition: its condition, its version, its existence, or
    /// a unique attribute changed since the read.
    ItemFailed(Error),
    /// Guards of these attributes are held by other items.
    Taken(Vec<&'static str>, Error),
    /// A guard this item should own belongs to another item.
    ForeignGuard(&'static str, Error),
    Failed(Error),
}

/// Sends the item's action and the guard changes from `old` to `new` values in one transaction.
async fn transact(
    owner: &Owner<'_>,
    main: Prepared,
    old: &[Option<AttributeValue>],
    new: &[Option<AttributeValue>],
) -> Result<Outcome> {
    let meta = owner.meta;
    let mut tx = owner.db.transaction().push_prepared(meta, main);
    // (transaction action index, attribute, whether the action puts the guard)
    let mut guards = Vec::new();
    for (i, attribute) in meta.managed.unique.iter().enumerate() {
        let old = value_text(attribute, old.get(i).and_then(Option::as_ref))?;
        let new = value_text(attribute, new.get(i).and_then(Option::as_ref))?;
        if old == new {
            continue;
        }
        if let Some(old) = old {
            guards.push((tx.len(), *attribute, false));
            tx = tx.push_prepared(meta, owner.delete_guard(attribute, old)?);
        }
        if let Some(new) = new {
            guards.push((tx.len(), *attribute, true));
            tx = tx.push_prepared(meta, owner.put_guard(attribute, new)?);
        }
    }
    let error = match tx.send().await {
        Ok(()) => return Ok(Outcome::Done),
        Err(error) => error,
    };
    let Some(reasons) = error.cancellation_reasons() else { return Ok(Outcome::Failed(error)) };
    let failed = |index: usize| {
        reasons.get(index).and_then(|r| r.kind()).is_some_and(|kind| {
            matches!(
                kind,
                ErrorKind::ConditionFailed | ErrorKind::VersionConflict | ErrorKind::NotFound
            )
        })
    };
    if failed(0) {
        return Ok(Outcome::ItemFailed(error));
    }
    let taken: Vec<&'static str> =
        guards.iter().filter(|(i, _, put)| *put && failed(*i)).map(|(_, a, _)| *a).collect();
    if !taken.is_empty() {
        return Ok(Outcome::Taken(taken, error));
    }
    if let Some((_, attribute, _)) = guards.iter().find(|(i, _, put)| !put && failed(*i)) {
        return Ok(Outcome::ForeignGuard(attribute, error));
    }
    Ok(Outcome::Failed(error))
}

fn taken_error(
    p: &Prepared,
    meta: &ModelMeta,
    attributes: &[&'static str],
    source: Error,
) -> Error {
    let fields: Vec<&str> = attributes.iter().map(|a| field_name(meta, a)).collect();
    let verb = if fields.len() == 1 { "is" } else { "are" };
    let message = format!("{} {verb} already taken", fields.join(" and "));
    p.error(Error::new(ErrorKind::UniqueViolation, message).with_source(source))
}

/// The single-item error for a failed item action, told apart with the item as now stored.
fn item_error(p: &Prepared, stored: Option<&Item>, message: &str, source: Error) -> Error {
    p.condition_failed(stored, Error::new(ErrorKind::ConditionFailed, message).with_source(source))
}

/// `create` of a model with unique fields: the put and a put per guard, in one transaction.
pub(crate) async fn create(db: &Db, meta: &'static ModelMeta, p: Prepared) -> Result<()> {
    check_string_keys(meta).map_err(|e| p.error(e))?;
    let owner = Owner { db, meta, key: key_of(meta, &p.item), key_text: p.key_text.clone() };
    let new = Snapshot::of(meta, Some(&p.item)).map_err(|e| p.error(e))?;
    let none = vec![None; new.values.len()];
    let context = p.clone();
    match transact(&owner, p, &none, &new.values).await.map_err(|e| context.error(e))? {
        Outcome::Done => Ok(()),
        Outcome::ItemFailed(e) => {
            let message = "the item already exists (or the condition was false)";
            Err(item_error(&context, None, message, e))
        }
        Outcome::Taken(attributes, e) => Err(taken_error(&context, meta, &attributes, e)),
        Outcome::ForeignGuard(_, e) | Outcome::Failed(e) => Err(context.error(e)),
    }
}

/// What a write does to the unique attributes, given the item as read.
pub(crate) enum Change {
    /// A put: the new item's values.
    Put,
    /// An update's SET/REMOVE actions on unique attributes, by position in `unique`.
    Update(Vec<(usize, ActionKind)>),
    /// A delete: every guard goes.
    Delete,
}

impl Change {
    /// The update's actions on unique attributes; other kinds of action than SET, SET
    /// if_not_exists and REMOVE are refused (a unique value is a string or a number set whole).
    pub(crate) fn update(meta: &ModelMeta, update: &Update) -> Result<Change> {
        let mut changes = Vec::new();
        for action in &update.actions {
            let Some(position) = meta.managed.unique.iter().position(|a| *a == action.path.root())
            else {
                continue;
            };
            let attribute = meta.managed.unique[position];
            let ok = action.path.is_top_level()
                && matches!(
                    action.kind,
                    ActionKind::Set(_) | ActionKind::SetIfNotExists(_) | ActionKind::Remove
                );
            if !ok {
                return Err(Error::validation(
                    "a unique field can only be SET or REMOVEd as a whole",
                )
                .at(attribute));
            }
            if let ActionKind::Set(v) | ActionKind::SetIfNotExists(v) = &action.kind {
                value_text(attribute, Some(v))?;
            }
            changes.push((position, action.kind.clone()));
        }
        Ok(Change::Update(changes))
    }

    /// Checks the guard keys of the new values known before the read (a put's, an update's SETs)
    /// against the key length limits, so that a value too long is refused before sending.
    fn check(&self, meta: &ModelMeta, p: &Prepared) -> Result<()> {
        let known: Vec<(usize, Option<&AttributeValue>)> = match self {
            Change::Put => {
                let new = meta.managed.unique.iter().map(|a| p.item.get(*a));
                new.enumerate().collect()
            }
            Change::Update(changes) => changes
                .iter()
                .filter_map(|(i, kind)| match kind {
                    ActionKind::Set(v) | ActionKind::SetIfNotExists(v) => Some((*i, Some(v))),
                    _ => None,
                })
                .collect(),
            Change::Delete => Vec::new(),
        };
        for (position, value) in known {
            let attribute = meta.managed.unique[position];
            if let Some(text) = value_text(attribute, value)? {
                guard_key(meta, attribute, text)?;
            }
        }
        Ok(())
    }

    fn new_values(&self, meta: &ModelMeta, p: &Prepared, old: &Snapshot) -> Result<Snapshot> {
        Ok(match self {
            Change::Put => Snapshot::of(meta, Some(&p.item))?,
            Change::Delete => Snapshot { exists: false, values: vec![None; old.values.len()] },
            Change::Update(changes) => {
                let mut values = old.values.clone();
                for (position, kind) in changes {
                    let slot = &mut values[*position];
                    match kind {
                        ActionKind::Set(v) => *slot = Some(v.clone()),
                        ActionKind::SetIfNotExists(v) if slot.is_none() => *slot = Some(v.clone()),
                        ActionKind::Remove => *slot = None,
                        _ => {}
                    }
                }
                Snapshot { exists: true, values }
            }
        })
    }
}

/// `put`, a unique-touching `update`, or `delete` of a model with unique fields: read the item,
/// then one transaction, again while another writer changes the item in between. Returns the
/// item as read before the write that succeeded (`None` when there was none).
pub(crate) async fn write(
    db: &Db,
    meta: &'static ModelMeta,
    p: Prepared,
    change: Change,
) -> Result<Option<Item>> {
    check_string_keys(meta).map_err(|e| p.error(e))?;
    change.check(meta, &p).map_err(|e| p.error(e))?;
    let key = key_of(meta, &p.item);
    let owner = Owner { db, meta, key: key.clone(), key_text: p.key_text.clone() };
    // The snapshot the last failed transaction was built from, and its error.
    let mut failed: Option<(Snapshot, Error)> = None;
    for attempt in 0..=MAX_UNIQUE_ATTEMPTS {
        let current = read(db, &p, &key).await?;
        let old = Snapshot::of(meta, current.as_ref()).map_err(|e| p.error(e))?;
        if let Some((before, error)) = failed.take() {
            // Nothing unique moved: the item's own condition, version or existence failed.
            if before == old {
                return Err(item_error(&p, current.as_ref(), "the condition was false", error));
            }
        }
        if attempt == MAX_UNIQUE_ATTEMPTS {
            break;
        }
        if !old.exists {
            if p.must_exist {
                let error = Error::new(ErrorKind::ConditionFailed, "the item does not exist");
                return Err(p.condition_failed(None, error));
            }
            if matches!(change, Change::Delete) && p.condition.is_none() {
                return Ok(None);
            }
        }
        let new = change.new_values(meta, &p, &old).map_err(|e| p.error(e))?;
        let mut main = p.clone();
        main.and_condition(&old.unchanged(meta), 'g').map_err(|e| p.error(e))?;
        let outcome =
            transact(&owner, main, &old.values, &new.values).await.map_err(|e| p.error(e))?;
        match outcome {
            Outcome::Done => return Ok(current),
            Outcome::ItemFailed(error) => failed = Some((old, error)),
            Outcome::Taken(attributes, error) => {
                return Err(taken_error(&p, meta, &attributes, error))
            }
            Outcome::ForeignGuard(attribute, error) => {
                let message = format!(
                    "the guard item of unique field `{}` belongs to another item; the stored \
                     guards are out of step with the items",
                    field_name(meta, attribute)
                );
                return Err(
                    p.error(Error::new(ErrorKind::ConditionFailed, message).with_source(error))
                );
            }
            Outcome::Failed(error) => return Err(p.error(error)),
        }
    }
    Err(p.error(Error::new(
        ErrorKind::TransactionConflict,
        format!(
            "the item's unique fields changed between its read and its transaction \
             {MAX_UNIQUE_ATTEMPTS} times in a row; try again later"
        ),
    )))
}

impl Db {
    /// Reads the item of model `M` whose unique field at `path` holds `value` (declared with
    /// `#[ferrodyn(unique = "...")]`): the field's guard item, then its owner, both with
    /// consistent reads. `None` when no item holds the value. Values are compared exactly.
    ///
    /// ```no_run
    /// # #[derive(serde::Serialize, serde::Deserialize, ferrodyn::Model)]
    /// # #[ferrodyn(table = "shop", entity = "Customer", pk = "CUSTOMER#{id}", unique = "email")]
    /// # struct Customer { id: String, email: String }
    /// # async fn run(db: ferrodyn::Db) -> ferrodyn::Result<()> {
    /// let found = db.find_by_unique::<Customer, _, _>(Customer::FIELDS.email, "ada@example.com").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Before sending: a path that is not a top-level unique field of `M`, a value that is not a
    /// string or number, a guard key over the key length limit. Then DynamoDB's error, or a
    /// decoding error for the item.
    pub async fn find_by_unique<M, P, V>(&self, path: P, value: V) -> Result<Option<M>>
    where
        M: Model,
        P: IntoPath,
        P::Type: Accepts<V>,
        V: ToAttributeValue,
    {
        const OPERATION: &str = "find_by_unique";
        let meta = M::META;
        let path = path.into_path();
        let ctx = |e: Error| e.context(OPERATION, meta.type_name, None);
        let attribute = meta
            .managed
            .unique
            .iter()
            .copied()
            .find(|a| path.is_top_level() && *a == path.root())
            .ok_or_else(|| {
                ctx(Error::validation(format!(
                    "`{path}` is not declared unique on the model (`#[ferrodyn(unique = \"...\")]`)"
                )))
            })?;
        check_string_keys(meta).map_err(ctx)?;
        let value = value.to_attribute_value();
        let Some(text) = value_text(attribute, Some(&value)).map_err(ctx)? else {
            return Ok(None);
        };
        let mut guard = guard_key(meta, attribute, text).map_err(ctx)?;
        crate::tenant::apply(self, meta, &mut guard)
            .and_then(|_| crate::validate::check_key(meta, &guard))
            .map_err(ctx)?;
        let output = self
            .client()
            .get_item()
            .set_return_consumed_capacity(self.return_consumed_capacity())
            .table_name(self.table_name(meta.table))
            .set_key(Some(guard))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| ctx(Error::from_sdk(e)))?;
        self.record_capacity(Usage::Read, output.consumed_capacity());
        let owner = match output.item.and_then(|mut item| item.remove(UNIQUE_OWNER_ATTRIBUTE)) {
            Some(AttributeValue::M(owner)) => owner,
            Some(_) => {
                return Err(
                    ctx(Error::invalid_value("a guard's owner must be a map").at(attribute)),
                )
            }
            None => return Ok(None),
        };
        let item = self.get(Key::<M>::from_attributes(owner)).consistent_read(true).send_item();
        let Some(item) = item.await? else { return Ok(None) };
        // Guards move with their items in one transaction; this only guards against hand edits.
        if item.get(attribute) != Some(&value) {
            return Ok(None);
        }
        let key_text = describe_key(meta, &item);
        M::from_item(item)
            .map(Some)
            .map_err(|e| e.context(OPERATION, meta.type_name, Some(key_text)))
    }
}
