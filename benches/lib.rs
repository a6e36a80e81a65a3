//! Shared code of ferrodyn's benchmarks: the 12-field model of the conversion benchmark, the order
//! stream event of the stream decoding benchmark, and the cold-start benchmark's harness
//! ([`coldstart`]) and its start-up profile under callgrind ([`startup_profile`]).

pub mod coldstart;
pub mod shapes;
pub mod startup_profile;

use std::collections::{BTreeSet, HashMap};

use ferrodyn::{Attribute, Model};
use serde::{Deserialize, Serialize};

/// A nested struct stored as a map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Attribute)]
pub struct Address {
    /// Street line.
    pub street: String,
    /// City.
    pub city: String,
    /// Postal code.
    pub postcode: String,
}

/// Twelve fields covering strings, integers, a float, a bool, an `Option`, a list, a map, a string
/// set and a nested struct.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "bench", pk = "id")]
pub struct Record {
    /// Partition key.
    pub id: String,
    /// A name.
    pub name: String,
    /// An email address.
    pub email: String,
    /// A small integer.
    pub age: u32,
    /// A large integer.
    pub balance_cents: i64,
    /// A float.
    pub score: f64,
    /// A bool.
    pub active: bool,
    /// An optional string.
    pub nickname: Option<String>,
    /// A list.
    pub tags: Vec<String>,
    /// A map.
    pub attributes: HashMap<String, String>,
    /// A string set.
    pub roles: BTreeSet<String>,
    /// A nested struct.
    pub address: Address,
}

/// A representative record.
pub fn record() -> Record {
    Record {
        id: "01JD3R5Z7Q8W9E0R1T2Y3U4I5O".into(),
        name: "Ada Lovelace".into(),
        email: "ada@example.com".into(),
        age: 36,
        balance_cents: 1_234_567_890,
        score: 98.625,
        active: true,
        nickname: Some("Countess".into()),
        tags: vec!["math".into(), "poetry".into(), "engines".into()],
        attributes: HashMap::from([
            ("plan".to_owned(), "pro".to_owned()),
            ("region".to_owned(), "eu-west-1".to_owned()),
        ]),
        roles: BTreeSet::from(["admin".to_owned(), "author".to_owned()]),
        address: Address {
            street: "12 St James's Square".into(),
            city: "London".into(),
            postcode: "SW1Y 4JH".into(),
        },
    }
}

/// A line of a [`StreamOrder`], stored as a map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    /// Stock keeping unit.
    pub sku: String,
    /// Units ordered.
    pub quantity: u32,
    /// Unit price.
    pub price_cents: i64,
}

/// The order of the stream decoding benchmark: a single-table model with lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "shop",
    entity = "Order",
    pk = "CUSTOMER#{customer_id}",
    sk = "ORDER#{order_id}"
)]
pub struct StreamOrder {
    /// Customer id.
    pub customer_id: String,
    /// Order id.
    pub order_id: String,
    /// `pending`, `paid`, `shipped`.
    pub status: String,
    /// Order total.
    pub total_cents: i64,
    /// A free-text note, sometimes absent.
    pub note: Option<String>,
    /// Order lines.
    pub lines: Vec<OrderLine>,
}

/// A deterministic DynamoDB stream event of `records` records (INSERT, MODIFY with both images,
/// REMOVE, 7:1:2) of [`StreamOrder`] items, as Lambda delivers it: about 600 bytes a record, so
/// that 10,000 records (the largest batch) stay near Lambda's 6 MB payload limit.
pub fn stream_event(records: usize) -> String {
    use std::fmt::Write as _;
    // A fixed linear congruential generator: the same event on every run and machine.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |bound: u64| {
        state =
            state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % bound
    };
    fn image(customer: u64, order: u64, status: &str, next: &mut dyn FnMut(u64) -> u64) -> String {
        let mut lines = String::new();
        let mut total = 0;
        for l in 0..1 + u64::from(next(4) == 0) {
            let (quantity, price) = (1 + next(5), 100 + next(10_000));
            total += quantity * price;
            if l > 0 {
                lines.push(',');
            }
            let _ = write!(
                lines,
                r#"{{"M":{{"sku":{{"S":"SKU-{:05}"}},"quantity":{{"N":"{quantity}"}},"price_cents":{{"N":"{price}"}}}}}}"#,
                next(100_000)
            );
        }
        // A third of the orders carry a note, some with characters JSON escapes.
        let note = match next(6) {
            0 => r#""note":{"S":"Leave at the door"},"#,
            1 => r#""note":{"S":"Ring \"twice\""},"#,
            _ => "",
        };
        format!(
            r#"{{"pk":{{"S":"CUSTOMER#c{customer}"}},"sk":{{"S":"ORDER#o{order}"}},"entity":{{"S":"Order"}},"customer_id":{{"S":"c{customer}"}},"order_id":{{"S":"o{order}"}},"status":{{"S":"{status}"}},"total_cents":{{"N":"{total}"}},{note}"lines":{{"L":[{lines}]}}}}"#
        )
    }
    let mut out = String::from(r#"{"Records":["#);
    for i in 0..records {
        let (customer, order) = (next(1000), i as u64);
        let (name, new, old) = match next(10) {
            0..=6 => ("INSERT", Some(image(customer, order, "pending", &mut next)), None),
            7 => (
                "MODIFY",
                Some(image(customer, order, "paid", &mut next)),
                Some(image(customer, order, "pending", &mut next)),
            ),
            _ => ("REMOVE", None, Some(image(customer, order, "shipped", &mut next))),
        };
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            r#"{{"awsRegion":"eu-west-1","dynamodb":{{"ApproximateCreationDateTime":1795256160.{:03},"Keys":{{"pk":{{"S":"CUSTOMER#c{customer}"}},"sk":{{"S":"ORDER#o{order}"}}}},"#,
            next(1000)
        );
        if let Some(new) = new {
            let _ = write!(out, r#""NewImage":{new},"#);
        }
        if let Some(old) = old {
            let _ = write!(out, r#""OldImage":{old},"#);
        }
        let _ = write!(
            out,
            r#""SequenceNumber":"{:021}","SizeBytes":{},"StreamViewType":"NEW_AND_OLD_IMAGES"}},"eventID":"{:032x}","eventName":"{name}","eventSource":"aws:dynamodb","eventSourceARN":"arn:aws:dynamodb:eu-west-1:123456789012:table/shop/stream/2026-11-21T00:00:00.000","eventVersion":"1.1"}}"#,
            1_000_000 + i,
            200 + next(400),
            next(u64::MAX)
        );
    }
    out.push_str("]}");
    out
}
