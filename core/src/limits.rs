//! DynamoDB's hard limits, in one place: every check ferrodyn makes before sending a request
//! (item and key sizes, numbers, nesting, expressions, batches, transactions) reads its bound from
//! here, and error messages quote these values.
//!
//! The figures are DynamoDB's service quotas that cannot be raised. Sizes are in bytes, as DynamoDB
//! counts them (UTF-8 for strings, attribute names included in item sizes).
//!
//! ```
//! use ferrodyn::limits;
//! assert_eq!(limits::MAX_ITEM_BYTES, 400 * 1024);
//! assert_eq!(limits::MAX_TRANSACTION_ACTIONS, 100);
//! assert!(limits::MIN_CLIENT_REQUEST_TOKEN_CHARS <= limits::MAX_CLIENT_REQUEST_TOKEN_CHARS);
//! ```

/// Largest item: 400 KB, attribute names included.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;
/// Longest partition key value (they are at least 1 byte).
pub const MAX_PARTITION_KEY_BYTES: usize = 2048;
/// Longest sort key value (they are at least 1 byte).
pub const MAX_SORT_KEY_BYTES: usize = 1024;

/// Most significant digits of a number.
pub const MAX_NUMBER_DIGITS: usize = 38;
/// Largest decimal exponent of a number's first significant digit: numbers go up to 9.99…E+125.
pub const MAX_NUMBER_EXPONENT: i64 = 125;
/// Smallest decimal exponent of a number's first significant digit: the smallest magnitude other
/// than zero is 1E-130.
pub const MIN_NUMBER_EXPONENT: i64 = -130;

/// Deepest nesting of lists and maps.
pub const MAX_DEPTH: usize = 32;

/// Longest expression (condition, update, key condition, filter, projection).
pub const MAX_EXPRESSION_BYTES: usize = 4 * 1024;
/// Longest attribute name an expression refers to through a placeholder.
pub const MAX_NAME_BYTES: usize = 255;
/// Most operators or functions in one expression (an update included). Counted by DynamoDB, not
/// before sending: how DynamoDB counts an action is not documented closely enough to refuse
/// anything it would accept.
pub const MAX_EXPRESSION_OPERATORS: usize = 300;
/// Most values in the list of one `IN` comparison.
pub const MAX_IN_VALUES: usize = 100;

/// Most put and delete requests in one BatchWriteItem.
pub const MAX_BATCH_WRITE_ITEMS: usize = 25;
/// Largest BatchWriteItem request.
pub const MAX_BATCH_WRITE_BYTES: usize = 16 * 1024 * 1024;
/// Most keys in one BatchGetItem.
pub const MAX_BATCH_GET_KEYS: usize = 100;
/// Largest BatchGetItem response: DynamoDB returns the keys past it as unprocessed, which a batch
/// get resends, so nothing checks this before sending.
pub const MAX_BATCH_GET_BYTES: usize = 16 * 1024 * 1024;

/// Most actions in one TransactWriteItems or TransactGetItems.
pub const MAX_TRANSACTION_ACTIONS: usize = 100;
/// Largest TransactWriteItems request.
pub const MAX_TRANSACTION_BYTES: usize = 4 * 1024 * 1024;
/// Shortest client request token of a transaction, in characters.
pub const MIN_CLIENT_REQUEST_TOKEN_CHARS: usize = 1;
/// Longest client request token of a transaction, in characters.
pub const MAX_CLIENT_REQUEST_TOKEN_CHARS: usize = 36;

/// Most segments of a parallel scan (`TotalSegments`).
pub const MAX_SCAN_SEGMENTS: u32 = 1_000_000;
/// Largest page of a Query or Scan before DynamoDB stops and returns `LastEvaluatedKey`.
pub const MAX_PAGE_BYTES: usize = 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    /// The "Hard limits" table of the project's DynamoDB facts, row by row, as the figures appear
    /// there; each row is checked against the consts.
    const FACTS: &[(&str, i64)] = &[
        ("item size KB", 400),
        ("partition key value bytes", 2048),
        ("sort key value bytes", 1024),
        ("significant digits", 38),
        ("largest exponent", 125),
        ("smallest exponent", -130),
        ("nesting depth", 32),
        ("expression KB", 4),
        ("placeholder bytes", 255),
        ("operators in an update", 300),
        ("BatchWriteItem requests", 25),
        ("BatchWriteItem MB", 16),
        ("BatchGetItem keys", 100),
        ("BatchGetItem response MB", 16),
        ("transaction actions", 100),
        ("transaction MB", 4),
        ("ClientRequestToken shortest", 1),
        ("ClientRequestToken longest", 36),
        ("Query/Scan page MB", 1),
    ];

    #[test]
    fn consts_match_the_documented_limits() {
        const KB: usize = 1024;
        const MB: usize = 1024 * 1024;
        let n = |value: usize| i64::try_from(value).unwrap();
        let ours = [
            ("item size KB", n(MAX_ITEM_BYTES / KB)),
            ("partition key value bytes", n(MAX_PARTITION_KEY_BYTES)),
            ("sort key value bytes", n(MAX_SORT_KEY_BYTES)),
            ("significant digits", n(MAX_NUMBER_DIGITS)),
            ("largest exponent", MAX_NUMBER_EXPONENT),
            ("smallest exponent", MIN_NUMBER_EXPONENT),
            ("nesting depth", n(MAX_DEPTH)),
            ("expression KB", n(MAX_EXPRESSION_BYTES / KB)),
            ("placeholder bytes", n(MAX_NAME_BYTES)),
            ("operators in an update", n(MAX_EXPRESSION_OPERATORS)),
            ("BatchWriteItem requests", n(MAX_BATCH_WRITE_ITEMS)),
            ("BatchWriteItem MB", n(MAX_BATCH_WRITE_BYTES / MB)),
            ("BatchGetItem keys", n(MAX_BATCH_GET_KEYS)),
            ("BatchGetItem response MB", n(MAX_BATCH_GET_BYTES / MB)),
            ("transaction actions", n(MAX_TRANSACTION_ACTIONS)),
            ("transaction MB", n(MAX_TRANSACTION_BYTES / MB)),
            ("ClientRequestToken shortest", n(MIN_CLIENT_REQUEST_TOKEN_CHARS)),
            ("ClientRequestToken longest", n(MAX_CLIENT_REQUEST_TOKEN_CHARS)),
            ("Query/Scan page MB", n(MAX_PAGE_BYTES / MB)),
        ];
        assert_eq!(ours, FACTS);
        // Whole units: no limit is a fraction of the unit it is documented in.
        let rests = [MAX_ITEM_BYTES % KB, MAX_EXPRESSION_BYTES % KB, MAX_BATCH_WRITE_BYTES % MB];
        assert_eq!(rests, [0; 3]);
    }
}
