//! A local stand-in for Amazon API Gateway in front of Lambda functions: [`serve`] answers HTTP
//! requests on one local port, selects a [`Route`] as API Gateway does (`route`), turns the request
//! into the event a Lambda proxy integration sends (`event`: HTTP API payload format 2.0 for SAM
//! `HttpApi` events, REST API payload format 1.0 for `Api` events), hands it to a function through
//! the [`Invoke`] trait, and turns what the function returns into the HTTP response API Gateway
//! would send (`response`). Each request produces one [`RequestLog`]. The HTTP side (hyper, one
//! task per connection) lives in `server`. This file holds the routes, the trait, its error and the
//! log record.
//!
//! What API Gateway does and this server copies:
//!
//! - **Route selection** (HTTP APIs): the most specific match wins — a full match of path and
//!   method (literal segments before path variables, segment by segment from the left), then a
//!   match with a greedy path variable (`{proxy+}`, which must be the last segment and takes one
//!   or more segments), then `$default`. A route with a method wins over `ANY` on the same path.
//!   A request no route matches is answered `404 {"message":"Not Found"}` — a path that exists
//!   under another method included: HTTP APIs have no 405. REST APIs (payload 1.0) answer an
//!   unknown resource or method `403 {"message":"Missing Authentication Token"}` instead.
//! - **Events**: header names lower-cased; repeated headers and query parameters joined with
//!   commas (2.0) or listed in `multiValueHeaders` / `multiValueQueryStringParameters` (1.0, whose
//!   single-valued maps hold the last value), with `x-forwarded-for` / `-port` / `-proto` added
//!   for the client; query parameters and path parameters URL-decoded;
//!   cookies split out of the `Cookie` header into `cookies` (2.0); `requestContext` with method,
//!   path, protocol, source IP, user agent, request id, time, stage (`$default` for 2.0, `Prod`,
//!   SAM's implicit stage, for 1.0).
//! - **Bodies**: a 2.0 request body is passed as text only if its `Content-Type` is `text/*`,
//!   `application/json`, `application/xml` or `application/javascript`; any other body, form data
//!   and a body without `Content-Type` included, is base64-encoded (`isBase64Encoded: true`). A
//!   1.0 body is passed as text unless its `Content-Type` is one of the REST API's binary media
//!   types ([`RestApiSettings`]).
//! - **Responses**: a 2.0 result without `statusCode` is a `200` with `content-type:
//!   application/json` and the result as body (a string as is, anything else as JSON); `cookies`
//!   become `set-cookie` headers; `multiValueHeaders` are ignored. A 1.0 result must have a
//!   `statusCode`; its `headers` and `multiValueHeaders` are merged, `multiValueHeaders` winning.
//!   A 2.0 `isBase64Encoded` body is decoded; a 1.0 one only when the request's `Accept` is a
//!   binary media type, and is otherwise sent as the base64 text.
//! - **Failures**: a function error, timeout or crash, or a malformed result, is answered
//!   `500 {"message":"Internal Server Error"}` (2.0) or `502 {"message": "Internal server error"}`
//!   (1.0). A request body over API Gateway's 10 MB payload limit is answered `413`.
//!
//! A route's payload version also chooses whose answers it gets: 1.0 routes are served as a REST
//! API's (stage `Prod`, 403 and 502), so an `HttpApi` event with `PayloadFormatVersion: "1.0"`
//! gets the REST API's gateway errors rather than the HTTP API's.
//!
//! Where it differs, for being local: header names arrive lower-cased in 1.0 events too (HTTP/1.1
//! header case is not kept); a 1.0 body that is not UTF-8 is base64-encoded rather than mangled;
//! there are no authorizers, stage variables, custom domains, `contentHandling` or throttling.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use std::future::Future;
//! use std::pin::Pin;
//! use std::sync::Arc;
//! use ferrodyn_local::gateway::{serve, Invoke, InvokeError, PayloadVersion, Route};
//!
//! struct Echo;
//!
//! impl Invoke for Echo {
//!     fn invoke(
//!         &self,
//!         _function: &str,
//!         event: serde_json::Value,
//!     ) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, InvokeError>> + Send + '_>> {
//!         Box::pin(async move { Ok(serde_json::json!({ "statusCode": 200, "body": event.to_string() })) })
//!     }
//! }
//!
//! let routes = vec![Route::http_api(Some("GET"), "/orders/{id}", "OrdersFunction")];
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! serve(listener, routes, Arc::new(Echo), |log| println!("{log}")).await
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

mod event;
mod response;
mod route;
mod server;

pub use server::{serve, serve_with};

/// Which Lambda proxy integration payload a route sends and expects back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadVersion {
    /// Payload format 1.0, as a REST API (SAM `Api` event) sends it.
    V1,
    /// Payload format 2.0, as an HTTP API (SAM `HttpApi` event) sends it by default.
    V2,
}

impl PayloadVersion {
    /// The `version` field of the event: `"1.0"` or `"2.0"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PayloadVersion::V1 => "1.0",
            PayloadVersion::V2 => "2.0",
        }
    }
}

impl fmt::Display for PayloadVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One route: a method and a path template, integrated with a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The HTTP method, upper or lower case; `None` (or `"ANY"`) matches every method no other
    /// route on the same path names.
    pub method: Option<String>,
    /// The path template as SAM writes it: literal segments, `{name}` path variables and a last
    /// `{name+}` greedy variable (`"/orders/{id}"`, `"/files/{proxy+}"`), or `"$default"`, the
    /// catch-all of an HTTP API.
    pub path: String,
    /// The function to invoke, as the [`Invoke`] implementation knows it.
    pub function: String,
    /// The payload format the function receives and answers in.
    pub payload: PayloadVersion,
}

impl Route {
    /// A route of an HTTP API (payload 2.0); `method` `None` is `ANY`.
    #[must_use]
    pub fn http_api(method: Option<&str>, path: &str, function: &str) -> Self {
        Route::new(method, path, function, PayloadVersion::V2)
    }

    /// A route of a REST API (payload 1.0); `method` `None` is `ANY`.
    #[must_use]
    pub fn rest_api(method: Option<&str>, path: &str, function: &str) -> Self {
        Route::new(method, path, function, PayloadVersion::V1)
    }

    fn new(method: Option<&str>, path: &str, function: &str, payload: PayloadVersion) -> Self {
        Route {
            method: method.map(str::to_owned),
            path: path.to_owned(),
            function: function.to_owned(),
            payload,
        }
    }
}

/// Settings of the REST APIs the gateway serves (its payload 1.0 routes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestApiSettings {
    /// The API's `BinaryMediaTypes` (`image/png`, `image/*`, `*/*`; SAM's `image~1png` spelling
    /// is read too). A request whose `Content-Type` matches one reaches the function
    /// base64-encoded; a result with `isBase64Encoded` is decoded only when the first media
    /// type of the request's `Accept` matches one, and otherwise sent as the base64 text, as a
    /// REST API does. None by default, as a REST API has none.
    pub binary_media_types: Vec<String>,
}

impl RestApiSettings {
    /// Whether a `Content-Type` or `Accept` value's (first) media type is a binary media type.
    fn is_binary(&self, header: Option<&str>) -> bool {
        let Some(header) = header else { return false };
        let first = header.split(',').next().unwrap_or("");
        let media = first.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        let Some((kind, _)) = media.split_once('/') else { return false };
        self.binary_media_types.iter().any(|pattern| {
            let pattern = pattern.replace("~1", "/").to_ascii_lowercase();
            pattern == "*/*" || pattern == media || pattern == format!("{kind}/*")
        })
    }
}

/// Why an invocation produced no result, as far as API Gateway is concerned: all of these are
/// answered with a 5xx.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvokeErrorKind {
    /// The function reported an error (an unhandled error or a panic in the handler).
    Function,
    /// The function did not answer within its timeout.
    Timeout,
    /// The function's process died, or could not be reached, before answering.
    Crashed,
}

/// A failed invocation: a function error, a timeout or a crash, with a message saying what
/// happened (logged, never sent to the client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeError {
    kind: InvokeErrorKind,
    message: String,
}

impl InvokeError {
    /// An invocation failure of the given kind.
    #[must_use]
    pub fn new(kind: InvokeErrorKind, message: impl Into<String>) -> Self {
        InvokeError { kind, message: message.into() }
    }

    /// The function reported an error.
    #[must_use]
    pub fn function(message: impl Into<String>) -> Self {
        InvokeError::new(InvokeErrorKind::Function, message)
    }

    /// The function did not answer in time.
    #[must_use]
    pub fn timeout(message: impl Into<String>) -> Self {
        InvokeError::new(InvokeErrorKind::Timeout, message)
    }

    /// The function's process died or could not be reached.
    #[must_use]
    pub fn crashed(message: impl Into<String>) -> Self {
        InvokeError::new(InvokeErrorKind::Crashed, message)
    }

    /// What kind of failure this is.
    #[must_use]
    pub fn kind(&self) -> InvokeErrorKind {
        self.kind
    }

    /// What happened.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for InvokeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            InvokeErrorKind::Function => "function error",
            InvokeErrorKind::Timeout => "timeout",
            InvokeErrorKind::Crashed => "function crashed",
        };
        write!(f, "{kind}: {}", self.message)
    }
}

impl std::error::Error for InvokeError {}

impl From<crate::runtime_api::FunctionError> for InvokeError {
    fn from(error: crate::runtime_api::FunctionError) -> Self {
        InvokeError::function(error.to_string())
    }
}

impl From<crate::runtime_api::InvokeError> for InvokeError {
    fn from(error: crate::runtime_api::InvokeError) -> Self {
        use crate::runtime_api::InvokeError as Runtime;
        let kind = match &error {
            Runtime::Timeout(_) => InvokeErrorKind::Timeout,
            Runtime::Init(_) => InvokeErrorKind::Function,
            _ => InvokeErrorKind::Crashed,
        };
        InvokeError::new(kind, error.to_string())
    }
}

/// The boxed future [`Invoke::invoke`] returns.
pub type InvokeFuture<'a> =
    Pin<Box<dyn Future<Output = Result<serde_json::Value, InvokeError>> + Send + 'a>>;

/// How the gateway reaches a function: invoke it by name with an event, get its result.
///
/// The local runner implements this over the Runtime API; tests implement it in process.
pub trait Invoke: Send + Sync + 'static {
    /// Invokes `function` with `event` and returns the JSON the function answered.
    ///
    /// # Errors
    /// The function reported an error, timed out or crashed.
    fn invoke(&self, function: &str, event: serde_json::Value) -> InvokeFuture<'_>;
}

/// What one request did, for a log line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestLog {
    /// The request method.
    pub method: String,
    /// The request path, without the query string, as sent.
    pub path: String,
    /// The selected route's key (`"GET /orders/{id}"`, `"ANY /{proxy+}"`, `"$default"`), if one
    /// matched.
    pub route_key: Option<String>,
    /// The function invoked, if a route matched.
    pub function: Option<String>,
    /// The payload format of the selected route.
    pub payload: Option<PayloadVersion>,
    /// The status code answered.
    pub status: u16,
    /// From the request's arrival to its response.
    pub duration: Duration,
    /// The request id given to the function in `requestContext.requestId`.
    pub request_id: String,
    /// Why the answer is a gateway error (no route, an invocation failure, a malformed result).
    pub error: Option<String>,
}

impl fmt::Display for RequestLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.method, self.path, self.status)?;
        if let (Some(route_key), Some(function)) = (&self.route_key, &self.function) {
            write!(f, " {function} ({route_key})")?;
        }
        write!(f, " {} ms", self.duration.as_millis())?;
        if let Some(error) = &self.error {
            write!(f, ": {error}")?;
        }
        Ok(())
    }
}
