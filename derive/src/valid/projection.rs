//! Checking `#[derive(IndexProjection)]`: a struct with named fields and
//! `#[ferrodyn(projection_of = Model, index = "name")]`. Whether the index exists and projects
//! each field needs the model's metadata, so the expansion asserts it at compile time
//! (`expand_projection`).

use syn::spanned::Spanned;
use syn::{DeriveInput, Ident, LitStr};

use super::container::{self, ContainerUse};
use crate::ast::{self, ContainerDefault, Field};
use crate::errors::Errors;

/// A typed projection of one index of a model.
pub(crate) struct ProjectionStruct<'a> {
    pub(crate) input: &'a DeriveInput,
    pub(crate) fields: Vec<Field<'a>>,
    pub(crate) model: syn::Type,
    pub(crate) index: LitStr,
    pub(crate) default: Option<ContainerDefault>,
}

const NAMED: &str = "`#[derive(IndexProjection)]` needs a struct with named fields, each an \
                     attribute the index projects";
const OPTIONS: &str = "projection_of, index";

pub(crate) fn projection(input: &DeriveInput) -> syn::Result<ProjectionStruct<'_>> {
    let named = match &input.data {
        syn::Data::Struct(syn::DataStruct { fields: syn::Fields::Named(named), .. }) => named,
        _ => return Err(syn::Error::new_spanned(&input.ident, NAMED)),
    };
    let mut errors = Errors::default();
    if !input.generics.params.is_empty() {
        errors.spanned(&input.generics, "`#[derive(IndexProjection)]` does not support generics");
    }
    let container = ast::serde_container(&input.attrs, &mut errors);
    container::check(&container, ContainerUse::Model, &mut errors);
    let mut fields = ast::fields(named, &container, &mut errors);
    container::apply_default(&mut fields, &container);
    for field in &fields {
        if let Some((role, span)) = field.role {
            let message = format!(
                "`{}` belongs on the model's field: a projection is only read",
                role.name()
            );
            errors.push(syn::Error::new(span, message));
        }
        if let Some(path) = field.validators.first() {
            errors.spanned(path, "`validate` belongs on the model: a projection is only read");
        }
        if field.skip_deserializing || field.skip_serializing {
            errors.spanned(
                field.ident,
                "a projection field is read from the index: it cannot be skipped",
            );
        }
    }
    if fields.is_empty() {
        errors.spanned(&input.ident, "a projection needs at least one field");
    }

    let (mut model, mut index) = (None, None);
    let mut first = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("ferrodyn")) {
        first.get_or_insert(attr);
        let result = attr.parse_nested_meta(|meta| {
            match meta.path.get_ident().map(Ident::to_string).as_deref() {
                Some("projection_of") => model = Some(meta.value()?.parse::<syn::Type>()?),
                Some("index") => index = Some(meta.value()?.parse::<LitStr>()?),
                _ => {
                    let name = quote::ToTokens::to_token_stream(&meta.path).to_string();
                    errors.spanned(
                        &meta.path,
                        format!("unknown ferrodyn option `{name}`; expected one of: {OPTIONS}"),
                    );
                    if meta.input.peek(syn::Token![=]) {
                        meta.value()?.parse::<syn::Expr>()?;
                    }
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    let span = first.map_or_else(|| input.ident.span(), Spanned::span);
    let missing = || {
        syn::Error::new(
            span,
            "`#[derive(IndexProjection)]` needs `#[ferrodyn(projection_of = Model, index = \
             \"name\")]` on the struct",
        )
    };
    let found = match (model, index) {
        (Some(model), Some(index)) => Some((model, index)),
        _ => {
            errors.push(missing());
            None
        }
    };
    errors.finish()?;
    let (model, index) = found.ok_or_else(missing)?;
    Ok(ProjectionStruct { input, fields, model, index, default: container.default })
}
