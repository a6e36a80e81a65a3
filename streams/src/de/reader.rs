//! A JSON reader over an event's text, for the fast path: whitespace, strings (borrowed from the
//! text unless they hold escapes), numbers, literals, and a skip that checks what it passes over
//! without building anything. The text is known to be UTF-8 (checked once for the whole event),
//! and every position the reader stops at is an ASCII delimiter, so slices of it are `str`s.
//!
//! It checks the JSON grammar as strictly as serde_json does, so that text serde_json rejects is
//! rejected here too: a value is never taken from malformed JSON.

use std::fmt;

/// How deep arrays and objects may nest: four times what DynamoDB allows an item, plus the
/// event around it. (serde_json limits what it decodes alike, but not what it skips.)
const MAX_DEPTH: u32 = 128;

/// Malformed JSON: where, and what was expected there. It carries no text of the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Syntax {
    pub(crate) at: usize,
    pub(crate) expected: &'static str,
}

impl fmt::Display for Syntax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed JSON at byte {}: expected {}", self.at, self.expected)
    }
}

/// A string read from the text: borrowed when it has no escapes, else unescaped into the
/// reader's scratch buffer.
pub(crate) enum Str<'de, 's> {
    Borrowed(&'de str),
    Copied(&'s str),
}

impl Str<'_, '_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Str::Borrowed(s) => s,
            Str::Copied(s) => s,
        }
    }
}

/// A place in the text, with the nesting there.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    pos: usize,
    depth: u32,
}

pub(crate) struct Reader<'de> {
    text: &'de str,
    pos: usize,
    /// Arrays and objects open while decoding (the skip keeps its own count).
    depth: u32,
    scratch: String,
}

impl<'de> Reader<'de> {
    pub(crate) fn new(text: &'de str) -> Self {
        Reader { text, pos: 0, depth: 0, scratch: String::new() }
    }

    /// A reader of the same text from `mark`, a place another reader of it reported.
    pub(crate) fn at(text: &'de str, mark: Mark) -> Self {
        Reader { text, pos: mark.pos, depth: mark.depth, scratch: String::new() }
    }

    pub(crate) fn text(&self) -> &'de str {
        self.text
    }

    /// Where the reader is, to come back to with [`Reader::seek`].
    pub(crate) fn mark(&self) -> Mark {
        Mark { pos: self.pos, depth: self.depth }
    }

    pub(crate) fn seek(&mut self, mark: Mark) {
        self.pos = mark.pos;
        self.depth = mark.depth;
    }

    /// Reads `{}` if it comes next.
    pub(crate) fn empty_object(&mut self) -> Result<bool, Syntax> {
        if self.peek()? != b'{' {
            return Ok(false);
        }
        let mark = self.mark();
        self.pos += 1;
        if self.peek()? == b'}' {
            self.pos += 1;
            return Ok(true);
        }
        self.seek(mark);
        Ok(false)
    }

    /// The text from the current position on.
    pub(crate) fn rest(&self) -> &'de str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    pub(crate) fn error(&self, expected: &'static str) -> Syntax {
        Syntax { at: self.pos, expected }
    }

    /// The next byte that is not whitespace, left unread.
    #[inline(always)]
    pub(crate) fn peek(&mut self) -> Result<u8, Syntax> {
        let bytes = self.text.as_bytes();
        // Lambda's events are compact: the next byte is seldom whitespace (every byte above
        // the space is not).
        if let Some(&b) = bytes.get(self.pos) {
            if b > b' ' {
                return Ok(b);
            }
        }
        while let Some(&b) = bytes.get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return Ok(b);
            }
            self.pos += 1;
        }
        Err(self.error("more text"))
    }

    /// Reads `byte`, after any whitespace.
    #[inline(always)]
    pub(crate) fn eat(&mut self, byte: u8, expected: &'static str) -> Result<(), Syntax> {
        if self.peek()? == byte {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(expected))
        }
    }

    /// After any whitespace, the end of the text.
    pub(crate) fn end(&mut self) -> Result<(), Syntax> {
        match self.peek() {
            Err(_) => Ok(()),
            Ok(_) => Err(self.error("the end of the text")),
        }
    }

    /// Reads `null` if it comes next.
    #[inline(always)]
    pub(crate) fn null(&mut self) -> Result<bool, Syntax> {
        if self.peek()? == b'n' {
            self.literal("null")?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Reads `true` or `false`; `None` (nothing read) for anything else.
    pub(crate) fn bool(&mut self) -> Result<Option<bool>, Syntax> {
        match self.peek()? {
            b't' => self.literal("true").map(|()| Some(true)),
            b'f' => self.literal("false").map(|()| Some(false)),
            _ => Ok(None),
        }
    }

    fn literal(&mut self, word: &'static str) -> Result<(), Syntax> {
        if self.rest().as_bytes().starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.error(word))
        }
    }

    /// Opens an array or object being decoded, within the nesting limit.
    pub(crate) fn open(&mut self, byte: u8, expected: &'static str) -> Result<(), Syntax> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error("less nesting"));
        }
        self.eat(byte, expected)?;
        self.depth += 1;
        Ok(())
    }

    /// After `{` (`first`) or an entry's value: the next key, or `None` past the closing `}`.
    #[inline(always)]
    pub(crate) fn next_key(&mut self, first: bool) -> Result<Option<Str<'de, '_>>, Syntax> {
        if !self.next(first, b'}', "`,` or `}`")? {
            return Ok(None);
        }
        // `self.string()` borrows the scratch buffer for the key's lifetime, so the colon is
        // read first, from a reader that is told where the key ends.
        let (start, end, escaped) = self.string_span()?;
        self.eat(b':', "`:`")?;
        self.span_str(start, end, escaped).map(Some)
    }

    /// Right after a `{`, with no whitespace: a one-letter ASCII key and its colon (`"S":`),
    /// read, or `None` with nothing read for anything else, which [`Reader::next_key`] reads.
    #[inline(always)]
    pub(crate) fn one_letter_key(&mut self) -> Option<u8> {
        match self.text.as_bytes().get(self.pos..self.pos + 4) {
            Some(&[b'"', letter, b'"', b':']) if letter.is_ascii_graphic() && letter != b'\\' => {
                self.pos += 4;
                Some(letter)
            }
            _ => None,
        }
    }

    /// After `[` (`first`) or an element: whether another element follows (else the closing `]`
    /// is read).
    #[inline(always)]
    pub(crate) fn next_element(&mut self, first: bool) -> Result<bool, Syntax> {
        self.next(first, b']', "`,` or `]`")
    }

    #[inline(always)]
    fn next(&mut self, first: bool, close: u8, expected: &'static str) -> Result<bool, Syntax> {
        let b = self.peek()?;
        if b == close {
            self.pos += 1;
            self.depth = self.depth.saturating_sub(1);
            return Ok(false);
        }
        if !first {
            if b != b',' {
                return Err(self.error(expected));
            }
            self.pos += 1;
        }
        Ok(true)
    }

    /// Reads a string value.
    #[inline(always)]
    pub(crate) fn string(&mut self) -> Result<Str<'de, '_>, Syntax> {
        let (start, end, escaped) = self.string_span()?;
        self.span_str(start, end, escaped)
    }

    /// Reads a string and gives its contents' span and whether it holds escapes, checking it.
    #[inline(always)]
    fn string_span(&mut self) -> Result<(usize, usize, bool), Syntax> {
        self.eat(b'"', "a string")?;
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut escaped = false;
        loop {
            self.pos = plain_run(bytes, self.pos);
            match bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok((start, self.pos - 1, escaped));
                }
                Some(b'\\') => {
                    escaped = true;
                    self.pos += 1;
                    self.escape(None)?;
                }
                Some(_) => return Err(self.error("no control character in a string")),
                None => return Err(self.error("the end of a string")),
            }
        }
    }

    #[inline(always)]
    fn span_str(
        &mut self,
        start: usize,
        end: usize,
        escaped: bool,
    ) -> Result<Str<'de, '_>, Syntax> {
        let raw = self.text.get(start..end).ok_or(Syntax { at: start, expected: "a string" })?;
        if !escaped {
            return Ok(Str::Borrowed(raw));
        }
        self.scratch.clear();
        let mut inner = Reader { text: raw, pos: 0, depth: 0, scratch: String::new() };
        let bytes = raw.as_bytes();
        let mut from = 0;
        while let Some(offset) =
            bytes.get(inner.pos..).and_then(|b| b.iter().position(|&c| c == b'\\'))
        {
            let at = inner.pos + offset;
            self.scratch.push_str(raw.get(from..at).unwrap_or_default());
            inner.pos = at + 1;
            inner.escape(Some(&mut self.scratch)).map_err(|e| Syntax { at: start + e.at, ..e })?;
            from = inner.pos;
        }
        self.scratch.push_str(raw.get(from..).unwrap_or_default());
        Ok(Str::Copied(&self.scratch))
    }

    /// Reads the escape after a backslash, appending the character it stands for to `out`.
    fn escape(&mut self, out: Option<&mut String>) -> Result<(), Syntax> {
        let b = self.text.as_bytes().get(self.pos).copied();
        self.pos += 1;
        let c = match b {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            // Skipped, a `\u` escape is checked for its digits only (as serde_json does).
            Some(b'u') if out.is_none() => {
                self.hex4()?;
                return Ok(());
            }
            Some(b'u') => {
                let unit = self.hex4()?;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        if !self.rest().starts_with("\\u") {
                            return Err(self.error("a low surrogate"));
                        }
                        self.pos += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(self.error("a low surrogate"));
                        }
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(self.error("no lone surrogate")),
                    _ => unit,
                };
                char::from_u32(code).ok_or(self.error("a character"))?
            }
            _ => {
                self.pos -= 1;
                return Err(self.error("an escape"));
            }
        };
        if let Some(out) = out {
            out.push(c);
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, Syntax> {
        let digits =
            self.text.as_bytes().get(self.pos..self.pos + 4).ok_or(self.error("\\uXXXX"))?;
        let mut value = 0;
        for &d in digits {
            let v = (d as char).to_digit(16).ok_or(self.error("\\uXXXX"))?;
            value = value * 16 + v;
        }
        self.pos += 4;
        Ok(value)
    }

    /// Reads a number and gives its text.
    pub(crate) fn number(&mut self) -> Result<&'de str, Syntax> {
        self.peek()?;
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let digits = |pos: &mut usize| {
            let from = *pos;
            while bytes.get(*pos).is_some_and(u8::is_ascii_digit) {
                *pos += 1;
            }
            *pos > from
        };
        let mut pos = start;
        if bytes.get(pos) == Some(&b'-') {
            pos += 1;
        }
        if bytes.get(pos) == Some(&b'0') {
            pos += 1;
        } else if !digits(&mut pos) {
            self.pos = pos;
            return Err(self.error("a value"));
        }
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            if !digits(&mut pos) {
                self.pos = pos;
                return Err(self.error("a digit"));
            }
        }
        if matches!(bytes.get(pos), Some(b'e' | b'E')) {
            pos += 1;
            if matches!(bytes.get(pos), Some(b'+' | b'-')) {
                pos += 1;
            }
            if !digits(&mut pos) {
                self.pos = pos;
                return Err(self.error("a digit"));
            }
        }
        self.pos = pos;
        self.text.get(start..pos).ok_or(Syntax { at: start, expected: "a number" })
    }

    /// Reads any value, checking it, without building anything.
    pub(crate) fn skip(&mut self) -> Result<(), Syntax> {
        // Bit `i` says whether the container at depth `i` is an object.
        let mut objects: u128 = 0;
        let mut depth: u32 = 0;
        loop {
            // A value starts here.
            match self.peek()? {
                open @ (b'{' | b'[') => {
                    if depth + self.depth >= MAX_DEPTH {
                        return Err(self.error("less nesting"));
                    }
                    self.pos += 1;
                    let close = if open == b'{' { b'}' } else { b']' };
                    if self.peek()? == close {
                        self.pos += 1;
                    } else {
                        if open == b'{' {
                            objects |= 1 << depth;
                            self.string_span()?;
                            self.eat(b':', "`:`")?;
                        } else {
                            objects &= !(1 << depth);
                        }
                        depth += 1;
                        continue;
                    }
                }
                b'"' => {
                    self.string_span()?;
                }
                b't' => self.literal("true")?,
                b'f' => self.literal("false")?,
                b'n' => self.literal("null")?,
                _ => {
                    self.number()?;
                }
            }
            // A value ended: close containers until another value is due.
            loop {
                if depth == 0 {
                    return Ok(());
                }
                let object = objects & (1 << (depth - 1)) != 0;
                match self.peek()? {
                    b',' => {
                        self.pos += 1;
                        if object {
                            self.string_span()?;
                            self.eat(b':', "`:`")?;
                        }
                        break;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return Err(self.error(if object { "`,` or `}`" } else { "`,` or `]`" })),
                }
                self.pos += 1;
                depth -= 1;
            }
        }
    }
}

/// Where the run of plain string bytes from `i` on ends: at a quote, a backslash, a control
/// character or the end of the text. Eight bytes at a time, as one `u64` whose bytes are tested
/// all at once (a byte's test can only misfire above a byte that truly matched, so the lowest
/// match is exact).
#[inline(always)]
pub(crate) fn plain_run(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v;
    while let Some(Ok(chunk)) = bytes.get(i..i + 8).map(<[u8; 8]>::try_from) {
        let v = u64::from_le_bytes(chunk);
        let quote = zero_byte(v ^ (ONES * u64::from(b'"')));
        let backslash = zero_byte(v ^ (ONES * u64::from(b'\\')));
        let control = v.wrapping_sub(ONES * 0x20) & !v;
        let found = (quote | backslash | control) & HIGH;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while bytes.get(i).is_some_and(|&b| b != b'"' && b != b'\\' && b >= 0x20) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::{Reader, Str};

    fn skips(text: &str) -> bool {
        let mut r = Reader::new(text);
        r.skip().is_ok() && r.end().is_ok()
    }

    #[test]
    fn skip_accepts_what_serde_json_accepts_and_rejects_the_rest() {
        let cases = [
            r#"{"a":[1,-2.5e+3,true,false,null,{"b":"c\n\u00e9\ud83d\ude00"}],"d":{}, "e":[]}"#,
            " 0 ",
            "-0.0e0",
            r#""\"\\\/\b\f\n\r\t""#,
            "[[[]]]",
            "{\"a\":1,}",
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{1:2}",
            "01",
            "1.",
            "1e",
            "-",
            "tru",
            "nul",
            "\"a",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\u12\"",
            "\"a\u{1}\"",
            "[1}",
            "{\"a\":1]",
            "",
            "   ",
        ];
        for text in cases {
            let serde = serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
            assert_eq!(skips(text), serde, "{text:?}");
        }
    }

    #[test]
    fn nesting_is_limited() {
        let nested = |depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        for depth in [1, 32, 128] {
            assert!(skips(&nested(depth)), "{depth}");
        }
        assert!(!skips(&nested(129)));
    }

    #[test]
    fn plain_runs_end_at_the_first_special_byte() {
        for text in ["", "a", "abcdefg", "abcdefgh", "abcdefghijklmnopq"] {
            for special in ["\"", "\\", "\n", "\u{1f}"] {
                for at in 0..=text.len() {
                    let probe = format!("{}{special}{}é", &text[..at], &text[at..]);
                    assert_eq!(super::plain_run(probe.as_bytes(), 0), at, "{probe:?}");
                }
            }
            assert_eq!(super::plain_run(format!("{text}é\u{7f}").as_bytes(), 0), text.len() + 3);
        }
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let mut r = Reader::new(r#" "plain" "a\"b\u00e9" "#);
        assert!(matches!(r.string(), Ok(Str::Borrowed("plain"))));
        assert!(matches!(r.string(), Ok(Str::Copied("a\"bé"))));
        assert!(r.end().is_ok());
    }

    #[test]
    fn numbers_keep_their_text() {
        let mut r = Reader::new("[1795256160.123, -4e2]");
        assert!(r.open(b'[', "[").is_ok());
        assert!(matches!(r.next_element(true), Ok(true)));
        assert_eq!(r.number(), Ok("1795256160.123"));
        assert!(matches!(r.next_element(false), Ok(true)));
        assert_eq!(r.number(), Ok("-4e2"));
        assert!(matches!(r.next_element(false), Ok(false)));
    }
}
