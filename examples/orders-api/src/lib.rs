//! The orders API: customers and their orders in one DynamoDB table, served as an HTTP API on
//! AWS Lambda. The binary (`src/main.rs`) wires [`routes::handle`] into lambda_http; the models
//! are public so that tests and tools can create the table from them.

pub mod error;
pub mod idempotency;
pub mod models;
pub mod routes;
