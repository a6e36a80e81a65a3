//! `ensure_tables` waiting on an index's backfill, against mocked DescribeTable answers: DynamoDB
//! Local builds an index in a few milliseconds, so a long CREATING/backfilling phase and the
//! timeout that ends it are only reproducible with a mock.

use std::time::Duration;

use aws_sdk_dynamodb::operation::describe_table::DescribeTableOutput;
use aws_sdk_dynamodb::operation::describe_time_to_live::DescribeTimeToLiveOutput;
use aws_sdk_dynamodb::operation::update_table::UpdateTableOutput;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, GlobalSecondaryIndexDescription, IndexStatus, KeySchemaElement, KeyType,
    Projection, ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TableDescription, TableStatus, TimeToLiveDescription, TimeToLiveStatus,
};
use aws_sdk_dynamodb::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use ferrodyn::schema::Step;
use ferrodyn::{Db, Model};
use serde::{Deserialize, Serialize};

/// The revision that adds `by_category` to a live `catalog` table keyed by `id`.
#[derive(Debug, Serialize, Deserialize, Model)]
#[ferrodyn(table = "catalog", pk = "id", index(name = "by_category", pk = "category"))]
struct Item {
    id: String,
    category: String,
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder().attribute_name(name).key_type(key_type).build().unwrap()
}

fn definition(name: &str) -> AttributeDefinition {
    let definition = AttributeDefinition::builder().attribute_name(name);
    definition.attribute_type(ScalarAttributeType::S).build().unwrap()
}

/// The live table; with `index`, `by_category` in that state (status, backfilling).
fn table(index: Option<(IndexStatus, bool)>) -> DescribeTableOutput {
    let stream = StreamSpecification::builder()
        .stream_enabled(true)
        .stream_view_type(StreamViewType::NewAndOldImages)
        .build()
        .unwrap();
    let mut table = TableDescription::builder()
        .table_name("catalog")
        .table_status(TableStatus::Active)
        .attribute_definitions(definition("id"))
        .key_schema(key("id", KeyType::Hash))
        .stream_specification(stream);
    if let Some((status, backfilling)) = index {
        let projection = Projection::builder().projection_type(ProjectionType::All).build();
        table = table.attribute_definitions(definition("category")).global_secondary_indexes(
            GlobalSecondaryIndexDescription::builder()
                .index_name("by_category")
                .key_schema(key("category", KeyType::Hash))
                .projection(projection)
                .index_status(status)
                .backfilling(backfilling)
                .build(),
        );
    }
    DescribeTableOutput::builder().table(table.build()).build()
}

fn no_ttl() -> Rule {
    mock!(Client::describe_time_to_live).then_output(|| {
        let ttl = TimeToLiveDescription::builder().time_to_live_status(TimeToLiveStatus::Disabled);
        DescribeTimeToLiveOutput::builder().time_to_live_description(ttl.build()).build()
    })
}

/// Accepts one UpdateTable that creates `by_category` on `category` (S), and nothing else.
fn create_index() -> Rule {
    mock!(Client::update_table)
        .match_requests(|r| {
            let updates = r.global_secondary_index_updates();
            let create = updates.first().and_then(|u| u.create());
            updates.len() == 1
                && create.is_some_and(|c| c.index_name() == "by_category")
                && r.attribute_definitions() == [definition("category")]
        })
        .then_output(|| UpdateTableOutput::builder().build())
}

fn mock_db(rules: &[&Rule]) -> Db {
    Db::from_client(mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, rules))
}

#[tokio::test]
async fn adding_an_index_waits_until_it_is_active_and_backfilled() {
    let describe = mock!(Client::describe_table)
        .sequence()
        // The plan, then the wait before the update.
        .output(|| table(None))
        .times(2)
        .output(|| table(Some((IndexStatus::Creating, true))))
        .times(3)
        .output(|| table(Some((IndexStatus::Active, true))))
        .output(|| table(Some((IndexStatus::Active, false))))
        .build();
    let (ttl, update) = (no_ttl(), create_index());
    let db = mock_db(&[&describe, &ttl, &update]);
    let plan = db.ensure_table::<Item>().poll_interval(Duration::from_millis(1)).await.unwrap();
    assert_eq!(
        plan.steps(),
        [Step::AddIndex { table: "catalog".into(), name: "by_category".into() }]
    );
    assert_eq!(update.num_calls(), 1);
    // It returned on the first answer with the index ACTIVE and backfilled, not before.
    assert_eq!(describe.num_calls(), 7);
    assert!(describe.is_exhausted());
}

#[tokio::test]
async fn a_backfill_that_outlasts_the_timeout_is_an_error_naming_the_index() {
    let describe = mock!(Client::describe_table)
        .sequence()
        .output(|| table(None))
        .times(2)
        .output(|| table(Some((IndexStatus::Creating, true))))
        .repeatedly()
        .build();
    let (ttl, update) = (no_ttl(), create_index());
    let db = mock_db(&[&describe, &ttl, &update]);
    let err = db
        .ensure_table::<Item>()
        .poll_interval(Duration::from_millis(5))
        .timeout(Duration::from_millis(50))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "EnsureTables Item: waited 50ms for index `by_category` to be ACTIVE and backfilled on \
         table `catalog`, in vain (table ACTIVE, index by_category CREATING (backfilling))"
    );
    assert_eq!(update.num_calls(), 1);
    assert!(describe.num_calls() > 3);
}
