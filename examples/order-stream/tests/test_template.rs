//! The consumer's function in template.yaml: the stream mapping settings the handler relies on,
//! a filter that selects exactly the records it handles, and its access to the idempotency
//! table.

use ferrodyn_local::stream_poller::FilterPattern;
use serde_json::{json, Value};

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
    let text = std::fs::read_to_string(path).expect("template.yaml at the workspace root");
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).expect("template.yaml is YAML");
    serde_json::to_value(yaml).expect("the template converts to JSON")
}

fn stream_event(template: &Value) -> &Value {
    &template["Resources"]["OrderStreamFunction"]["Properties"]["Events"]["ShopStream"]
        ["Properties"]
}

#[test]
fn the_stream_mapping_reports_partial_failures_and_bounds_retries() {
    let template = template();
    let function = &template["Resources"]["OrderStreamFunction"];
    assert_eq!(function["Metadata"]["BuildProperties"]["Binary"], "order-stream");
    let event = stream_event(&template);
    assert_eq!(event["Stream"], json!({"!GetAtt": "ShopTable.StreamArn"}));
    assert_eq!(event["FunctionResponseTypes"], json!(["ReportBatchItemFailures"]));
    assert_eq!(event["BisectBatchOnFunctionError"], true);
    let retries = event["MaximumRetryAttempts"].as_i64().expect("bounded retries");
    assert!((0..=10_000).contains(&retries));
    let destination = &event["DestinationConfig"]["OnFailure"];
    assert_eq!(destination["Type"], "SQS");
    let queue = destination["Destination"]["!GetAtt"].as_str().unwrap();
    let queue = queue.trim_end_matches(".Arn");
    assert_eq!(template["Resources"][queue]["Type"], "AWS::SQS::Queue");
}

#[test]
fn the_filter_selects_order_records_only() {
    let template = template();
    let filters: Vec<FilterPattern> = stream_event(&template)["FilterCriteria"]["Filters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| FilterPattern::parse(f["Pattern"].as_str().unwrap()).unwrap())
        .collect();
    let selected = |record: Value| filters.iter().any(|f| f.matches(&record));
    let image = |entity: &str| json!({"entity": {"S": entity}, "pk": {"S": "CUSTOMER#1"}});
    let order = image("Order");
    assert!(selected(json!({"eventName": "INSERT", "dynamodb": {"NewImage": order}})));
    assert!(selected(
        json!({"eventName": "MODIFY", "dynamodb": {"NewImage": order, "OldImage": order}})
    ));
    assert!(selected(json!({"eventName": "REMOVE", "dynamodb": {"OldImage": order}})));
    for entity in ["Customer", "CustomerStats", "ferrodyn:unique-guard"] {
        assert!(!selected(json!({"eventName": "INSERT", "dynamodb": {"NewImage": image(entity)}})));
        assert!(!selected(json!({"eventName": "REMOVE", "dynamodb": {"OldImage": image(entity)}})));
    }
    // An item without the entity attribute.
    assert!(!selected(
        json!({"eventName": "INSERT", "dynamodb": {"NewImage": {"pk": {"S": "UNIQUE#x"}}}})
    ));
}

#[test]
fn the_function_gets_the_idempotency_table_and_only_record_access_to_it() {
    let template = template();
    let function = &template["Resources"]["OrderStreamFunction"]["Properties"];
    let variables = &function["Environment"]["Variables"];
    assert_eq!(variables["IDEMPOTENCY_TABLE"], json!({"!Ref": "IdempotencyTable"}));
    let statements: Vec<&Value> = function["Policies"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|policy| policy["Statement"].as_array())
        .flatten()
        .collect();
    let on_records: Vec<&&Value> =
        statements.iter().filter(|s| s.to_string().contains("IdempotencyTable")).collect();
    assert_eq!(on_records.len(), 1, "one statement names the idempotency table: {on_records:?}");
    let statement = on_records[0];
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Resource"], json!({"!GetAtt": "IdempotencyTable.Arn"}));
    assert_eq!(
        statement["Action"],
        json!([
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem"
        ])
    );
    // Nor does a SAM policy template (which takes a table name) reach it.
    let templates: Vec<&Value> = function["Policies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|policy| policy.get("Statement").is_none())
        .collect();
    assert!(
        templates.iter().all(|policy| !policy.to_string().contains("IdempotencyTable")),
        "{templates:?}"
    );
}
