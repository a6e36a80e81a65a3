//! What the gateway tests share: functions faked in process (they record the events they receive
//! and answer canned results — the gateway, not a function, is under test), a gateway started on
//! a loopback port, and a raw HTTP/1.1 client that shows exactly what went over the wire.
#![allow(unreachable_pub)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use ferrodyn_local::gateway::{
    serve_with, Invoke, InvokeError, InvokeFuture, RequestLog, RestApiSettings, Route,
};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Functions by name, each answering a canned result, recording every event.
#[derive(Default)]
pub struct Functions {
    results: Mutex<HashMap<String, Result<Value, InvokeError>>>,
    events: Mutex<Vec<(String, Value)>>,
}

impl Functions {
    /// Makes `function` answer `result` from now on.
    pub fn answer(&self, function: &str, result: Result<Value, InvokeError>) {
        self.results.lock().unwrap().insert(function.to_owned(), result);
    }

    /// The (function, event) pairs received so far.
    pub fn events(&self) -> Vec<(String, Value)> {
        self.events.lock().unwrap().clone()
    }

    /// The only event received so far, and the function it went to.
    pub fn only_event(&self) -> (String, Value) {
        let events = self.events();
        assert_eq!(events.len(), 1, "expected one invocation, got {events:?}");
        events.into_iter().next().unwrap()
    }
}

impl Invoke for Functions {
    fn invoke(&self, function: &str, event: Value) -> InvokeFuture<'_> {
        self.events.lock().unwrap().push((function.to_owned(), event));
        let result = self.results.lock().unwrap().get(function).cloned().unwrap_or_else(|| {
            Ok(serde_json::json!({ "statusCode": 200, "body": format!("from {function}") }))
        });
        Box::pin(async move { result })
    }
}

/// A gateway serving on a loopback port.
pub struct Gateway {
    pub address: SocketAddr,
    pub functions: Arc<Functions>,
    logs: Arc<Mutex<Vec<RequestLog>>>,
}

impl Gateway {
    /// Starts a gateway for `routes`; every function answers `200 "from <name>"` until told
    /// otherwise.
    pub async fn start(routes: Vec<Route>) -> Gateway {
        Gateway::start_with(routes, RestApiSettings::default()).await
    }

    /// Starts a gateway for `routes` with REST API settings.
    pub async fn start_with(routes: Vec<Route>, rest_api: RestApiSettings) -> Gateway {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let functions = Arc::new(Functions::default());
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&logs);
        let invoker: Arc<dyn Invoke> = functions.clone();
        tokio::spawn(async move {
            let log = move |log| sink.lock().unwrap().push(log);
            serve_with(listener, routes, rest_api, invoker, log).await.unwrap();
        });
        Gateway { address, functions, logs }
    }

    /// The request logs so far.
    pub fn logs(&self) -> Vec<RequestLog> {
        self.logs.lock().unwrap().clone()
    }

    /// Sends one request (on its own connection) and reads the response.
    pub async fn send(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut stream = TcpStream::connect(self.address).await.unwrap();
        let mut request =
            format!("{method} {target} HTTP/1.1\r\nHost: localhost:{}\r\n", self.address.port());
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("Connection: close\r\n\r\n");
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(body);
        stream.write_all(&bytes).await.unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.unwrap();
        Reply::parse(&response)
    }

    /// `GET target`, no headers.
    pub async fn get(&self, target: &str) -> Reply {
        self.send("GET", target, &[], b"").await
    }
}

/// A response as it came over the wire.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    fn parse(bytes: &[u8]) -> Reply {
        let end = bytes.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete head");
        let head = std::str::from_utf8(&bytes[..end]).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.to_ascii_lowercase(), value.trim().to_owned())
            })
            .collect();
        let body = bytes[end + 4..].to_vec();
        let reply = Reply { status, headers, body };
        if let Some(length) = reply.header("content-length") {
            assert_eq!(length.parse::<usize>().unwrap(), reply.body.len(), "Content-Length");
        }
        reply
    }

    /// The first value of a header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.all(name).into_iter().next()
    }

    /// Every value of a header, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().filter(|(n, _)| *n == name).map(|(_, v)| v.as_str()).collect()
    }

    /// The body as text.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }
}
