//! Checking: resolves key templates against the fields and rejects models DynamoDB or the generated
//! code could not honour. Every mistake found is reported, each on the attribute that causes it.

use std::collections::HashMap;

use quote::ToTokens;
use syn::{DeriveInput, LitStr};

use crate::ast::{self, Field, IndexAttrs, ModelAttrs, Piece};

/// Accumulates errors so that one compilation shows every mistake.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// A model whose keys are resolved to fields.
pub(crate) struct Model<'a> {
    pub(crate) input: &'a DeriveInput,
    pub(crate) fields: Vec<Field<'a>>,
    pub(crate) table: String,
    pub(crate) entity: Option<Entity>,
    pub(crate) partition_key: Key,
    pub(crate) sort_key: Option<Key>,
    pub(crate) indexes: Vec<Index>,
    /// The fields (by index) declared `unique = "..."`, in declaration order.
    pub(crate) unique: Vec<usize>,
}

pub(crate) struct Entity {
    pub(crate) attribute: String,
    pub(crate) value: String,
}

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

pub(crate) fn model<'a>(input: &'a DeriveInput) -> syn::Result<Model<'a>> {
    let named = match &input.data {
        syn::Data::Struct(syn::DataStruct { fields: syn::Fields::Named(named), .. }) => named,
        syn::Data::Struct(s) if matches!(s.fields, syn::Fields::Unit) => {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "`#[derive(Model)]` needs a struct with named fields; \
                 each field becomes an attribute of the item",
            ))
        }
        syn::Data::Struct(s) => {
            return Err(syn::Error::new_spanned(
                &s.fields,
                "`#[derive(Model)]` needs a struct with named fields; \
                 each field becomes an attribute of the item",
            ))
        }
        syn::Data::Enum(e) => {
            return Err(syn::Error::new(
                e.enum_token.span,
                "`#[derive(Model)]` needs a struct with named fields, not an enum; \
                 for a unit enum stored as a string use `#[derive(Attribute)]`",
            ))
        }
        syn::Data::Union(u) => {
            return Err(syn::Error::new(
                u.union_token.span,
                "`#[derive(Model)]` needs a struct with named fields, not a union",
            ))
        }
    };

    let mut errors = Errors::default();
    if !input.generics.params.is_empty() {
        errors.spanned(&input.generics, "`#[derive(Model)]` does not support generic structs");
    }
    let container = ast::serde_container(&input.attrs, &mut errors);
    let fields = ast::fields(named, &container, &mut errors);
    let attrs = ast::model_attrs(&input.attrs, &mut errors);
    check_field_attributes(&fields, named, &mut errors);

    let checker = Checker { fields: &fields, named };
    if attrs.first.is_none() {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "`#[derive(Model)]` needs `#[ferrodyn(table = \"...\", pk = \"...\")]` on the struct",
        ));
    }
    let missing = |errors: &mut Errors, what: &str| {
        if let Some(attr) = attrs.first {
            errors.spanned(attr, format!("missing `{what}` in `#[ferrodyn(...)]`"));
        }
    };

    let table = match &attrs.table {
        Some(lit) => non_empty(lit, "table name", &mut errors),
        None => {
            missing(&mut errors, "table");
            String::new()
        }
    };

    let entity = attrs.entity.as_ref().map(|lit| Entity {
        value: non_empty(lit, "entity type", &mut errors),
        attribute: attrs
            .entity_attribute
            .as_ref()
            .map_or_else(|| "entity".to_owned(), |a| non_empty(a, "attribute name", &mut errors)),
    });
    if entity.is_none() {
        if let Some(lit) = &attrs.entity_attribute {
            errors.spanned(lit, "`entity_attribute` needs `entity = \"...\"` as well");
        }
    }

    let partition_key = match &attrs.pk {
        Some(pk) => checker.key(pk, attrs.pk_attribute.as_ref(), "pk", &mut errors),
        None => {
            missing(&mut errors, "pk");
            None
        }
    };
    let sort_key = attrs
        .sk
        .as_ref()
        .and_then(|sk| checker.key(sk, attrs.sk_attribute.as_ref(), "sk", &mut errors));
    if attrs.sk.is_none() {
        if let Some(lit) = &attrs.sk_attribute {
            errors.spanned(lit, "`sk_attribute` needs `sk = \"...\"` as well");
        }
    }

    let indexes = checker.indexes(&attrs, &mut errors);
    let unique = checker.unique(&attrs, &mut errors);

    let mut model = Model {
        input,
        fields,
        table,
        entity,
        // Only read when `errors` is empty, in which case the partition key is resolved.
        partition_key: partition_key.unwrap_or(Key {
            attribute: String::new(),
            source: String::new(),
            kind: KeyKind::Template(Vec::new()),
            span: LitStr::new("", input.ident.span()),
            written: false,
        }),
        sort_key,
        indexes,
        unique,
    };
    check_attribute_names(&mut model, &attrs, &mut errors);
    errors.finish()?;
    Ok(model)
}

struct Checker<'f, 'a> {
    fields: &'f [Field<'a>],
    named: &'a syn::FieldsNamed,
}

impl Checker<'_, '_> {
    fn field(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    fn key(
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
        let pieces = match ast::lex_template(&source) {
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
    fn unique(&self, attrs: &ModelAttrs<'_>, errors: &mut Errors) -> Vec<usize> {
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

    fn indexes(&self, attrs: &ModelAttrs<'_>, errors: &mut Errors) -> Vec<Index> {
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

fn non_empty(lit: &LitStr, what: &str, errors: &mut Errors) -> String {
    let value = lit.value();
    if value.is_empty() {
        errors.spanned(lit, format!("empty {what}"));
    }
    value
}

fn check_field_attributes(fields: &[Field<'_>], named: &syn::FieldsNamed, errors: &mut Errors) {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    let mut roles: Vec<(ast::Role, &str)> = Vec::new();
    for field in fields {
        let Some((role, span)) = field.role else { continue };
        if !field.is_stored() {
            errors.push(syn::Error::new(span, "a field with a role must be stored (not skipped)"));
        }
        match roles.iter().find(|(r, _)| *r == role) {
            Some((_, other)) => errors.push(syn::Error::new(
                span,
                format!("field `{other}` is already the `{}` field", role.name()),
            )),
            None => roles.push((role, &field.name)),
        }
    }
    for (field, syn_field) in fields.iter().zip(&named.named) {
        if !field.is_stored() {
            continue;
        }
        if field.attribute.is_empty() {
            errors.spanned(syn_field, "empty attribute name");
        }
        if let Some(other) = seen.insert(&field.attribute, &field.name) {
            errors.spanned(
                syn_field,
                format!(
                    "fields `{other}` and `{}` are both stored as attribute `{}`",
                    field.name, field.attribute
                ),
            );
        }
    }
}

/// Key, index and entity attributes share the item with the fields: a clash would overwrite one
/// with the other on write and misread it on read.
fn check_attribute_names(model: &mut Model<'_>, attrs: &ModelAttrs<'_>, errors: &mut Errors) {
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
