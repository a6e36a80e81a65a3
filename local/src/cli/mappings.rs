//! The template's `DynamoDB` events as running event source mappings: one thread per mapping
//! polls its table's stream with the stream poller, four times a second as Lambda does, with the
//! mapping's settings, prints a line per batch, and writes each batch it gives up on to
//! `.ferrodyn-local/failures/<function>.<event>.jsonl` (the on-failure destination's record)
//! when the mapping has `DestinationConfig.OnFailure`.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, SystemTime};

use ferrodyn_local::runtime_api::{InvocationResult, InvokeError};
use ferrodyn_local::stream_poller::{FailedBatch, StreamPoller};
use ferrodyn_local::template::{MappingSettings, StartingPosition, ACCOUNT_ID};
use serde_json::{json, Value};

use super::functions::Managed;

/// How often a caught-up mapping reads its stream again (Lambda polls four times a second).
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// The pause after a failed batch before it is retried (Lambda backs off too), so that a mapping
/// retrying without bound does not spin.
const RETRY_BACKOFF: Duration = Duration::from_millis(250);

/// One mapping to start.
pub(crate) struct Mapping {
    pub(crate) event: String,
    pub(crate) table: String,
    pub(crate) settings: MappingSettings,
    pub(crate) function: Arc<Managed>,
    pub(crate) failures_dir: PathBuf,
    pub(crate) region: String,
}

impl Mapping {
    fn label(&self) -> String {
        format!("{}.{}", self.function.spec.name, self.event)
    }

    async fn poller(&self, endpoint: &str) -> Result<StreamPoller, String> {
        let s = &self.settings;
        let mut poller = StreamPoller::connect(endpoint, &self.table)
            .await
            .map_err(|e| e.to_string())?
            .batch_size(s.batch_size)
            .bisect_batch_on_function_error(s.bisect_batch_on_function_error)
            .report_batch_item_failures(s.report_batch_item_failures)
            .starting_position(s.starting_position)
            .maximum_batching_window(s.maximum_batching_window);
        if let Some(retries) = s.maximum_retry_attempts {
            poller = poller.maximum_retry_attempts(retries);
        }
        if let Some(age) = s.maximum_record_age {
            poller = poller.maximum_record_age(age);
        }
        for pattern in &s.filters {
            poller = poller.filter(pattern).map_err(|e| e.to_string())?;
        }
        Ok(poller)
    }

    /// One batch delivered: invoke, print the line.
    fn invoke(&self, event: &str) -> Result<InvocationResult, InvokeError> {
        let records = serde_json::from_str::<Value>(event)
            .ok()
            .and_then(|e| e["Records"].as_array().map(Vec::len))
            .unwrap_or_default();
        let outcome = self.function.invoke(event);
        let millis = outcome.duration.as_millis();
        let label = self.label();
        let (status, body, error) = match outcome.result {
            Ok(body) => {
                let failed = serde_json::from_str::<Value>(&body)
                    .ok()
                    .and_then(|b| b["batchItemFailures"].as_array().map(Vec::len))
                    .filter(|_| self.settings.report_batch_item_failures)
                    .unwrap_or(0);
                let status = if failed == 0 { "ok".to_owned() } else { format!("{failed} failed") };
                (status, body, None)
            }
            Err(error) => (format!("error {error}"), String::new(), Some(error)),
        };
        println!("stream {label} ← {}: {records} records, {status}, {millis} ms", self.table);
        if error.is_some() || status != "ok" {
            thread::sleep(RETRY_BACKOFF);
        }
        Ok(InvocationResult { request_id: String::new(), body, error })
    }

    fn record_failure(&self, stream_arn: &str, failed: &FailedBatch) {
        let label = self.label();
        println!(
            "stream {label}: gave up on {} records of shard {} ({}, {} attempts)",
            failed.batch_size, failed.shard_id, failed.condition, failed.attempts
        );
        let Some(destination) = &self.settings.on_failure else { return };
        let condition = if failed.condition == "RecordAgeExceeded" {
            "RecordAgeExceeded"
        } else {
            "RetryAttemptsExhausted"
        };
        // ISO 8601 UTC, as Lambda's invocation records write it.
        let now = aws_smithy_types::DateTime::from(SystemTime::now())
            .fmt(aws_smithy_types::date_time::Format::DateTime)
            .unwrap_or_default();
        let record = json!({
            "requestContext": {
                "requestId": format!("{}-{}", failed.shard_id, failed.start_sequence_number),
                "functionArn": format!("arn:aws:lambda:{}:{ACCOUNT_ID}:function:{}", self.region, self.function.spec.name),
                "condition": condition,
                "approximateInvokeCount": failed.attempts,
            },
            "responseContext": { "executedVersion": "$LATEST", "functionError": failed.condition },
            "version": "1.0",
            "timestamp": now,
            "DDBStreamBatchInfo": {
                "shardId": failed.shard_id,
                "startSequenceNumber": failed.start_sequence_number,
                "endSequenceNumber": failed.end_sequence_number,
                "batchSize": failed.batch_size,
                "streamArn": stream_arn,
            },
            "destination": destination,
        });
        let path = self.failures_dir.join(format!("{label}.jsonl"));
        let written = fs::create_dir_all(&self.failures_dir).and_then(|()| {
            let mut file = OpenOptions::new().create(true).append(true).open(&path)?;
            writeln!(file, "{record}")
        });
        match written {
            Ok(()) => println!("stream {label}: on-failure record written to {}", path.display()),
            Err(e) => println!("stream {label}: writing {}: {e}", path.display()),
        }
    }

    /// Polls forever on a thread of its own (invocations block it, not the HTTP server); returns
    /// once the mapping reads its stream (a `LATEST` mapping has placed its iterators), or after
    /// `ready_within`.
    pub(crate) fn spawn(self, endpoint: String, ready_within: Duration) -> std::io::Result<()> {
        let (ready, is_ready) = mpsc::channel();
        thread::Builder::new().name(format!("mapping-{}", self.event)).spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime,
                Err(e) => return println!("stream {}: no runtime: {e}", self.label()),
            };
            runtime.block_on(self.run(&endpoint, &ready));
        })?;
        let _ = is_ready.recv_timeout(ready_within);
        Ok(())
    }

    async fn run(&self, endpoint: &str, ready: &mpsc::Sender<()>) {
        let label = self.label();
        let mut poller = loop {
            match self.poller(endpoint).await {
                Ok(poller) => break poller,
                Err(e) => {
                    println!("stream {label}: {e}; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        let stream_arn = poller.stream_arn().to_owned();
        let invoke = |event: &str| self.invoke(event);
        if self.settings.starting_position == StartingPosition::Latest {
            // The first read places the iterators at the shards' ends.
            if let Err(e) = poller.run(&invoke).await {
                println!("stream {label}: {e}");
            }
        }
        let _ = ready.send(());
        loop {
            match poller.run(&invoke).await {
                Ok(delivery) => {
                    for failed in &delivery.failed_batches {
                        self.record_failure(&stream_arn, failed);
                    }
                }
                Err(e) => println!("stream {label}: {e}"),
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
}
