//! A local stand-in for Lambda's DynamoDB event source mapping: [`StreamPoller`] reads a table's
//! stream from DynamoDB Local (DescribeStream page by page, GetShardIterator, GetRecords, parent
//! shards drained before their children: `shard`), turns the records into the event document
//! Lambda sends ([`lambda_event`], in `event`), invokes a function with it, and answers the
//! function's `batchItemFailures` as Lambda does (`batch`): checkpoint before the lowest failed
//! sequence number, redeliver from there, give up after `MaximumRetryAttempts` and hand the batch
//! to the on-failure destination. Filter patterns select records before batching, as the
//! mapping's `FilterCriteria` do (`filter`). This file holds the poller's settings and what a run
//! reports.
//!
//! The poller is a test and demo tool: it reads what is in the stream when asked ([`run`] stops
//! once every open shard is caught up) rather than polling forever, and it delivers one batch at
//! a time, in shard order.
//!
//! [`run`]: StreamPoller::run

use std::fmt;
use std::time::Duration;

use aws_sdk_dynamodbstreams::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodbstreams::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodbstreams::Client;

use crate::runtime_api::{InvocationResult, InvokeError, LocalFunction, RuntimeApi};

mod batch;
mod event;
mod filter;
mod shard;

pub use aws_sdk_dynamodbstreams::types::Record;
pub use event::lambda_event;
pub use filter::FilterPattern;

use shard::ShardState;

/// Lambda's default `BatchSize` for DynamoDB streams.
pub const DEFAULT_BATCH_SIZE: usize = 100;
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

/// A stream request's failure as `Code: message`, without the raw response.
fn sdk_error<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => DisplayErrorContext(error).to_string(),
    }
}

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

/// Where the poller starts reading a shard it has not read before (`StartingPosition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartingPosition {
    /// `TRIM_HORIZON`: the oldest record the stream holds.
    #[default]
    TrimHorizon,
    /// `LATEST`: only records written after the shard is first read.
    Latest,
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
/// let endpoint = ferrodyn_testing::shared_endpoint()?;
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
    report_batch_item_failures: bool,
    starting_position: StartingPosition,
    maximum_batching_window: Duration,
    maximum_record_age: Option<Duration>,
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
        let streams = client.list_streams().table_name(table).send().await.map_err(|e| {
            PollerError::new(&format!("ListStreams on table {table}"), sdk_error(&e))
        })?;
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
            report_batch_item_failures: true,
            starting_position: StartingPosition::TrimHorizon,
            maximum_batching_window: Duration::ZERO,
            maximum_record_age: None,
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

    /// `FunctionResponseTypes: [ReportBatchItemFailures]`: whether the function's
    /// `batchItemFailures` are read. On by default here (the mapping's default in Lambda is off:
    /// pass `false` for a mapping without it, whose response is then ignored and only a function
    /// error fails a batch).
    #[must_use]
    pub fn report_batch_item_failures(mut self, report: bool) -> StreamPoller {
        self.report_batch_item_failures = report;
        self
    }

    /// `StartingPosition`: where a shard read for the first time starts (default
    /// `TRIM_HORIZON`). With `LATEST`, a first [`run`](Self::run) with nothing written yet places
    /// the iterators.
    #[must_use]
    pub fn starting_position(mut self, position: StartingPosition) -> StreamPoller {
        self.starting_position = position;
        self
    }

    /// `MaximumBatchingWindowInSeconds`: a batch smaller than `BatchSize` waits this long after
    /// the poller first saw it before it is delivered; [`run`](Self::run) returns meanwhile with
    /// the records held, so that a caller polling in a loop delivers them once the window ends.
    #[must_use]
    pub fn maximum_batching_window(mut self, window: Duration) -> StreamPoller {
        self.maximum_batching_window = window;
        self
    }

    /// `MaximumRecordAgeInSeconds`: records older than this (by their
    /// `ApproximateCreationDateTime`) are given up to the on-failure destination instead of
    /// being delivered (default: no limit).
    #[must_use]
    pub fn maximum_record_age(mut self, age: Duration) -> StreamPoller {
        self.maximum_record_age = Some(age);
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
}
