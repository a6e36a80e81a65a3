//! Walking a stream's shards: listing them (DescribeStream, every page), reading each from its
//! start (GetShardIterator, GetRecords) into a buffer of filtered event records, and holding a
//! child shard back until its parent is drained.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::time::Instant;

use aws_sdk_dynamodbstreams::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use serde_json::{json, Value};

use super::event::lambda_record;
use super::{sdk_error, Delivery, Invoke, PollerError, StartingPosition, StreamPoller};
use crate::runtime_api::{InvocationResult, InvokeError};

/// The most records one GetRecords call returns.
const GET_RECORDS_LIMIT: i32 = 1000;

/// A shard as DescribeStream lists it, and how far the poller has read and checkpointed it.
#[derive(Debug)]
pub(super) struct ShardState {
    pub(super) id: String,
    parent: Option<String>,
    /// `None` before the first GetShardIterator and after the shard was read to its end.
    iterator: Option<String>,
    started: bool,
    /// The shard was read to its end (GetRecords returned no next iterator).
    closed: bool,
    /// Read, filtered, not yet checkpointed.
    pub(super) buffer: VecDeque<(String, Value)>,
    /// Failed attempts at the batch at the head of `buffer`.
    pub(super) attempts: u32,
    /// The batch size for the next attempt, below the mapping's while a failed batch is bisected.
    pub(super) batch_limit: usize,
    /// When the poller first held back a batch smaller than the limit (the batching window).
    waiting_since: Option<Instant>,
    /// The sequence number of the last record GetRecords returned, to read on from.
    last_read: Option<String>,
}

impl ShardState {
    fn drained(&self) -> bool {
        self.closed && self.buffer.is_empty()
    }
}

impl StreamPoller {
    /// Reads every record not read yet (all shards, parents first, filters applied) and returns
    /// them as one Lambda event, checkpointing them: a fixture of what Lambda would deliver.
    ///
    /// # Errors
    /// A stream request fails, or a record cannot be turned into event JSON.
    pub async fn capture_event(&mut self) -> Result<Value, PollerError> {
        // The walk `run` makes, delivering to a function that takes every batch whole.
        let records = RefCell::new(Vec::new());
        let take = |event: &str| {
            let mut event: Value = serde_json::from_str(event)
                .map_err(|e| InvokeError::Io(io::Error::new(io::ErrorKind::InvalidData, e)))?;
            if let Some(Value::Array(batch)) = event.get_mut("Records").map(Value::take) {
                records.borrow_mut().extend(batch);
            }
            Ok(InvocationResult { request_id: String::new(), body: String::new(), error: None })
        };
        self.run(&take).await?;
        Ok(json!({ "Records": records.into_inner() }))
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
                    if self.holds_back(index, limit) {
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

    /// Whether the batch at the head of shard `index` waits for more records: it is smaller than
    /// `limit`, is a first attempt, and the batching window that started when the poller first
    /// saw it has not ended.
    fn holds_back(&mut self, index: usize, limit: usize) -> bool {
        let window = self.maximum_batching_window;
        let shard = &mut self.shards[index];
        if window.is_zero() || shard.buffer.len() >= limit || shard.attempts > 0 || shard.closed {
            shard.waiting_since = None;
            return false;
        }
        let since = *shard.waiting_since.get_or_insert_with(Instant::now);
        if since.elapsed() < window {
            return true;
        }
        shard.waiting_since = None;
        false
    }

    /// A shard iterator of `kind` (after `sequence_number` for `AFTER_SEQUENCE_NUMBER`).
    async fn shard_iterator(
        &self,
        shard_id: &str,
        kind: ShardIteratorType,
        sequence_number: Option<String>,
    ) -> Result<Option<String>, PollerError> {
        let output = self
            .client
            .get_shard_iterator()
            .stream_arn(&self.stream_arn)
            .shard_id(shard_id)
            .shard_iterator_type(kind)
            .set_sequence_number(sequence_number)
            .send()
            .await
            .map_err(|e| {
                let operation =
                    format!("GetShardIterator on shard {shard_id} of {}", self.stream_arn);
                PollerError::new(&operation, sdk_error(&e))
            })?;
        Ok(output.shard_iterator().map(str::to_owned))
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
                .map_err(|e| {
                    PollerError::new(&format!("DescribeStream {}", self.stream_arn), sdk_error(&e))
                })?;
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
                        waiting_since: None,
                        last_read: None,
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
            let kind = match self.starting_position {
                StartingPosition::TrimHorizon => ShardIteratorType::TrimHorizon,
                StartingPosition::Latest => ShardIteratorType::Latest,
            };
            let iterator = self.shard_iterator(&shard_id, kind, None).await?;
            let shard = &mut self.shards[index];
            shard.started = true;
            shard.closed = iterator.is_none();
            shard.iterator = iterator;
        }
        let mut refreshed = false;
        while self.shards[index].buffer.len() < want {
            let Some(iterator) = self.shards[index].iterator.clone() else { break };
            let output = match self
                .client
                .get_records()
                .shard_iterator(iterator)
                .limit(GET_RECORDS_LIMIT)
                .send()
                .await
            {
                Ok(output) => output,
                Err(e) if is_stale_iterator(&e) && !refreshed => {
                    refreshed = true;
                    // An iterator that expired, or that DynamoDB Local no longer accepts
                    // after trimming: read on from the last record read, as Lambda's poller
                    // does, or from the shard's oldest record if none was read yet.
                    let after = self.shards[index].last_read.clone();
                    let kind = if after.is_some() {
                        ShardIteratorType::AfterSequenceNumber
                    } else {
                        ShardIteratorType::TrimHorizon
                    };
                    let iterator = self.shard_iterator(&shard_id, kind, after).await?;
                    let shard = &mut self.shards[index];
                    shard.closed = iterator.is_none();
                    shard.iterator = iterator;
                    continue;
                }
                Err(e) => return Err(PollerError::new(&operation("GetRecords"), sdk_error(&e))),
            };
            let event_records = output
                .records()
                .iter()
                .map(|r| lambda_record(r, &self.stream_arn))
                .collect::<Result<Vec<_>, _>>()?;
            let shard = &mut self.shards[index];
            if let Some(last) = output.records().last().and_then(|r| r.dynamodb()) {
                shard.last_read = last.sequence_number().map(str::to_owned);
            }
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
}

/// An iterator GetRecords no longer takes: expired, or pointing before a trimmed record.
fn is_stale_iterator<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    matches!(error.code(), Some("ExpiredIteratorException" | "TrimmedDataAccessException"))
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodbstreams::config::BehaviorVersion;
    use aws_sdk_dynamodbstreams::Client;

    use super::*;
    use crate::stream_poller::DEFAULT_BATCH_SIZE;

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
            waiting_since: None,
            last_read: None,
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
}
