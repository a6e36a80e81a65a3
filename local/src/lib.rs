#![doc = include_str!("../README.md")]

pub mod runtime_api;
#[cfg(feature = "streams")]
pub mod stream_poller;
#[cfg(feature = "cli")]
pub mod template;
