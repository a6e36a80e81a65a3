//! Conversion between Rust values and DynamoDB `AttributeValue`s: the direct path the derive uses.
//!
//! Every DynamoDB type has a Rust counterpart here: strings (S), integers, floats and [`Number`] (N),
//! [`Binary`] (B), `bool` (BOOL), `Option` (absent at the top of an item, NULL inside collections),
//! `Vec` (L), string-keyed maps (M), and `BTreeSet`/`HashSet` of strings, numbers or binaries
//! (SS, NS, BS). With the `chrono` feature, `DateTime<Utc>` is an RFC 3339 string with a fixed six
//! fractional digits (so that timestamps sort as strings) and `NaiveDate` is `YYYY-MM-DD`.
//!
//! A field whose type has no impl here falls back to serde_dynamo (see `__private`).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::str::FromStr;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, ErrorKind, Result};

/// An item: attribute names to values, as the SDK takes and returns it.
pub type Item = HashMap<String, AttributeValue>;

/// A Rust value that becomes one DynamoDB attribute value.
pub trait ToAttributeValue {
    /// The attribute value for `self`.
    fn to_attribute_value(&self) -> AttributeValue;

    /// Whether the attribute is left out of an item entirely (`None`, an empty set: DynamoDB has no
    /// empty sets). Inside lists and maps, absent values are written as NULL instead.
    #[doc(hidden)]
    fn is_absent(&self) -> bool {
        false
    }
}

/// A Rust value decoded from one DynamoDB attribute value.
pub trait FromAttributeValue: Sized {
    /// Decodes `value`, taking ownership so strings move instead of being copied.
    ///
    /// # Errors
    /// A typed error naming what was expected: wrong type, number out of range, invalid value.
    fn from_attribute_value(value: AttributeValue) -> Result<Self>;

    /// The value for an attribute missing from the item, if the type has one (`None`, an empty
    /// set); `None` means the attribute is required.
    #[doc(hidden)]
    fn from_missing() -> Option<Self> {
        None
    }
}

/// The DynamoDB type letter of a value, for error messages (never its contents).
pub(crate) fn type_name(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "S",
        AttributeValue::N(_) => "N",
        AttributeValue::B(_) => "B",
        AttributeValue::Bool(_) => "BOOL",
        AttributeValue::Null(_) => "NULL",
        AttributeValue::L(_) => "L",
        AttributeValue::M(_) => "M",
        AttributeValue::Ss(_) => "SS",
        AttributeValue::Ns(_) => "NS",
        AttributeValue::Bs(_) => "BS",
        _ => "an unknown type",
    }
}

// ---------------------------------------------------------------------------------------------
// Identity: raw attribute values pass through.

impl ToAttributeValue for AttributeValue {
    fn to_attribute_value(&self) -> AttributeValue {
        self.clone()
    }
}

impl FromAttributeValue for AttributeValue {
    fn from_attribute_value(value: AttributeValue) -> Result<Self> {
        Ok(value)
    }
}

// ---------------------------------------------------------------------------------------------
// Strings

impl ToAttributeValue for String {
    fn to_attribute_value(&self) -> AttributeValue {
        AttributeValue::S(self.clone())
    }
}

impl ToAttributeValue for str {
    fn to_attribute_value(&self) -> AttributeValue {
        AttributeValue::S(self.to_owned())
    }
}

impl ToAttributeValue for Cow<'_, str> {
    fn to_attribute_value(&self) -> AttributeValue {
        AttributeValue::S(self.as_ref().to_owned())
    }
}

impl FromAttributeValue for String {
    fn from_attribute_value(value: AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::S(s) => Ok(s),
            other => Err(Error::wrong_type("S (string)", &other)),
        }
    }
}

impl FromAttributeValue for Cow<'static, str> {
    fn from_attribute_value(value: AttributeValue) -> Result<Self> {
        String::from_attribute_value(value).map(Cow::Owned)
    }
}

impl ToAttributeValue for char {
    fn to_attribute_value(&self) -> AttributeValue {
        AttributeValue::S(self.to_string())
    }
}

impl FromAttributeValue for char {
    fn from_attribute_value(value: AttributeValue) -> Result<Self> {
        let s = String::from_attribute_value(value)?;
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(c),
            _ => Err(Error::invalid_value("expected a single character")),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Booleans

impl ToAttributeValue for bool {
    fn to_attribute_value(&self) -> AttributeValue {
        AttributeValue::Bool(*self)
    }
}

impl FromAttributeValue for bool {
    fn from_attribute_value(value: AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::Bool(b) => Ok(b),
            other => Err(Error::wrong_type("BOOL", &other)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers

fn number_string(value: AttributeValue, rust_type: &'static str) -> Result<String> {
    match value {
        AttributeValue::N(n) => Ok(n),
        other => Err(Error::wrong_type(rust_type, &other)),
    }
}

fn out_of_range(rust_type: &str) -> Error {
    Error::new(ErrorKind::NumberOutOfRange, format!("number does not fit {rust_type}"))
}

/// Parses an integer, accepting DynamoDB's normal form and exact decimal/exponent forms
/// (`1E+2`, `100.0`) that denote an integer.
fn parse_integer<T: FromStr>(n: &str, rust_type: &'static str) -> Result<T> {
    if let Ok(v) = n.parse::<T>() {
        return Ok(v);
    }
    let number = Number::new(n).map_err(|_| out_of_range(rust_type))?;
    match number.integer_digits() {
        Some(digits) => digits.parse::<T>().map_err(|_| out_of_range(rust_type)),
        None => Err(out_of_range(rust_type)),
    }
}

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl ToAttributeValue for $t {
            fn to_attribute_value(&self) -> AttributeValue {
                AttributeValue::N(itoa::Buffer::new().format(*self).to_owned())
            }
        }

        impl FromAttributeValue for $t {
            fn from_attribute_value(value: AttributeValue) -> Result<Self> {
                let n = number_string(value, concat!("N (", stringify!($t), ")"))?;
                parse_integer(&n, stringify!($t))
            }
        }
    )*};
}

integer!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

macro_rules! float {
    ($($t:ty),*) => {$(
        impl ToAttributeValue for $t {
            /// NaN and infinity are encoded as `NaN`/`inf`, which validation rejects before a request.
            fn to_attribute_value(&self) -> AttributeValue {
                AttributeValue::N(ryu::Buffer::new().format(*self).to_owned())
            }
        }

        impl FromAttributeValue for $t {
            fn from_attribute_value(value: AttributeValue) -> Result<Self> {
                let n = number_string(value, concat!("N (", stringify!($t), ")"))?;
                match n.parse::<$t>() {
                    Ok(v) if v.is_finite() => Ok(v),
                    _ => Err(out_of_range(stringify!($t))),
                }
            }
        }
    )*};
}

float!(f32, f64);

/// An exact decimal number, kept as DynamoDB's decimal string (up to 38 significant digits,
/// magnitude 1E-130 to 9.99…E+125), for amounts that must not pass through a float.
///
/// ```
/// use ferrodyn::Number;
/// let price: Number = "19.99".parse().unwrap();
/// assert_eq!(price.as_str(), "19.99");
/// assert!("1e200".parse::<Number>().is_err());
/// assert!("abc".parse::<Number>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Number(String);

impl Number {
    /// Checks `s` against DynamoDB's number rules.
    ///
    /// # Errors
    /// Not a decimal number, more than 38 significant digits, or out of DynamoDB's range.
    pub fn new(s: impl Into<String>) -> Result<Self> {
        let s = s.into();
        crate::validate::check_number(&s)?;
        Ok(Number(s))
    }

    /// The decimal string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits of the integer this number denotes, if it is an integer (`1.5E1` → `15`).
    fn integer_digits(&self) -> Option<String> {
        let s = self.0.as_str();
        let (sign, s) = match s.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", s.strip_prefix('+').unwrap_or(s)),
        };
        let (mantissa, exponent) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
            None => (s, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let mut digits: String = int.chars().chain(frac.chars()).collect();
        let point = int.len() as i32 + exponent;
        if point < 0 {
            return digits.chars().all(|c| c == '0').then(|| "0".to_owned());
        }
        let point = point as usize;
        if point >= digits.len() {
            digits.extend(std::iter::repeat_n('0', point - digits.len()));
        } else {
            if !digits[point..].chars().all(|c| c == '0') {
                return None;
            }
            digits.truncate(point);
        }
        Some(format!("{sign}{digits}"))
    }
}

impl FromStr for Number {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Number::new(s)
    }
}

impl TryFrom<String> for Number {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Number::new(s)
    }
}

impl From<Number> for String {
    fn from(n: Number) -> String {
        n.0
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({})", self.0)
    }
}

macro_rules! number_from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(v: $t) -> Number {
                Number(itoa::Buffer::new().format(v).to_owned())
            }
        }
    )*};
}

number_from_integer!(i8, i16, i32, i64, u8, u16, u32, u64);

impl ToAttributeValue for Number {
    fn to_attribute_value(&self) -> AttributeValue {
        AttributeValue::N(self.0.clone())
    }
}

impl FromAttributeValue for Number {
    fn from_attribute_value(value: AttributeValue) -> Result<Self> {
        let n = number_string(value, "N (Number)")?;
        Number::new(n).map_err(|_| out_of_range("Number"))
    }
}

// ---------------------------------------------------------------------------------------------
// Binary

/// Bytes stored as DynamoDB binary (B). A plain `Vec<u8>` is a list of numbers, as in serde.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Binary(pub Vec<u8>);

impl fmt::Debug for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Binary(<{} bytes>)", self.0.len())
    }
}

impl From<Vec<u8>> for Binary {
    fn from(v: Vec<u8>) -> Self {
        Binary(v)
    }
}

impl serde::Serialize for Binary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Binary {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Binary;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> std::result::Result<Binary, E> {
                Ok(Binary(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(
                self,
                v: Vec<u8>,
            ) -> std::result::Result<Binary, E> {
                Ok(Binary(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Binary, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element()? {
                    out.push(b);
                }
                Ok(Binary(out))
            }
        }
        d.deserialize_byte_buf(Visitor)
    }
}

impl ToAttributeValue for Binary {
    fn to_attribute_value(&self) -> AttributeValue {
        AttributeValue::B(Blob::new(self.0.clone()))
    }
}

impl FromAttributeValue for Binary {
    fn from_attribute_value(value: AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::B(b) => Ok(Binary(b.into_inner())),
            other => Err(Error::wrong_type("B (binary)", &other)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Option and Box

impl<T: ToAttributeValue> ToAttributeValue for Option<T> {
    fn to_attribute_value(&self) -> AttributeValue {
        match self {
            Some(v) => v.to_attribute_value(),
            None => AttributeValue::Null(true),
        }
    }

    fn is_absent(&self) -> bool {
        match self {
            Some(v) => v.is_absent(),
            None => true,
        }
    }
}

impl<T: FromAttributeValue> FromAttributeValue for Option<T> {
    fn from_attribute_value(value: AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::Null(_) => Ok(None),
            other => T::from_attribute_value(other).map(Some),
        }
    }

    fn from_missing() -> Option<Self> {
        Some(None)
    }
}

impl<T: ToAttributeValue + ?Sized> ToAttributeValue for Box<T> {
    fn to_attribute_value(&self) -> AttributeValue {
        (**self).to_attribute_value()
    }
    fn is_absent(&self) -> bool {
        (**self).is_absent()
    }
}

impl<T: FromAttributeValue> FromAttributeValue for Box<T> {
    fn from_attribute_value(value: AttributeValue) -> Result<Self> {
        T::from_attribute_value(value).map(Box::new)
    }
    fn from_missing() -> Option<Self> {
        T::from_missing().map(Box::new)
    }
}

impl<T: ToAttributeValue + ?Sized> ToAttributeValue for &T {
    fn to_attribute_value(&self) -> AttributeValue {
        (**self).to_attribute_value()
    }
    fn is_absent(&self) -> bool {
        (**self).is_absent()
    }
}

// ---------------------------------------------------------------------------------------------
// Lists

impl<T: ToAttributeValue> ToAttributeValue for [T] {
    fn to_attribute_value(&self) -> AttributeValue {
        AttributeValue::L(self.iter().map(ToAttributeValue::to_attribute_value).collect())
    }
}

impl<T: ToAttributeValue> ToAttributeValue for Vec<T> {
    fn to_attribute_value(&self) -> AttributeValue {
        self.as_slice().to_attribute_value()
    }
}

impl<T: FromAttributeValue> FromAttributeValue for Vec<T> {
    fn from_attribute_value(value: AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::L(list) => {
                let mut out = Vec::with_capacity(list.len());
                for (i, v) in list.into_iter().enumerate() {
                    out.push(T::from_attribute_value(v).map_err(|e| e.at_index(i))?);
                }
                Ok(out)
            }
            other => Err(Error::wrong_type("L (list)", &other)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Maps

impl<K: AsRef<str>, T: ToAttributeValue, S> ToAttributeValue for HashMap<K, T, S> {
    fn to_attribute_value(&self) -> AttributeValue {
        let mut out = Item::with_capacity(self.len());
        for (k, v) in self {
            out.insert(k.as_ref().to_owned(), v.to_attribute_value());
        }
        AttributeValue::M(out)
    }
}

impl<K: AsRef<str>, T: ToAttributeValue> ToAttributeValue for BTreeMap<K, T> {
    fn to_attribute_value(&self) -> AttributeValue {
        let mut out = Item::with_capacity(self.len());
        for (k, v) in self {
            out.insert(k.as_ref().to_owned(), v.to_attribute_value());
        }
        AttributeValue::M(out)
    }
}

impl<K, T, S> FromAttributeValue for HashMap<K, T, S>
where
    K: From<String> + Eq + Hash,
    T: FromAttributeValue,
    S: BuildHasher + Default,
{
    fn from_attribute_value(value: AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::M(map) => {
                let mut out = HashMap::with_capacity_and_hasher(map.len(), S::default());
                for (k, v) in map {
                    let v = T::from_attribute_value(v).map_err(|e| e.at(&k))?;
                    out.insert(K::from(k), v);
                }
                Ok(out)
            }
            other => Err(Error::wrong_type("M (map)", &other)),
        }
    }
}

impl<K, T> FromAttributeValue for BTreeMap<K, T>
where
    K: From<String> + Ord,
    T: FromAttributeValue,
{
    fn from_attribute_value(value: AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::M(map) => {
                let mut out = BTreeMap::new();
                for (k, v) in map {
                    let v = T::from_attribute_value(v).map_err(|e| e.at(&k))?;
                    out.insert(K::from(k), v);
                }
                Ok(out)
            }
            other => Err(Error::wrong_type("M (map)", &other)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sets

/// A type whose sets are DynamoDB sets: strings (SS), numbers (NS) or [`Binary`] (BS).
pub trait SetElement: Sized {
    #[doc(hidden)]
    fn to_set<'a, I: Iterator<Item = &'a Self>>(elements: I) -> AttributeValue
    where
        Self: 'a;
    #[doc(hidden)]
    fn from_set(value: AttributeValue) -> Result<Vec<Self>>;
}

impl SetElement for String {
    fn to_set<'a, I: Iterator<Item = &'a Self>>(elements: I) -> AttributeValue {
        AttributeValue::Ss(elements.cloned().collect())
    }
    fn from_set(value: AttributeValue) -> Result<Vec<Self>> {
        match value {
            AttributeValue::Ss(v) => Ok(v),
            AttributeValue::L(list) => list.into_iter().map(String::from_attribute_value).collect(),
            other => Err(Error::wrong_type("SS (string set)", &other)),
        }
    }
}

impl SetElement for Binary {
    fn to_set<'a, I: Iterator<Item = &'a Self>>(elements: I) -> AttributeValue {
        AttributeValue::Bs(elements.map(|b| Blob::new(b.0.clone())).collect())
    }
    fn from_set(value: AttributeValue) -> Result<Vec<Self>> {
        match value {
            AttributeValue::Bs(v) => Ok(v.into_iter().map(|b| Binary(b.into_inner())).collect()),
            other => Err(Error::wrong_type("BS (binary set)", &other)),
        }
    }
}

fn number_set<T: FromAttributeValue>(value: AttributeValue) -> Result<Vec<T>> {
    match value {
        AttributeValue::Ns(v) => {
            v.into_iter().map(|n| T::from_attribute_value(AttributeValue::N(n))).collect()
        }
        AttributeValue::L(list) => list.into_iter().map(T::from_attribute_value).collect(),
        other => Err(Error::wrong_type("NS (number set)", &other)),
    }
}

macro_rules! number_set_element {
    ($($t:ty),*) => {$(
        impl SetElement for $t {
            fn to_set<'a, I: Iterator<Item = &'a Self>>(elements: I) -> AttributeValue {
                AttributeValue::Ns(elements.map(|n| itoa::Buffer::new().format(*n).to_owned()).collect())
            }
            fn from_set(value: AttributeValue) -> Result<Vec<Self>> {
                number_set(value)
            }
        }
    )*};
}

number_set_element!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

impl SetElement for Number {
    fn to_set<'a, I: Iterator<Item = &'a Self>>(elements: I) -> AttributeValue {
        AttributeValue::Ns(elements.map(|n| n.0.clone()).collect())
    }
    fn from_set(value: AttributeValue) -> Result<Vec<Self>> {
        number_set(value)
    }
}

impl<T: SetElement + Ord> ToAttributeValue for BTreeSet<T> {
    fn to_attribute_value(&self) -> AttributeValue {
        T::to_set(self.iter())
    }
    fn is_absent(&self) -> bool {
        self.is_empty()
    }
}

impl<T: SetElement + Ord> FromAttributeValue for BTreeSet<T> {
    fn from_attribute_value(value: AttributeValue) -> Result<Self> {
        T::from_set(value).map(|v| v.into_iter().collect())
    }
    fn from_missing() -> Option<Self> {
        Some(BTreeSet::new())
    }
}

impl<T: SetElement + Eq + Hash, S: BuildHasher> ToAttributeValue for HashSet<T, S> {
    fn to_attribute_value(&self) -> AttributeValue {
        T::to_set(self.iter())
    }
    fn is_absent(&self) -> bool {
        self.is_empty()
    }
}

impl<T: SetElement + Eq + Hash, S: BuildHasher + Default> FromAttributeValue for HashSet<T, S> {
    fn from_attribute_value(value: AttributeValue) -> Result<Self> {
        T::from_set(value).map(|v| v.into_iter().collect())
    }
    fn from_missing() -> Option<Self> {
        Some(HashSet::default())
    }
}

// ---------------------------------------------------------------------------------------------
// Timestamps

#[cfg(feature = "chrono")]
mod time {
    use super::*;
    use chrono::{DateTime, NaiveDate, Utc};

    /// Fixed width so that timestamps in sort keys order correctly as strings.
    pub(crate) fn format_timestamp(t: &DateTime<Utc>) -> String {
        t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }

    impl ToAttributeValue for DateTime<Utc> {
        fn to_attribute_value(&self) -> AttributeValue {
            AttributeValue::S(format_timestamp(self))
        }
    }

    impl FromAttributeValue for DateTime<Utc> {
        fn from_attribute_value(value: AttributeValue) -> Result<Self> {
            let s = String::from_attribute_value(value)?;
            DateTime::parse_from_rfc3339(&s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| Error::invalid_value("expected an RFC 3339 timestamp"))
        }
    }

    impl ToAttributeValue for NaiveDate {
        fn to_attribute_value(&self) -> AttributeValue {
            AttributeValue::S(self.format("%Y-%m-%d").to_string())
        }
    }

    impl FromAttributeValue for NaiveDate {
        fn from_attribute_value(value: AttributeValue) -> Result<Self> {
            let s = String::from_attribute_value(value)?;
            NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map_err(|_| Error::invalid_value("expected a date YYYY-MM-DD"))
        }
    }
}

#[cfg(feature = "chrono")]
pub(crate) use time::format_timestamp;

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
