//! The difference of two values of a model as an [`Update`], what a partial save
//! ([`Db::save`](crate::Db::save)) sends: per top-level attribute of `before.to_item()` and
//! `after.to_item()`, SET what changed or appeared, REMOVE what disappeared (a field that became
//! `None`, a set that became empty), and ADD or DELETE the elements of a string, number or binary
//! set that only gained or only lost elements. Lists and maps are SET whole.
//!
//! Left out: the primary key (a change is refused: it would be another item), the entity type,
//! index key attributes built from fields (UpdateItem renders them again from the fields, which
//! is why the other fields of a touched index key are written too), and the managed version and
//! `updated_at`, which every update moves itself.

use std::collections::{BTreeSet, HashSet};
use std::hash::Hash;

use aws_sdk_dynamodb::types::AttributeValue;

use super::{Action, ActionKind, Path, Update};
use crate::error::{Error, Result};
use crate::model::{Model, ModelMeta};
use crate::value::Item;

impl Update {
    /// The update that turns the item of `before` into the item of `after` (see the rules in
    /// [`Db::save`](crate::Db::save), which sends it with the version check and timestamps); empty
    /// when they are the same item.
    ///
    /// ```
    /// # use ferrodyn::{Model, Update};
    /// # use std::collections::BTreeSet;
    /// #[derive(Clone, serde::Serialize, serde::Deserialize, Model)]
    /// #[ferrodyn(table = "shop", pk = "id")]
    /// struct Customer { id: String, name: String, note: Option<String>, tags: BTreeSet<String> }
    ///
    /// let before = Customer { id: "c1".into(), name: "Ann".into(), note: Some("vip".into()),
    ///                         tags: BTreeSet::from(["a".to_owned()]) };
    /// let mut after = before.clone();
    /// after.name = "Anna".into();
    /// after.note = None;
    /// after.tags.insert("b".into());
    /// let update = Update::diff(&before, &after)?;
    /// assert_eq!(format!("{update:?}"), "Update(SET name = ? REMOVE note ADD tags ?)");
    /// assert!(Update::diff(&before, &before)?.is_empty());
    /// # Ok::<(), ferrodyn::Error>(())
    /// ```
    ///
    /// # Errors
    /// A field that fails to serialise, or a change of the primary key (naming the model and the
    /// attribute).
    pub fn diff<M: Model>(before: &M, after: &M) -> Result<Update> {
        let meta = M::META;
        let context = |e: Error| match e.model() {
            Some(_) => e,
            None => e.context("UpdateItem", meta.type_name, None),
        };
        let before = before.to_item().map_err(context)?;
        let after = after.to_item().map_err(context)?;
        diff_items(meta, &before, &after).map_err(context)
    }
}

/// The update from item `before` to item `after` of `meta`.
pub(crate) fn diff_items(meta: &ModelMeta, before: &Item, after: &Item) -> Result<Update> {
    for key in meta.key_attributes() {
        // The fields first, to name the one the caller changed.
        for attribute in key.fields().chain([key.attribute]) {
            if !same_option(before.get(attribute), after.get(attribute)) {
                return Err(Error::validation(format!(
                    "a save cannot change the primary key of `{}` (`{}`); put the new item and \
                     delete the old one",
                    meta.type_name, key.attribute
                ))
                .at(attribute));
            }
        }
    }
    let mut skipped: HashSet<&str> = meta
        .key_attributes()
        .flat_map(|k| std::iter::once(k.attribute).chain(k.fields()))
        .chain(meta.entity.as_ref().map(|e| e.attribute))
        .chain(meta.managed.version)
        .chain(meta.managed.updated_at)
        .collect();
    let derived_index_keys = meta
        .indexes
        .iter()
        .flat_map(|i| std::iter::once(&i.partition_key).chain(&i.sort_key))
        .filter(|k| !k.is_direct());
    skipped.extend(derived_index_keys.clone().map(|k| k.attribute));

    let names: BTreeSet<&str> = before
        .keys()
        .chain(after.keys())
        .map(String::as_str)
        .filter(|n| !skipped.contains(n))
        .collect();
    let mut update = Update::new();
    for name in names {
        if let Some(kind) = change(before.get(name), after.get(name)) {
            update.actions.push(Action { path: Path::named(name.to_owned()), kind });
        }
    }

    // An index key built from fields is rendered again from all of them: write the untouched
    // ones as they are in `after`.
    for key in derived_index_keys {
        let touched = |f: &str| update.actions.iter().any(|a| a.path.root() == f);
        if !key.fields().any(touched) {
            continue;
        }
        let untouched: Vec<&str> = key.fields().filter(|f| !touched(f)).collect();
        for field in untouched {
            let kind = match after.get(field) {
                Some(value) => ActionKind::Set(value.clone()),
                None => ActionKind::Remove,
            };
            update.actions.push(Action { path: Path::new(field), kind });
        }
    }
    Ok(update)
}

/// The action that turns attribute value `before` into `after`, if they differ.
fn change(before: Option<&AttributeValue>, after: Option<&AttributeValue>) -> Option<ActionKind> {
    use AttributeValue::{Bs, Ns, Ss};
    let (before, after) = match (before, after) {
        (_, None) => return before.map(|_| ActionKind::Remove),
        (None, Some(after)) => return Some(ActionKind::Set(after.clone())),
        (Some(before), Some(after)) if same(before, after) => return None,
        (Some(before), Some(after)) => (before, after),
    };
    let delta = match (before, after) {
        (Ss(b), Ss(a)) => set_delta(b, a, Ss),
        (Ns(b), Ns(a)) => set_delta(b, a, Ns),
        (Bs(b), Bs(a)) => set_delta(b, a, Bs),
        _ => None,
    };
    Some(delta.unwrap_or_else(|| ActionKind::Set(after.clone())))
}

/// ADD of the new elements when a set only gained some, DELETE of the lost ones when it only
/// lost some; `None` when it did both (DynamoDB takes one action per attribute: SET it whole).
fn set_delta<T: Eq + Hash + Clone>(
    before: &[T],
    after: &[T],
    set: impl Fn(Vec<T>) -> AttributeValue,
) -> Option<ActionKind> {
    let old: HashSet<&T> = before.iter().collect();
    let new: HashSet<&T> = after.iter().collect();
    let added: Vec<T> = after.iter().filter(|e| !old.contains(e)).cloned().collect();
    let removed: Vec<T> = before.iter().filter(|e| !new.contains(e)).cloned().collect();
    match (added.is_empty(), removed.is_empty()) {
        (false, true) => Some(ActionKind::Add(set(added))),
        (true, false) => Some(ActionKind::Delete(set(removed))),
        _ => None,
    }
}

fn same_option(a: Option<&AttributeValue>, b: Option<&AttributeValue>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Equality of stored values: sets compare as sets (a `HashSet` field renders in any order).
fn same(a: &AttributeValue, b: &AttributeValue) -> bool {
    use AttributeValue::{Bs, Ns, Ss, L, M};
    fn set_eq<T: Eq + Hash>(a: &[T], b: &[T]) -> bool {
        a.len() == b.len() && a.iter().collect::<HashSet<_>>() == b.iter().collect::<HashSet<_>>()
    }
    match (a, b) {
        (Ss(a), Ss(b)) | (Ns(a), Ns(b)) => set_eq(a, b),
        (Bs(a), Bs(b)) => set_eq(a, b),
        (L(a), L(b)) => a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b)),
        (M(a), M(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.to_owned())
    }

    fn ss(v: &[&str]) -> AttributeValue {
        AttributeValue::Ss(v.iter().map(|e| (*e).to_owned()).collect())
    }

    #[test]
    fn sets_gain_with_add_lose_with_delete_and_both_with_set() {
        let kind = |b, a| {
            change(Some(&b), Some(&a)).map(|k| match k {
                ActionKind::Add(v) => format!("ADD {v:?}"),
                ActionKind::Delete(v) => format!("DELETE {v:?}"),
                ActionKind::Set(v) => format!("SET {v:?}"),
                _ => "other".to_owned(),
            })
        };
        assert_eq!(kind(ss(&["a"]), ss(&["a", "b"])).unwrap(), r#"ADD Ss(["b"])"#);
        assert_eq!(kind(ss(&["a", "b"]), ss(&["b"])).unwrap(), r#"DELETE Ss(["a"])"#);
        assert_eq!(kind(ss(&["a"]), ss(&["b"])).unwrap(), r#"SET Ss(["b"])"#);
        assert_eq!(kind(ss(&["a", "b"]), ss(&["b", "a"])), None, "order does not matter");
        assert_eq!(kind(s("x"), ss(&["x"])).unwrap(), r#"SET Ss(["x"])"#);
        assert!(matches!(change(Some(&s("x")), None), Some(ActionKind::Remove)));
        assert!(change(None, None).is_none());
    }

    #[test]
    fn nested_sets_compare_as_sets() {
        let map = |v| AttributeValue::M(Item::from([("t".to_owned(), v)]));
        assert!(same(&map(ss(&["a", "b"])), &map(ss(&["b", "a"]))));
        assert!(!same(&map(ss(&["a", "b"])), &map(ss(&["a"]))));
        let list = |v: Vec<AttributeValue>| AttributeValue::L(v);
        assert!(!same(&list(vec![s("a"), s("b")]), &list(vec![s("b"), s("a")])));
    }
}
