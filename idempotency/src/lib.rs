#![doc = include_str!("../README.md")]

mod cache;
mod config;
mod error;
mod hash;
mod key_path;
#[cfg(feature = "layer")]
mod layer;
mod persistence;
mod run;
mod table;

pub use config::{
    ConfigError, Idempotency, IdempotencyBuilder, DEFAULT_EXPIRY, DEFAULT_FUNCTION_NAME,
    DEFAULT_IN_PROGRESS_TIMEOUT, DEFAULT_LOCAL_CACHE_ITEMS,
};
pub use error::{IdempotencyError, PersistenceError, PersistenceErrorKind};
pub use hash::{canonical_json, hash};
pub use key_path::{InvalidKeyPath, KeyPath};
#[cfg(feature = "layer")]
pub use layer::{IdempotencyLayer, Idempotent};
