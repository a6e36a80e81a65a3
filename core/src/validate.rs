//! Checks of DynamoDB's limits ([`crate::limits`]) on items, keys and expressions, made before a
//! request is sent.
//!
//! Errors name the limit and the attribute path, never the value.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::model::{KeyMeta, ModelMeta};
use crate::value::Item;

// The limits checked here, under the names this module has always exported them by.
#[doc(no_inline)]
pub use crate::limits::{
    MAX_DEPTH, MAX_EXPRESSION_BYTES, MAX_IN_VALUES, MAX_ITEM_BYTES, MAX_NAME_BYTES,
    MAX_NUMBER_DIGITS, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES,
};
use crate::limits::{MAX_NUMBER_EXPONENT, MIN_NUMBER_EXPONENT};

/// Checks a number string against DynamoDB's rules: a decimal with an optional exponent, at most
/// 38 significant digits, magnitude between 1E-130 and 9.99…E+125 (or zero).
pub(crate) fn check_number(n: &str) -> Result<()> {
    if matches!(n, "NaN" | "inf" | "-inf" | "+inf" | "Infinity" | "-Infinity") {
        return Err(Error::validation("NaN and infinity are not DynamoDB numbers"));
    }
    let invalid = || Error::validation("not a decimal number");
    let body = n.strip_prefix(['-', '+']).unwrap_or(n);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => {
            let exp = &body[i + 1..];
            let digits = exp.strip_prefix(['-', '+']).unwrap_or(exp);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            // A huge exponent is out of range whatever the mantissa; saturate instead of failing.
            let exp: i64 =
                exp.parse().unwrap_or(if exp.starts_with('-') { -100_000 } else { 100_000 });
            (&body[..i], exp)
        }
        None => (body, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return Err(invalid());
    }
    let digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let Some(first) = digits.iter().position(|&d| d != b'0') else {
        return Ok(()); // zero
    };
    let last = digits.iter().rposition(|&d| d != b'0').unwrap_or(first);
    if last - first + 1 > MAX_NUMBER_DIGITS {
        return Err(Error::validation(format!(
            "number has more than {MAX_NUMBER_DIGITS} significant digits"
        )));
    }
    // Scientific exponent of the first significant digit: d.ddd × 10^e.
    let e = int.len() as i64 - 1 - first as i64 + exponent;
    if e > MAX_NUMBER_EXPONENT {
        return Err(Error::validation(format!(
            "number is larger than DynamoDB's 9.99E+{MAX_NUMBER_EXPONENT}"
        )));
    }
    if e < MIN_NUMBER_EXPONENT {
        return Err(Error::validation(format!(
            "number is smaller than DynamoDB's 1E{MIN_NUMBER_EXPONENT}"
        )));
    }
    Ok(())
}

/// Checks one attribute value (recursively) and returns its size in bytes as DynamoDB counts it.
/// `depth` is the nesting level of `value` (1 for a top-level attribute).
pub(crate) fn check_value(value: &AttributeValue, depth: usize) -> Result<usize> {
    // DynamoDB counts the innermost scalar as a level too: 31 nested lists around a string is the
    // deepest item DynamoDB (Local) accepts.
    check_depth(depth)?;
    Ok(match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => {
            check_number(n)?;
            number_size(n)
        }
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::L(list) => {
            let mut size = 3;
            for (i, v) in list.iter().enumerate() {
                size += 1 + check_value(v, depth + 1).map_err(|e| e.at_index(i))?;
            }
            size
        }
        AttributeValue::M(map) => {
            let mut size = 3;
            for (k, v) in map {
                size += 1 + k.len() + check_value(v, depth + 1).map_err(|e| e.at(k))?;
            }
            size
        }
        AttributeValue::Ss(set) => {
            check_set(set.iter().map(String::as_bytes), set.len())?;
            set.iter().map(String::len).sum()
        }
        AttributeValue::Ns(set) => {
            check_set(set.iter().map(String::as_bytes), set.len())?;
            let mut size = 0;
            for n in set {
                check_number(n)?;
                size += number_size(n);
            }
            size
        }
        AttributeValue::Bs(set) => {
            check_set(set.iter().map(|b| b.as_ref()), set.len())?;
            set.iter().map(|b| b.as_ref().len()).sum()
        }
        _ => return Err(Error::validation("unknown attribute value type")),
    })
}

fn number_size(n: &str) -> usize {
    let digits = n.bytes().filter(u8::is_ascii_digit).count();
    digits.div_ceil(2) + 1
}

fn check_depth(depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        Err(Error::validation(format!("nesting is deeper than DynamoDB's {MAX_DEPTH} levels")))
    } else {
        Ok(())
    }
}

fn check_set<'a>(elements: impl Iterator<Item = &'a [u8]>, len: usize) -> Result<()> {
    if len == 0 {
        return Err(Error::validation("sets cannot be empty"));
    }
    let mut seen = std::collections::HashSet::with_capacity(len);
    for e in elements {
        if !seen.insert(e) {
            return Err(Error::validation("set elements must be unique"));
        }
    }
    Ok(())
}

/// Checks a whole item: every value, and the 400 KB size limit.
pub(crate) fn check_item(item: &Item) -> Result<usize> {
    let mut size = 0;
    for (name, value) in item {
        size += name.len() + check_value(value, 1).map_err(|e| e.at(name))?;
    }
    if size > MAX_ITEM_BYTES {
        return Err(Error::validation(format!(
            "item is {size} bytes, over DynamoDB's {} KB limit",
            MAX_ITEM_BYTES / 1024
        )));
    }
    Ok(size)
}

/// Checks one key attribute: present, a scalar of the declared type, not empty, not too long.
pub(crate) fn check_key_attribute(
    item: &Item,
    key: &KeyMeta,
    max: usize,
    required: bool,
) -> Result<()> {
    let name = key.attribute;
    let len = match item.get(name) {
        None if required => {
            return Err(Error::validation("key attribute is missing").at(name));
        }
        None => return Ok(()),
        Some(AttributeValue::S(s)) => s.len(),
        Some(AttributeValue::N(n)) => {
            check_number(n).map_err(|e| e.at(name))?;
            n.len()
        }
        Some(AttributeValue::B(b)) => b.as_ref().len(),
        Some(_) => return Err(Error::validation("key attribute must be S, N or B").at(name)),
    };
    if len == 0 {
        return Err(Error::validation("key attribute value is empty").at(name));
    }
    if len > max {
        return Err(Error::validation(format!(
            "key attribute value is {len} bytes, over DynamoDB's {max}-byte limit"
        ))
        .at(name));
    }
    Ok(())
}

/// Checks the primary key attributes in `item` (a key or a whole item).
pub(crate) fn check_key(meta: &ModelMeta, item: &Item) -> Result<()> {
    check_key_attribute(item, &meta.partition_key, MAX_PARTITION_KEY_BYTES, true)?;
    if let Some(sk) = &meta.sort_key {
        check_key_attribute(item, sk, MAX_SORT_KEY_BYTES, true)?;
    }
    Ok(())
}

/// Checks the index key attributes present in `item` (absent ones leave a sparse index).
pub(crate) fn check_index_keys(meta: &ModelMeta, item: &Item) -> Result<()> {
    for index in meta.indexes {
        check_key_attribute(item, &index.partition_key, MAX_PARTITION_KEY_BYTES, false)?;
        if let Some(sk) = &index.sort_key {
            check_key_attribute(item, sk, MAX_SORT_KEY_BYTES, false)?;
        }
    }
    Ok(())
}

/// Checks a rendered expression and its names against the expression limits.
pub(crate) fn check_expression(
    kind: &str,
    expression: &str,
    names: &std::collections::HashMap<String, String>,
) -> Result<()> {
    if expression.len() > MAX_EXPRESSION_BYTES {
        return Err(Error::validation(format!(
            "{kind} expression is {} bytes, over DynamoDB's {} KB limit",
            expression.len(),
            MAX_EXPRESSION_BYTES / 1024
        )));
    }
    if let Some(name) = names.values().find(|n| n.len() > MAX_NAME_BYTES || n.is_empty()) {
        let message = if name.is_empty() {
            "attribute names cannot be empty".to_owned()
        } else {
            format!("attribute name is over DynamoDB's {MAX_NAME_BYTES}-byte limit")
        };
        return Err(Error::validation(message));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        for ok in [
            "0",
            "-0",
            "1",
            "1.5",
            "-12.25e3",
            "1E-130",
            "9.9999999999999999999999999999999999999E+125",
            "12345678901234567890123456789012345678",
            "0.000",
            "100000000000000000000000000000000000000000",
        ] {
            assert!(check_number(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-",
            ".",
            "abc",
            "1e",
            "1.2.3",
            "NaN",
            "inf",
            "-inf",
            "1E+126",
            "1E-131",
            "123456789012345678901234567890123456789",
            "1 ",
            "0x10",
        ] {
            assert!(check_number(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn depth_limit() {
        let mut v = AttributeValue::S("x".into());
        for _ in 0..MAX_DEPTH - 1 {
            v = AttributeValue::L(vec![v]);
        }
        assert!(check_value(&v, 1).is_ok());
        let v = AttributeValue::L(vec![v]);
        let err = check_value(&v, 1).unwrap_err();
        assert!(err.to_string().contains("32 levels"), "{err}");
    }
}
