//! Checking `#[derive(Model)]`: a struct with named fields, its `#[ferrodyn(...)]` options and the
//! field roles, resolved into a [`Model`] whose keys name fields by index.

use std::collections::HashMap;

use syn::{DeriveInput, ExprPath, LitStr};

use super::container::{self, ContainerUse};
use super::index::{self, Index};
use super::keys::{check_attribute_names, Checker, Key, KeyKind};
use super::non_empty;
use crate::ast::{self, ContainerDefault, Field};
use crate::errors::Errors;

/// A model whose keys are resolved to fields.
pub(crate) struct Model<'a> {
    pub(crate) input: &'a DeriveInput,
    pub(crate) fields: Vec<Field<'a>>,
    pub(crate) table: String,
    pub(crate) entity: Option<Entity>,
    pub(crate) partition_key: Key,
    pub(crate) sort_key: Option<Key>,
    pub(crate) indexes: Vec<Index>,
    /// The fields (by index) declared `unique = "..."`, in declaration order.
    pub(crate) unique: Vec<usize>,
    /// `#[serde(default)]` on the struct: where missing fields take their values from.
    pub(crate) default: Option<ContainerDefault>,
    /// The relations declared on the model, checked as far as one model can be.
    pub(crate) relations: Vec<ast::RelationAttrs>,
    /// `validate = path` on the struct, in order; the fields' own are on each [`Field`].
    pub(crate) validators: Vec<ExprPath>,
}

pub(crate) struct Entity {
    pub(crate) attribute: String,
    pub(crate) value: String,
}

/// A model that failed its checks: the errors, and as much of the model as could be resolved
/// (none when the input is no struct with named fields), for the fallback expansion.
pub(crate) struct Invalid<'a> {
    pub(crate) error: syn::Error,
    pub(crate) partial: Option<Box<Model<'a>>>,
}

impl From<syn::Error> for Invalid<'_> {
    fn from(error: syn::Error) -> Self {
        Invalid { error, partial: None }
    }
}

pub(crate) fn model<'a>(input: &'a DeriveInput) -> Result<Model<'a>, Invalid<'a>> {
    let named = match &input.data {
        syn::Data::Struct(syn::DataStruct { fields: syn::Fields::Named(named), .. }) => named,
        syn::Data::Struct(s) => {
            const NAMED: &str = "`#[derive(Model)]` needs a struct with named fields; \
                                 each field becomes an attribute of the item";
            return Err(match s.fields {
                syn::Fields::Unit => syn::Error::new_spanned(&input.ident, NAMED),
                _ => syn::Error::new_spanned(&s.fields, NAMED),
            }
            .into());
        }
        syn::Data::Enum(e) => {
            return Err(syn::Error::new(
                e.enum_token.span,
                "`#[derive(Model)]` needs a struct with named fields, not an enum; \
                 for a unit enum stored as a string use `#[derive(Attribute)]`",
            )
            .into())
        }
        syn::Data::Union(u) => {
            return Err(syn::Error::new(
                u.union_token.span,
                "`#[derive(Model)]` needs a struct with named fields, not a union",
            )
            .into())
        }
    };

    let mut errors = Errors::default();
    if !input.generics.params.is_empty() {
        errors.spanned(&input.generics, "`#[derive(Model)]` does not support generic structs");
    }
    let container = ast::serde_container(&input.attrs, &mut errors);
    container::check(&container, ContainerUse::Model, &mut errors);
    let mut fields = ast::fields(named, &container, &mut errors);
    container::apply_default(&mut fields, &container);
    let mut attrs = ast::model_attrs(&input.attrs, &mut errors);
    check_field_attributes(&fields, named, &mut errors);

    let checker = Checker { fields: &fields, named };
    if attrs.first.is_none() {
        // The `missing` errors below stay silent then: this one says it all.
        errors.spanned(
            &input.ident,
            "`#[derive(Model)]` needs `#[ferrodyn(table = \"...\", pk = \"...\")]` on the struct",
        );
    }
    let missing = |errors: &mut Errors, what: &str| {
        if let Some(attr) = attrs.first {
            errors.spanned(attr, format!("missing `{what}` in `#[ferrodyn(...)]`"));
        }
    };

    let table = match &attrs.table {
        Some(lit) => non_empty(lit, "table name", &mut errors),
        None => {
            missing(&mut errors, "table");
            String::new()
        }
    };

    let entity = attrs.entity.as_ref().map(|lit| Entity {
        value: non_empty(lit, "entity type", &mut errors),
        attribute: attrs
            .entity_attribute
            .as_ref()
            .map_or_else(|| "entity".to_owned(), |a| non_empty(a, "attribute name", &mut errors)),
    });
    if entity.is_none() {
        if let Some(lit) = &attrs.entity_attribute {
            errors.spanned(lit, "`entity_attribute` needs `entity = \"...\"` as well");
        }
    }

    let partition_key = match &attrs.pk {
        Some(pk) => checker.key(pk, attrs.pk_attribute.as_ref(), "pk", &mut errors),
        None => {
            missing(&mut errors, "pk");
            None
        }
    };
    let sort_key = attrs
        .sk
        .as_ref()
        .and_then(|sk| checker.key(sk, attrs.sk_attribute.as_ref(), "sk", &mut errors));
    if attrs.sk.is_none() {
        if let Some(lit) = &attrs.sk_attribute {
            errors.spanned(lit, "`sk_attribute` needs `sk = \"...\"` as well");
        }
    }

    let table_keys = index::Table {
        partition_key: partition_key.as_ref(),
        has_sort_key: sort_key.is_some(),
        entity: entity.as_ref(),
    };
    let mut indexes = checker.indexes(&attrs, &table_keys, &mut errors);
    let table_keys: Vec<&Key> = partition_key.iter().chain(&sort_key).collect();
    index::drop_key_attributes(&mut indexes, &table_keys);
    let unique = checker.unique(&attrs, &mut errors);
    let relations = super::relations::check(std::mem::take(&mut attrs.relations), &mut errors);

    let mut model = Model {
        input,
        fields,
        table,
        entity,
        // Unresolved only when there are errors: then the fallback expansion reads it, as a key
        // without parts.
        partition_key: partition_key.unwrap_or(Key {
            attribute: String::new(),
            source: String::new(),
            kind: KeyKind::Template(Vec::new()),
            span: LitStr::new("", input.ident.span()),
            written: false,
        }),
        sort_key,
        indexes,
        unique,
        default: container.default,
        relations,
        validators: attrs.validators.clone(),
    };
    check_attribute_names(&mut model, &attrs, &mut errors);
    check_replaced_conversions(&model, &mut errors);
    match errors.finish() {
        Ok(()) => Ok(model),
        Err(error) => Err(Invalid { error, partial: Some(Box::new(model)) }),
    }
}

fn check_field_attributes(fields: &[Field<'_>], named: &syn::FieldsNamed, errors: &mut Errors) {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    let mut roles: Vec<(ast::Role, &str)> = Vec::new();
    for field in fields {
        let Some((role, span)) = field.role else { continue };
        if !field.is_stored() {
            errors.push(syn::Error::new(span, "a field with a role must be stored (not skipped)"));
        }
        match roles.iter().find(|(r, _)| *r == role) {
            Some((_, other)) => errors.push(syn::Error::new(
                span,
                format!("field `{other}` is already the `{}` field", role.name()),
            )),
            None => roles.push((role, &field.name)),
        }
    }
    for (field, syn_field) in fields.iter().zip(&named.named) {
        if !field.is_stored() {
            continue;
        }
        if field.attribute.is_empty() {
            errors.spanned(syn_field, "empty attribute name");
        }
        if let Some(other) = seen.insert(&field.attribute, &field.name) {
            errors.spanned(
                syn_field,
                format!(
                    "fields `{other}` and `{}` are both stored as attribute `{}`",
                    field.name, field.attribute
                ),
            );
        }
    }
}

/// `with`/`serialize_with`/`deserialize_with` cannot replace the conversion of a field whose stored
/// form ferrodyn decides: a managed field (epoch seconds, versions, timestamps) or a key attribute
/// (which `key(..)` builds from the field's own type).
fn check_replaced_conversions(model: &Model<'_>, errors: &mut Errors) {
    let keys: Vec<usize> = std::iter::once(&model.partition_key)
        .chain(&model.sort_key)
        .chain(
            model.indexes.iter().flat_map(|i| std::iter::once(&i.partition_key).chain(&i.sort_key)),
        )
        .flat_map(Key::field_indexes)
        .collect();
    for (i, field) in model.fields.iter().enumerate() {
        let Some(span) = field.with_span else { continue };
        let why = if let Some((role, _)) = field.role {
            format!("a `{}` field is stored as ferrodyn manages it", role.name())
        } else if keys.contains(&i) {
            "a key field is stored as its type's `KeyPart` writes it, for `key(..)` to match"
                .to_owned()
        } else {
            continue;
        };
        errors.push(syn::Error::new(
            span,
            format!("`with`/`serialize_with`/`deserialize_with` cannot apply here: {why}"),
        ));
    }
}
