//! Drift between a [`TableSchema`] and the `AWS::DynamoDB::Table` a CloudFormation or SAM
//! template declares: key schema, attribute definitions, global and local secondary indexes with their projections, billing mode,
//! stream view type and TTL, compared as [`TableSchema::create_table`] would create the table.
//! The template arrives as JSON (`serde_json::Value`), so that ferrodyn parses no YAML; a YAML
//! template converts with any YAML crate that deserialises into serde's data model.

use std::collections::BTreeMap;

use serde_json::Value;

use super::TableSchema;
use crate::model::{IndexKind, ProjectionMeta, ScalarType};

type Key = (&'static str, ScalarType);

impl TableSchema {
    /// The differences between this schema and the table resource `logical_id` of `template`,
    /// one readable sentence each; empty when the template creates the table the models
    /// describe.
    ///
    /// Checked: the resource's type; `KeySchema`; `AttributeDefinitions` (exactly the key
    /// attributes, with their types); `GlobalSecondaryIndexes` and `LocalSecondaryIndexes` by name
    /// (keys, `Projection` type and `NonKeyAttributes`); `BillingMode` `PAY_PER_REQUEST`; `StreamSpecification`
    /// `NEW_AND_OLD_IMAGES`; `TimeToLiveSpecification` enabled on the models' TTL attribute, and
    /// only when they declare one. The table name is not compared: a template usually lets
    /// CloudFormation generate it and hands it to the function in the environment.
    ///
    /// ```
    /// use ferrodyn::schema::TableSchema;
    /// use ferrodyn::meta::ScalarType;
    ///
    /// let schema = TableSchema {
    ///     table: "counters",
    ///     partition_key: ("id", ScalarType::N),
    ///     sort_key: None,
    ///     indexes: Default::default(),
    ///     ttl_attribute: None,
    /// };
    /// let template = serde_json::json!({"Resources": {"Counters": {
    ///     "Type": "AWS::DynamoDB::Table",
    ///     "Properties": {
    ///         "BillingMode": "PAY_PER_REQUEST",
    ///         "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    ///         "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    ///         "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    ///     }
    /// }}});
    /// assert_eq!(
    ///     schema.cloudformation_drift(&template, "Counters"),
    ///     ["attribute `id`: the template declares type S, the models N"]
    /// );
    /// ```
    pub fn cloudformation_drift(&self, template: &Value, logical_id: &str) -> Vec<String> {
        let resource = &template["Resources"][logical_id];
        if resource.is_null() {
            return vec![format!("the template has no resource `{logical_id}`")];
        }
        if resource["Type"] != "AWS::DynamoDB::Table" {
            return vec![format!(
                "resource `{logical_id}` is {}, not an AWS::DynamoDB::Table",
                describe(&resource["Type"])
            )];
        }
        let properties = &resource["Properties"];
        let mut drift = Vec::new();

        expect_literal(
            &mut drift,
            "BillingMode",
            &properties["BillingMode"],
            "PAY_PER_REQUEST",
            // CloudFormation's default.
            Some("PROVISIONED"),
        );
        expect_literal(
            &mut drift,
            "StreamSpecification.StreamViewType",
            &properties["StreamSpecification"]["StreamViewType"],
            "NEW_AND_OLD_IMAGES",
            Some("no stream"),
        );
        self.compare_attributes(&mut drift, &properties["AttributeDefinitions"]);
        compare_key_schema(
            &mut drift,
            "the table",
            &properties["KeySchema"],
            self.partition_key,
            self.sort_key,
        );
        self.compare_indexes(&mut drift, IndexKind::Global, &properties["GlobalSecondaryIndexes"]);
        self.compare_indexes(&mut drift, IndexKind::Local, &properties["LocalSecondaryIndexes"]);
        self.compare_ttl(&mut drift, &properties["TimeToLiveSpecification"]);
        drift
    }

    fn compare_attributes(&self, drift: &mut Vec<String>, definitions: &Value) {
        let mut declared: BTreeMap<String, &Value> = BTreeMap::new();
        for definition in definitions.as_array().into_iter().flatten() {
            match definition["AttributeName"].as_str() {
                Some(name) => {
                    declared.insert(name.to_owned(), &definition["AttributeType"]);
                }
                None => drift.push(format!(
                    "AttributeDefinitions holds an entry without a literal AttributeName: {}",
                    describe(definition)
                )),
            }
        }
        for (name, ty) in self.attribute_definitions() {
            match declared.remove(name) {
                None => drift.push(format!(
                    "attribute `{name}` ({}) is missing from AttributeDefinitions",
                    type_name(ty)
                )),
                Some(found) if *found != type_name(ty) => drift.push(format!(
                    "attribute `{name}`: the template declares type {}, the models {}",
                    describe_bare(found),
                    type_name(ty)
                )),
                Some(_) => {}
            }
        }
        for name in declared.keys() {
            drift.push(format!(
                "attribute `{name}` is in AttributeDefinitions but is no key of the models"
            ));
        }
    }

    fn compare_indexes(&self, drift: &mut Vec<String>, kind: IndexKind, indexes: &Value) {
        let (list, what) = match kind {
            IndexKind::Global => ("GlobalSecondaryIndexes", "global secondary index"),
            IndexKind::Local => ("LocalSecondaryIndexes", "local secondary index"),
        };
        let mut declared: BTreeMap<String, &Value> = BTreeMap::new();
        for index in indexes.as_array().into_iter().flatten() {
            match index["IndexName"].as_str() {
                Some(name) => {
                    declared.insert(name.to_owned(), index);
                }
                None => drift.push(format!(
                    "{list} holds an index without a literal IndexName: {}",
                    describe(&index["IndexName"])
                )),
            }
        }
        for (name, schema) in self.indexes.iter().filter(|(_, i)| i.kind == kind) {
            let Some(index) = declared.remove(*name) else {
                drift.push(format!("{what} `{name}` is missing"));
                continue;
            };
            compare_key_schema(
                drift,
                &format!("index `{name}`"),
                &index["KeySchema"],
                schema.partition_key,
                schema.sort_key,
            );
            expect_literal(
                drift,
                &format!("index `{name}` Projection.ProjectionType"),
                &index["Projection"]["ProjectionType"],
                schema.projection.type_name(),
                None,
            );
            compare_non_key_attributes(drift, name, &schema.projection, &index["Projection"]);
        }
        for name in declared.keys() {
            drift.push(format!("{what} `{name}` is not declared by the models"));
        }
    }

    fn compare_ttl(&self, drift: &mut Vec<String>, ttl: &Value) {
        let enabled = ttl["Enabled"] == true;
        match (self.ttl_attribute, enabled) {
            (Some(attribute), true) if ttl["AttributeName"] == attribute => {}
            (Some(attribute), true) => drift.push(format!(
                "TTL: the template expires items by {}, the models by `{attribute}`",
                describe(&ttl["AttributeName"])
            )),
            (Some(attribute), false) => drift.push(format!(
                "TTL: the models expire items by `{attribute}`, the template enables no TTL"
            )),
            (None, true) => drift.push(format!(
                "TTL: the template expires items by {}, the models declare no TTL attribute",
                describe(&ttl["AttributeName"])
            )),
            (None, false) => {}
        }
    }
}

/// Compares an index's `Projection.NonKeyAttributes` with the models' `INCLUDE` list, as sets.
fn compare_non_key_attributes(
    drift: &mut Vec<String>,
    name: &str,
    expected: &ProjectionMeta,
    projection: &Value,
) {
    let found = &projection["NonKeyAttributes"];
    let mut listed: Vec<&str> =
        found.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    listed.sort_unstable();
    let mut wanted: Vec<&str> = expected.non_key_attributes().to_vec();
    wanted.sort_unstable();
    let literal = found.as_array().is_none_or(|a| a.iter().all(Value::is_string));
    if listed != wanted || !literal {
        let shown = |names: &[&str]| {
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            }
        };
        let found = if literal { shown(&listed) } else { describe(found) };
        drift.push(format!(
            "index `{name}` Projection.NonKeyAttributes is {found} in the template, {} in the models",
            shown(&wanted)
        ));
    }
}

/// Compares a `KeySchema` list with the expected partition and sort keys (names only: the types
/// are the attribute definitions' business).
fn compare_key_schema(
    drift: &mut Vec<String>,
    whose: &str,
    key_schema: &Value,
    partition_key: Key,
    sort_key: Option<Key>,
) {
    let role = |key_type: &str| {
        key_schema
            .as_array()
            .into_iter()
            .flatten()
            .find(|element| element["KeyType"] == key_type)
            .map(|element| &element["AttributeName"])
    };
    match role("HASH") {
        Some(name) if *name == partition_key.0 => {}
        found => drift.push(format!(
            "{whose}: the partition key (HASH) is {} in the template, `{}` in the models",
            found.map_or_else(|| "missing".to_owned(), describe),
            partition_key.0
        )),
    }
    match (role("RANGE"), sort_key) {
        (None, None) => {}
        (Some(name), Some((expected, _))) if *name == expected => {}
        (found, expected) => drift.push(format!(
            "{whose}: the sort key (RANGE) is {} in the template, {} in the models",
            found.map_or_else(|| "missing".to_owned(), describe),
            expected.map_or_else(|| "absent".to_owned(), |(name, _)| format!("`{name}`"))
        )),
    }
}

fn expect_literal(
    drift: &mut Vec<String>,
    what: &str,
    found: &Value,
    expected: &str,
    when_absent: Option<&str>,
) {
    if found == expected {
        return;
    }
    let found = match (found, when_absent) {
        (Value::Null, Some(default)) => format!("absent ({default})"),
        _ => describe(found),
    };
    drift.push(format!("{what} is {found} in the template, {expected} in the models"));
}

fn type_name(ty: ScalarType) -> &'static str {
    match ty {
        ScalarType::S => "S",
        ScalarType::N => "N",
        ScalarType::B => "B",
    }
}

/// A template value as a sentence shows it: a string in backticks, anything else (an
/// intrinsic function such as `{"Ref": …}`) as JSON.
fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => format!("`{text}`"),
        Value::Null => "missing".to_owned(),
        other => other.to_string(),
    }
}

fn describe_bare(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => describe(other),
    }
}
