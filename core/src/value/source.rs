//! [`Source`]: one DynamoDB-typed value as a decoder reads it, whatever holds it — an SDK
//! [`AttributeValue`] here, stream JSON or an `aws_lambda_events` image in `ferrodyn-streams` —
//! so that one decoding definition per type ([`FromAttributeValue::decode`]) and one per model
//! serve every path, as serde_json's one `Deserializer<R: Read>` serves slices and readers.
//!
//! A source is consumed once: [`Source::take`] gives its type and contents (strings and bytes
//! borrowed when the holder allows, lists, maps and sets as accessors), or [`Source::skip`]
//! passes over it. A decoder must read every list, map and set it takes to the end (or skip
//! what it does not want): sources that read text check what follows.
//!
//! [`FromAttributeValue::decode`]: crate::FromAttributeValue::decode

use std::borrow::Cow;
use std::collections::hash_map;
use std::fmt;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::value::Item;

/// The DynamoDB type of a value, as DynamoDB JSON tags it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Tag {
    /// String.
    S,
    /// Number, as decimal text.
    N,
    /// Binary.
    B,
    /// Boolean.
    Bool,
    /// Null.
    Null,
    /// List.
    L,
    /// Map.
    M,
    /// String set.
    Ss,
    /// Number set.
    Ns,
    /// Binary set.
    Bs,
}

impl Tag {
    /// The tag as DynamoDB JSON spells it (`S`, `BOOL`, `NS`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Tag::S => "S",
            Tag::N => "N",
            Tag::B => "B",
            Tag::Bool => "BOOL",
            Tag::Null => "NULL",
            Tag::L => "L",
            Tag::M => "M",
            Tag::Ss => "SS",
            Tag::Ns => "NS",
            Tag::Bs => "BS",
        }
    }

    /// The tag DynamoDB JSON spells `tag`.
    #[inline]
    pub fn parse(tag: &str) -> Option<Tag> {
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

    /// The tag of an SDK value; `None` for a type this SDK version does not know.
    pub fn of(value: &AttributeValue) -> Option<Tag> {
        Some(match value {
            AttributeValue::S(_) => Tag::S,
            AttributeValue::N(_) => Tag::N,
            AttributeValue::B(_) => Tag::B,
            AttributeValue::Bool(_) => Tag::Bool,
            AttributeValue::Null(_) => Tag::Null,
            AttributeValue::L(_) => Tag::L,
            AttributeValue::M(_) => Tag::M,
            AttributeValue::Ss(_) => Tag::Ss,
            AttributeValue::Ns(_) => Tag::Ns,
            AttributeValue::Bs(_) => Tag::Bs,
            _ => return None,
        })
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value taken from a [`Source`]: scalars by value (borrowed from the holder when it can),
/// containers as accessors that read their elements.
#[derive(Debug)]
pub enum Value<'de, S: Source<'de>> {
    /// A string.
    S(Cow<'de, str>),
    /// A number's decimal text, as DynamoDB keeps it.
    N(Cow<'de, str>),
    /// Bytes.
    B(Cow<'de, [u8]>),
    /// A boolean.
    Bool(bool),
    /// Null.
    Null,
    /// A list's elements.
    L(S::List),
    /// A map's entries.
    M(S::Map),
    /// A string set's elements ([`SetSource::next_str`]).
    Ss(S::Set),
    /// A number set's elements as decimal text ([`SetSource::next_str`]).
    Ns(S::Set),
    /// A binary set's elements ([`SetSource::next_bytes`]).
    Bs(S::Set),
}

impl<'de, S: Source<'de>> Value<'de, S> {
    /// The value's DynamoDB type.
    pub fn tag(&self) -> Tag {
        match self {
            Value::S(_) => Tag::S,
            Value::N(_) => Tag::N,
            Value::B(_) => Tag::B,
            Value::Bool(_) => Tag::Bool,
            Value::Null => Tag::Null,
            Value::L(_) => Tag::L,
            Value::M(_) => Tag::M,
            Value::Ss(_) => Tag::Ss,
            Value::Ns(_) => Tag::Ns,
            Value::Bs(_) => Tag::Bs,
        }
    }
}

/// One DynamoDB-typed value to decode. Implemented by [`AttributeValue`] (strings and bytes move
/// out of it) and, in `ferrodyn-streams`, by stream JSON read in place and by `aws_lambda_events`
/// images.
pub trait Source<'de>: Sized {
    /// The elements of a list.
    type List: ListSource<'de>;
    /// The entries of a map.
    type Map: MapSource<'de>;
    /// The elements of a set.
    type Set: SetSource<'de>;

    /// The value's type and contents.
    ///
    /// # Errors
    /// The holder is malformed (stream JSON that is not an attribute value).
    fn take(self) -> Result<Value<'de, Self>>;

    /// Passes over the value without decoding it.
    ///
    /// # Errors
    /// The holder is malformed.
    fn skip(self) -> Result<()> {
        skip_value(self.take()?)
    }

    /// The value as an SDK [`AttributeValue`], for types that decode only from one.
    ///
    /// # Errors
    /// The holder is malformed.
    fn into_attribute_value(self) -> Result<AttributeValue> {
        materialize(self.take()?)
    }
}

/// The elements of a list (L).
pub trait ListSource<'de> {
    /// One element, which may borrow the list.
    type Element<'a>: Source<'de>
    where
        Self: 'a;

    /// The next element; `None` past the last. Each element must be taken or skipped before
    /// the next is asked for.
    ///
    /// # Errors
    /// The holder is malformed.
    fn next_element(&mut self) -> Result<Option<Self::Element<'_>>>;

    /// How many elements are left, when known.
    fn size_hint(&self) -> Option<usize> {
        None
    }
}

/// The entries of a map (M), or of a whole item.
pub trait MapSource<'de> {
    /// One entry's value, which may borrow the map.
    type Value<'a>: Source<'de>
    where
        Self: 'a;

    /// The next entry's name; `None` past the last. Its value must be read with
    /// [`next_value`](Self::next_value) (and taken or skipped) before the next name is asked for.
    ///
    /// # Errors
    /// The holder is malformed.
    fn next_key(&mut self) -> Result<Option<Cow<'de, str>>>;

    /// The value of the entry whose name [`next_key`](Self::next_key) gave.
    ///
    /// # Errors
    /// No name was read, or the holder is malformed.
    fn next_value(&mut self) -> Result<Self::Value<'_>>;

    /// The next entry, name and value together; `None` past the last. The value must be taken or
    /// skipped before the next entry is asked for. Decoders that read a whole map use this: a
    /// holder that has both at hand gives them without keeping the value in between.
    ///
    /// # Errors
    /// The holder is malformed.
    #[inline]
    fn next_entry(&mut self) -> Result<Option<(Cow<'de, str>, Self::Value<'_>)>> {
        match self.next_key()? {
            Some(name) => Ok(Some((name, self.next_value()?))),
            None => Ok(None),
        }
    }

    /// How many entries are left, when known.
    fn size_hint(&self) -> Option<usize> {
        None
    }

    /// The string value of top-level attribute `attribute`, looked up before the entries are
    /// read, for the entity check that must come before any field's error: `Ok(None)` when the
    /// attribute is absent or the source cannot look ahead, an error when it is not a string.
    ///
    /// # Errors
    /// The attribute is there and not a string (S).
    fn lookup_str(&mut self, attribute: &str) -> Result<Option<Cow<'_, str>>> {
        let _ = attribute;
        Ok(None)
    }
}

/// The error of [`MapSource::next_value`] called without a name read.
pub(crate) fn no_key() -> Error {
    Error::invalid_value("a map value was asked for before its name")
}

/// The elements of a set: strings for SS, decimal text for NS, bytes for BS.
pub trait SetSource<'de> {
    /// The next element of a string or number set.
    ///
    /// # Errors
    /// The set holds bytes, or the holder is malformed.
    fn next_str(&mut self) -> Result<Option<Cow<'de, str>>>;

    /// The next element of a binary set.
    ///
    /// # Errors
    /// The set holds text, or the holder is malformed.
    fn next_bytes(&mut self) -> Result<Option<Cow<'de, [u8]>>>;

    /// How many elements are left, when known.
    fn size_hint(&self) -> Option<usize> {
        None
    }
}

/// Reads and drops a taken value, to the end of its containers.
pub(crate) fn skip_value<'de, S: Source<'de>>(value: Value<'de, S>) -> Result<()> {
    match value {
        Value::L(mut list) => {
            while let Some(e) = list.next_element()? {
                e.skip()?;
            }
        }
        Value::M(mut map) => {
            while let Some((_, value)) = map.next_entry()? {
                value.skip()?;
            }
        }
        Value::Ss(mut set) | Value::Ns(mut set) => while set.next_str()?.is_some() {},
        Value::Bs(mut set) => while set.next_bytes()?.is_some() {},
        _ => {}
    }
    Ok(())
}

/// Builds the SDK value of a taken value.
pub(crate) fn materialize<'de, S: Source<'de>>(value: Value<'de, S>) -> Result<AttributeValue> {
    Ok(match value {
        Value::S(s) => AttributeValue::S(s.into_owned()),
        Value::N(n) => AttributeValue::N(n.into_owned()),
        Value::B(b) => AttributeValue::B(Blob::new(b.into_owned())),
        Value::Bool(b) => AttributeValue::Bool(b),
        Value::Null => AttributeValue::Null(true),
        Value::L(mut list) => {
            let mut out = Vec::with_capacity(list.size_hint().unwrap_or(0));
            while let Some(e) = list.next_element()? {
                out.push(e.into_attribute_value()?);
            }
            AttributeValue::L(out)
        }
        Value::M(mut map) => {
            let mut out = Item::with_capacity(map.size_hint().unwrap_or(0));
            while let Some((k, v)) = map.next_entry()? {
                let v = v.into_attribute_value()?;
                out.insert(k.into_owned(), v);
            }
            AttributeValue::M(out)
        }
        Value::Ss(mut set) => AttributeValue::Ss(strings(&mut set)?),
        Value::Ns(mut set) => AttributeValue::Ns(strings(&mut set)?),
        Value::Bs(mut set) => {
            let mut out = Vec::with_capacity(set.size_hint().unwrap_or(0));
            while let Some(b) = set.next_bytes()? {
                out.push(Blob::new(b.into_owned()));
            }
            AttributeValue::Bs(out)
        }
    })
}

fn strings<'de>(set: &mut impl SetSource<'de>) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(set.size_hint().unwrap_or(0));
    while let Some(s) = set.next_str()? {
        out.push(s.into_owned());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The SDK's values: everything moves out, nothing is copied.

impl<'de> Source<'de> for AttributeValue {
    type List = std::vec::IntoIter<AttributeValue>;
    type Map = ItemSource;
    type Set = OwnedSet;

    // Always inlined: a decoder's match on the taken value then folds into one match on the
    // SDK's value, as a hand-written `match value { AttributeValue::S(s) => .. }` would be.
    #[inline(always)]
    fn take(self) -> Result<Value<'de, Self>> {
        Ok(match self {
            AttributeValue::S(s) => Value::S(Cow::Owned(s)),
            AttributeValue::N(n) => Value::N(Cow::Owned(n)),
            AttributeValue::B(b) => Value::B(Cow::Owned(b.into_inner())),
            AttributeValue::Bool(b) => Value::Bool(b),
            AttributeValue::Null(_) => Value::Null,
            AttributeValue::L(l) => Value::L(l.into_iter()),
            AttributeValue::M(m) => Value::M(ItemSource::new(m)),
            AttributeValue::Ss(s) => Value::Ss(SetElements::Strings(s.into_iter())),
            AttributeValue::Ns(n) => Value::Ns(SetElements::Strings(n.into_iter())),
            AttributeValue::Bs(b) => {
                Value::Bs(SetElements::Bytes(b.into_iter().map(Blob::into_inner as fn(Blob) -> _)))
            }
            _ => return Err(unknown_type()),
        })
    }

    #[inline]
    fn skip(self) -> Result<()> {
        Ok(())
    }

    #[inline]
    fn into_attribute_value(self) -> Result<AttributeValue> {
        Ok(self)
    }
}

fn unknown_type() -> Error {
    Error::invalid_value("an attribute value of a type unknown to ferrodyn")
}

impl<'de> ListSource<'de> for std::vec::IntoIter<AttributeValue> {
    type Element<'a> = AttributeValue;

    #[inline]
    fn next_element(&mut self) -> Result<Option<AttributeValue>> {
        Ok(self.next())
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.len())
    }
}

/// The entries of an owned [`Item`] (or map value), moved out one by one. It is kept small (an
/// iterator and one pending value), as every map decoded from an item is one: a model's
/// `from_item` checks the entity attribute on the [`Item`] before making it.
#[derive(Debug)]
pub struct ItemSource {
    entries: hash_map::IntoIter<String, AttributeValue>,
    value: Option<AttributeValue>,
}

impl ItemSource {
    /// The entries of `item`.
    #[inline]
    pub fn new(item: Item) -> Self {
        ItemSource { entries: item.into_iter(), value: None }
    }
}

impl<'de> MapSource<'de> for ItemSource {
    type Value<'a> = AttributeValue;

    #[inline]
    fn next_key(&mut self) -> Result<Option<Cow<'de, str>>> {
        Ok(self.entries.next().map(|(k, v)| {
            self.value = Some(v);
            Cow::Owned(k)
        }))
    }

    #[inline]
    fn next_value(&mut self) -> Result<AttributeValue> {
        self.value.take().ok_or_else(no_key)
    }

    #[inline]
    fn next_entry(&mut self) -> Result<Option<(Cow<'de, str>, AttributeValue)>> {
        Ok(self.entries.next().map(|(k, v)| (Cow::Owned(k), v)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

impl<'de, M: MapSource<'de> + ?Sized> MapSource<'de> for Box<M> {
    type Value<'a>
        = M::Value<'a>
    where
        Self: 'a;

    #[inline]
    fn next_key(&mut self) -> Result<Option<Cow<'de, str>>> {
        (**self).next_key()
    }

    #[inline]
    fn next_value(&mut self) -> Result<M::Value<'_>> {
        (**self).next_value()
    }

    #[inline]
    fn next_entry(&mut self) -> Result<Option<(Cow<'de, str>, M::Value<'_>)>> {
        (**self).next_entry()
    }

    fn size_hint(&self) -> Option<usize> {
        (**self).size_hint()
    }

    fn lookup_str(&mut self, attribute: &str) -> Result<Option<Cow<'_, str>>> {
        (**self).lookup_str(attribute)
    }
}

/// The elements of a set from iterators of its strings (SS, NS) or bytes (BS), owned or borrowed:
/// the [`SetSource`] of the SDK's values here and of `aws_lambda_events` images.
#[derive(Debug)]
pub enum SetElements<S, B> {
    /// SS or NS.
    Strings(S),
    /// BS.
    Bytes(B),
}

/// The elements of an owned set.
pub type OwnedSet = SetElements<
    std::vec::IntoIter<String>,
    std::iter::Map<std::vec::IntoIter<Blob>, fn(Blob) -> Vec<u8>>,
>;

impl<'de, S, B> SetSource<'de> for SetElements<S, B>
where
    S: ExactSizeIterator,
    S::Item: Into<Cow<'de, str>>,
    B: ExactSizeIterator,
    B::Item: Into<Cow<'de, [u8]>>,
{
    #[inline]
    fn next_str(&mut self) -> Result<Option<Cow<'de, str>>> {
        match self {
            SetElements::Strings(s) => Ok(s.next().map(Into::into)),
            SetElements::Bytes(_) => Err(Error::wrong_tag("SS or NS", Tag::Bs)),
        }
    }

    #[inline]
    fn next_bytes(&mut self) -> Result<Option<Cow<'de, [u8]>>> {
        match self {
            SetElements::Bytes(b) => Ok(b.next().map(Into::into)),
            SetElements::Strings(_) => Err(Error::wrong_tag("BS", Tag::Ss)),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(match self {
            SetElements::Strings(s) => s.len(),
            SetElements::Bytes(b) => b.len(),
        })
    }
}
