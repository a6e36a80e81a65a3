//! The API Gateway stand-in over real HTTP on loopback: the events functions receive (payload 2.0
//! and 1.0), the responses made of their results, route selection and the gateway's own answers.
//! The functions are faked in process; the gateway is what is under test.

mod client;
mod event_types;
mod failures;
mod http_api;
mod rest_api;
mod routing;
