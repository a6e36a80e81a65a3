//! Checking the index entries of a model: `index(..)` (global) and `local_index(..)` (the
//! table's partition key, another sort key), their names, keys and projections.

use std::collections::HashMap;

use syn::LitStr;

use super::keys::{Checker, Key};
use super::model::Entity;
use super::non_empty;
use crate::ast::{IndexAttrs, ModelAttrs};
use crate::errors::Errors;

/// DynamoDB's limit on local secondary indexes per table.
const MAX_LOCAL_INDEXES: usize = 5;

pub(crate) struct Index {
    pub(crate) name: String,
    /// A local secondary index: its partition key is a copy of the table's.
    pub(crate) local: bool,
    /// `<name>_partition`, the generated constructor of the index's partition.
    pub(crate) partition_fn: syn::Ident,
    pub(crate) partition_key: Key,
    pub(crate) sort_key: Option<Key>,
    pub(crate) projection: Projection,
}

/// What an index projects besides the keys.
pub(crate) enum Projection {
    All,
    KeysOnly,
    /// Attribute names, sorted, the entity attribute among them when the model declares one.
    Include(Vec<String>),
}

/// What the model declares besides its indexes, that checking them needs.
pub(super) struct Table<'m> {
    /// The table's partition key, `None` when it failed to resolve (already reported).
    pub(super) partition_key: Option<&'m Key>,
    pub(super) has_sort_key: bool,
    pub(super) entity: Option<&'m Entity>,
}

impl Checker<'_, '_> {
    pub(super) fn indexes(
        &self,
        attrs: &ModelAttrs<'_>,
        table: &Table<'_>,
        errors: &mut Errors,
    ) -> Vec<Index> {
        let mut seen: HashMap<String, &LitStr> = HashMap::new();
        let mut seen_fns: HashMap<String, String> = HashMap::new();
        let mut out = Vec::new();
        let mut locals = 0;
        for index in &attrs.indexes {
            let IndexAttrs { path, local, name, pk, sk, pk_attribute, sk_attribute, .. } = index;
            let keyword = if *local { "local_index" } else { "index" };
            let Some(name_lit) = name else {
                errors.spanned(path, format!("{keyword} is missing `name = \"...\"`"));
                continue;
            };
            let name = non_empty(name_lit, "index name", errors);
            if seen.insert(name.clone(), name_lit).is_some() {
                errors.spanned(name_lit, format!("two indexes are named `{name}`"));
                continue;
            }
            let Some(partition_fn) = partition_fn(name_lit, &name, &mut seen_fns, errors) else {
                continue;
            };
            let projection = self.projection(index, &name, table.entity, errors);
            let partition_key = if *local {
                locals += 1;
                if locals == MAX_LOCAL_INDEXES + 1 {
                    errors.spanned(
                        path,
                        format!("a table has at most {MAX_LOCAL_INDEXES} local secondary indexes"),
                    );
                }
                for lit in [pk, pk_attribute].into_iter().flatten() {
                    errors.spanned(
                        lit,
                        "a local index shares the table's partition key; remove `pk` and \
                         `pk_attribute`",
                    );
                }
                if !table.has_sort_key {
                    errors.spanned(
                        path,
                        format!(
                            "local index `{name}` needs a table with a sort key (`sk = \"...\"`): \
                             DynamoDB has local secondary indexes on such tables only"
                        ),
                    );
                }
                if sk.is_none() {
                    errors.spanned(path, format!("local index `{name}` is missing `sk = \"...\"`"));
                    continue;
                }
                table.partition_key.cloned()
            } else {
                let Some(pk) = pk else {
                    errors.spanned(path, format!("index `{name}` is missing `pk = \"...\"`"));
                    continue;
                };
                self.key(pk, pk_attribute.as_ref(), &format!("{name}pk"), errors)
            };
            let sort_key = sk
                .as_ref()
                .and_then(|sk| self.key(sk, sk_attribute.as_ref(), &format!("{name}sk"), errors));
            if sk.is_none() {
                if let Some(lit) = sk_attribute {
                    errors.spanned(lit, "`sk_attribute` needs `sk = \"...\"` as well");
                }
            }
            if let (Some(partition_key), Some(projection)) = (partition_key, projection) {
                out.push(Index {
                    name,
                    local: *local,
                    partition_fn,
                    partition_key,
                    sort_key,
                    projection,
                });
            }
        }
        out
    }

    /// `projection = "..."` and `include = [..]`; `None` after an error.
    fn projection(
        &self,
        index: &IndexAttrs,
        name: &str,
        entity: Option<&Entity>,
        errors: &mut Errors,
    ) -> Option<Projection> {
        let kind = index.projection.as_ref();
        if let Some((path, names)) = &index.include {
            if let Some(lit) = kind.filter(|lit| lit.value() != "include") {
                errors.spanned(
                    lit,
                    format!(
                        "`include = [..]` makes an INCLUDE projection; remove `projection = \
                         \"{}\"` or the `include` list",
                        lit.value()
                    ),
                );
                return None;
            }
            if names.is_empty() {
                errors.spanned(
                    path,
                    "empty `include = []`: use `projection = \"keys_only\"` for the keys alone",
                );
                return None;
            }
            let attributes: Vec<Option<String>> =
                names.iter().map(|lit| self.included(lit, errors)).collect();
            let mut attributes: Vec<String> = attributes.into_iter().collect::<Option<_>>()?;
            attributes.extend(entity.map(|e| e.attribute.clone()));
            attributes.sort();
            attributes.dedup();
            return Some(Projection::Include(attributes));
        }
        let Some(lit) = kind else { return Some(Projection::All) };
        match lit.value().as_str() {
            "all" => Some(Projection::All),
            "keys_only" => match entity {
                Some(entity) => {
                    errors.spanned(
                        lit,
                        format!(
                            "index `{name}` cannot be `keys_only`: the model's reads filter on \
                             its entity attribute `{}`, which such an index does not hold; use \
                             `include = [..]`, which projects the entity attribute too",
                            entity.attribute
                        ),
                    );
                    None
                }
                None => Some(Projection::KeysOnly),
            },
            "include" => {
                errors.spanned(
                    lit,
                    "an INCLUDE projection names its attributes: `include = [\"field\", ...]`",
                );
                None
            }
            _ => {
                errors.spanned(
                    lit,
                    "unknown projection; expected \"all\", \"keys_only\", or `include = [..]`",
                );
                None
            }
        }
    }

    /// The attribute of an `include` entry: a stored field that is no key of its own.
    fn included(&self, lit: &LitStr, errors: &mut Errors) -> Option<String> {
        let name = lit.value();
        let Some(index) = self.field(&name) else {
            errors.spanned(lit, self.unknown_field("`include`", &name));
            return None;
        };
        let field = &self.fields[index];
        if !field.is_stored() || field.skip_serializing {
            errors
                .spanned(lit, format!("field `{name}` is skipped by serde, so it is never stored"));
            return None;
        }
        Some(field.attribute.clone())
    }
}

/// Drops from each `INCLUDE` list the attributes that are keys of the table or of that index
/// (DynamoDB projects those into the index anyway); a list of keys alone is `KEYS_ONLY`.
pub(super) fn drop_key_attributes(indexes: &mut [Index], table_keys: &[&Key]) {
    for index in indexes {
        let keys: Vec<String> = table_keys
            .iter()
            .copied()
            .chain(std::iter::once(&index.partition_key))
            .chain(&index.sort_key)
            .map(|k| k.attribute.clone())
            .collect();
        if let Projection::Include(attributes) = &mut index.projection {
            attributes.retain(|a| !keys.contains(a));
            if attributes.is_empty() {
                index.projection = Projection::KeysOnly;
            }
        }
    }
}

/// `<index>_partition` with the index name in snake case (`byStatus` → `by_status_partition`,
/// `by-status` → `by_status_partition`); an error when that is no identifier or another index
/// already has it.
fn partition_fn(
    lit: &LitStr,
    name: &str,
    seen: &mut HashMap<String, String>,
    errors: &mut Errors,
) -> Option<syn::Ident> {
    let mut snake = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower {
                snake.push('_');
            }
            snake.push(c.to_ascii_lowercase());
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            snake.push('_');
            previous_lower = false;
        }
    }
    let text = format!("{snake}_partition");
    if syn::parse_str::<syn::Ident>(&text).is_err() {
        errors.spanned(
            lit,
            format!(
                "index name `{name}` gives `{text}`, which is not a Rust identifier, for its \
                 partition constructor; start the name with a letter"
            ),
        );
        return None;
    }
    if let Some(other) = seen.insert(text.clone(), name.to_owned()) {
        errors.spanned(
            lit,
            format!("indexes `{other}` and `{name}` would both get the constructor `{text}`"),
        );
        return None;
    }
    Some(syn::Ident::new(&text, lit.span()))
}
