//! Keys: the [`KeyPart`] trait for values that may appear in key templates, and [`Key<M>`], the
//! typed primary key of a model.

use std::fmt;
use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::model::{Model, ScalarType};
use crate::value::Item;

/// A value that can be (part of) a key: strings, integers, [`Number`](crate::Number), timestamps,
/// unit enums deriving `Attribute`, and `Option`s of those (an absent part leaves a sparse index key
/// unset).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be part of a key",
    label = "a field named in a key template must be a key part",
    note = "key parts are strings (`String`, `&str`, `char`), integers, `ferrodyn::Number`, \
            `chrono::DateTime<Utc>` and `chrono::NaiveDate` (feature `chrono`), unit enums deriving \
            `Attribute`, and `Option`s of those"
)]
pub trait KeyPart {
    /// The attribute type when the value is a key attribute by itself.
    const SCALAR: ScalarType;

    /// Whether the value can appear inside a key template (`ORDER#{id}`), whose text is a
    /// string: [`Binary`](crate::Binary) cannot, and is a key attribute only by itself
    /// (`pk = "id"`, a B key).
    #[doc(hidden)]
    const IN_TEMPLATE: bool = true;

    /// Appends the value as it appears inside a key template; `false` when it is absent (`None`).
    fn write_key_part(&self, out: &mut String) -> bool;
}

impl<T: KeyPart + ?Sized> KeyPart for &T {
    const SCALAR: ScalarType = T::SCALAR;
    const IN_TEMPLATE: bool = T::IN_TEMPLATE;
    fn write_key_part(&self, out: &mut String) -> bool {
        (**self).write_key_part(out)
    }
}

impl<T: KeyPart> KeyPart for Option<T> {
    const SCALAR: ScalarType = T::SCALAR;
    const IN_TEMPLATE: bool = T::IN_TEMPLATE;
    fn write_key_part(&self, out: &mut String) -> bool {
        match self {
            Some(v) => v.write_key_part(out),
            None => false,
        }
    }
}

impl KeyPart for str {
    const SCALAR: ScalarType = ScalarType::S;
    fn write_key_part(&self, out: &mut String) -> bool {
        out.push_str(self);
        true
    }
}

impl KeyPart for String {
    const SCALAR: ScalarType = ScalarType::S;
    fn write_key_part(&self, out: &mut String) -> bool {
        out.push_str(self);
        true
    }
}

impl KeyPart for char {
    const SCALAR: ScalarType = ScalarType::S;
    fn write_key_part(&self, out: &mut String) -> bool {
        out.push(*self);
        true
    }
}

impl KeyPart for crate::Number {
    const SCALAR: ScalarType = ScalarType::N;
    fn write_key_part(&self, out: &mut String) -> bool {
        out.push_str(self.as_str());
        true
    }
}

/// A B key attribute, by itself only (`pk = "id"` with `id: Binary`).
impl KeyPart for crate::Binary {
    const SCALAR: ScalarType = ScalarType::B;
    const IN_TEMPLATE: bool = false;
    fn write_key_part(&self, _out: &mut String) -> bool {
        // Unreachable from derived code: a template holding a `Binary` field does not compile.
        false
    }
}

macro_rules! integer_key {
    ($($t:ty),*) => {$(
        impl KeyPart for $t {
            const SCALAR: ScalarType = ScalarType::N;
            fn write_key_part(&self, out: &mut String) -> bool {
                out.push_str(itoa::Buffer::new().format(*self));
                true
            }
        }
    )*};
}

integer_key!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

#[cfg(feature = "chrono")]
impl KeyPart for chrono::DateTime<chrono::Utc> {
    const SCALAR: ScalarType = ScalarType::S;
    fn write_key_part(&self, out: &mut String) -> bool {
        out.push_str(&crate::value::format_timestamp(self));
        true
    }
}

#[cfg(feature = "chrono")]
impl KeyPart for chrono::NaiveDate {
    const SCALAR: ScalarType = ScalarType::S;
    fn write_key_part(&self, out: &mut String) -> bool {
        use std::fmt::Write;
        let _ = write!(out, "{}", self.format("%Y-%m-%d"));
        true
    }
}

/// The primary key of a model `M`: its key attributes, ready for GetItem, UpdateItem or DeleteItem.
///
/// Built by the derive's `M::key(..)` or [`Model::primary_key`]. Its `Debug` and `Display` show the
/// key values, which identify an item but are not its contents.
pub struct Key<M> {
    attributes: Item,
    model: PhantomData<fn() -> M>,
}

impl<M> Clone for Key<M> {
    fn clone(&self) -> Self {
        Key { attributes: self.attributes.clone(), model: PhantomData }
    }
}

impl<M> PartialEq for Key<M> {
    fn eq(&self, other: &Self) -> bool {
        self.attributes == other.attributes
    }
}

impl<M: Model> Key<M> {
    /// A key from its attributes, as the derive builds it.
    #[doc(hidden)]
    pub fn from_attributes(attributes: Item) -> Self {
        Key { attributes, model: PhantomData }
    }

    /// The key attributes.
    pub fn attributes(&self) -> &Item {
        &self.attributes
    }

    /// The key attributes, owned.
    pub fn into_attributes(self) -> Item {
        self.attributes
    }
}

/// Renders a key template from attribute values (strings and numbers as they are written).
/// `Ok(None)` when a part is absent or NULL: the key attribute is then left out (sparse index).
///
/// # Errors
/// A part that is neither a string nor a number.
pub(crate) fn render_template<'a>(
    key: &crate::meta::KeyMeta,
    value_of: impl Fn(&str) -> Option<&'a AttributeValue>,
) -> crate::Result<Option<AttributeValue>> {
    let mut rendered = String::new();
    for part in key.template {
        match part {
            crate::meta::TemplatePart::Literal(text) => rendered.push_str(text),
            crate::meta::TemplatePart::Field(field) => match value_of(field) {
                Some(AttributeValue::S(s)) => rendered.push_str(s),
                Some(AttributeValue::N(n)) => rendered.push_str(n),
                None | Some(AttributeValue::Null(_)) => return Ok(None),
                Some(_) => {
                    return Err(crate::Error::validation(format!(
                        "a field of key `{}` must be a string or a number",
                        key.attribute
                    ))
                    .at(field));
                }
            },
        }
    }
    Ok(Some(match key.scalar {
        ScalarType::N => AttributeValue::N(rendered),
        _ => AttributeValue::S(rendered),
    }))
}

/// Bytes that identify an item: the physical table and the key attribute values, in the model's
/// key order. Two entries with the same identity are the same item.
pub(crate) fn item_identity(table: &str, meta: &crate::meta::ModelMeta, item: &Item) -> Vec<u8> {
    let mut out = Vec::with_capacity(table.len() + 64);
    out.extend_from_slice(table.as_bytes());
    for key in meta.key_attributes() {
        out.push(0);
        let (tag, bytes): (u8, &[u8]) = match item.get(key.attribute) {
            Some(AttributeValue::S(s)) => (b'S', s.as_bytes()),
            Some(AttributeValue::N(n)) => (b'N', n.as_bytes()),
            Some(AttributeValue::B(b)) => (b'B', b.as_ref()),
            _ => (b'-', &[]),
        };
        out.push(tag);
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

/// Writes `pk=CUSTOMER#1, sk=ORDER#2` for a key, in the model's key order.
pub(crate) fn describe_key(meta: &crate::meta::ModelMeta, attributes: &Item) -> String {
    let mut out = String::new();
    for key in meta.key_attributes() {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(key.attribute);
        out.push('=');
        match attributes.get(key.attribute) {
            Some(AttributeValue::S(s)) => push_shortened(&mut out, s),
            Some(AttributeValue::N(n)) => push_shortened(&mut out, n),
            Some(AttributeValue::B(b)) => {
                out.push_str(&format!("<{} bytes>", b.as_ref().len()));
            }
            Some(_) => out.push_str("<not a key type>"),
            None => out.push_str("<missing>"),
        }
    }
    out
}

/// Long key values are cut so that messages stay readable.
fn push_shortened(out: &mut String, value: &str) {
    const KEEP: usize = 64;
    if value.len() <= KEEP {
        out.push_str(value);
    } else {
        let cut = (0..=KEEP).rev().find(|&i| value.is_char_boundary(i)).unwrap_or(0);
        out.push_str(&value[..cut]);
        out.push_str(&format!("…({} bytes)", value.len()));
    }
}

impl<M: Model> fmt::Display for Key<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&describe_key(M::META, &self.attributes))
    }
}

impl<M: Model> fmt::Debug for Key<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key<{}>({})", M::META.type_name, self)
    }
}

/// The partition a query reads: the table's or an index's partition key attribute and its value.
///
/// Built by the derive's `M::partition(..)` (the table) and `M::<index>_partition(..)` (a global
/// secondary index), and passed to [`Db::query`](crate::Db::query).
pub struct Partition<M> {
    index: Option<&'static str>,
    attribute: &'static str,
    value: Option<AttributeValue>,
    model: PhantomData<fn() -> M>,
}

impl<M> Clone for Partition<M> {
    fn clone(&self) -> Self {
        Partition {
            index: self.index,
            attribute: self.attribute,
            value: self.value.clone(),
            model: PhantomData,
        }
    }
}

impl<M: Model> Partition<M> {
    /// The partition whose key attribute `attribute` was rendered into `item`, as the derive builds
    /// it; a template part that is `None` leaves the value out, which the query then rejects.
    #[doc(hidden)]
    pub fn from_rendered(index: Option<&'static str>, attribute: &'static str, item: Item) -> Self {
        let mut item = item;
        Partition { index, attribute, value: item.remove(attribute), model: PhantomData }
    }

    /// The index queried, `None` for the table.
    pub fn index(&self) -> Option<&'static str> {
        self.index
    }

    /// The partition key attribute (`pk`, `gsi1pk`).
    pub fn attribute(&self) -> &'static str {
        self.attribute
    }

    /// The partition key value, `None` when a template part was absent.
    pub fn value(&self) -> Option<&AttributeValue> {
        self.value.as_ref()
    }
}

impl<M> fmt::Display for Partition<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        out.push_str(self.attribute);
        out.push('=');
        match &self.value {
            Some(AttributeValue::S(s)) => push_shortened(&mut out, s),
            Some(AttributeValue::N(n)) => push_shortened(&mut out, n),
            Some(AttributeValue::B(b)) => out.push_str(&format!("<{} bytes>", b.as_ref().len())),
            Some(_) => out.push_str("<not a key type>"),
            None => out.push_str("<missing>"),
        }
        if let Some(index) = self.index {
            out.push_str(" (index ");
            out.push_str(index);
            out.push(')');
        }
        f.write_str(&out)
    }
}

impl<M: Model> fmt::Debug for Partition<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Partition<{}>({})", M::META.type_name, self)
    }
}
