//! The keys of a stream record: [`Keys`], the key attributes borrowed from the record's text,
//! and one attribute's value, [`KeyValue`].

use std::fmt;

/// One key attribute's value, borrowed from its record. Key attributes are strings, numbers or
/// binaries.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyValue<'a> {
    /// A string (S).
    S(&'a str),
    /// A number (N), as DynamoDB's decimal string.
    N(&'a str),
    /// Binary (B).
    B(&'a [u8]),
}

impl fmt::Debug for KeyValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Keys are what errors and logs name an item by; binary keys print as their length.
impl fmt::Display for KeyValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyValue::S(s) | KeyValue::N(s) => f.write_str(s),
            KeyValue::B(b) => write!(f, "<{} bytes>", b.len()),
        }
    }
}

/// Where a piece of a record's text sits in its buffer.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Span {
    start: usize,
    end: usize,
}

#[derive(Debug, Clone, Copy)]
enum KeyType {
    S,
    N,
    B,
}

/// One key attribute: its name and value, in the buffers of [`Keys`].
#[derive(Debug, Clone, Copy)]
struct KeySpan {
    name: Span,
    kind: KeyType,
    value: Span,
}

const NO_KEY: KeySpan =
    KeySpan { name: Span { start: 0, end: 0 }, kind: KeyType::S, value: Span { start: 0, end: 0 } };

/// The key attributes of the changed item (`dynamodb.Keys`), in attribute-name order.
///
/// A record's text (key names and values, event id, sequence number) lives in one buffer, so
/// that a record costs one allocation besides its images; a table's key has at most two
/// attributes, which are kept inline.
#[derive(Clone)]
pub struct Keys {
    text: String,
    /// Binary (B) values.
    bytes: Vec<u8>,
    inline: [KeySpan; 2],
    inline_len: usize,
    /// Every key, once there are more than two.
    spilled: Vec<KeySpan>,
}

impl Default for Keys {
    fn default() -> Self {
        Keys {
            text: String::new(),
            bytes: Vec::new(),
            inline: [NO_KEY; 2],
            inline_len: 0,
            spilled: Vec::new(),
        }
    }
}

impl Keys {
    /// Empties the keys, keeping the buffers.
    /// A copy whose text has room for `extra` more bytes: one allocation of just the size the
    /// record's info needs.
    #[inline]
    pub(super) fn copy_with_room(&self, extra: usize) -> Keys {
        let mut text = String::with_capacity(self.text.len() + extra);
        text.push_str(&self.text);
        Keys {
            text,
            bytes: self.bytes.clone(),
            inline: self.inline,
            inline_len: self.inline_len,
            spilled: self.spilled.clone(),
        }
    }

    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.bytes.clear();
        self.inline_len = 0;
        self.spilled.clear();
    }

    fn spans(&self) -> &[KeySpan] {
        if self.spilled.is_empty() {
            &self.inline[..self.inline_len]
        } else {
            &self.spilled
        }
    }

    /// Keeps `text` in the record's buffer.
    pub(crate) fn push_text(&mut self, text: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(text);
        Span { start, end: self.text.len() }
    }

    pub(super) fn text(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or_default()
    }

    /// Adds key attribute `name` (kept with [`Keys::push_text`]) with `value`.
    pub(crate) fn push(&mut self, name: Span, value: KeyValue<'_>) {
        let (kind, value) = match value {
            KeyValue::S(s) => (KeyType::S, self.push_text(s)),
            KeyValue::N(n) => (KeyType::N, self.push_text(n)),
            KeyValue::B(b) => {
                let start = self.bytes.len();
                self.bytes.extend_from_slice(b);
                (KeyType::B, Span { start, end: self.bytes.len() })
            }
        };
        let key = KeySpan { name, kind, value };
        if self.spilled.is_empty() && self.inline_len < self.inline.len() {
            self.inline[self.inline_len] = key;
            self.inline_len += 1;
        } else {
            if self.spilled.is_empty() {
                self.spilled.extend_from_slice(&self.inline[..self.inline_len]);
            }
            self.spilled.push(key);
        }
    }

    /// Puts the attributes in name order, so that both paths (one reads a hash map) list them
    /// alike.
    pub(crate) fn sort(&mut self) {
        let text = &self.text;
        let name = |k: &KeySpan| text.get(k.name.start..k.name.end).unwrap_or_default();
        let spans = if self.spilled.is_empty() {
            &mut self.inline[..self.inline_len]
        } else {
            &mut self.spilled
        };
        spans.sort_by(|a, b| name(a).cmp(name(b)));
    }

    fn value(&self, key: &KeySpan) -> KeyValue<'_> {
        match key.kind {
            KeyType::S => KeyValue::S(self.text(key.value)),
            KeyType::N => KeyValue::N(self.text(key.value)),
            KeyType::B => {
                KeyValue::B(self.bytes.get(key.value.start..key.value.end).unwrap_or_default())
            }
        }
    }

    /// The value of key attribute `name`.
    pub fn get(&self, name: &str) -> Option<KeyValue<'_>> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The string value of key attribute `name`, when it is a string.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(KeyValue::S(s)) => Some(s),
            _ => None,
        }
    }

    /// The attributes and their values.
    pub fn iter(&self) -> impl Iterator<Item = (&str, KeyValue<'_>)> {
        self.spans().iter().map(|k| (self.text(k.name), self.value(k)))
    }

    /// Whether the record listed no key attribute.
    pub fn is_empty(&self) -> bool {
        self.spans().is_empty()
    }
}

impl PartialEq for Keys {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Keys {}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// `pk=CUSTOMER#c1 sk=ORDER#o1`, for log lines.
impl fmt::Display for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, value)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{name}={value}")?;
        }
        Ok(())
    }
}
