//! The compile-time checks and constructors of relations, for the code `#[derive(Model)]`
//! generates from `has_many`, `has_one`, `belongs_to` and `many_to_many`: `const fn`s over the
//! models' `META`, which the derive asserts in `const _: () = assert!(..)` items so that a relation
//! whose keys cannot be rendered from the source model is a compile error naming the relation.

use std::marker::PhantomData;

use crate::model::{EntityMeta, KeyMeta, ManagedFields, ModelMeta, ScalarType, TemplatePart};
use crate::relation::{BelongsTo, HasMany, HasOne, ManyToMany, EDGE_ENTITY};

use crate::model::str_eq;

/// Whether `meta` has a stored field whose attribute is `attribute`.
const fn has_field(meta: &ModelMeta, attribute: &str) -> bool {
    let mut i = 0;
    while i < meta.fields.len() {
        if str_eq(meta.fields[i].attribute, attribute) {
            return true;
        }
        i += 1;
    }
    false
}

/// The source attribute a related template's field `field` renders from: the one `map` (a
/// relation's `key(..)`, `(related field, source attribute)` pairs) names for it, else its own.
const fn mapped<'a>(field: &'a str, map: &'a [(&'static str, &'static str)]) -> &'a str {
    let mut i = 0;
    while i < map.len() {
        if str_eq(map[i].0, field) {
            return map[i].1;
        }
        i += 1;
    }
    field
}

/// Whether `source` has a stored field whose attribute is `attribute` (a `key(..)` mapping's
/// source side).
pub const fn is_field(source: &ModelMeta, attribute: &str) -> bool {
    has_field(source, attribute)
}

/// Whether `key`'s template names the field `field`.
pub const fn uses_field(key: &KeyMeta, field: &str) -> bool {
    let mut i = 0;
    while i < key.template.len() {
        if let TemplatePart::Field(attribute) = key.template[i] {
            if str_eq(attribute, field) {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// Whether `target`'s partition or sort key template names the field `field`.
pub const fn primary_key_uses(target: &ModelMeta, field: &str) -> bool {
    uses_field(&target.partition_key, field)
        || match &target.sort_key {
            Some(sk) => uses_field(sk, field),
            None => false,
        }
}

/// Whether the partition key template of `child`'s index `name` names the field `field` (true
/// when there is no such index, which is reported on its own).
pub const fn index_partition_uses(child: &ModelMeta, name: &str, field: &str) -> bool {
    let mut i = 0;
    while i < child.indexes.len() {
        if str_eq(child.indexes[i].name, name) {
            return uses_field(&child.indexes[i].partition_key, field);
        }
        i += 1;
    }
    true
}

/// Whether every field `key`'s template names renders from a field of `source` (by attribute
/// name, through `map`), so that the key renders from a `source` value.
pub const fn renders_from(
    key: &KeyMeta,
    source: &ModelMeta,
    map: &[(&'static str, &'static str)],
) -> bool {
    let mut i = 0;
    while i < key.template.len() {
        if let TemplatePart::Field(attribute) = key.template[i] {
            if !has_field(source, mapped(attribute, map)) {
                return false;
            }
        }
        i += 1;
    }
    true
}

/// Whether `target`'s whole primary key (partition and sort key) renders from `source`'s fields
/// (through `map`).
pub const fn primary_key_renders_from(
    target: &ModelMeta,
    source: &ModelMeta,
    map: &[(&'static str, &'static str)],
) -> bool {
    if !renders_from(&target.partition_key, source, map) {
        return false;
    }
    match &target.sort_key {
        Some(sk) => renders_from(sk, source, map),
        None => true,
    }
}

/// Whether `meta` declares the global secondary index `name`.
pub const fn has_index(meta: &ModelMeta, name: &str) -> bool {
    let mut i = 0;
    while i < meta.indexes.len() {
        if str_eq(meta.indexes[i].name, name) {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether the partition key of `child`'s index `name` renders from `parent`'s fields (through
/// `map`; false when there is no such index).
pub const fn index_partition_renders_from(
    child: &ModelMeta,
    name: &str,
    parent: &ModelMeta,
    map: &[(&'static str, &'static str)],
) -> bool {
    let mut i = 0;
    while i < child.indexes.len() {
        if str_eq(child.indexes[i].name, name) {
            return renders_from(&child.indexes[i].partition_key, parent, map);
        }
        i += 1;
    }
    false
}

/// Whether `child`'s items can be told apart from the other items of their partition: a sort
/// key whose template starts with literal text (`ORDER#{order_id}`, read with `begins_with`), or
/// an entity type (read with the entity filter).
pub const fn collection_is_selectable(child: &ModelMeta) -> bool {
    match &child.sort_key {
        Some(sk) => !sk.literal_prefix().is_empty() || child.entity.is_some(),
        None => false,
    }
}

/// Whether `meta`'s table has a sort key.
pub const fn has_sort_key(meta: &ModelMeta) -> bool {
    meta.sort_key.is_some()
}

/// Whether `meta` can hold many-to-many edge items in its partitions and be named by one: a
/// string sort key (the edge's holds the other end's partition key), a sort key template without
/// fields (so that the partition key alone names the item), and a partition key that is a string
/// or a number.
pub const fn can_hold_edges(meta: &ModelMeta) -> bool {
    let Some(sk) = &meta.sort_key else { return false };
    if !matches!(sk.scalar, ScalarType::S) || matches!(meta.partition_key.scalar, ScalarType::B) {
        return false;
    }
    let mut i = 0;
    while i < sk.template.len() {
        if let TemplatePart::Field(_) = sk.template[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `meta` declares an entity type.
pub const fn declares_entity(meta: &ModelMeta) -> bool {
    meta.entity.is_some()
}

/// The many-to-many relations a model declares, `(name, inverse, other model's type name)` each,
/// implemented by the derive for every model, so that the two declarations of one relation
/// (`Student`'s `courses` and `Course`'s `students`) can be checked to agree.
pub trait DeclaredRelations {
    /// The model's `many_to_many` entries.
    const MANY_TO_MANY: &'static [(&'static str, &'static str, &'static str)];
}

/// Whether the other model's declarations agree with `this`'s relation `name` (`inverse` from the
/// other side): if it declares a relation called `inverse`, that one's inverse is `name` and its
/// model is `this`.
pub const fn inverse_agrees(
    this: &str,
    name: &str,
    inverse: &str,
    other: &[(&'static str, &'static str, &'static str)],
) -> bool {
    let mut i = 0;
    while i < other.len() {
        let (other_name, other_inverse, other_model) = other[i];
        if str_eq(other_name, inverse) {
            return str_eq(other_inverse, name) && str_eq(other_model, this);
        }
        i += 1;
    }
    true
}

/// The metadata of the edge items a many-to-many relation keeps in `side`'s partitions: `side`'s
/// table and key attributes, the reserved entity type [`EDGE_ENTITY`], no fields. `type_name`
/// (`Student.courses`) names the edges in errors.
#[must_use]
pub const fn edge_meta(type_name: &'static str, side: &'static ModelMeta) -> ModelMeta {
    let pk = &side.partition_key;
    ModelMeta {
        type_name,
        table: side.table,
        entity: Some(EntityMeta {
            attribute: match &side.entity {
                Some(e) => e.attribute,
                None => "entity",
            },
            value: EDGE_ENTITY,
        }),
        partition_key: KeyMeta {
            attribute: pk.attribute,
            scalar: pk.scalar,
            template: pk.template,
        },
        sort_key: match &side.sort_key {
            Some(sk) => {
                Some(KeyMeta { attribute: sk.attribute, scalar: ScalarType::S, template: &[] })
            }
            None => None,
        },
        indexes: &[],
        fields: &[],
        managed: ManagedFields::NONE,
    }
}

/// `has_many(name = Child)`, or with `index = "gsi1"`; `key` is the `key(..)` mapping,
/// `(child field, parent attribute)` pairs.
#[must_use]
pub const fn has_many<P, C>(
    name: &'static str,
    index: Option<&'static str>,
    key: &'static [(&'static str, &'static str)],
) -> HasMany<P, C> {
    HasMany { name, index, key, models: PhantomData }
}

/// `has_one(name = Child)`, with its `key(..)` mapping.
#[must_use]
pub const fn has_one<P, C>(
    name: &'static str,
    key: &'static [(&'static str, &'static str)],
) -> HasOne<P, C> {
    HasOne { name, key, models: PhantomData }
}

/// `belongs_to(name = Parent)`, with its `key(..)` mapping (`(parent field, child attribute)`).
#[must_use]
pub const fn belongs_to<C, P>(
    name: &'static str,
    key: &'static [(&'static str, &'static str)],
) -> BelongsTo<C, P> {
    BelongsTo { name, key, models: PhantomData }
}

/// `many_to_many(name = Other, inverse = other_name)`, with the edge metadata of both sides.
#[must_use]
pub const fn many_to_many<A, B>(
    name: &'static str,
    inverse: &'static str,
    edge: &'static ModelMeta,
    inverse_edge: &'static ModelMeta,
) -> ManyToMany<A, B> {
    ManyToMany { name, inverse, edge, inverse_edge, models: PhantomData }
}
