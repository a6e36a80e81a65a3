//! Conversion between Rust values and DynamoDB attribute values, with one decoding definition
//! per type for every path.
//!
//! Every DynamoDB type has a Rust counterpart here: strings (S), integers, floats and [`Number`]
//! (N), [`Binary`] (B), `bool` (BOOL), `Option` (absent at the top of an item, NULL inside
//! collections), `Vec` (L), string-keyed maps (M), and `BTreeSet`/`HashSet` of strings, numbers
//! or binaries (SS, NS, BS). With the `chrono` feature, `DateTime<Utc>` is an RFC 3339 string
//! with a fixed six fractional digits (so that timestamps sort as strings) and `NaiveDate` is
//! `YYYY-MM-DD`. A plain `Vec<u8>` is a list (L) of numbers, as serde has it; bytes are
//! [`Binary`], or `Vec<u8>` with `#[serde(with = "serde_bytes")]`, both B.
//!
//! Decoding reads a [`Source`] — an SDK [`AttributeValue`], or in `ferrodyn-streams` stream JSON
//! read in place and `aws_lambda_events` images — so `get` and the stream decoders share each
//! type's [`FromAttributeValue::decode`] and each model's generated item decoder. A field type
//! with no impl here goes through serde: [`Deserializer`] over the same source, and
//! serde_dynamo's serializer.

mod binary;
mod collections;
mod number;
mod scalar;
mod serde_bridge;
mod sets;
mod source;
#[cfg(feature = "chrono")]
mod time;
mod traits;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::Result;

pub use binary::Binary;
pub use number::Number;
pub use serde_bridge::{to_attribute_value_serde, Deserializer};
pub use sets::SetElement;
pub use source::{
    ItemSource, ListSource, MapSource, OwnedSet, SetElements, SetSource, Source, Tag, Value,
};
#[cfg(feature = "chrono")]
pub(crate) use time::format_timestamp;
pub use traits::{FromAttributeValue, ToAttributeValue};

pub(crate) use collections::retake;

/// An item: attribute names to values, as the SDK takes and returns it.
pub type Item = HashMap<String, AttributeValue>;

/// The DynamoDB type letter of a value, for error messages (never its contents).
pub(crate) fn type_name(value: &AttributeValue) -> &'static str {
    Tag::of(value).map_or("an unknown type", Tag::as_str)
}

/// Converts any value with a [`ToAttributeValue`] impl.
///
/// ```
/// use ferrodyn::{to_attribute_value, AttributeValue};
/// assert_eq!(to_attribute_value(&42u8), AttributeValue::N("42".into()));
/// ```
pub fn to_attribute_value<T: ToAttributeValue + ?Sized>(value: &T) -> AttributeValue {
    value.to_attribute_value()
}

/// Decodes any value with a [`FromAttributeValue`] impl.
///
/// # Errors
/// The typed error of the conversion (wrong type, out of range, invalid value).
pub fn from_attribute_value<T: FromAttributeValue>(value: AttributeValue) -> Result<T> {
    T::from_attribute_value(value)
}
