//! The fast path: a `Deserializer` over DynamoDB JSON (`{"S":"…"}`, `{"N":"…"}`, `{"M":{…}}`, …)
//! read straight from the event's text by [`Reader`], so that a model decodes in one pass, with
//! strings borrowed when they have no escapes and no attribute-value tree built.

use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, StrDeserializer};
use serde::de::{
    DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

use super::reader::{Reader, Str, Syntax};
use super::{
    decode_base64, forward_hints, own_error, two_types, unexpected_end, unknown_tag, visit_number,
    Hint, Num, Tag,
};

/// A decode error of the fast path. The caller reads the image again with [`Reader::skip`] to
/// tell a model that does not fit (a record's failure) from malformed JSON (the event's).
#[derive(Debug)]
pub(crate) struct JsonError(String);

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JsonError {}

impl serde::de::Error for JsonError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        JsonError(msg.to_string())
    }
}

impl From<Syntax> for JsonError {
    fn from(e: Syntax) -> Self {
        JsonError(e.to_string())
    }
}

type Result<T, E = JsonError> = std::result::Result<T, E>;

/// Visits a string read from the text, borrowed when it can be.
fn visit_str<'de, V: Visitor<'de>>(s: Str<'de, '_>, visitor: V) -> Result<V::Value> {
    match s {
        Str::Borrowed(s) => visitor.visit_borrowed_str(s),
        Str::Copied(s) => visitor.visit_str(s),
    }
}

/// Reads an item (`{"name": {"<type>": …}, …}`) as a map or struct.
pub(crate) struct Item<'a, 'de>(pub(crate) &'a mut Reader<'de>);

impl<'de> Item<'_, 'de> {
    fn hinted<V: Visitor<'de>>(self, hint: Hint, visitor: V) -> Result<V::Value> {
        match hint {
            Hint::Option => visitor.visit_some(self),
            Hint::NewtypeStruct => visitor.visit_newtype_struct(self),
            Hint::Ignore => {
                self.0.skip()?;
                visitor.visit_unit()
            }
            _ => map(self.0, visitor),
        }
    }
}

impl<'de> Deserializer<'de> for Item<'_, 'de> {
    type Error = JsonError;
    forward_hints!();
}

/// Reads one DynamoDB-typed value (`{"<type>": <value>}`).
struct Attr<'a, 'de>(&'a mut Reader<'de>);

impl<'de> Attr<'_, 'de> {
    fn hinted<V: Visitor<'de>>(self, hint: Hint, visitor: V) -> Result<V::Value> {
        let r = self.0;
        if let Hint::Ignore = hint {
            r.skip()?;
            return visitor.visit_unit();
        }
        r.open(b'{', "a DynamoDB attribute value")?;
        let tag = match r.next_key(true)? {
            Some(tag) => Tag::parse(tag.as_str()).ok_or_else(unknown_tag::<JsonError>)?,
            None => return Err(unexpected_end()),
        };
        let value = typed(tag, hint, r, visitor)?;
        if r.next_key(false)?.is_some() {
            return Err(two_types());
        }
        Ok(value)
    }
}

impl<'de> Deserializer<'de> for Attr<'_, 'de> {
    type Error = JsonError;
    forward_hints!();
}

/// A value whose type tag is read, for `visit_some` and `visit_newtype_struct`.
struct TypedDe<'a, 'de> {
    tag: Tag,
    r: &'a mut Reader<'de>,
}

impl<'de> TypedDe<'_, 'de> {
    fn hinted<V: Visitor<'de>>(self, hint: Hint, visitor: V) -> Result<V::Value> {
        typed(self.tag, hint, self.r, visitor)
    }
}

impl<'de> Deserializer<'de> for TypedDe<'_, 'de> {
    type Error = JsonError;
    forward_hints!();
}

fn typed<'de, V: Visitor<'de>>(
    tag: Tag,
    hint: Hint,
    r: &mut Reader<'de>,
    visitor: V,
) -> Result<V::Value> {
    match hint {
        Hint::Option if tag == Tag::Null => {
            r.skip()?;
            return visitor.visit_none();
        }
        Hint::Option => return visitor.visit_some(TypedDe { tag, r }),
        Hint::NewtypeStruct => return visitor.visit_newtype_struct(TypedDe { tag, r }),
        Hint::Ignore => {
            r.skip()?;
            return visitor.visit_unit();
        }
        _ => {}
    }
    match tag {
        Tag::S => match hint {
            Hint::Enum => match string(r, "S")? {
                Str::Borrowed(s) => visitor.visit_enum(BorrowedStrDeserializer::new(s)),
                Str::Copied(s) => visitor.visit_enum(StrDeserializer::new(s)),
            },
            _ => visit_str(string(r, "S")?, visitor),
        },
        Tag::N | Tag::B => {
            scalar(if tag == Tag::N { Elem::Num } else { Elem::B64 }, hint, r, visitor)
        }
        Tag::Bool => match r.bool()? {
            Some(b) => visitor.visit_bool(b),
            None => Err(own_error(format_args!("BOOL is not true or false"))),
        },
        Tag::Null => {
            r.skip()?;
            visitor.visit_unit()
        }
        Tag::L => seq(r, Elem::Attr, visitor),
        Tag::M => match hint {
            Hint::Enum => {
                r.open(b'{', "a map")?;
                let value = visitor.visit_enum(Variant { r: &mut *r })?;
                if r.next_key(false)?.is_some() {
                    return Err(own_error(format_args!("enum map has more than one variant")));
                }
                Ok(value)
            }
            _ => map(r, visitor),
        },
        Tag::Ss => seq(r, Elem::Str, visitor),
        Tag::Ns => seq(r, Elem::Num, visitor),
        Tag::Bs => seq(r, Elem::B64, visitor),
    }
}

/// The string value of a type that holds one (`what` names it for the error).
fn string<'de, 's>(r: &'s mut Reader<'de>, what: &str) -> Result<Str<'de, 's>> {
    if r.peek()? != b'"' {
        return Err(own_error(format_args!("{what} value is not a string")));
    }
    Ok(r.string()?)
}

/// A value held in a string: text (S, SS elements), a number (N, NS) or base64 (B, BS).
#[derive(Clone, Copy)]
enum Elem {
    /// Typed values (L).
    Attr,
    Str,
    Num,
    B64,
}

fn scalar<'de, V: Visitor<'de>>(
    elem: Elem,
    hint: Hint,
    r: &mut Reader<'de>,
    visitor: V,
) -> Result<V::Value> {
    match elem {
        Elem::Num => match string(r, "N")? {
            Str::Borrowed(n) => visit_number(n, Some(n), hint, visitor),
            Str::Copied(n) => visit_number(n, None, hint, visitor),
        },
        Elem::B64 => {
            let bytes = decode_base64::<JsonError>(string(r, "B")?.as_str())?;
            visitor.visit_byte_buf(bytes)
        }
        Elem::Str | Elem::Attr => visit_str(string(r, "S")?, visitor),
    }
}

/// An element of a set: a bare string.
struct ScalarDe<'a, 'de> {
    elem: Elem,
    r: &'a mut Reader<'de>,
}

impl<'de> ScalarDe<'_, 'de> {
    fn hinted<V: Visitor<'de>>(self, hint: Hint, visitor: V) -> Result<V::Value> {
        match hint {
            Hint::Option => visitor.visit_some(self),
            Hint::NewtypeStruct => visitor.visit_newtype_struct(self),
            Hint::Ignore => {
                self.r.skip()?;
                visitor.visit_unit()
            }
            _ => scalar(self.elem, hint, self.r, visitor),
        }
    }
}

impl<'de> Deserializer<'de> for ScalarDe<'_, 'de> {
    type Error = JsonError;
    forward_hints!();
}

fn seq<'de, V: Visitor<'de>>(r: &mut Reader<'de>, elem: Elem, visitor: V) -> Result<V::Value> {
    if r.peek()? != b'[' {
        return Err(own_error(format_args!("a list or set is not an array")));
    }
    r.open(b'[', "a list")?;
    let mut elems = Elems { r, elem, first: true, done: false };
    let value = visitor.visit_seq(&mut elems)?;
    if !elems.done {
        return Err(own_error(format_args!("the list has more elements than the model takes")));
    }
    Ok(value)
}

struct Elems<'a, 'de> {
    r: &'a mut Reader<'de>,
    elem: Elem,
    first: bool,
    done: bool,
}

impl<'de> SeqAccess<'de> for &mut Elems<'_, 'de> {
    type Error = JsonError;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.done || !self.r.next_element(std::mem::take(&mut self.first))? {
            self.done = true;
            return Ok(None);
        }
        let value = match self.elem {
            Elem::Attr => seed.deserialize(Attr(&mut *self.r))?,
            elem => seed.deserialize(ScalarDe { elem, r: &mut *self.r })?,
        };
        Ok(Some(value))
    }
}

fn map<'de, V: Visitor<'de>>(r: &mut Reader<'de>, visitor: V) -> Result<V::Value> {
    if r.peek()? != b'{' {
        return Err(own_error(format_args!("an item or map is not an object")));
    }
    r.open(b'{', "a map")?;
    let mut entries = Entries { r, first: true, done: false };
    let value = visitor.visit_map(&mut entries)?;
    if !entries.done {
        return Err(own_error(format_args!("the map has more entries than the model takes")));
    }
    Ok(value)
}

struct Entries<'a, 'de> {
    r: &'a mut Reader<'de>,
    first: bool,
    done: bool,
}

impl<'de> MapAccess<'de> for &mut Entries<'_, 'de> {
    type Error = JsonError;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.done {
            return Ok(None);
        }
        match self.r.next_key(std::mem::take(&mut self.first))? {
            Some(Str::Borrowed(key)) => {
                seed.deserialize(BorrowedStrDeserializer::<JsonError>::new(key)).map(Some)
            }
            Some(Str::Copied(key)) => {
                seed.deserialize(StrDeserializer::<JsonError>::new(key)).map(Some)
            }
            None => {
                self.done = true;
                Ok(None)
            }
        }
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value> {
        seed.deserialize(Attr(&mut *self.r))
    }
}

/// An enum variant with data: a map (M) of one entry, variant name to value, as serde_dynamo
/// writes it. The `{` is read.
struct Variant<'a, 'de> {
    r: &'a mut Reader<'de>,
}

impl<'de> EnumAccess<'de> for Variant<'_, 'de> {
    type Error = JsonError;
    type Variant = Self;
    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self)> {
        let variant = match self.r.next_key(true)? {
            Some(Str::Borrowed(key)) => {
                seed.deserialize(BorrowedStrDeserializer::<JsonError>::new(key))?
            }
            Some(Str::Copied(key)) => seed.deserialize(StrDeserializer::<JsonError>::new(key))?,
            None => return Err(own_error(format_args!("enum map has no variant"))),
        };
        Ok((variant, self))
    }
}

impl<'de> VariantAccess<'de> for Variant<'_, 'de> {
    type Error = JsonError;
    fn unit_variant(self) -> Result<()> {
        self.r.skip()?;
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(Attr(self.r))
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value> {
        Attr(self.r).hinted(Hint::Seq, v)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value> {
        Attr(self.r).hinted(Hint::Map, v)
    }
}
