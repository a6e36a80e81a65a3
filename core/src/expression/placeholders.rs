//! The `#name` / `:value` placeholder maps one request shares between its expressions.
//!
//! Each expression kind renders with its own prefix (`#c`/`:c` for conditions, `#u`/`:u` for
//! updates, `#k` for key conditions, `#f` for filters, `#p` for projections), so placeholders of a
//! condition and an update in one request never collide. A name used twice by one expression gets
//! one placeholder.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::path::{Path, Segment};

/// Placeholder maps for one request.
#[derive(Default)]
pub(crate) struct Placeholders {
    pub(crate) names: HashMap<String, String>,
    pub(crate) values: HashMap<String, AttributeValue>,
    name_of: HashMap<(char, String), String>,
    counters: HashMap<char, (usize, usize)>,
}

impl std::fmt::Debug for Placeholders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Placeholders(<{} names>, <{} values>)", self.names.len(), self.values.len())
    }
}

impl Placeholders {
    /// The placeholder for attribute `name` in expressions of kind `prefix`.
    pub(crate) fn name(&mut self, prefix: char, name: &str) -> String {
        if let Some(p) = self.name_of.get(&(prefix, name.to_owned())) {
            return p.clone();
        }
        let counter = &mut self.counters.entry(prefix).or_default().0;
        let placeholder = format!("#{prefix}{counter}");
        *counter += 1;
        self.names.insert(placeholder.clone(), name.to_owned());
        self.name_of.insert((prefix, name.to_owned()), placeholder.clone());
        placeholder
    }

    /// A fresh placeholder bound to `value`.
    pub(crate) fn value(&mut self, prefix: char, value: AttributeValue) -> String {
        let counter = &mut self.counters.entry(prefix).or_default().1;
        let placeholder = format!(":{prefix}{counter}");
        *counter += 1;
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    /// Renders a path as `#c0.#c1[2]`.
    pub(crate) fn path<T>(&mut self, prefix: char, path: &Path<T>) -> String {
        let mut out = self.name(prefix, &path.root);
        for segment in &path.rest {
            match segment {
                Segment::Field(name) => {
                    out.push('.');
                    let p = self.name(prefix, name);
                    out.push_str(&p);
                }
                Segment::Index(i) => {
                    out.push('[');
                    out.push_str(itoa::Buffer::new().format(*i));
                    out.push(']');
                }
            }
        }
        out
    }

    /// The names map, or `None` when empty (the SDK rejects empty maps).
    pub(crate) fn take_names(&mut self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| std::mem::take(&mut self.names))
    }

    /// The values map, or `None` when empty.
    pub(crate) fn take_values(&mut self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| std::mem::take(&mut self.values))
    }
}
