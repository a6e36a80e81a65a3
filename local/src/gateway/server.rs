//! The HTTP side of the gateway: [`serve`] accepts connections on a listener and serves each in
//! its own task with hyper's HTTP/1.1 server; each request goes through route selection, event,
//! invocation and response, and ends in one [`RequestLog`].

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Bytes, Incoming as Body};
use hyper::header::{HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::event::{v1_event, v2_event, Incoming};
use super::response::{self, Reply};
use super::route::{RouteTable, Selection};
use super::{Invoke, PayloadVersion, RequestLog, Route};

/// API Gateway's payload limit for a request body (10 MB).
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

struct Gateway {
    routes: RouteTable,
    invoker: Arc<dyn Invoke>,
    log: Box<dyn Fn(RequestLog) + Send + Sync>,
    requests: AtomicU64,
}

/// Serves `routes` on `listener` until accepting a connection fails, invoking functions through
/// `invoker` and passing one [`RequestLog`] per request to `log`.
///
/// Connections are served concurrently, each in its own task; a function's invocations are
/// serialised, or not, by the [`Invoke`] implementation. Drop (abort) the task running this
/// future to stop accepting connections.
///
/// # Errors
/// A route is not one API Gateway accepts (`InvalidInput`, naming the route and function: a
/// greedy variable not last, a route given twice, `$default` on a REST API, a bad method), or
/// the listener fails.
pub async fn serve(
    listener: TcpListener,
    routes: Vec<Route>,
    invoker: Arc<dyn Invoke>,
    log: impl Fn(RequestLog) + Send + Sync + 'static,
) -> io::Result<()> {
    let gateway = Arc::new(Gateway {
        routes: RouteTable::new(routes)?,
        invoker,
        log: Box::new(log),
        requests: AtomicU64::new(0),
    });
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) if is_per_connection(&error) => continue,
            Err(error) => return Err(error),
        };
        let gateway = Arc::clone(&gateway);
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let gateway = Arc::clone(&gateway);
                async move { Ok::<_, Infallible>(gateway.handle(request, peer).await) }
            });
            // A client that goes away mid-request has nobody left to answer.
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// Accept errors that concern one connection, not the listener.
fn is_per_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

impl Gateway {
    async fn handle(&self, request: Request<Body>, peer: SocketAddr) -> Response<Full<Bytes>> {
        let started = Instant::now();
        let received = SystemTime::now();
        let request_id = self.request_id(received);
        let (parts, body) = request.into_parts();
        let method = parts.method.as_str().to_owned();
        let raw_path = parts.uri.path().to_owned();
        let mut log = RequestLog {
            method: method.clone(),
            path: raw_path.clone(),
            route_key: None,
            function: None,
            payload: None,
            status: 0,
            duration: Default::default(),
            request_id: request_id.clone(),
            error: None,
        };
        let (payload, reply) = match self.routes.select(&method, &raw_path) {
            Selection::NoRoute { payload, method_mismatch } => {
                log.error = Some(if method_mismatch {
                    format!("no route for method {method} on this path")
                } else {
                    "no route matches this path".to_owned()
                });
                (payload, response::no_route(payload))
            }
            Selection::Route(selected) => {
                let payload = selected.route.payload;
                log.route_key = Some(selected.key.to_owned());
                log.function = Some(selected.route.function.clone());
                log.payload = Some(payload);
                let reply = match Limited::new(body, MAX_BODY_BYTES).collect().await {
                    Err(error) if error.is::<http_body_util::LengthLimitError>() => {
                        log.error = Some(format!("request body over {MAX_BODY_BYTES} bytes"));
                        response::too_large()
                    }
                    Err(error) => {
                        log.error = Some(format!("reading the request body: {error}"));
                        response::integration_failure(payload)
                    }
                    Ok(collected) => {
                        let incoming = Incoming {
                            method,
                            raw_path,
                            raw_query: parts.uri.query().unwrap_or("").to_owned(),
                            headers: parts
                                .headers
                                .iter()
                                .map(|(name, value)| {
                                    let value = String::from_utf8_lossy(value.as_bytes());
                                    (name.as_str().to_owned(), value.into_owned())
                                })
                                .collect(),
                            body: collected.to_bytes().to_vec(),
                            source_ip: peer.ip().to_string(),
                            protocol: format!("{:?}", parts.version),
                            request_id: request_id.clone(),
                            received,
                        };
                        let event = match payload {
                            PayloadVersion::V2 => v2_event(&incoming, &selected),
                            PayloadVersion::V1 => v1_event(&incoming, &selected),
                        };
                        let function = &selected.route.function;
                        match self.invoker.invoke(function, event).await {
                            Err(error) => {
                                log.error = Some(error.to_string());
                                response::integration_failure(payload)
                            }
                            Ok(result) => match response::from_result(payload, result) {
                                Ok(reply) => reply,
                                Err(malformed) => {
                                    log.error = Some(format!("malformed response: {malformed}"));
                                    response::integration_failure(payload)
                                }
                            },
                        }
                    }
                };
                (payload, reply)
            }
        };
        let response = match http_response(reply, payload, &request_id) {
            Ok(response) => response,
            Err(malformed) => {
                log.error = Some(format!("malformed response: {malformed}"));
                let reply = response::integration_failure(payload);
                http_response(reply, payload, &request_id)
                    .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
            }
        };
        log.status = response.status().as_u16();
        log.duration = started.elapsed();
        (self.log)(log);
        response
    }

    /// A request id unique in this process, shaped as API Gateway's REST ones (a UUID).
    fn request_id(&self, received: SystemTime) -> String {
        let count = self.requests.fetch_add(1, Ordering::Relaxed);
        let nanos = received.duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            (nanos >> 32) as u32,
            (nanos >> 16) as u16,
            (nanos as u16) & 0xfff,
            (count >> 48) as u16 & 0xfff,
            count & 0xffff_ffff_ffff
        )
    }
}

/// The hyper response for `reply`, with the request id header API Gateway adds; an error if the
/// function gave a header name or value HTTP cannot carry.
fn http_response(
    reply: Reply,
    payload: PayloadVersion,
    request_id: &str,
) -> Result<Response<Full<Bytes>>, String> {
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).map_err(|_| format!("status {}", reply.status))?;
    let headers = response.headers_mut();
    for (name, value) in reply.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("`{name}` is not a header name"))?;
        let value = HeaderValue::from_str(&value)
            .map_err(|_| format!("header `{name}` has a value HTTP cannot carry"))?;
        headers.append(name, value);
    }
    let id_header = match payload {
        PayloadVersion::V2 => "apigw-requestid",
        PayloadVersion::V1 => "x-amzn-requestid",
    };
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert(HeaderName::from_static(id_header), value);
    }
    Ok(response)
}
