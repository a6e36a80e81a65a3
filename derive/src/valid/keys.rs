//! Key templates resolved against the fields: the table's and each index's keys, `unique`
//! fields, and the check that key, index and entity attributes do not collide with fields.

use syn::LitStr;

use super::model::Model;
use super::non_empty;
use crate::ast::{Field, ModelAttrs};
use crate::errors::Errors;
use crate::template::{lex_template, Piece};

#[derive(Clone)]
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

#[derive(Clone, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// The field (by index) is the key attribute itself.
    Direct(usize),
    Template(Vec<Part>),
}

#[derive(Clone, PartialEq, Eq)]
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
    pub(super) fn field(&self, name: &str) -> Option<usize> {
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
    pub(super) fn unknown_field(&self, what: &str, name: &str) -> String {
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
