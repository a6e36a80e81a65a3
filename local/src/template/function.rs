//! `AWS::Serverless::Function` resources: `Globals.Function` merged under each function, the
//! build (`Metadata.BuildMethod: rust-cargolambda`, `BuildProperties.Binary`, `CodeUri`), the
//! settings Lambda gives the process, and the `HttpApi`, `Api` and `DynamoDB` events.

use std::path::Path;
use std::time::Duration;

use serde_yaml::{Mapping, Value};

use super::intrinsic::{scalar, Scope};
use super::{
    ApiKind, Function, HttpRoute, MappingSettings, StartingPosition, StreamEvent, Warnings,
};

/// Lambda's defaults when neither the function nor `Globals` sets them.
const DEFAULT_MEMORY_SIZE: u32 = 128;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// Properties that change nothing locally: accepted with a note, never silently.
const NOT_EMULATED: [&str; 14] = [
    "Policies",
    "Role",
    "Description",
    "Tags",
    "Tracing",
    "Architectures",
    "AutoPublishAlias",
    "DeploymentPreference",
    "ReservedConcurrentExecutions",
    "ProvisionedConcurrencyConfig",
    "VpcConfig",
    "EphemeralStorage",
    "PermissionsBoundary",
    "RuntimeManagementConfig",
];

/// Reads one function, `Globals.Function` (`globals`) under its own properties.
pub(super) fn parse_function(
    id: &str,
    resource: &Value,
    globals: &Mapping,
    template_dir: &Path,
    scope: &Scope,
    warnings: &mut Warnings,
) -> Option<Function> {
    let mut properties = globals.clone();
    let own = resource.get("Properties").and_then(Value::as_mapping).cloned().unwrap_or_default();
    let mut variables = Mapping::new();
    for source in [globals, &own] {
        if let Some(Value::Mapping(v)) = source.get("Environment").and_then(|e| e.get("Variables"))
        {
            variables.extend(v.clone());
        }
    }
    properties.extend(own);
    let text = |name: &str, warnings: &mut Warnings| -> Option<String> {
        let value = properties.get(name)?;
        match scope.string(value) {
            Ok(text) => Some(text),
            Err(reason) => {
                warnings.push(id, format!("{name} ignored: {reason}"));
                None
            }
        }
    };
    let runtime = text("Runtime", warnings).unwrap_or_default();
    let metadata = resource.get("Metadata");
    let build_method = metadata.and_then(|m| m.get("BuildMethod")).and_then(|v| scalar(v).ok());
    if !runtime.starts_with("provided") {
        warnings.push(
            id,
            format!("function not run: runtime {runtime:?} is not a Rust (provided.*) runtime"),
        );
        return None;
    }
    if build_method.as_deref() != Some("rust-cargolambda") {
        warnings.push(
            id,
            format!(
                "function not run: Metadata.BuildMethod is {}, not rust-cargolambda",
                build_method.as_deref().unwrap_or("unset")
            ),
        );
        return None;
    }
    let code_uri = text("CodeUri", warnings).unwrap_or_else(|| ".".to_owned());
    let code_dir = template_dir.join(&code_uri);
    let binary = metadata
        .and_then(|m| m.get("BuildProperties"))
        .and_then(|p| p.get("Binary"))
        .and_then(|b| scalar(b).ok())
        .or_else(|| package_name(&code_dir));
    let Some(binary) = binary else {
        warnings.push(
            id,
            format!("function not run: no BuildProperties.Binary and no package in {code_uri}"),
        );
        return None;
    };
    let number = |name: &str, default: u64, warnings: &mut Warnings| -> u64 {
        let value = properties.get(name).and_then(|v| scope.string(v).ok());
        match value.map(|v| v.parse::<u64>()) {
            None => default,
            Some(Ok(n)) => n,
            Some(Err(_)) => {
                warnings.push(id, format!("{name} is not a number; Lambda's default is used"));
                default
            }
        }
    };
    let memory_size = number("MemorySize", u64::from(DEFAULT_MEMORY_SIZE), warnings);
    let timeout = number("Timeout", DEFAULT_TIMEOUT.as_secs(), warnings);
    let logging = properties.get("LoggingConfig").and_then(|l| scope.resolve(l).ok());
    let logging_field =
        |name: &str| logging.as_ref().and_then(|l| l.get(name)).and_then(|v| scalar(v).ok());
    let mut function = Function {
        logical_id: id.to_owned(),
        name: text("FunctionName", warnings).unwrap_or_else(|| id.to_owned()),
        code_dir,
        binary,
        handler: text("Handler", warnings).unwrap_or_else(|| "bootstrap".to_owned()),
        runtime,
        memory_size: u32::try_from(memory_size).unwrap_or(u32::MAX),
        timeout: Duration::from_secs(timeout),
        environment: variables
            .iter()
            .filter_map(|(k, v)| Some((scalar(k).ok()?, v.clone())))
            .collect(),
        log_format: logging_field("LogFormat"),
        log_level: logging_field("ApplicationLogLevel"),
        routes: Vec::new(),
        stream_events: Vec::new(),
    };
    for key in properties.keys().filter_map(Value::as_str) {
        match key {
            "Runtime" | "Handler" | "CodeUri" | "FunctionName" | "MemorySize" | "Timeout"
            | "Environment" | "LoggingConfig" | "Events" => {}
            other if NOT_EMULATED.contains(&other) => {
                warnings.note(id, format!("{other} is not emulated (no effect locally)"));
            }
            other => warnings.push(id, format!("function property {other} is not emulated")),
        }
    }
    if let Some(Value::Mapping(events)) = properties.get("Events") {
        for (name, event) in events {
            let name = scalar(name).unwrap_or_default();
            parse_event(&mut function, &name, event, scope, warnings);
        }
    }
    Some(function)
}

fn parse_event(
    function: &mut Function,
    name: &str,
    event: &Value,
    scope: &Scope,
    warnings: &mut Warnings,
) {
    let id = format!("{}.Events.{name}", function.logical_id);
    let kind = event.get("Type").and_then(|t| scalar(t).ok()).unwrap_or_default();
    if !matches!(kind.as_str(), "HttpApi" | "Api" | "DynamoDB") {
        warnings.push(&id, format!("event type {kind} is not emulated; not attached"));
        return;
    }
    // `ApiId` and `RestApiId` only pick the API, and every API is served on the one local port:
    // an API resource (which resolves to nothing locally) must not keep the route out.
    let mut written = event.get("Properties").cloned();
    if let Some(Value::Mapping(p)) = written.as_mut().filter(|_| kind != "DynamoDB") {
        p.retain(|key, _| !matches!(key.as_str(), Some("ApiId" | "RestApiId")));
    }
    let properties = match written.as_ref().map(|p| scope.resolve(p)) {
        None => Value::Mapping(Mapping::new()),
        Some(Ok(properties)) => properties,
        // The stream ARN is known only once the tables exist: resolved again then.
        Some(Err(_)) if kind == "DynamoDB" => stream_properties(&id, event, scope, warnings),
        Some(Err(reason)) => {
            warnings.push(&id, format!("event not attached: {reason}"));
            return;
        }
    };
    let get = |key: &str| properties.get(key).and_then(|v| scalar(v).ok());
    match kind.as_str() {
        "HttpApi" | "Api" => {
            let api = if kind == "Api" || get("PayloadFormatVersion").as_deref() == Some("1.0") {
                ApiKind::Rest
            } else {
                ApiKind::Http
            };
            let method = get("Method").filter(|m| !m.eq_ignore_ascii_case("any"));
            // SAM writes the default route `/$default` as well as `$default`.
            let path =
                get("Path").filter(|p| p != "/$default").unwrap_or_else(|| "$default".to_owned());
            for key in properties.as_mapping().into_iter().flat_map(|m| m.keys()) {
                let key = key.as_str().unwrap_or_default();
                if !matches!(
                    key,
                    "Path"
                        | "Method"
                        | "PayloadFormatVersion"
                        | "ApiId"
                        | "RestApiId"
                        | "TimeoutInMillis"
                ) {
                    warnings.push(&id, format!("{kind} event property {key} is not emulated"));
                }
            }
            function.routes.push(HttpRoute {
                event: name.to_owned(),
                method: method.map(|m| m.to_ascii_uppercase()),
                path,
                api,
            });
        }
        "DynamoDB" => {
            if let Some(settings) = mapping_settings(&id, &properties, warnings) {
                function.stream_events.push(StreamEvent {
                    event: name.to_owned(),
                    stream: properties.get("Stream").cloned().unwrap_or_default(),
                    settings,
                });
            }
        }
        _ => {}
    }
}

/// A `DynamoDB` event's properties when they do not all resolve yet: each resolved, else
/// `Stream` as written (its ARN is known once the tables exist) and `DestinationConfig` as
/// written, and any other left out with a warning.
fn stream_properties(id: &str, event: &Value, scope: &Scope, warnings: &mut Warnings) -> Value {
    let mut properties = Mapping::new();
    let written = event.get("Properties").and_then(Value::as_mapping).cloned().unwrap_or_default();
    for (key, value) in written {
        match scope.resolve(&value) {
            Ok(value) => {
                properties.insert(key, value);
            }
            // The destination (an SQS queue or SNS topic) is not emulated either way: kept as
            // written for `MappingSettings::on_failure`.
            Err(_) if matches!(key.as_str(), Some("Stream" | "DestinationConfig")) => {
                properties.insert(key, value);
            }
            Err(reason) => {
                warnings.push(id, format!("{} ignored: {reason}", key.as_str().unwrap_or_default()))
            }
        }
    }
    Value::Mapping(properties)
}

fn mapping_settings(
    id: &str,
    properties: &Value,
    warnings: &mut Warnings,
) -> Option<MappingSettings> {
    let get = |key: &str| properties.get(key).and_then(|v| scalar(v).ok());
    let mut settings = MappingSettings::default();
    if get("Enabled").as_deref() == Some("false") {
        warnings.note(id, "Enabled: false; not attached");
        return None;
    }
    let mut number = |key: &str| -> Option<i64> {
        let text = get(key)?;
        match text.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                warnings
                    .push(id, format!("{key} {text:?} is not a number; Lambda's default is used"));
                None
            }
        }
    };
    if let Some(n) = number("BatchSize") {
        settings.batch_size = usize::try_from(n.clamp(1, 10_000)).unwrap_or(100);
    }
    if let Some(n) = number("MaximumRetryAttempts") {
        settings.maximum_retry_attempts = u32::try_from(n).ok();
    }
    if let Some(n) = number("MaximumBatchingWindowInSeconds") {
        settings.maximum_batching_window = Duration::from_secs(n.clamp(0, 300).unsigned_abs());
    }
    if let Some(n) = number("MaximumRecordAgeInSeconds") {
        settings.maximum_record_age = u64::try_from(n).ok().map(Duration::from_secs);
        if (0..60).contains(&n) {
            warnings.push(
                id,
                "MaximumRecordAgeInSeconds below 60 is rejected by Lambda; honoured locally",
            );
        }
    }
    settings.bisect_batch_on_function_error =
        get("BisectBatchOnFunctionError").as_deref() == Some("true");
    match get("StartingPosition").as_deref() {
        Some("LATEST") => settings.starting_position = StartingPosition::Latest,
        Some("TRIM_HORIZON") | None => {}
        Some(other) => warnings
            .push(id, format!("StartingPosition {other} is not emulated; TRIM_HORIZON used")),
    }
    settings.report_batch_item_failures =
        properties.get("FunctionResponseTypes").and_then(Value::as_sequence).is_some_and(|types| {
            types.iter().any(|t| scalar(t).is_ok_and(|t| t == "ReportBatchItemFailures"))
        });
    if let Some(filters) =
        properties.get("FilterCriteria").and_then(|f| f.get("Filters")).and_then(Value::as_sequence)
    {
        for filter in filters {
            match filter.get("Pattern").map(scalar) {
                Some(Ok(pattern)) => settings.filters.push(pattern),
                _ => warnings.push(id, "a FilterCriteria filter has no Pattern string; ignored"),
            }
        }
    }
    if let Some(on_failure) = properties.get("DestinationConfig").and_then(|d| d.get("OnFailure")) {
        let destination = on_failure.get("Destination").and_then(|d| scalar(d).ok());
        settings.on_failure =
            Some(destination.unwrap_or_else(|| "the on-failure destination".to_owned()));
    }
    for key in properties.as_mapping().into_iter().flat_map(|m| m.keys()).filter_map(Value::as_str)
    {
        match key {
            "Stream"
            | "Enabled"
            | "BatchSize"
            | "MaximumRetryAttempts"
            | "MaximumBatchingWindowInSeconds"
            | "MaximumRecordAgeInSeconds"
            | "BisectBatchOnFunctionError"
            | "StartingPosition"
            | "FunctionResponseTypes"
            | "FilterCriteria"
            | "DestinationConfig" => {}
            "ParallelizationFactor" => warnings
                .note(id, "ParallelizationFactor is not emulated: one batch per shard at a time"),
            other => warnings.push(id, format!("DynamoDB event property {other} is not emulated")),
        }
    }
    Some(settings)
}

/// The `[package] name` of `dir/Cargo.toml`, read without a TOML parser: SAM builds that
/// package's binary when `BuildProperties.Binary` is not set.
fn package_name(dir: &Path) -> Option<String> {
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            if let Some(value) =
                line.strip_prefix("name").map(str::trim).and_then(|l| l.strip_prefix('='))
            {
                return Some(value.trim().trim_matches('"').to_owned());
            }
        }
    }
    None
}
