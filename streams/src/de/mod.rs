//! serde deserializers over DynamoDB-typed values, feeding a model's `Deserialize` directly: one
//! over stream JSON as it is parsed (`json`, the fast path) and one over the attribute-value trees
//! of `aws_lambda_events` (`tree`). Both share the rules here: what each DynamoDB type becomes for
//! each serde hint, so that the two paths decode every record alike.
//!
//! The rules follow serde_dynamo's, and also accept a number (N) where a string is asked for, so
//! that types that keep a number's decimal text (`ferrodyn::Number`) decode.

pub(crate) mod json;
pub(crate) mod reader;
pub(crate) mod tree;

use std::fmt;

use base64::Engine as _;
use serde::de::Visitor;

/// What the model asked the deserializer for.
#[derive(Clone, Copy)]
pub(crate) enum Hint {
    Any,
    Bool,
    Num(Num),
    Str,
    Bytes,
    Option,
    Unit,
    NewtypeStruct,
    Enum,
    Seq,
    Map,
    Ignore,
}

/// A numeric hint.
#[derive(Clone, Copy)]
pub(crate) enum Num {
    I8,
    I16,
    I32,
    I64,
    I128,
    U8,
    U16,
    U32,
    U64,
    U128,
    F32,
    F64,
}

/// The type tags of DynamoDB JSON.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    S,
    N,
    B,
    Bool,
    Null,
    L,
    M,
    Ss,
    Ns,
    Bs,
}

impl Tag {
    pub(crate) fn parse(tag: &str) -> Option<Tag> {
        Some(match tag {
            "S" => Tag::S,
            "N" => Tag::N,
            "B" => Tag::B,
            "BOOL" => Tag::Bool,
            "NULL" => Tag::Null,
            "L" => Tag::L,
            "M" => Tag::M,
            "SS" => Tag::Ss,
            "NS" => Tag::Ns,
            "BS" => Tag::Bs,
            _ => return None,
        })
    }
}

/// Messages produced here start with this, so that [`sanitize`] keeps them whole.
const OWN: &str = "dynamodb: ";

pub(crate) fn own_error<E: serde::de::Error>(message: fmt::Arguments<'_>) -> E {
    E::custom(format_args!("{OWN}{message}"))
}

/// A decode error message without attribute values: serde's own messages quote the value they
/// rejected (`invalid type: string "…"`), so only their leading words survive, plus the field
/// name of `missing field`/`duplicate field`, which is schema, not content.
pub(crate) fn sanitize(message: &str) -> String {
    // serde_json appends " at line 1 column 42": positions inside an image carry no content.
    let message = message.split(" at line ").next().unwrap_or(message);
    if let Some(rest) = message.strip_prefix(OWN) {
        return rest.to_owned();
    }
    for keep in ["missing field", "duplicate field"] {
        if message.starts_with(keep) {
            return message.to_owned();
        }
    }
    for prefix in
        ["invalid type", "invalid value", "invalid length", "unknown variant", "unknown field"]
    {
        if message.starts_with(prefix) {
            // "invalid type: string \"x\", expected i64" → "invalid type, expected i64"
            let expected = message.rsplit_once(", expected ").map(|(_, e)| e);
            return match expected {
                Some(e) if !e.contains('"') => format!("{prefix}, expected {e}"),
                _ => prefix.to_owned(),
            };
        }
    }
    "invalid value".to_owned()
}

/// Visits the number `n` as `hint` asks.
pub(crate) fn visit_number<'de, V: Visitor<'de>, E: serde::de::Error>(
    n: &str,
    borrowed: Option<&'de str>,
    hint: Hint,
    visitor: V,
) -> Result<V::Value, E> {
    fn parse<T: std::str::FromStr, E: serde::de::Error>(n: &str, name: &str) -> Result<T, E> {
        n.parse::<T>().map_err(|_| {
            if is_decimal(n) {
                own_error(format_args!("number does not fit {name}"))
            } else {
                own_error(format_args!("N is not a decimal number"))
            }
        })
    }
    fn float<T: std::str::FromStr + Into<f64> + Copy, E: serde::de::Error>(
        n: &str,
        name: &str,
    ) -> Result<T, E> {
        if !is_decimal(n) {
            return Err(own_error(format_args!("N is not a decimal number")));
        }
        let v: T = parse(n, name)?;
        if v.into().is_finite() {
            Ok(v)
        } else {
            Err(own_error(format_args!("number does not fit {name}")))
        }
    }
    match hint {
        Hint::Num(num) => match num {
            Num::I8 => visitor.visit_i8(parse(n, "i8")?),
            Num::I16 => visitor.visit_i16(parse(n, "i16")?),
            Num::I32 => visitor.visit_i32(parse(n, "i32")?),
            Num::I64 => visitor.visit_i64(parse(n, "i64")?),
            Num::I128 => visitor.visit_i128(parse(n, "i128")?),
            Num::U8 => visitor.visit_u8(parse(n, "u8")?),
            Num::U16 => visitor.visit_u16(parse(n, "u16")?),
            Num::U32 => visitor.visit_u32(parse(n, "u32")?),
            Num::U64 => visitor.visit_u64(parse(n, "u64")?),
            Num::U128 => visitor.visit_u128(parse(n, "u128")?),
            Num::F32 => visitor.visit_f32(float(n, "f32")?),
            Num::F64 => visitor.visit_f64(float(n, "f64")?),
        },
        Hint::Str => {
            if !is_decimal(n) {
                return Err(own_error(format_args!("N is not a decimal number")));
            }
            match borrowed {
                Some(b) => visitor.visit_borrowed_str(b),
                None => visitor.visit_str(n),
            }
        }
        Hint::Ignore => visitor.visit_unit(),
        _ => {
            if let Ok(v) = n.parse::<u64>() {
                visitor.visit_u64(v)
            } else if let Ok(v) = n.parse::<i64>() {
                visitor.visit_i64(v)
            } else {
                visitor.visit_f64(float(n, "f64")?)
            }
        }
    }
}

/// Whether `n` has the shape of a decimal number (digits, optional sign, point and exponent);
/// Rust's float parser would also take `inf` and `NaN`.
fn is_decimal(n: &str) -> bool {
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

/// Decodes a base64 binary (B) from stream JSON.
pub(crate) fn decode_base64<E: serde::de::Error>(text: &str) -> Result<Vec<u8>, E> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| own_error(format_args!("B is not base64")))
}

pub(crate) fn unexpected_end<E: serde::de::Error>() -> E {
    E::custom(format_args!("{OWN}attribute value has no type"))
}

pub(crate) fn two_types<E: serde::de::Error>() -> E {
    E::custom(format_args!("{OWN}attribute value has more than one type"))
}

pub(crate) fn unknown_tag<E: serde::de::Error>() -> E {
    E::custom(format_args!("{OWN}unknown attribute type"))
}

/// Forwards every `deserialize_*` method of a `Deserializer` to `self.hinted(Hint, visitor)`.
macro_rules! forward_hints {
    () => {
        fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Any, v)
        }
        fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Bool, v)
        }
        fn deserialize_i8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Num(Num::I8), v)
        }
        fn deserialize_i16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Num(Num::I16), v)
        }
        fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Num(Num::I32), v)
        }
        fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Num(Num::I64), v)
        }
        fn deserialize_i128<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Num(Num::I128), v)
        }
        fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Num(Num::U8), v)
        }
        fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Num(Num::U16), v)
        }
        fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Num(Num::U32), v)
        }
        fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Num(Num::U64), v)
        }
        fn deserialize_u128<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Num(Num::U128), v)
        }
        fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Num(Num::F32), v)
        }
        fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Num(Num::F64), v)
        }
        fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Str, v)
        }
        fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Str, v)
        }
        fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Str, v)
        }
        fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Bytes, v)
        }
        fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Bytes, v)
        }
        fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Option, v)
        }
        fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Unit, v)
        }
        fn deserialize_unit_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            v: V,
        ) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Unit, v)
        }
        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            v: V,
        ) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::NewtypeStruct, v)
        }
        fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Seq, v)
        }
        fn deserialize_tuple<V: Visitor<'de>>(
            self,
            _len: usize,
            v: V,
        ) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Seq, v)
        }
        fn deserialize_tuple_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _len: usize,
            v: V,
        ) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Seq, v)
        }
        fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Map, v)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _fields: &'static [&'static str],
            v: V,
        ) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Map, v)
        }
        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _variants: &'static [&'static str],
            v: V,
        ) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Enum, v)
        }
        fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Str, v)
        }
        fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.hinted(Hint::Ignore, v)
        }
    };
}
pub(crate) use forward_hints;
