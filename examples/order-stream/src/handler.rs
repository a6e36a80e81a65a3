//! The Lambda handler: decodes the Order records of a stream batch (other entity types are
//! skipped undecoded), applies each one's [`StatsDelta`] once, and reports the records to
//! deliver again (`ReportBatchItemFailures`).
//!
//! Lambda delivers stream records at least once. Each record runs through ferrodyn-streams'
//! per-record idempotency, keyed by its `eventID`: a redelivered record whose change was applied
//! finds its COMPLETED idempotency record and is passed over; one still being applied by another
//! invocation fails and comes back later; one whose update failed left no record and is applied
//! on redelivery. The idempotency records expire (TTL) after an hour by default; the shard's
//! retries of a failed batch come well within that.
//!
//! Records are handled in order and the batch stops at the first failure (ferrodyn-streams'
//! ordered mode): nothing after a failed record is applied before it, although sums would not
//! mind, so that a redelivery retries a short, contiguous tail.

use ferrodyn::Db;
use ferrodyn_idempotency::Idempotency;
use ferrodyn_streams::{BatchResponse, ChangeKind, Processor, Record};
use lambda_runtime::LambdaEvent;
use orders_api::models::Order;
use serde_json::value::RawValue;

use crate::stats::{apply, StatsDelta};

/// The model table name the idempotency records' table is mapped from.
pub const IDEMPOTENCY_TABLE: &str = "idempotency";

/// The environment variable naming the idempotency records' physical table.
pub const IDEMPOTENCY_TABLE_VAR: &str = "IDEMPOTENCY_TABLE";

/// The handler's name in its idempotency records' ids (`<function>.stats#<hash>`).
pub const HANDLER_NAME: &str = "stats";

/// Handles one stream batch.
///
/// # Errors
/// The event is not a DynamoDB stream event, or a record has no sequence number: Lambda then
/// retries the whole batch.
pub async fn handle(
    db: &Db,
    idempotency: &Idempotency,
    event: LambdaEvent<Box<RawValue>>,
) -> Result<BatchResponse, ferrodyn_streams::Error> {
    let processor = Processor::new().context(&event.context).idempotency(idempotency, HANDLER_NAME);
    processor.process(&*event.payload, |record: Record<Order>| handle_record(db, record)).await
}

/// Applies one Order record.
///
/// # Errors
/// An image the record should carry is missing, or DynamoDB failed.
pub async fn handle_record(db: &Db, record: Record<Order>) -> Result<(), String> {
    // Both images are needed on the stream (NEW_AND_OLD_IMAGES): a missing one is an error,
    // not a change to skip, so that a misconfigured stream is noticed.
    fn image(result: ferrodyn_streams::Result<&Order>) -> Result<Option<&Order>, String> {
        result.map(Some).map_err(|e| e.to_string())
    }
    let delta = match record.kind() {
        ChangeKind::Insert => StatsDelta::between(None, image(record.new_image())?),
        ChangeKind::Remove => StatsDelta::between(image(record.old_image())?, None),
        ChangeKind::Modify => {
            StatsDelta::between(image(record.old_image())?, image(record.new_image())?)
        }
    };
    let Some(delta) = delta else { return Ok(()) };
    apply(db, &delta).await.map_err(|e| e.to_string())
}
