//! Checking the relation entries of a model (`has_many`, `has_one`, `belongs_to`,
//! `many_to_many`): what can be judged from this model's attribute alone. Whether the related
//! model's keys render from this one's fields needs both models' metadata, so the expansion
//! asserts it at compile time (`expand_relations`).

use std::collections::HashMap;

use crate::ast::{RelationAttrs, RelationKind};
use crate::errors::Errors;

/// Names a relation cannot take: its constant would be one the derive already generates.
const RESERVED: [&str; 2] = ["fields", "meta"];

pub(crate) fn check(relations: &[RelationAttrs], errors: &mut Errors) {
    let mut seen: HashMap<String, &RelationAttrs> = HashMap::new();
    for relation in relations {
        let name = relation.name.to_string();
        let keyword = relation.kind.keyword();
        let constant = name.to_uppercase();
        if RESERVED.contains(&name.to_lowercase().as_str()) {
            errors.spanned(
                &relation.name,
                format!("a relation cannot be named `{name}`: `{constant}` is generated already"),
            );
        }
        if seen.insert(constant.clone(), relation).is_some() {
            errors.spanned(
                &relation.name,
                format!("two relations of this model are both generated as `{constant}`"),
            );
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
    }
}
