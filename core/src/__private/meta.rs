//! Constructors of the model metadata, for the code `#[derive(Model)]` generates: the metadata
//! structs are `#[non_exhaustive]`, so a user crate cannot build them as literals, and these
//! `const fn`s are the one place that lists their fields.

use crate::model::{
    EntityMeta, FieldMeta, IndexKind, IndexMeta, KeyMeta, ManagedFields, ModelMeta, ProjectionMeta,
    ScalarType, TemplatePart,
};

/// A [`ModelMeta`], field by field in declaration order.
#[allow(clippy::too_many_arguments)] // One argument per field of the struct it builds.
#[must_use]
pub const fn model_meta(
    type_name: &'static str,
    table: &'static str,
    entity: Option<EntityMeta>,
    partition_key: KeyMeta,
    sort_key: Option<KeyMeta>,
    indexes: &'static [IndexMeta],
    fields: &'static [FieldMeta],
    managed: ManagedFields,
) -> ModelMeta {
    ModelMeta { type_name, table, entity, partition_key, sort_key, indexes, fields, managed }
}

/// An [`EntityMeta`].
#[must_use]
pub const fn entity_meta(attribute: &'static str, value: &'static str) -> EntityMeta {
    EntityMeta { attribute, value }
}

/// A [`KeyMeta`].
#[must_use]
pub const fn key_meta(
    attribute: &'static str,
    scalar: ScalarType,
    template: &'static [TemplatePart],
) -> KeyMeta {
    KeyMeta { attribute, scalar, template }
}

/// An [`IndexMeta`].
#[must_use]
pub const fn index_meta(
    name: &'static str,
    kind: IndexKind,
    partition_key: KeyMeta,
    sort_key: Option<KeyMeta>,
    projection: ProjectionMeta,
) -> IndexMeta {
    IndexMeta { name, kind, partition_key, sort_key, projection }
}

/// A [`FieldMeta`].
#[must_use]
pub const fn field_meta(name: &'static str, attribute: &'static str) -> FieldMeta {
    FieldMeta { name, attribute }
}

/// A [`ManagedFields`]: the attributes of the fields with each role, and the unique ones.
#[must_use]
pub const fn managed_fields(
    version: Option<&'static str>,
    created_at: Option<&'static str>,
    updated_at: Option<&'static str>,
    ttl: Option<&'static str>,
    id: Option<&'static str>,
    unique: &'static [&'static str],
) -> ManagedFields {
    ManagedFields { version, created_at, updated_at, ttl, id, unique }
}

/// The metadata of a model whose derive failed: the fallback expansion needs a `META`, and the
/// crate does not compile, so nothing reads it. It declares an entity type, so that an `Entities`
/// enum holding the model reports nothing more.
#[must_use]
pub const fn unresolved_meta() -> ModelMeta {
    ModelMeta {
        type_name: "",
        table: "",
        entity: Some(EntityMeta { attribute: "", value: "" }),
        partition_key: KeyMeta { attribute: "", scalar: ScalarType::S, template: &[] },
        sort_key: None,
        indexes: &[],
        fields: &[],
        managed: ManagedFields::NONE,
    }
}

/// The index of `meta` called `name`, in a `const` context.
const fn find_index(meta: &'static ModelMeta, name: &str) -> Option<&'static IndexMeta> {
    let mut i = 0;
    while i < meta.indexes.len() {
        if crate::model::str_eq(meta.indexes[i].name, name) {
            return Some(&meta.indexes[i]);
        }
        i += 1;
    }
    None
}

/// Whether the index `name` of `meta` projects `attribute` (false for no such index).
#[must_use]
pub const fn index_projects(meta: &'static ModelMeta, name: &str, attribute: &str) -> bool {
    match find_index(meta, name) {
        Some(index) => index.projects(meta, attribute),
        None => true,
    }
}
