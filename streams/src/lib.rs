//! Typed DynamoDB stream records for AWS Lambda consumers, and batch processing that reports
//! partial failures.
//!
//! - [`decode_json`] decodes a stream event's JSON text straight into [`Record`]s of a model (or
//!   of a `#[derive(Entities)]` enum for single-table designs) in one pass; [`decode_event`] does
//!   the same from an `aws_lambda_events` [`Event`](aws_lambda_events::event::dynamodb::Event).
//!   Records of entity types the model does not handle are [`Decoded::Skipped`] without
//!   decoding their images.
//! - [`process`] / [`Processor`] run an async handler over each record and return the
//!   [`BatchResponse`] for `ReportBatchItemFailures`: a decode error, a handler error or panic, or
//!   a record not started before the deadline fails that record alone.
//!
//! Models decode through their `serde::Deserialize` (a `Deserializer` over DynamoDB JSON, so
//! field names, renames and defaults are serde's), reading every DynamoDB type: S, N, B (base64),
//! BOOL, NULL, L, M, SS, NS, BS. Decoding needs no DynamoDB client.
//!
//! | feature | default | adds |
//! |---|---|---|
//! | `lambda_runtime` | yes | [`Processor::context`]: the deadline from `lambda_runtime::Context` |

mod de;
mod decode;
mod error;
mod process;
mod record;

pub use decode::{decode_event, decode_json};
pub use error::{Error, ErrorKind, Result};
pub use process::{process, BatchResponse, EventInput, Mode, Processor};
pub use record::{Change, ChangeKind, Decoded, KeyValue, Keys, Record, RecordInfo, StreamView};

/// The trait a model or `#[derive(Entities)]` enum implements to be decoded from stream images.
pub use ferrodyn::DeserializeEntity;
