//! serde's container attributes on a `Model` or `Attribute` type: each is honoured by the
//! generated conversion, changes nothing ferrodyn stores, or is refused here, so that no path
//! stores or reads the type differently from another.

use proc_macro2::Ident;
use quote::format_ident;

use crate::ast::{Field, FieldDefault, SerdeContainer};
use crate::errors::Errors;

/// Which derive reads the attributes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContainerUse {
    Model,
    AttributeStruct,
    AttributeEnum,
}

/// Entries that only govern serde's own impls (the type's name in serde's data model, the
/// bounds and crate path of the impls, the text of serde's errors): nothing stored changes.
const SERDE_ONLY: [&str; 4] = ["rename", "bound", "crate", "expecting"];

const CONVERSION: &str = "the generated conversion would bypass it; derive on the type that is \
                          stored, or implement `ToAttributeValue` and `FromAttributeValue` by hand";

/// What the derive stores the type as, for refusals of serde's other shapes.
fn shape(usage: ContainerUse) -> &'static str {
    match usage {
        ContainerUse::Model => {
            "ferrodyn stores a model as the item's attributes; to tell kinds of item apart, use \
             `#[ferrodyn(entity = \"...\")]`"
        }
        ContainerUse::AttributeStruct => {
            "`#[derive(Attribute)]` stores a struct as a map (M) of its fields"
        }
        ContainerUse::AttributeEnum => {
            "`#[derive(Attribute)]` stores a unit enum as the variant's name (S)"
        }
    }
}

/// Why an entry is refused, or `None` when it is accepted.
fn refusal(name: &str, usage: ContainerUse) -> Option<String> {
    let reason = match name {
        "deny_unknown_fields" => "an item also carries its key, index and entity attributes, so \
                                  every path reads past attributes that are no field"
            .to_owned(),
        "tag" | "content" | "untagged" => {
            format!("it changes the shape serde gives the type, and {}", shape(usage))
        }
        "remote" | "transparent" | "from" | "try_from" | "into" => {
            format!("serde would convert the type through another one, and {CONVERSION}")
        }
        "rename_all_fields" => "it renames the fields of struct variants, and a `Model` is a \
                                struct while an `Attribute` enum has unit variants only; use \
                                `rename_all`"
            .to_owned(),
        "variant_identifier" | "field_identifier" => format!(
            "it lets serde read a variant from its index too, and {}",
            shape(ContainerUse::AttributeEnum)
        ),
        "default" if usage == ContainerUse::AttributeEnum => {
            "it gives missing fields a value, and an enum has none".to_owned()
        }
        _ => return None,
    };
    Some(reason)
}

/// Refuses, each on its own entry, the container attributes ferrodyn cannot honour on every path.
pub(crate) fn check(container: &SerdeContainer, usage: ContainerUse, errors: &mut Errors) {
    let entries = container
        .others
        .iter()
        .map(|path| (path, path.get_ident().map(Ident::to_string).unwrap_or_default()))
        .chain(container.default.iter().map(|d| (&d.path, "default".to_owned())));
    for (path, name) in entries {
        if SERDE_ONLY.contains(&name.as_str()) {
            continue;
        }
        if let Some(reason) = refusal(&name, usage) {
            errors.spanned(path, format!("ferrodyn does not support `#[serde({name})]`: {reason}"));
        }
        // Names serde does not know are left to serde's own error.
    }
}

/// Gives every field without a default of its own the container's: the value of the field in
/// `Default::default()` (or the function's result), read by a helper the expansion emits.
pub(crate) fn apply_default(fields: &mut [Field<'_>], container: &SerdeContainer) {
    if container.default.is_none() {
        return;
    }
    for field in fields.iter_mut().filter(|f| f.default.is_none()) {
        let helper = container_default_fn(&field.name);
        field.default = Some(FieldDefault::Function(syn::parse_quote!(Self::#helper)));
    }
}

/// The helper returning a field's value in the container's default.
pub(crate) fn container_default_fn(field_name: &str) -> Ident {
    format_ident!("__ferrodyn_default_{}", field_name)
}
