//! Parsing the relation entries of `#[ferrodyn(...)]`: `has_many(orders = Order, index =
//! "gsi1", key(customer_id = id))`, `has_one(..)`, `belongs_to(..)` and `many_to_many(courses =
//! Course, inverse = students)`.

use syn::meta::ParseNestedMeta;
use syn::{Ident, LitStr};

use super::{path_name, skip_value, unknown_key};
use crate::errors::Errors;

const RELATION_OPTIONS: &str =
    "index (has_many), key (has_many, has_one, belongs_to), inverse (many_to_many)";

/// The kinds of relation a model declares.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum RelationKind {
    HasMany,
    HasOne,
    BelongsTo,
    ManyToMany,
}

pub(super) const RELATION_KINDS: [(RelationKind, &str); 4] = [
    (RelationKind::HasMany, "has_many"),
    (RelationKind::HasOne, "has_one"),
    (RelationKind::BelongsTo, "belongs_to"),
    (RelationKind::ManyToMany, "many_to_many"),
];

impl RelationKind {
    pub(crate) fn keyword(self) -> &'static str {
        RELATION_KINDS.iter().find(|(k, _)| *k == self).map_or("", |(_, n)| n)
    }
}

/// One relation entry: `has_many(orders = Order, index = "gsi1")`,
/// `many_to_many(courses = Course, inverse = students)`.
#[derive(Clone)]
pub(crate) struct RelationAttrs {
    pub(crate) kind: RelationKind,
    /// The keyword (`has_many`), for errors about the entry as a whole.
    pub(crate) path: syn::Path,
    /// The relation's name (`orders`).
    pub(crate) name: Ident,
    /// The related model (`Order`).
    pub(crate) target: syn::Path,
    /// `index = "gsi1"`.
    pub(crate) index: Option<LitStr>,
    /// `inverse = students`.
    pub(crate) inverse: Option<Ident>,
    /// `key(customer_id = id)`: the related template's field `customer_id` renders from this
    /// model's attribute `id`; `(related field, source attribute)` pairs, in order.
    pub(crate) key: Vec<(Ident, Ident)>,
    /// The `key` keyword, for errors about the option as a whole.
    pub(crate) key_path: Option<syn::Path>,
}

/// `has_many(orders = Order, index = "gsi1")` and the like: the first entry names the relation and
/// its model, the others are options. `None` (with the error pushed) when there is no first entry.
pub(super) fn relation_attrs(
    meta: &ParseNestedMeta<'_>,
    errors: &mut Errors,
) -> syn::Result<Option<RelationAttrs>> {
    let keyword = path_name(&meta.path);
    let kind = RELATION_KINDS.iter().find(|(_, k)| *k == keyword).map(|(kind, _)| *kind);
    let Some(kind) = kind else { return Ok(None) };
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format!("expected `{keyword}(name = Model, ...)`")));
    }
    let mut relation: Option<(Ident, syn::Path)> = None;
    let mut index: Option<LitStr> = None;
    let mut inverse: Option<Ident> = None;
    let mut key: Vec<(Ident, Ident)> = Vec::new();
    let mut key_path: Option<syn::Path> = None;
    meta.parse_nested_meta(|inner| {
        if relation.is_none() {
            let Some(name) = inner.path.get_ident().cloned() else {
                return Err(inner.error("expected the relation's name, as in `orders = Order`"));
            };
            relation = Some((name, inner.value()?.parse()?));
            return Ok(());
        }
        match inner.path.get_ident().map(Ident::to_string).as_deref() {
            Some("index") => {
                let lit: LitStr = inner.value()?.parse()?;
                if index.replace(lit).is_some() {
                    errors.spanned(&inner.path, "`index` is given twice");
                }
            }
            Some("inverse") => {
                let ident: Ident = inner.value()?.parse()?;
                if inverse.replace(ident).is_some() {
                    errors.spanned(&inner.path, "`inverse` is given twice");
                }
            }
            Some("key") => {
                if !inner.input.peek(syn::token::Paren) {
                    errors.spanned(
                        &inner.path,
                        "expected `key(related_field = source_field, ..)`, as in \
                         `key(customer_id = id)`",
                    );
                    return skip_value(&inner);
                }
                if key_path.replace(inner.path.clone()).is_some() {
                    errors.spanned(&inner.path, "`key` is given twice");
                }
                let content;
                syn::parenthesized!(content in inner.input);
                let pairs = content.parse_terminated(
                    |input| {
                        let related: Ident = input.parse()?;
                        input.parse::<syn::Token![=]>()?;
                        let source: Ident = input.parse()?;
                        Ok((related, source))
                    },
                    syn::Token![,],
                )?;
                for (related, source) in pairs {
                    if key.iter().any(|(r, _)| *r == related) {
                        errors.spanned(&related, format!("`{related}` is mapped twice in `key`"));
                    } else {
                        key.push((related, source));
                    }
                }
            }
            _ => {
                errors.push(unknown_key(&inner.path, RELATION_OPTIONS));
                skip_value(&inner)?;
            }
        }
        Ok(())
    })?;
    let Some((name, target)) = relation else {
        errors.spanned(&meta.path, format!("expected `{keyword}(name = Model, ...)`"));
        return Ok(None);
    };
    Ok(Some(RelationAttrs {
        kind,
        path: meta.path.clone(),
        name,
        target,
        index,
        inverse,
        key,
        key_path,
    }))
}
