//! serde's container attributes on a `Model` or `Attribute` type: `default` and `rename_all` are
//! honoured by `to_item`/`from_item` as serde's own `Deserialize` honours them (the two must agree,
//! since stream records are decoded by other code than `Db::get`), and `rename`, `bound`, `crate`
//! and `expecting` change nothing stored. The attributes ferrodyn refuses have UI tests.
#![deny(missing_docs, unreachable_pub, missing_debug_implementations)]

use ferrodyn::{Attribute, AttributeValue, FromAttributeValue, Item, Model, ToAttributeValue};
use serde::{Deserialize, Serialize};

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

/// An item of `pairs`, as another writer could have stored it.
fn item(pairs: &[(&str, AttributeValue)]) -> Item {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

#[derive(Model, Serialize, Deserialize, Debug, PartialEq)]
#[ferrodyn(table = "shop", pk = "USER#{id}")]
#[serde(default)]
struct Settings {
    id: String,
    theme: String,
    font_size: u32,
    #[serde(default = "no_tags")]
    tags: Vec<String>,
    #[serde(skip)]
    cache: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            id: "unknown".into(),
            theme: "dark".into(),
            font_size: 12,
            tags: vec!["from Default".into()],
            cache: Some("from Default".into()),
        }
    }
}

fn no_tags() -> Vec<String> {
    Vec::new()
}

#[test]
fn container_default_fills_missing_fields_from_default() {
    let stored = item(&[
        ("pk", s("USER#u1")),
        ("id", s("u1")),
        ("font_size", AttributeValue::N("14".into())),
    ]);
    let settings = Settings::from_item(stored.clone()).unwrap();
    assert_eq!(
        settings,
        Settings {
            id: "u1".into(),
            theme: "dark".into(),
            font_size: 14,
            // The field's own default wins over the container's, as in serde.
            tags: Vec::new(),
            // A skipped field takes the container default's value, as in serde.
            cache: Some("from Default".into()),
        }
    );
    let via_serde: Settings = serde_dynamo::from_item(stored).unwrap();
    assert_eq!(via_serde, settings);
}

#[test]
fn container_default_leaves_present_fields_alone() {
    let value = Settings {
        id: "u2".into(),
        theme: "light".into(),
        font_size: 9,
        tags: vec!["a".into()],
        cache: None,
    };
    let back = Settings::from_item(value.to_item().unwrap()).unwrap();
    assert_eq!(back, Settings { cache: Some("from Default".into()), ..value });
}

#[derive(Model, Serialize, Deserialize, Debug, PartialEq)]
#[ferrodyn(table = "shop", pk = "{id}")]
#[serde(default = "Counter::empty")]
struct Counter {
    id: String,
    count: u64,
    label: String,
}

impl Counter {
    fn empty() -> Self {
        Counter { id: String::new(), count: 0, label: "untitled".into() }
    }
}

#[test]
fn container_default_function_fills_missing_fields() {
    let stored = item(&[("id", s("c1"))]);
    let counter = Counter::from_item(stored.clone()).unwrap();
    assert_eq!(counter, Counter { id: "c1".into(), count: 0, label: "untitled".into() });
    let via_serde: Counter = serde_dynamo::from_item(stored).unwrap();
    assert_eq!(via_serde, counter);
}

#[derive(Attribute, Serialize, Deserialize, Debug, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
struct Dimensions {
    width_cm: u32,
    height_cm: u32,
}

#[test]
fn attribute_struct_honours_container_default_and_rename_all() {
    let mut map = Item::new();
    map.insert("widthCm".into(), AttributeValue::N("30".into()));
    let value = AttributeValue::M(map);
    let dimensions = Dimensions::from_attribute_value(value.clone()).unwrap();
    assert_eq!(dimensions, Dimensions { width_cm: 30, height_cm: 0 });
    let via_serde: Dimensions = serde_dynamo::from_attribute_value(value).unwrap();
    assert_eq!(via_serde, dimensions);
}

/// Accepted without effect on the item: they govern serde's own impls only.
#[derive(Model, Serialize, Deserialize, Debug, PartialEq)]
#[ferrodyn(table = "shop", pk = "id")]
#[serde(rename = "Renamed", expecting = "a plain model", crate = "serde")]
#[serde(bound(serialize = "", deserialize = ""))]
struct Plain {
    id: String,
    name: String,
}

#[test]
fn serde_only_container_attributes_change_nothing_stored() {
    let value = Plain { id: "p1".into(), name: "n".into() };
    let stored = value.to_item().unwrap();
    let mut names: Vec<&str> = stored.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["id", "name"]);
    assert_eq!(serde_dynamo::to_item::<_, Item>(&value).unwrap(), stored);
    assert_eq!(Plain::from_item(stored.clone()).unwrap(), value);
    assert_eq!(serde_dynamo::from_item::<_, Plain>(stored).unwrap(), value);
}

#[derive(Attribute, Serialize, Deserialize, Debug, PartialEq, Clone, Copy)]
#[serde(rename = "OrderStatus", rename_all = "kebab-case")]
enum Status {
    OnHold,
}

#[test]
fn unit_enum_rename_changes_nothing_stored() {
    let stored = Status::OnHold.to_attribute_value();
    assert_eq!(stored, s("on-hold"));
    assert_eq!(
        serde_dynamo::to_attribute_value::<_, AttributeValue>(Status::OnHold).unwrap(),
        stored
    );
}
