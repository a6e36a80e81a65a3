//! The idempotency key's and the validation's hash: md5 of the selected JSON written exactly as
//! Python's `json.dumps(data, sort_keys=True)` writes it (Powertools' `_generate_hash`), so that a
//! Rust and a Python function that select the same value compute the same record id.
//!
//! Python's defaults are `ensure_ascii=True` (every character outside `' '..='~'` as `\uXXXX`,
//! lowercase hex, astral characters as surrogate pairs), separators `", "` and `": "`, keys sorted
//! by code point, and `repr` for floats (`1.0`, `1e-05`, `1e+16`).

use std::fmt::Write as _;

use md5::{Digest, Md5};
use serde_json::Value;

/// md5, in lowercase hex, of [`canonical_json`] of `value`.
///
/// ```
/// use serde_json::json;
/// // python3 -c 'import hashlib,json; print(hashlib.md5(json.dumps({"order_id": 7}, sort_keys=True).encode()).hexdigest())'
/// assert_eq!(
///     ferrodyn_idempotency::hash(&json!({"order_id": 7})),
///     "e565575e98f32f5b7feb99ba9aa7d843"
/// );
/// ```
pub fn hash(value: &Value) -> String {
    let digest = Md5::digest(canonical_json(value).as_bytes());
    let mut hex = String::with_capacity(32);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// `value` as Python's `json.dumps(value, sort_keys=True)` writes it.
///
/// ```
/// use serde_json::json;
/// let value = json!({"b": [1, 2.5, 1e16, true, null], "a": "é"});
/// assert_eq!(
///     ferrodyn_idempotency::canonical_json(&value),
///     r#"{"a": "\u00e9", "b": [1, 2.5, 1e+16, true, null]}"#
/// );
/// ```
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                let _ = write!(out, "{i}");
            } else if let Some(u) = n.as_u64() {
                let _ = write!(out, "{u}");
            } else if let Some(f) = n.as_f64() {
                write_float(f, out);
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Python sorts by code point; UTF-8 byte order is the same order.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(key, out);
                out.push_str(": ");
                write_value(item, out);
            }
            out.push('}');
        }
    }
}

/// Python's `json.encoder.py_encode_basestring_ascii`.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Python's `float.__repr__`: the shortest digits that read back as the same float, in fixed
/// notation when the decimal point falls within 16 digits of them, else in exponent notation with
/// a signed, at least two-digit exponent. JSON values are finite, so neither NaN nor infinity
/// (Python's `NaN`, `Infinity`) reaches here.
fn write_float(f: f64, out: &mut String) {
    // Rust's `{:e}` also prints the shortest round-trip digits, `d[.ddd]e<exp>`, but where two
    // strings of that length are equally near the double it takes the upper one, and Python
    // (David Gay's dtoa) the even one. Rust's fixed-precision formatting is exact with ties to
    // even, so that many digits of it are Python's.
    let shortest = format!("{:e}", f.abs());
    let len =
        shortest.split_once('e').map_or(0, |(m, _)| m.chars().filter(char::is_ascii_digit).count());
    let nearest = format!("{:.*e}", len.saturating_sub(1), f.abs());
    let text = if nearest.parse::<f64>().ok() == Some(f.abs()) { nearest } else { shortest };
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    // Position of the decimal point relative to the digits (Python's `decpt`).
    let point = exponent + 1;
    if f.is_sign_negative() {
        out.push('-');
    }
    let len = digits.len() as i32;
    if point <= -4 || point > 16 {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exponent.abs());
    } else if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
        out.push_str(&digits);
    } else if point >= len {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (point - len) as usize));
        out.push_str(".0");
    } else {
        let (whole, fraction) = digits.split_at(point as usize);
        out.push_str(whole);
        out.push('.');
        out.push_str(fraction);
    }
}

/// Powertools' `is_missing_idempotency_key`: null, an empty string, an empty object, and an array
/// whose elements are all null (an empty one too) select nothing. Numbers and booleans, zero and
/// false included, are keys.
pub(crate) fn is_missing(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        // Python iterates a dict's keys, which are never None.
        Value::Object(map) => map.is_empty(),
        Value::Array(items) => items.iter().all(Value::is_null),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_keys_follow_powertools() {
        for missing in [json!(null), json!(""), json!({}), json!([]), json!([null, null])] {
            assert!(is_missing(&missing), "{missing}");
        }
        for present in
            [json!(0), json!(false), json!(0.0), json!("x"), json!([null, 1]), json!({"a": null})]
        {
            assert!(!is_missing(&present), "{present}");
        }
    }
}
