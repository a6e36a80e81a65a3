#![doc = include_str!("../README.md")]

#[cfg(feature = "gateway")]
pub mod gateway;
pub mod runtime_api;
#[cfg(feature = "streams")]
pub mod stream_poller;
#[cfg(feature = "cli")]
pub mod template;
