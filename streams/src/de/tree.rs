//! The `aws_lambda_events` path: a `Deserializer` over the borrowed attribute-value trees
//! (`serde_dynamo::AttributeValue`) that `aws_lambda_events` builds, with the same rules as the
//! JSON path.

use std::collections::HashMap;
use std::fmt;

use serde::de::value::{BorrowedBytesDeserializer, BorrowedStrDeserializer};
use serde::de::{
    DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use serde_dynamo::AttributeValue;

use super::{forward_hints, own_error, visit_number, Hint, Num};

/// A decode error of the tree path.
#[derive(Debug)]
pub(crate) struct TreeError(String);

impl fmt::Display for TreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TreeError {}

impl serde::de::Error for TreeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        TreeError(msg.to_string())
    }
}

/// One attribute value.
#[derive(Clone, Copy)]
pub(crate) struct Tree<'a>(pub(crate) &'a AttributeValue);

/// A whole item.
#[derive(Clone, Copy)]
pub(crate) struct TreeItem<'a>(pub(crate) &'a HashMap<String, AttributeValue>);

impl<'de> TreeItem<'de> {
    fn hinted<V: Visitor<'de>>(self, hint: Hint, visitor: V) -> Result<V::Value, TreeError> {
        match hint {
            Hint::Option => visitor.visit_some(self),
            Hint::NewtypeStruct => visitor.visit_newtype_struct(self),
            Hint::Ignore => visitor.visit_unit(),
            _ => visitor.visit_map(Entries { iter: self.0.iter(), value: None }),
        }
    }
}

impl<'de> Deserializer<'de> for TreeItem<'de> {
    type Error = TreeError;
    forward_hints!();
}

impl<'de> Tree<'de> {
    fn hinted<V: Visitor<'de>>(self, hint: Hint, visitor: V) -> Result<V::Value, TreeError> {
        match (hint, self.0) {
            (Hint::Option, AttributeValue::Null(_)) => return visitor.visit_none(),
            (Hint::Option, _) => return visitor.visit_some(self),
            (Hint::NewtypeStruct, _) => return visitor.visit_newtype_struct(self),
            (Hint::Ignore, _) => return visitor.visit_unit(),
            _ => {}
        }
        match self.0 {
            AttributeValue::S(s) => match hint {
                Hint::Enum => visitor.visit_enum(BorrowedStrDeserializer::<TreeError>::new(s)),
                _ => visitor.visit_borrowed_str(s),
            },
            AttributeValue::N(n) => visit_number(n, Some(n), hint, visitor),
            AttributeValue::B(b) => visitor.visit_borrowed_bytes(b),
            AttributeValue::Bool(b) => visitor.visit_bool(*b),
            AttributeValue::Null(_) => visitor.visit_unit(),
            AttributeValue::L(l) => visitor.visit_seq(Elems(l.iter().map(Tree))),
            AttributeValue::M(m) => match hint {
                Hint::Enum => {
                    let mut entries = m.iter();
                    match (entries.next(), entries.next()) {
                        (Some((name, value)), None) => visitor.visit_enum(Variant { name, value }),
                        _ => Err(own_error(format_args!("enum map must have one entry"))),
                    }
                }
                _ => visitor.visit_map(Entries { iter: m.iter(), value: None }),
            },
            AttributeValue::Ss(ss) => {
                visitor.visit_seq(Elems(ss.iter().map(|s| BorrowedStrDeserializer::new(s))))
            }
            AttributeValue::Ns(ns) => visitor.visit_seq(Elems(ns.iter().map(|n| NumTree(n)))),
            AttributeValue::Bs(bs) => {
                visitor.visit_seq(Elems(bs.iter().map(|b| BorrowedBytesDeserializer::new(b))))
            }
        }
    }
}

impl<'de> Deserializer<'de> for Tree<'de> {
    type Error = TreeError;
    forward_hints!();
}

/// An element of a number set.
struct NumTree<'a>(&'a str);

impl<'de> NumTree<'de> {
    fn hinted<V: Visitor<'de>>(self, hint: Hint, visitor: V) -> Result<V::Value, TreeError> {
        match hint {
            Hint::Option => visitor.visit_some(self),
            Hint::NewtypeStruct => visitor.visit_newtype_struct(self),
            _ => visit_number(self.0, Some(self.0), hint, visitor),
        }
    }
}

impl<'de> Deserializer<'de> for NumTree<'de> {
    type Error = TreeError;
    forward_hints!();
}

struct Elems<I>(I);

impl<'de, I, D> SeqAccess<'de> for Elems<I>
where
    I: Iterator<Item = D>,
    D: Deserializer<'de, Error = TreeError>,
{
    type Error = TreeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, TreeError> {
        match self.0.next() {
            Some(d) => seed.deserialize(d).map(Some),
            None => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint().1
    }
}

struct Entries<'a> {
    iter: std::collections::hash_map::Iter<'a, String, AttributeValue>,
    value: Option<&'a AttributeValue>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = TreeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TreeError> {
        match self.iter.next() {
            Some((name, value)) => {
                self.value = Some(value);
                seed.deserialize(BorrowedStrDeserializer::new(name)).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, TreeError> {
        match self.value.take() {
            Some(value) => seed.deserialize(Tree(value)),
            None => Err(own_error(format_args!("map value without a key"))),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct Variant<'a> {
    name: &'a str,
    value: &'a AttributeValue,
}

impl<'de> EnumAccess<'de> for Variant<'de> {
    type Error = TreeError;
    type Variant = Tree<'de>;
    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Tree<'de>), TreeError> {
        let variant = seed.deserialize(BorrowedStrDeserializer::<TreeError>::new(self.name))?;
        Ok((variant, Tree(self.value)))
    }
}

impl<'de> VariantAccess<'de> for Tree<'de> {
    type Error = TreeError;
    fn unit_variant(self) -> Result<(), TreeError> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, TreeError> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, TreeError> {
        self.hinted(Hint::Seq, v)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, TreeError> {
        self.hinted(Hint::Map, v)
    }
}
