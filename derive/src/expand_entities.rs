//! Code generation for `#[derive(Entities)]`: the `Entities` impl that picks a variant by an item's
//! entity attribute, and a compile-time check that every variant's model declares `entity`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::fallback;
use crate::valid::{self, EntitiesEnum};

pub(crate) fn derive(input: &syn::DeriveInput) -> TokenStream {
    match valid::entities(input) {
        Ok(entities) => expand(&entities),
        Err(error) => fallback::entities(input, error),
    }
}

fn expand(entities: &EntitiesEnum<'_>) -> TokenStream {
    let ident = &entities.input.ident;
    let type_name = ident.to_string();
    let assertions = entities.variants.iter().map(|(variant, ty)| {
        let message = format!(
            "`#[derive(Entities)]`: the model of variant `{type_name}::{variant}` must declare \
             `entity = \"...\"` in `#[ferrodyn(...)]`"
        );
        quote! {
            ::core::assert!(
                ::ferrodyn::__private::has_entity(<#ty as ::ferrodyn::__private::Model>::META),
                #message
            );
        }
    });
    let models = entities.variants.iter().map(|(_, ty)| {
        quote! { <#ty as ::ferrodyn::__private::Model>::META }
    });
    let arms = entities.variants.iter().map(|(variant, ty)| {
        quote! {
            if ::ferrodyn::__private::is_entity(&item, <#ty as ::ferrodyn::__private::Model>::META) {
                return ::ferrodyn::__private::Some(
                    <#ty as ::ferrodyn::__private::Model>::from_item(item).map(Self::#variant),
                );
            }
        }
    });
    let models2 = entities.variants.iter().map(|(_, ty)| {
        quote! { <#ty as ::ferrodyn::__private::Model>::META }
    });
    let decode_arms = entities.variants.iter().enumerate().map(|(index, (variant, ty))| {
        quote! {
            #index => <#ty as ::ferrodyn::__private::Model>::decode_item(item).map(Self::#variant),
        }
    });
    quote! {
        // Module-level, so that the check runs whether or not anything reads `MODELS`.
        const _: () = { #(#assertions)* };

        #[automatically_derived]
        #[allow(unused_qualifications, clippy::all, clippy::pedantic, clippy::nursery)]
        impl ::ferrodyn::__private::Entities for #ident {
            const TYPE_NAME: &'static str = #type_name;
            const MODELS: &'static [&'static ::ferrodyn::__private::ModelMeta] = &[#(#models),*];

            fn from_entity_item(
                item: ::ferrodyn::__private::Item,
            ) -> ::ferrodyn::__private::Option<::ferrodyn::__private::Result<Self>> {
                #(#arms)*
                ::ferrodyn::__private::None
            }
        }

        // An item without the entity attribute names no variant, so it is left undecoded.
        #[automatically_derived]
        #[allow(unused_qualifications, clippy::all, clippy::pedantic, clippy::nursery)]
        impl<'de> ::ferrodyn::__private::DeserializeEntity<'de> for #ident {
            const MODELS: &'static [&'static ::ferrodyn::__private::ModelMeta] = &[#(#models2),*];
            const WITHOUT_ENTITY: ::ferrodyn::__private::Option<usize> = ::ferrodyn::__private::None;

            fn decode_model<__M: ::ferrodyn::__private::MapSource<'de>>(
                index: usize,
                item: __M,
            ) -> ::ferrodyn::__private::Result<Self> {
                match index {
                    #(#decode_arms)*
                    _ => ::ferrodyn::__private::Err(::ferrodyn::__private::no_model(#type_name, index)),
                }
            }
        }
    }
}
