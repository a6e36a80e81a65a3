//! The SAM template parser on templates of the SAM specification's own test suite
//! (fixtures/sam-spec, copied verbatim: see its README): each is read as written, where its
//! Node.js and Python functions are warned about by name and not run, and again with its
//! runtimes swapped for a Rust build, where their events, settings and environment are read.

use std::path::Path;
use std::time::Duration;

use ferrodyn_local::template::{ApiKind, HttpRoute, Options, StartingPosition, Template, Warning};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sam-spec").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn parse(text: &str) -> Template {
    Template::parse(text, ".".as_ref(), &Options::default()).expect("the template parses")
}

/// The template as written.
fn as_written(name: &str) -> Template {
    parse(&fixture(name))
}

/// The template with every `Runtime` made `provided.al2023` and every function built with
/// `rust-cargolambda`, the functions that run locally.
fn as_rust(name: &str) -> Template {
    let mut text = String::new();
    for line in fixture(name).lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if trimmed.starts_with("Runtime: ") {
            text.push_str(&format!("{indent}Runtime: provided.al2023\n"));
            continue;
        }
        text.push_str(line);
        text.push('\n');
        if trimmed == "Type: AWS::Serverless::Function" {
            text.push_str(&format!(
                "{indent}Metadata: {{BuildMethod: rust-cargolambda, BuildProperties: {{Binary: app}}}}\n"
            ));
        }
    }
    parse(&text)
}

/// The warnings (not notes) as `resource: message` lines.
fn warnings(template: &Template) -> Vec<String> {
    template
        .warnings
        .iter()
        .filter(|w| !w.note)
        .map(|w| format!("{}: {}", w.resource, w.message))
        .collect()
}

fn noted(warnings: &[Warning], resource: &str, text: &str) -> bool {
    warnings.iter().any(|w| w.resource == resource && w.message.contains(text) && w.note)
}

fn route(event: &str, method: Option<&str>, path: &str, api: ApiKind) -> HttpRoute {
    HttpRoute {
        event: event.to_owned(),
        method: method.map(str::to_owned),
        path: path.to_owned(),
        api,
    }
}

fn not_rust(function: &str, runtime: &str) -> String {
    format!(
        "{function}: function not run: runtime \"{runtime}\" is not a Rust (provided.*) runtime"
    )
}

#[test]
fn implicit_http_api_routes_keep_method_path_parameters_and_the_default_route() {
    let written = as_written("implicit_http_api.yaml");
    assert!(written.functions.is_empty());
    assert_eq!(
        warnings(&written),
        [not_rust("HttpApiFunction", "nodejs12.x"), not_rust("HttpApiFunction2", "nodejs12.x")]
    );

    let template = as_rust("implicit_http_api.yaml");
    assert_eq!(warnings(&template), Vec::<String>::new());
    let [first, second] = template.functions.as_slice() else { panic!("two functions") };
    assert_eq!(
        first.routes,
        [
            route("Basic", Some("POST"), "/basic", ApiKind::Http),
            route("SimpleCase", None, "$default", ApiKind::Http),
        ],
        "an HttpApi event without properties is the $default route"
    );
    assert_eq!(
        second.routes,
        [
            route("Basic2", Some("POST"), "/basic2", ApiKind::Http),
            route("PathParameters", Some("POST"), "/get/{something}/with/{params}", ApiKind::Http),
        ]
    );
    assert_eq!((first.handler.as_str(), first.binary.as_str()), ("index.restapi", "app"));
    assert!(noted(&template.warnings, "HttpApiFunction", "Policies is not emulated"));
}

#[test]
fn explicit_http_api_default_path_is_the_default_route() {
    let written = as_written("explicit_http_api_default_path.yaml");
    assert!(written.functions.is_empty());
    let api_warning = "HttpApi: API resource settings are not emulated; its functions' events are served on the local port";
    assert_eq!(
        warnings(&written),
        [
            not_rust("Function", "python3.7"),
            not_rust("Function2", "python3.7"),
            api_warning.to_owned()
        ]
    );

    let template = as_rust("explicit_http_api_default_path.yaml");
    assert_eq!(warnings(&template), [api_warning]);
    let routes: Vec<&[HttpRoute]> =
        template.functions.iter().map(|f| f.routes.as_slice()).collect();
    assert_eq!(
        routes,
        [
            [route("HttpApiANYdefault", None, "$default", ApiKind::Http)],
            [route("HttpApiANYhello", None, "/hello", ApiKind::Http)],
        ],
        "`Path: /$default` is SAM's default route; ANY is no method"
    );
}

#[test]
fn rest_api_events_keep_path_parameters_and_send_payload_1() {
    let written = as_written("api_with_path_parameters.yaml");
    assert!(written.functions.is_empty());
    let api_warning = "HtmlApi: REST API settings other than BinaryMediaTypes are not emulated; its functions' events are served on the local port";
    assert_eq!(
        warnings(&written),
        [not_rust("HtmlFunction", "nodejs12.x"), api_warning.to_owned()]
    );

    let template = as_rust("api_with_path_parameters.yaml");
    assert_eq!(warnings(&template), [api_warning]);
    assert_eq!(
        template.functions[0].routes,
        [
            route("GetHtml", Some("GET"), "/{prameter}/resources", ApiKind::Rest),
            route("AnyHtml", None, "/any/{prameter}/resources", ApiKind::Rest),
        ]
    );
    assert!(template.binary_media_types.is_empty());
}

#[test]
fn globals_are_merged_under_each_function_and_unemulated_properties_are_named() {
    let written = as_written("globals_for_function.yaml");
    assert!(written.functions.is_empty());
    assert_eq!(
        warnings(&written),
        [not_rust("MinimalFunction", "python2.7"), not_rust("FunctionWithOverrides", "nodejs12.x")],
        "the runtime from Globals is the one named"
    );

    let template = as_rust("globals_for_function.yaml");
    let [minimal, overrides] = template.functions.as_slice() else { panic!("two functions") };
    assert_eq!((minimal.memory_size, minimal.timeout), (1024, Duration::from_secs(30)));
    assert_eq!(minimal.handler, "hello.handler", "from Globals");
    assert_eq!((overrides.memory_size, overrides.timeout), (512, Duration::from_secs(100)));
    assert_eq!(overrides.handler, "index.handler");
    let env = |function| template.environment(function);
    let vars = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    };
    assert_eq!(env(minimal), (vars(&[("Var1", "value1"), ("Var2", "value2")]), Vec::new()));
    assert_eq!(
        env(overrides),
        (vars(&[("Var1", "value1"), ("Var2", "value2"), ("Var3", "value3")]), Vec::new()),
        "Globals' variables under the function's"
    );
    for function in ["MinimalFunction", "FunctionWithOverrides"] {
        for property in ["Layers", "SnapStart", "RecursiveLoop", "SourceKMSKeyArn", "DurableConfig"]
        {
            let expected = format!("{function}: function property {property} is not emulated");
            assert!(
                warnings(&template).contains(&expected),
                "{expected}: {:#?}",
                template.warnings
            );
        }
        for property in [
            "VpcConfig",
            "Tags",
            "Tracing",
            "AutoPublishAlias",
            "PermissionsBoundary",
            "Architectures",
        ] {
            assert!(noted(&template.warnings, function, &format!("{property} is not emulated")));
        }
    }
    assert_eq!(warnings(&template).len(), 10, "{:#?}", template.warnings);
}

#[test]
fn event_source_mappings_read_dynamodb_streams_and_name_the_other_sources() {
    let written = as_written("function_with_event_source_mapping.yaml");
    assert!(written.functions.is_empty());
    let resources = [
        "KinesisStream: resource type AWS::Kinesis::Stream is not emulated",
        "KinesisStream1: resource type AWS::Kinesis::Stream is not emulated",
        "MySqsQueue: resource type AWS::SQS::Queue is not emulated",
        "MySnsTopic: resource type AWS::SNS::Topic is not emulated",
    ];
    let mut expected = vec![not_rust("MyFunctionForBatchingExample", "nodejs12.x")];
    expected.extend(resources.map(str::to_owned));
    assert_eq!(warnings(&written), expected);
    let [table] = written.tables.as_slice() else { panic!("one table") };
    assert_eq!(
        (table.logical_id.as_str(), table.name.as_str()),
        ("DynamoDBTable", "DynamoDBTable")
    );
    assert_eq!(table.attribute_definitions, [("id".to_owned(), "S".to_owned())]);
    assert_eq!(table.key_schema, [("id".to_owned(), "HASH".to_owned())]);
    assert_eq!(table.stream_view_type.as_deref(), Some("NEW_IMAGE"));
    assert_eq!(table.time_to_live_attribute, None);

    let mut template = as_rust("function_with_event_source_mapping.yaml");
    let function = &template.functions[0];
    let [event] = function.stream_events.as_slice() else { panic!("one DynamoDB event") };
    assert_eq!(event.event, "DynamoDBStreamEvent");
    let s = &event.settings;
    assert_eq!(s.batch_size, 100);
    assert_eq!(
        s.maximum_batching_window,
        Duration::from_secs(45),
        "!Ref of the parameter's Default"
    );
    assert_eq!(s.maximum_retry_attempts, Some(100));
    assert!(s.bisect_batch_on_function_error);
    assert_eq!(s.maximum_record_age, Some(Duration::from_secs(86_400)));
    assert_eq!(s.starting_position, StartingPosition::TrimHorizon);
    assert!(s.report_batch_item_failures);
    assert!(s.filters.is_empty());
    assert!(s.on_failure.is_some(), "the SQS destination is recorded, though not emulated");
    assert!(noted(
        &template.warnings,
        "MyFunctionForBatchingExample.Events.DynamoDBStreamEvent",
        "ParallelizationFactor"
    ));
    let mut expected = vec![
        "MyFunctionForBatchingExample: function property InlineCode is not emulated".to_owned(),
    ];
    for kinesis in [
        "Stream",
        "StreamEvent",
        "StreamEventWithoutDestinationConfigType",
        "StreamEventWithEmptyDestinationConfig",
    ] {
        expected.push(format!("MyFunctionForBatchingExample.Events.{kinesis}: event type Kinesis is not emulated; not attached"));
    }
    expected.push("MyFunctionForBatchingExample.Events.DynamoDBStreamEvent: DynamoDB event property TumblingWindowInSeconds is not emulated".to_owned());
    expected.extend(resources.map(str::to_owned));
    let mut got = warnings(&template);
    got.sort();
    expected.sort();
    assert_eq!(got, expected);

    let event = event.clone();
    assert!(template.stream_table(&event).unwrap_err().contains("DynamoDBTable.StreamArn"));
    template.set_stream_arn(
        "DynamoDBTable",
        "arn:aws:dynamodb:ddblocal:000000000000:table/DynamoDBTable/stream/1",
    );
    assert_eq!(template.stream_table(&event).map(|t| t.logical_id.as_str()), Ok("DynamoDBTable"));
}

#[test]
fn simple_tables_are_warned_about_by_name() {
    for template in [
        as_written("simple_table_with_table_name.yaml"),
        as_rust("simple_table_with_table_name.yaml"),
    ] {
        assert!(template.tables.is_empty());
        assert_eq!(
            warnings(&template),
            [
                "MinimalTableWithTableName",
                "MinimalTableWithRefTableName",
                "MinimalTableWithSubTableName"
            ]
            .map(|id| format!("{id}: resource type AWS::Serverless::SimpleTable is not emulated"))
        );
    }
}
