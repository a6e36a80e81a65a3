//! A local stand-in for the AWS Lambda Runtime API: the HTTP server on 127.0.0.1 that a Lambda
//! bootstrap polls for events (`GET /2018-06-01/runtime/invocation/next`) and posts results to,
//! and a launcher that starts a bootstrap binary with the environment Lambda gives it. It runs a
//! function exactly as Lambda would (one event at a time, a warm process serving many), records
//! when the process was started, first asked for an event and first answered (for cold-start
//! measurements), and kills the process when dropped.

use std::collections::{HashMap, HashSet, VecDeque};
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The API version prefix of every Runtime API path.
const PREFIX: &str = "/2018-06-01/runtime/";
/// How long [`RuntimeApi::invoke`] waits for a result unless told otherwise.
pub const DEFAULT_INVOKE_TIMEOUT: Duration = Duration::from_secs(30);
/// The function timeout announced in `Lambda-Runtime-Deadline-Ms` unless told otherwise.
const DEFAULT_FUNCTION_TIMEOUT: Duration = Duration::from_secs(30);
/// A request head larger than this is refused: the runtime's requests are a few hundred bytes.
const MAX_HEAD: usize = 64 * 1024;
/// Lambda's own limit on a buffered response payload.
const MAX_BODY: usize = 6 * 1024 * 1024;
/// How often an invocation with a process checks that the process is still alive.
const LIVENESS_POLL: Duration = Duration::from_millis(20);

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
    fn invoke_while(
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

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
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

type Response = (u16, &'static str, Vec<(&'static str, String)>, String);

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

fn respond(
    writer: &mut TcpStream,
    status: u16,
    reason: &str,
    headers: &[(&'static str, String)],
    body: &str,
    close: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    writer.write_all(head.as_bytes())?;
    writer.write_all(body.as_bytes())?;
    writer.flush()
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}

/// Reads one HTTP/1.1 request (`Content-Length` or chunked body); `None` at a clean EOF.
fn read_request(reader: &mut BufReader<TcpStream>) -> io::Result<Option<Request>> {
    let mut line = String::new();
    // Tolerates blank lines between requests, as RFC 9112 asks servers to.
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        if !line.trim().is_empty() {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(invalid("malformed request line"));
    };
    let (method, path) = (method.to_owned(), target.split('?').next().unwrap_or("").to_owned());
    let mut headers = Vec::new();
    let mut head_size = line.len();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(invalid("connection closed inside the request head"));
        }
        head_size += line.len();
        if head_size > MAX_HEAD {
            return Err(invalid("request head too large"));
        }
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            break;
        }
        let Some((name, value)) = trimmed.split_once(':') else {
            return Err(invalid("malformed header line"));
        };
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let mut request = Request { method, path, headers, body: Vec::new() };
    let chunked = request
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        request.body = read_chunked(reader)?;
    } else if let Some(length) = request.header("content-length") {
        let length: usize = length.parse().map_err(|_| invalid("malformed Content-Length"))?;
        if length > MAX_BODY {
            return Err(invalid("body larger than 6 MB"));
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        request.body = body;
    }
    Ok(Some(request))
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let size = line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size, 16).map_err(|_| invalid("malformed chunk size"))?;
        if body.len() + size > MAX_BODY {
            return Err(invalid("body larger than 6 MB"));
        }
        if size == 0 {
            // Trailers, up to the blank line.
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        line.clear();
        reader.read_line(&mut line)?;
    }
}

fn json_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            c if c.is_control() => vec![' '],
            c => vec![c],
        })
        .collect()
}

/// How to start a bootstrap binary the way Lambda does: a clean environment holding Lambda's
/// variables, `PATH`, and what the caller adds.
#[derive(Debug, Clone)]
#[must_use]
pub struct Bootstrap {
    program: PathBuf,
    function_name: String,
    memory_size: u32,
    function_timeout: Duration,
    handler: String,
    env: Vec<(OsString, OsString)>,
}

impl Bootstrap {
    /// A bootstrap at `program`, named after its file, with 128 MB and a 30 s timeout.
    pub fn new(program: impl AsRef<Path>) -> Bootstrap {
        let program = program.as_ref().to_path_buf();
        let function_name = program
            .file_stem()
            .map_or_else(|| "function".to_owned(), |s| s.to_string_lossy().into_owned());
        Bootstrap {
            program,
            function_name,
            memory_size: 128,
            function_timeout: DEFAULT_FUNCTION_TIMEOUT,
            handler: "bootstrap".to_owned(),
            env: Vec::new(),
        }
    }

    /// `AWS_LAMBDA_FUNCTION_NAME` (and the log group and ARN built from it).
    pub fn function_name(mut self, name: impl Into<String>) -> Bootstrap {
        self.function_name = name.into();
        self
    }

    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, in MB. Only announced: nothing limits the process.
    pub fn memory_size(mut self, megabytes: u32) -> Bootstrap {
        self.memory_size = megabytes;
        self
    }

    /// The function timeout announced in each event's `Lambda-Runtime-Deadline-Ms`.
    pub fn function_timeout(mut self, timeout: Duration) -> Bootstrap {
        self.function_timeout = timeout;
        self
    }

    /// `_HANDLER` (default `bootstrap`).
    pub fn handler(mut self, handler: impl Into<String>) -> Bootstrap {
        self.handler = handler.into();
        self
    }

    /// Adds a variable (after Lambda's own, so it can replace them).
    pub fn env(mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Bootstrap {
        self.env.push((name.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Adds variables.
    pub fn envs<I, K, V>(mut self, vars: I) -> Bootstrap
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        for (name, value) in vars {
            self = self.env(name, value);
        }
        self
    }

    /// The binary's directory (`LAMBDA_TASK_ROOT` and the working directory), unless the
    /// program is a bare name looked up on `PATH`.
    fn task_root(&self) -> Option<&Path> {
        self.program.parent().filter(|dir| !dir.as_os_str().is_empty())
    }

    /// The variables the process gets, in order (later ones win), without `PATH`.
    pub fn environment(&self, runtime_api: SocketAddr) -> Vec<(OsString, OsString)> {
        let name = &self.function_name;
        let task_root = self.task_root().map_or(OsStr::new("."), Path::as_os_str);
        let lambda = [
            ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string()),
            ("AWS_LAMBDA_FUNCTION_NAME", name.clone()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", self.memory_size.to_string()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                "2026/01/01/[$LATEST]00000000000000000000000000000000".into(),
            ),
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
            ("_HANDLER", self.handler.clone()),
            ("LAMBDA_RUNTIME_DIR", "/var/runtime".to_owned()),
            ("TZ", ":UTC".to_owned()),
            ("LANG", "en_US.UTF-8".to_owned()),
        ];
        let mut vars: Vec<(OsString, OsString)> =
            lambda.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        vars.push(("LAMBDA_TASK_ROOT".into(), task_root.to_owned()));
        vars.extend(self.env.iter().cloned());
        vars
    }

    /// Starts a [`RuntimeApi`] and the bootstrap under it. The process's output is captured
    /// (see [`LocalFunction::logs`]).
    ///
    /// # Errors
    /// The server cannot start or the program cannot be spawned.
    pub fn spawn(self) -> io::Result<LocalFunction> {
        let api = RuntimeApi::start(&self.function_name, self.function_timeout)?;
        let mut command = Command::new(&self.program);
        command.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
        command
            .envs(self.environment(api.address()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = self.task_root() {
            command.current_dir(dir);
        }
        let spawned = Instant::now();
        // No shell guard is needed: if this process dies, the Runtime API's sockets close with
        // it, and a bootstrap whose `/next` fails exits, as it does on Lambda.
        let mut child = command.spawn()?;
        let logs = Arc::new(Mutex::new(Vec::new()));
        for pipe in [
            child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
            child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let logs = Arc::clone(&logs);
            thread::Builder::new()
                .name("runtime-api-logs".into())
                .spawn(move || collect(pipe, &logs))?;
        }
        Ok(LocalFunction { api, child: Mutex::new(child), spawned, logs, program: self.program })
    }
}

/// Appends whole lines to the shared log, so that stdout and stderr lines do not interleave
/// mid-line.
fn collect(pipe: Box<dyn Read + Send>, logs: &Mutex<Vec<u8>>) {
    let mut reader = BufReader::new(pipe);
    let mut line = Vec::new();
    while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
        logs.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(&line);
        line.clear();
    }
}

/// A bootstrap process running under its own [`RuntimeApi`]; killed when dropped.
pub struct LocalFunction {
    api: RuntimeApi,
    child: Mutex<Child>,
    spawned: Instant,
    logs: Arc<Mutex<Vec<u8>>>,
    program: PathBuf,
}

impl fmt::Debug for LocalFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalFunction")
            .field("program", &self.program)
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

impl LocalFunction {
    /// Sends one event and waits up to [`DEFAULT_INVOKE_TIMEOUT`] for the result.
    ///
    /// # Errors
    /// See [`invoke_timeout`](Self::invoke_timeout).
    pub fn invoke(&self, event: &str) -> Result<InvocationResult, InvokeError> {
        self.invoke_timeout(event, DEFAULT_INVOKE_TIMEOUT)
    }

    /// Sends one event and waits up to `timeout` for the result.
    ///
    /// # Errors
    /// No result in time, an init error, or the process exited.
    pub fn invoke_timeout(
        &self,
        event: &str,
        timeout: Duration,
    ) -> Result<InvocationResult, InvokeError> {
        self.api.invoke_while(event, timeout, || {
            let mut child = self.child.lock().unwrap_or_else(PoisonError::into_inner);
            match child.try_wait() {
                Ok(None) => Ok(()),
                Ok(Some(status)) => Err(InvokeError::Exited(status)),
                Err(error) => Err(InvokeError::Io(error)),
            }
        })
    }

    /// When the process was spawned, first asked for an event and first answered.
    pub fn timings(&self) -> Timings {
        Timings { spawned: Some(self.spawned), ..self.api.timings() }
    }

    /// Spawn to first `/next`: the init phase, once the function has polled.
    pub fn init_duration(&self) -> Option<Duration> {
        self.api.timings().first_next.map(|t| t.saturating_duration_since(self.spawned))
    }

    /// The process's id (for reading its resource use while it runs).
    pub fn pid(&self) -> u32 {
        self.child.lock().unwrap_or_else(PoisonError::into_inner).id()
    }

    /// What the process has written to stdout and stderr so far.
    pub fn logs(&self) -> String {
        String::from_utf8_lossy(&self.logs.lock().unwrap_or_else(PoisonError::into_inner))
            .into_owned()
    }

    /// The server the process talks to.
    pub fn runtime_api(&self) -> &RuntimeApi {
        &self.api
    }

    /// Kills the process and waits for it.
    ///
    /// # Errors
    /// Waiting for the process failed.
    pub fn kill(&self) -> io::Result<ExitStatus> {
        let mut child = self.child.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        // Lambda freezes and later kills the sandbox; no graceful shutdown is owed.
        let _ = child.kill();
        child.wait()
    }
}

impl Drop for LocalFunction {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}
