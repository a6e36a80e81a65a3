//! Which Rust values a typed [`Path<T>`](super::Path) accepts in comparisons and updates.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::value::ToAttributeValue;

/// The type of an untyped path ([`attr`](super::attr)): it accepts any value.
#[derive(Debug, Clone, Copy)]
pub enum Untyped {}

/// `T: Accepts<V>` lets a `Path<T>` take a `V`: `T` itself, `&T`, `&str` for `String`, `T` for
/// `Option<T>`, anything for an [`Untyped`] path.
pub trait Accepts<V> {}

impl<T: ToAttributeValue> Accepts<T> for T {}
impl<T: ToAttributeValue> Accepts<&T> for T {}
impl Accepts<&str> for String {}
impl<T: ToAttributeValue> Accepts<T> for Option<T> {}
impl Accepts<&str> for Option<String> {}
impl<V: ToAttributeValue> Accepts<V> for Untyped {}

pub(crate) fn to_value<V: ToAttributeValue>(v: V) -> AttributeValue {
    v.to_attribute_value()
}
