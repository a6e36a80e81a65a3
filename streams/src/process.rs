//! Batch processing with partial-failure reporting: [`process`] and [`Processor`] run a handler
//! over a stream event's records and build the [`BatchResponse`] Lambda reads
//! (`{"batchItemFailures":[{"itemIdentifier":"<SequenceNumber>"}]}`), so that only the failed
//! records (and, in [`Mode::Ordered`], those after them) are delivered again.
//!
//! A record fails alone when it does not decode, when the handler returns an error or panics, or
//! when it has not started before the invocation deadline minus a margin (a timeout would lose the
//! whole response, and so every record's outcome). Only a record without a sequence number fails
//! the whole batch: it cannot be named in the response, and an empty identifier would fail the
//! batch anyway.
//!
//! A panic is caught only in a binary built with `panic = "unwind"`. Under `panic = "abort"`
//! (`cfg(panic = "abort")`, what `cargo lambda build --release` sets unless the workspace's
//! `[profile.release]` sets `panic`) it ends the process: Lambda reports the invocation failed and
//! the event source mapping retries, or bisects, the whole batch (the crate README, "Panics").

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant, SystemTime};

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use ferrodyn::meta::DeserializeEntity;
use futures_util::FutureExt as _;
use serde_json::value::RawValue;

use crate::decode::{decode_event, decode_json};
use crate::error::Result;
use crate::record::{Decoded, Record, RecordInfo};

/// The response to a stream batch: the sequence numbers of the records Lambda must deliver again.
/// Serialises as `{"batchItemFailures":[{"itemIdentifier":"…"}]}`; every identifier is a
/// non-empty sequence number taken from the event.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResponse {
    batch_item_failures: Vec<ItemFailure>,
}

/// One failed record in a [`BatchResponse`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemFailure {
    item_identifier: String,
}

impl BatchResponse {
    /// The sequence numbers reported, in record order.
    pub fn failures(&self) -> impl Iterator<Item = &str> {
        self.batch_item_failures.iter().map(|f| f.item_identifier.as_str())
    }

    /// Whether every record succeeded.
    pub fn is_success(&self) -> bool {
        self.batch_item_failures.is_empty()
    }

    fn fail(&mut self, info: &RecordInfo) {
        self.batch_item_failures
            .push(ItemFailure { item_identifier: info.sequence_number().to_owned() });
    }
}

impl From<BatchResponse> for DynamoDbEventResponse {
    fn from(response: BatchResponse) -> Self {
        DynamoDbEventResponse {
            batch_item_failures: response
                .batch_item_failures
                .into_iter()
                .map(|f| DynamoDbBatchItemFailure { item_identifier: Some(f.item_identifier) })
                .collect(),
        }
    }
}

/// What happens after a record fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Stop at the first failure and report it and every later record, so that records of one
    /// item are never handled out of order (the default).
    #[default]
    Ordered,
    /// Report each failure and go on with the next record. Lambda still delivers again from the
    /// lowest reported sequence number, so successes after it are redelivered too: for handlers
    /// whose effects are idempotent.
    BestEffort,
}

/// What [`Processor::process`] accepts: an event's JSON text (the fast path) or an
/// `aws_lambda_events` event.
#[derive(Debug, Clone, Copy)]
pub enum EventInput<'a> {
    /// The event's JSON text, as Lambda sends it.
    Json(&'a [u8]),
    /// An event `aws_lambda_events` has parsed.
    Event(&'a Event),
}

impl<'a> From<&'a [u8]> for EventInput<'a> {
    fn from(json: &'a [u8]) -> Self {
        EventInput::Json(json)
    }
}

impl<'a> From<&'a Vec<u8>> for EventInput<'a> {
    fn from(json: &'a Vec<u8>) -> Self {
        EventInput::Json(json)
    }
}

impl<'a> From<&'a str> for EventInput<'a> {
    fn from(json: &'a str) -> Self {
        EventInput::Json(json.as_bytes())
    }
}

impl<'a> From<&'a RawValue> for EventInput<'a> {
    fn from(json: &'a RawValue) -> Self {
        EventInput::Json(json.get().as_bytes())
    }
}

impl<'a> From<&'a Event> for EventInput<'a> {
    fn from(event: &'a Event) -> Self {
        EventInput::Event(event)
    }
}

/// How a batch is processed: the [`Mode`] and the deadline. [`process`] is
/// `Processor::new().process(..)`.
#[derive(Debug, Clone)]
#[must_use]
pub struct Processor {
    mode: Mode,
    deadline: Option<Instant>,
    margin: Duration,
    #[cfg(feature = "idempotency")]
    idempotency: Option<Idempotent>,
}

/// Per-record idempotency: where the records are kept, and the handler's name in their ids.
#[cfg(feature = "idempotency")]
#[derive(Debug, Clone)]
struct Idempotent {
    idempotency: ferrodyn_idempotency::Idempotency,
    handler: String,
}

impl Default for Processor {
    fn default() -> Self {
        Processor::new()
    }
}

impl Processor {
    /// The margin left before the deadline when none is set: time for the response to reach
    /// Lambda.
    pub const DEFAULT_MARGIN: Duration = Duration::from_millis(500);

    /// Ordered mode, no deadline, [`DEFAULT_MARGIN`](Self::DEFAULT_MARGIN).
    pub fn new() -> Self {
        Processor {
            mode: Mode::Ordered,
            deadline: None,
            margin: Self::DEFAULT_MARGIN,
            #[cfg(feature = "idempotency")]
            idempotency: None,
        }
    }

    /// Sets the mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// [`Mode::BestEffort`].
    pub fn best_effort(self) -> Self {
        self.mode(Mode::BestEffort)
    }

    /// Records not started by `deadline` minus the margin are reported as failures.
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// [`deadline`](Self::deadline) from a wall-clock time (Lambda's deadline is one).
    pub fn deadline_at(self, deadline: SystemTime) -> Self {
        let now = Instant::now();
        let left = deadline.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO);
        self.deadline(now.checked_add(left).unwrap_or(now))
    }

    /// The invocation's deadline, from the Lambda context.
    #[cfg(feature = "lambda_runtime")]
    pub fn context(self, context: &lambda_runtime::Context) -> Self {
        self.deadline_at(context.deadline())
    }

    /// How long before the deadline to stop starting records.
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Runs each record's handler at most once, with a record per stream record in
    /// `idempotency`'s table (Powertools' layout; see ferrodyn-idempotency), named
    /// `<function>.<handler_name>#<hash of the key>`. The key is the record's `eventID` with
    /// [`process`](Self::process), or what [`process_by_key`](Self::process_by_key) picks (a
    /// model field). A redelivered record whose handler completed is passed over as handled; one
    /// whose handler is still running elsewhere fails, to be delivered again; a handler that
    /// fails (or panics) leaves no record, so the redelivery runs it again. Build `idempotency`
    /// without an event key path: the processor gives it each record's key.
    ///
    /// The record is written before the handler runs and completed after it: a handler's effect
    /// and the completion are two writes, so an invocation that ends between them (a crash, a
    /// timeout) leaves the record in progress until the invocation's deadline, and the
    /// redelivery after that runs the handler again. Effects that must happen exactly once even
    /// then need a condition of their own in the handler's writes.
    ///
    /// ```no_run
    /// # use ferrodyn::Model;
    /// # #[derive(Debug, serde::Deserialize, Model)]
    /// # #[ferrodyn(table = "shop", entity = "Order", pk = "CUSTOMER#{customer_id}", sk = "ORDER#{order_id}")]
    /// # struct Order { customer_id: String, order_id: String, total_cents: i64 }
    /// use ferrodyn_idempotency::Idempotency;
    /// use ferrodyn_streams::{BatchResponse, Processor, Record};
    ///
    /// # async fn run(db: ferrodyn::Db, event_json: &[u8]) -> Result<BatchResponse, Box<dyn std::error::Error>> {
    /// // Records in the table the model table name `idempotency` maps to.
    /// let idempotency = Idempotency::builder(&db, "idempotency").build()?;
    /// let response = Processor::new()
    ///     .idempotency(&idempotency, "ship")
    ///     .process(event_json, |record: Record<Order>| async move {
    ///         let order = record.new_image()?;
    ///         println!("shipping order {}", order.order_id); // once per stream record
    ///         Ok::<(), ferrodyn_streams::Error>(())
    ///     })
    ///     .await?;
    /// # Ok(response) }
    /// ```
    #[cfg(feature = "idempotency")]
    pub fn idempotency(
        mut self,
        idempotency: &ferrodyn_idempotency::Idempotency,
        handler_name: impl Into<String>,
    ) -> Self {
        self.idempotency =
            Some(Idempotent { idempotency: idempotency.clone(), handler: handler_name.into() });
        self
    }

    fn expired(&self) -> bool {
        self.deadline.is_some_and(|deadline| match Instant::now().checked_add(self.margin) {
            Some(cutoff) => cutoff >= deadline,
            None => true,
        })
    }

    /// Decodes `event` into records of `T` and runs `handler` on each handled record in order,
    /// one at a time; returns the records to deliver again.
    ///
    /// Records of entity types `T` does not handle are skipped without being decoded. A record
    /// fails when it does not decode, when the handler returns an error or panics, or when it
    /// has not started before the deadline minus the margin; each failure is logged (`tracing`,
    /// at ERROR, or WARN for the deadline) with the event id, sequence number and keys, never the
    /// images.
    ///
    /// # Errors
    /// For the whole batch, before any handler runs: [`ErrorKind::InvalidEvent`] for text that is
    /// not a stream event, [`ErrorKind::MissingSequenceNumber`] for a record without a sequence
    /// number. Return it from the Lambda handler so that Lambda retries the batch.
    ///
    /// [`ErrorKind::InvalidEvent`]: crate::ErrorKind::InvalidEvent
    /// [`ErrorKind::MissingSequenceNumber`]: crate::ErrorKind::MissingSequenceNumber
    pub async fn process<'de, T, F, Fut, E>(
        &self,
        event: impl Into<EventInput<'de>>,
        handler: F,
    ) -> Result<BatchResponse>
    where
        T: DeserializeEntity<'de>,
        F: FnMut(Record<T>) -> Fut,
        Fut: Future<Output = std::result::Result<(), E>>,
        E: fmt::Display,
    {
        self.run(event, |record: &Record<T>| record.info.event_id().to_owned(), handler).await
    }

    /// [`process`](Self::process) with [`idempotency`](Self::idempotency) keyed by what `key`
    /// picks from each record (a field of its image, say) instead of its `eventID`: records of
    /// different changes with the same key then run the handler once between them.
    ///
    /// # Errors
    /// As [`process`](Self::process).
    #[cfg(feature = "idempotency")]
    pub async fn process_by_key<'de, T, K, KF, F, Fut, E>(
        &self,
        event: impl Into<EventInput<'de>>,
        key: KF,
        handler: F,
    ) -> Result<BatchResponse>
    where
        T: DeserializeEntity<'de>,
        K: serde::Serialize,
        KF: FnMut(&Record<T>) -> K,
        F: FnMut(Record<T>) -> Fut,
        Fut: Future<Output = std::result::Result<(), E>>,
        E: fmt::Display,
    {
        self.run(event, key, handler).await
    }

    async fn run<'de, T, K, KF, F, Fut, E>(
        &self,
        event: impl Into<EventInput<'de>>,
        mut key: KF,
        mut handler: F,
    ) -> Result<BatchResponse>
    where
        T: DeserializeEntity<'de>,
        K: serde::Serialize,
        KF: FnMut(&Record<T>) -> K,
        F: FnMut(Record<T>) -> Fut,
        Fut: Future<Output = std::result::Result<(), E>>,
        E: fmt::Display,
    {
        let records = match event.into() {
            EventInput::Json(json) => decode_json::<T>(json)?,
            EventInput::Event(event) => decode_event::<T>(event)?,
        };
        let mut response = BatchResponse::default();
        let mut stopped = false;
        for decoded in records {
            let info = decoded.info();
            if stopped {
                response.fail(info);
                continue;
            }
            if matches!(decoded, Decoded::Skipped(_)) {
                continue;
            }
            if self.expired() {
                tracing::warn!(
                    event_id = %info.event_id(),
                    sequence_number = %info.sequence_number(),
                    keys = %info.keys,
                    "stream record not started: the invocation deadline is near"
                );
                response.fail(info);
                stopped |= self.mode == Mode::Ordered;
                continue;
            }
            let failed = match decoded {
                Decoded::Skipped(_) => false,
                Decoded::Failed(info, error) => {
                    record_failed(&mut response, &info, &error, "stream record failed to decode");
                    true
                }
                Decoded::Record(record) => {
                    let info = record.info.clone();
                    match self.run_record(record, &mut key, &mut handler).await {
                        Ok(()) => false,
                        Err(error) => {
                            record_failed(
                                &mut response,
                                &info,
                                &error,
                                "stream record handler failed",
                            );
                            true
                        }
                    }
                }
            };
            stopped |= failed && self.mode == Mode::Ordered;
        }
        Ok(response)
    }

    /// Runs the handler on one record (through its idempotency record when there is one); a
    /// failure or a panic becomes the error text to log.
    async fn run_record<T, K, F, Fut, E>(
        &self,
        record: Record<T>,
        key: &mut impl FnMut(&Record<T>) -> K,
        handler: &mut F,
    ) -> std::result::Result<(), String>
    where
        K: serde::Serialize,
        F: FnMut(Record<T>) -> Fut,
        Fut: Future<Output = std::result::Result<(), E>>,
        E: fmt::Display,
    {
        let guarded = |record: Record<T>| async move {
            let outcome = match std::panic::catch_unwind(AssertUnwindSafe(|| handler(record))) {
                Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
                Err(panic) => Err(panic),
            };
            match outcome {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => Err(error.to_string()),
                Err(panic) => Err(format!("handler panicked: {}", panic_message(&*panic))),
            }
        };
        #[cfg(feature = "idempotency")]
        if let Some(idempotent) = &self.idempotency {
            use ferrodyn_idempotency::IdempotencyError;
            let record_key = key(&record);
            let deadline = self
                .deadline
                .map(|d| SystemTime::now() + d.saturating_duration_since(Instant::now()));
            // Boxed: the idempotency flow's requests nest deep, and with the handler's own
            // inside, a Lambda's `main` future could pass the compiler's layout depth.
            let run = Box::pin(idempotent.idempotency.run(
                &idempotent.handler,
                &record_key,
                deadline,
                || guarded(record),
            ));
            return match run.await {
                Ok(()) => Ok(()),
                Err(IdempotencyError::Handler(error)) => Err(error),
                Err(error) => Err(error.to_string()),
            };
        }
        let _ = key;
        guarded(record).await
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s
    } else {
        "a non-string payload"
    }
}

/// Runs `handler` over the records of `event` in [`Mode::Ordered`] without a deadline; see
/// [`Processor::process`], and [`Processor::context`] to stop before Lambda's deadline.
///
/// ```no_run
/// use ferrodyn::Model;
/// use ferrodyn_streams::{process, BatchResponse, Change, Record};
/// use serde::Deserialize;
///
/// #[derive(Debug, Deserialize, Model)]
/// #[ferrodyn(table = "shop", entity = "Order", pk = "CUSTOMER#{customer_id}", sk = "ORDER#{order_id}")]
/// struct Order { customer_id: String, order_id: String, total_cents: i64 }
///
/// # async fn run(event_json: &[u8]) -> Result<BatchResponse, ferrodyn_streams::Error> {
/// let response = process(event_json, |record: Record<Order>| async move {
///     if let Change::Insert { new: Some(order) } = record.change() {
///         println!("new order {} for {} cents", order.order_id, order.total_cents);
///     }
///     Ok::<(), std::io::Error>(())
/// })
/// .await?;
/// # Ok(response) }
/// ```
///
/// # Errors
/// See [`Processor::process`].
pub async fn process<'de, T, F, Fut, E>(
    event: impl Into<EventInput<'de>>,
    handler: F,
) -> Result<BatchResponse>
where
    T: DeserializeEntity<'de>,
    F: FnMut(Record<T>) -> Fut,
    Fut: Future<Output = std::result::Result<(), E>>,
    E: fmt::Display,
{
    Processor::new().process(event, handler).await
}

/// Logs a record's failure by event id, sequence number and keys, and reports it.
fn record_failed(
    response: &mut BatchResponse,
    info: &RecordInfo,
    error: &dyn std::fmt::Display,
    what: &'static str,
) {
    tracing::error!(
        event_id = %info.event_id(),
        sequence_number = %info.sequence_number(),
        keys = %info.keys,
        error = %error,
        "{what}"
    );
    response.fail(info);
}
