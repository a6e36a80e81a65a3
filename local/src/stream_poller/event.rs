//! The event Lambda's DynamoDB event source mapping sends: stream records turned into
//! `{"Records":[…]}`, images in DynamoDB JSON.

use std::collections::HashMap;

use aws_sdk_dynamodbstreams::types::{AttributeValue, Record};
use serde_json::{json, Map, Value};

use super::PollerError;

/// The Lambda event for `records`: `{"Records":[…]}` as Lambda's DynamoDB event source mapping
/// sends it, each record with `eventSource` `aws:dynamodb`, `eventSourceARN` `stream_arn`,
/// images in DynamoDB JSON (binary values base64), and `userIdentity` only on TTL deletions.
///
/// # Errors
/// A record lacks its `dynamodb` body or holds an attribute type this SDK version does not know.
pub fn lambda_event(records: &[Record], stream_arn: &str) -> Result<Value, PollerError> {
    let records =
        records.iter().map(|r| lambda_record(r, stream_arn)).collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "Records": records }))
}

/// One element of the event's `Records`.
pub(super) fn lambda_record(record: &Record, stream_arn: &str) -> Result<Value, PollerError> {
    let body = record.dynamodb().ok_or_else(|| {
        PollerError::new("GetRecords", format!("a record of {stream_arn} has no `dynamodb` body"))
    })?;
    let mut dynamodb = Map::new();
    if let Some(created) = body.approximate_creation_date_time() {
        dynamodb.insert("ApproximateCreationDateTime".into(), json!(created.secs()));
    }
    for (name, image) in
        [("Keys", body.keys()), ("NewImage", body.new_image()), ("OldImage", body.old_image())]
    {
        if let Some(image) = image {
            dynamodb.insert(name.into(), item_json(image)?);
        }
    }
    if let Some(sequence_number) = body.sequence_number() {
        dynamodb.insert("SequenceNumber".into(), json!(sequence_number));
    }
    if let Some(size) = body.size_bytes() {
        dynamodb.insert("SizeBytes".into(), json!(size));
    }
    if let Some(view) = body.stream_view_type() {
        dynamodb.insert("StreamViewType".into(), json!(view.as_str()));
    }
    let mut out = Map::new();
    out.insert("eventID".into(), json!(record.event_id().unwrap_or_default()));
    out.insert("eventName".into(), json!(record.event_name().map_or("", |n| n.as_str())));
    out.insert("eventVersion".into(), json!(record.event_version().unwrap_or("1.1")));
    out.insert("eventSource".into(), json!("aws:dynamodb"));
    out.insert("awsRegion".into(), json!(record.aws_region().unwrap_or("us-east-1")));
    out.insert("dynamodb".into(), Value::Object(dynamodb));
    out.insert("eventSourceARN".into(), json!(stream_arn));
    if let Some(identity) = record.user_identity() {
        out.insert(
            "userIdentity".into(),
            json!({
                "type": identity.r#type().unwrap_or_default(),
                "principalId": identity.principal_id().unwrap_or_default(),
            }),
        );
    }
    Ok(Value::Object(out))
}

fn item_json(item: &HashMap<String, AttributeValue>) -> Result<Value, PollerError> {
    let mut map = Map::new();
    for (name, value) in item {
        map.insert(name.clone(), attribute_json(value)?);
    }
    Ok(Value::Object(map))
}

/// DynamoDB JSON, as Lambda writes it: numbers as strings, binary as base64.
fn attribute_json(value: &AttributeValue) -> Result<Value, PollerError> {
    use aws_smithy_types::base64::encode;
    Ok(match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => json!({ "B": encode(b.as_ref()) }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(n) => json!({ "NULL": n }),
        AttributeValue::Ss(set) => json!({ "SS": set }),
        AttributeValue::Ns(set) => json!({ "NS": set }),
        AttributeValue::Bs(set) => {
            json!({ "BS": set.iter().map(|b| encode(b.as_ref())).collect::<Vec<_>>() })
        }
        AttributeValue::L(list) => {
            json!({ "L": list.iter().map(attribute_json).collect::<Result<Vec<_>, _>>()? })
        }
        AttributeValue::M(map) => json!({ "M": item_json(map)? }),
        _ => {
            return Err(PollerError::new(
                "GetRecords",
                "a record holds an attribute type this SDK version does not know",
            ))
        }
    })
}
