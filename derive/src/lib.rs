//! Derive macros for ferrodyn: `#[derive(Model)]` and `#[derive(Attribute)]`.
//!
//! Use them through the `ferrodyn` crate, which re-exports both. The generated code names
//! `::ferrodyn::__private` only, so that ferrodyn can change its internals without breaking users.

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

mod ast;
mod case;
mod expand_attribute;
mod expand_model;
mod fields;
mod valid;

/// Derives `ferrodyn::Model` for a struct with named fields, plus an inherent `key(..)` constructor
/// and typed field paths (`FIELDS`).
///
/// ```ignore
/// #[derive(Model, Serialize, Deserialize)]
/// #[ferrodyn(table = "shop", entity = "Order",
///            pk = "CUSTOMER#{customer_id}", sk = "ORDER#{order_id}",
///            index(name = "gsi1", pk = "STATUS#{status}", sk = "{created_at}"))]
/// pub struct Order { customer_id: String, order_id: String, status: Status, created_at: String }
/// ```
#[proc_macro_derive(Model, attributes(ferrodyn))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_model::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Derives `ferrodyn::ToAttributeValue` and `FromAttributeValue` for a struct with named fields
/// (a map, M) or an enum of unit variants (a string, S, which is also a `KeyPart`).
#[proc_macro_derive(Attribute, attributes(ferrodyn))]
pub fn derive_attribute(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_attribute::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
