//! The fast path: a `Deserializer` over DynamoDB JSON (`{"S":"…"}`, `{"N":"…"}`, `{"M":{…}}`, …)
//! as another deserializer (serde_json's) reads it, so that a model decodes from the event's text
//! in one pass, with strings borrowed when they have no escapes and no attribute-value tree built.

use std::fmt;

use serde::de::{
    DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};

use super::{
    decode_base64, forward_hints, own_error, two_types, unexpected_end, unknown_tag, visit_number,
    Hint, Num, Tag,
};

/// Reads one DynamoDB-typed value (`{"<type>": <value>}`) from `D`.
pub(crate) struct Attr<D>(pub(crate) D);

impl<'de, D: Deserializer<'de>> Attr<D> {
    fn hinted<V: Visitor<'de>>(self, hint: Hint, visitor: V) -> Result<V::Value, D::Error> {
        if let Hint::Ignore = hint {
            return self.0.deserialize_ignored_any(visitor);
        }
        self.0.deserialize_map(TagVisitor { hint, visitor })
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Attr<D> {
    type Error = D::Error;
    forward_hints!();
}

/// Reads an item (`{"name": {"<type>": …}, …}`) from `D` as a map or struct.
pub(crate) struct Item<D>(pub(crate) D);

impl<'de, D: Deserializer<'de>> Item<D> {
    fn hinted<V: Visitor<'de>>(self, hint: Hint, visitor: V) -> Result<V::Value, D::Error> {
        match hint {
            Hint::Option => visitor.visit_some(self),
            Hint::NewtypeStruct => visitor.visit_newtype_struct(self),
            Hint::Ignore => self.0.deserialize_ignored_any(visitor),
            _ => self.0.deserialize_map(MapVisitor { visitor }),
        }
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Item<D> {
    type Error = D::Error;
    forward_hints!();
}

struct TagSeed;

impl<'de> DeserializeSeed<'de> for TagSeed {
    type Value = Tag;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Tag, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for TagSeed {
    type Value = Tag;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a DynamoDB type")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Tag, E> {
        Tag::parse(v).ok_or_else(unknown_tag)
    }
}

struct TagVisitor<V> {
    hint: Hint,
    visitor: V,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for TagVisitor<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a DynamoDB attribute value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<V::Value, A::Error> {
        let tag = map.next_key_seed(TagSeed)?.ok_or_else(unexpected_end)?;
        let value = map.next_value_seed(Typed { tag, hint: self.hint, visitor: self.visitor })?;
        if map.next_key::<IgnoredAny>()?.is_some() {
            return Err(two_types());
        }
        Ok(value)
    }
}

/// The value after a type tag.
struct Typed<V> {
    tag: Tag,
    hint: Hint,
    visitor: V,
}

impl<'de, V: Visitor<'de>> DeserializeSeed<'de> for Typed<V> {
    type Value = V::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        typed(self.tag, self.hint, d, self.visitor)
    }
}

/// A value whose type tag is read, for `visit_some` and `visit_newtype_struct`.
struct TypedDe<D> {
    tag: Tag,
    d: D,
}

impl<'de, D: Deserializer<'de>> TypedDe<D> {
    fn hinted<V: Visitor<'de>>(self, hint: Hint, visitor: V) -> Result<V::Value, D::Error> {
        typed(self.tag, hint, self.d, visitor)
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for TypedDe<D> {
    type Error = D::Error;
    forward_hints!();
}

fn typed<'de, D: Deserializer<'de>, V: Visitor<'de>>(
    tag: Tag,
    hint: Hint,
    d: D,
    visitor: V,
) -> Result<V::Value, D::Error> {
    match hint {
        Hint::Option if tag == Tag::Null => {
            d.deserialize_ignored_any(IgnoredAny)?;
            return visitor.visit_none();
        }
        Hint::Option => return visitor.visit_some(TypedDe { tag, d }),
        Hint::NewtypeStruct => return visitor.visit_newtype_struct(TypedDe { tag, d }),
        Hint::Ignore => return d.deserialize_ignored_any(visitor),
        _ => {}
    }
    match tag {
        Tag::S => match hint {
            Hint::Enum(name, variants) => d.deserialize_enum(name, variants, visitor),
            _ => d.deserialize_str(visitor),
        },
        Tag::N => d.deserialize_str(NumVisitor { hint, visitor }),
        Tag::B => d.deserialize_str(B64Visitor { visitor }),
        Tag::Bool => d.deserialize_bool(visitor),
        Tag::Null => {
            d.deserialize_ignored_any(IgnoredAny)?;
            visitor.visit_unit()
        }
        Tag::L => d.deserialize_seq(SeqVisitor { visitor, elem: Elem::Attr }),
        Tag::M => match hint {
            Hint::Enum(..) => d.deserialize_map(EnumVisitor { visitor }),
            _ => d.deserialize_map(MapVisitor { visitor }),
        },
        Tag::Ss => d.deserialize_seq(visitor),
        Tag::Ns => d.deserialize_seq(SeqVisitor { visitor, elem: Elem::Num }),
        Tag::Bs => d.deserialize_seq(SeqVisitor { visitor, elem: Elem::B64 }),
    }
}

struct NumVisitor<V> {
    hint: Hint,
    visitor: V,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for NumVisitor<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number as a string")
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        visit_number(v, Some(v), self.hint, self.visitor)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<V::Value, E> {
        visit_number(v, None, self.hint, self.visitor)
    }
}

struct B64Visitor<V> {
    visitor: V,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for B64Visitor<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("base64 text")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.visitor.visit_byte_buf(decode_base64(v)?)
    }
}

/// How the elements of a list or set are encoded.
#[derive(Clone, Copy)]
enum Elem {
    /// Typed values (L).
    Attr,
    /// Number strings (NS).
    Num,
    /// Base64 strings (BS).
    B64,
}

struct SeqVisitor<V> {
    visitor: V,
    elem: Elem,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for SeqVisitor<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(Elems { seq, elem: self.elem })
    }
}

struct Elems<A> {
    seq: A,
    elem: Elem,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Elems<A> {
    type Error = A::Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.seq.next_element_seed(ElemSeed { seed, elem: self.elem })
    }
    fn size_hint(&self) -> Option<usize> {
        self.seq.size_hint()
    }
}

struct ElemSeed<T> {
    seed: T,
    elem: Elem,
}

impl<'de, T: DeserializeSeed<'de>> DeserializeSeed<'de> for ElemSeed<T> {
    type Value = T::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T::Value, D::Error> {
        match self.elem {
            Elem::Attr => self.seed.deserialize(Attr(d)),
            Elem::Num => self.seed.deserialize(NumDe(d)),
            Elem::B64 => self.seed.deserialize(B64De(d)),
        }
    }
}

/// An element of a number set: a bare number string.
struct NumDe<D>(D);

impl<'de, D: Deserializer<'de>> NumDe<D> {
    fn hinted<V: Visitor<'de>>(self, hint: Hint, visitor: V) -> Result<V::Value, D::Error> {
        match hint {
            Hint::Option => visitor.visit_some(self),
            Hint::NewtypeStruct => visitor.visit_newtype_struct(self),
            _ => self.0.deserialize_str(NumVisitor { hint, visitor }),
        }
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for NumDe<D> {
    type Error = D::Error;
    forward_hints!();
}

/// An element of a binary set: a bare base64 string.
struct B64De<D>(D);

impl<'de, D: Deserializer<'de>> B64De<D> {
    fn hinted<V: Visitor<'de>>(self, hint: Hint, visitor: V) -> Result<V::Value, D::Error> {
        match hint {
            Hint::Option => visitor.visit_some(self),
            Hint::NewtypeStruct => visitor.visit_newtype_struct(self),
            _ => self.0.deserialize_str(B64Visitor { visitor }),
        }
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for B64De<D> {
    type Error = D::Error;
    forward_hints!();
}

struct MapVisitor<V> {
    visitor: V,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for MapVisitor<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Entries { map })
    }
}

struct Entries<A> {
    map: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Entries<A> {
    type Error = A::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.map.next_key_seed(seed)
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.map.next_value_seed(AttrSeed(seed))
    }
    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

struct AttrSeed<T>(T);

impl<'de, T: DeserializeSeed<'de>> DeserializeSeed<'de> for AttrSeed<T> {
    type Value = T::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T::Value, D::Error> {
        self.0.deserialize(Attr(d))
    }
}

/// An enum variant with data: a map (M) of one entry, variant name to value, as serde_dynamo
/// writes it.
struct EnumVisitor<V> {
    visitor: V,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for EnumVisitor<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an enum variant")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_enum(Variant { map })
    }
}

struct Variant<A> {
    map: A,
}

impl<'de, A: MapAccess<'de>> EnumAccess<'de> for Variant<A> {
    type Error = A::Error;
    type Variant = Self;
    fn variant_seed<T: DeserializeSeed<'de>>(
        mut self,
        seed: T,
    ) -> Result<(T::Value, Self), A::Error> {
        match self.map.next_key_seed(seed)? {
            Some(variant) => Ok((variant, self)),
            None => Err(own_error(format_args!("enum map has no variant"))),
        }
    }
}

impl<'de, A: MapAccess<'de>> VariantAccess<'de> for Variant<A> {
    type Error = A::Error;
    fn unit_variant(mut self) -> Result<(), A::Error> {
        self.map.next_value_seed(AttrSeed(std::marker::PhantomData::<IgnoredAny>)).map(|_| ())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        mut self,
        seed: T,
    ) -> Result<T::Value, A::Error> {
        self.map.next_value_seed(AttrSeed(seed))
    }
    fn tuple_variant<V: Visitor<'de>>(mut self, _len: usize, v: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(HintedSeed { hint: Hint::Seq, visitor: v })
    }
    fn struct_variant<V: Visitor<'de>>(
        mut self,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(HintedSeed { hint: Hint::Map, visitor: v })
    }
}

struct HintedSeed<V> {
    hint: Hint,
    visitor: V,
}

impl<'de, V: Visitor<'de>> DeserializeSeed<'de> for HintedSeed<V> {
    type Value = V::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        Attr(d).hinted(self.hint, self.visitor)
    }
}
