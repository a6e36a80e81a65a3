//! `AWS::DynamoDB::Table` resources: keys, attribute definitions, secondary indexes, the stream
//! and time to live, read from a table's `Properties` into a [`Table`].

use serde_yaml::Value;

use super::intrinsic::{scalar, Scope};
use super::{Table, TableIndex, Warnings};

/// Properties that change nothing locally: accepted with a note, never silently.
const NOT_EMULATED: [&str; 8] = [
    "PointInTimeRecoverySpecification",
    "SSESpecification",
    "Tags",
    "ContributorInsightsSpecification",
    "KinesisStreamSpecification",
    "DeletionProtectionEnabled",
    "TableClass",
    "ResourcePolicy",
];

/// Reads one table; `name` is its local name (already resolved).
pub(super) fn parse_table(
    id: &str,
    name: String,
    properties: &Value,
    scope: &Scope,
    warnings: &mut Warnings,
) -> Option<Table> {
    let resolved = match scope.resolve(properties) {
        Ok(resolved) => resolved,
        Err(reason) => {
            warnings.push(id, format!("table not created: its properties hold {reason}"));
            return None;
        }
    };
    let mut table = Table {
        logical_id: id.to_owned(),
        name,
        attribute_definitions: Vec::new(),
        key_schema: Vec::new(),
        global_secondary_indexes: Vec::new(),
        local_secondary_indexes: Vec::new(),
        stream_view_type: None,
        time_to_live_attribute: None,
    };
    let Value::Mapping(properties) = &resolved else {
        warnings.push(id, "table not created: it has no Properties");
        return None;
    };
    for (key, value) in properties {
        let key = key.as_str().unwrap_or_default();
        match key {
            "TableName"
            | "BillingMode"
            | "ProvisionedThroughput"
            | "OnDemandThroughput"
            | "WarmThroughput" => {}
            "AttributeDefinitions" => {
                for definition in list(value) {
                    let name = field(definition, "AttributeName");
                    let kind = field(definition, "AttributeType");
                    if let (Some(name), Some(kind)) = (name, kind) {
                        table.attribute_definitions.push((name, kind));
                    }
                }
            }
            "KeySchema" => table.key_schema = key_schema(value),
            "GlobalSecondaryIndexes" | "LocalSecondaryIndexes" => {
                let indexes = list(value).iter().filter_map(|index| {
                    Some(TableIndex {
                        name: field(index, "IndexName")?,
                        key_schema: key_schema(index.get("KeySchema")?),
                        projection_type: index
                            .get("Projection")
                            .and_then(|p| field(p, "ProjectionType"))
                            .unwrap_or_else(|| "KEYS_ONLY".to_owned()),
                        non_key_attributes: index
                            .get("Projection")
                            .and_then(|p| p.get("NonKeyAttributes"))
                            .map(|v| list(v).iter().filter_map(|a| scalar(a).ok()).collect())
                            .unwrap_or_default(),
                    })
                });
                if key == "GlobalSecondaryIndexes" {
                    table.global_secondary_indexes = indexes.collect();
                } else {
                    table.local_secondary_indexes = indexes.collect();
                }
            }
            "StreamSpecification" => table.stream_view_type = field(value, "StreamViewType"),
            "TimeToLiveSpecification" => {
                let enabled = value.get("Enabled").is_some_and(|e| {
                    e.as_bool().unwrap_or_else(|| scalar(e).is_ok_and(|s| s == "true"))
                });
                if enabled {
                    table.time_to_live_attribute = field(value, "AttributeName");
                }
            }
            other if NOT_EMULATED.contains(&other) => {
                warnings.note(id, format!("{other} is not emulated (no effect locally)"));
            }
            other => warnings.push(id, format!("table property {other} is not emulated")),
        }
    }
    if table.key_schema.is_empty() {
        warnings.push(id, "table not created: it has no KeySchema");
        return None;
    }
    Some(table)
}

fn list(value: &Value) -> &[Value] {
    value.as_sequence().map_or(&[], Vec::as_slice)
}

fn field(value: &Value, name: &str) -> Option<String> {
    value.get(name).and_then(|v| scalar(v).ok())
}

fn key_schema(value: &Value) -> Vec<(String, String)> {
    list(value)
        .iter()
        .filter_map(|k| Some((field(k, "AttributeName")?, field(k, "KeyType")?)))
        .collect()
}
