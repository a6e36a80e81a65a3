//! Relations between models, declared on the derive and checked at compile time, read with the
//! operations ferrodyn already has: [`Db::related`] turns a relation and a source value into the
//! [`Query`] or [`GetItem`] that reads the related items, never a scan.
//!
//! | declared on the source | constant | kind | `db.related(&source, R)` |
//! |---|---|---|---|
//! | `has_many(orders = Order)` | [`HasMany`] | 1:N in one item collection: the child's partition key renders from the parent's fields | a [`Query`] of that partition, `begins_with` the child's sort key prefix |
//! | `has_many(shipments = Shipment, index = "gsi1")` | [`HasMany`] | 1:N across partitions: the partition key of the child's index renders from the parent's fields | a [`Query`] of that index partition |
//! | `has_many(orders = Order, key(customer_id = id))` | [`HasMany`] | as above, the child's template field `customer_id` rendering from the parent's `id` (also on `has_one`, `belongs_to` and through an index) | the same [`Query`]; [`Db::related_in`] builds it from the parent's partition alone |
//! | `has_one(profile = Profile)` | [`HasOne`] | 1:1: the child's whole key renders from the parent's fields | a [`GetItem`] |
//! | `belongs_to(customer = Customer)` | [`BelongsTo`] | the parent of a child: the parent's whole key renders from the child's fields | a [`GetItem`] |
//! | `many_to_many(courses = Course, inverse = students)` | [`ManyToMany`] | N:M through an adjacency list of mirrored edge items | a [`Query`] of [`Link`]s |
//!
//! Key templates render from the source by attribute name: `has_many(orders = Order)` on
//! `Customer` needs every field Order's partition key template names (`CUSTOMER#{customer_id}`)
//! to be a field of `Customer` too, unless `key(customer_id = id)` maps it to another field of
//! `Customer`. The derive asserts it, and the other shape rules below, over both models' `META`
//! at compile time; a `key(..)` pair whose source side is not a field of the source, or whose
//! related side the rendered template does not name, is a compile error too.
//!
//! Many-to-many links are two edge items, one in each end's partition (see [`ManyToMany`]),
//! written together by [`Db::link`] and removed together by [`Db::unlink`], each in one
//! transaction. Deleting a parent never cascades: [`Db::delete_with_children`] deletes a parent
//! and its children in one transaction, and refuses when they do not fit in one.

mod children;
mod edge;

pub use edge::{Link, EDGE_ENTITY, EDGE_SORT_KEY_PREFIX, EDGE_TARGET_ATTRIBUTE};

use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::Result;
use crate::key::{render_template, Key, Partition};
use crate::model::{KeyMeta, Model, ModelMeta, TemplatePart};
use crate::operation::{GetItem, Query};
use crate::value::Item;
use crate::Db;

/// One-to-many: the children of a parent `P`, of model `C`, read with one query. Declared as
/// `#[ferrodyn(has_many(orders = Order))]` (children in the partition the parent's fields
/// render, usually the parent's own item collection) or `has_many(shipments = Shipment, index =
/// "gsi1")` (children found through their global secondary index), either with
/// `key(customer_id = id)` when the child's template names a parent field otherwise; the derive
/// generates `P::ORDERS`.
pub struct HasMany<P, C> {
    pub(crate) name: &'static str,
    pub(crate) index: Option<&'static str>,
    pub(crate) key: FieldMap,
    pub(crate) models: PhantomData<fn() -> (P, C)>,
}

/// One-to-one: the single child `C` of a parent `P`, whose whole key renders from the parent's
/// fields. Declared as `#[ferrodyn(has_one(profile = Profile))]` (with `key(..)` to map the
/// child's template fields to the parent's); the derive generates `P::PROFILE`.
pub struct HasOne<P, C> {
    pub(crate) name: &'static str,
    pub(crate) key: FieldMap,
    pub(crate) models: PhantomData<fn() -> (P, C)>,
}

/// The parent `P` of a child `C`, whose whole key renders from the child's fields. Declared on
/// the child as `#[ferrodyn(belongs_to(customer = Customer))]` (with `key(id = customer_id)`
/// when the parent's template names the field otherwise); the derive generates `C::CUSTOMER`.
pub struct BelongsTo<C, P> {
    pub(crate) name: &'static str,
    pub(crate) key: FieldMap,
    pub(crate) models: PhantomData<fn() -> (C, P)>,
}

/// Many-to-many between `A` and `B` through an adjacency list of mirrored edges. Declared on `A`
/// as `#[ferrodyn(many_to_many(courses = Course, inverse = students))]`; the derive generates
/// `A::COURSES`, and [`inverse`](Self::inverse) is the same relation read from `B`'s side (`B`
/// may declare `many_to_many(students = Student, inverse = courses)` to name it `B::STUDENTS`;
/// when both sides declare it, the derive checks at compile time that they name each other).
///
/// A link is two edge items written in one transaction: one in `A`'s partition (sort key
/// `REL#courses#<B's partition key>`) and one in `B`'s (`REL#students#<A's partition key>`), each
/// holding the other end's primary key in [`EDGE_TARGET_ATTRIBUTE`] and the entity type
/// [`EDGE_ENTITY`]. Mirrored edges rather than an inverted GSI: both directions are a query of
/// one partition of the table, so they read with strong consistency; the table needs no extra
/// index (no index attributes, no projection of every item of the table into it, no index write
/// per item); and the write that links checks both ends exist in the same transaction.
pub struct ManyToMany<A, B> {
    pub(crate) name: &'static str,
    pub(crate) inverse: &'static str,
    pub(crate) edge: &'static ModelMeta,
    pub(crate) inverse_edge: &'static ModelMeta,
    pub(crate) models: PhantomData<fn() -> (A, B)>,
}

/// A relation's `key(..)` option: `(related template field, source attribute)` pairs, by
/// attribute name. A template field not in it renders from the source attribute of its own name.
pub(crate) type FieldMap = &'static [(&'static str, &'static str)];

/// The source attribute the related template's field `field` renders from.
fn source_attribute(key: FieldMap, field: &str) -> &str {
    key.iter().find(|(related, _)| *related == field).map_or(field, |(_, source)| source)
}

macro_rules! relation_common {
    ($ty:ident<$s:ident, $t:ident>, $what:literal) => {
        impl<$s, $t> Clone for $ty<$s, $t> {
            fn clone(&self) -> Self {
                *self
            }
        }

        impl<$s, $t> Copy for $ty<$s, $t> {}

        impl<$s: Model, $t: Model> std::fmt::Debug for $ty<$s, $t> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(
                    f,
                    concat!($what, "({}.{} -> {})"),
                    $s::META.type_name,
                    self.name,
                    $t::META.type_name
                )
            }
        }

        impl<$s, $t> $ty<$s, $t> {
            /// The relation's name, as declared (`orders`).
            pub fn name(&self) -> &'static str {
                self.name
            }
        }
    };
}

relation_common!(HasMany<P, C>, "HasMany");
relation_common!(HasOne<P, C>, "HasOne");
relation_common!(BelongsTo<C, P>, "BelongsTo");
relation_common!(ManyToMany<A, B>, "ManyToMany");

impl<P, C> HasMany<P, C> {
    /// The child's global secondary index the relation queries, `None` for the table.
    pub fn index(&self) -> Option<&'static str> {
        self.index
    }
}

impl<A, B> ManyToMany<A, B> {
    /// The name of the same relation seen from `B` (`students` for `Student::COURSES`).
    pub fn inverse_name(&self) -> &'static str {
        self.inverse
    }

    /// The same relation read from `B`'s side: `db.related(&course, Student::COURSES.inverse())`
    /// reads the students of a course.
    pub const fn inverse(self) -> ManyToMany<B, A> {
        ManyToMany {
            name: self.inverse,
            inverse: self.name,
            edge: self.inverse_edge,
            inverse_edge: self.edge,
            models: PhantomData,
        }
    }
}

/// A relation read from a source value of model `S`: what [`Db::related`] takes. Implemented by
/// [`HasMany`], [`HasOne`], [`BelongsTo`] and [`ManyToMany`]; sealed.
pub trait Relation<S>: sealed::Sealed {
    /// The read of the related items: a [`Query`] or a [`GetItem`].
    type Read;

    /// Builds the read for `source`.
    #[doc(hidden)]
    fn read(self, db: &Db, source: &S) -> Self::Read;
}

mod sealed {
    pub trait Sealed {}
    impl<P, C> Sealed for super::HasMany<P, C> {}
    impl<P, C> Sealed for super::HasOne<P, C> {}
    impl<C, P> Sealed for super::BelongsTo<C, P> {}
    impl<A, B> Sealed for super::ManyToMany<A, B> {}
}

impl Db {
    /// The read of the items related to `source` through `relation` (`Customer::ORDERS`): a
    /// [`Query`] for [`HasMany`] and [`ManyToMany`] (with filters, limits, cursors, `stream()`
    /// as any query), a [`GetItem`] for [`HasOne`] and [`BelongsTo`]. Nothing is sent until the
    /// read is.
    ///
    /// A has-many query of the table has the sort key condition `begins_with` the child's sort
    /// key prefix (`ORDER#`), so that the other items of the partition (the parent itself, other
    /// kinds of children) are not read; a sort key condition set on the query replaces it, and the
    /// child's entity filter still applies. A source whose key fields cannot be encoded makes the
    /// read fail when sent, before any request.
    pub fn related<S: Model, R: Relation<S>>(&self, source: &S, relation: R) -> R::Read {
        relation.read(self, source)
    }

    /// The query of the children of a [`HasMany`] relation from the parent's partition alone
    /// (`db.related_in(Customer::partition(id), Customer::ORDERS)`), for when only the parent's
    /// key is at hand: the same query as [`related`](Self::related) of the parent, without
    /// reading the parent first.
    ///
    /// It needs the children's partition key (of the table, or of the relation's index) to
    /// render the same value as the parent's table partition key: the same template, each field
    /// mapped to the parent's field in the same place (`CUSTOMER#{customer_id}` with
    /// `key(customer_id = id)` for a parent's `CUSTOMER#{id}`), and the same key type. Otherwise,
    /// and for a partition of an index, the query fails when sent, before any request. A query
    /// of a parent that does not exist reads no children, as it would for a parent without any.
    pub fn related_in<P: Model, C: Model>(
        &self,
        parent: Partition<P>,
        relation: HasMany<P, C>,
    ) -> Query<C> {
        relation.query_in(self, parent)
    }
}

/// The item of `source`, whose attributes key templates render from.
fn source_item<S: Model>(source: &S) -> Result<Item> {
    source.to_item()
}

/// `key` rendered from `item`, each template field from the source attribute `map` names for
/// it; `None` when a part is absent.
fn render(key: &KeyMeta, item: &Item, map: FieldMap) -> Result<Option<AttributeValue>> {
    render_template(key, |f| item.get(source_attribute(map, f)))
}

/// The primary key of `T` rendered from a source item.
fn key_from<T: Model>(item: &Item, map: FieldMap) -> Result<Key<T>> {
    let mut out = Item::with_capacity(2);
    for key in T::META.key_attributes() {
        if let Some(value) = render(key, item, map)? {
            out.insert(key.attribute.to_owned(), value);
        }
    }
    Ok(Key::from_attributes(out))
}

impl<P: Model, C: Model> HasMany<P, C> {
    /// The query of `parent`'s children.
    pub(crate) fn query(&self, db: &Db, parent: &P) -> Query<C> {
        let rendered = self.child_key().and_then(|key| {
            let mut out = Item::with_capacity(1);
            if let Some(value) = render(key, &source_item(parent)?, self.key)? {
                out.insert(key.attribute.to_owned(), value);
            }
            Ok(Partition::from_rendered(self.index, key.attribute, out))
        });
        self.query_of(db, rendered)
    }

    /// The children's partition key (of the table or of the relation's index).
    fn child_key(&self) -> Result<&'static KeyMeta> {
        match self.index {
            None => Ok(&C::META.partition_key),
            // The derive asserted that the index exists.
            Some(name) => C::META.index(name).map(|i| &i.partition_key).ok_or_else(|| {
                crate::Error::validation(format!("the model has no index `{name}`"))
            }),
        }
    }

    /// The query of the children in the partition the parent's partition key names; see
    /// [`Db::related_in`].
    pub(crate) fn query_in(&self, db: &Db, parent: Partition<P>) -> Query<C> {
        let rendered = self.child_key().and_then(|key| {
            if parent.index().is_some() || !self.shares_partition(key) {
                return Err(crate::Error::validation(format!(
                    "relation `{}`: the partition key of `{}` does not render the same as the \
                     partition key of `{}` on the table, so the children cannot be read from the \
                     parent's partition; read them with `db.related(&parent, ..)`",
                    self.name,
                    C::META.type_name,
                    P::META.type_name
                )));
            }
            let mut out = Item::with_capacity(1);
            if let Some(value) = parent.value() {
                out.insert(key.attribute.to_owned(), value.clone());
            }
            Ok(Partition::from_rendered(self.index, key.attribute, out))
        });
        self.query_of(db, rendered)
    }

    /// Whether the child's partition key `key` renders, for every parent, the value of the
    /// parent's partition key: the same template part by part, each child field mapped to the
    /// parent field of the same place, and the same key type.
    fn shares_partition(&self, key: &KeyMeta) -> bool {
        let parent = &P::META.partition_key;
        parent.scalar == key.scalar
            && parent.template.len() == key.template.len()
            && parent.template.iter().zip(key.template).all(|pair| match pair {
                (TemplatePart::Literal(a), TemplatePart::Literal(b)) => a == b,
                (TemplatePart::Field(a), TemplatePart::Field(b)) => {
                    *a == source_attribute(self.key, b)
                }
                _ => false,
            })
    }

    /// The query of a rendered partition of the children, `begins_with` their sort key prefix;
    /// a rendering error is the query's, when sent.
    fn query_of(&self, db: &Db, rendered: Result<Partition<C>>) -> Query<C> {
        let sort_key = match self.index {
            None => C::META.sort_key.as_ref(),
            Some(name) => C::META.index(name).and_then(|i| i.sort_key.as_ref()),
        };
        match rendered {
            Ok(partition) => {
                let query = db.query(partition);
                match sort_key.map(KeyMeta::literal_prefix).filter(|p| !p.is_empty()) {
                    Some(prefix) => query.sort_key_begins_with(prefix),
                    None => query,
                }
            }
            Err(e) => {
                let partition = Partition::from_rendered(self.index, "", Item::new());
                db.query(partition).refuse(e)
            }
        }
    }
}

impl<P: Model, C: Model> Relation<P> for HasMany<P, C> {
    type Read = Query<C>;

    fn read(self, db: &Db, source: &P) -> Query<C> {
        self.query(db, source)
    }
}

/// The get of the item of `T` whose key renders from `source`.
fn get_from<S: Model, T: Model>(db: &Db, source: &S, map: FieldMap) -> GetItem<T> {
    match source_item(source).and_then(|item| key_from::<T>(&item, map)) {
        Ok(key) => db.get(key),
        Err(e) => db.get(Key::from_attributes(Item::new())).refuse(e),
    }
}

impl<P: Model, C: Model> Relation<P> for HasOne<P, C> {
    type Read = GetItem<C>;

    fn read(self, db: &Db, source: &P) -> GetItem<C> {
        get_from(db, source, self.key)
    }
}

impl<C: Model, P: Model> Relation<C> for BelongsTo<C, P> {
    type Read = GetItem<P>;

    fn read(self, db: &Db, source: &C) -> GetItem<P> {
        get_from(db, source, self.key)
    }
}

impl<A: Model, B: Model> Relation<A> for ManyToMany<A, B> {
    type Read = Query<Link<B>>;

    fn read(self, db: &Db, source: &A) -> Query<Link<B>> {
        edge::links(db, &self, source)
    }
}
