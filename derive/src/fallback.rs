//! What a derive emits when its input has an error: the compile error, plus the trait impls and
//! inherent items a valid input would have had, with bodies that never run (the crate does not
//! compile), so that the uses of the type elsewhere (`Order::key(..)`, `Order::FIELDS.status`, a
//! `T: Model` bound) add no errors of their own and the user sees the one mistake they made. This
//! is thiserror's fallback expansion, for ferrodyn's traits.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::expand_attribute::bounded;
use crate::expand_model::{allow_lints, inherent};
use crate::valid::Invalid;

pub(crate) fn model(input: &DeriveInput, invalid: Invalid<'_>) -> TokenStream {
    let error = invalid.error.into_compile_error();
    let ident = &input.ident;
    let allow = allow_lints();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    // The inherent items come from what did resolve: the keys' parameters and the field paths.
    // Generic structs are refused, and their field types could not be named without the
    // parameters, so they get the trait impls only.
    let inherent =
        invalid.partial.filter(|_| input.generics.params.is_empty()).map(|model| inherent(&model));
    let deserialize_entity = deserialize_entity(input);
    let declared =
        (input.generics.params.is_empty()).then(|| crate::expand_relations::declared(ident, &[]));
    quote! {
        #error
        #declared

        #[automatically_derived]
        #allow
        impl #impl_generics ::ferrodyn::__private::Model for #ident #ty_generics #where_clause {
            const META: &'static ::ferrodyn::__private::ModelMeta =
                &::ferrodyn::__private::unresolved_meta();
            fn to_item(&self) -> ::ferrodyn::__private::Result<::ferrodyn::__private::Item> {
                ::core::unreachable!()
            }
            fn from_item(
                _: ::ferrodyn::__private::Item,
            ) -> ::ferrodyn::__private::Result<Self> {
                ::core::unreachable!()
            }
            fn primary_key(&self) -> ::ferrodyn::__private::Key<Self> {
                ::core::unreachable!()
            }
        }

        #deserialize_entity

        #inherent
    }
}

pub(crate) fn attribute(input: &DeriveInput, error: syn::Error) -> TokenStream {
    let error = error.into_compile_error();
    let ident = &input.ident;
    let allow = allow_lints();
    let to = bounded(&input.generics, &quote! { ::ferrodyn::__private::ToAttributeValue });
    let (to_impl, to_ty, to_where) = to.split_for_impl();
    let from = bounded(&input.generics, &quote! { ::ferrodyn::__private::FromAttributeValue });
    let (from_impl, from_ty, from_where) = from.split_for_impl();
    // Unit enums are also key parts; give them that impl too, so key templates naming them hold.
    let key_part = matches!(input.data, syn::Data::Enum(_)).then(|| {
        let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
        quote! {
            #[automatically_derived]
            #allow
            impl #impl_generics ::ferrodyn::__private::KeyPart for #ident #ty_generics #where_clause {
                const SCALAR: ::ferrodyn::__private::ScalarType = ::ferrodyn::__private::ScalarType::S;
                fn write_key_part(&self, _: &mut ::ferrodyn::__private::String) -> bool {
                    ::core::unreachable!()
                }
            }
        }
    });
    quote! {
        #error

        #[automatically_derived]
        #allow
        impl #to_impl ::ferrodyn::__private::ToAttributeValue for #ident #to_ty #to_where {
            fn to_attribute_value(&self) -> ::ferrodyn::__private::AttributeValue {
                ::core::unreachable!()
            }
        }

        #[automatically_derived]
        #allow
        impl #from_impl ::ferrodyn::__private::FromAttributeValue for #ident #from_ty #from_where {
            fn from_attribute_value(
                _: ::ferrodyn::__private::AttributeValue,
            ) -> ::ferrodyn::__private::Result<Self> {
                ::core::unreachable!()
            }
        }

        #key_part
    }
}

pub(crate) fn entities(input: &DeriveInput, error: syn::Error) -> TokenStream {
    let error = error.into_compile_error();
    let ident = &input.ident;
    let type_name = ident.to_string();
    let allow = allow_lints();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let deserialize_entity = deserialize_entity(input);
    quote! {
        #error

        #[automatically_derived]
        #allow
        impl #impl_generics ::ferrodyn::__private::Entities for #ident #ty_generics #where_clause {
            const TYPE_NAME: &'static str = #type_name;
            const MODELS: &'static [&'static ::ferrodyn::__private::ModelMeta] = &[];
            fn from_entity_item(
                _: ::ferrodyn::__private::Item,
            ) -> ::ferrodyn::__private::Option<::ferrodyn::__private::Result<Self>> {
                ::core::unreachable!()
            }
        }

        #deserialize_entity
    }
}

/// `DeserializeEntity`, which both derives implement; not for generic types, which both refuse.
fn deserialize_entity(input: &DeriveInput) -> Option<TokenStream> {
    let ident = &input.ident;
    let allow = allow_lints();
    input.generics.params.is_empty().then(|| {
        quote! {
            #[automatically_derived]
            #allow
            impl<'de> ::ferrodyn::__private::DeserializeEntity<'de> for #ident {
                const MODELS: &'static [&'static ::ferrodyn::__private::ModelMeta] = &[];
                const WITHOUT_ENTITY: ::ferrodyn::__private::Option<usize> =
                    ::ferrodyn::__private::None;
                fn decode_model<__M: ::ferrodyn::__private::MapSource<'de>>(
                    _: usize,
                    _: __M,
                ) -> ::ferrodyn::__private::Result<Self> {
                    ::core::unreachable!()
                }
            }
        }
    })
}
