//! The SAM template parser on the repository's template.yaml, on the test stack
//! (fixtures/template.yaml) and on a template full of parts that are not emulated.

use std::path::Path;
use std::time::Duration;

use ferrodyn_local::template::{ApiKind, Options, StartingPosition, Template, Warning};

fn read(path: &str) -> Template {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    Template::read(&path, &Options::default()).expect("the template parses")
}

fn warned(warnings: &[Warning], resource: &str, text: &str) -> bool {
    warnings.iter().any(|w| w.resource == resource && w.message.contains(text) && !w.note)
}

#[test]
fn the_example_stack_is_read_as_declared() {
    let mut template = read("../template.yaml");
    let names: Vec<&str> = template.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["ShopTable", "IdempotencyTable"]);
    let shop = &template.tables[0];
    assert_eq!(shop.key_schema, [("pk".into(), "HASH".into()), ("sk".into(), "RANGE".into())]);
    assert_eq!(shop.attribute_definitions.len(), 4);
    assert_eq!(shop.global_secondary_indexes[0].name, "gsi1");
    assert_eq!(shop.global_secondary_indexes[0].projection_type, "ALL");
    assert_eq!(shop.stream_view_type.as_deref(), Some("NEW_AND_OLD_IMAGES"));
    assert_eq!(template.tables[1].time_to_live_attribute.as_deref(), Some("expiration"));
    assert_eq!(template.tables[1].stream_view_type, None);

    let api = &template.functions[0];
    assert_eq!((api.name.as_str(), api.binary.as_str()), ("OrdersApiFunction", "orders-api"));
    assert_eq!((api.memory_size, api.timeout), (128, Duration::from_secs(10)), "from Globals");
    assert_eq!(api.runtime, "provided.al2023");
    assert_eq!(api.log_format.as_deref(), Some("JSON"));
    assert_eq!(api.routes.len(), 8);
    assert!(api.routes.iter().all(|r| r.api == ApiKind::Http));
    let patch = api.routes.iter().find(|r| r.event == "UpdateOrder").expect("UpdateOrder");
    assert_eq!(patch.method.as_deref(), Some("PATCH"));
    assert_eq!(patch.path, "/customers/{id}/orders/{order_id}");
    let (env, unresolved) = template.environment(api);
    assert!(unresolved.is_empty(), "{unresolved:?}");
    assert!(env.contains(&("TABLE_NAME".into(), "ShopTable".into())));
    assert!(env.contains(&("IDEMPOTENCY_TABLE".into(), "IdempotencyTable".into())));

    let consumer = template.functions[1].clone();
    assert_eq!(consumer.timeout, Duration::from_secs(30), "the function's own over Globals'");
    let [event] = consumer.stream_events.as_slice() else { panic!("one stream event") };
    let s = &event.settings;
    assert_eq!(s.batch_size, 100);
    assert_eq!(s.starting_position, StartingPosition::TrimHorizon);
    assert_eq!(s.maximum_retry_attempts, Some(5));
    assert!(s.bisect_batch_on_function_error && s.report_batch_item_failures);
    assert_eq!(s.maximum_batching_window, Duration::from_secs(1));
    assert_eq!(s.maximum_record_age, Some(Duration::from_secs(86_400)));
    assert_eq!(s.filters.len(), 2);
    assert!(s.on_failure.is_some());
    template.set_stream_arn(
        "ShopTable",
        "arn:aws:dynamodb:ddblocal:000000000000:table/ShopTable/stream/x",
    );
    assert_eq!(template.stream_table(event).map(|t| t.logical_id.as_str()), Ok("ShopTable"));

    assert!(warned(&template.warnings, "OrderStreamFailures", "AWS::SQS::Queue is not emulated"));
    let notes: Vec<String> =
        template.warnings.iter().filter(|w| w.note).map(ToString::to_string).collect();
    assert!(notes
        .contains(&"note: OrdersApiFunction: Policies is not emulated (no effect locally)".into()));
}

#[test]
fn the_test_stack_resolves_its_intrinsics_and_mapping_settings() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/template.yaml");
    let options = Options {
        table_prefix: "p-".into(),
        parameters: [("Suffix".to_owned(), "t1".to_owned())].into(),
        ..Options::default()
    };
    let mut template = Template::read(&path, &options).expect("parses");
    let items = &template.tables[0];
    assert_eq!(items.name, "p-items-t1", "!Sub of a parameter override, after the prefix");
    let audit = &template.tables[1];
    assert_eq!(audit.name, "p-Audit");
    assert_eq!(audit.global_secondary_indexes[0].non_key_attributes, ["pk"]);
    assert_eq!(audit.local_secondary_indexes[0].projection_type, "KEYS_ONLY");
    assert_eq!(audit.time_to_live_attribute.as_deref(), Some("expires"));

    let names: Vec<&str> = template.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["Recorder", "Reporter", "Bisector", "Web"], "Reporter's condition holds");
    let recorder = &template.functions[0];
    assert_eq!(recorder.memory_size, 256);
    assert!(recorder.code_dir.ends_with("fixtures/functions"));
    let filtered = &recorder.stream_events[0].settings;
    assert_eq!(filtered.batch_size, 2);
    assert_eq!(filtered.filters.len(), 1);
    assert!(!filtered.report_batch_item_failures);
    assert_eq!(recorder.stream_events[2].settings.starting_position, StartingPosition::Latest);
    let reported = &template.functions[1].stream_events[0].settings;
    assert!(reported.report_batch_item_failures);
    assert_eq!(reported.on_failure.as_deref(), Some("arn:aws:sqs:us-east-1:000000000000:failures"));
    let bisected = &template.functions[2].stream_events[0].settings;
    assert!(bisected.bisect_batch_on_function_error);
    assert_eq!(bisected.maximum_retry_attempts, Some(2));

    let web = template.functions[3].clone();
    assert_eq!((web.memory_size, web.timeout), (512, Duration::from_secs(1)));
    assert_eq!(web.routes[2].api, ApiKind::Rest);
    let (_, unresolved) = template.environment(&web);
    assert!(warned(&unresolved, "Web", "ITEMS_STREAM"), "no stream ARN yet: {unresolved:?}");
    template.set_stream_arn("Items", "arn:local:stream");
    let (env, unresolved) = template.environment(&web);
    assert!(unresolved.is_empty(), "{unresolved:?}");
    let get = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(get("ITEMS_TABLE"), Some("p-items-t1"));
    assert_eq!(get("AUDIT_ARN"), Some("arn:aws:dynamodb:us-east-1:000000000000:table/p-Audit"));
    assert_eq!(get("ITEMS_STREAM"), Some("arn:local:stream"));
    assert_eq!(get("WHERE"), Some("us-east-1/p-items-t1/t1"));
    assert_eq!(get("PICKED"), Some("yes"));
    assert_eq!(get("GLOBAL_VAR"), Some("from-globals"));
    assert_eq!(get("MODE"), Some("record"), "Globals' variable, not overridden");
    let warnings: Vec<String> =
        template.warnings.iter().filter(|w| !w.note).map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        ["warning: Bisector.Events.Aged: MaximumRecordAgeInSeconds below 60 is rejected by Lambda; honoured locally"]
    );
}

#[test]
fn parts_that_are_not_emulated_are_warned_about_by_name() {
    let template = read("tests/fixtures/unsupported.yaml");
    let w = &template.warnings;
    assert!(warned(w, "Table", "ImportSourceSpecification is not emulated"), "{w:#?}");
    assert!(warned(w, "Bucket", "AWS::S3::Bucket is not emulated"));
    assert!(warned(w, "RestApi", "other than BinaryMediaTypes are not emulated"));
    assert_eq!(template.binary_media_types, ["image~1png", "application/octet-stream"]);
    assert!(warned(w, "PythonFunction", "\"python3.12\" is not a Rust"));
    assert!(warned(w, "ImageFunction", "BuildMethod is unset"));
    assert!(warned(w, "RustFunction", "Layers is not emulated"));
    assert!(warned(w, "RustFunction.Events.Upload", "event type S3 is not emulated"));
    assert!(warned(w, "RustFunction.Events.Schedule", "event type Schedule is not emulated"));
    assert!(warned(w, "RustFunction.Events.Kinesis", "TumblingWindowInSeconds is not emulated"));
    let names: Vec<&str> = template.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["RustFunction"]);
    let (env, unresolved) = template.environment(&template.functions[0]);
    assert!(env.is_empty(), "{env:?}");
    assert!(warned(
        &unresolved,
        "RustFunction",
        "BUCKET left unset: !Ref Bucket: a AWS::S3::Bucket"
    ));
    assert!(warned(&unresolved, "RustFunction", "SECRET left unset: !Ref Missing: no such"));
    assert!(warned(
        &unresolved,
        "RustFunction",
        "ENCODED left unset: the intrinsic function Base64"
    ));
    let stream = &template.functions[0].stream_events[0];
    let unattached = template.stream_table(stream).unwrap_err();
    assert!(unattached.contains("Table.StreamArn: the table has no stream"), "{unattached}");
    assert!(Template::parse("Resources: [", ".".as_ref(), &Options::default()).is_err());
    assert!(Template::parse("Outputs: {}", ".".as_ref(), &Options::default()).is_err());
}
