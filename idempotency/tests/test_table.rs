//! `Idempotency::create_table` on DynamoDB Local: the key schema of the configuration, on-demand
//! billing, TTL on the expiry attribute; a second call leaves the table as it is.

use aws_sdk_dynamodb::types::{BillingMode, KeyType, ScalarAttributeType, TimeToLiveStatus};
use ferrodyn_idempotency::Idempotency;
use ferrodyn_testing::TestDb;

async fn describe(db: &TestDb, logical: &str) -> (Vec<(String, KeyType)>, Option<BillingMode>) {
    let table = db
        .client()
        .describe_table()
        .table_name(db.table_name(logical))
        .send()
        .await
        .expect("the table exists")
        .table
        .expect("a description");
    for definition in table.attribute_definitions() {
        assert_eq!(definition.attribute_type(), &ScalarAttributeType::S);
    }
    let keys = table
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name().to_owned(), k.key_type().clone()))
        .collect();
    let billing = table.billing_mode_summary().and_then(|b| b.billing_mode().cloned());
    (keys, billing)
}

async fn ttl_attribute(db: &TestDb, logical: &str) -> Option<String> {
    let ttl = db
        .client()
        .describe_time_to_live()
        .table_name(db.table_name(logical))
        .send()
        .await
        .expect("described")
        .time_to_live_description
        .expect("a TTL description");
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
    ttl.attribute_name().map(str::to_owned)
}

#[tokio::test]
async fn creates_the_table_of_the_configuration() {
    let db = TestDb::new().await.expect("DynamoDB Local");
    let idempotency = Idempotency::builder(&db, "idempotency").build().expect("configured");
    idempotency.create_table().await.expect("created");
    let (keys, billing) = describe(&db, "idempotency").await;
    assert_eq!(keys, [("id".to_owned(), KeyType::Hash)]);
    assert_eq!(billing, Some(BillingMode::PayPerRequest));
    assert_eq!(ttl_attribute(&db, "idempotency").await.as_deref(), Some("expiration"));
    // Again: the table is there, nothing to do.
    idempotency.create_table().await.expect("left as it is");
}

#[tokio::test]
async fn honours_renamed_attributes_and_a_sort_key() {
    let db = TestDb::new().await.expect("DynamoDB Local");
    let idempotency = Idempotency::builder(&db, "records")
        .key_attr("pk")
        .sort_key_attr("sk")
        .expiry_attr("expires")
        .build()
        .expect("configured");
    idempotency.create_table().await.expect("created");
    let (keys, _) = describe(&db, "records").await;
    assert_eq!(keys, [("pk".to_owned(), KeyType::Hash), ("sk".to_owned(), KeyType::Range)]);
    assert_eq!(ttl_attribute(&db, "records").await.as_deref(), Some("expires"));
}
