//! Finding the entity attribute of an image in its JSON text while reading only as far as that
//! attribute. A byte scan that follows strings and nesting finds the top-level attribute names
//! without parsing the values it passes over. It trusts the text to be JSON: the reader checks
//! the image when it decodes or skips it afterwards, and malformed text fails the event there.
//! Anything the scan is not sure of (an escaped attribute name) is left to a full parse.

use crate::de::reader::plain_run;

/// What the scan of an image found.
pub(crate) enum Found<'a> {
    /// The JSON text of the first value of the attribute.
    Value(&'a str),
    /// The image has no such attribute.
    Absent,
    /// The text is not an object.
    NotItem,
    /// The scan cannot tell; parse the image.
    Unsure,
}

/// Looks for the top-level attribute `name` in the JSON text of an image.
pub(crate) fn find<'a>(text: &'a str, name: &str) -> Found<'a> {
    scan(text, name.as_bytes()).unwrap_or(Found::Unsure)
}

fn scan<'a>(text: &'a str, name: &[u8]) -> Option<Found<'a>> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return Some(Found::NotItem);
    }
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Some(Found::Absent);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let end = string_end(b, i + 1)?;
        let key = b.get(i + 1..end)?;
        if key.contains(&b'\\') {
            return None;
        }
        i = skip_ws(b, end + 1);
        if b.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_ws(b, i + 1);
        let after = value_end(b, start)?;
        if key == name {
            return text.get(start..after).map(Found::Value);
        }
        i = skip_ws(b, after);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => return Some(Found::Absent),
            _ => return None,
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The index of the quote closing the string whose contents start at `i`.
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i = plain_run(b, i);
        match b.get(i)? {
            b'"' => return Some(i),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
}

/// The index just after the value starting at `i`.
fn value_end(b: &[u8], mut i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i + 1).map(|end| end + 1),
        b'{' | b'[' => {
            let mut depth = 0usize;
            loop {
                match b.get(i)? {
                    b'"' => i = string_end(b, i + 1)?,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            while b
                .get(i)
                .is_some_and(|c| !matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
            {
                i += 1;
            }
            Some(i)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{find, Found};

    fn value<'a>(text: &'a str, name: &str) -> Option<&'a str> {
        match find(text, name) {
            Found::Value(v) => Some(v),
            _ => None,
        }
    }

    #[test]
    fn finds_the_first_top_level_attribute_past_nested_values() {
        let text = r#" { "a" : {"M":{"entity":{"S":"no"}}}, "b":[1,{"x":"]}"}], "q":"\"entity\"",
            "n": -1.5e3 , "entity" : {"S":"Order"}, "entity":{"S":"Later"} } "#;
        assert_eq!(value(text, "entity"), Some(r#"{"S":"Order"}"#));
        assert_eq!(value(text, "n"), Some("-1.5e3"));
    }

    #[test]
    fn tells_absent_from_not_an_item_and_unsure() {
        assert!(matches!(find(r#"{"a":{"S":"x"}}"#, "entity"), Found::Absent));
        assert!(matches!(find("{ }", "entity"), Found::Absent));
        assert!(matches!(find("[1]", "entity"), Found::NotItem));
        assert!(matches!(find(r#"{"ent\u0069ty":{"S":"x"}}"#, "entity"), Found::Unsure));
    }
}
