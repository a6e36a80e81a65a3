//! [`Binary`]: bytes stored as DynamoDB binary (B), on every path and as a key attribute.
//! (A plain `Vec<u8>` is a list of numbers, as serde has it; `#[serde(with = "serde_bytes")]`
//! makes it B.)

use std::fmt;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use super::source::{Source, Value};
use super::traits::{from_by_decode, FromAttributeValue, ToAttributeValue};
use crate::error::{Error, Result};

/// Bytes stored as DynamoDB binary (B). A plain `Vec<u8>` is a list of numbers, as in serde.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Binary(pub Vec<u8>);

impl fmt::Debug for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Binary(<{} bytes>)", self.0.len())
    }
}

impl From<Vec<u8>> for Binary {
    fn from(v: Vec<u8>) -> Self {
        Binary(v)
    }
}

impl serde::Serialize for Binary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Binary {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Binary;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> std::result::Result<Binary, E> {
                Ok(Binary(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(
                self,
                v: Vec<u8>,
            ) -> std::result::Result<Binary, E> {
                Ok(Binary(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Binary, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element()? {
                    out.push(b);
                }
                Ok(Binary(out))
            }
        }
        d.deserialize_byte_buf(Visitor)
    }
}

impl ToAttributeValue for Binary {
    fn to_attribute_value(&self) -> AttributeValue {
        AttributeValue::B(Blob::new(self.0.clone()))
    }
}

impl FromAttributeValue for Binary {
    from_by_decode!();
    #[inline]
    fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
        match source.take()? {
            Value::B(b) => Ok(Binary(b.into_owned())),
            other => Err(Error::wrong_tag("B (binary)", other.tag())),
        }
    }
}
