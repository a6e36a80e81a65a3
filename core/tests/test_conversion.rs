//! Every DynamoDB type through a derived model, the typed decoding errors, and a property test that
//! model → item → model is the identity.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, TimeZone, Utc};
use ferrodyn::{Attribute, AttributeValue, Binary, ErrorKind, Item, Model, Number};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Attribute, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Color {
    Red,
    Green,
    Blue,
}

#[derive(Attribute, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Line {
    sku: String,
    qty: u32,
    note: Option<String>,
}

/// No `Attribute` derive: stored through serde_dynamo.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct SerdeOnly {
    label: String,
    weights: Vec<u16>,
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[ferrodyn(table = "all", pk = "ID#{id}")]
struct Everything {
    id: String,
    i8_: i8,
    i16_: i16,
    i32_: i32,
    i64_: i64,
    i128_: i128,
    isize_: isize,
    u8_: u8,
    u16_: u16,
    u32_: u32,
    u64_: u64,
    u128_: u128,
    usize_: usize,
    f32_: f32,
    f64_: f64,
    number: Number,
    binary: Binary,
    flag: bool,
    maybe: Option<String>,
    list: Vec<Option<i32>>,
    hash_map: HashMap<String, i64>,
    btree_map: BTreeMap<String, String>,
    string_set: BTreeSet<String>,
    number_set: BTreeSet<i64>,
    binary_set: BTreeSet<Binary>,
    hash_set: HashSet<String>,
    line: Line,
    lines: Vec<Line>,
    color: Color,
    at: DateTime<Utc>,
    serde_only: SerdeOnly,
    tuple: (i32, String),
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: &str) -> AttributeValue {
    AttributeValue::N(v.to_owned())
}

fn b(v: &[u8]) -> AttributeValue {
    AttributeValue::B(aws_smithy_types::Blob::new(v.to_vec()))
}

fn m<const N: usize>(entries: [(&str, AttributeValue); N]) -> AttributeValue {
    AttributeValue::M(entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn everything() -> Everything {
    Everything {
        id: "x".into(),
        i8_: i8::MIN,
        i16_: i16::MIN,
        i32_: i32::MIN,
        i64_: i64::MIN,
        i128_: i128::MIN,
        isize_: isize::MIN,
        u8_: u8::MAX,
        u16_: u16::MAX,
        u32_: u32::MAX,
        u64_: u64::MAX,
        u128_: u128::MAX,
        usize_: usize::MAX,
        f32_: 1.5,
        f64_: -0.1,
        number: "12345678901234567890.123456789".parse().unwrap(),
        binary: Binary(vec![0, 1, 255]),
        flag: true,
        maybe: None,
        list: vec![Some(1), None, Some(-3)],
        hash_map: HashMap::from([("a".to_owned(), 1), ("b".to_owned(), -2)]),
        btree_map: BTreeMap::from([("k".to_owned(), "v".to_owned())]),
        string_set: BTreeSet::from(["x".to_owned(), "y".to_owned()]),
        number_set: BTreeSet::from([-1, 10]),
        binary_set: BTreeSet::from([Binary(vec![1]), Binary(vec![2, 3])]),
        hash_set: HashSet::new(),
        line: Line { sku: "s".into(), qty: 2, note: None },
        lines: vec![],
        color: Color::Green,
        at: Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 58).unwrap(),
        serde_only: SerdeOnly { label: "l".into(), weights: vec![1, 2] },
        tuple: (7, "seven".into()),
    }
}

#[test]
fn every_type_has_its_dynamodb_representation() {
    let value = everything();
    let item = value.to_item().unwrap();
    assert_eq!(item["pk"], s("ID#x"));
    assert_eq!(item["id"], s("x"));
    assert_eq!(item["i8_"], n("-128"));
    assert_eq!(item["i16_"], n("-32768"));
    assert_eq!(item["i32_"], n("-2147483648"));
    assert_eq!(item["i64_"], n("-9223372036854775808"));
    assert_eq!(item["i128_"], n("-170141183460469231731687303715884105728"));
    assert_eq!(item["u8_"], n("255"));
    assert_eq!(item["u16_"], n("65535"));
    assert_eq!(item["u32_"], n("4294967295"));
    assert_eq!(item["u64_"], n("18446744073709551615"));
    assert_eq!(item["u128_"], n("340282366920938463463374607431768211455"));
    assert_eq!(item["f32_"], n("1.5"));
    assert_eq!(item["f64_"], n("-0.1"));
    assert_eq!(item["number"], n("12345678901234567890.123456789"));
    assert_eq!(item["binary"], b(&[0, 1, 255]));
    assert_eq!(item["flag"], AttributeValue::Bool(true));
    // None at the top level is left out; inside a list it is NULL.
    assert!(!item.contains_key("maybe"));
    assert_eq!(item["list"], AttributeValue::L(vec![n("1"), AttributeValue::Null(true), n("-3")]));
    assert_eq!(item["hash_map"], m([("a", n("1")), ("b", n("-2"))]));
    assert_eq!(item["btree_map"], m([("k", s("v"))]));
    let AttributeValue::Ss(ss) = &item["string_set"] else { panic!("{:?}", item["string_set"]) };
    assert_eq!(sorted(ss.clone()), ["x", "y"]);
    let AttributeValue::Ns(ns) = &item["number_set"] else { panic!("{:?}", item["number_set"]) };
    assert_eq!(sorted(ns.clone()), ["-1", "10"]);
    let AttributeValue::Bs(bs) = &item["binary_set"] else { panic!("{:?}", item["binary_set"]) };
    assert_eq!(bs.len(), 2);
    // DynamoDB has no empty sets: left out.
    assert!(!item.contains_key("hash_set"));
    assert_eq!(item["line"], m([("sku", s("s")), ("qty", n("2"))]));
    assert_eq!(item["lines"], AttributeValue::L(vec![]));
    assert_eq!(item["color"], s("green"));
    assert_eq!(item["at"], s("2024-02-29T23:59:58.000000Z"));
    assert_eq!(
        item["serde_only"],
        m([("label", s("l")), ("weights", AttributeValue::L(vec![n("1"), n("2")]))])
    );
    assert_eq!(item["tuple"], AttributeValue::L(vec![n("7"), s("seven")]));
    assert_eq!(item.len(), Everything::META.fields.len() + 1 - 2);

    assert_eq!(Everything::from_item(item).unwrap(), value);
}

#[test]
fn sets_decode_from_present_and_missing_attributes() {
    let mut value = everything();
    value.hash_set = HashSet::from(["only".to_owned()]);
    value.number_set.clear();
    let item = value.to_item().unwrap();
    assert_eq!(item["hash_set"], AttributeValue::Ss(vec!["only".into()]));
    assert!(!item.contains_key("number_set"));
    let back = Everything::from_item(item).unwrap();
    assert_eq!(back, value);
    assert!(back.number_set.is_empty());
}

#[test]
fn timestamps_keep_six_fractional_digits() {
    let mut value = everything();
    value.at = Utc.timestamp_opt(1_700_000_000, 123_456_000).unwrap();
    let item = value.to_item().unwrap();
    assert_eq!(item["at"], s("2023-11-14T22:13:20.123456Z"));
    assert_eq!(Everything::from_item(item).unwrap().at, value.at);
}

fn item_with(attribute: &str, v: AttributeValue) -> Item {
    let mut item = everything().to_item().unwrap();
    item.insert(attribute.to_owned(), v);
    item
}

#[test]
fn wrong_type_names_the_attribute_path_and_expected_type() {
    let mut value = everything();
    value.lines = vec![
        Line { sku: "a".into(), qty: 1, note: None },
        Line { sku: "b".into(), qty: 2, note: Some("n".into()) },
    ];
    let mut item = value.to_item().unwrap();
    let AttributeValue::L(lines) = item.get_mut("lines").unwrap() else { panic!() };
    let AttributeValue::M(line) = &mut lines[1] else { panic!() };
    line.insert("qty".into(), s("2"));
    let err = Everything::from_item(item).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongType);
    assert_eq!(err.attribute_path(), "lines[1].qty");
    let message = err.to_string();
    assert!(message.contains("lines[1].qty"), "{message}");
    assert!(message.contains("N (u32)") && message.contains("found S"), "{message}");

    let err = Everything::from_item(item_with("flag", s("true"))).unwrap_err();
    assert_eq!((err.kind(), err.attribute_path().as_str()), (ErrorKind::WrongType, "flag"));
    let err = Everything::from_item(item_with("line", s("x"))).unwrap_err();
    assert_eq!((err.kind(), err.attribute_path().as_str()), (ErrorKind::WrongType, "line"));
    let err = Everything::from_item(item_with("hash_map", m([("a", s("1"))]))).unwrap_err();
    assert_eq!((err.kind(), err.attribute_path().as_str()), (ErrorKind::WrongType, "hash_map.a"));
}

#[test]
fn missing_required_attribute() {
    let mut item = everything().to_item().unwrap();
    item.remove("u16_");
    let err = Everything::from_item(item).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingAttribute);
    assert_eq!(err.attribute_path(), "u16_");

    let mut item = everything().to_item().unwrap();
    let Some(AttributeValue::M(line)) = item.get_mut("line") else { panic!() };
    line.remove("sku");
    let err = Everything::from_item(item).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingAttribute);
    assert_eq!(err.attribute_path(), "line.sku");
}

#[test]
fn numbers_out_of_range() {
    for (attribute, value) in [
        ("u8_", "300"),
        ("u8_", "-1"),
        ("i8_", "128"),
        ("u128_", "340282366920938463463374607431768211456"),
        ("i64_", "1.5"),
        ("u32_", "abc"),
        ("f32_", "1e39"),
    ] {
        let err = Everything::from_item(item_with(attribute, n(value))).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NumberOutOfRange, "{attribute} = {value}: {err}");
        assert_eq!(err.attribute_path(), attribute);
    }
    // Exact non-normal forms of integers are accepted.
    let value = Everything::from_item(item_with("u8_", n("2.0E2"))).unwrap();
    assert_eq!(value.u8_, 200);
}

#[test]
fn invalid_values() {
    let err = Everything::from_item(item_with("color", s("purple"))).unwrap_err();
    assert_eq!((err.kind(), err.attribute_path().as_str()), (ErrorKind::InvalidValue, "color"));
    assert!(err.to_string().contains("red, green, blue"), "{err}");

    let err = Everything::from_item(item_with("at", s("yesterday"))).unwrap_err();
    assert_eq!((err.kind(), err.attribute_path().as_str()), (ErrorKind::InvalidValue, "at"));

    // A serde_dynamo field reports serde's error under its attribute.
    let err = Everything::from_item(item_with("serde_only", n("1"))).unwrap_err();
    assert_eq!(
        (err.kind(), err.attribute_path().as_str()),
        (ErrorKind::InvalidValue, "serde_only")
    );
    let err = Everything::from_item(item_with("tuple", AttributeValue::L(vec![]))).unwrap_err();
    assert_eq!(err.attribute_path(), "tuple");
}

#[test]
fn garbage_never_panics() {
    let garbage = [
        AttributeValue::Null(true),
        AttributeValue::Bool(false),
        s(""),
        n(""),
        n("NaN"),
        n("-"),
        n("1e999999999999"),
        b(&[]),
        AttributeValue::L(vec![AttributeValue::Null(true)]),
        m([("", AttributeValue::Null(true))]),
        AttributeValue::Ss(vec![]),
        AttributeValue::Ns(vec!["x".into()]),
        AttributeValue::Bs(vec![]),
    ];
    let attributes: Vec<&str> = Everything::META.fields.iter().map(|f| f.attribute).collect();
    for attribute in attributes {
        for value in &garbage {
            // Ok or a typed error; the point is that nothing panics.
            let _ = Everything::from_item(item_with(attribute, value.clone()));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Round trip

#[derive(Attribute, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Nested {
    label: String,
    amount: Option<i64>,
    values: Vec<u8>,
    color: Color,
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[ferrodyn(table = "rt", pk = "{id}", sk = "{sort}#{label}")]
#[ferrodyn(index(name = "g", pk = "{color}", sk = "at"))]
struct RoundTrip {
    id: u64,
    sort: i32,
    label: String,
    i8_: i8,
    i16_: i16,
    i32_: i32,
    i64_: i64,
    i128_: i128,
    u8_: u8,
    u16_: u16,
    u32_: u32,
    u64_: u64,
    u128_: u128,
    f32_: f32,
    f64_: f64,
    maybe: Option<String>,
    maybe_int: Option<i16>,
    list: Vec<Option<String>>,
    map: HashMap<String, i64>,
    set: BTreeSet<String>,
    number_set: HashSet<u32>,
    nested: Nested,
    nested_list: Vec<Nested>,
    color: Color,
    at: Option<DateTime<Utc>>,
}

fn color() -> impl Strategy<Value = Color> {
    prop_oneof![Just(Color::Red), Just(Color::Green), Just(Color::Blue)]
}

fn nested() -> impl Strategy<Value = Nested> {
    (any::<String>(), any::<Option<i64>>(), prop::collection::vec(any::<u8>(), 0..4), color())
        .prop_map(|(label, amount, values, color)| Nested { label, amount, values, color })
}

fn finite_f32() -> impl Strategy<Value = f32> {
    any::<f32>().prop_filter("finite", |f| f.is_finite())
}

fn finite_f64() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("finite", |f| f.is_finite())
}

fn round_trip() -> impl Strategy<Value = RoundTrip> {
    let keys = (any::<u64>(), any::<i32>(), any::<String>());
    let numbers = (
        any::<(i8, i16, i32, i64, i128)>(),
        any::<(u8, u16, u32, u64, u128)>(),
        finite_f32(),
        finite_f64(),
    );
    let options = (
        any::<Option<String>>(),
        any::<Option<i16>>(),
        prop::collection::vec(any::<Option<String>>(), 0..4),
    );
    let collections = (
        prop::collection::hash_map(any::<String>(), any::<i64>(), 0..4),
        prop::collection::btree_set(any::<String>(), 0..4),
        prop::collection::hash_set(any::<u32>(), 0..4),
    );
    let rest = (
        nested(),
        prop::collection::vec(nested(), 0..3),
        color(),
        prop::option::of(0i64..4_102_444_800_000_000),
    );
    (keys, numbers, options, collections, rest).prop_map(
        |(
            (id, sort, label),
            ((i8_, i16_, i32_, i64_, i128_), (u8_, u16_, u32_, u64_, u128_), f32_, f64_),
            (maybe, maybe_int, list),
            (map, set, number_set),
            (nested, nested_list, color, at),
        )| RoundTrip {
            id,
            sort,
            label,
            i8_,
            i16_,
            i32_,
            i64_,
            i128_,
            u8_,
            u16_,
            u32_,
            u64_,
            u128_,
            f32_,
            f64_,
            maybe,
            maybe_int,
            list,
            map,
            set,
            number_set,
            nested,
            nested_list,
            color,
            at: at.and_then(DateTime::from_timestamp_micros),
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn model_item_model_is_identity(value in round_trip()) {
        let item = value.to_item().unwrap();
        prop_assert_eq!(&item["pk"], &AttributeValue::N(value.id.to_string()));
        let back = RoundTrip::from_item(item).unwrap();
        prop_assert_eq!(back.f32_.to_bits(), value.f32_.to_bits());
        prop_assert_eq!(back.f64_.to_bits(), value.f64_.to_bits());
        prop_assert_eq!(back.primary_key(), value.primary_key());
        prop_assert_eq!(back, value);
    }
}
