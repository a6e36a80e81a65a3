//! `#[derive(Model)]` and `#[derive(Attribute)]`: metadata, items, keys, serde attributes.
#![deny(missing_docs, unreachable_pub, missing_debug_implementations)]

use std::collections::HashMap;

use ferrodyn::meta::{ScalarType, TemplatePart};
use ferrodyn::{
    Attribute, AttributeValue, ErrorKind, FromAttributeValue, Item, Model, ToAttributeValue,
};
use serde::{Deserialize, Serialize};

#[derive(Attribute, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum Status {
    Pending,
    PartlyShipped,
    #[serde(rename = "done")]
    Delivered,
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[ferrodyn(
    table = "shop",
    entity = "Order",
    pk = "CUSTOMER#{customer_id}",
    sk = "ORDER#{order_id}",
    index(name = "gsi1", pk = "STATUS#{status}", sk = "{created_at}")
)]
struct Order {
    customer_id: String,
    order_id: String,
    status: Status,
    total_cents: i64,
    created_at: String,
    note: Option<String>,
}

fn order() -> Order {
    Order {
        customer_id: "c1".into(),
        order_id: "o1".into(),
        status: Status::PartlyShipped,
        total_cents: 1999,
        created_at: "2024-05-01T10:00:00.000000Z".into(),
        note: None,
    }
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: &str) -> AttributeValue {
    AttributeValue::N(v.to_owned())
}

fn keys(item: &Item) -> Vec<&str> {
    let mut keys: Vec<&str> = item.keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

#[test]
fn meta_describes_table_keys_indexes_and_fields() {
    let meta = Order::META;
    assert_eq!(meta.type_name, "Order");
    assert_eq!(meta.table, "shop");
    let entity = meta.entity.as_ref().unwrap();
    assert_eq!((entity.attribute, entity.value), ("entity", "Order"));

    assert_eq!(meta.partition_key.attribute, "pk");
    assert_eq!(meta.partition_key.scalar, ScalarType::S);
    assert_eq!(
        meta.partition_key.template,
        &[TemplatePart::Literal("CUSTOMER#"), TemplatePart::Field("customer_id")]
    );
    assert!(!meta.partition_key.is_direct());
    let sk = meta.sort_key.as_ref().unwrap();
    assert_eq!(sk.attribute, "sk");
    assert_eq!(sk.fields().collect::<Vec<_>>(), ["order_id"]);

    assert_eq!(meta.indexes.len(), 1);
    let gsi = meta.index("gsi1").unwrap();
    assert_eq!(gsi.partition_key.attribute, "gsi1pk");
    assert_eq!(gsi.partition_key.scalar, ScalarType::S);
    let gsi_sk = gsi.sort_key.as_ref().unwrap();
    assert_eq!(gsi_sk.attribute, "gsi1sk");
    assert_eq!(gsi_sk.template, &[TemplatePart::Field("created_at")]);
    assert_eq!(gsi_sk.scalar, ScalarType::S);

    let fields: Vec<(&str, &str)> = meta.fields.iter().map(|f| (f.name, f.attribute)).collect();
    assert_eq!(
        fields,
        [
            ("customer_id", "customer_id"),
            ("order_id", "order_id"),
            ("status", "status"),
            ("total_cents", "total_cents"),
            ("created_at", "created_at"),
            ("note", "note"),
        ]
    );
}

#[test]
fn to_item_writes_fields_keys_index_keys_and_entity() {
    let item = order().to_item().unwrap();
    assert_eq!(
        keys(&item),
        [
            "created_at",
            "customer_id",
            "entity",
            "gsi1pk",
            "gsi1sk",
            "order_id",
            "pk",
            "sk",
            "status",
            "total_cents"
        ]
    );
    assert_eq!(item["pk"], s("CUSTOMER#c1"));
    assert_eq!(item["sk"], s("ORDER#o1"));
    assert_eq!(item["gsi1pk"], s("STATUS#PARTLY_SHIPPED"));
    assert_eq!(item["gsi1sk"], s("2024-05-01T10:00:00.000000Z"));
    assert_eq!(item["entity"], s("Order"));
    assert_eq!(item["status"], s("PARTLY_SHIPPED"));
    assert_eq!(item["total_cents"], n("1999"));

    let with_note = Order { note: Some("gift".into()), ..order() };
    let item = with_note.to_item().unwrap();
    assert_eq!(item["note"], s("gift"));
}

#[test]
fn from_item_round_trips_and_ignores_key_attributes() {
    let original = Order { note: Some("gift".into()), ..order() };
    let item = original.to_item().unwrap();
    assert_eq!(Order::from_item(item).unwrap(), original);

    // Without key or index attributes, and with unknown ones.
    let mut item = order().to_item().unwrap();
    for k in ["pk", "sk", "gsi1pk", "gsi1sk"] {
        item.remove(k);
    }
    item.insert("something_else".into(), AttributeValue::Bool(true));
    assert_eq!(Order::from_item(item.clone()).unwrap(), order());

    // Without the entity type, the item is not an Order's.
    item.remove("entity");
    let err = Order::from_item(item).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongEntity);
}

#[test]
fn from_item_rejects_another_entity() {
    let mut item = order().to_item().unwrap();
    item.insert("entity".into(), s("Invoice"));
    // Another entity's attributes are usually wrong too; the entity check comes first anyway.
    item.insert("total_cents".into(), s("not a number"));
    let err = Order::from_item(item).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongEntity);
    assert!(err.to_string().contains("Invoice"), "{err}");
}

#[test]
fn key_equals_primary_key_equals_item_key_attributes() {
    let o = order();
    let key = Order::key("c1", "o1");
    assert_eq!(key, o.primary_key());
    let item = o.to_item().unwrap();
    let mut expected = Item::new();
    expected.insert("pk".into(), item["pk"].clone());
    expected.insert("sk".into(), item["sk"].clone());
    assert_eq!(key.attributes(), &expected);
    assert_eq!(key.to_string(), "pk=CUSTOMER#c1, sk=ORDER#o1");
}

// A numeric direct key, a sparse index and a renamed entity attribute.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[ferrodyn(table = "users", pk = "id", entity = "User", entity_attribute = "_type")]
#[ferrodyn(index(name = "by_email", pk = "EMAIL#{email}", pk_attribute = "email_key"))]
#[ferrodyn(index(name = "by_team", pk = "team", sk = "{joined}"))]
struct User {
    id: u64,
    email: Option<String>,
    team: Option<String>,
    joined: u32,
}

#[test]
fn direct_numeric_key() {
    let meta = User::META;
    assert_eq!(meta.partition_key.attribute, "id");
    assert_eq!(meta.partition_key.scalar, ScalarType::N);
    assert_eq!(meta.partition_key.template, &[TemplatePart::Field("id")]);
    assert!(meta.partition_key.is_direct());
    assert!(meta.sort_key.is_none());
    assert_eq!(meta.entity.as_ref().unwrap().attribute, "_type");

    let by_email = meta.index("by_email").unwrap();
    assert_eq!(by_email.partition_key.attribute, "email_key");
    assert!(by_email.sort_key.is_none());
    let by_team = meta.index("by_team").unwrap();
    assert!(by_team.partition_key.is_direct());
    assert_eq!(by_team.partition_key.attribute, "team");
    assert_eq!(by_team.partition_key.scalar, ScalarType::S);
    let joined = by_team.sort_key.as_ref().unwrap();
    assert_eq!(joined.attribute, "by_teamsk");
    assert_eq!(joined.scalar, ScalarType::N);

    let user = User { id: 42, email: Some("a@b.c".into()), team: Some("red".into()), joined: 7 };
    let item = user.to_item().unwrap();
    assert_eq!(keys(&item), ["_type", "by_teamsk", "email", "email_key", "id", "joined", "team"]);
    assert_eq!(item["id"], n("42"));
    assert_eq!(item["email_key"], s("EMAIL#a@b.c"));
    // A template of one numeric field is a number attribute.
    assert_eq!(item["by_teamsk"], n("7"));
    assert_eq!(User::key(42u64), user.primary_key());
    assert_eq!(User::key(42u64).attributes().len(), 1);
    assert_eq!(User::key(42u64).attributes()["id"], n("42"));
    assert_eq!(User::from_item(item).unwrap(), user);
}

#[test]
fn sparse_index_when_option_is_none() {
    let user = User { id: 1, email: None, team: None, joined: 7 };
    let item = user.to_item().unwrap();
    assert_eq!(keys(&item), ["_type", "by_teamsk", "id", "joined"]);
    assert_eq!(User::from_item(item).unwrap(), user);
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[ferrodyn(table = "t", pk = "TENANT#{tenant}", sk = "DOC#{doc}")]
struct Sparse {
    tenant: Option<String>,
    doc: String,
}

#[test]
fn absent_primary_key_part_is_an_error() {
    let v = Sparse { tenant: None, doc: "d".into() };
    let err = v.to_item().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(err.to_string().contains("`pk`"), "{err}");
    assert!(err.to_string().contains("tenant"), "{err}");
    // The key itself leaves the attribute out.
    assert_eq!(keys(v.primary_key().attributes()), ["sk"]);
    assert_eq!(Sparse::key(Some("t".to_owned()), "d").attributes()["pk"], s("TENANT#t"));
}

fn default_score() -> i32 {
    -1
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
#[ferrodyn(table = "t", pk = "ACCOUNT#{account_id}", sk = "PROFILE")]
struct Profile {
    account_id: String,
    display_name: String,
    #[serde(rename = "mail")]
    email_address: String,
    #[serde(skip)]
    cached: Vec<u8>,
    #[serde(default)]
    login_count: u32,
    #[serde(default = "default_score")]
    score: i32,
    r#type: String,
}

#[test]
fn serde_rename_skip_and_default_are_honoured() {
    let meta = Profile::META;
    let fields: Vec<(&str, &str)> = meta.fields.iter().map(|f| (f.name, f.attribute)).collect();
    assert_eq!(
        fields,
        [
            ("account_id", "accountId"),
            ("display_name", "displayName"),
            ("email_address", "mail"),
            ("login_count", "loginCount"),
            ("score", "score"),
            ("type", "type"),
        ]
    );
    assert_eq!(meta.partition_key.template[1], TemplatePart::Field("accountId"));
    assert_eq!(meta.sort_key.as_ref().unwrap().template, &[TemplatePart::Literal("PROFILE")]);

    let p = Profile {
        account_id: "a".into(),
        display_name: "Ann".into(),
        email_address: "ann@x".into(),
        cached: vec![1, 2, 3],
        login_count: 3,
        score: 10,
        r#type: "admin".into(),
    };
    let item = p.to_item().unwrap();
    assert_eq!(
        keys(&item),
        ["accountId", "displayName", "loginCount", "mail", "pk", "score", "sk", "type"]
    );
    assert_eq!(item["sk"], s("PROFILE"));
    assert_eq!(Profile::key("a"), p.primary_key());

    // The skipped field comes back as its default; the same as serde_dynamo does.
    let back = Profile::from_item(item.clone()).unwrap();
    assert_eq!(back, Profile { cached: vec![], ..p.clone() });
    let via_serde: Profile = serde_dynamo::from_item(item.clone()).unwrap();
    assert_eq!(via_serde, back);

    let mut item = item;
    item.remove("loginCount");
    item.remove("score");
    let back = Profile::from_item(item.clone()).unwrap();
    assert_eq!((back.login_count, back.score), (0, -1));
    item.remove("displayName");
    let err = Profile::from_item(item).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingAttribute);
    assert_eq!(err.attribute_path(), "displayName");
}

#[test]
fn field_paths_use_attribute_names() {
    assert_eq!(Order::FIELDS.customer_id.root(), "customer_id");
    assert_eq!(Order::FIELDS.note.to_string(), "note");
    assert_eq!(Profile::FIELDS.email_address.root(), "mail");
    assert_eq!(Profile::FIELDS.display_name.root(), "displayName");
    assert_eq!(Profile::FIELDS.r#type.root(), "type");
    assert!(format!("{:?}", Profile::FIELDS).contains("Path(loginCount)"));
}

#[test]
fn unit_enum_names_follow_serde() {
    assert_eq!(Status::Pending.to_attribute_value(), s("PENDING"));
    assert_eq!(Status::PartlyShipped.to_attribute_value(), s("PARTLY_SHIPPED"));
    assert_eq!(Status::Delivered.to_attribute_value(), s("done"));
    for status in [Status::Pending, Status::PartlyShipped, Status::Delivered] {
        let direct = status.to_attribute_value();
        let serde: AttributeValue = serde_dynamo::to_attribute_value(status).unwrap();
        assert_eq!(direct, serde);
        assert_eq!(Status::from_attribute_value(direct).unwrap(), status);
    }
    let err = Status::from_attribute_value(s("Pending")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidValue);
    assert!(err.to_string().contains("PENDING, PARTLY_SHIPPED, done"), "{err}");
    let err = Status::from_attribute_value(n("1")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongType);

    let mut out = String::new();
    assert!(ferrodyn::KeyPart::write_key_part(&Status::Delivered, &mut out));
    assert_eq!(out, "done");
    assert_eq!(<Status as ferrodyn::KeyPart>::SCALAR, ScalarType::S);
}

#[derive(Attribute, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "kebab-case")]
enum Kind {
    GiftCard,
    PhysicalGood,
}

#[derive(Attribute, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Line {
    sku: String,
    qty: u32,
    #[serde(rename = "kind")]
    line_kind: Kind,
    discount: Option<i64>,
    tags: Vec<String>,
}

#[derive(Attribute, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct Address {
    street_name: String,
    #[serde(skip)]
    cache: Option<String>,
    #[serde(default)]
    zip: Option<String>,
    lines: Vec<Line>,
    extra: HashMap<String, Line>,
}

#[test]
fn attribute_struct_round_trips_as_a_map() {
    let address = Address {
        street_name: "Main".into(),
        cache: None,
        zip: None,
        lines: vec![
            Line {
                sku: "a".into(),
                qty: 1,
                line_kind: Kind::GiftCard,
                discount: None,
                tags: vec![],
            },
            Line {
                sku: "b".into(),
                qty: 2,
                line_kind: Kind::PhysicalGood,
                discount: Some(-5),
                tags: vec!["x".into()],
            },
        ],
        extra: HashMap::from([(
            "k".to_owned(),
            Line {
                sku: "c".into(),
                qty: 3,
                line_kind: Kind::GiftCard,
                discount: None,
                tags: vec![],
            },
        )]),
    };
    let value = address.to_attribute_value();
    let AttributeValue::M(map) = &value else { panic!("not a map: {value:?}") };
    assert_eq!(keys(map), ["Extra", "Lines", "StreetName"]);
    let AttributeValue::L(lines) = &map["Lines"] else { panic!() };
    let AttributeValue::M(second) = &lines[1] else { panic!() };
    assert_eq!(keys(second), ["discount", "kind", "qty", "sku", "tags"]);
    assert_eq!(second["kind"], s("physical-good"));
    // Same shape as serde_dynamo would produce, except that None is left out.
    let via_serde: Address = serde_dynamo::from_attribute_value(value.clone()).unwrap();
    assert_eq!(via_serde, address);
    assert_eq!(Address::from_attribute_value(value).unwrap(), address);

    let err = Address::from_attribute_value(s("x")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongType);
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[ferrodyn(table = "shop", pk = "KIND#{kind}", sk = "{sku}#{qty}")]
#[ferrodyn(index(
    name = "inverted",
    pk = "{sku}#{qty}",
    pk_attribute = "sk",
    sk = "KIND#{kind}",
    sk_attribute = "pk"
))]
struct Product {
    kind: Kind,
    sku: String,
    qty: u16,
    address: Option<Address>,
}

#[test]
fn enum_in_template_and_nested_attribute_in_model() {
    let p = Product {
        kind: Kind::PhysicalGood,
        sku: "s-1".into(),
        qty: 12,
        address: Some(Address {
            street_name: "Elm".into(),
            cache: None,
            zip: Some("123".into()),
            lines: vec![],
            extra: HashMap::new(),
        }),
    };
    let item = p.to_item().unwrap();
    // The inverted index reuses the table's key attributes.
    assert_eq!(keys(&item), ["address", "kind", "pk", "qty", "sk", "sku"]);
    assert_eq!(item["pk"], s("KIND#physical-good"));
    assert_eq!(item["sk"], s("s-1#12"));
    assert_eq!(Product::key(Kind::PhysicalGood, "s-1", 12u16), p.primary_key());
    assert_eq!(Product::from_item(item).unwrap(), p);
    let inverted = Product::META.index("inverted").unwrap();
    assert_eq!(inverted.partition_key.attribute, "sk");
}

#[test]
fn nested_errors_name_the_attribute_path() {
    let p = Product {
        kind: Kind::GiftCard,
        sku: "s".into(),
        qty: 1,
        address: Some(Address {
            street_name: "Elm".into(),
            cache: None,
            zip: None,
            lines: vec![Line {
                sku: "a".into(),
                qty: 1,
                line_kind: Kind::GiftCard,
                discount: None,
                tags: vec![],
            }],
            extra: HashMap::new(),
        }),
    };
    let mut item = p.to_item().unwrap();
    let AttributeValue::M(address) = item.get_mut("address").unwrap() else { panic!() };
    let AttributeValue::L(lines) = address.get_mut("Lines").unwrap() else { panic!() };
    let AttributeValue::M(line) = &mut lines[0] else { panic!() };
    line.insert("kind".into(), s("voucher"));
    let err = Product::from_item(item).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidValue);
    assert_eq!(err.attribute_path(), "address.Lines[0].kind");
}

/// Generated items are documented and debuggable, so user crates' lints stay quiet.
pub mod public {
    use ferrodyn::{Attribute, Model};
    use serde::{Deserialize, Serialize};

    /// A public model.
    #[derive(Model, Serialize, Deserialize, Debug)]
    #[ferrodyn(table = "accounts", pk = "ACCOUNT#{id}", sk = "{region}")]
    pub struct Account {
        /// Identifier.
        pub id: String,
        /// Region.
        pub region: Region,
    }

    /// A public unit enum.
    #[derive(Attribute, Serialize, Deserialize, Debug)]
    pub enum Region {
        /// Europe.
        Eu,
        /// America.
        Us,
    }
}

#[test]
fn public_model_has_documented_items() {
    let key = public::Account::key("a", public::Region::Eu);
    assert_eq!(key.attributes()["sk"], s("Eu"));
    assert_eq!(public::Account::FIELDS.region.root(), "region");
}
