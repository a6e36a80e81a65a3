//! The two item encodings of stream records as [`ferrodyn::value::Source`]s, so that each image
//! is decoded by its model's one generated decoder, the one `Db::get` uses: stream JSON read in
//! place as it is parsed (`json`, the fast path, over the crate's own JSON `reader`) and the
//! attribute-value trees of `aws_lambda_events` (`tree`). What a value means is decided in
//! `ferrodyn` alone; these only say how each encoding holds it.

pub(crate) mod json;
pub(crate) mod reader;
pub(crate) mod tree;

use base64::Engine as _;
use ferrodyn::{Error, ErrorKind};

/// A value that is not DynamoDB JSON (`why` names what is wrong; never the value itself).
pub(crate) fn malformed(why: &str) -> Error {
    Error::decode(ErrorKind::InvalidValue, format!("malformed attribute value: {why}"))
}

/// Decodes a base64 binary (B) from stream JSON.
pub(crate) fn decode_base64(text: &str) -> Result<Vec<u8>, Error> {
    base64::engine::general_purpose::STANDARD.decode(text).map_err(|_| malformed("B is not base64"))
}
