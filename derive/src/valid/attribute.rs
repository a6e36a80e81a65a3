//! Checking `#[derive(Attribute)]`: a struct with named fields (a map, M) or an enum whose variants
//! are all units (a string, S), with no `#[ferrodyn(...)]` options and no field roles.

use syn::DeriveInput;

use super::container::{self, ContainerUse};
use crate::ast::{self, ContainerDefault, Field};
use crate::errors::Errors;

const SUPPORTED: &str =
    "`#[derive(Attribute)]` supports structs with named fields (stored as a map, M) \
     and enums whose variants are all units (stored as a string, S)";

/// Validators run on writes of a model, which an `Attribute` type is only part of.
const NOT_VALIDATED: &str =
    "`validate` applies to a `#[derive(Model)]` struct and its fields, not to an `Attribute` \
     type; validate the model field that holds it (`#[ferrodyn(validate = path)]` there)";

/// A type for `#[derive(Attribute)]`, by the shape it is stored in.
pub(crate) enum AttributeInput<'a> {
    /// A map (M) of the fields.
    Struct {
        input: &'a DeriveInput,
        fields: Vec<Field<'a>>,
        /// `#[serde(default)]` on the struct.
        default: Option<ContainerDefault>,
    },
    /// The variant's name (S).
    Enum { input: &'a DeriveInput, variants: Vec<(&'a syn::Ident, String)> },
}

pub(crate) fn attribute(input: &DeriveInput) -> syn::Result<AttributeInput<'_>> {
    let mut errors = Errors::default();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("ferrodyn")) {
        if ast::mentions(attr, "validate") {
            errors.spanned(attr, NOT_VALIDATED);
            continue;
        }
        errors.spanned(
            attr,
            "`#[derive(Attribute)]` takes no `#[ferrodyn(...)]` options; \
             rename with `#[serde(rename = \"...\")]` or `#[serde(rename_all = \"...\")]`",
        );
    }
    let container = ast::serde_container(&input.attrs, &mut errors);
    let out = match &input.data {
        syn::Data::Struct(syn::DataStruct { fields: syn::Fields::Named(named), .. }) => {
            container::check(&container, ContainerUse::AttributeStruct, &mut errors);
            let mut fields = ast::fields(named, &container, &mut errors);
            container::apply_default(&mut fields, &container);
            for field in &fields {
                if let Some(span) = field.with_span {
                    errors.push(syn::Error::new(
                        span,
                        "`#[derive(Attribute)]` fields convert by their types' impls; \
                         `with`/`serialize_with`/`deserialize_with` apply to fields of a `Model`",
                    ));
                }
                if let Some(validator) = field.validators.first() {
                    errors.spanned(validator, NOT_VALIDATED);
                }
                if let Some((role, span)) = field.role {
                    errors.push(syn::Error::new(
                        span,
                        format!(
                            "`{}` applies to fields of a `Model`, not of an `Attribute`",
                            role.name()
                        ),
                    ));
                }
            }
            Some(AttributeInput::Struct { input, fields, default: container.default })
        }
        syn::Data::Struct(s) if matches!(s.fields, syn::Fields::Unit) => {
            errors.spanned(&input.ident, format!("{SUPPORTED}, not unit structs"));
            None
        }
        syn::Data::Struct(s) => {
            errors.spanned(&s.fields, format!("{SUPPORTED}, not tuple structs"));
            None
        }
        syn::Data::Enum(e) => {
            container::check(&container, ContainerUse::AttributeEnum, &mut errors);
            let mut variants = Vec::with_capacity(e.variants.len());
            for variant in &e.variants {
                if !matches!(variant.fields, syn::Fields::Unit) {
                    errors.spanned(
                        variant,
                        format!("{SUPPORTED}; variant `{}` carries data", variant.ident),
                    );
                }
                variants
                    .push((&variant.ident, ast::variant_name(variant, &container, &mut errors)));
            }
            Some(AttributeInput::Enum { input, variants })
        }
        syn::Data::Union(u) => {
            errors.push(syn::Error::new(u.union_token.span, SUPPORTED));
            None
        }
    };
    errors.finish()?;
    // Every shape without an `AttributeInput` pushed an error, so `finish` returned it.
    out.ok_or_else(|| syn::Error::new_spanned(&input.ident, SUPPORTED))
}
