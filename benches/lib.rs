//! Shared code of ferrodyn's benchmarks: the 12-field model of the conversion benchmark, and the
//! cold-start benchmark's harness ([`coldstart`]).

pub mod coldstart;

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
