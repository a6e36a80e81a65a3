//! ferrodyn on AWS Lambda.
#![doc = include_str!("../README.md")]

mod config;
mod error;
mod init;
mod logging;
mod prewarm;
mod tls;

pub use config::LambdaConfig;
pub use error::{Error, ErrorKind, Result};
pub use init::{Builder, LambdaDb};
pub use logging::{init_tracing, LogFormat, TracingConfig};
pub use prewarm::{prewarm, Prewarm};

/// The names of the variables ferrodyn-lambda reads.
pub mod vars {
    pub use crate::config::{
        ACCESS_KEY_ID, DEFAULT_REGION, ENDPOINT_URL, ENDPOINT_URL_DYNAMODB,
        IGNORE_CONFIGURED_ENDPOINT_URLS, INITIALIZATION_TYPE, MAX_ATTEMPTS, PREWARM,
        PREWARM_TIMEOUT_MS, REGION, SECRET_ACCESS_KEY, SESSION_TOKEN, TABLES, TABLE_NAME,
        TABLE_PREFIX,
    };
    pub use crate::logging::{LOG_FORMAT, LOG_LEVEL, RUST_LOG};
}
