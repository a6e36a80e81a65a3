//! The tables in the workspace's template.yaml: the shop table is the one the models describe
//! (no drift), the idempotency table the one ferrodyn-idempotency's records need, and the API
//! function may touch the records and nothing more on that table.

use ferrodyn::{schema::TableSchema, Model};
use orders_api::models::{Customer, CustomerStats, Order};
use serde_json::{json, Value};

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
    let text = std::fs::read_to_string(path).expect("template.yaml at the workspace root");
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).expect("template.yaml is YAML");
    serde_json::to_value(yaml).expect("the template converts to JSON")
}

#[test]
fn the_template_declares_the_models_table() {
    let template = template();
    let schema =
        TableSchema::from_models(&[Customer::META, Order::META, CustomerStats::META]).unwrap();
    // Only the models' table: no model declares the idempotency table (checked below).
    let drift = schema.cloudformation_drift(&template, "ShopTable");
    assert!(drift.is_empty(), "template.yaml differs from the models:\n{}", drift.join("\n"));
}

#[test]
fn the_idempotency_table_is_powertools_layout() {
    let template = template();
    let table = &template["Resources"]["IdempotencyTable"];
    assert_eq!(table["Type"], "AWS::DynamoDB::Table");
    assert_eq!(table["DeletionPolicy"], "Delete");
    let properties = &table["Properties"];
    assert_eq!(properties["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        properties["AttributeDefinitions"],
        json!([{"AttributeName": "id", "AttributeType": "S"}])
    );
    assert_eq!(properties["KeySchema"], json!([{"AttributeName": "id", "KeyType": "HASH"}]));
    assert_eq!(
        properties["TimeToLiveSpecification"],
        json!({"AttributeName": "expiration", "Enabled": true})
    );
    assert!(properties.get("StreamSpecification").is_none(), "{properties}");
    assert!(properties.get("GlobalSecondaryIndexes").is_none(), "{properties}");
}

#[test]
fn the_api_function_gets_the_idempotency_table_and_only_record_access_to_it() {
    let template = template();
    let function = &template["Resources"]["OrdersApiFunction"]["Properties"];
    let variables = &function["Environment"]["Variables"];
    assert_eq!(variables[orders_api::idempotency::TABLE_ENV], json!({"!Ref": "IdempotencyTable"}));
    let statements: Vec<&Value> = function["Policies"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|policy| policy["Statement"].as_array())
        .flatten()
        .collect();
    let arn = json!({"!GetAtt": "IdempotencyTable.Arn"});
    let on_records: Vec<&&Value> =
        statements.iter().filter(|s| s.to_string().contains("IdempotencyTable")).collect();
    assert_eq!(on_records.len(), 1, "one statement names the idempotency table: {on_records:?}");
    let statement = on_records[0];
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Resource"], arn, "the idempotency table alone");
    assert_eq!(
        statement["Action"],
        json!([
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem"
        ])
    );
}
