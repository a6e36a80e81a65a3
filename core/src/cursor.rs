//! Pagination cursors: the `LastEvaluatedKey` of a query or scan page as an opaque, URL-safe
//! string a client can hand back, and the checks that make a cursor usable only where it came from.
//!
//! A cursor is base64url (no padding) of a compact encoding: a version byte, the index name, the
//! key attributes (name, scalar type, value), then an FNV-1a checksum of all that. The checksum
//! catches corruption and casual edits; it is not a secret, so a cursor is no authorisation — the
//! key values in it identify items but are not their contents. Decoding checks the checksum, the
//! index, that the attributes are exactly the key attributes of that table or index with their
//! declared types, and (for a query) that the partition key is the query's.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::model::{KeyMeta, ModelMeta, ScalarType};
use crate::value::Item;

const VERSION: u8 = 1;
const CHECKSUM_BYTES: usize = 8;
/// Longer than any valid cursor (four key attributes of at most 2048 bytes, names of at most 255),
/// so that a pasted megabyte is refused before it is decoded.
const MAX_CURSOR_CHARS: usize = 16 * 1024;

/// Encodes a `LastEvaluatedKey` read from `index` (`None` for the table).
pub(crate) fn encode(index: Option<&str>, key: &Item) -> Result<String> {
    let mut out = vec![VERSION];
    match index {
        Some(name) => {
            out.push(1);
            push_bytes(&mut out, name.as_bytes())?;
        }
        None => out.push(0),
    }
    let mut attributes: Vec<(&String, &AttributeValue)> = key.iter().collect();
    // A fixed order makes equal keys give equal cursors.
    attributes.sort_by(|a, b| a.0.cmp(b.0));
    let count = u8::try_from(attributes.len())
        .map_err(|_| Error::validation("a page's last key has too many attributes"))?;
    out.push(count);
    for (name, value) in attributes {
        push_bytes(&mut out, name.as_bytes())?;
        let (tag, bytes): (u8, &[u8]) = match value {
            AttributeValue::S(s) => (b'S', s.as_bytes()),
            AttributeValue::N(n) => (b'N', n.as_bytes()),
            AttributeValue::B(b) => (b'B', b.as_ref()),
            _ => return Err(Error::validation("a page's last key has a non-scalar attribute")),
        };
        out.push(tag);
        push_bytes(&mut out, bytes)?;
    }
    let checksum = fnv1a(&out);
    out.extend_from_slice(&checksum.to_be_bytes());
    Ok(base64url_encode(&out))
}

/// Decodes a cursor for a read of `meta`'s table (`index` `None`) or of one of its indexes.
pub(crate) fn decode(cursor: &str, meta: &ModelMeta, index: Option<&str>) -> Result<Item> {
    let invalid = |why: &str| Error::validation(format!("invalid cursor: {why}"));
    if cursor.len() > MAX_CURSOR_CHARS {
        return Err(invalid("too long"));
    }
    let bytes = base64url_decode(cursor).ok_or_else(|| invalid("not base64url"))?;
    if bytes.len() < 1 + CHECKSUM_BYTES {
        return Err(invalid("truncated"));
    }
    let (payload, checksum) = bytes.split_at(bytes.len() - CHECKSUM_BYTES);
    if fnv1a(payload).to_be_bytes() != checksum {
        return Err(invalid("checksum mismatch (corrupted, truncated or edited)"));
    }
    let mut reader = Reader { bytes: payload };
    if reader.byte()? != VERSION {
        return Err(invalid("unknown version"));
    }
    let cursor_index = match reader.byte()? {
        0 => None,
        1 => Some(reader.string()?),
        _ => return Err(invalid("malformed")),
    };
    if cursor_index.as_deref() != index {
        return Err(invalid(&format!(
            "it was issued for {}, not {}",
            describe_index(cursor_index.as_deref()),
            describe_index(index)
        )));
    }
    let count = reader.byte()?;
    let mut key = Item::with_capacity(usize::from(count));
    for _ in 0..count {
        let name = reader.string()?;
        let tag = reader.byte()?;
        let bytes = reader.bytes()?;
        let value = match tag {
            b'S' => AttributeValue::S(utf8(bytes)?),
            b'N' => AttributeValue::N(utf8(bytes)?),
            b'B' => AttributeValue::B(Blob::new(bytes)),
            _ => return Err(invalid("malformed")),
        };
        if key.insert(name, value).is_some() {
            return Err(invalid("repeated attribute"));
        }
    }
    if !reader.bytes.is_empty() {
        return Err(invalid("trailing bytes"));
    }
    check_attributes(&key, meta, index)?;
    Ok(key)
}

/// Checks that a query cursor belongs to the query's partition.
pub(crate) fn check_partition(
    key: &Item,
    attribute: &str,
    partition: &AttributeValue,
) -> Result<()> {
    if key.get(attribute) == Some(partition) {
        Ok(())
    } else {
        Err(Error::validation("invalid cursor: it was issued for another partition"))
    }
}

fn describe_index(index: Option<&str>) -> String {
    match index {
        Some(name) => format!("index `{name}`"),
        None => "the table".to_owned(),
    }
}

/// The key attributes a cursor of `index` must hold: the index's keys, and the table's primary key
/// (DynamoDB adds it to a GSI's `LastEvaluatedKey`).
fn expected_keys<'m>(meta: &'m ModelMeta, index: Option<&str>) -> Result<Vec<&'m KeyMeta>> {
    let mut keys: Vec<&KeyMeta> = meta.key_attributes().collect();
    if let Some(name) = index {
        let index = meta
            .index(name)
            .ok_or_else(|| Error::validation(format!("the model has no index `{name}`")))?;
        for key in std::iter::once(&index.partition_key).chain(&index.sort_key) {
            if !keys.iter().any(|k| k.attribute == key.attribute) {
                keys.push(key);
            }
        }
    }
    Ok(keys)
}

fn check_attributes(key: &Item, meta: &ModelMeta, index: Option<&str>) -> Result<()> {
    let expected = expected_keys(meta, index)?;
    let mismatch = || {
        Error::validation(format!(
            "invalid cursor: its attributes are not the key attributes of {}",
            describe_index(index)
        ))
    };
    if key.len() != expected.len() {
        return Err(mismatch());
    }
    for k in expected {
        let ok = matches!(
            (key.get(k.attribute), k.scalar),
            (Some(AttributeValue::S(_)), ScalarType::S)
                | (Some(AttributeValue::N(_)), ScalarType::N)
                | (Some(AttributeValue::B(_)), ScalarType::B)
        );
        if !ok {
            return Err(mismatch());
        }
    }
    Ok(())
}

fn utf8(bytes: &[u8]) -> Result<String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| Error::validation("invalid cursor: malformed"))
}

fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) -> Result<()> {
    let len = u16::try_from(bytes.len())
        .map_err(|_| Error::validation("a page's last key is too long for a cursor"))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.bytes.len() < n {
            return Err(Error::validation("invalid cursor: truncated"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn bytes(&mut self) -> Result<&'a [u8]> {
        let len = self.take(2)?;
        let len = u16::from_be_bytes([len[0], len[1]]);
        self.take(usize::from(len))
    }

    fn string(&mut self) -> Result<String> {
        let bytes = self.bytes()?;
        utf8(bytes)
    }
}

/// FNV-1a, 64 bits: enough to catch a changed character, cheap, and needs no dependency.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let sextet = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[sextet as usize]));
        }
    }
    out
}

/// Strict decoding: no padding, no other characters, and unused trailing bits must be zero, so
/// that every byte string has exactly one cursor and any changed character is noticed.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let sextet = |c: u8| -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'-' => Some(62),
            b'_' => Some(63),
            _ => None,
        }
    };
    let input = text.as_bytes();
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 2);
    for chunk in input.chunks(4) {
        let mut n: u32 = 0;
        for (i, &c) in chunk.iter().enumerate() {
            n |= sextet(c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        let produced = chunk.len() - 1;
        out.extend_from_slice(&bytes[1..=produced]);
        // Bits beyond the produced bytes must be zero.
        let unused = n & (0x00ff_ffff >> (8 * produced));
        if unused != 0 {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{IndexMeta, TemplatePart};

    static META: ModelMeta = ModelMeta {
        type_name: "Order",
        table: "shop",
        entity: None,
        partition_key: KeyMeta {
            attribute: "pk",
            scalar: ScalarType::S,
            template: &[TemplatePart::Literal("C#"), TemplatePart::Field("c")],
        },
        sort_key: Some(KeyMeta {
            attribute: "sk",
            scalar: ScalarType::S,
            template: &[TemplatePart::Literal("O#"), TemplatePart::Field("o")],
        }),
        indexes: &[IndexMeta {
            name: "gsi1",
            kind: crate::model::IndexKind::Global,
            projection: crate::model::ProjectionMeta::All,
            partition_key: KeyMeta {
                attribute: "gsi1pk",
                scalar: ScalarType::S,
                template: &[TemplatePart::Field("status")],
            },
            sort_key: Some(KeyMeta {
                attribute: "gsi1sk",
                scalar: ScalarType::N,
                template: &[TemplatePart::Field("n")],
            }),
        }],
        fields: &[],
        managed: crate::model::ManagedFields::NONE,
    };

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.to_owned())
    }

    fn table_key() -> Item {
        Item::from([("pk".to_owned(), s("C#c1")), ("sk".to_owned(), s("O#o7"))])
    }

    fn index_key() -> Item {
        let mut key = table_key();
        key.insert("gsi1pk".to_owned(), s("paid"));
        key.insert("gsi1sk".to_owned(), AttributeValue::N("42".to_owned()));
        key
    }

    #[test]
    fn round_trips_and_is_url_safe() {
        let cursor = encode(None, &table_key()).unwrap();
        assert!(cursor.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(decode(&cursor, &META, None).unwrap(), table_key());
        let cursor = encode(Some("gsi1"), &index_key()).unwrap();
        assert_eq!(decode(&cursor, &META, Some("gsi1")).unwrap(), index_key());
        // Equal keys give equal cursors.
        assert_eq!(cursor, encode(Some("gsi1"), &index_key()).unwrap());
    }

    #[test]
    fn base64url_round_trips_every_length() {
        for len in 0..40u8 {
            let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37).wrapping_add(200)).collect();
            assert_eq!(base64url_decode(&base64url_encode(&bytes)).unwrap(), bytes);
        }
    }

    #[test]
    fn any_changed_character_is_rejected() {
        let cursor = encode(Some("gsi1"), &index_key()).unwrap();
        for i in 0..cursor.len() {
            let mut chars: Vec<char> = cursor.chars().collect();
            chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
            let tampered: String = chars.into_iter().collect();
            let err = decode(&tampered, &META, Some("gsi1")).unwrap_err();
            assert!(err.is_validation() && err.to_string().contains("invalid cursor"), "{err}");
        }
    }

    #[test]
    fn truncation_and_garbage_are_rejected() {
        let cursor = encode(None, &table_key()).unwrap();
        for cut in 0..cursor.len() {
            assert!(decode(&cursor[..cut], &META, None).unwrap_err().is_local_validation());
        }
        for bad in ["", "!!!!", "a", "====", "x".repeat(MAX_CURSOR_CHARS + 1).as_str()] {
            assert!(decode(bad, &META, None).unwrap_err().is_local_validation(), "{bad}");
        }
    }

    #[test]
    fn wrong_partition_is_rejected() {
        let key = decode(&encode(None, &table_key()).unwrap(), &META, None).unwrap();
        assert!(check_partition(&key, "pk", &s("C#c1")).is_ok());
        let err = check_partition(&key, "pk", &s("C#c2")).unwrap_err();
        assert!(err.is_local_validation() && err.to_string().contains("another partition"));
    }

    #[test]
    fn wrong_index_is_rejected() {
        let table = encode(None, &table_key()).unwrap();
        let err = decode(&table, &META, Some("gsi1")).unwrap_err();
        assert!(err.to_string().contains("issued for the table, not index `gsi1`"), "{err}");
        let index = encode(Some("gsi1"), &index_key()).unwrap();
        assert!(decode(&index, &META, None).unwrap_err().is_local_validation());
    }

    #[test]
    fn only_key_attributes_of_the_right_types() {
        let mut extra = table_key();
        extra.insert("total".to_owned(), AttributeValue::N("1".to_owned()));
        let err = decode(&encode(None, &extra).unwrap(), &META, None).unwrap_err();
        assert!(err.to_string().contains("not the key attributes of the table"), "{err}");
        let mut missing = index_key();
        missing.remove("pk");
        assert!(decode(&encode(Some("gsi1"), &missing).unwrap(), &META, Some("gsi1")).is_err());
        let mut wrong_type = index_key();
        wrong_type.insert("gsi1sk".to_owned(), s("42"));
        assert!(decode(&encode(Some("gsi1"), &wrong_type).unwrap(), &META, Some("gsi1")).is_err());
    }
}
