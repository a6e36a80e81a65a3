//! The serde bridge, for field types with no [`FromAttributeValue`]/[`ToAttributeValue`] impl and
//! for `#[serde(with = "…")]`-style field attributes: one [`Deserializer`] over any [`Source`]
//! (the SDK's values, stream JSON, `aws_lambda_events` images), so that every path reads such a
//! field by the same rules, and serde_dynamo's serializer for writing.
//!
//! The read rules are serde_dynamo's, so that what its serializer writes reads back: S, N, B,
//! BOOL and NULL are the scalars serde asks for (an N also reads as a string, so that types
//! keeping a number's decimal text decode), L and the three sets are sequences, M is a map or
//! struct, an enum is its variant's name (S) or a map of one entry (variant name to value).
//! Messages never quote a value: serde's own are cut to their leading words.
//!
//! [`FromAttributeValue`]: crate::FromAttributeValue
//! [`ToAttributeValue`]: crate::ToAttributeValue

use std::borrow::Cow;
use std::fmt;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{DeserializeSeed, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};

use super::number::is_decimal;
use super::source::{ListSource, MapSource, SetSource, Source, Value};
use crate::error::{Error, ErrorKind, Result};

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(ErrorKind::InvalidValue, sanitize(&msg.to_string()))
    }
}

/// A serde message without attribute values: serde's own messages quote the value they
/// rejected (`invalid type: string "…"`), so only their leading words survive, plus the field
/// name of `missing field`/`duplicate field`, which is schema, not content.
fn sanitize(message: &str) -> String {
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

/// Serialises `value` with serde_dynamo; `None` for NULL (`Option::None`), which an item leaves
/// out.
///
/// # Errors
/// The value's `Serialize` fails.
pub fn to_attribute_value_serde<T: serde::Serialize + ?Sized>(
    value: &T,
) -> Result<Option<AttributeValue>> {
    match serde_dynamo::to_attribute_value::<_, AttributeValue>(value) {
        Ok(AttributeValue::Null(_)) => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(e) => Err(Error::new(
            ErrorKind::InvalidValue,
            format!("cannot serialise: {}", sanitize(&e.to_string())),
        )),
    }
}

/// A serde `Deserializer` over one DynamoDB-typed value from any [`Source`].
///
/// ```
/// use ferrodyn::value::Deserializer;
/// use ferrodyn::AttributeValue;
/// use serde::Deserialize;
///
/// let v = AttributeValue::L(vec![AttributeValue::N("1".into()), AttributeValue::N("2".into())]);
/// let pair = <(u8, u8)>::deserialize(Deserializer::new(v)).unwrap();
/// assert_eq!(pair, (1, 2));
/// ```
#[derive(Debug)]
pub struct Deserializer<S>(S);

impl<S> Deserializer<S> {
    /// A deserializer of the value `source` holds.
    pub fn new(source: S) -> Self {
        Deserializer(source)
    }
}

/// What the type asked the deserializer for.
#[derive(Clone, Copy)]
enum Hint {
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

#[derive(Clone, Copy)]
enum Num {
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

impl<'de, S: Source<'de>> Deserializer<S> {
    fn hinted<V: Visitor<'de>>(self, hint: Hint, visitor: V) -> Result<V::Value> {
        if let Hint::Ignore = hint {
            self.0.skip()?;
            return visitor.visit_unit();
        }
        visit(self.0.take()?, hint, visitor)
    }
}

/// A value already taken, for `visit_some` and `visit_newtype_struct`.
struct Taken<'de, S: Source<'de>>(Value<'de, S>);

impl<'de, S: Source<'de>> Taken<'de, S> {
    fn hinted<V: Visitor<'de>>(self, hint: Hint, visitor: V) -> Result<V::Value> {
        if let Hint::Ignore = hint {
            super::source::skip_value(self.0)?;
            return visitor.visit_unit();
        }
        visit(self.0, hint, visitor)
    }
}

fn visit_cow<'de, V: Visitor<'de>>(s: Cow<'de, str>, visitor: V) -> Result<V::Value> {
    match s {
        Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
        Cow::Owned(s) => visitor.visit_string(s),
    }
}

fn visit<'de, S: Source<'de>, V: Visitor<'de>>(
    value: Value<'de, S>,
    hint: Hint,
    visitor: V,
) -> Result<V::Value> {
    match (hint, &value) {
        (Hint::Option, Value::Null) => return visitor.visit_none(),
        (Hint::Option, _) => return visitor.visit_some(Taken(value)),
        (Hint::NewtypeStruct, _) => return visitor.visit_newtype_struct(Taken(value)),
        _ => {}
    }
    match value {
        Value::S(s) => match hint {
            Hint::Enum => match s {
                Cow::Borrowed(s) => visitor.visit_enum(BorrowedStrDeserializer::new(s)),
                Cow::Owned(s) => visitor.visit_enum(StringDeserializer::new(s)),
            },
            _ => visit_cow(s, visitor),
        },
        Value::N(n) => visit_number(n, hint, visitor),
        Value::B(b) => match b {
            Cow::Borrowed(b) => visitor.visit_borrowed_bytes(b),
            Cow::Owned(b) => visitor.visit_byte_buf(b),
        },
        Value::Bool(b) => visitor.visit_bool(b),
        Value::Null => visitor.visit_unit(),
        Value::L(list) => {
            let mut seq = List { list, done: false };
            let value = visitor.visit_seq(&mut seq)?;
            seq.finish()?;
            Ok(value)
        }
        Value::M(map) => match hint {
            Hint::Enum => visitor.visit_enum(Variant { map }),
            _ => {
                let mut entries = Entries { map, done: false };
                let value = visitor.visit_map(&mut entries)?;
                entries.finish()?;
                Ok(value)
            }
        },
        Value::Ss(set) => visit_set(set, Elem::Str, visitor),
        Value::Ns(set) => visit_set(set, Elem::Num, visitor),
        Value::Bs(set) => visit_set(set, Elem::Bytes, visitor),
    }
}

/// Visits the number `n` as `hint` asks.
fn visit_number<'de, V: Visitor<'de>>(
    n: Cow<'de, str>,
    hint: Hint,
    visitor: V,
) -> Result<V::Value> {
    fn parse<T: std::str::FromStr>(n: &str, name: &str) -> Result<T> {
        n.parse::<T>().map_err(|_| {
            if is_decimal(n) {
                Error::out_of_range(name)
            } else {
                Error::new(ErrorKind::NumberOutOfRange, "N is not a decimal number")
            }
        })
    }
    fn float<T: std::str::FromStr + Into<f64> + Copy>(n: &str, name: &str) -> Result<T> {
        if !is_decimal(n) {
            return Err(Error::new(ErrorKind::NumberOutOfRange, "N is not a decimal number"));
        }
        let v: T = parse(n, name)?;
        if v.into().is_finite() {
            Ok(v)
        } else {
            Err(Error::out_of_range(name))
        }
    }
    match hint {
        Hint::Num(num) => match num {
            Num::I8 => visitor.visit_i8(parse(&n, "i8")?),
            Num::I16 => visitor.visit_i16(parse(&n, "i16")?),
            Num::I32 => visitor.visit_i32(parse(&n, "i32")?),
            Num::I64 => visitor.visit_i64(parse(&n, "i64")?),
            Num::I128 => visitor.visit_i128(parse(&n, "i128")?),
            Num::U8 => visitor.visit_u8(parse(&n, "u8")?),
            Num::U16 => visitor.visit_u16(parse(&n, "u16")?),
            Num::U32 => visitor.visit_u32(parse(&n, "u32")?),
            Num::U64 => visitor.visit_u64(parse(&n, "u64")?),
            Num::U128 => visitor.visit_u128(parse(&n, "u128")?),
            Num::F32 => visitor.visit_f32(float(&n, "f32")?),
            Num::F64 => visitor.visit_f64(float(&n, "f64")?),
        },
        Hint::Str => {
            if !is_decimal(&n) {
                return Err(Error::new(ErrorKind::NumberOutOfRange, "N is not a decimal number"));
            }
            visit_cow(n, visitor)
        }
        _ => {
            if let Ok(v) = n.parse::<u64>() {
                visitor.visit_u64(v)
            } else if let Ok(v) = n.parse::<i64>() {
                visitor.visit_i64(v)
            } else {
                visitor.visit_f64(float(&n, "f64")?)
            }
        }
    }
}

struct List<L> {
    list: L,
    done: bool,
}

impl<'de, L: ListSource<'de>> List<L> {
    /// Whether the type took every element: a tuple shorter than the list is an error, as in
    /// serde_json.
    fn finish(&mut self) -> Result<()> {
        if !self.done && self.list.next_element()?.is_some() {
            return Err(Error::invalid_value("the list has more elements than the type takes"));
        }
        Ok(())
    }
}

impl<'de, L: ListSource<'de>> SeqAccess<'de> for &mut List<L> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.done {
            return Ok(None);
        }
        match self.list.next_element()? {
            Some(e) => seed.deserialize(Deserializer(e)).map(Some),
            None => {
                self.done = true;
                Ok(None)
            }
        }
    }
    fn size_hint(&self) -> Option<usize> {
        self.list.size_hint()
    }
}

struct Entries<M> {
    map: M,
    done: bool,
}

impl<'de, M: MapSource<'de>> Entries<M> {
    fn finish(&mut self) -> Result<()> {
        if !self.done && self.map.next_key()?.is_some() {
            return Err(Error::invalid_value("the map has more entries than the type takes"));
        }
        Ok(())
    }
}

fn key_seed<'de, K: DeserializeSeed<'de>>(key: Cow<'de, str>, seed: K) -> Result<K::Value> {
    match key {
        Cow::Borrowed(k) => seed.deserialize(BorrowedStrDeserializer::<Error>::new(k)),
        Cow::Owned(k) => seed.deserialize(StringDeserializer::<Error>::new(k)),
    }
}

impl<'de, M: MapSource<'de>> MapAccess<'de> for &mut Entries<M> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.done {
            return Ok(None);
        }
        match self.map.next_key()? {
            Some(key) => key_seed(key, seed).map(Some),
            None => {
                self.done = true;
                Ok(None)
            }
        }
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value> {
        seed.deserialize(Deserializer(self.map.next_value()?))
    }
    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// An enum variant with data: a map (M) of one entry, variant name to value, as serde_dynamo
/// writes it.
struct Variant<M> {
    map: M,
}

impl<'de, M: MapSource<'de>> EnumAccess<'de> for Variant<M> {
    type Error = Error;
    type Variant = Self;
    fn variant_seed<T: DeserializeSeed<'de>>(mut self, seed: T) -> Result<(T::Value, Self)> {
        match self.map.next_key()? {
            Some(key) => Ok((key_seed(key, seed)?, self)),
            None => Err(Error::invalid_value("enum map has no variant")),
        }
    }
}

impl<'de, M: MapSource<'de>> Variant<M> {
    fn end(mut self) -> Result<()> {
        if self.map.next_key()?.is_some() {
            return Err(Error::invalid_value("enum map has more than one variant"));
        }
        Ok(())
    }

    fn value<T>(mut self, f: impl FnOnce(M::Value<'_>) -> Result<T>) -> Result<T> {
        let value = f(self.map.next_value()?)?;
        self.end()?;
        Ok(value)
    }
}

impl<'de, M: MapSource<'de>> VariantAccess<'de> for Variant<M> {
    type Error = Error;
    fn unit_variant(self) -> Result<()> {
        self.value(|v| v.skip())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        self.value(|v| seed.deserialize(Deserializer(v)))
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value> {
        self.value(|value| Deserializer(value).hinted(Hint::Seq, v))
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value> {
        self.value(|value| Deserializer(value).hinted(Hint::Map, v))
    }
}

/// What a set holds.
#[derive(Clone, Copy)]
enum Elem {
    Str,
    Num,
    Bytes,
}

fn visit_set<'de, T: SetSource<'de>, V: Visitor<'de>>(
    set: T,
    elem: Elem,
    visitor: V,
) -> Result<V::Value> {
    let mut seq = Set { set, elem, done: false };
    let value = visitor.visit_seq(&mut seq)?;
    if !seq.done && seq.next()?.is_some() {
        return Err(Error::invalid_value("the set has more elements than the type takes"));
    }
    Ok(value)
}

struct Set<T> {
    set: T,
    elem: Elem,
    done: bool,
}

/// One element of a set, as a scalar value.
enum Scalar<'de> {
    Str(Cow<'de, str>),
    Num(Cow<'de, str>),
    Bytes(Cow<'de, [u8]>),
}

impl<'de, T: SetSource<'de>> Set<T> {
    fn next(&mut self) -> Result<Option<Scalar<'de>>> {
        Ok(match self.elem {
            Elem::Str => self.set.next_str()?.map(Scalar::Str),
            Elem::Num => self.set.next_str()?.map(Scalar::Num),
            Elem::Bytes => self.set.next_bytes()?.map(Scalar::Bytes),
        })
    }
}

impl<'de, T: SetSource<'de>> SeqAccess<'de> for &mut Set<T> {
    type Error = Error;
    fn next_element_seed<D: DeserializeSeed<'de>>(&mut self, seed: D) -> Result<Option<D::Value>> {
        if self.done {
            return Ok(None);
        }
        match self.next()? {
            Some(scalar) => seed.deserialize(Deserializer(scalar)).map(Some),
            None => {
                self.done = true;
                Ok(None)
            }
        }
    }
    fn size_hint(&self) -> Option<usize> {
        self.set.size_hint()
    }
}

impl<'de> Source<'de> for Scalar<'de> {
    type List = std::vec::IntoIter<AttributeValue>;
    type Map = super::source::ItemSource;
    type Set = super::source::OwnedSet;
    fn take(self) -> Result<Value<'de, Self>> {
        Ok(match self {
            Scalar::Str(s) => Value::S(s),
            Scalar::Num(n) => Value::N(n),
            Scalar::Bytes(b) => Value::B(b),
        })
    }
}

/// Forwards every `deserialize_*` method of a `Deserializer` to `self.hinted(Hint, visitor)`.
macro_rules! forward_hints {
    () => {
        fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Any, v)
        }
        fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Bool, v)
        }
        fn deserialize_i8<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Num(Num::I8), v)
        }
        fn deserialize_i16<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Num(Num::I16), v)
        }
        fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Num(Num::I32), v)
        }
        fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Num(Num::I64), v)
        }
        fn deserialize_i128<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Num(Num::I128), v)
        }
        fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Num(Num::U8), v)
        }
        fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Num(Num::U16), v)
        }
        fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Num(Num::U32), v)
        }
        fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Num(Num::U64), v)
        }
        fn deserialize_u128<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Num(Num::U128), v)
        }
        fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Num(Num::F32), v)
        }
        fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Num(Num::F64), v)
        }
        fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Str, v)
        }
        fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Str, v)
        }
        fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Str, v)
        }
        fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Bytes, v)
        }
        fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Bytes, v)
        }
        fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Option, v)
        }
        fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Unit, v)
        }
        fn deserialize_unit_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            v: V,
        ) -> Result<V::Value> {
            self.hinted(Hint::Unit, v)
        }
        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            v: V,
        ) -> Result<V::Value> {
            self.hinted(Hint::NewtypeStruct, v)
        }
        fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Seq, v)
        }
        fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value> {
            self.hinted(Hint::Seq, v)
        }
        fn deserialize_tuple_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _len: usize,
            v: V,
        ) -> Result<V::Value> {
            self.hinted(Hint::Seq, v)
        }
        fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Map, v)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _fields: &'static [&'static str],
            v: V,
        ) -> Result<V::Value> {
            self.hinted(Hint::Map, v)
        }
        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _variants: &'static [&'static str],
            v: V,
        ) -> Result<V::Value> {
            self.hinted(Hint::Enum, v)
        }
        fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Str, v)
        }
        fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value> {
            self.hinted(Hint::Ignore, v)
        }
    };
}

impl<'de, S: Source<'de>> serde::Deserializer<'de> for Deserializer<S> {
    type Error = Error;
    forward_hints!();
}

impl<'de, S: Source<'de>> serde::Deserializer<'de> for Taken<'de, S> {
    type Error = Error;
    forward_hints!();
}
