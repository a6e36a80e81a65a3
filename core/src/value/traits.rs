//! The two conversion traits: [`ToAttributeValue`] (a Rust value to one SDK attribute value) and
//! [`FromAttributeValue`], whose [`decode`](FromAttributeValue::decode) reads any [`Source`], so
//! that `get`, queries and both stream paths decode a type by the same definition.

use aws_sdk_dynamodb::types::AttributeValue;

use super::source::Source;
use crate::error::Result;

/// A Rust value that becomes one DynamoDB attribute value.
pub trait ToAttributeValue {
    /// The attribute value for `self`.
    fn to_attribute_value(&self) -> AttributeValue;

    /// Whether the attribute is left out of an item entirely (`None`, an empty set: DynamoDB has no
    /// empty sets). Inside lists and maps, absent values are written as NULL instead.
    #[doc(hidden)]
    fn is_absent(&self) -> bool {
        false
    }
}

/// A Rust value decoded from one DynamoDB attribute value.
///
/// Implement [`from_attribute_value`](Self::from_attribute_value); every path then decodes the
/// type alike. Overriding [`decode`](Self::decode) as well reads stream images in place, without
/// building an [`AttributeValue`] first (ferrodyn's own impls do).
pub trait FromAttributeValue: Sized {
    /// Decodes `value`, taking ownership so strings move instead of being copied.
    ///
    /// # Errors
    /// A typed error naming what was expected: wrong type, number out of range, invalid value.
    fn from_attribute_value(value: AttributeValue) -> Result<Self>;

    /// Decodes the value `source` holds: the one definition every path uses.
    ///
    /// # Errors
    /// As [`from_attribute_value`](Self::from_attribute_value), or a malformed source.
    #[inline]
    fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
        Self::from_attribute_value(source.into_attribute_value()?)
    }

    /// The value for an attribute missing from the item, if the type has one (`None`, an empty
    /// set); `None` means the attribute is required.
    #[doc(hidden)]
    fn from_missing() -> Option<Self> {
        None
    }
}

/// Implements `from_attribute_value` by `decode`, for impls that define `decode`.
macro_rules! from_by_decode {
    () => {
        #[inline]
        fn from_attribute_value(
            value: ::aws_sdk_dynamodb::types::AttributeValue,
        ) -> $crate::error::Result<Self> {
            Self::decode(value)
        }
    };
}
pub(crate) use from_by_decode;
