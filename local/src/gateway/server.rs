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
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::event::{v1_event, v2_event, Incoming};
use super::response::{self, Reply};
use super::route::{RouteTable, Selection};
use super::{Invoke, PayloadVersion, RequestLog, RestApiSettings, Route};

/// API Gateway's payload limit for a request body (10 MB).
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

struct Gateway {
    routes: RouteTable,
    rest_api: RestApiSettings,
    /// The port the gateway listens on, for `x-forwarded-port`.
    port: u16,
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
/// greedy variable not last, a variable that is not a whole segment, a route given twice, a bad
/// method), or the listener fails.
pub async fn serve(
    listener: TcpListener,
    routes: Vec<Route>,
    invoker: Arc<dyn Invoke>,
    log: impl Fn(RequestLog) + Send + Sync + 'static,
) -> io::Result<()> {
    serve_with(listener, routes, RestApiSettings::default(), invoker, log).await
}

/// [`serve`], with settings for the REST APIs (payload 1.0 routes): their binary media types.
///
/// # Errors
/// As [`serve`].
pub async fn serve_with(
    listener: TcpListener,
    routes: Vec<Route>,
    rest_api: RestApiSettings,
    invoker: Arc<dyn Invoke>,
    log: impl Fn(RequestLog) + Send + Sync + 'static,
) -> io::Result<()> {
    let gateway = Arc::new(Gateway {
        routes: RouteTable::new(routes)?,
        rest_api,
        port: listener.local_addr()?.port(),
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
        let mut log = RequestLog {
            method: request.method().as_str().to_owned(),
            path: request.uri().path().to_owned(),
            route_key: None,
            function: None,
            payload: None,
            status: 0,
            duration: Default::default(),
            request_id: request_id.clone(),
            error: None,
        };
        let (payload, reply) = self.answer(request, peer, received, &mut log).await;
        let response = http_response(reply, payload, &request_id);
        log.status = response.status().as_u16();
        log.duration = started.elapsed();
        (self.log)(log);
        response
    }

    /// Routes, invokes and translates one request; says in `log` what was selected and why the
    /// gateway answered by itself, if it did.
    async fn answer(
        &self,
        request: Request<Body>,
        peer: SocketAddr,
        received: SystemTime,
        log: &mut RequestLog,
    ) -> (PayloadVersion, Reply) {
        let (parts, body) = request.into_parts();
        let selected = match self.routes.select(&log.method, &log.path) {
            Selection::Route(selected) => selected,
            Selection::NoRoute { payload, method_mismatch } => {
                log.error = Some(if method_mismatch {
                    format!("no route for method {} on this path", log.method)
                } else {
                    "no route matches this path".to_owned()
                });
                return (payload, response::no_route(payload));
            }
        };
        let payload = selected.route.payload;
        log.route_key = Some(selected.key.to_owned());
        log.function = Some(selected.route.function.clone());
        log.payload = Some(payload);
        let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
            Ok(collected) => collected.to_bytes().to_vec(),
            Err(error) if error.is::<http_body_util::LengthLimitError>() => {
                log.error = Some(format!("request body over {MAX_BODY_BYTES} bytes"));
                return (payload, response::too_large());
            }
            Err(error) => {
                log.error = Some(format!("reading the request body: {error}"));
                return (payload, response::integration_failure(payload));
            }
        };
        let incoming = Incoming {
            method: log.method.clone(),
            raw_path: log.path.clone(),
            raw_query: parts.uri.query().unwrap_or("").to_owned(),
            headers: self.forwarded_headers(&parts.headers, peer),
            body,
            source_ip: peer.ip().to_string(),
            protocol: format!("{:?}", parts.version),
            request_id: log.request_id.clone(),
            received,
        };
        let event = match payload {
            PayloadVersion::V2 => v2_event(&incoming, &selected),
            PayloadVersion::V1 => {
                let binary = self.rest_api.is_binary(incoming.header("content-type"));
                v1_event(&incoming, &selected, binary)
            }
        };
        let result = match self.invoker.invoke(&selected.route.function, event).await {
            Ok(result) => result,
            Err(error) => {
                log.error = Some(error.to_string());
                return (payload, response::integration_failure(payload));
            }
        };
        let accepts_binary = self.rest_api.is_binary(incoming.header("accept"));
        match response::from_result(payload, result, accepts_binary) {
            Ok(reply) => (payload, reply),
            Err(malformed) => {
                log.error = Some(format!("malformed response: {malformed}"));
                (payload, response::integration_failure(payload))
            }
        }
    }

    /// The request's headers (names lower-cased, values as UTF-8, lossily), with the
    /// `x-forwarded-for`, `-port` and `-proto` headers API Gateway adds for the client it serves.
    fn forwarded_headers(&self, headers: &HeaderMap, peer: SocketAddr) -> Vec<(String, String)> {
        let mut list: Vec<(String, String)> = Vec::with_capacity(headers.len() + 3);
        let mut forwarded_for = None;
        for (name, value) in headers {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            match name.as_str() {
                "x-forwarded-for" => forwarded_for = Some(value),
                "x-forwarded-port" | "x-forwarded-proto" => {}
                name => list.push((name.to_owned(), value)),
            }
        }
        let client = peer.ip().to_string();
        let forwarded_for = match forwarded_for {
            Some(earlier) => format!("{earlier}, {client}"),
            None => client,
        };
        list.push(("x-forwarded-for".to_owned(), forwarded_for));
        list.push(("x-forwarded-port".to_owned(), self.port.to_string()));
        list.push(("x-forwarded-proto".to_owned(), "http".to_owned()));
        list
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

/// The hyper response for `reply` (whose status and headers [`response`] has checked), with the
/// request id header API Gateway adds.
fn http_response(reply: Reply, payload: PayloadVersion, request_id: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    for (name, value) in reply.headers {
        headers.append(name, value);
    }
    let id_header = match payload {
        PayloadVersion::V2 => "apigw-requestid",
        PayloadVersion::V1 => "x-amzn-requestid",
    };
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert(HeaderName::from_static(id_header), value);
    }
    response
}
