//! Code generation for `#[derive(IndexProjection)]`: the `IndexProjection` impl, decoding through
//! the same field code as `Model::from_item`, and compile-time assertions over the model's `META`
//! that the index exists and projects each field's attribute.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use crate::expand_model::allow_lints;
use crate::fields::{self, Conversion};
use crate::valid::{self, ProjectionStruct};

pub(crate) fn derive(input: &syn::DeriveInput) -> TokenStream {
    match valid::projection(input) {
        Ok(projection) => expand(&projection),
        Err(error) => fallback(input, error),
    }
}

fn expand(projection: &ProjectionStruct<'_>) -> TokenStream {
    let ident = &projection.input.ident;
    let type_name = ident.to_string();
    let model = &projection.model;
    let index = &projection.index;
    let allow = allow_lints();
    let item = format_ident!("__item");
    let decode = fields::decode(&projection.fields, Conversion::Autoref, &item);
    let defaults = crate::expand_default::helpers(
        projection.input,
        &projection.fields,
        projection.default.as_ref(),
    );
    let attributes: Vec<&String> = projection.fields.iter().map(|f| &f.attribute).collect();
    let index_name = index.value();
    let has_index = format!("model `{}` has no index `{index_name}`", quote!(#model));
    let assertions = projection.fields.iter().map(|field| {
        let attribute = &field.attribute;
        let message = format!(
            "field `{}` (attribute `{attribute}`) is not projected by index `{index_name}` of \
             `{}`: name a key attribute, an attribute the index includes, or project ALL",
            field.name,
            quote!(#model)
        );
        quote_spanned! {field.ident.span()=>
            const _: () = ::core::assert!(
                ::ferrodyn::__private::index_projects(
                    <#model as ::ferrodyn::__private::Model>::META,
                    #index,
                    #attribute,
                ),
                #message
            );
        }
    });
    quote! {
        const _: () = ::core::assert!(
            ::ferrodyn::__private::has_index(<#model as ::ferrodyn::__private::Model>::META, #index),
            #has_index
        );
        #(#assertions)*

        #[automatically_derived]
        #allow
        impl ::ferrodyn::__private::IndexProjection for #ident {
            type Model = #model;
            const INDEX: &'static str = #index;
            const TYPE_NAME: &'static str = #type_name;
            const ATTRIBUTES: &'static [&'static str] = &[#(#attributes),*];

            fn from_item(
                item: ::ferrodyn::__private::Item,
            ) -> ::ferrodyn::__private::Result<Self> {
                let mut #item = ::ferrodyn::__private::ItemSource::new(item);
                ::ferrodyn::__private::Ok({ #decode })
            }
        }

        #defaults
    }
}

/// The error, and the impl a valid input would have had when the model is known, so that a
/// mistake is reported once, not again at every read.
fn fallback(input: &syn::DeriveInput, error: syn::Error) -> TokenStream {
    let error = error.into_compile_error();
    let ident = &input.ident;
    let type_name = ident.to_string();
    let allow = allow_lints();
    let model = input.attrs.iter().filter(|a| a.path().is_ident("ferrodyn")).find_map(|attr| {
        let mut model = None;
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("projection_of") {
                model = Some(meta.value()?.parse::<syn::Type>()?);
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        });
        model
    });
    let Some(model) = model.filter(|_| input.generics.params.is_empty()) else { return error };
    quote! {
        #error

        #[automatically_derived]
        #allow
        impl ::ferrodyn::__private::IndexProjection for #ident {
            type Model = #model;
            const INDEX: &'static str = "";
            const TYPE_NAME: &'static str = #type_name;
            const ATTRIBUTES: &'static [&'static str] = &[];
            fn from_item(
                _: ::ferrodyn::__private::Item,
            ) -> ::ferrodyn::__private::Result<Self> {
                ::core::unreachable!()
            }
        }
    }
}
