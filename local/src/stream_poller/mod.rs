//! A local stand-in for Lambda's DynamoDB event source mapping: [`StreamPoller`] reads a table's
//! stream from DynamoDB Local (DescribeStream page by page, GetShardIterator, GetRecords, parent
//! shards drained before their children), turns the records into the event document Lambda
//! sends ([`lambda_event`]), invokes a function with it, and answers the function's
//! `batchItemFailures` as Lambda does: checkpoint before the lowest failed sequence number,
//! redeliver from there, give up after `MaximumRetryAttempts` and hand the batch to the
//! on-failure destination. Filter patterns select records before batching, as the mapping's
//! `FilterCriteria` do.
//!
//! The poller is a test and demo tool: it reads what is in the stream when asked ([`run`] stops
//! once every open shard is caught up) rather than polling forever, and it delivers one batch at
//! a time, in shard order.
//!
//! [`run`]: StreamPoller::run

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::time::Duration;

use aws_sdk_dynamodbstreams::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodbstreams::types::{AttributeValue, ShardIteratorType};
use aws_sdk_dynamodbstreams::Client;
use serde_json::{json, Map, Value};

use crate::runtime_api::{InvocationResult, InvokeError, LocalFunction, RuntimeApi};

pub use aws_sdk_dynamodbstreams::types::Record;

/// Lambda's default `BatchSize` for DynamoDB streams.
pub const DEFAULT_BATCH_SIZE: usize = 100;
/// The most records one GetRecords call returns.
const GET_RECORDS_LIMIT: i32 = 1000;
/// How long one invocation may take before it counts as a function error.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(60);

/// A failure to read the stream, or a function that can no longer be invoked.
///
/// The message names the operation and the stream or shard; never record contents.
#[derive(Clone, PartialEq, Eq)]
pub struct PollerError {
    message: String,
}

impl PollerError {
    fn new(operation: &str, detail: impl fmt::Display) -> Self {
        Self { message: format!("stream poller: {operation}: {detail}") }
    }
}

impl fmt::Debug for PollerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for PollerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PollerError {}

/// Something the poller can invoke with an event: a [`LocalFunction`], a bare [`RuntimeApi`]
/// whose runtime side the caller plays, or a closure standing in for the function.
pub trait Invoke {
    /// Delivers `event` and waits for the function's result.
    ///
    /// # Errors
    /// No result: a time-out, an init error or a process that exited.
    fn invoke_event(&self, event: &str) -> Result<InvocationResult, InvokeError>;
}

impl Invoke for LocalFunction {
    fn invoke_event(&self, event: &str) -> Result<InvocationResult, InvokeError> {
        self.invoke_timeout(event, INVOKE_TIMEOUT)
    }
}

impl Invoke for RuntimeApi {
    fn invoke_event(&self, event: &str) -> Result<InvocationResult, InvokeError> {
        self.invoke_timeout(event, INVOKE_TIMEOUT)
    }
}

impl<F> Invoke for F
where
    F: Fn(&str) -> Result<InvocationResult, InvokeError>,
{
    fn invoke_event(&self, event: &str) -> Result<InvocationResult, InvokeError> {
        self(event)
    }
}

/// How one invocation ended, as the poller read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// No `batchItemFailures` (or an empty list): the whole batch is checkpointed.
    Success,
    /// `batchItemFailures` named this lowest sequence number: the records before it are
    /// checkpointed, it and the rest are redelivered.
    PartialFailure {
        /// The lowest reported sequence number.
        first_failed: String,
    },
    /// The function failed, timed out, or answered a failure list Lambda rejects (an empty,
    /// null or unknown identifier): the whole batch is retried.
    FunctionError(String),
}

/// One invocation the poller made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The shard the batch came from.
    pub shard_id: String,
    /// The batch's sequence numbers, in delivery order.
    pub sequence_numbers: Vec<String>,
    /// How it ended.
    pub outcome: Outcome,
}

/// What the mapping sends to its on-failure destination when it gives up on a batch: where the
/// records are in the stream, not the records themselves (as Lambda's invocation record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedBatch {
    /// The shard.
    pub shard_id: String,
    /// The first sequence number given up on.
    pub start_sequence_number: String,
    /// The last sequence number given up on.
    pub end_sequence_number: String,
    /// How many records were given up on.
    pub batch_size: usize,
    /// Attempts made, the first included.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub condition: String,
}

/// One filter pattern of a mapping's `FilterCriteria`.
///
/// Supports what single-table consumers use: nested objects, arrays of literal values (any may
/// match), and `{"exists": bool}`, `{"prefix": "…"}`, `{"anything-but": [...]}` inside them.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterPattern {
    pattern: Value,
}

impl FilterPattern {
    /// Parses a pattern as written in `FilterCriteria.Filters[].Pattern`.
    ///
    /// # Errors
    /// The text is not a JSON object, or uses a rule this poller does not implement.
    pub fn parse(text: &str) -> Result<FilterPattern, PollerError> {
        let pattern: Value = serde_json::from_str(text)
            .map_err(|e| PollerError::new("filter pattern", format!("not JSON: {e}")))?;
        check_pattern(&pattern)?;
        Ok(FilterPattern { pattern })
    }

    /// Whether the Lambda event record `record` (one element of `Records`) matches.
    pub fn matches(&self, record: &Value) -> bool {
        matches_object(&self.pattern, Some(record))
    }
}

fn check_pattern(pattern: &Value) -> Result<(), PollerError> {
    let Value::Object(fields) = pattern else {
        return Err(PollerError::new("filter pattern", "each level must be a JSON object"));
    };
    for (name, rule) in fields {
        match rule {
            Value::Object(_) => check_pattern(rule)?,
            Value::Array(values) => {
                for value in values {
                    if let Value::Object(operator) = value {
                        let known = operator.len() == 1
                            && operator.keys().all(|k| {
                                matches!(k.as_str(), "exists" | "prefix" | "anything-but")
                            });
                        if !known {
                            return Err(PollerError::new(
                                "filter pattern",
                                format!("unsupported rule under `{name}`"),
                            ));
                        }
                    }
                }
            }
            _ => {
                return Err(PollerError::new(
                    "filter pattern",
                    format!("`{name}` must hold an object or an array"),
                ))
            }
        }
    }
    Ok(())
}

fn matches_object(pattern: &Value, value: Option<&Value>) -> bool {
    let Value::Object(fields) = pattern else { return false };
    fields.iter().all(|(name, rule)| {
        let field = value.and_then(|v| v.get(name));
        match rule {
            Value::Object(_) => matches_object(rule, field),
            Value::Array(alternatives) => alternatives.iter().any(|a| matches_value(a, field)),
            _ => false,
        }
    })
}

fn matches_value(rule: &Value, field: Option<&Value>) -> bool {
    match rule {
        Value::Object(operator) => {
            if let Some(exists) = operator.get("exists").and_then(Value::as_bool) {
                return field.is_some() == exists;
            }
            if let Some(prefix) = operator.get("prefix").and_then(Value::as_str) {
                return field.and_then(Value::as_str).is_some_and(|s| s.starts_with(prefix));
            }
            if let Some(excluded) = operator.get("anything-but") {
                return match (field, excluded) {
                    (None, _) => false,
                    (Some(v), Value::Array(list)) => !list.contains(v),
                    (Some(v), single) => v != single,
                };
            }
            false
        }
        literal => field == Some(literal),
    }
}

/// The Lambda event for `records`: `{"Records":[…]}` as Lambda's DynamoDB event source mapping
/// sends it, each record with `eventSource` `aws:dynamodb`, `eventSourceARN` `stream_arn`,
/// images in DynamoDB JSON (binary values base64), and `userIdentity` only on TTL deletions.
///
/// # Errors
/// A record lacks its `dynamodb` body or holds an attribute type this SDK version does not know.
pub fn lambda_event(records: &[Record], stream_arn: &str) -> Result<Value, PollerError> {
    let records =
        records.iter().map(|r| lambda_record(r, stream_arn)).collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "Records": records }))
}

/// One element of the event's `Records`.
fn lambda_record(record: &Record, stream_arn: &str) -> Result<Value, PollerError> {
    let body = record.dynamodb().ok_or_else(|| {
        PollerError::new("GetRecords", format!("a record of {stream_arn} has no `dynamodb` body"))
    })?;
    let mut dynamodb = Map::new();
    if let Some(created) = body.approximate_creation_date_time() {
        dynamodb.insert("ApproximateCreationDateTime".into(), json!(created.secs()));
    }
    for (name, image) in
        [("Keys", body.keys()), ("NewImage", body.new_image()), ("OldImage", body.old_image())]
    {
        if let Some(image) = image {
            dynamodb.insert(name.into(), item_json(image)?);
        }
    }
    if let Some(sequence_number) = body.sequence_number() {
        dynamodb.insert("SequenceNumber".into(), json!(sequence_number));
    }
    if let Some(size) = body.size_bytes() {
        dynamodb.insert("SizeBytes".into(), json!(size));
    }
    if let Some(view) = body.stream_view_type() {
        dynamodb.insert("StreamViewType".into(), json!(view.as_str()));
    }
    let mut out = Map::new();
    out.insert("eventID".into(), json!(record.event_id().unwrap_or_default()));
    out.insert("eventName".into(), json!(record.event_name().map_or("", |n| n.as_str())));
    out.insert("eventVersion".into(), json!(record.event_version().unwrap_or("1.1")));
    out.insert("eventSource".into(), json!("aws:dynamodb"));
    out.insert("awsRegion".into(), json!(record.aws_region().unwrap_or("us-east-1")));
    out.insert("dynamodb".into(), Value::Object(dynamodb));
    out.insert("eventSourceARN".into(), json!(stream_arn));
    if let Some(identity) = record.user_identity() {
        out.insert(
            "userIdentity".into(),
            json!({
                "type": identity.r#type().unwrap_or_default(),
                "principalId": identity.principal_id().unwrap_or_default(),
            }),
        );
    }
    Ok(Value::Object(out))
}

fn item_json(item: &HashMap<String, AttributeValue>) -> Result<Value, PollerError> {
    let mut map = Map::new();
    for (name, value) in item {
        map.insert(name.clone(), attribute_json(value)?);
    }
    Ok(Value::Object(map))
}

/// DynamoDB JSON, as Lambda writes it: numbers as strings, binary as base64.
fn attribute_json(value: &AttributeValue) -> Result<Value, PollerError> {
    use aws_smithy_types::base64::encode;
    Ok(match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => json!({ "B": encode(b.as_ref()) }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(n) => json!({ "NULL": n }),
        AttributeValue::Ss(set) => json!({ "SS": set }),
        AttributeValue::Ns(set) => json!({ "NS": set }),
        AttributeValue::Bs(set) => {
            json!({ "BS": set.iter().map(|b| encode(b.as_ref())).collect::<Vec<_>>() })
        }
        AttributeValue::L(list) => {
            json!({ "L": list.iter().map(attribute_json).collect::<Result<Vec<_>, _>>()? })
        }
        AttributeValue::M(map) => json!({ "M": item_json(map)? }),
        _ => {
            return Err(PollerError::new(
                "GetRecords",
                "a record holds an attribute type this SDK version does not know",
            ))
        }
    })
}

/// Orders sequence numbers (decimal strings of varying length) numerically.
fn sequence_key(sequence_number: &str) -> (usize, &str) {
    let digits = sequence_number.trim_start_matches('0');
    (digits.len(), digits)
}

/// A shard as DescribeStream lists it, and how far the poller has read and checkpointed it.
#[derive(Debug)]
struct ShardState {
    id: String,
    parent: Option<String>,
    /// `None` before the first GetShardIterator and after the shard was read to its end.
    iterator: Option<String>,
    started: bool,
    /// The shard was read to its end (GetRecords returned no next iterator).
    closed: bool,
    /// Read, filtered, not yet checkpointed.
    buffer: VecDeque<(String, Value)>,
    /// Failed attempts at the batch at the head of `buffer`.
    attempts: u32,
    /// The batch size for the next attempt, below the mapping's while a failed batch is bisected.
    batch_limit: usize,
}

impl ShardState {
    fn drained(&self) -> bool {
        self.closed && self.buffer.is_empty()
    }
}

/// What one [`StreamPoller::run`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Every invocation, in order.
    pub invocations: Vec<Invocation>,
    /// Batches given up on during this run.
    pub failed_batches: Vec<FailedBatch>,
}

impl Delivery {
    /// How many records were checkpointed as processed.
    pub fn records_processed(&self) -> usize {
        self.invocations
            .iter()
            .map(|i| match &i.outcome {
                Outcome::Success => i.sequence_numbers.len(),
                Outcome::PartialFailure { first_failed } => {
                    i.sequence_numbers.iter().take_while(|s| *s != first_failed).count()
                }
                Outcome::FunctionError(_) => 0,
            })
            .sum()
    }
}

/// Reads one table's stream from DynamoDB Local and delivers it as Lambda would.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use ferrodyn_local::runtime_api::Bootstrap;
/// use ferrodyn_local::stream_poller::StreamPoller;
/// let endpoint = ferrodyn_local::shared_endpoint()?;
/// let function = Bootstrap::new("target/debug/order-stream").spawn()?;
/// let mut poller = StreamPoller::connect(endpoint, "shop")
///     .await?
///     .batch_size(10)
///     .maximum_retry_attempts(2)
///     .filter(r#"{"dynamodb":{"NewImage":{"entity":{"S":["Order"]}}}}"#)?;
/// let delivery = poller.run(&function).await?;
/// println!("{} invocations", delivery.invocations.len());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct StreamPoller {
    client: Client,
    stream_arn: String,
    batch_size: usize,
    maximum_retry_attempts: Option<u32>,
    bisect_batch_on_function_error: bool,
    filters: Vec<FilterPattern>,
    describe_page_size: Option<i32>,
    shards: Vec<ShardState>,
    failed_batches: Vec<FailedBatch>,
}

impl StreamPoller {
    /// A poller on the latest stream of `table` at `endpoint` (DynamoDB Local), reading from the
    /// start of each shard (`TRIM_HORIZON`), with Lambda's defaults: batches of 100, retries
    /// without bound, no bisection, no filter.
    ///
    /// # Errors
    /// ListStreams fails or the table has no stream.
    pub async fn connect(endpoint: &str, table: &str) -> Result<StreamPoller, PollerError> {
        let config = aws_sdk_dynamodbstreams::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("local", "local", None, None, "ferrodyn-local"))
            .build();
        let client = Client::from_conf(config);
        let streams = client
            .list_streams()
            .table_name(table)
            .send()
            .await
            .map_err(|e| PollerError::new(&format!("ListStreams on table {table}"), e))?;
        let stream_arn = streams
            .streams()
            .iter()
            .filter_map(|s| s.stream_arn())
            .max()
            .ok_or_else(|| {
                PollerError::new(
                    &format!("ListStreams on table {table}"),
                    "the table has no stream",
                )
            })?
            .to_owned();
        Ok(Self::with_client(client, stream_arn))
    }

    /// A poller on the stream `stream_arn`, through `client`, with Lambda's defaults.
    pub fn with_client(client: Client, stream_arn: String) -> StreamPoller {
        StreamPoller {
            client,
            stream_arn,
            batch_size: DEFAULT_BATCH_SIZE,
            maximum_retry_attempts: None,
            bisect_batch_on_function_error: false,
            filters: Vec::new(),
            describe_page_size: None,
            shards: Vec::new(),
            failed_batches: Vec::new(),
        }
    }

    /// `BatchSize`: the most records in one event (at least 1).
    #[must_use]
    pub fn batch_size(mut self, records: usize) -> StreamPoller {
        self.batch_size = records.max(1);
        self
    }

    /// `MaximumRetryAttempts`: retries of a failing batch before it goes to the on-failure
    /// destination (Lambda's default, and this poller's, is no bound).
    #[must_use]
    pub fn maximum_retry_attempts(mut self, retries: u32) -> StreamPoller {
        self.maximum_retry_attempts = Some(retries);
        self
    }

    /// `BisectBatchOnFunctionError`: after a function error, retry the first half of the batch
    /// on its own (halving again on each error), then go back to whole batches once one
    /// succeeds.
    #[must_use]
    pub fn bisect_batch_on_function_error(mut self, bisect: bool) -> StreamPoller {
        self.bisect_batch_on_function_error = bisect;
        self
    }

    /// Adds a `FilterCriteria` pattern; a record is delivered when any pattern matches, and
    /// records no pattern matches are checkpointed without an invocation.
    ///
    /// # Errors
    /// See [`FilterPattern::parse`].
    pub fn filter(mut self, pattern: &str) -> Result<StreamPoller, PollerError> {
        self.filters.push(FilterPattern::parse(pattern)?);
        Ok(self)
    }

    /// Lists shards this many at a time (DescribeStream's `Limit`), to exercise pagination.
    #[must_use]
    pub fn describe_page_size(mut self, shards: i32) -> StreamPoller {
        self.describe_page_size = Some(shards);
        self
    }

    /// The stream's ARN.
    pub fn stream_arn(&self) -> &str {
        &self.stream_arn
    }

    /// Every batch given up on so far: what the on-failure destination received.
    pub fn failed_batches(&self) -> &[FailedBatch] {
        &self.failed_batches
    }

    /// Reads every record not read yet (all shards, parents first, filters applied) and returns
    /// them as one Lambda event, checkpointing them: a fixture of what Lambda would deliver.
    ///
    /// # Errors
    /// A stream request fails, or a record cannot be turned into event JSON.
    pub async fn capture_event(&mut self) -> Result<Value, PollerError> {
        let mut records = Vec::new();
        loop {
            self.refresh_shards().await?;
            let mut progressed = false;
            for index in 0..self.shards.len() {
                if !self.ready(index) {
                    continue;
                }
                let was_closed = self.shards[index].closed;
                self.fill(index, usize::MAX).await?;
                let shard = &mut self.shards[index];
                progressed |= !shard.buffer.is_empty() || shard.closed != was_closed;
                records.extend(shard.buffer.drain(..).map(|(_, record)| record));
            }
            if !progressed {
                return Ok(json!({ "Records": records }));
            }
        }
    }

    /// Delivers everything in the stream not yet checkpointed to `function`, batch by batch, and
    /// returns once every shard is caught up (or given up on).
    ///
    /// Invocations block the calling thread: the function is another process or thread, and
    /// the poller has nothing else to do meanwhile (Lambda, too, runs one batch per shard at a
    /// time).
    ///
    /// # Errors
    /// A stream request fails, or the function can no longer be invoked (it failed to
    /// initialise or its process exited). A time-out counts as a function error, as on Lambda.
    pub async fn run(&mut self, function: &impl Invoke) -> Result<Delivery, PollerError> {
        let mut delivery = Delivery::default();
        loop {
            self.refresh_shards().await?;
            let mut progressed = false;
            for index in 0..self.shards.len() {
                if !self.ready(index) {
                    continue;
                }
                loop {
                    let was_closed = self.shards[index].closed;
                    let limit = self.shards[index].batch_limit;
                    self.fill(index, limit).await?;
                    progressed |= self.shards[index].closed != was_closed;
                    if self.shards[index].buffer.is_empty() {
                        break;
                    }
                    self.deliver(index, function, &mut delivery)?;
                    progressed = true;
                }
            }
            if !progressed {
                return Ok(delivery);
            }
        }
    }

    /// Whether shard `index` may be read: its parent is gone from the stream or fully delivered.
    fn ready(&self, index: usize) -> bool {
        let shard = &self.shards[index];
        if shard.drained() {
            return false;
        }
        match &shard.parent {
            None => true,
            Some(parent) => {
                self.shards.iter().find(|s| &s.id == parent).is_none_or(|p| p.drained())
            }
        }
    }

    /// Adds the shards DescribeStream lists that are not known yet, reading every page.
    async fn refresh_shards(&mut self) -> Result<(), PollerError> {
        let mut start: Option<String> = None;
        loop {
            let output = self
                .client
                .describe_stream()
                .stream_arn(&self.stream_arn)
                .set_limit(self.describe_page_size)
                .set_exclusive_start_shard_id(start.take())
                .send()
                .await
                .map_err(|e| PollerError::new(&format!("DescribeStream {}", self.stream_arn), e))?;
            let Some(description) = output.stream_description() else { return Ok(()) };
            for shard in description.shards() {
                let Some(id) = shard.shard_id() else { continue };
                if self.shards.iter().all(|s| s.id != id) {
                    self.shards.push(ShardState {
                        id: id.to_owned(),
                        parent: shard.parent_shard_id().map(str::to_owned),
                        iterator: None,
                        started: false,
                        closed: false,
                        buffer: VecDeque::new(),
                        attempts: 0,
                        batch_limit: self.batch_size,
                    });
                }
            }
            match description.last_evaluated_shard_id() {
                Some(last) => start = Some(last.to_owned()),
                None => return Ok(()),
            }
        }
    }

    /// Reads shard `index` until its buffer holds `want` records, the shard is caught up, or it
    /// ends. Records no filter matches are dropped here: Lambda checkpoints them unseen.
    async fn fill(&mut self, index: usize, want: usize) -> Result<(), PollerError> {
        let shard_id = self.shards[index].id.clone();
        let operation = |name: &str| format!("{name} on shard {shard_id} of {}", self.stream_arn);
        if !self.shards[index].started {
            let output = self
                .client
                .get_shard_iterator()
                .stream_arn(&self.stream_arn)
                .shard_id(&shard_id)
                .shard_iterator_type(ShardIteratorType::TrimHorizon)
                .send()
                .await
                .map_err(|e| PollerError::new(&operation("GetShardIterator"), e))?;
            let shard = &mut self.shards[index];
            shard.started = true;
            shard.iterator = output.shard_iterator().map(str::to_owned);
            shard.closed = shard.iterator.is_none();
        }
        while self.shards[index].buffer.len() < want {
            let Some(iterator) = self.shards[index].iterator.clone() else { break };
            let output = self
                .client
                .get_records()
                .shard_iterator(iterator)
                .limit(GET_RECORDS_LIMIT)
                .send()
                .await
                .map_err(|e| PollerError::new(&operation("GetRecords"), e))?;
            let event_records = output
                .records()
                .iter()
                .map(|r| lambda_record(r, &self.stream_arn))
                .collect::<Result<Vec<_>, _>>()?;
            let shard = &mut self.shards[index];
            shard.iterator = output.next_shard_iterator().map(str::to_owned);
            shard.closed = shard.iterator.is_none();
            let caught_up = event_records.is_empty();
            for record in event_records {
                let selected =
                    self.filters.is_empty() || self.filters.iter().any(|f| f.matches(&record));
                if selected {
                    let sequence_number = record["dynamodb"]["SequenceNumber"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    shard.buffer.push_back((sequence_number, record));
                }
            }
            if caught_up {
                break;
            }
        }
        Ok(())
    }

    /// Invokes `function` with the batch at the head of shard `index` and checkpoints what it
    /// processed.
    fn deliver(
        &mut self,
        index: usize,
        function: &impl Invoke,
        delivery: &mut Delivery,
    ) -> Result<(), PollerError> {
        let shard = &mut self.shards[index];
        let size = shard.batch_limit.min(shard.buffer.len());
        let batch: Vec<&(String, Value)> = shard.buffer.iter().take(size).collect();
        let sequence_numbers: Vec<String> = batch.iter().map(|(s, _)| s.clone()).collect();
        let event = json!({ "Records": batch.iter().map(|(_, r)| r).collect::<Vec<_>>() });
        let outcome = match function.invoke_event(&event.to_string()) {
            Ok(result) => read_result(result, &sequence_numbers),
            Err(InvokeError::Timeout(limit)) => {
                Outcome::FunctionError(format!("no result within {} ms", limit.as_millis()))
            }
            Err(error) => {
                return Err(PollerError::new(&format!("invoking with shard {}", shard.id), error))
            }
        };
        delivery.invocations.push(Invocation {
            shard_id: shard.id.clone(),
            sequence_numbers: sequence_numbers.clone(),
            outcome: outcome.clone(),
        });
        let failed_from = match &outcome {
            Outcome::Success => {
                shard.buffer.drain(..size);
                shard.attempts = 0;
                shard.batch_limit = self.batch_size;
                return Ok(());
            }
            Outcome::PartialFailure { first_failed } => {
                let checkpointed = sequence_numbers.iter().take_while(|s| *s != first_failed);
                let checkpointed = checkpointed.count();
                shard.buffer.drain(..checkpointed);
                checkpointed
            }
            Outcome::FunctionError(_) => 0,
        };
        shard.attempts += 1;
        let exhausted = self.maximum_retry_attempts.is_some_and(|m| shard.attempts > m);
        if exhausted {
            let given_up = &sequence_numbers[failed_from..];
            let failed = FailedBatch {
                shard_id: shard.id.clone(),
                start_sequence_number: given_up.first().cloned().unwrap_or_default(),
                end_sequence_number: given_up.last().cloned().unwrap_or_default(),
                batch_size: given_up.len(),
                attempts: shard.attempts,
                condition: match &outcome {
                    Outcome::FunctionError(reason) => reason.clone(),
                    _ => "RetryAttemptsExhausted".to_owned(),
                },
            };
            shard.buffer.drain(..given_up.len());
            shard.attempts = 0;
            shard.batch_limit = self.batch_size;
            delivery.failed_batches.push(failed.clone());
            self.failed_batches.push(failed);
        } else if self.bisect_batch_on_function_error
            && matches!(outcome, Outcome::FunctionError(_))
            && size > 1
        {
            shard.batch_limit = size.div_ceil(2);
        }
        Ok(())
    }
}

/// Reads a function's result as Lambda does with `ReportBatchItemFailures`.
fn read_result(result: InvocationResult, batch: &[String]) -> Outcome {
    if let Some(error) = result.error {
        return Outcome::FunctionError(error.to_string());
    }
    let body = result.body.trim();
    if body.is_empty() {
        return Outcome::Success;
    }
    let Ok(response) = serde_json::from_str::<Value>(body) else {
        // Lambda treats a response it cannot read as success: only the failure list counts.
        return Outcome::Success;
    };
    let failures = match response.get("batchItemFailures") {
        None | Some(Value::Null) => return Outcome::Success,
        Some(Value::Array(failures)) if failures.is_empty() => return Outcome::Success,
        Some(Value::Array(failures)) => failures,
        Some(_) => return Outcome::FunctionError("batchItemFailures is not a list".to_owned()),
    };
    let mut lowest: Option<&str> = None;
    for failure in failures {
        let identifier = failure.get("itemIdentifier").and_then(Value::as_str).unwrap_or_default();
        if identifier.is_empty() || !batch.iter().any(|s| s == identifier) {
            return Outcome::FunctionError(
                "batchItemFailures names an empty, null or unknown itemIdentifier".to_owned(),
            );
        }
        if lowest.is_none_or(|l| sequence_key(identifier) < sequence_key(l)) {
            lowest = Some(identifier);
        }
    }
    match lowest {
        Some(first_failed) => Outcome::PartialFailure { first_failed: first_failed.to_owned() },
        None => Outcome::Success,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(id: &str, parent: Option<&str>, closed: bool) -> ShardState {
        ShardState {
            id: id.to_owned(),
            parent: parent.map(str::to_owned),
            iterator: None,
            started: closed,
            closed,
            buffer: VecDeque::new(),
            attempts: 0,
            batch_limit: DEFAULT_BATCH_SIZE,
        }
    }

    fn poller(shards: Vec<ShardState>) -> StreamPoller {
        let config = aws_sdk_dynamodbstreams::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .build();
        let mut poller = StreamPoller::with_client(Client::from_conf(config), "arn".to_owned());
        poller.shards = shards;
        poller
    }

    // DynamoDB Local keeps one shard per stream, so the lineage rule is checked here.
    #[test]
    fn a_child_shard_waits_until_its_parent_is_drained() {
        let mut poller = poller(vec![
            shard("child", Some("parent"), false),
            shard("parent", None, false),
            shard("orphan", Some("trimmed"), false),
        ]);
        assert!(!poller.ready(0));
        assert!(poller.ready(1));
        assert!(poller.ready(2), "a parent no longer listed does not hold its child back");
        poller.shards[1].closed = true;
        poller.shards[1].buffer.push_back(("1".into(), Value::Null));
        assert!(!poller.ready(0), "the parent's last records are not checkpointed yet");
        poller.shards[1].buffer.clear();
        assert!(poller.ready(0));
        assert!(!poller.ready(1));
    }

    #[test]
    fn sequence_numbers_compare_as_numbers() {
        assert!(sequence_key("900") < sequence_key("1000"));
        assert!(sequence_key("000000000000000000099") < sequence_key("100"));
    }
}
