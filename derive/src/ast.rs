//! Parsing: the `#[ferrodyn(...)]` container attribute and the serde attributes that decide
//! attribute names (key templates are lexed by `template`). Nothing here judges whether the pieces
//! fit together; see `valid`.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, ExprPath, Ident, LitStr, Token, Type};

use crate::case::{RenameRule, RULE_NAMES};
use crate::errors::Errors;

mod index;
mod relation;

use index::index_attrs;
pub(crate) use index::IndexAttrs;

use relation::{relation_attrs, RELATION_KINDS};
pub(crate) use relation::{RelationAttrs, RelationKind};

/// A named field with the attribute name serde gives it.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    /// The field name without `r#`, as serde sees it.
    pub(crate) name: String,
    pub(crate) attribute: String,
    pub(crate) skip_serializing: bool,
    pub(crate) skip_deserializing: bool,
    pub(crate) default: Option<FieldDefault>,
    /// `#[ferrodyn(version)]` and the like, with the span of the option.
    pub(crate) role: Option<(Role, proc_macro2::Span)>,
    /// `#[serde(alias = "...")]`: further names the attribute is read by.
    pub(crate) aliases: Vec<String>,
    /// `serialize_with = "path"`, or `with = "module"` as `module::serialize`.
    pub(crate) serialize_with: Option<ExprPath>,
    /// `deserialize_with = "path"`, or `with = "module"` as `module::deserialize`.
    pub(crate) deserialize_with: Option<ExprPath>,
    /// `skip_serializing_if = "path"`.
    pub(crate) skip_serializing_if: Option<ExprPath>,
    /// The span of the first `with`/`serialize_with`/`deserialize_with`, for errors where the
    /// field's conversion cannot be replaced (keys, managed fields, `Attribute` structs).
    pub(crate) with_span: Option<proc_macro2::Span>,
    /// `#[ferrodyn(validate = path)]` entries, in order (repeatable).
    pub(crate) validators: Vec<ExprPath>,
}

/// What ferrodyn manages in a field, declared with `#[ferrodyn(<role>)]` on it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Optimistic locking: 1 on create, incremented and checked on writes.
    Version,
    /// Set on create.
    CreatedAt,
    /// Set on create, put and update.
    UpdatedAt,
    /// Expiry, stored as epoch seconds.
    Ttl,
    /// Generated (ULID) on create when empty.
    Id,
}

pub(crate) const ROLES: [(Role, &str); 5] = [
    (Role::Version, "version"),
    (Role::CreatedAt, "created_at"),
    (Role::UpdatedAt, "updated_at"),
    (Role::Ttl, "ttl"),
    (Role::Id, "id"),
];

impl Role {
    pub(crate) fn name(self) -> &'static str {
        ROLES.iter().find(|(r, _)| *r == self).map_or("", |(_, n)| n)
    }
}

impl Field<'_> {
    /// Whether the field takes part in the item at all, on either side.
    pub(crate) fn is_stored(&self) -> bool {
        !(self.skip_serializing && self.skip_deserializing)
    }
}

/// `#[serde(default)]` or `#[serde(default = "path")]`.
pub(crate) enum FieldDefault {
    Trait,
    Function(ExprPath),
}

/// The container-level serde attributes: the two that change what is stored, parsed, and every
/// other one by name, for `valid` to accept or refuse.
#[derive(Default)]
pub(crate) struct SerdeContainer {
    pub(crate) rename_all: Option<RenameRule>,
    pub(crate) default: Option<ContainerDefault>,
    /// The paths of the other entries (`tag`, `deny_unknown_fields`, ...), as written.
    pub(crate) others: Vec<syn::Path>,
}

/// `#[serde(default)]` or `#[serde(default = "path")]` on a struct: a missing field takes its
/// value from `Default::default()`, or from the function's result.
#[derive(Clone)]
pub(crate) struct ContainerDefault {
    /// The `default` path, where errors about the default point.
    pub(crate) path: syn::Path,
    pub(crate) function: Option<ExprPath>,
}

pub(crate) fn serde_container(attrs: &[Attribute], errors: &mut Errors) -> SerdeContainer {
    let mut container = SerdeContainer::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                if let Some(lit) = single_name(&meta, errors)? {
                    match RenameRule::from_str(&lit.value()) {
                        Some(rule) => container.rename_all = Some(rule),
                        None => errors.push(syn::Error::new_spanned(
                            &lit,
                            format!("unknown rename rule; expected one of {RULE_NAMES}"),
                        )),
                    }
                }
                Ok(())
            } else if meta.path.is_ident("default") {
                let function = if meta.input.peek(Token![=]) {
                    let lit: LitStr = meta.value()?.parse()?;
                    Some(lit.parse()?)
                } else {
                    None
                };
                container.default = Some(ContainerDefault { path: meta.path.clone(), function });
                Ok(())
            } else {
                container.others.push(meta.path.clone());
                skip_value(&meta)
            }
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    container
}

pub(crate) fn fields<'a>(
    named: &'a syn::FieldsNamed,
    container: &SerdeContainer,
    errors: &mut Errors,
) -> Vec<Field<'a>> {
    named
        .named
        .iter()
        .filter_map(|field| {
            // Named fields always have an ident; filter_map keeps that an invariant, not an unwrap.
            let ident = field.ident.as_ref()?;
            let name = ident.unraw().to_string();
            let mut out = Field {
                ident,
                ty: &field.ty,
                attribute: match container.rename_all {
                    Some(rule) => rule.apply_to_field(&name),
                    None => name.clone(),
                },
                name,
                skip_serializing: false,
                skip_deserializing: false,
                default: None,
                role: None,
                aliases: Vec::new(),
                serialize_with: None,
                deserialize_with: None,
                skip_serializing_if: None,
                with_span: None,
                validators: Vec::new(),
            };
            for attr in &field.attrs {
                if attr.path().is_ident("ferrodyn") {
                    let result = attr.parse_nested_meta(|meta| field_role(&mut out, &meta, errors));
                    if let Err(e) = result {
                        errors.push(e);
                    }
                    continue;
                }
                if !attr.path().is_ident("serde") {
                    continue;
                }
                let result = attr.parse_nested_meta(|meta| field_serde(&mut out, &meta, errors));
                if let Err(e) = result {
                    errors.push(e);
                }
            }
            Some(out)
        })
        .collect()
}

fn field_role(
    field: &mut Field<'_>,
    meta: &ParseNestedMeta<'_>,
    errors: &mut Errors,
) -> syn::Result<()> {
    if meta.path.is_ident("validate") {
        field.validators.push(validator_path(meta)?);
        return Ok(());
    }
    let Some((role, _)) = ROLES.iter().find(|(_, name)| meta.path.is_ident(name)) else {
        let expected: Vec<&str> = ROLES.iter().map(|(_, n)| *n).collect();
        errors.spanned(
            &meta.path,
            format!(
                "unknown field option `{}`; expected one of: {}, validate (rename fields with \
                 `#[serde(rename = \"...\")]`)",
                path_name(&meta.path),
                expected.join(", ")
            ),
        );
        return skip_value(meta);
    };
    if let Some((other, _)) = field.role {
        errors.spanned(
            &meta.path,
            format!("a field has one role; this one is already `{}`", other.name()),
        );
    } else {
        field.role = Some((*role, meta.path.span()));
    }
    Ok(())
}

/// The serde field attributes, each honoured by every path (`to_item`, `from_item`, both stream
/// decoders) or refused here; an entry serde does not know is refused too, so that nothing a
/// user wrote is silently ignored.
fn field_serde(
    field: &mut Field<'_>,
    meta: &ParseNestedMeta<'_>,
    errors: &mut Errors,
) -> syn::Result<()> {
    let path = &meta.path;
    let name = path_name(path);
    match name.as_str() {
        "rename" => {
            if let Some(lit) = single_name(meta, errors)? {
                field.attribute = lit.value();
            }
        }
        "alias" => {
            let lit: LitStr = meta.value()?.parse()?;
            field.aliases.push(lit.value());
        }
        "skip" => {
            field.skip_serializing = true;
            field.skip_deserializing = true;
        }
        "skip_serializing" => field.skip_serializing = true,
        "skip_deserializing" => field.skip_deserializing = true,
        "default" => {
            field.default = Some(if meta.input.peek(Token![=]) {
                let lit: LitStr = meta.value()?.parse()?;
                FieldDefault::Function(lit.parse()?)
            } else {
                FieldDefault::Trait
            });
        }
        "skip_serializing_if" => field.skip_serializing_if = Some(path_value(meta)?),
        "serialize_with" | "deserialize_with" | "with" => {
            let value = path_value(meta)?;
            field.with_span.get_or_insert(path.span());
            let (serialize, deserialize) = match name.as_str() {
                "serialize_with" => (Some(value), None),
                "deserialize_with" => (None, Some(value)),
                _ => {
                    let (mut serialize, mut deserialize) = (value.clone(), value);
                    serialize.path.segments.push(syn::parse_quote!(serialize));
                    deserialize.path.segments.push(syn::parse_quote!(deserialize));
                    (Some(serialize), Some(deserialize))
                }
            };
            for (slot, value) in
                [(&mut field.serialize_with, serialize), (&mut field.deserialize_with, deserialize)]
            {
                if let Some(value) = value {
                    if slot.replace(value).is_some() {
                        errors.spanned(
                            path,
                            "the field's conversion is given twice (`with`, `serialize_with`, \
                             `deserialize_with`)",
                        );
                    }
                }
            }
        }
        "flatten" => {
            // Flattened fields have no attribute of their own; the one-pass decoder cannot route
            // their entries, so say so instead of silently storing a map.
            errors.spanned(
                path,
                "ferrodyn does not support `#[serde(flatten)]`; nest the fields as an `Attribute` struct",
            );
            skip_value(meta)?;
        }
        "borrow" => {
            errors.spanned(
                path,
                "ferrodyn does not support `#[serde(borrow)]`: models own their values (items and \
                 stream images are decoded into owned fields)",
            );
            skip_value(meta)?;
        }
        "bound" => {
            errors.spanned(
                path,
                "ferrodyn does not support `#[serde(bound = \"...\")]` on fields: ferrodyn's impls \
                 take no bounds from serde",
            );
            skip_value(meta)?;
        }
        "getter" => {
            errors.spanned(
                path,
                "ferrodyn does not support `#[serde(getter = \"...\")]`: fields are read directly",
            );
            skip_value(meta)?;
        }
        _ => {
            errors.spanned(
                path,
                format!(
                    "unknown serde field attribute `{name}`; ferrodyn honours rename, alias, \
                     default, skip, skip_serializing, skip_deserializing, skip_serializing_if, \
                     with, serialize_with and deserialize_with"
                ),
            );
            skip_value(meta)?;
        }
    }
    Ok(())
}

/// `validate = path::to_fn`, or the path as a string (`validate = "path::to_fn"`) as serde
/// writes its function paths.
fn validator_path(meta: &ParseNestedMeta<'_>) -> syn::Result<ExprPath> {
    let value = meta.value()?;
    if value.peek(LitStr) {
        value.parse::<LitStr>()?.parse()
    } else {
        value
            .parse()
            .map_err(|e| syn::Error::new(e.span(), "expected `validate = path::to_function`"))
    }
}

/// `= "path"`, parsed as a path.
fn path_value(meta: &ParseNestedMeta<'_>) -> syn::Result<ExprPath> {
    let lit: LitStr = meta.value()?.parse()?;
    lit.parse()
}

/// The name of `#[serde(rename = "x")]` on an enum variant, after `rename_all`.
pub(crate) fn variant_name(
    variant: &syn::Variant,
    container: &SerdeContainer,
    errors: &mut Errors,
) -> String {
    let ident = variant.ident.unraw().to_string();
    let mut name = match container.rename_all {
        Some(rule) => rule.apply_to_variant(&ident),
        None => ident,
    };
    for attr in &variant.attrs {
        if attr.path().is_ident("ferrodyn") {
            errors.push(syn::Error::new_spanned(
                attr,
                "`#[ferrodyn(...)]` is not used on variants; rename them with `#[serde(rename = \"...\")]`",
            ));
        }
        if !attr.path().is_ident("serde") {
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                if let Some(lit) = single_name(&meta, errors)? {
                    name = lit.value();
                }
                Ok(())
            } else {
                skip_value(&meta)
            }
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    name
}

/// `rename = "x"`, or the list form when it names one name for both directions: an attribute has
/// a single name in DynamoDB.
fn single_name(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Option<LitStr>> {
    if meta.input.peek(Token![=]) {
        return meta.value()?.parse().map(Some);
    }
    let mut serialize: Option<LitStr> = None;
    let mut deserialize: Option<LitStr> = None;
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("serialize") {
            serialize = Some(inner.value()?.parse()?);
        } else if inner.path.is_ident("deserialize") {
            deserialize = Some(inner.value()?.parse()?);
        } else {
            skip_value(&inner)?;
        }
        Ok(())
    })?;
    match (serialize, deserialize) {
        (Some(s), Some(d)) if s.value() == d.value() => Ok(Some(s)),
        _ => {
            errors.push(syn::Error::new_spanned(
                &meta.path,
                "ferrodyn stores one name per attribute: use a single `rename = \"...\"`, or the same \
                 name for `serialize` and `deserialize`",
            ));
            Ok(None)
        }
    }
}

/// Whether a `#[ferrodyn(...)]` attribute has an entry `name`, for errors about that entry on
/// a type that takes no options.
pub(crate) fn mentions(attr: &Attribute, name: &str) -> bool {
    let mut found = false;
    // A malformed attribute is reported by the caller's general error.
    let _ = attr.parse_nested_meta(|meta| {
        found |= meta.path.is_ident(name);
        skip_value(&meta)
    });
    found
}

/// Consumes the value of an attribute entry this crate does not interpret (`= expr` or `(...)`).
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<TokenStream>()?;
    }
    Ok(())
}

/// The raw `#[ferrodyn(...)]` options of a model.
#[derive(Default)]
pub(crate) struct ModelAttrs<'a> {
    pub(crate) first: Option<&'a Attribute>,
    pub(crate) table: Option<LitStr>,
    pub(crate) entity: Option<LitStr>,
    pub(crate) entity_attribute: Option<LitStr>,
    pub(crate) pk: Option<LitStr>,
    pub(crate) sk: Option<LitStr>,
    pub(crate) pk_attribute: Option<LitStr>,
    pub(crate) sk_attribute: Option<LitStr>,
    pub(crate) indexes: Vec<IndexAttrs>,
    /// `unique = "field"` entries, in order (repeatable).
    pub(crate) unique: Vec<LitStr>,
    /// `has_many(..)`, `has_one(..)`, `belongs_to(..)` and `many_to_many(..)` entries, in order.
    pub(crate) relations: Vec<RelationAttrs>,
    /// `validate = path` entries, in order (repeatable).
    pub(crate) validators: Vec<ExprPath>,
}

const MODEL_KEYS: &str = "table, entity, entity_attribute, pk, sk, pk_attribute, sk_attribute, \
                          index(...), local_index(...), unique, validate, has_many(...), has_one(...), \
                          belongs_to(...), many_to_many(...)";

pub(crate) fn model_attrs<'a>(attrs: &'a [Attribute], errors: &mut Errors) -> ModelAttrs<'a> {
    let mut out = ModelAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("ferrodyn")) {
        out.first.get_or_insert(attr);
        let result = attr.parse_nested_meta(|meta| {
            let slot = match meta.path.get_ident().map(Ident::to_string).as_deref() {
                Some("table") => &mut out.table,
                Some("entity") => &mut out.entity,
                Some("entity_attribute") => &mut out.entity_attribute,
                Some("pk") => &mut out.pk,
                Some("sk") => &mut out.sk,
                Some("pk_attribute") => &mut out.pk_attribute,
                Some("sk_attribute") => &mut out.sk_attribute,
                Some(keyword @ ("index" | "local_index")) => {
                    out.indexes.push(index_attrs(&meta, keyword == "local_index", errors)?);
                    return Ok(());
                }
                Some("unique") => {
                    out.unique.push(meta.value()?.parse()?);
                    return Ok(());
                }
                Some("validate") => {
                    out.validators.push(validator_path(&meta)?);
                    return Ok(());
                }
                Some(keyword) if RELATION_KINDS.iter().any(|(_, k)| *k == keyword) => {
                    if let Some(relation) = relation_attrs(&meta, errors)? {
                        out.relations.push(relation);
                    }
                    return Ok(());
                }
                _ => {
                    errors.push(unknown_key(&meta.path, MODEL_KEYS));
                    return skip_value(&meta);
                }
            };
            set_once(slot, &meta, errors)
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    out
}

fn set_once(
    slot: &mut Option<LitStr>,
    meta: &ParseNestedMeta<'_>,
    errors: &mut Errors,
) -> syn::Result<()> {
    let lit: LitStr = meta.value()?.parse()?;
    if slot.is_some() {
        let key = path_name(&meta.path);
        errors.push(syn::Error::new_spanned(&meta.path, format!("`{key}` is given twice")));
    } else {
        *slot = Some(lit);
    }
    Ok(())
}

fn unknown_key(path: &syn::Path, expected: &str) -> syn::Error {
    syn::Error::new(
        path.span(),
        format!("unknown ferrodyn option `{}`; expected one of: {expected}", path_name(path)),
    )
}

fn path_name(path: &syn::Path) -> String {
    quote::ToTokens::to_token_stream(path).to_string().replace(' ', "")
}
