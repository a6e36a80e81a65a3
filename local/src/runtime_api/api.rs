//! The Runtime API server: the queue of events, the `/next`, `/response`, `/error` and
//! `/init/error` routes a bootstrap calls, and the waiting side of [`RuntimeApi::invoke`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::io::{self, BufReader};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::http::{json_escape, read_request, respond, Request, Response};
use super::{FunctionError, InvocationResult, InvokeError, Timings, DEFAULT_INVOKE_TIMEOUT};

/// The API version prefix of every Runtime API path.
const PREFIX: &str = "/2018-06-01/runtime/";
/// How often an invocation with a process checks that the process is still alive.
const LIVENESS_POLL: Duration = Duration::from_millis(20);

struct Event {
    request_id: String,
    payload: String,
    deadline_ms: u128,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Event>,
    /// Delivered by `/next`, not yet answered.
    pending: HashSet<String>,
    results: HashMap<String, InvocationResult>,
    init_error: Option<FunctionError>,
    first_next: Option<Instant>,
    first_response: Option<Instant>,
    closed: bool,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    function_name: String,
    function_timeout: Duration,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking connection thread leaves the state consistent (every update is one
        // assignment), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The Runtime API server. It serves until dropped; a connection blocked in `/next` is then
/// closed, which makes a bootstrap still polling it exit.
///
/// ```no_run
/// # fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use ferrodyn_local::runtime_api::Bootstrap;
/// let function = Bootstrap::new("target/debug/orders-api").env("TABLE_NAME", "shop").spawn()?;
/// let result = function.invoke(r#"{"hello":"world"}"#)?;
/// println!("{} ({:?} to init)", result.body, function.init_duration());
/// # Ok(()) }
/// ```
pub struct RuntimeApi {
    shared: Arc<Shared>,
    address: SocketAddr,
    next_id: AtomicU64,
}

impl fmt::Debug for RuntimeApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeApi")
            .field("address", &self.address)
            .field("function_name", &self.shared.function_name)
            .finish_non_exhaustive()
    }
}

impl RuntimeApi {
    /// Starts a server on a free port of 127.0.0.1 for a function named `function_name`
    /// (used in the invoked function ARN) whose timeout is `function_timeout` (announced in each
    /// event's deadline).
    ///
    /// # Errors
    /// The port cannot be bound or the server thread cannot start.
    pub fn start(function_name: &str, function_timeout: Duration) -> io::Result<RuntimeApi> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            function_name: function_name.to_owned(),
            function_timeout,
        });
        let accept_shared = Arc::clone(&shared);
        thread::Builder::new()
            .name("runtime-api-accept".into())
            .spawn(move || accept(&listener, &accept_shared))?;
        Ok(RuntimeApi { shared, address, next_id: AtomicU64::new(1) })
    }

    /// The address to put in `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Queues `event` (a JSON document) and waits up to [`DEFAULT_INVOKE_TIMEOUT`] for the
    /// function's result.
    ///
    /// # Errors
    /// See [`invoke_timeout`](Self::invoke_timeout).
    pub fn invoke(&self, event: &str) -> Result<InvocationResult, InvokeError> {
        self.invoke_timeout(event, DEFAULT_INVOKE_TIMEOUT)
    }

    /// Queues `event` and waits up to `timeout` for the function's result.
    ///
    /// # Errors
    /// No result in time, or an init error reported by the function.
    pub fn invoke_timeout(
        &self,
        event: &str,
        timeout: Duration,
    ) -> Result<InvocationResult, InvokeError> {
        self.invoke_while(event, timeout, || Ok(()))
    }

    /// Queues `event` and waits for its result, calling `alive` every few milliseconds to give
    /// up early (a process that exited).
    pub(super) fn invoke_while(
        &self,
        event: &str,
        timeout: Duration,
        mut alive: impl FnMut() -> Result<(), InvokeError>,
    ) -> Result<InvocationResult, InvokeError> {
        let request_id = self.request_id();
        let deadline_ms = epoch_millis(SystemTime::now() + self.shared.function_timeout);
        let mut state = self.shared.lock();
        state.queue.push_back(Event {
            request_id: request_id.clone(),
            payload: event.to_owned(),
            deadline_ms,
        });
        self.shared.changed.notify_all();
        let give_up = Instant::now() + timeout;
        loop {
            if let Some(result) = state.results.remove(&request_id) {
                return Ok(result);
            }
            if let Some(error) = &state.init_error {
                let error = error.clone();
                state.queue.retain(|e| e.request_id != request_id);
                return Err(InvokeError::Init(error));
            }
            if let Err(error) = alive() {
                state.queue.retain(|e| e.request_id != request_id);
                return Err(error);
            }
            let now = Instant::now();
            if now >= give_up {
                state.queue.retain(|e| e.request_id != request_id);
                state.pending.remove(&request_id);
                return Err(InvokeError::Timeout(timeout));
            }
            let wait = (give_up - now).min(LIVENESS_POLL);
            state = self
                .shared
                .changed
                .wait_timeout(state, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// The init error the function reported, if any.
    pub fn init_error(&self) -> Option<FunctionError> {
        self.shared.lock().init_error.clone()
    }

    /// When the function first asked for an event and first posted a result.
    pub fn timings(&self) -> Timings {
        let state = self.shared.lock();
        Timings {
            spawned: None,
            first_next: state.first_next,
            first_response: state.first_response,
        }
    }

    /// A fresh request id, shaped like Lambda's (a UUID).
    fn request_id(&self) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            std::process::id(),
            self.address.port(),
            nanos & 0xfff,
            (nanos >> 12) & 0xfff,
            n
        )
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.changed.notify_all();
        // Wakes the accept loop so that it sees `closed` and drops the listener.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_millis(200));
    }
}

fn epoch_millis(time: SystemTime) -> u128 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis())
}

fn accept(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.lock().closed {
            return;
        }
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name("runtime-api-connection".into())
            .spawn(move || serve_connection(stream, &shared));
        if spawned.is_err() {
            // Out of threads: the runtime sees a closed connection and retries or exits.
            continue;
        }
    }
}

/// Serves requests on one connection until the peer closes it: the runtime keeps one
/// connection alive for `/next` and the result posts.
fn serve_connection(stream: TcpStream, shared: &Shared) {
    let Ok(write_half) = stream.try_clone() else { return };
    let mut writer = write_half;
    let mut reader = BufReader::new(stream);
    loop {
        let request = match read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(error) => {
                let body = format!(r#"{{"errorMessage":"{}"}}"#, json_escape(&error.to_string()));
                let _ = respond(&mut writer, 400, "Bad Request", &[], &body, true);
                return;
            }
        };
        let close = request.header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let outcome = route(&request, shared);
        let Some((status, reason, headers, body)) = outcome else {
            // The server is shutting down while `/next` waited.
            let _ = writer.shutdown(Shutdown::Both);
            return;
        };
        if respond(&mut writer, status, reason, &headers, &body, close).is_err() || close {
            return;
        }
    }
}

fn route(request: &Request, shared: &Shared) -> Option<Response> {
    let accepted = || Some((202, "Accepted", Vec::new(), r#"{"status":"OK"}"#.to_owned()));
    let not_found =
        || Some((404, "Not Found", Vec::new(), r#"{"errorMessage":"unknown path"}"#.to_owned()));
    let Some(rest) = request.path.strip_prefix(PREFIX) else { return not_found() };
    let error_of = |request: &Request| FunctionError {
        error_type: request.header("lambda-runtime-function-error-type").map(str::to_owned),
        body: String::from_utf8_lossy(&request.body).into_owned(),
    };
    match (request.method.as_str(), rest) {
        ("GET", "invocation/next") => next_event(shared),
        ("POST", "init/error") => {
            let mut state = shared.lock();
            state.init_error = Some(error_of(request));
            shared.changed.notify_all();
            accepted()
        }
        ("POST", path) => {
            let Some((request_id, kind)) =
                path.strip_prefix("invocation/").and_then(|p| p.rsplit_once('/'))
            else {
                return not_found();
            };
            let (body, error) = match kind {
                "response" => (String::from_utf8_lossy(&request.body).into_owned(), None),
                "error" => (String::new(), Some(error_of(request))),
                _ => return not_found(),
            };
            let mut state = shared.lock();
            if !state.pending.remove(request_id) {
                return Some((
                    400,
                    "Bad Request",
                    Vec::new(),
                    r#"{"errorMessage":"unknown or already answered request id","errorType":"InvalidRequestID"}"#
                        .to_owned(),
                ));
            }
            state.first_response.get_or_insert_with(Instant::now);
            state.results.insert(
                request_id.to_owned(),
                InvocationResult { request_id: request_id.to_owned(), body, error },
            );
            shared.changed.notify_all();
            accepted()
        }
        _ => not_found(),
    }
}

/// Blocks until an event is queued (or the server closes), then delivers it.
fn next_event(shared: &Shared) -> Option<Response> {
    let mut state = shared.lock();
    state.first_next.get_or_insert_with(Instant::now);
    let event = loop {
        if state.closed {
            return None;
        }
        if let Some(event) = state.queue.pop_front() {
            break event;
        }
        state = shared.changed.wait(state).unwrap_or_else(PoisonError::into_inner);
    };
    state.pending.insert(event.request_id.clone());
    drop(state);
    let headers = vec![
        ("Lambda-Runtime-Aws-Request-Id", event.request_id.clone()),
        ("Lambda-Runtime-Deadline-Ms", event.deadline_ms.to_string()),
        (
            "Lambda-Runtime-Invoked-Function-Arn",
            format!("arn:aws:lambda:us-east-1:000000000000:function:{}", shared.function_name),
        ),
        ("Lambda-Runtime-Trace-Id", trace_id(&event.request_id)),
        ("Content-Type", "application/json".to_owned()),
    ];
    Some((200, "OK", headers, event.payload))
}

/// An X-Ray trace header shaped like Lambda's, derived from the request id.
fn trace_id(request_id: &str) -> String {
    let hex: String = request_id.chars().filter(char::is_ascii_hexdigit).collect();
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let root = hex.get(..24).unwrap_or(&hex);
    let parent = hex.get(hex.len().saturating_sub(16)..).unwrap_or(&hex);
    format!("Root=1-{seconds:08x}-{root};Parent={parent};Sampled=0;Lineage=1:00000000:0")
}
