//! Code generation for a model's keys: key metadata, rendering key templates into attributes,
//! `primary_key`, the `key(..)` constructor and the partition constructors for queries.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::ast::Field;
use crate::valid::{Key, KeyKind, Model, Part};

/// The field whose type decides the key's scalar type, when the key is that field alone.
pub(crate) fn single_field<'m, 'a>(model: &'m Model<'a>, key: &Key) -> Option<&'m Field<'a>> {
    match &key.kind {
        KeyKind::Direct(i) => Some(&model.fields[*i]),
        KeyKind::Template(parts) => match parts.as_slice() {
            [Part::Field(i)] => Some(&model.fields[*i]),
            _ => None,
        },
    }
}

pub(crate) fn key_meta(model: &Model<'_>, key: &Key) -> TokenStream {
    let attribute = &key.attribute;
    let scalar = match single_field(model, key) {
        Some(field) => {
            let ty = field.ty;
            quote! { <#ty as ::ferrodyn::__private::KeyPart>::SCALAR }
        }
        None => quote! { ::ferrodyn::__private::ScalarType::S },
    };
    let template: Vec<TokenStream> = match &key.kind {
        KeyKind::Direct(i) => {
            let attribute = &model.fields[*i].attribute;
            vec![quote! { ::ferrodyn::__private::TemplatePart::Field(#attribute) }]
        }
        KeyKind::Template(parts) => parts
            .iter()
            .map(|part| match part {
                Part::Literal(text) => {
                    quote! { ::ferrodyn::__private::TemplatePart::Literal(#text) }
                }
                Part::Field(i) => {
                    let attribute = &model.fields[*i].attribute;
                    quote! { ::ferrodyn::__private::TemplatePart::Field(#attribute) }
                }
            })
            .collect(),
    };
    quote! {
        ::ferrodyn::__private::key_meta(#attribute, #scalar, &[#(#template),*])
    }
}

/// What to do when a template part is `None`.
#[derive(Clone, Copy)]
pub(crate) enum Absent {
    /// `return Err(absent_key_part(..))`: a primary key attribute inside `to_item`.
    Error,
    /// Leave the attribute out: index keys (sparse indexes) and `Key` values.
    Skip,
}

/// Statements inserting `key`'s attribute into `item`; `access(i)` is an expression borrowing the
/// value of field `i`.
pub(crate) fn render_key(
    model: &Model<'_>,
    key: &Key,
    item: &Ident,
    absent: Absent,
    access: &dyn Fn(usize) -> TokenStream,
) -> TokenStream {
    let attribute = &key.attribute;
    let parts = match &key.kind {
        KeyKind::Direct(i) => {
            let value = access(*i);
            let ty = model.fields[*i].ty;
            return quote! {
                if !<#ty as ::ferrodyn::__private::ToAttributeValue>::is_absent(#value) {
                    #item.insert(
                        #attribute.to_owned(),
                        ::ferrodyn::__private::key_value::<#ty>(#value),
                    );
                }
            };
        }
        KeyKind::Template(parts) => parts,
    };
    if let [Part::Literal(text)] = parts.as_slice() {
        return quote! {
            #item.insert(
                #attribute.to_owned(),
                ::ferrodyn::__private::AttributeValue::S(#text.to_owned()),
            );
        };
    }
    let capacity: usize = parts
        .iter()
        .map(|p| match p {
            Part::Literal(text) => text.len(),
            Part::Field(_) => 16,
        })
        .sum();
    let writes = parts.iter().map(|part| match part {
        Part::Literal(text) => quote! { __buf.push_str(#text); },
        Part::Field(i) => {
            let value = access(*i);
            let on_absent = match absent {
                Absent::Error => {
                    let field = &model.fields[*i].name;
                    quote! {
                        return ::ferrodyn::__private::Err(
                            ::ferrodyn::__private::absent_key_part(#attribute, #field),
                        );
                    }
                }
                Absent::Skip => quote! { break '__key; },
            };
            let ty = model.fields[*i].ty;
            quote! {
                if !<#ty as ::ferrodyn::__private::KeyPart>::write_key_part(#value, &mut __buf) {
                    #on_absent
                }
            }
        }
    });
    // A template that is one field alone takes the field's scalar type: `{id}` with `id: u64` is N.
    let value = match single_field(model, key) {
        Some(field) => {
            let ty = field.ty;
            quote! {
                match <#ty as ::ferrodyn::__private::KeyPart>::SCALAR {
                    ::ferrodyn::__private::ScalarType::N => ::ferrodyn::__private::AttributeValue::N(__buf),
                    _ => ::ferrodyn::__private::AttributeValue::S(__buf),
                }
            }
        }
        None => quote! { ::ferrodyn::__private::AttributeValue::S(__buf) },
    };
    let body = quote! {
        let mut __buf = ::ferrodyn::__private::String::with_capacity(#capacity);
        #(#writes)*
        #item.insert(#attribute.to_owned(), #value);
    };
    match absent {
        Absent::Skip => quote! { '__key: { #body } },
        Absent::Error => quote! { { #body } },
    }
}

pub(crate) fn primary_keys<'m>(model: &'m Model<'_>) -> impl Iterator<Item = &'m Key> {
    std::iter::once(&model.partition_key).chain(&model.sort_key)
}

pub(crate) fn primary_key(model: &Model<'_>) -> TokenStream {
    let item = format_ident!("__item");
    let count = primary_keys(model).filter(|k| k.written).count();
    let self_field = |i: usize| {
        let ident = model.fields[i].ident;
        quote! { &self.#ident }
    };
    let keys = primary_keys(model)
        .filter(|k| k.written)
        .map(|key| render_key(model, key, &item, Absent::Skip, &self_field));
    quote! {
        fn primary_key(&self) -> ::ferrodyn::__private::Key<Self> {
            let mut #item = ::ferrodyn::__private::Item::with_capacity(#count);
            #(#keys)*
            ::ferrodyn::__private::Key::from_attributes(#item)
        }
    }
}

pub(crate) fn key_fn(model: &Model<'_>) -> TokenStream {
    let vis = &model.input.vis;
    let item = format_ident!("__item");
    let count = primary_keys(model).filter(|k| k.written).count();
    let (args, conversions) = key_params(model, primary_keys(model));
    let keys = primary_keys(model)
        .filter(|k| k.written)
        .map(|key| render_key(model, key, &item, Absent::Skip, &local_param(model)));
    let mut doc = format!(
        "The primary key of a `{}`: `{}` = `{}`",
        model.input.ident, model.partition_key.attribute, model.partition_key.source
    );
    if let Some(sk) = &model.sort_key {
        doc.push_str(&format!(", `{}` = `{}`", sk.attribute, sk.source));
    }
    doc.push('.');
    quote! {
        #[doc = #doc]
        #[must_use]
        #vis fn key(#(#args),*) -> ::ferrodyn::__private::Key<Self> {
            #(#conversions)*
            let mut #item = ::ferrodyn::__private::Item::with_capacity(#count);
            #(#keys)*
            ::ferrodyn::__private::Key::from_attributes(#item)
        }
    }
}

/// The parameters of a key constructor: one `impl Into<FieldType>` per distinct field the keys
/// are built from (in order of first use), and the statements converting them.
pub(crate) fn key_params<'k>(
    model: &Model<'_>,
    keys: impl Iterator<Item = &'k Key>,
) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let mut params: Vec<usize> = Vec::new();
    for i in keys.flat_map(Key::field_indexes) {
        if !params.contains(&i) {
            params.push(i);
        }
    }
    params
        .iter()
        .map(|&i| {
            let (ident, ty) = (model.fields[i].ident, model.fields[i].ty);
            (
                quote! { #ident: impl ::core::convert::Into<#ty> },
                quote! { let #ident: #ty = ::core::convert::Into::into(#ident); },
            )
        })
        .unzip()
}

/// Key parts read from the constructor's converted parameters.
pub(crate) fn local_param<'m>(model: &'m Model<'_>) -> impl Fn(usize) -> TokenStream + 'm {
    move |i| {
        let ident = model.fields[i].ident;
        quote! { &#ident }
    }
}

/// `partition(..)` for the table and `<index>_partition(..)` for each index: the partition key
/// alone, for queries.
pub(crate) fn partition_fns(model: &Model<'_>) -> TokenStream {
    let table = partition_fn(model, &format_ident!("partition"), None, &model.partition_key);
    let indexes = model.indexes.iter().map(|index| {
        partition_fn(model, &index.partition_fn, Some(&index.name), &index.partition_key)
    });
    quote! { #table #(#indexes)* }
}

pub(crate) fn partition_fn(
    model: &Model<'_>,
    name: &Ident,
    index: Option<&str>,
    key: &Key,
) -> TokenStream {
    let vis = &model.input.vis;
    let item = format_ident!("__item");
    let (args, conversions) = key_params(model, std::iter::once(key));
    let render = render_key(model, key, &item, Absent::Skip, &local_param(model));
    let attribute = &key.attribute;
    let (index, doc) = match index {
        Some(name) => (
            quote! { ::ferrodyn::__private::Some(#name) },
            format!(
                "A partition of index `{name}` of `{}`, for queries: `{attribute}` = `{}`.",
                model.input.ident, key.source
            ),
        ),
        None => (
            quote! { ::ferrodyn::__private::None },
            format!(
                "A partition of `{}`'s table, for queries: `{attribute}` = `{}`.",
                model.input.ident, key.source
            ),
        ),
    };
    quote! {
        #[doc = #doc]
        #[must_use]
        #vis fn #name(#(#args),*) -> ::ferrodyn::__private::Partition<Self> {
            #(#conversions)*
            let mut #item = ::ferrodyn::__private::Item::with_capacity(1);
            #render
            ::ferrodyn::__private::Partition::from_rendered(#index, #attribute, #item)
        }
    }
}
