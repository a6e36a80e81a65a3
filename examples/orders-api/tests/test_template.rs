//! The table in the workspace's template.yaml is the one the models describe (no drift).

use ferrodyn::{schema::TableSchema, Model};
use orders_api::models::{AppliedChange, Customer, CustomerStats, Order};

#[test]
fn the_template_declares_the_models_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
    let text = std::fs::read_to_string(path).expect("template.yaml at the workspace root");
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).expect("template.yaml is YAML");
    let template = serde_json::to_value(yaml).expect("the template converts to JSON");
    let schema = TableSchema::from_models(&[
        Customer::META,
        Order::META,
        CustomerStats::META,
        AppliedChange::META,
    ])
    .unwrap();
    let drift = schema.cloudformation_drift(&template, "ShopTable");
    assert!(drift.is_empty(), "template.yaml differs from the models:\n{}", drift.join("\n"));
}
