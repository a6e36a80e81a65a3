//! Checking `#[derive(Entities)]`: an enum with one newtype variant per model, each model once.

use std::collections::HashMap;

use quote::ToTokens;
use syn::DeriveInput;

use crate::errors::Errors;

/// An enum for `#[derive(Entities)]`: one newtype variant per model.
pub(crate) struct EntitiesEnum<'a> {
    pub(crate) input: &'a DeriveInput,
    /// Each variant and its model type.
    pub(crate) variants: Vec<(&'a syn::Ident, &'a syn::Type)>,
}

pub(crate) fn entities(input: &DeriveInput) -> syn::Result<EntitiesEnum<'_>> {
    const NEWTYPE: &str = "each variant of `#[derive(Entities)]` holds one model, as in \
                           `Order(Order)`";
    let data = match &input.data {
        syn::Data::Enum(data) => data,
        _ => {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "`#[derive(Entities)]` needs an enum with one newtype variant per model, \
                 as in `enum View { Customer(Customer), Order(Order) }`",
            ))
        }
    };
    let mut errors = Errors::default();
    if !input.generics.params.is_empty() {
        errors.spanned(&input.generics, "`#[derive(Entities)]` does not support generic enums");
    }
    let options = input.attrs.iter().chain(data.variants.iter().flat_map(|v| &v.attrs));
    for attr in options.filter(|a| a.path().is_ident("ferrodyn")) {
        errors.spanned(
            attr,
            "`#[derive(Entities)]` takes no `#[ferrodyn(...)]` options; declare them (`entity`, \
             `validate`, ...) on each variant's model",
        );
    }
    if data.variants.is_empty() {
        errors.spanned(&input.ident, "`#[derive(Entities)]` needs at least one variant");
    }
    let mut variants = Vec::new();
    let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
    for variant in &data.variants {
        match &variant.fields {
            syn::Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                let ty = &fields.unnamed[0].ty;
                let key = ty.to_token_stream().to_string();
                if let Some(other) = seen.insert(key, &variant.ident) {
                    errors.spanned(
                        ty,
                        format!("variant `{other}` already holds this model; an entity type picks one variant"),
                    );
                }
                variants.push((&variant.ident, ty));
            }
            syn::Fields::Unit => errors.spanned(&variant.ident, NEWTYPE),
            fields => errors.spanned(fields, NEWTYPE),
        }
    }
    errors.finish()?;
    Ok(EntitiesEnum { input, variants })
}
