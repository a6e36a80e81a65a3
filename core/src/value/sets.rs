//! DynamoDB sets: `BTreeSet`/`HashSet` of strings (SS), numbers (NS) or [`Binary`] (BS), through
//! [`SetElement`]. An empty set is left out of the item (DynamoDB has none) and reads back empty.

use std::collections::{BTreeSet, HashSet};
use std::hash::{BuildHasher, Hash};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use super::binary::Binary;
use super::collections::Collect;
use super::number::Number;
use super::source::{ListSource, SetSource, Source, Value};
use super::traits::{from_by_decode, FromAttributeValue, ToAttributeValue};
use crate::error::{Error, Result};

/// A type whose sets are DynamoDB sets: strings (SS), numbers (NS) or [`Binary`] (BS).
pub trait SetElement: Sized {
    #[doc(hidden)]
    fn to_set<'a, I: Iterator<Item = &'a Self>>(elements: I) -> AttributeValue
    where
        Self: 'a;
    /// Decodes a set's elements.
    #[doc(hidden)]
    fn decode_set<'de, S: Source<'de>, C: Collect<Self>>(source: S) -> Result<C>;
}

impl SetElement for String {
    fn to_set<'a, I: Iterator<Item = &'a Self>>(elements: I) -> AttributeValue {
        AttributeValue::Ss(elements.cloned().collect())
    }
    fn decode_set<'de, S: Source<'de>, C: Collect<Self>>(source: S) -> Result<C> {
        match source.take()? {
            Value::Ss(mut set) => {
                let mut out = C::with_capacity(set.size_hint());
                while let Some(s) = set.next_str()? {
                    out.push(s.into_owned());
                }
                Ok(out)
            }
            Value::L(list) => list_elements(list),
            other => Err(Error::wrong_tag("SS (string set)", other.tag())),
        }
    }
}

impl SetElement for Binary {
    fn to_set<'a, I: Iterator<Item = &'a Self>>(elements: I) -> AttributeValue {
        AttributeValue::Bs(elements.map(|b| Blob::new(b.0.clone())).collect())
    }
    fn decode_set<'de, S: Source<'de>, C: Collect<Self>>(source: S) -> Result<C> {
        match source.take()? {
            Value::Bs(mut set) => {
                let mut out = C::with_capacity(set.size_hint());
                while let Some(b) = set.next_bytes()? {
                    out.push(Binary(b.into_owned()));
                }
                Ok(out)
            }
            other => Err(Error::wrong_tag("BS (binary set)", other.tag())),
        }
    }
}

/// A list (L) where a set is declared: what serde writes for a set, so it is read too.
fn list_elements<'de, L: ListSource<'de>, T: FromAttributeValue, C: Collect<T>>(
    mut list: L,
) -> Result<C> {
    let mut out = C::with_capacity(list.size_hint());
    let mut i = 0;
    while let Some(v) = list.next_element()? {
        out.push(T::decode(v).map_err(|e| e.at_index(i))?);
        i += 1;
    }
    Ok(out)
}

/// A number set's text, one element at a time, as an N value.
struct NumberText<'de>(std::borrow::Cow<'de, str>);

impl<'de> Source<'de> for NumberText<'de> {
    type List = std::vec::IntoIter<AttributeValue>;
    type Map = super::source::ItemSource;
    type Set = super::source::OwnedSet;
    #[inline]
    fn take(self) -> Result<Value<'de, Self>> {
        Ok(Value::N(self.0))
    }
}

fn number_set<'de, S: Source<'de>, T: FromAttributeValue, C: Collect<T>>(source: S) -> Result<C> {
    match source.take()? {
        Value::Ns(mut set) => {
            let mut out = C::with_capacity(set.size_hint());
            while let Some(n) = set.next_str()? {
                out.push(T::decode(NumberText(n))?);
            }
            Ok(out)
        }
        Value::L(list) => list_elements(list),
        other => Err(Error::wrong_tag("NS (number set)", other.tag())),
    }
}

macro_rules! number_set_element {
    ($($t:ty),*) => {$(
        impl SetElement for $t {
            fn to_set<'a, I: Iterator<Item = &'a Self>>(elements: I) -> AttributeValue {
                AttributeValue::Ns(elements.map(|n| itoa::Buffer::new().format(*n).to_owned()).collect())
            }
            fn decode_set<'de, S: Source<'de>, C: Collect<Self>>(source: S) -> Result<C> {
                number_set(source)
            }
        }
    )*};
}

number_set_element!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

impl SetElement for Number {
    fn to_set<'a, I: Iterator<Item = &'a Self>>(elements: I) -> AttributeValue {
        AttributeValue::Ns(elements.map(|n| n.text().to_owned()).collect())
    }
    fn decode_set<'de, S: Source<'de>, C: Collect<Self>>(source: S) -> Result<C> {
        number_set(source)
    }
}

impl<T: Ord> Collect<T> for BTreeSet<T> {
    #[inline]
    fn with_capacity(_: Option<usize>) -> Self {
        BTreeSet::new()
    }
    #[inline]
    fn push(&mut self, element: T) {
        self.insert(element);
    }
}

impl<T: Eq + Hash, H: BuildHasher + Default> Collect<T> for HashSet<T, H> {
    #[inline]
    fn with_capacity(hint: Option<usize>) -> Self {
        HashSet::with_capacity_and_hasher(hint.unwrap_or(0), H::default())
    }
    #[inline]
    fn push(&mut self, element: T) {
        self.insert(element);
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
    from_by_decode!();
    fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
        T::decode_set(source)
    }
    fn from_missing() -> Option<Self> {
        Some(BTreeSet::new())
    }
}

impl<T: SetElement + Eq + Hash, H: BuildHasher> ToAttributeValue for HashSet<T, H> {
    fn to_attribute_value(&self) -> AttributeValue {
        T::to_set(self.iter())
    }
    fn is_absent(&self) -> bool {
        self.is_empty()
    }
}

impl<T: SetElement + Eq + Hash, H: BuildHasher + Default> FromAttributeValue for HashSet<T, H> {
    from_by_decode!();
    fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
        T::decode_set(source)
    }
    fn from_missing() -> Option<Self> {
        Some(HashSet::default())
    }
}
