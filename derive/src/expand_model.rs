//! Code generation for `#[derive(Model)]`: the `Model` impl, its metadata, item conversion and the
//! typed field paths (keys and their constructors are in `expand_keys`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ast::{Field, Role};
use crate::expand_keys::{
    key_fn, key_meta, partition_fns, primary_key, primary_keys, render_key, Absent,
};
use crate::fields::{self, Conversion};
use crate::valid::{self, KeyKind, Model, Part, Projection};
use crate::{expand_default, expand_validate, fallback};

/// Lints the generated code must not trip in user crates.
pub(crate) fn allow_lints() -> TokenStream {
    quote! { #[allow(unused_qualifications, clippy::all, clippy::pedantic, clippy::nursery)] }
}

pub(crate) fn derive(input: &syn::DeriveInput) -> TokenStream {
    match valid::model(input) {
        Ok(model) => expand(&model),
        Err(invalid) => fallback::model(input, invalid),
    }
}

fn expand(model: &Model<'_>) -> TokenStream {
    let input = model.input;
    let ident = &input.ident;
    let allow = allow_lints();
    let meta = meta(model);
    let to_item = to_item(model);
    let from_item = from_item(model);
    let primary_key = primary_key(model);
    let validate = expand_validate::validate_fn(model);
    let inherent = inherent(model);
    let role_checks = role_checks(model);
    let relation_checks = crate::expand_relations::assertions(model);
    let declared = crate::expand_relations::declared(ident, &model.relations);
    let defaults = expand_default::helpers(input, &model.fields, model.default.as_ref());
    // A model that declares `entity` reads only items of its entity type, on every path: an image
    // without the attribute is another model's (or another writer's), as it is to `from_item` and
    // to the entity filter of queries and scans.
    let without_entity = if model.entity.is_some() {
        quote! { ::ferrodyn::__private::None }
    } else {
        quote! { ::ferrodyn::__private::Some(0) }
    };
    quote! {
        #role_checks
        #relation_checks
        #declared

        #[automatically_derived]
        #allow
        impl ::ferrodyn::__private::Model for #ident {
            #meta
            #to_item
            #from_item
            #primary_key
            #validate
        }

        #[automatically_derived]
        #allow
        impl<'de> ::ferrodyn::__private::DeserializeEntity<'de> for #ident {
            const MODELS: &'static [&'static ::ferrodyn::__private::ModelMeta] =
                &[<#ident as ::ferrodyn::__private::Model>::META];
            const WITHOUT_ENTITY: ::ferrodyn::__private::Option<usize> = #without_entity;

            #[inline]
            fn decode_model<__M: ::ferrodyn::__private::MapSource<'de>>(
                _index: usize,
                item: __M,
            ) -> ::ferrodyn::__private::Result<Self> {
                <#ident as ::ferrodyn::__private::Model>::decode_item(item)
            }
        }

        #inherent
        #defaults
    }
}

/// The model's own items: `key(..)`, the partition constructors and the typed field paths.
pub(crate) fn inherent(model: &Model<'_>) -> TokenStream {
    let ident = &model.input.ident;
    let allow = allow_lints();
    let key_fn = key_fn(model);
    let partition_fns = partition_fns(model);
    let relations = crate::expand_relations::constants(model);
    let fields = field_paths(model);
    quote! {
        #[automatically_derived]
        #allow
        impl #ident {
            #key_fn
            #partition_fns
            #relations
        }

        #fields
    }
}

fn option<T>(value: Option<T>, f: impl FnOnce(T) -> TokenStream) -> TokenStream {
    match value {
        Some(v) => {
            let inner = f(v);
            quote! { ::ferrodyn::__private::Some(#inner) }
        }
        None => quote! { ::ferrodyn::__private::None },
    }
}

/// `Model::META`, built through `__private`'s constructors: the metadata structs are
/// `#[non_exhaustive]`, so the user's crate cannot write them as literals.
fn meta(model: &Model<'_>) -> TokenStream {
    let type_name = model.input.ident.to_string();
    let table = &model.table;
    let entity = option(model.entity.as_ref(), |e| {
        let (attribute, value) = (&e.attribute, &e.value);
        quote! { ::ferrodyn::__private::entity_meta(#attribute, #value) }
    });
    let partition_key = key_meta(model, &model.partition_key);
    let sort_key = option(model.sort_key.as_ref(), |k| key_meta(model, k));
    let indexes = model.indexes.iter().map(|index| {
        let name = &index.name;
        let partition_key = key_meta(model, &index.partition_key);
        let sort_key = option(index.sort_key.as_ref(), |k| key_meta(model, k));
        let kind = if index.local {
            quote! { ::ferrodyn::__private::IndexKind::Local }
        } else {
            quote! { ::ferrodyn::__private::IndexKind::Global }
        };
        let projection = match &index.projection {
            Projection::All => quote! { ::ferrodyn::__private::ProjectionMeta::All },
            Projection::KeysOnly => quote! { ::ferrodyn::__private::ProjectionMeta::KeysOnly },
            Projection::Include(attributes) => {
                quote! { ::ferrodyn::__private::ProjectionMeta::Include(&[#(#attributes),*]) }
            }
        };
        quote! {
            ::ferrodyn::__private::index_meta(#name, #kind, #partition_key, #sort_key, #projection)
        }
    });
    let fields = model.fields.iter().filter(|f| f.is_stored()).map(|f| {
        let (name, attribute) = (&f.name, &f.attribute);
        quote! { ::ferrodyn::__private::field_meta(#name, #attribute) }
    });
    let role = |role: Role| {
        option(model.fields.iter().find(|f| f.role.map(|(r, _)| r) == Some(role)), |f| {
            let attribute = &f.attribute;
            quote! { #attribute }
        })
    };
    let (version, created_at, updated_at, ttl, id) = (
        role(Role::Version),
        role(Role::CreatedAt),
        role(Role::UpdatedAt),
        role(Role::Ttl),
        role(Role::Id),
    );
    let unique = model.unique.iter().map(|&i| &model.fields[i].attribute);
    quote! {
        const META: &'static ::ferrodyn::__private::ModelMeta = &::ferrodyn::__private::model_meta(
            #type_name,
            #table,
            #entity,
            #partition_key,
            #sort_key,
            &[#(#indexes),*],
            &[#(#fields),*],
            ::ferrodyn::__private::managed_fields(
                #version,
                #created_at,
                #updated_at,
                #ttl,
                #id,
                &[#(#unique),*],
            ),
        );
    }
}

/// Compile-time checks that each role field has a type ferrodyn can manage; the trait's
/// `on_unimplemented` message names the role.
fn role_checks(model: &Model<'_>) -> TokenStream {
    let checks = model.fields.iter().filter_map(|field| {
        let (role, _) = field.role?;
        let ty = field.ty;
        let check = match role {
            Role::Version => quote! { assert_version_field },
            Role::CreatedAt | Role::UpdatedAt => quote! { assert_timestamp_field },
            Role::Ttl => quote! { assert_ttl_field },
            Role::Id => quote! { assert_id_field },
        };
        Some(quote! { ::ferrodyn::__private::#check::<#ty>(); })
    });
    // A key template is text: a field that cannot be written as text (`Binary`) is refused.
    let templates = primary_keys(model)
        .chain(
            model.indexes.iter().flat_map(|i| std::iter::once(&i.partition_key).chain(&i.sort_key)),
        )
        .filter_map(|key| match &key.kind {
            KeyKind::Template(parts) => Some(parts),
            KeyKind::Direct(_) => None,
        })
        .flatten()
        .filter_map(|part| match part {
            Part::Field(i) => Some(&model.fields[*i]),
            Part::Literal(_) => None,
        })
        .map(|field| {
            let ty = field.ty;
            let message = format!(
                "field `{}` cannot be part of a key template: a `Binary` is a key attribute only \
                 by itself (`pk = \"{}\"`, a B key)",
                field.name, field.name
            );
            quote::quote_spanned! {field.ident.span()=>
                const _: () = ::core::assert!(
                    <#ty as ::ferrodyn::__private::KeyPart>::IN_TEMPLATE,
                    #message
                );
            }
        });
    quote! {
        const _: fn() = || { #(#checks)* };
        #(#templates)*
    }
}

fn count_attributes(model: &Model<'_>) -> usize {
    let fields = model.fields.iter().filter(|f| !f.skip_serializing).count();
    let keys = primary_keys(model)
        .chain(
            model.indexes.iter().flat_map(|i| std::iter::once(&i.partition_key).chain(&i.sort_key)),
        )
        .filter(|k| k.written && !matches!(k.kind, KeyKind::Direct(_)))
        .count();
    fields + keys + usize::from(model.entity.is_some())
}

fn to_item(model: &Model<'_>) -> TokenStream {
    let item = format_ident!("__item");
    let capacity = count_attributes(model);
    let self_field = |i: usize| {
        let ident = model.fields[i].ident;
        quote! { &self.#ident }
    };
    let primary = primary_keys(model).map(|key| match key.kind {
        // The field itself is the key attribute: encoded with the fields, but it must be there.
        KeyKind::Direct(i) => {
            let attribute = &key.attribute;
            let field = &model.fields[i].name;
            quote! {
                if !#item.contains_key(#attribute) {
                    return ::ferrodyn::__private::Err(
                        ::ferrodyn::__private::absent_key_part(#attribute, #field),
                    );
                }
            }
        }
        KeyKind::Template(_) if key.written => {
            render_key(model, key, &item, Absent::Error, &self_field)
        }
        KeyKind::Template(_) => TokenStream::new(),
    });
    let indexes = model
        .indexes
        .iter()
        .flat_map(|i| std::iter::once(&i.partition_key).chain(&i.sort_key))
        .filter(|k| k.written && !matches!(k.kind, KeyKind::Direct(_)))
        .map(|key| render_key(model, key, &item, Absent::Skip, &self_field));
    let entity = model.entity.as_ref().map(|e| {
        let (attribute, value) = (&e.attribute, &e.value);
        quote! {
            #item.insert(#attribute.to_owned(), ::ferrodyn::__private::AttributeValue::S(#value.to_owned()));
        }
    });
    let fields = fields::encode(&model.fields, Conversion::Autoref, &item);
    quote! {
        fn to_item(&self) -> ::ferrodyn::__private::Result<::ferrodyn::__private::Item> {
            let mut #item = ::ferrodyn::__private::Item::with_capacity(#capacity);
            #fields
            #(#primary)*
            #(#indexes)*
            #entity
            ::ferrodyn::__private::Ok(#item)
        }
    }
}

fn from_item(model: &Model<'_>) -> TokenStream {
    let item = format_ident!("__item");
    // Checked before decoding so that an item of another entity type reports that, rather than
    // whichever of its attributes happens to be decoded first: on the `Item` itself in
    // `from_item`, through the source's look-ahead in `decode_item`.
    let (on_item, on_source) = match model.entity.as_ref() {
        Some(e) => {
            let (attribute, value) = (&e.attribute, &e.value);
            (
                quote! {
                    match item.get(#attribute) {
                        ::ferrodyn::__private::Some(__entity) => {
                            ::ferrodyn::__private::check_entity_value(__entity, #value)?;
                        }
                        ::ferrodyn::__private::None => {
                            return ::ferrodyn::__private::Err(
                                ::ferrodyn::__private::missing_entity(#attribute, #value),
                            );
                        }
                    }
                },
                quote! {
                    if let ::ferrodyn::__private::Some(__entity) =
                        ::ferrodyn::__private::MapSource::lookup_str(&mut #item, #attribute)?
                    {
                        ::ferrodyn::__private::check_entity(&__entity, #value)?;
                    }
                },
            )
        }
        None => (TokenStream::new(), TokenStream::new()),
    };
    let decode = fields::decode(&model.fields, Conversion::Autoref, &item);
    quote! {
        #[inline]
        fn from_item(item: ::ferrodyn::__private::Item) -> ::ferrodyn::__private::Result<Self> {
            #on_item
            Self::decode_item(::ferrodyn::__private::ItemSource::new(item))
        }

        fn decode_item<'de, __M: ::ferrodyn::__private::MapSource<'de>>(
            mut #item: __M,
        ) -> ::ferrodyn::__private::Result<Self> {
            #on_source
            ::ferrodyn::__private::Ok({ #decode })
        }
    }
}

fn field_paths(model: &Model<'_>) -> TokenStream {
    let ident = &model.input.ident;
    let vis = &model.input.vis;
    let fields_ident = format_ident!("{}Fields", ident);
    let stored: Vec<&Field<'_>> = model.fields.iter().filter(|f| f.is_stored()).collect();
    let declarations = stored.iter().map(|f| {
        let (name, ty) = (f.ident, f.ty);
        let doc = format!("The attribute `{}` (field `{}`).", f.attribute, f.name);
        quote! {
            #[doc = #doc]
            #vis #name: ::ferrodyn::__private::Path<#ty>
        }
    });
    let values = stored.iter().map(|f| {
        let (name, attribute) = (f.ident, &f.attribute);
        quote! { #name: ::ferrodyn::__private::Path::new(#attribute) }
    });
    let struct_doc =
        format!("Typed attribute paths of [`{ident}`]'s fields, as `{ident}::FIELDS`.");
    let const_doc = "Typed attribute paths of the fields, for conditions and updates.";
    let allow = allow_lints();
    quote! {
        #[doc = #struct_doc]
        #[derive(::core::fmt::Debug)]
        #allow
        #vis struct #fields_ident {
            #(#declarations),*
        }

        #[automatically_derived]
        #allow
        impl #ident {
            #[doc = #const_doc]
            #vis const FIELDS: #fields_ident = #fields_ident { #(#values),* };
        }
    }
}
