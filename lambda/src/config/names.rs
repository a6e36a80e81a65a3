//! The names of the variables ferrodyn-lambda reads, and which variables of an environment are
//! read at all (every other one is neither copied nor kept).

/// The region Lambda sets for every function.
pub const REGION: &str = "AWS_REGION";
/// The region variable of the AWS CLI and SDKs, read when [`REGION`] is unset.
pub const DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
/// The access key id of the function's execution role.
pub const ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
/// The secret access key of the function's execution role.
pub const SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
/// The session token of the function's execution role.
pub const SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
/// The DynamoDB endpoint (DynamoDB Local, a VPC endpoint).
pub const ENDPOINT_URL_DYNAMODB: &str = "AWS_ENDPOINT_URL_DYNAMODB";
/// The endpoint of every AWS service, read when [`ENDPOINT_URL_DYNAMODB`] is unset.
pub const ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
/// `true` makes the SDK ignore both endpoint variables.
pub const IGNORE_CONFIGURED_ENDPOINT_URLS: &str = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";
/// The SDK's attempts per request, the first included.
pub const MAX_ATTEMPTS: &str = "AWS_MAX_ATTEMPTS";
/// The physical table of a single-table application (see
/// [`Builder::single_table`](crate::Builder::single_table)).
pub const TABLE_NAME: &str = "TABLE_NAME";
/// `logical=physical` pairs, comma-separated: model table names mapped to physical tables.
pub const TABLES: &str = "FERRODYN_TABLES";
/// A prefix added to every model table name that no mapping names (`prod-`, `dev-`).
pub const TABLE_PREFIX: &str = "FERRODYN_TABLE_PREFIX";
/// `false` turns the connection prewarm off; `true` turns it on.
pub const PREWARM: &str = "FERRODYN_PREWARM";
/// The prewarm's time limit, in milliseconds.
pub const PREWARM_TIMEOUT_MS: &str = "FERRODYN_PREWARM_TIMEOUT_MS";
/// How Lambda started this execution environment: `on-demand`, `provisioned-concurrency` or
/// `snap-start`. It decides whether the connection is prewarmed when neither the builder nor
/// [`PREWARM`] says.
pub const INITIALIZATION_TYPE: &str = "AWS_LAMBDA_INITIALIZATION_TYPE";

/// The variables ferrodyn-lambda reads, besides every `FERRODYN_*` one.
const NAMES: &[&str] = &[
    REGION,
    DEFAULT_REGION,
    ACCESS_KEY_ID,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    ENDPOINT_URL_DYNAMODB,
    ENDPOINT_URL,
    IGNORE_CONFIGURED_ENDPOINT_URLS,
    MAX_ATTEMPTS,
    TABLE_NAME,
    INITIALIZATION_TYPE,
];

pub(super) fn is_read(name: &str) -> bool {
    name.starts_with("FERRODYN_") || NAMES.contains(&name)
}
