//! Timestamps (with the `chrono` feature): `DateTime<Utc>` is an RFC 3339 string with a fixed six
//! fractional digits, so that timestamps sort as strings, and `NaiveDate` is `YYYY-MM-DD`. (A
//! `#[ferrodyn(ttl)]` field is epoch seconds instead; see `TtlValue`.)

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, NaiveDate, Utc};

use super::scalar::string;
use super::source::Source;
use super::traits::{from_by_decode, FromAttributeValue, ToAttributeValue};
use crate::error::{Error, Result};

/// Fixed width so that timestamps in sort keys order correctly as strings.
pub(crate) fn format_timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl ToAttributeValue for DateTime<Utc> {
    fn to_attribute_value(&self) -> AttributeValue {
        AttributeValue::S(format_timestamp(self))
    }
}

impl FromAttributeValue for DateTime<Utc> {
    from_by_decode!();
    fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
        let s = string(source)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| Error::invalid_value("expected an RFC 3339 timestamp"))
    }
}

impl ToAttributeValue for NaiveDate {
    fn to_attribute_value(&self) -> AttributeValue {
        AttributeValue::S(self.format("%Y-%m-%d").to_string())
    }
}

impl FromAttributeValue for NaiveDate {
    from_by_decode!();
    fn decode<'de, S: Source<'de>>(source: S) -> Result<Self> {
        let s = string(source)?;
        NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map_err(|_| Error::invalid_value("expected a date YYYY-MM-DD"))
    }
}
