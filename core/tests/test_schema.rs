//! Table schemas derived from models, and the tables created from them on DynamoDB Local.

mod common;

use common::{Customer, Order, Product};
use ferrodyn::meta::ScalarType;
use ferrodyn::schema::TableSchema;
use ferrodyn::Model;
use ferrodyn_testing::TestDb;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, Model)]
#[ferrodyn(table = "counters", pk = "id", index(name = "by_owner", pk = "owner", sk = "{id}"))]
struct Counter {
    id: u64,
    owner: String,
}

/// Claims the `shop` table with a different sort key type.
#[derive(Debug, Serialize, Deserialize, Model)]
#[ferrodyn(table = "shop", pk = "CUSTOMER#{id}", sk = "n")]
struct Conflicting {
    id: String,
    n: u32,
}

#[test]
fn models_sharing_a_table_merge() {
    let schema = TableSchema::from_models(&[Order::META, Customer::META]).unwrap();
    assert_eq!(schema.table, "shop");
    assert_eq!(schema.partition_key, ("pk", ScalarType::S));
    assert_eq!(schema.sort_key, Some(("sk", ScalarType::S)));
    assert_eq!(schema.indexes.keys().copied().collect::<Vec<_>>(), ["gsi1"]);
    let defs: Vec<_> = schema.attribute_definitions().into_iter().collect();
    assert_eq!(
        defs,
        [
            ("gsi1pk", ScalarType::S),
            ("gsi1sk", ScalarType::S),
            ("pk", ScalarType::S),
            ("sk", ScalarType::S)
        ]
    );
}

#[test]
fn direct_keys_take_the_field_type() {
    let schema = TableSchema::from_models(&[Counter::META]).unwrap();
    assert_eq!(schema.partition_key, ("id", ScalarType::N));
    assert_eq!(schema.sort_key, None);
    let index = &schema.indexes["by_owner"];
    assert_eq!(index.partition_key, ("owner", ScalarType::S));
    // A template that is one numeric field keeps the number type, so it sorts numerically.
    assert_eq!(index.sort_key, Some(("by_ownersk", ScalarType::N)));
    assert_eq!(
        TableSchema::from_models(&[Product::META]).unwrap().partition_key,
        ("sku", ScalarType::S)
    );
}

#[test]
fn disagreeing_models_are_an_error() {
    let err = TableSchema::from_models(&[Order::META, Conflicting::META]).unwrap_err();
    assert!(err.to_string().contains("primary key"), "{err}");
    let err = TableSchema::from_models(&[Order::META, Product::META]).unwrap_err();
    assert!(err.to_string().contains("name"), "{err}");
    assert!(TableSchema::from_models(&[]).is_err());
}

#[tokio::test]
async fn created_table_matches_the_models() {
    use aws_sdk_dynamodb::types::{BillingMode, KeyType, ProjectionType, StreamViewType};
    let db = TestDb::new().await.unwrap();
    db.create_table_for(&[Order::META, Customer::META]).await.unwrap();
    let table = db
        .client()
        .describe_table()
        .table_name(db.table_name("shop"))
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let keys: Vec<_> = table
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name().to_owned(), k.key_type().clone()))
        .collect();
    assert_eq!(keys, [("pk".to_owned(), KeyType::Hash), ("sk".to_owned(), KeyType::Range)]);
    assert_eq!(
        table.billing_mode_summary().and_then(|b| b.billing_mode()),
        Some(&BillingMode::PayPerRequest)
    );
    let stream = table.stream_specification().unwrap();
    assert!(stream.stream_enabled());
    assert_eq!(stream.stream_view_type(), Some(&StreamViewType::NewAndOldImages));
    let gsis = table.global_secondary_indexes();
    assert_eq!(gsis.len(), 1);
    assert_eq!(gsis[0].index_name(), Some("gsi1"));
    assert_eq!(gsis[0].projection().and_then(|p| p.projection_type()), Some(&ProjectionType::All));
    let mut gsi_keys: Vec<_> =
        gsis[0].key_schema().iter().map(|k| k.attribute_name().to_owned()).collect();
    gsi_keys.sort();
    assert_eq!(gsi_keys, ["gsi1pk", "gsi1sk"]);
}
