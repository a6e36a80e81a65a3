//! Typed DynamoDB stream records for AWS Lambda consumers, and partial-failure batch processing.
#![doc = include_str!("../README.md")]

mod de;
mod decode;
mod entity;
mod error;
mod process;
mod record;

pub use decode::{decode_event, decode_json};
pub use error::{Error, ErrorKind, Result};
pub use process::{process, BatchResponse, EventInput, Mode, Processor};
pub use record::{Change, ChangeKind, Decoded, KeyValue, Keys, Record, RecordInfo, StreamView};

/// The trait a model or `#[derive(Entities)]` enum implements to be decoded from stream images.
pub use ferrodyn::meta::DeserializeEntity;
