//! A local stand-in for the AWS Lambda Runtime API: the HTTP server on 127.0.0.1 that a Lambda
//! bootstrap polls for events (`GET /2018-06-01/runtime/invocation/next`) and posts results to
//! ([`RuntimeApi`], in `api`, over the small HTTP/1.1 reader and writer in `http`), and a launcher
//! that starts a bootstrap binary with the environment Lambda gives it ([`Bootstrap`] and
//! [`LocalFunction`], in `process`). It runs a function exactly as Lambda would (one event at a
//! time, a warm process serving many), records when the process was started, first asked for an
//! event and first answered (for cold-start measurements), and kills the process when dropped.
//! This file holds what an invocation returns: its result, its errors and those timings.

use std::fmt;
use std::io;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

mod api;
mod http;
mod process;

pub use api::RuntimeApi;
pub use process::{Bootstrap, LocalFunction};

/// How long [`RuntimeApi::invoke`] waits for a result unless told otherwise.
pub const DEFAULT_INVOKE_TIMEOUT: Duration = Duration::from_secs(30);

/// The outcome of one invocation: what the function posted to `/response`, or to `/error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvocationResult {
    /// The request id the event was delivered with.
    pub request_id: String,
    /// The response payload (empty when the function reported an error).
    pub body: String,
    /// The error the function reported, if it posted to `/error`.
    pub error: Option<FunctionError>,
}

impl InvocationResult {
    /// The response payload, or the reported error.
    ///
    /// # Errors
    /// The function posted to `/error`.
    pub fn into_body(self) -> Result<String, FunctionError> {
        match self.error {
            Some(error) => Err(error),
            None => Ok(self.body),
        }
    }
}

/// An error a function reported, to `/invocation/{id}/error` or `/init/error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionError {
    /// The `Lambda-Runtime-Function-Error-Type` header, if sent.
    pub error_type: Option<String>,
    /// The body, by convention `{"errorType": "…", "errorMessage": "…"}`.
    pub body: String,
}

impl fmt::Display for FunctionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error_type {
            Some(error_type) => write!(f, "{error_type}: {}", self.body),
            None => f.write_str(&self.body),
        }
    }
}

impl std::error::Error for FunctionError {}

/// Why an invocation produced no result.
#[derive(Debug)]
#[non_exhaustive]
pub enum InvokeError {
    /// No result within the time limit.
    Timeout(Duration),
    /// The function reported an init error (`/runtime/init/error`).
    Init(FunctionError),
    /// The function's process exited before posting a result.
    Exited(ExitStatus),
    /// Checking on the function's process failed.
    Io(io::Error),
}

impl fmt::Display for InvokeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvokeError::Timeout(limit) => {
                write!(f, "Lambda Runtime API: no result within {} ms", limit.as_millis())
            }
            InvokeError::Init(error) => {
                write!(f, "Lambda Runtime API: the function failed to initialise: {error}")
            }
            InvokeError::Exited(status) => {
                write!(f, "Lambda Runtime API: the function exited ({status}) before answering")
            }
            InvokeError::Io(error) => {
                write!(f, "Lambda Runtime API: checking on the function: {error}")
            }
        }
    }
}

impl std::error::Error for InvokeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InvokeError::Init(error) => Some(error),
            InvokeError::Io(error) => Some(error),
            _ => None,
        }
    }
}

/// When the milestones of a cold start happened, as plain [`Instant`]s so that callers can
/// subtract them from each other or from their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timings {
    /// Just before the bootstrap process was spawned ([`Bootstrap::spawn`] only).
    pub spawned: Option<Instant>,
    /// When the first `GET /invocation/next` arrived: the end of the init phase.
    pub first_next: Option<Instant>,
    /// When the first result (response or error) was posted.
    pub first_response: Option<Instant>,
}
