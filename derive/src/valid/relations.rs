//! Checking the relation entries of a model (`has_many`, `has_one`, `belongs_to`,
//! `many_to_many`): what can be judged from this model's attribute alone. Whether the related
//! model's keys render from this one's fields needs both models' metadata, so the expansion
//! asserts it at compile time (`expand_relations`).

use std::collections::HashSet;

use crate::ast::{RelationAttrs, RelationKind};
use crate::errors::Errors;

/// Names a relation cannot take: its constant would be one the derive already generates.
const RESERVED: [&str; 2] = ["fields", "meta"];

/// Checks `relations` and returns those that can be generated: a relation with a reserved or
/// repeated name is reported and left out, so that its constant adds no error of its own.
pub(crate) fn check(relations: Vec<RelationAttrs>, errors: &mut Errors) -> Vec<RelationAttrs> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(relations.len());
    for relation in relations {
        let relation = &relation;
        let name = relation.name.to_string();
        let keyword = relation.kind.keyword();
        let constant = name.to_uppercase();
        let mut generated = true;
        if RESERVED.contains(&name.to_lowercase().as_str()) {
            errors.spanned(
                &relation.name,
                format!("a relation cannot be named `{name}`: `{constant}` is generated already"),
            );
            generated = false;
        } else if !seen.insert(constant.clone()) {
            errors.spanned(
                &relation.name,
                format!("two relations of this model are both generated as `{constant}`"),
            );
            generated = false;
        }
        if let Some(index) = &relation.index {
            if relation.kind != RelationKind::HasMany {
                errors.spanned(
                    index,
                    format!("`index` belongs to `has_many` (children found through their index), not to `{keyword}`"),
                );
            } else if index.value().is_empty() {
                errors.spanned(index, "empty index name");
            }
        }
        if let Some(key) = &relation.key_path {
            if relation.kind == RelationKind::ManyToMany {
                errors.spanned(
                    key,
                    "`key` belongs to `has_many`, `has_one` and `belongs_to`, not to \
                     `many_to_many` (its edges hold both ends' primary keys)",
                );
            } else if relation.key.is_empty() {
                errors.spanned(
                    key,
                    "empty `key(..)`: map at least one field, as in `key(customer_id = id)`",
                );
            }
        }
        match (&relation.inverse, relation.kind) {
            (None, RelationKind::ManyToMany) => errors.spanned(
                &relation.path,
                format!(
                    "`many_to_many` needs `inverse = ...`, the relation's name seen from the other \
                     model, as in `many_to_many({name} = Model, inverse = other_name)`"
                ),
            ),
            (Some(inverse), kind) if kind != RelationKind::ManyToMany => errors.spanned(
                inverse,
                format!("`inverse` belongs to `many_to_many`, not to `{keyword}`"),
            ),
            _ => {}
        }
        if generated {
            out.push(relation.clone());
        }
    }
    out
}
