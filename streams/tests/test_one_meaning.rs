//! One model, one meaning: a model with every kind of attribute decodes alike from an item
//! (`from_item`, what `Db::get` uses), from the item as stream JSON on the fast path
//! (`decode_json`) and through `aws_lambda_events` (`decode_event`) — the same value, or the same
//! error kind naming the same attribute.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use ferrodyn::{AttributeValue, Binary, Item, Model, Number};
use ferrodyn_streams::{decode_event, decode_json, Change, Decoded};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ferrodyn::Attribute)]
struct Line {
    sku: String,
    qty: u32,
    note: Option<String>,
    tags: BTreeSet<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ferrodyn::Attribute)]
#[serde(rename_all = "snake_case")]
enum Status {
    Open,
    Shipped,
    Cancelled,
}

/// No ferrodyn impl: read and written through serde.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Extra {
    Plain,
    Scored { tag: String, score: i32 },
    Pair(u8, bool),
}

fn is_zero(n: &u16) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "everything", entity = "Thing", pk = "THING#{id}", sk = "META")]
struct Thing {
    #[ferrodyn(id)]
    id: String,
    s: String,
    c: char,
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
    b: bool,
    n: Number,
    bin: Binary,
    #[serde(with = "serde_bytes")]
    bytes: Vec<u8>,
    plain_bytes: Vec<u8>,
    opt: Option<i64>,
    list: Vec<String>,
    map: HashMap<String, i64>,
    btree: BTreeMap<String, Option<String>>,
    ss: BTreeSet<String>,
    ns: HashSet<i64>,
    numbers: BTreeSet<Number>,
    bs: BTreeSet<Binary>,
    line: Line,
    lines: Vec<Line>,
    status: Status,
    opt_status: Option<Status>,
    at: DateTime<Utc>,
    day: NaiveDate,
    extra: Extra,
    extras: Option<Vec<Extra>>,
    #[serde(rename = "renamed", alias = "old_name")]
    renamed: u8,
    #[serde(default, skip_serializing_if = "is_zero")]
    sparse: u16,
    #[ferrodyn(version)]
    version: u64,
    #[ferrodyn(created_at)]
    created_at: String,
    #[ferrodyn(updated_at)]
    updated_at: Option<DateTime<Utc>>,
    #[ferrodyn(ttl)]
    expires: Option<DateTime<Utc>>,
}

fn number() -> impl Strategy<Value = Number> {
    (any::<i64>(), 0..5usize).prop_map(|(n, point)| {
        let digits = n.unsigned_abs().to_string();
        let text = if point > 0 && point < digits.len() {
            format!("{}.{}", &digits[..digits.len() - point], &digits[digits.len() - point..])
        } else {
            digits
        };
        let sign = if n < 0 { "-" } else { "" };
        Number::new(format!("{sign}{text}")).expect("a DynamoDB number")
    })
}

fn binary() -> impl Strategy<Value = Binary> {
    proptest::collection::vec(any::<u8>(), 0..8).prop_map(Binary)
}

fn line() -> impl Strategy<Value = Line> {
    (
        ".{0,6}",
        any::<u32>(),
        proptest::option::of(".{0,4}"),
        proptest::collection::btree_set("[a-z]{1,3}", 0..3),
    )
        .prop_map(|(sku, qty, note, tags)| Line { sku, qty, note, tags })
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![Just(Status::Open), Just(Status::Shipped), Just(Status::Cancelled)]
}

fn extra() -> impl Strategy<Value = Extra> {
    prop_oneof![
        Just(Extra::Plain),
        (".{0,4}", any::<i32>()).prop_map(|(tag, score)| Extra::Scored { tag, score }),
        (any::<u8>(), any::<bool>()).prop_map(|(a, b)| Extra::Pair(a, b)),
    ]
}

/// A time at microsecond precision, the precision ferrodyn writes.
fn micros() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_102_444_800_000_000)
        .prop_map(|us| DateTime::from_timestamp_micros(us).expect("in chrono's range"))
}

fn seconds() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_102_444_800).prop_map(|s| DateTime::from_timestamp(s, 0).expect("in range"))
}

fn finite_f64() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("finite", |f| f.is_finite())
}

fn finite_f32() -> impl Strategy<Value = f32> {
    any::<f32>().prop_filter("finite", |f| f.is_finite())
}

prop_compose! {
    fn signed_part()(
        i8_ in any::<i8>(), i16_ in any::<i16>(), i32_ in any::<i32>(), i64_ in any::<i64>(),
        i128_ in any::<i128>(), isize_ in any::<isize>(), f32_ in finite_f32(),
    ) -> (i8, i16, i32, i64, i128, isize, f32) {
        (i8_, i16_, i32_, i64_, i128_, isize_, f32_)
    }
}

prop_compose! {
    fn unsigned_part()(
        u8_ in any::<u8>(), u16_ in any::<u16>(), u32_ in any::<u32>(), u64_ in any::<u64>(),
        u128_ in any::<u128>(), usize_ in any::<usize>(), f64_ in finite_f64(),
    ) -> (u8, u16, u32, u64, u128, usize, f64) {
        (u8_, u16_, u32_, u64_, u128_, usize_, f64_)
    }
}

prop_compose! {
    fn collections_part()(
        list in proptest::collection::vec(".{0,4}", 0..3),
        map in proptest::collection::hash_map(".{0,4}", any::<i64>(), 0..3),
        btree in proptest::collection::btree_map(".{0,4}", proptest::option::of(".{0,3}"), 0..3),
        ss in proptest::collection::btree_set(".{0,4}", 0..3),
        ns in proptest::collection::hash_set(any::<i64>(), 0..3),
        numbers in proptest::collection::btree_set(number(), 0..3),
        bs in proptest::collection::btree_set(binary(), 0..3),
        lines in proptest::collection::vec(line(), 0..3),
    ) -> (Vec<String>, HashMap<String, i64>, BTreeMap<String, Option<String>>, BTreeSet<String>,
          HashSet<i64>, BTreeSet<Number>, BTreeSet<Binary>, Vec<Line>) {
        (list, map, btree, ss, ns, numbers, bs, lines)
    }
}

prop_compose! {
    fn thing()(
        signed in signed_part(),
        unsigned in unsigned_part(),
        cols in collections_part(),
        id in "[a-z0-9]{1,8}", s in ".{0,8}", c in any::<char>(), b in any::<bool>(),
        n in number(), bin in binary(),
        bytes in proptest::collection::vec(any::<u8>(), 0..8),
        plain_bytes in proptest::collection::vec(any::<u8>(), 0..4),
        opt in proptest::option::of(any::<i64>()),
        line in line(), status in status(), opt_status in proptest::option::of(status()),
        at in micros(), day in (0i32..100_000).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d + 1).expect("a day")),
        extra in extra(), extras in proptest::option::of(proptest::collection::vec(extra(), 0..3)),
        renamed in any::<u8>(), sparse in prop_oneof![Just(0u16), any::<u16>()],
        version in any::<u64>(), created_at in ".{0,6}",
        updated_at in proptest::option::of(micros()), expires in proptest::option::of(seconds()),
    ) -> Thing {
        let (i8_, i16_, i32_, i64_, i128_, isize_, f32_) = signed;
        let (u8_, u16_, u32_, u64_, u128_, usize_, f64_) = unsigned;
        let (list, map, btree, ss, ns, numbers, bs, lines) = cols;
        Thing {
            id, s, c, i8_, i16_, i32_, i64_, i128_, isize_, u8_, u16_, u32_, u64_, u128_, usize_,
            f32_, f64_, b, n, bin, bytes, plain_bytes, opt, list, map, btree, ss, ns, numbers, bs,
            line, lines, status, opt_status, at, day, extra, extras, renamed, sparse, version,
            created_at, updated_at, expires,
        }
    }
}

/// DynamoDB JSON for a value, as a stream record carries it.
fn json_value(value: &AttributeValue) -> serde_json::Value {
    use serde_json::{json, Value};
    let b64 = |b: &[u8]| Value::String(base64::engine::general_purpose::STANDARD.encode(b));
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => json!({ "B": b64(b.as_ref()) }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::L(l) => json!({ "L": l.iter().map(json_value).collect::<Vec<_>>() }),
        AttributeValue::M(m) => json!({ "M": json_item(m) }),
        AttributeValue::Ss(s) => json!({ "SS": s }),
        AttributeValue::Ns(n) => json!({ "NS": n }),
        AttributeValue::Bs(b) => {
            json!({ "BS": b.iter().map(|b| b64(b.as_ref())).collect::<Vec<_>>() })
        }
        other => panic!("no JSON for {other:?}"),
    }
}

fn json_item(item: &Item) -> serde_json::Value {
    serde_json::Value::Object(item.iter().map(|(k, v)| (k.clone(), json_value(v))).collect())
}

/// A one-record INSERT event whose new image is `item`.
fn event(item: &Item) -> Vec<u8> {
    let keys: Item = ["pk", "sk"]
        .iter()
        .filter_map(|k| item.get(*k).map(|v| ((*k).to_owned(), v.clone())))
        .collect();
    let event = serde_json::json!({"Records": [{
        "eventID": "1",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1_700_000_000.0,
            "Keys": json_item(&keys),
            "NewImage": json_item(item),
            "SequenceNumber": "100",
            "SizeBytes": 1,
            "StreamViewType": "NEW_IMAGE",
        },
    }]});
    serde_json::to_vec(&event).expect("JSON")
}

/// What a path made of the record: the model, or the error's kind and attribute path.
type Outcome = Result<Thing, (ferrodyn::ErrorKind, String)>;

fn from_record(mut decoded: Vec<Decoded<Thing>>) -> Outcome {
    assert_eq!(decoded.len(), 1);
    match decoded.remove(0) {
        Decoded::Record(record) => match record.into_change() {
            Change::Insert { new: Some(thing) } => Ok(thing),
            other => panic!("unexpected change {other:?}"),
        },
        Decoded::Failed(_, e) => {
            let e = e.decode_error().unwrap_or_else(|| panic!("not a decode error: {e}"));
            Err((e.kind(), e.attribute_path()))
        }
        Decoded::Skipped(_) => panic!("skipped"),
    }
}

/// The three paths' outcomes for `item`.
fn outcomes(item: &Item) -> [Outcome; 3] {
    let get = Thing::from_item(item.clone()).map_err(|e| (e.kind(), e.attribute_path()));
    let json = event(item);
    let fast = from_record(decode_json::<Thing>(&json).expect("the event decodes"));
    let event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_slice(&json).expect("aws_lambda_events reads it");
    let tree = from_record(decode_event::<Thing>(&event).expect("the event decodes"));
    [get, fast, tree]
}

/// Wrong values for a field: another type, a number out of every range, a number that is no
/// number.
fn wrong_value() -> impl Strategy<Value = AttributeValue> {
    prop_oneof![
        Just(AttributeValue::Bool(true)),
        Just(AttributeValue::N("1e400".to_owned())),
        Just(AttributeValue::N("abc".to_owned())),
        Just(AttributeValue::S("not a value".to_owned())),
        Just(AttributeValue::M(Item::new())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn every_path_gives_the_same_value_or_the_same_error(
        thing in thing(),
        field in 0..Thing::META.fields.len(),
        wrong in wrong_value(),
    ) {
        let item = thing.to_item().expect("encodes");
        let [get, fast, tree] = outcomes(&item);
        prop_assert_eq!(get.as_ref(), Ok(&thing));
        prop_assert_eq!(&fast, &get);
        prop_assert_eq!(&tree, &get);

        let mut broken = item;
        let attribute = Thing::META.fields[field].attribute;
        broken.insert(attribute.to_owned(), wrong);
        let [get, fast, tree] = outcomes(&broken);
        prop_assert_eq!(&fast, &get, "attribute {}", attribute);
        prop_assert_eq!(&tree, &get, "attribute {}", attribute);
        if let Err((_, path)) = &get {
            prop_assert!(path.starts_with(attribute), "{} names {}", path, attribute);
        }
    }
}

#[test]
fn managed_and_renamed_fields_have_their_stored_forms() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let thing = thing().new_tree(&mut runner).expect("a value").current();
    let thing = Thing { sparse: 0, expires: DateTime::from_timestamp(1_800_000_000, 0), ..thing };
    let item = thing.to_item().expect("encodes");
    // ttl: epoch seconds on every path; serde_bytes: B; a plain Vec<u8>: L.
    assert_eq!(item.get("expires"), Some(&AttributeValue::N("1800000000".into())));
    assert!(matches!(item.get("bytes"), Some(AttributeValue::B(_))));
    assert!(matches!(item.get("plain_bytes"), Some(AttributeValue::L(_))));
    assert!(!item.contains_key("sparse"), "skip_serializing_if leaves it out");
    assert!(item.contains_key("renamed"));
    // An alias reads on every path.
    let mut aliased = item.clone();
    let renamed = aliased.remove("renamed").expect("renamed");
    aliased.insert("old_name".into(), renamed);
    for outcome in outcomes(&aliased) {
        assert_eq!(outcome.as_ref(), Ok(&thing));
    }
    // A Number never reads from S, on any path.
    let mut text = item.clone();
    text.insert("n".into(), AttributeValue::S("12".into()));
    for outcome in outcomes(&text) {
        assert_eq!(outcome, Err((ferrodyn::ErrorKind::WrongType, "n".to_owned())));
    }
    // An item without the entity attribute is not the model's: `from_item` refuses it, a stream
    // consumer skips it (and queries filter it out).
    let mut no_entity = item;
    no_entity.remove("entity");
    let refused = Thing::from_item(no_entity.clone()).expect_err("refused");
    assert_eq!(refused.kind(), ferrodyn::ErrorKind::WrongEntity);
    let decoded = decode_json::<Thing>(&event(&no_entity)).expect("the event decodes");
    assert!(matches!(decoded.as_slice(), [Decoded::Skipped(_)]));
}
