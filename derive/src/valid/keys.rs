//! Key templates resolved against the fields: the table's and each index's keys, `unique`
//! fields, and the check that key, index and entity attributes do not collide with fields.

use std::collections::HashMap;

use syn::LitStr;

use super::model::Model;
use super::non_empty;
use crate::ast::{Field, IndexAttrs, ModelAttrs};
use crate::errors::Errors;
use crate::template::{lex_template, Piece};

pub(crate) struct Index {
    pub(crate) name: String,
    /// `<name>_partition`, the generated constructor of the index's partition.
    pub(crate) partition_fn: syn::Ident,
    pub(crate) partition_key: Key,
    pub(crate) sort_key: Option<Key>,
}

pub(crate) struct Key {
    pub(crate) attribute: String,
    /// The template as written, for documentation.
    pub(crate) source: String,
    pub(crate) kind: KeyKind,
    /// Where errors about the key attribute point: its `*_attribute` option, else its template.
    pub(crate) span: LitStr,
    /// False when an earlier key already writes the same attribute from the same template (an
    /// inverted index reusing `sk` as its partition key).
    pub(crate) written: bool,
}

#[derive(PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// The field (by index) is the key attribute itself.
    Direct(usize),
    Template(Vec<Part>),
}

#[derive(PartialEq, Eq)]
pub(crate) enum Part {
    Literal(String),
    Field(usize),
}

impl Key {
    /// Fields the key is built from, in template order, repeats included.
    pub(crate) fn field_indexes(&self) -> Vec<usize> {
        match &self.kind {
            KeyKind::Direct(i) => vec![*i],
            KeyKind::Template(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    Part::Field(i) => Some(*i),
                    Part::Literal(_) => None,
                })
                .collect(),
        }
    }
}

pub(super) struct Checker<'f, 'a> {
    pub(super) fields: &'f [Field<'a>],
    pub(super) named: &'a syn::FieldsNamed,
}

impl Checker<'_, '_> {
    fn field(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    pub(super) fn key(
        &self,
        template: &LitStr,
        attribute: Option<&LitStr>,
        default_attribute: &str,
        errors: &mut Errors,
    ) -> Option<Key> {
        let source = template.value();
        if !source.contains(['{', '}']) {
            if let Some(index) = self.field(&source) {
                if let Some(lit) = attribute {
                    errors.spanned(
                        lit,
                        format!(
                            "`{source}` is a direct key: the field's own attribute is the key, \
                             so it takes no separate attribute name"
                        ),
                    );
                }
                let field = &self.fields[index];
                if field.skip_serializing || field.skip_deserializing {
                    errors.spanned(
                        template,
                        format!(
                            "field `{source}` is a key attribute, so it cannot be skipped by serde"
                        ),
                    );
                }
                return Some(Key {
                    attribute: field.attribute.clone(),
                    span: template.clone(),
                    source,
                    kind: KeyKind::Direct(index),
                    written: true,
                });
            }
        }
        let pieces = match lex_template(&source) {
            Ok(pieces) => pieces,
            Err(message) => {
                errors.spanned(template, message);
                return None;
            }
        };
        let mut parts = Vec::with_capacity(pieces.len());
        let mut ok = true;
        for piece in pieces {
            match piece {
                Piece::Literal(text) => parts.push(Part::Literal(text)),
                Piece::Field(name) => match self.field(&name) {
                    Some(index) => parts.push(Part::Field(index)),
                    None => {
                        ok = false;
                        errors.spanned(template, self.unknown_field("key template", &name));
                    }
                },
            }
        }
        let attribute_lit = attribute;
        let attribute = match attribute {
            Some(lit) => non_empty(lit, "attribute name", errors),
            None => default_attribute.to_owned(),
        };
        ok.then_some(Key {
            attribute,
            span: attribute_lit.unwrap_or(template).clone(),
            source,
            kind: KeyKind::Template(parts),
            written: true,
        })
    }

    /// Resolves `unique = "field"` entries: each a stored field, named once.
    pub(super) fn unique(&self, attrs: &ModelAttrs<'_>, errors: &mut Errors) -> Vec<usize> {
        let mut out = Vec::new();
        for lit in &attrs.unique {
            let name = lit.value();
            let Some(index) = self.field(&name) else {
                errors.spanned(lit, self.unknown_field("`unique`", &name));
                continue;
            };
            let field = &self.fields[index];
            if field.skip_serializing || field.skip_deserializing {
                errors.spanned(
                    lit,
                    format!(
                        "field `{name}` is skipped by serde, so it has no value to keep unique"
                    ),
                );
            } else if out.contains(&index) {
                errors.spanned(lit, format!("field `{name}` is already declared unique"));
            } else {
                out.push(index);
            }
        }
        out
    }

    /// `what` (a key template, `unique`) names a field the struct does not have.
    fn unknown_field(&self, what: &str, name: &str) -> String {
        let names: Vec<String> = self
            .named
            .named
            .iter()
            .filter_map(|f| f.ident.as_ref().map(|i| format!("`{i}`")))
            .collect();
        if names.is_empty() {
            format!("{what} names `{name}`, but the struct has no fields")
        } else {
            format!(
                "{what} names `{name}`, which is not a field of this struct (fields: {})",
                names.join(", ")
            )
        }
    }

    pub(super) fn indexes(&self, attrs: &ModelAttrs<'_>, errors: &mut Errors) -> Vec<Index> {
        let mut seen: HashMap<String, &LitStr> = HashMap::new();
        let mut seen_fns: HashMap<String, String> = HashMap::new();
        let mut out = Vec::new();
        for index in &attrs.indexes {
            let IndexAttrs { path, name, pk, sk, pk_attribute, sk_attribute } = index;
            let Some(name_lit) = name else {
                errors.spanned(path, "index is missing `name = \"...\"`");
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
            let Some(pk) = pk else {
                errors.spanned(path, format!("index `{name}` is missing `pk = \"...\"`"));
                continue;
            };
            let partition_key = self.key(pk, pk_attribute.as_ref(), &format!("{name}pk"), errors);
            let sort_key = sk
                .as_ref()
                .and_then(|sk| self.key(sk, sk_attribute.as_ref(), &format!("{name}sk"), errors));
            if sk.is_none() {
                if let Some(lit) = sk_attribute {
                    errors.spanned(lit, "`sk_attribute` needs `sk = \"...\"` as well");
                }
            }
            if let Some(partition_key) = partition_key {
                out.push(Index { name, partition_fn, partition_key, sort_key });
            }
        }
        out
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

/// Key, index and entity attributes share the item with the fields: a clash would overwrite one
/// with the other on write and misread it on read.
pub(super) fn check_attribute_names(
    model: &mut Model<'_>,
    attrs: &ModelAttrs<'_>,
    errors: &mut Errors,
) {
    let mut keys: Vec<(&mut Key, String)> = Vec::new();
    keys.push((&mut model.partition_key, "partition key".to_owned()));
    if let Some(k) = &mut model.sort_key {
        keys.push((k, "sort key".to_owned()));
    }
    for index in &mut model.indexes {
        let name = &index.name;
        keys.push((&mut index.partition_key, format!("partition key of index `{name}`")));
        if let Some(k) = &mut index.sort_key {
            keys.push((k, format!("sort key of index `{name}`")));
        }
    }
    // (attribute, template, description) of every key attribute written so far.
    let mut written: Vec<(String, usize, String)> = Vec::new();
    for position in 0..keys.len() {
        let (key, what) = &keys[position];
        if matches!(key.kind, KeyKind::Direct(_)) {
            continue;
        }
        if let Some((_, earlier, earlier_what)) = written.iter().find(|w| w.0 == key.attribute) {
            if keys[*earlier].0.kind == key.kind {
                keys[position].0.written = false;
            } else {
                errors.spanned(
                    &key.span,
                    format!(
                        "attribute `{}` would hold both the {earlier_what} and the {what}, which have \
                         different templates",
                        key.attribute
                    ),
                );
            }
            continue;
        }
        if let Some(field) =
            model.fields.iter().find(|f| f.is_stored() && f.attribute == key.attribute)
        {
            errors.spanned(
                &key.span,
                format!(
                    "the {what} is stored as attribute `{}`, which is also field `{}`; rename the \
                     field with `#[serde(rename = \"...\")]` or the key with `{}_attribute = \"...\"`",
                    key.attribute,
                    field.name,
                    if what.starts_with("sort") { "sk" } else { "pk" },
                ),
            );
        }
        written.push((key.attribute.clone(), position, what.clone()));
    }
    if let Some(entity) = &model.entity {
        let clash = model
            .fields
            .iter()
            .find(|f| f.is_stored() && f.attribute == entity.attribute)
            .map(|f| format!("field `{}`", f.name))
            .or_else(|| {
                written
                    .iter()
                    .find(|w| w.0 == entity.attribute)
                    .map(|w| format!("the {} attribute", w.2))
            });
        let lit = attrs.entity_attribute.as_ref().or(attrs.entity.as_ref());
        if let (Some(clash), Some(lit)) = (clash, lit) {
            errors.spanned(
                lit,
                format!(
                    "the entity attribute `{}` collides with {clash}; name it with \
                     `entity_attribute = \"...\"`",
                    entity.attribute
                ),
            );
        }
    }
}
