//! Many-to-many edges: the edge items a [`ManyToMany`] relation keeps in both ends' partitions,
//! [`Link`] (an edge read back, naming the other end), and [`Db::link`] / [`Db::unlink`], which
//! write or remove both edges of a pair in one transaction.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::entities::Unknown;
use crate::error::{Error, Result};
use crate::expression::{Path, Placeholders};
use crate::key::{Key, Partition};
use crate::model::{Model, ModelMeta};
use crate::operation::{Prepared, Query, Transaction, WriteOp};
use crate::value::Item;
use crate::{validate, Db};

use super::ManyToMany;

/// The entity type of edge items (in the end's entity attribute, `entity` by default): queries,
/// scans and stream consumers of models that declare an entity type skip them.
pub const EDGE_ENTITY: &str = "ferrodyn:edge";

/// What the sort key of every edge item starts with: `REL#<relation>#<other end's partition
/// key>`.
pub const EDGE_SORT_KEY_PREFIX: &str = "REL#";

/// The attribute of an edge item holding the other end's primary key, as a map.
pub const EDGE_TARGET_ATTRIBUTE: &str = "target";

/// A many-to-many link read from one end: the primary key of the item at the other end. Load
/// the items with a batch get (`db.batch_get(links.into_iter().map(Link::into_key))`).
pub struct Link<B> {
    key: Key<B>,
}

impl<B: Model> Link<B> {
    /// The primary key of the linked item.
    pub fn key(&self) -> &Key<B> {
        &self.key
    }

    /// The primary key of the linked item, owned.
    pub fn into_key(self) -> Key<B> {
        self.key
    }
}

impl<B> Clone for Link<B> {
    fn clone(&self) -> Self {
        Link { key: self.key.clone() }
    }
}

impl<B> PartialEq for Link<B> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<B: Model> std::fmt::Debug for Link<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Link({:?})", self.key)
    }
}

/// `REL#courses#`: the sort key prefix of relation `name`'s edges.
fn prefix(name: &str) -> String {
    format!("{EDGE_SORT_KEY_PREFIX}{name}#")
}

/// Decodes an edge item into the link it holds.
fn decode_link<B: Model>(mut item: Item, _: Unknown) -> Result<Option<Link<B>>> {
    match item.remove(EDGE_TARGET_ATTRIBUTE) {
        Some(AttributeValue::M(key)) => Ok(Some(Link { key: Key::from_attributes(key) })),
        Some(other) => Err(Error::wrong_type("M (map)", &other).at(EDGE_TARGET_ATTRIBUTE)),
        None => Err(Error::missing_attribute(EDGE_TARGET_ATTRIBUTE)),
    }
}

/// The query of the edges of `relation` in `source`'s partition.
pub(super) fn links<A: Model, B: Model>(
    db: &Db,
    relation: &ManyToMany<A, B>,
    source: &A,
) -> Query<Link<B>> {
    let attribute = A::META.partition_key.attribute;
    let partition =
        Partition::<A>::from_rendered(None, attribute, source.primary_key().into_attributes());
    db.query_items(relation.edge, partition, decode_link::<B>)
        .sort_key_begins_with(prefix(relation.name))
}

/// The key of the edge in `from`'s partition that points at `to`.
fn edge_key(
    edge: &'static ModelMeta,
    name: &str,
    from: &Item,
    to_meta: &'static ModelMeta,
    to: &Item,
) -> Result<Item> {
    let pk = edge.partition_key.attribute;
    let from_pk = from.get(pk).ok_or_else(|| Error::missing_attribute(pk))?;
    let to_attribute = to_meta.partition_key.attribute;
    let to_pk = match to.get(to_attribute) {
        Some(AttributeValue::S(s) | AttributeValue::N(s)) => s,
        Some(other) => {
            return Err(Error::wrong_type("S or N (partition key)", other).at(to_attribute))
        }
        None => return Err(Error::missing_attribute(to_attribute)),
    };
    let mut key = Item::with_capacity(4);
    key.insert(pk.to_owned(), from_pk.clone());
    if let Some(sk) = &edge.sort_key {
        key.insert(sk.attribute.to_owned(), AttributeValue::S(format!("{}{to_pk}", prefix(name))));
    }
    Ok(key)
}

/// A write of `op` on the edge of relation `name` from `from` to `to`: a put of the whole edge
/// item, or a delete of its key.
fn edge_write(
    db: &Db,
    op: WriteOp,
    (edge, name): (&'static ModelMeta, &str),
    from: &Item,
    (to_meta, to): (&'static ModelMeta, &Item),
) -> Result<Prepared> {
    let built = edge_key(edge, name, from, to_meta, to).and_then(|mut item| {
        validate::check_key(edge, &item)?;
        if op == WriteOp::Put {
            if let Some(entity) = &edge.entity {
                item.insert(entity.attribute.to_owned(), AttributeValue::S(EDGE_ENTITY.to_owned()));
            }
            item.insert(EDGE_TARGET_ATTRIBUTE.to_owned(), AttributeValue::M(to.clone()));
            validate::check_item(&item)?;
        }
        Ok(item)
    });
    let item = built.map_err(|e| e.context(op.operation(), edge.type_name, None))?;
    Prepared::new(db, op, edge, item).finish(None, [], Placeholders::default())
}

/// A check that the item at `key` exists; a missing item is reported as not found.
fn exists(db: &Db, meta: &'static ModelMeta, key: Item) -> Result<Prepared> {
    let mut p = Prepared::new(db, WriteOp::ConditionCheck, meta, key);
    validate::check_key(meta, &p.item).map_err(|e| p.error(e))?;
    p.must_exist = true;
    let condition = Path::<()>::new(meta.partition_key.attribute).exists();
    p.finish(None, [Some(condition)], Placeholders::default())
}

impl Db {
    /// Links `a` and `b` through `relation`: one transaction (TransactWriteItems) that checks
    /// both items exist and puts the edge in each one's partition. Linking a linked pair again
    /// rewrites the same two edges. The returned [`Transaction`] takes more actions and a client
    /// request token; `.await` sends it.
    ///
    /// A missing end cancels the transaction (nothing is written), and its
    /// [`CancellationReason`](crate::operation::CancellationReason) has the kind
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound).
    pub fn link<A: Model, B: Model>(
        &self,
        a: &A,
        relation: ManyToMany<A, B>,
        b: &B,
    ) -> Transaction {
        let (ka, kb) = (a.primary_key().into_attributes(), b.primary_key().into_attributes());
        let edge = (relation.edge, relation.name);
        let inverse = (relation.inverse_edge, relation.inverse);
        self.transaction()
            .push_action(WriteOp::ConditionCheck, A::META, exists(self, A::META, ka.clone()))
            .push_action(WriteOp::ConditionCheck, B::META, exists(self, B::META, kb.clone()))
            .push_action(
                WriteOp::Put,
                relation.edge,
                edge_write(self, WriteOp::Put, edge, &ka, (B::META, &kb)),
            )
            .push_action(
                WriteOp::Put,
                relation.inverse_edge,
                edge_write(self, WriteOp::Put, inverse, &kb, (A::META, &ka)),
            )
    }

    /// Unlinks `a` and `b`: one transaction that deletes both edges. Unlinking a pair that is
    /// not linked succeeds; either end may already be deleted.
    pub fn unlink<A: Model, B: Model>(
        &self,
        a: &A,
        relation: ManyToMany<A, B>,
        b: &B,
    ) -> Transaction {
        let (ka, kb) = (a.primary_key().into_attributes(), b.primary_key().into_attributes());
        let edge = (relation.edge, relation.name);
        let inverse = (relation.inverse_edge, relation.inverse);
        self.transaction()
            .push_action(
                WriteOp::Delete,
                relation.edge,
                edge_write(self, WriteOp::Delete, edge, &ka, (B::META, &kb)),
            )
            .push_action(
                WriteOp::Delete,
                relation.inverse_edge,
                edge_write(self, WriteOp::Delete, inverse, &kb, (A::META, &ka)),
            )
    }
}
