//! The fast path's source: DynamoDB JSON (`{"S":"…"}`, `{"N":"…"}`, `{"M":{…}}`, …) read straight
//! from the event's text by [`Reader`], so that a model decodes in one pass, with strings borrowed
//! when they have no escapes and no attribute-value tree built.
//!
//! A decode error leaves the reader anywhere inside the image; the caller reads the image again
//! with [`Reader::skip`] to tell a model that does not fit (a record's failure) from malformed
//! JSON (the event's).

use std::borrow::Cow;

use ferrodyn::value::{ListSource, MapSource, SetSource, Source, Tag, Value};
use ferrodyn::{Error, ErrorKind};

use super::reader::{Reader, Str, Syntax};
use super::{decode_base64, malformed};

impl From<Syntax> for Error {
    fn from(e: Syntax) -> Self {
        Error::decode(ErrorKind::InvalidValue, e.to_string())
    }
}

type Result<T> = std::result::Result<T, Error>;

#[inline(always)]
fn cow<'de>(s: Str<'de, '_>) -> Cow<'de, str> {
    match s {
        Str::Borrowed(s) => Cow::Borrowed(s),
        Str::Copied(s) => Cow::Owned(s.to_owned()),
    }
}

/// The string value of a type that holds one (`what` names it for the error).
#[inline(always)]
fn string<'de, 's>(r: &'s mut Reader<'de>, what: &'static str) -> Result<Str<'de, 's>> {
    if r.peek()? != b'"' {
        return Err(malformed(what));
    }
    Ok(r.string()?)
}

/// Past a typed value: the `}` closing `{"<type>": …}`, with no second type.
#[inline(always)]
fn close(r: &mut Reader<'_>) -> Result<()> {
    if r.next_key(false)?.is_some() {
        return Err(malformed("more than one type"));
    }
    Ok(())
}

/// The type of `{"<type>": …}`, read just after its `{`: `None` for `{}`, an error for a type
/// DynamoDB does not have.
#[inline(always)]
pub(crate) fn type_key(r: &mut Reader<'_>) -> Result<Option<Tag>> {
    // Most types are one letter and Lambda writes no whitespace: those skip the string reader.
    if let Some(letter) = r.one_letter_key() {
        return match letter {
            b'S' => Ok(Some(Tag::S)),
            b'N' => Ok(Some(Tag::N)),
            b'M' => Ok(Some(Tag::M)),
            b'L' => Ok(Some(Tag::L)),
            b'B' => Ok(Some(Tag::B)),
            _ => Err(malformed("unknown type")),
        };
    }
    match r.next_key(true)? {
        Some(tag) => Tag::parse(tag.as_str()).map(Some).ok_or_else(|| malformed("unknown type")),
        None => Ok(None),
    }
}

/// One DynamoDB-typed value (`{"<type>": <value>}`) at the reader.
pub(crate) struct Attr<'a, 'de>(pub(crate) &'a mut Reader<'de>);

impl<'a, 'de> Source<'de> for Attr<'a, 'de> {
    type List = Elements<'a, 'de>;
    type Map = Entries<'a, 'de>;
    type Set = Elements<'a, 'de>;

    #[inline]
    fn take(self) -> Result<Value<'de, Self>> {
        let r = self.0;
        r.open(b'{', "a DynamoDB attribute value")?;
        let tag = type_key(r)?.ok_or_else(|| malformed("no type"))?;
        let value = match tag {
            Tag::S => Value::S(cow(string(r, "S is not a string")?)),
            Tag::N => Value::N(cow(string(r, "N is not a string")?)),
            Tag::B => {
                Value::B(Cow::Owned(decode_base64(string(r, "B is not a string")?.as_str())?))
            }
            Tag::Bool => match r.bool()? {
                Some(b) => Value::Bool(b),
                None => return Err(malformed("BOOL is not true or false")),
            },
            Tag::Null => {
                r.skip()?;
                Value::Null
            }
            Tag::M => {
                if r.peek()? != b'{' {
                    return Err(malformed("M is not an object"));
                }
                r.open(b'{', "a map")?;
                return Ok(Value::M(Entries { r, first: true, done: false, wrapped: true }));
            }
            list => {
                if r.peek()? != b'[' {
                    return Err(malformed("a list or set is not an array"));
                }
                r.open(b'[', "a list")?;
                let elements = Elements { r, first: true, done: false };
                return Ok(match list {
                    Tag::Ss => Value::Ss(elements),
                    Tag::Ns => Value::Ns(elements),
                    Tag::Bs => Value::Bs(elements),
                    _ => Value::L(elements),
                });
            }
        };
        close(r)?;
        Ok(value)
    }

    #[inline]
    fn skip(self) -> Result<()> {
        Ok(self.0.skip()?)
    }
}

/// The elements of a list or set; past the `]`, the `}` of its typed value is read too.
pub(crate) struct Elements<'a, 'de> {
    r: &'a mut Reader<'de>,
    first: bool,
    done: bool,
}

impl<'de> Elements<'_, 'de> {
    /// Whether another element follows.
    #[inline(always)]
    fn more(&mut self) -> Result<bool> {
        if self.done {
            return Ok(false);
        }
        if self.r.next_element(std::mem::take(&mut self.first))? {
            return Ok(true);
        }
        self.done = true;
        close(self.r)?;
        Ok(false)
    }
}

impl<'de> ListSource<'de> for Elements<'_, 'de> {
    type Element<'b>
        = Attr<'b, 'de>
    where
        Self: 'b;

    #[inline]
    fn next_element(&mut self) -> Result<Option<Attr<'_, 'de>>> {
        Ok(if self.more()? { Some(Attr(&mut *self.r)) } else { None })
    }
}

impl<'de> SetSource<'de> for Elements<'_, 'de> {
    #[inline]
    fn next_str(&mut self) -> Result<Option<Cow<'de, str>>> {
        if !self.more()? {
            return Ok(None);
        }
        Ok(Some(cow(string(self.r, "a set element is not a string")?)))
    }

    fn next_bytes(&mut self) -> Result<Option<Cow<'de, [u8]>>> {
        if !self.more()? {
            return Ok(None);
        }
        let text = string(self.r, "a set element is not a string")?;
        Ok(Some(Cow::Owned(decode_base64(text.as_str())?)))
    }
}

/// The entries of a map, or of a whole image (`Entries::image`).
pub(crate) struct Entries<'a, 'de> {
    r: &'a mut Reader<'de>,
    first: bool,
    done: bool,
    /// Inside `{"M": …}`, whose `}` is read past the last entry.
    wrapped: bool,
}

impl<'a, 'de> Entries<'a, 'de> {
    /// The image (an item, `{"name": {"<type>": …}, …}`) at the reader. Its entity attribute is
    /// not looked up again ([`MapSource::lookup_str`] gives `None`): the stream decoder has read
    /// it to pick the model.
    pub(crate) fn image(r: &'a mut Reader<'de>) -> Result<Self> {
        if r.peek()? != b'{' {
            return Err(malformed("an item is not an object"));
        }
        r.open(b'{', "an item")?;
        Ok(Entries { r, first: true, done: false, wrapped: false })
    }
}

impl<'de> MapSource<'de> for Entries<'_, 'de> {
    type Value<'b>
        = Attr<'b, 'de>
    where
        Self: 'b;

    #[inline]
    fn next_key(&mut self) -> Result<Option<Cow<'de, str>>> {
        if self.done {
            return Ok(None);
        }
        match self.r.next_key(std::mem::take(&mut self.first))? {
            Some(key) => Ok(Some(cow(key))),
            None => {
                self.done = true;
                if self.wrapped {
                    close(self.r)?;
                }
                Ok(None)
            }
        }
    }

    #[inline]
    fn next_value(&mut self) -> Result<Attr<'_, 'de>> {
        Ok(Attr(&mut *self.r))
    }
}

#[cfg(test)]
mod tests {
    use super::{type_key, Reader, Tag};

    /// The type key after the `{` of `text`, and the text left after it.
    fn after_brace(text: &str) -> (Option<Option<Tag>>, String) {
        let mut r = Reader::new(text);
        r.open(b'{', "an object").expect("an object");
        let tag = type_key(&mut r).ok();
        (tag, r.rest().to_owned())
    }

    #[test]
    fn type_keys_read_alike_with_and_without_the_one_letter_shortcut() {
        for (text, tag, rest) in [
            (r#"{"S":"x"}"#, Tag::S, r#""x"}"#),
            (r#"{ "S" : "x"}"#, Tag::S, r#" "x"}"#),
            (r#"{"\u0053":"x"}"#, Tag::S, r#""x"}"#),
            (r#"{"N":"1"}"#, Tag::N, r#""1"}"#),
            (r#"{"M":{}}"#, Tag::M, "{}}"),
            (r#"{"L":[]}"#, Tag::L, "[]}"),
            (r#"{"B":"AA=="}"#, Tag::B, r#""AA=="}"#),
            (r#"{"SS":[]}"#, Tag::Ss, "[]}"),
            (r#"{"BOOL":true}"#, Tag::Bool, "true}"),
        ] {
            assert_eq!(after_brace(text), (Some(Some(tag)), rest.to_owned()), "{text}");
        }
        assert_eq!(after_brace("{}").0, Some(None));
        // A type DynamoDB does not have is an error, one letter or more.
        assert_eq!(after_brace(r#"{"X":"x"}"#).0, None);
        assert_eq!(after_brace(r#"{"s":"x"}"#).0, None);
        assert_eq!(after_brace(r#"{"STR":"x"}"#).0, None);
        // Not a one-letter key: left to the string reader, which rejects what is not JSON.
        assert_eq!(after_brace(r#"{"\":"x"}"#).0, None);
        assert_eq!(after_brace(r#"{"":"x"}"#).0, None);
    }
}
