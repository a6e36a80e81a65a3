//! Update expressions: SET, REMOVE, ADD and DELETE actions on typed paths.
//!
//! ```
//! use ferrodyn::expression::{attr, Update};
//! let u = Update::new()
//!     .set(attr("status"), "paid")
//!     .increment(attr("views"), 1)
//!     .append(attr("history"), vec!["paid"])
//!     .remove(attr("note"));
//! assert_eq!(
//!     format!("{u:?}"),
//!     "Update(SET status = ?, views = if_not_exists(views, ?) + ?, \
//!      history = list_append(if_not_exists(history, ?), ?) REMOVE note)"
//! );
//! ```

use std::fmt;

use aws_sdk_dynamodb::types::AttributeValue;

use super::path::{IntoPath, Path};
use super::placeholders::Placeholders;
use super::value_of::{to_value, Accepts};
use crate::value::ToAttributeValue;

/// A set of update actions for one item.
#[derive(Clone, Default)]
#[must_use]
pub struct Update {
    pub(crate) actions: Vec<Action>,
}

#[derive(Clone)]
pub(crate) struct Action {
    pub(crate) path: Path<()>,
    pub(crate) kind: ActionKind,
}

#[derive(Clone)]
pub(crate) enum ActionKind {
    Set(AttributeValue),
    SetIfNotExists(AttributeValue),
    Increment(AttributeValue),
    Append(AttributeValue),
    Prepend(AttributeValue),
    Remove,
    Add(AttributeValue),
    Delete(AttributeValue),
}

impl Update {
    /// No actions yet.
    pub fn new() -> Self {
        Update::default()
    }

    fn push(mut self, path: Path<()>, kind: ActionKind) -> Self {
        self.actions.push(Action { path, kind });
        self
    }

    /// `SET path = value`.
    pub fn set<P: IntoPath, V: ToAttributeValue>(self, path: P, value: V) -> Self
    where
        P::Type: Accepts<V>,
    {
        self.push(path.into_path().cast(), ActionKind::Set(to_value(value)))
    }

    /// `SET path = if_not_exists(path, value)`: sets only when the attribute is missing.
    pub fn set_if_not_exists<P: IntoPath, V: ToAttributeValue>(self, path: P, value: V) -> Self
    where
        P::Type: Accepts<V>,
    {
        self.push(path.into_path().cast(), ActionKind::SetIfNotExists(to_value(value)))
    }

    /// `SET path = if_not_exists(path, 0) + by`: adds to a number, starting from 0.
    pub fn increment<P: IntoPath, V: ToAttributeValue>(self, path: P, by: V) -> Self
    where
        P::Type: Accepts<V>,
    {
        self.push(path.into_path().cast(), ActionKind::Increment(to_value(by)))
    }

    /// `SET path = list_append(if_not_exists(path, []), items)`: appends to a list.
    pub fn append<P: IntoPath, V: ToAttributeValue>(self, path: P, items: V) -> Self
    where
        P::Type: Accepts<V>,
    {
        self.push(path.into_path().cast(), ActionKind::Append(to_value(items)))
    }

    /// `SET path = list_append(items, if_not_exists(path, []))`: prepends to a list.
    pub fn prepend<P: IntoPath, V: ToAttributeValue>(self, path: P, items: V) -> Self
    where
        P::Type: Accepts<V>,
    {
        self.push(path.into_path().cast(), ActionKind::Prepend(to_value(items)))
    }

    /// `REMOVE path`.
    pub fn remove(self, path: impl IntoPath) -> Self {
        self.push(path.into_path().cast(), ActionKind::Remove)
    }

    /// `ADD path value`: adds to a number, or adds elements to a set.
    pub fn add<P: IntoPath, V: ToAttributeValue>(self, path: P, value: V) -> Self
    where
        P::Type: Accepts<V>,
    {
        self.push(path.into_path().cast(), ActionKind::Add(to_value(value)))
    }

    /// `DELETE path elements`: removes elements from a set.
    pub fn delete<P: IntoPath, V: ToAttributeValue>(self, path: P, elements: V) -> Self
    where
        P::Type: Accepts<V>,
    {
        self.push(path.into_path().cast(), ActionKind::Delete(to_value(elements)))
    }

    /// Whether there are no actions.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// The values bound by this update, for validation.
    pub(crate) fn values(&self) -> impl Iterator<Item = (&Path<()>, &AttributeValue)> {
        self.actions.iter().filter_map(|a| match &a.kind {
            ActionKind::Set(v)
            | ActionKind::SetIfNotExists(v)
            | ActionKind::Increment(v)
            | ActionKind::Append(v)
            | ActionKind::Prepend(v)
            | ActionKind::Add(v)
            | ActionKind::Delete(v) => Some((&a.path, v)),
            ActionKind::Remove => None,
        })
    }

    /// Renders `SET … REMOVE … ADD … DELETE …`; `None` placeholders render names and `?`.
    fn render_with(&self, mut ph: Option<&mut Placeholders>) -> String {
        const PREFIX: char = 'u';
        let mut set = Vec::new();
        let mut remove = Vec::new();
        let mut add = Vec::new();
        let mut delete = Vec::new();
        for action in &self.actions {
            let p = match ph.as_deref_mut() {
                Some(ph) => ph.path(PREFIX, &action.path),
                None => action.path.to_string(),
            };
            let mut value = |v: &AttributeValue| match ph.as_deref_mut() {
                Some(ph) => ph.value(PREFIX, v.clone()),
                None => "?".to_owned(),
            };
            match &action.kind {
                ActionKind::Set(v) => set.push(format!("{p} = {}", value(v))),
                ActionKind::SetIfNotExists(v) => {
                    set.push(format!("{p} = if_not_exists({p}, {})", value(v)));
                }
                ActionKind::Increment(v) => {
                    let zero = value(&AttributeValue::N("0".to_owned()));
                    set.push(format!("{p} = if_not_exists({p}, {zero}) + {}", value(v)));
                }
                ActionKind::Append(v) => {
                    let empty = value(&AttributeValue::L(Vec::new()));
                    set.push(format!(
                        "{p} = list_append(if_not_exists({p}, {empty}), {})",
                        value(v)
                    ));
                }
                ActionKind::Prepend(v) => {
                    let empty = value(&AttributeValue::L(Vec::new()));
                    let v = value(v);
                    set.push(format!("{p} = list_append({v}, if_not_exists({p}, {empty}))"));
                }
                ActionKind::Remove => remove.push(p),
                ActionKind::Add(v) => add.push(format!("{p} {}", value(v))),
                ActionKind::Delete(v) => delete.push(format!("{p} {}", value(v))),
            }
        }
        let mut out = String::new();
        for (keyword, clauses) in
            [("SET", set), ("REMOVE", remove), ("ADD", add), ("DELETE", delete)]
        {
            if clauses.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(keyword);
            out.push(' ');
            out.push_str(&clauses.join(", "));
        }
        out
    }

    pub(crate) fn render(&self, placeholders: &mut Placeholders) -> String {
        self.render_with(Some(placeholders))
    }
}

/// Shows the actions with attribute names and `?` for every value.
impl fmt::Debug for Update {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Update({})", self.render_with(None))
    }
}
