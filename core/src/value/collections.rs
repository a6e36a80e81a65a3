//! `Option` (absent at the top of an item, NULL inside collections), `Box`, references, lists
//! (L) and string-keyed maps (M).

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};

use aws_sdk_dynamodb::types::AttributeValue;

use super::source::{ListSource, MapSource, Source, Value};

use super::traits::{from_by_decode, FromAttributeValue, ToAttributeValue};
use super::Item;
use crate::error::{Error, Result};

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

/// A source whose value is already taken, for `Option`'s look at NULL.
struct Taken<'de, S: Source<'de>>(Value<'de, S>);

impl<'de, S: Source<'de>> Source<'de> for Taken<'de, S> {
    type List = S::List;
    type Map = S::Map;
    type Set = S::Set;
    #[inline]
    fn take(self) -> Result<Value<'de, Self>> {
        // `Value<S>` and `Value<Taken<S>>` have the same associated types.
        Ok(match self.0 {
            Value::S(s) => Value::S(s),
            Value::N(n) => Value::N(n),
            Value::B(b) => Value::B(b),
            Value::Bool(b) => Value::Bool(b),
            Value::Null => Value::Null,
            Value::L(l) => Value::L(l),
            Value::M(m) => Value::M(m),
            Value::Ss(s) => Value::Ss(s),
            Value::Ns(s) => Value::Ns(s),
            Value::Bs(s) => Value::Bs(s),
        })
    }
}

/// A taken value back as a source, so that a decoder can look at its type first.
#[inline]
pub(crate) fn retake<'de, S: Source<'de>>(value: Value<'de, S>) -> impl Source<'de> {
    Taken(value)
}

impl<T: FromAttributeValue> FromAttributeValue for Option<T> {
    from_by_decode!();
    #[inline]
    fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
        match source.take()? {
            Value::Null => Ok(None),
            other => T::decode(Taken(other)).map(Some),
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
    from_by_decode!();
    fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
        T::decode(source).map(Box::new)
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
    from_by_decode!();
    fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
        match source.take()? {
            Value::L(mut list) => {
                let mut out = Vec::with_capacity(list.size_hint().unwrap_or(0));
                while let Some(v) = list.next_element()? {
                    let i = out.len();
                    out.push(T::decode(v).map_err(|e| e.at_index(i))?);
                }
                Ok(out)
            }
            other => Err(Error::wrong_tag("L (list)", other.tag())),
        }
    }
}

fn encode_map<'a, K: AsRef<str> + 'a, T: ToAttributeValue + 'a>(
    len: usize,
    entries: impl Iterator<Item = (&'a K, &'a T)>,
) -> AttributeValue {
    let mut out = Item::with_capacity(len);
    for (k, v) in entries {
        out.insert(k.as_ref().to_owned(), v.to_attribute_value());
    }
    AttributeValue::M(out)
}

impl<K: AsRef<str>, T: ToAttributeValue, S> ToAttributeValue for HashMap<K, T, S> {
    fn to_attribute_value(&self) -> AttributeValue {
        encode_map(self.len(), self.iter())
    }
}

impl<K: AsRef<str>, T: ToAttributeValue> ToAttributeValue for BTreeMap<K, T> {
    fn to_attribute_value(&self) -> AttributeValue {
        encode_map(self.len(), self.iter())
    }
}

/// A collection built from a map's entries or a set's elements, one at a time.
#[doc(hidden)]
pub trait Collect<T>: Sized {
    /// An empty collection for about `hint` elements.
    fn with_capacity(hint: Option<usize>) -> Self;
    /// Adds an element.
    fn push(&mut self, element: T);
}

impl<K: Eq + Hash, T, H: BuildHasher + Default> Collect<(K, T)> for HashMap<K, T, H> {
    #[inline]
    fn with_capacity(hint: Option<usize>) -> Self {
        HashMap::with_capacity_and_hasher(hint.unwrap_or(0), H::default())
    }
    #[inline]
    fn push(&mut self, (k, v): (K, T)) {
        self.insert(k, v);
    }
}

impl<K: Ord, T> Collect<(K, T)> for BTreeMap<K, T> {
    #[inline]
    fn with_capacity(_: Option<usize>) -> Self {
        BTreeMap::new()
    }
    #[inline]
    fn push(&mut self, (k, v): (K, T)) {
        self.insert(k, v);
    }
}

/// Decodes the entries of a map (M).
#[inline]
fn decode_map<'de, S, K, T, C>(source: S) -> Result<C>
where
    S: Source<'de>,
    K: From<String>,
    T: FromAttributeValue,
    C: Collect<(K, T)>,
{
    match source.take()? {
        Value::M(mut map) => {
            let mut out = C::with_capacity(map.size_hint());
            while let Some((k, v)) = map.next_entry()? {
                let v = T::decode(v).map_err(|e| e.at(&k))?;
                out.push((K::from(k.into_owned()), v));
            }
            Ok(out)
        }
        other => Err(Error::wrong_tag("M (map)", other.tag())),
    }
}

impl<K, T, H> FromAttributeValue for HashMap<K, T, H>
where
    K: From<String> + Eq + Hash,
    T: FromAttributeValue,
    H: BuildHasher + Default,
{
    from_by_decode!();
    fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
        decode_map(source)
    }
}

impl<K, T> FromAttributeValue for BTreeMap<K, T>
where
    K: From<String> + Ord,
    T: FromAttributeValue,
{
    from_by_decode!();
    fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
        decode_map(source)
    }
}
