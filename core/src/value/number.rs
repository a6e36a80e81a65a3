//! [`Number`]: an exact decimal kept as DynamoDB's text. It decodes from N only, on every path:
//! its serde impls are for other formats (JSON APIs), never used inside ferrodyn.

use std::fmt;
use std::str::FromStr;

use aws_sdk_dynamodb::types::AttributeValue;

use super::scalar::number_text;
use super::source::Source;
use super::traits::{from_by_decode, FromAttributeValue, ToAttributeValue};
use crate::error::{Error, Result};

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
    pub(crate) fn integer_digits(&self) -> Option<String> {
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

    /// The text of a number set element, for `SetElement`.
    pub(crate) fn text(&self) -> &str {
        &self.0
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
    from_by_decode!();
    fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
        let n = number_text(source, "N (Number)")?;
        Number::new(n.into_owned()).map_err(|_| Error::out_of_range("Number"))
    }
}

/// Whether `n` has the shape of a decimal number (digits, optional sign, point and exponent);
/// Rust's float parser would also take `inf` and `NaN`.
pub(crate) fn is_decimal(n: &str) -> bool {
    let n = n.strip_prefix(['-', '+']).unwrap_or(n);
    let (mantissa, exponent) = match n.find(['e', 'E']) {
        Some(i) => (&n[..i], Some(&n[i + 1..])),
        None => (n, None),
    };
    let digits = mantissa.bytes().filter(u8::is_ascii_digit).count();
    let points = mantissa.bytes().filter(|&b| b == b'.').count();
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    digits > 0 && points <= 1 && digits + points == mantissa.len() && exponent_ok
}
