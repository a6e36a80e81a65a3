//! Strings (S), `char`, booleans (BOOL), integers and floats (N): the scalar impls.

use std::borrow::Cow;
use std::str::FromStr;

use aws_sdk_dynamodb::types::AttributeValue;

use super::number::Number;
use super::source::{Source, Value};
use super::traits::{from_by_decode, FromAttributeValue, ToAttributeValue};
use crate::error::{Error, Result};

impl ToAttributeValue for AttributeValue {
    fn to_attribute_value(&self) -> AttributeValue {
        self.clone()
    }
}

impl FromAttributeValue for AttributeValue {
    fn from_attribute_value(value: AttributeValue) -> Result<Self> {
        Ok(value)
    }
    fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
        source.into_attribute_value()
    }
}

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

/// The string of an S value.
#[inline]
pub(crate) fn string<'de, S: Source<'de>>(source: S) -> Result<Cow<'de, str>> {
    match source.take()? {
        Value::S(s) => Ok(s),
        other => Err(Error::wrong_tag("S (string)", other.tag())),
    }
}

impl FromAttributeValue for String {
    from_by_decode!();
    #[inline]
    fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
        string(source).map(Cow::into_owned)
    }
}

impl FromAttributeValue for Cow<'static, str> {
    from_by_decode!();
    fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
        String::decode(source).map(Cow::Owned)
    }
}

impl ToAttributeValue for char {
    fn to_attribute_value(&self) -> AttributeValue {
        AttributeValue::S(self.to_string())
    }
}

impl FromAttributeValue for char {
    from_by_decode!();
    fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
        let s = string(source)?;
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(c),
            _ => Err(Error::invalid_value("expected a single character")),
        }
    }
}

impl ToAttributeValue for bool {
    fn to_attribute_value(&self) -> AttributeValue {
        AttributeValue::Bool(*self)
    }
}

impl FromAttributeValue for bool {
    from_by_decode!();
    #[inline]
    fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
        match source.take()? {
            Value::Bool(b) => Ok(b),
            other => Err(Error::wrong_tag("BOOL", other.tag())),
        }
    }
}

/// The decimal text of an N value; `rust_type` names what was wanted for the error.
#[inline]
pub(crate) fn number_text<'de, S: Source<'de>>(
    source: S,
    rust_type: &'static str,
) -> Result<Cow<'de, str>> {
    match source.take()? {
        Value::N(n) => Ok(n),
        other => Err(Error::wrong_tag(rust_type, other.tag())),
    }
}

/// Parses an integer, accepting DynamoDB's normal form and exact decimal/exponent forms
/// (`1E+2`, `100.0`) that denote an integer.
#[inline]
pub(crate) fn parse_integer<T: FromStr>(n: &str, rust_type: &'static str) -> Result<T> {
    if let Ok(v) = n.parse::<T>() {
        return Ok(v);
    }
    let number = Number::new(n).map_err(|_| Error::out_of_range(rust_type))?;
    match number.integer_digits() {
        Some(digits) => digits.parse::<T>().map_err(|_| Error::out_of_range(rust_type)),
        None => Err(Error::out_of_range(rust_type)),
    }
}

/// Parses a finite float (`inf` and `NaN` parse, but are no DynamoDB numbers).
#[inline]
pub(crate) fn parse_float<T: FromStr + Into<f64> + Copy>(
    n: &str,
    rust_type: &'static str,
) -> Result<T> {
    match n.parse::<T>() {
        Ok(v) if v.into().is_finite() => Ok(v),
        _ => Err(Error::out_of_range(rust_type)),
    }
}

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl ToAttributeValue for $t {
            #[inline]
            fn to_attribute_value(&self) -> AttributeValue {
                AttributeValue::N(itoa::Buffer::new().format(*self).to_owned())
            }
        }

        impl FromAttributeValue for $t {
            from_by_decode!();
            #[inline]
            fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
                let n = number_text(source, concat!("N (", stringify!($t), ")"))?;
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
            #[inline]
            fn to_attribute_value(&self) -> AttributeValue {
                AttributeValue::N(ryu::Buffer::new().format(*self).to_owned())
            }
        }

        impl FromAttributeValue for $t {
            from_by_decode!();
            #[inline]
            fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
                let n = number_text(source, concat!("N (", stringify!($t), ")"))?;
                parse_float(&n, stringify!($t))
            }
        }
    )*};
}

float!(f32, f64);
