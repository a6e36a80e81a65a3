//! A SAM template read for running it locally: the DynamoDB tables to create, the Rust functions
//! to build and run, their HTTP routes and stream mappings, and a [`Warning`] naming the resource
//! for everything in the template that is not emulated. YAML short-form tags (`!Ref`, `!GetAtt`,
//! `!Sub`, `!If`, …) and their long forms are resolved to local names (`intrinsic`); tables are
//! read in `table`, functions and their events in `function`.
//!
//! ```
//! use ferrodyn_local::template::{Options, Template};
//! let yaml = r#"
//! Resources:
//!   Orders:
//!     Type: AWS::DynamoDB::Table
//!     Properties:
//!       AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
//!       KeySchema: [{AttributeName: pk, KeyType: HASH}]
//!   Queue:
//!     Type: AWS::SQS::Queue
//! "#;
//! let template = Template::parse(yaml, ".".as_ref(), &Options::default()).unwrap();
//! assert_eq!(template.tables[0].name, "Orders");
//! assert_eq!(template.warnings[0].resource, "Queue");
//! ```

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_yaml::Value;

mod function;
mod intrinsic;
mod table;

pub use crate::stream_poller::StartingPosition;
pub use intrinsic::ACCOUNT_ID;
use intrinsic::{Scope, Target};

/// How to name what the template declares locally.
#[derive(Debug, Clone)]
pub struct Options {
    /// `AWS::Region` (default `us-east-1`).
    pub region: String,
    /// `AWS::StackName` (default `local`).
    pub stack_name: String,
    /// Put before every table's local name (default none), so that several runs can share one
    /// DynamoDB Local.
    pub table_prefix: String,
    /// Parameter values, over the template's `Default`s.
    pub parameters: HashMap<String, String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            region: "us-east-1".to_owned(),
            stack_name: "local".to_owned(),
            table_prefix: String::new(),
            parameters: HashMap::new(),
        }
    }
}

/// Something in the template that runs differently locally, or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The logical id, and for an event `Function.Events.Name`.
    pub resource: String,
    /// What is not emulated and what happens instead.
    pub message: String,
    /// Only a note: the part has no local effect to emulate (IAM policies, backups).
    pub note: bool,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = if self.note { "note" } else { "warning" };
        write!(f, "{level}: {}: {}", self.resource, self.message)
    }
}

#[derive(Debug, Default)]
struct Warnings(Vec<Warning>);

impl Warnings {
    fn push(&mut self, resource: &str, message: impl Into<String>) {
        self.0.push(Warning {
            resource: resource.to_owned(),
            message: message.into(),
            note: false,
        });
    }

    fn note(&mut self, resource: &str, message: impl Into<String>) {
        self.0.push(Warning { resource: resource.to_owned(), message: message.into(), note: true });
    }
}

/// An `AWS::DynamoDB::Table` as it is created locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The logical id.
    pub logical_id: String,
    /// The local table name: `TableName` resolved, else the logical id, after the prefix.
    pub name: String,
    /// `AttributeDefinitions`: (name, type).
    pub attribute_definitions: Vec<(String, String)>,
    /// `KeySchema`: (attribute, `HASH` or `RANGE`).
    pub key_schema: Vec<(String, String)>,
    /// `GlobalSecondaryIndexes`.
    pub global_secondary_indexes: Vec<TableIndex>,
    /// `LocalSecondaryIndexes`.
    pub local_secondary_indexes: Vec<TableIndex>,
    /// `StreamSpecification.StreamViewType`, when the table has a stream.
    pub stream_view_type: Option<String>,
    /// `TimeToLiveSpecification.AttributeName`, when enabled.
    pub time_to_live_attribute: Option<String>,
}

/// A secondary index of a [`Table`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableIndex {
    /// `IndexName`.
    pub name: String,
    /// `KeySchema`: (attribute, `HASH` or `RANGE`).
    pub key_schema: Vec<(String, String)>,
    /// `Projection.ProjectionType` (default `KEYS_ONLY`).
    pub projection_type: String,
    /// `Projection.NonKeyAttributes`.
    pub non_key_attributes: Vec<String>,
}

/// An `AWS::Serverless::Function` built with `rust-cargolambda`.
#[derive(Debug, Clone)]
pub struct Function {
    /// The logical id.
    pub logical_id: String,
    /// `FunctionName`, else the logical id: `AWS_LAMBDA_FUNCTION_NAME`.
    pub name: String,
    /// The template's directory joined with `CodeUri`: where `cargo build` runs.
    pub code_dir: PathBuf,
    /// `Metadata.BuildProperties.Binary`, else the package's name in `CodeUri`.
    pub binary: String,
    /// `Handler` (`_HANDLER`).
    pub handler: String,
    /// `Runtime` (`provided.al2023` or `provided.al2`).
    pub runtime: String,
    /// `MemorySize` in MB, from the function or `Globals` (Lambda's default 128).
    pub memory_size: u32,
    /// `Timeout`, from the function or `Globals` (Lambda's default 3 s).
    pub timeout: Duration,
    /// `Environment.Variables`, `Globals`' under the function's, unresolved: see
    /// [`Template::environment`].
    pub environment: Vec<(String, Value)>,
    /// `LoggingConfig.LogFormat` (`AWS_LAMBDA_LOG_FORMAT`).
    pub log_format: Option<String>,
    /// `LoggingConfig.ApplicationLogLevel` (`AWS_LAMBDA_LOG_LEVEL`).
    pub log_level: Option<String>,
    /// Its `HttpApi` and `Api` events.
    pub routes: Vec<HttpRoute>,
    /// Its `DynamoDB` events.
    pub stream_events: Vec<StreamEvent>,
}

/// Which API Gateway an HTTP event belongs to, and so the event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKind {
    /// `HttpApi`: payload format 2.0 (unless `PayloadFormatVersion: "1.0"`).
    Http,
    /// `Api` (REST), or `HttpApi` with payload format 1.0.
    Rest,
}

/// One `HttpApi` or `Api` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRoute {
    /// The event's name.
    pub event: String,
    /// `Method`, upper case; `None` for `ANY` or no method.
    pub method: Option<String>,
    /// `Path` as SAM writes it (`/orders/{id}`, `/{proxy+}`), or `$default`.
    pub path: String,
    /// The payload the function receives.
    pub api: ApiKind,
}

/// One `DynamoDB` event: a stream mapping.
#[derive(Debug, Clone)]
pub struct StreamEvent {
    /// The event's name.
    pub event: String,
    /// `Stream`, unresolved (the stream exists once the table does): see
    /// [`Template::stream_table`].
    pub stream: Value,
    /// The mapping's settings.
    pub settings: MappingSettings,
}

/// A stream mapping's settings, with Lambda's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingSettings {
    /// `BatchSize` (default 100).
    pub batch_size: usize,
    /// `StartingPosition`.
    pub starting_position: StartingPosition,
    /// `MaximumRetryAttempts` (`None`: -1, retry until the record expires).
    pub maximum_retry_attempts: Option<u32>,
    /// `BisectBatchOnFunctionError`.
    pub bisect_batch_on_function_error: bool,
    /// `FilterCriteria.Filters[].Pattern`.
    pub filters: Vec<String>,
    /// `FunctionResponseTypes` holds `ReportBatchItemFailures`.
    pub report_batch_item_failures: bool,
    /// `MaximumBatchingWindowInSeconds` (default 0).
    pub maximum_batching_window: Duration,
    /// `MaximumRecordAgeInSeconds` (`None`: -1, no limit).
    pub maximum_record_age: Option<Duration>,
    /// `DestinationConfig.OnFailure.Destination`, as written or resolved.
    pub on_failure: Option<String>,
}

impl Default for MappingSettings {
    fn default() -> Self {
        MappingSettings {
            batch_size: 100,
            starting_position: StartingPosition::TrimHorizon,
            maximum_retry_attempts: None,
            bisect_batch_on_function_error: false,
            filters: Vec::new(),
            report_batch_item_failures: false,
            maximum_batching_window: Duration::ZERO,
            maximum_record_age: None,
            on_failure: None,
        }
    }
}

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    /// The tables, in template order.
    pub tables: Vec<Table>,
    /// The functions that can run locally, in template order.
    pub functions: Vec<Function>,
    /// The REST API's `BinaryMediaTypes` (`Globals.Api` and every `AWS::Serverless::Api`'s),
    /// for the `Api` routes.
    pub binary_media_types: Vec<String>,
    /// Everything not emulated, in template order.
    pub warnings: Vec<Warning>,
    scope: Scope,
}

/// A template that is not YAML or has no `Resources` map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TemplateError {}

impl Template {
    /// Reads the template at `path` (`CodeUri`s are relative to its directory).
    ///
    /// # Errors
    /// The file cannot be read, or see [`parse`](Self::parse).
    pub fn read(path: &Path, options: &Options) -> Result<Template, TemplateError> {
        let text = std::fs::read_to_string(path).map_err(|e| TemplateError {
            message: format!("reading the template {}: {e}", path.display()),
        })?;
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        Self::parse(&text, dir, options)
    }

    /// Parses a template's text; `dir` is the directory `CodeUri`s are relative to. Anything
    /// not emulated becomes a [`Warning`], never an error.
    ///
    /// # Errors
    /// The text is not YAML, or has no `Resources` map.
    pub fn parse(text: &str, dir: &Path, options: &Options) -> Result<Template, TemplateError> {
        let document: Value = serde_yaml::from_str(text)
            .map_err(|e| TemplateError { message: format!("the template is not YAML: {e}") })?;
        let Some(resources) = document.get("Resources").and_then(Value::as_mapping) else {
            return Err(TemplateError { message: "the template has no Resources map".to_owned() });
        };
        let section = |name: &str| document.get(name).and_then(Value::as_mapping).cloned();
        let mut warnings = Warnings::default();
        let mut scope = Scope {
            region: options.region.clone(),
            stack_name: options.stack_name.clone(),
            conditions: section("Conditions").unwrap_or_default(),
            mappings: section("Mappings").unwrap_or_default(),
            ..Scope::default()
        };
        for (name, parameter) in section("Parameters").unwrap_or_default() {
            let Some(name) = name.as_str() else { continue };
            let value = options
                .parameters
                .get(name)
                .cloned()
                .or_else(|| parameter.get("Default").and_then(|d| intrinsic::scalar(d).ok()));
            scope.targets.insert(name.to_owned(), Target::Parameter(value));
        }
        let kind_of = |resource: &Value| {
            resource.get("Type").and_then(|t| intrinsic::scalar(t).ok()).unwrap_or_default()
        };
        // Names first, so that any resource may refer to any other.
        for (id, resource) in resources {
            let Some(id) = id.as_str() else { continue };
            let target = match kind_of(resource).as_str() {
                "AWS::DynamoDB::Table" => {
                    let name = resource.get("Properties").and_then(|p| p.get("TableName"));
                    let name = match name.map(|n| scope.string(n)) {
                        None => id.to_owned(),
                        Some(Ok(name)) => name,
                        Some(Err(reason)) => {
                            warnings
                                .push(id, format!("TableName {reason}; the logical id is used"));
                            id.to_owned()
                        }
                    };
                    Target::Table(format!("{}{name}", options.table_prefix))
                }
                "AWS::Serverless::Function" => {
                    let name = resource.get("Properties").and_then(|p| p.get("FunctionName"));
                    Target::Function(
                        name.and_then(|n| scope.string(n).ok()).unwrap_or_else(|| id.to_owned()),
                    )
                }
                other => Target::Other(other.to_owned()),
            };
            scope.targets.insert(id.to_owned(), target);
        }
        let globals = document
            .get("Globals")
            .and_then(|g| g.get("Function"))
            .and_then(Value::as_mapping)
            .cloned()
            .unwrap_or_default();
        let mut tables = Vec::new();
        let mut functions = Vec::new();
        let media_types = |api: Option<&Value>| -> Vec<String> {
            api.and_then(|a| a.get("BinaryMediaTypes"))
                .and_then(|t| scope.resolve(t).ok())
                .and_then(|t| t.as_sequence().cloned())
                .map(|t| t.iter().filter_map(|m| intrinsic::scalar(m).ok()).collect())
                .unwrap_or_default()
        };
        let mut binary_media_types =
            media_types(document.get("Globals").and_then(|g| g.get("Api")));
        for (id, resource) in resources {
            let Some(id) = id.as_str() else { continue };
            if let Some(condition) =
                resource.get("Condition").and_then(|c| intrinsic::scalar(c).ok())
            {
                match scope.condition(&condition) {
                    Ok(true) => {}
                    Ok(false) => {
                        warnings.note(id, format!("condition {condition} is false; not created"));
                        continue;
                    }
                    Err(reason) => {
                        warnings.push(id, format!("condition {condition}: {reason}; not created"));
                        continue;
                    }
                }
            }
            match (kind_of(resource).as_str(), scope.targets.get(id)) {
                ("AWS::DynamoDB::Table", Some(Target::Table(name))) => {
                    let properties = resource.get("Properties").cloned().unwrap_or_default();
                    tables.extend(table::parse_table(id, name.clone(), &properties, &scope, &mut warnings));
                }
                ("AWS::Serverless::Function", _) => functions.extend(function::parse_function(
                    id, resource, &globals, dir, &scope, &mut warnings,
                )),
                ("AWS::Serverless::Api", _) => {
                    binary_media_types.extend(media_types(resource.get("Properties")));
                    warnings.push(
                        id,
                        "REST API settings other than BinaryMediaTypes are not emulated; its functions' events are served on the local port",
                    );
                }
                ("AWS::Serverless::HttpApi", _) => warnings.push(
                    id,
                    "API resource settings are not emulated; its functions' events are served on the local port",
                ),
                (other, _) => warnings.push(id, format!("resource type {other} is not emulated")),
            }
        }
        binary_media_types.dedup();
        Ok(Template { tables, functions, binary_media_types, warnings: warnings.0, scope })
    }

    /// Records the stream ARN of a table (by logical id) once it exists, for `!GetAtt
    /// Table.StreamArn`.
    pub fn set_stream_arn(&mut self, table: &str, stream_arn: impl Into<String>) {
        self.scope.stream_arns.insert(table.to_owned(), stream_arn.into());
    }

    /// A function's `Environment.Variables` resolved to local names, and a warning for each one
    /// left out because it cannot be resolved.
    pub fn environment(&self, function: &Function) -> (Vec<(String, String)>, Vec<Warning>) {
        let mut vars = Vec::new();
        let mut warnings = Warnings::default();
        for (name, value) in &function.environment {
            match self.scope.string(value) {
                Ok(value) => vars.push((name.clone(), value)),
                Err(reason) => warnings.push(
                    &function.logical_id,
                    format!("environment variable {name} left unset: {reason}"),
                ),
            }
        }
        (vars, warnings.0)
    }

    /// The table (logical id) a `DynamoDB` event reads, once [`set_stream_arn`] has been
    /// called for the tables.
    ///
    /// # Errors
    /// The `Stream` cannot be resolved, or names no stream of the template's tables (a warning's
    /// text).
    ///
    /// [`set_stream_arn`]: Self::set_stream_arn
    pub fn stream_table(&self, event: &StreamEvent) -> Result<&Table, String> {
        let arn = self.scope.string(&event.stream)?;
        let stream_of = |t: &&Table| self.scope.stream_arns.get(&t.logical_id) == Some(&arn);
        let named = |t: &&Table| arn.contains(&format!(":table/{}/stream/", t.name));
        self.tables
            .iter()
            .find(stream_of)
            .or_else(|| self.tables.iter().find(named))
            .ok_or_else(|| format!("Stream {arn} is not the stream of a table in the template"))
    }

    /// Resolves any template value (`!Ref`, `!Sub`, …) to a string.
    ///
    /// # Errors
    /// What could not be resolved.
    pub fn resolve_string(&self, value: &Value) -> Result<String, String> {
        self.scope.string(value)
    }

    /// `AWS::Region` as the template sees it.
    pub fn region(&self) -> &str {
        &self.scope.region
    }
}
