//! The `aws_lambda_events` path's source: the attribute-value trees (`serde_dynamo::AttributeValue`)
//! that `aws_lambda_events` builds, borrowed, so strings and bytes are not copied until a field
//! owns them.

use std::borrow::Cow;
use std::collections::hash_map;
use std::collections::HashMap;

use ferrodyn::value::{ListSource, MapSource, SetElements, Source, Tag, Value};
use ferrodyn::Error;
use serde_dynamo::AttributeValue;

type Result<T> = std::result::Result<T, Error>;

/// One attribute value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tree<'de>(pub(crate) &'de AttributeValue);

impl<'de> Source<'de> for Tree<'de> {
    type List = TreeList<'de>;
    type Map = TreeMap<'de>;
    type Set = TreeSet<'de>;

    #[inline]
    fn take(self) -> Result<Value<'de, Self>> {
        Ok(match self.0 {
            AttributeValue::S(s) => Value::S(Cow::Borrowed(s)),
            AttributeValue::N(n) => Value::N(Cow::Borrowed(n)),
            AttributeValue::B(b) => Value::B(Cow::Borrowed(b)),
            AttributeValue::Bool(b) => Value::Bool(*b),
            AttributeValue::Null(_) => Value::Null,
            AttributeValue::L(l) => Value::L(TreeList(l.iter())),
            AttributeValue::M(m) => Value::M(TreeMap::new(m)),
            AttributeValue::Ss(s) => Value::Ss(SetElements::Strings(s.iter())),
            AttributeValue::Ns(n) => Value::Ns(SetElements::Strings(n.iter())),
            AttributeValue::Bs(b) => Value::Bs(SetElements::Bytes(b.iter())),
        })
    }

    #[inline]
    fn skip(self) -> Result<()> {
        Ok(())
    }
}

#[derive(Debug)]
pub(crate) struct TreeList<'de>(std::slice::Iter<'de, AttributeValue>);

impl<'de> ListSource<'de> for TreeList<'de> {
    type Element<'b>
        = Tree<'de>
    where
        Self: 'b;

    #[inline]
    fn next_element(&mut self) -> Result<Option<Tree<'de>>> {
        Ok(self.0.next().map(Tree))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// The entries of a map or a whole image.
#[derive(Debug)]
pub(crate) struct TreeMap<'de> {
    /// For [`MapSource::lookup_str`]; `None` for an image, whose entity attribute the stream
    /// decoder has read to pick the model.
    map: Option<&'de HashMap<String, AttributeValue>>,
    entries: hash_map::Iter<'de, String, AttributeValue>,
    value: Option<&'de AttributeValue>,
}

impl<'de> TreeMap<'de> {
    fn new(map: &'de HashMap<String, AttributeValue>) -> Self {
        TreeMap { map: Some(map), entries: map.iter(), value: None }
    }

    /// A whole image.
    pub(crate) fn image(map: &'de HashMap<String, AttributeValue>) -> Self {
        TreeMap { map: None, entries: map.iter(), value: None }
    }
}

impl<'de> MapSource<'de> for TreeMap<'de> {
    type Value<'b>
        = Tree<'de>
    where
        Self: 'b;

    #[inline]
    fn next_key(&mut self) -> Result<Option<Cow<'de, str>>> {
        Ok(self.entries.next().map(|(k, v)| {
            self.value = Some(v);
            Cow::Borrowed(k.as_str())
        }))
    }

    #[inline]
    fn next_value(&mut self) -> Result<Tree<'de>> {
        self.value
            .take()
            .map(Tree)
            .ok_or_else(|| Error::invalid_value("a map value was asked for before its name"))
    }

    #[inline]
    fn next_entry(&mut self) -> Result<Option<(Cow<'de, str>, Tree<'de>)>> {
        Ok(self.entries.next().map(|(k, v)| (Cow::Borrowed(k.as_str()), Tree(v))))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }

    fn lookup_str(&mut self, attribute: &str) -> Result<Option<Cow<'_, str>>> {
        match self.map.and_then(|m| m.get(attribute)) {
            None => Ok(None),
            Some(AttributeValue::S(s)) => Ok(Some(Cow::Borrowed(s))),
            Some(other) => Err(Error::wrong_tag("S (entity type)", tag(other))),
        }
    }
}

fn tag(value: &AttributeValue) -> Tag {
    match value {
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
    }
}

pub(crate) type TreeSet<'de> =
    SetElements<std::slice::Iter<'de, String>, std::slice::Iter<'de, Vec<u8>>>;
