//! Checking: turns what `ast` parsed into a description the expansions can trust, and rejects
//! inputs DynamoDB or the generated code could not honour. Every mistake found is reported, each
//! on the attribute that causes it. One submodule per derive (`model`, `attribute`, `entities`),
//! plus the key templates (`keys`) and serde's container attributes (`container`) they share.

mod attribute;
mod container;
mod entities;
mod index;
mod keys;
mod model;
mod projection;
mod relations;

use syn::LitStr;

use crate::errors::Errors;

pub(crate) use attribute::{attribute, AttributeInput};
pub(crate) use container::container_default_fn;
pub(crate) use entities::{entities, EntitiesEnum};
pub(crate) use index::Projection;
pub(crate) use keys::{Key, KeyKind, Part};
pub(crate) use model::{model, Invalid, Model};
pub(crate) use projection::{projection, ProjectionStruct};

fn non_empty(lit: &LitStr, what: &str, errors: &mut Errors) -> String {
    let value = lit.value();
    if value.is_empty() {
        errors.spanned(lit, format!("empty {what}"));
    }
    value
}
