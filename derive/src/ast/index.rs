//! Parsing the index entries of `#[ferrodyn(...)]`: `index(name = "gsi1", pk = "STATUS#{status}",
//! sk = "{created_at}", projection = "keys_only")` for a global secondary index and
//! `local_index(name = "by_total", sk = "{total_cents}", include = ["status"])` for a local one.

use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token};

use super::{set_once, skip_value, unknown_key};
use crate::errors::Errors;

const INDEX_KEYS: &str = "name, pk, sk, pk_attribute, sk_attribute, projection, include";

/// One `index(...)` or `local_index(...)` entry.
pub(crate) struct IndexAttrs {
    /// The `index` or `local_index` keyword, for errors about the entry as a whole.
    pub(crate) path: syn::Path,
    /// `local_index(..)`: the table's partition key, another sort key.
    pub(crate) local: bool,
    pub(crate) name: Option<LitStr>,
    pub(crate) pk: Option<LitStr>,
    pub(crate) sk: Option<LitStr>,
    pub(crate) pk_attribute: Option<LitStr>,
    pub(crate) sk_attribute: Option<LitStr>,
    /// `projection = "all" | "keys_only" | "include"`.
    pub(crate) projection: Option<LitStr>,
    /// `include = ["field", ...]`, with the `include` path for errors about the list.
    pub(crate) include: Option<(syn::Path, Vec<LitStr>)>,
}

pub(super) fn index_attrs(
    meta: &ParseNestedMeta<'_>,
    local: bool,
    errors: &mut Errors,
) -> syn::Result<IndexAttrs> {
    let mut out = IndexAttrs {
        path: meta.path.clone(),
        local,
        name: None,
        pk: None,
        sk: None,
        pk_attribute: None,
        sk_attribute: None,
        projection: None,
        include: None,
    };
    let keyword = if local { "local_index" } else { "index" };
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format!("expected `{keyword}({INDEX_KEYS})`")));
    }
    meta.parse_nested_meta(|inner| {
        let slot = match inner.path.get_ident().map(Ident::to_string).as_deref() {
            Some("name") => &mut out.name,
            Some("pk") => &mut out.pk,
            Some("sk") => &mut out.sk,
            Some("pk_attribute") => &mut out.pk_attribute,
            Some("sk_attribute") => &mut out.sk_attribute,
            Some("projection") => &mut out.projection,
            Some("include") => {
                let value = inner.value()?;
                let content;
                syn::bracketed!(content in value);
                let names = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
                if out.include.is_some() {
                    errors.push(syn::Error::new_spanned(&inner.path, "`include` is given twice"));
                } else {
                    out.include = Some((inner.path.clone(), names.into_iter().collect()));
                }
                return Ok(());
            }
            _ => {
                errors.push(unknown_key(&inner.path, INDEX_KEYS));
                return skip_value(&inner);
            }
        };
        set_once(slot, &inner, errors)
    })?;
    Ok(out)
}
