//! Drift between the table the models describe and the table a CloudFormation template declares.
#![cfg(feature = "cloudformation")]

mod common;

use common::{Customer, Order};
use ferrodyn::meta::ScalarType;
use ferrodyn::schema::TableSchema;
use ferrodyn::Model;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The `shop` table as template.yaml declares it, converted to JSON.
fn shop_template() -> Value {
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "ShopTable": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [
                        {"AttributeName": "pk", "AttributeType": "S"},
                        {"AttributeName": "sk", "AttributeType": "S"},
                        {"AttributeName": "gsi1pk", "AttributeType": "S"},
                        {"AttributeName": "gsi1sk", "AttributeType": "S"}
                    ],
                    "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"}
                    ],
                    "GlobalSecondaryIndexes": [{
                        "IndexName": "gsi1",
                        "KeySchema": [
                            {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                            {"AttributeName": "gsi1sk", "KeyType": "RANGE"}
                        ],
                        "Projection": {"ProjectionType": "ALL"}
                    }],
                    "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}
                }
            },
            "OrdersApiFunction": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"Environment": {"Variables": {"TABLE_NAME": {"Ref": "ShopTable"}}}}
            }
        }
    })
}

fn shop() -> TableSchema {
    TableSchema::from_models(&[Customer::META, Order::META]).unwrap()
}

fn properties(template: &mut Value) -> &mut Value {
    &mut template["Resources"]["ShopTable"]["Properties"]
}

fn drift_after(change: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut template = shop_template();
    change(properties(&mut template));
    shop().cloudformation_drift(&template, "ShopTable")
}

#[test]
fn a_matching_template_has_no_drift() {
    assert_eq!(shop().cloudformation_drift(&shop_template(), "ShopTable"), Vec::<String>::new());
}

#[test]
fn a_wrong_key_type_is_reported() {
    let drift = drift_after(|p| p["AttributeDefinitions"][3]["AttributeType"] = json!("N"));
    assert_eq!(drift, ["attribute `gsi1sk`: the template declares type N, the models S"]);
}

#[test]
fn a_missing_index_is_reported_with_its_attributes() {
    let drift = drift_after(|p| {
        p.as_object_mut().unwrap().remove("GlobalSecondaryIndexes");
        p["AttributeDefinitions"].as_array_mut().unwrap().truncate(2);
    });
    assert_eq!(
        drift,
        [
            "attribute `gsi1pk` (S) is missing from AttributeDefinitions",
            "attribute `gsi1sk` (S) is missing from AttributeDefinitions",
            "global secondary index `gsi1` is missing",
        ]
    );
}

#[test]
fn an_extra_index_is_reported() {
    let drift = drift_after(|p| {
        p["AttributeDefinitions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"AttributeName": "gsi2pk", "AttributeType": "S"}));
        p["GlobalSecondaryIndexes"].as_array_mut().unwrap().push(json!({
            "IndexName": "gsi2",
            "KeySchema": [{"AttributeName": "gsi2pk", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}
        }));
    });
    assert_eq!(
        drift,
        [
            "attribute `gsi2pk` is in AttributeDefinitions but is no key of the models",
            "global secondary index `gsi2` is not declared by the models",
        ]
    );
}

#[test]
fn a_wrong_key_attribute_is_reported() {
    let drift = drift_after(|p| {
        p["KeySchema"][1]["AttributeName"] = json!("gsi1sk");
        p["GlobalSecondaryIndexes"][0]["KeySchema"][0]["AttributeName"] = json!("pk");
    });
    assert_eq!(
        drift,
        [
            "the table: the sort key (RANGE) is `gsi1sk` in the template, `sk` in the models",
            "index `gsi1`: the partition key (HASH) is `pk` in the template, `gsi1pk` in the models",
        ]
    );
}

#[test]
fn a_missing_sort_key_is_reported() {
    let drift = drift_after(|p| {
        p["KeySchema"].as_array_mut().unwrap().pop();
    });
    assert_eq!(
        drift,
        ["the table: the sort key (RANGE) is missing in the template, `sk` in the models"]
    );
}

#[test]
fn the_billing_mode_must_be_on_demand() {
    let drift = drift_after(|p| p["BillingMode"] = json!("PROVISIONED"));
    assert_eq!(
        drift,
        ["BillingMode is `PROVISIONED` in the template, PAY_PER_REQUEST in the models"]
    );
    let drift = drift_after(|p| {
        p.as_object_mut().unwrap().remove("BillingMode");
    });
    assert_eq!(
        drift,
        ["BillingMode is absent (PROVISIONED) in the template, PAY_PER_REQUEST in the models"]
    );
}

#[test]
fn the_stream_must_carry_both_images() {
    let drift = drift_after(|p| p["StreamSpecification"]["StreamViewType"] = json!("NEW_IMAGE"));
    assert_eq!(
        drift,
        ["StreamSpecification.StreamViewType is `NEW_IMAGE` in the template, \
             NEW_AND_OLD_IMAGES in the models"]
    );
    let drift = drift_after(|p| {
        p.as_object_mut().unwrap().remove("StreamSpecification");
    });
    assert_eq!(
        drift,
        ["StreamSpecification.StreamViewType is absent (no stream) in the template, \
             NEW_AND_OLD_IMAGES in the models"]
    );
}

#[test]
fn an_index_must_project_all_attributes() {
    let drift = drift_after(|p| {
        p["GlobalSecondaryIndexes"][0]["Projection"] = json!({"ProjectionType": "KEYS_ONLY"});
    });
    assert_eq!(
        drift,
        ["index `gsi1` Projection.ProjectionType is `KEYS_ONLY` in the template, ALL in the models"]
    );
}

#[test]
fn a_local_secondary_index_is_reported() {
    let drift = drift_after(|p| {
        p["LocalSecondaryIndexes"] = json!([{"IndexName": "lsi1"}]);
    });
    assert_eq!(drift, ["local secondary index `lsi1` is not declared by the models"]);
}

#[test]
fn an_intrinsic_function_where_a_literal_belongs_is_shown_as_json() {
    let drift = drift_after(|p| p["BillingMode"] = json!({"Ref": "Billing"}));
    assert_eq!(
        drift,
        [r#"BillingMode is {"Ref":"Billing"} in the template, PAY_PER_REQUEST in the models"#]
    );
}

#[test]
fn a_missing_or_mistyped_resource_is_one_difference() {
    let template = shop_template();
    assert_eq!(
        shop().cloudformation_drift(&template, "Table"),
        ["the template has no resource `Table`"]
    );
    assert_eq!(
        shop().cloudformation_drift(&template, "OrdersApiFunction"),
        ["resource `OrdersApiFunction` is `AWS::Serverless::Function`, not an AWS::DynamoDB::Table"]
    );
}

/// A table whose items expire: the template must enable TTL on the same attribute.
#[derive(Debug, Serialize, Deserialize, Model)]
#[ferrodyn(table = "sessions", pk = "id")]
struct Session {
    id: String,
    #[ferrodyn(ttl)]
    expires_at: i64,
}

fn sessions_template(ttl: Option<Value>) -> Value {
    let mut properties = json!({
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    });
    if let Some(ttl) = ttl {
        properties["TimeToLiveSpecification"] = ttl;
    }
    json!({"Resources": {"Sessions": {"Type": "AWS::DynamoDB::Table", "Properties": properties}}})
}

#[test]
fn the_ttl_attribute_must_match() {
    let sessions = TableSchema::from_models(&[Session::META]).unwrap();
    assert_eq!(sessions.ttl_attribute, Some("expires_at"));
    assert_eq!(sessions.partition_key, ("id", ScalarType::S));
    let enabled = |name: &str| Some(json!({"AttributeName": name, "Enabled": true}));

    assert!(sessions
        .cloudformation_drift(&sessions_template(enabled("expires_at")), "Sessions")
        .is_empty());
    assert_eq!(
        sessions.cloudformation_drift(&sessions_template(enabled("ttl")), "Sessions"),
        ["TTL: the template expires items by `ttl`, the models by `expires_at`"]
    );
    assert_eq!(
        sessions.cloudformation_drift(&sessions_template(None), "Sessions"),
        ["TTL: the models expire items by `expires_at`, the template enables no TTL"]
    );
    let disabled = json!({"AttributeName": "expires_at", "Enabled": false});
    assert_eq!(
        sessions.cloudformation_drift(&sessions_template(Some(disabled)), "Sessions"),
        ["TTL: the models expire items by `expires_at`, the template enables no TTL"]
    );
    assert_eq!(
        shop().cloudformation_drift(
            &{
                let mut template = shop_template();
                properties(&mut template)["TimeToLiveSpecification"] = enabled("expires").unwrap();
                template
            },
            "ShopTable"
        ),
        ["TTL: the template expires items by `expires`, the models declare no TTL attribute"]
    );
}

/// A table with a KEYS_ONLY and an INCLUDE global index and a local index.
#[derive(Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "orders",
    pk = "customer_id",
    sk = "order_id",
    index(name = "by_status", pk = "status", projection = "keys_only"),
    index(name = "by_day", pk = "day", include = ["total_cents", "note"]),
    local_index(name = "by_total", sk = "total_cents", projection = "keys_only")
)]
struct ProjectedOrder {
    customer_id: String,
    order_id: String,
    status: String,
    day: String,
    total_cents: i64,
    note: Option<String>,
}

fn orders_template() -> Value {
    let keys = |pk: &str, sk: Option<&str>| {
        let mut keys = vec![json!({"AttributeName": pk, "KeyType": "HASH"})];
        keys.extend(sk.map(|sk| json!({"AttributeName": sk, "KeyType": "RANGE"})));
        Value::Array(keys)
    };
    let definition = |name: &str, ty: &str| json!({"AttributeName": name, "AttributeType": ty});
    json!({"Resources": {"Orders": {"Type": "AWS::DynamoDB::Table", "Properties": {
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            definition("customer_id", "S"), definition("order_id", "S"), definition("status", "S"),
            definition("day", "S"), definition("total_cents", "N")
        ],
        "KeySchema": keys("customer_id", Some("order_id")),
        "GlobalSecondaryIndexes": [
            {"IndexName": "by_status", "KeySchema": keys("status", None),
             "Projection": {"ProjectionType": "KEYS_ONLY"}},
            {"IndexName": "by_day", "KeySchema": keys("day", None),
             "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note", "total_cents"]}}
        ],
        "LocalSecondaryIndexes": [
            {"IndexName": "by_total", "KeySchema": keys("customer_id", Some("total_cents")),
             "Projection": {"ProjectionType": "KEYS_ONLY"}}
        ],
        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    }}}})
}

fn orders_drift_after(change: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut template = orders_template();
    change(&mut template["Resources"]["Orders"]["Properties"]);
    let schema = TableSchema::from_models(&[ProjectedOrder::META]).unwrap();
    schema.cloudformation_drift(&template, "Orders")
}

#[test]
fn projections_and_local_indexes_that_match_have_no_drift() {
    assert_eq!(orders_drift_after(|_| {}), Vec::<String>::new());
}

#[test]
fn a_projection_difference_is_reported() {
    let drift = orders_drift_after(|p| {
        p["GlobalSecondaryIndexes"][0]["Projection"] = json!({"ProjectionType": "ALL"});
        p["GlobalSecondaryIndexes"][1]["Projection"]["NonKeyAttributes"] = json!(["note"]);
    });
    assert_eq!(
        drift,
        [
            "index `by_day` Projection.NonKeyAttributes is `note` in the template, `note`, \
             `total_cents` in the models",
            "index `by_status` Projection.ProjectionType is `ALL` in the template, KEYS_ONLY in \
             the models",
        ]
    );
}

#[test]
fn a_missing_or_different_local_index_is_reported() {
    let drift = orders_drift_after(|p| {
        p["LocalSecondaryIndexes"][0]["Projection"] = json!({"ProjectionType": "ALL"});
    });
    assert_eq!(
        drift,
        ["index `by_total` Projection.ProjectionType is `ALL` in the template, KEYS_ONLY in the \
          models"]
    );
    let drift = orders_drift_after(|p| {
        p.as_object_mut().unwrap().remove("LocalSecondaryIndexes");
    });
    assert_eq!(drift, ["local secondary index `by_total` is missing"]);
}
