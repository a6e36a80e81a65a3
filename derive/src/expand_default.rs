//! Code generation for `#[serde(default)]` on a struct: one hidden helper per field returning the
//! field's value in the container's default, which the decoding calls for a missing field (the
//! fields' defaults point at them, see `valid::container`).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::{ContainerDefault, Field};
use crate::valid::container_default_fn;

pub(crate) fn helpers(
    input: &syn::DeriveInput,
    fields: &[Field<'_>],
    default: Option<&ContainerDefault>,
) -> TokenStream {
    let Some(default) = default else { return TokenStream::new() };
    // Spanned on `default`, so that a type without `Default` is reported there.
    let value = match &default.function {
        Some(function) => quote_spanned! {default.path.span()=> #function() },
        None => quote_spanned! {default.path.span()=>
            <Self as ::core::default::Default>::default()
        },
    };
    let helpers = fields.iter().map(|field| {
        let (ident, ty) = (field.ident, field.ty);
        let helper = container_default_fn(&field.name);
        quote! {
            #[doc(hidden)]
            fn #helper() -> #ty {
                #value.#ident
            }
        }
    });
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        // Fields with a default of their own leave their helper unused.
        #[automatically_derived]
        #[allow(dead_code, clippy::all, clippy::pedantic, clippy::nursery)]
        impl #impl_generics #ident #ty_generics #where_clause {
            #(#helpers)*
        }
    }
}
