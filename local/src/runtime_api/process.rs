//! Launching a bootstrap binary as Lambda does: a clean environment holding Lambda's variables,
//! the process's output captured line by line, and the process killed when its
//! [`LocalFunction`] is dropped.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use super::api::RuntimeApi;
use super::{InvocationResult, InvokeError, Timings, DEFAULT_INVOKE_TIMEOUT};

/// The function timeout announced in `Lambda-Runtime-Deadline-Ms` unless told otherwise.
const DEFAULT_FUNCTION_TIMEOUT: Duration = Duration::from_secs(30);

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
    on_log: Option<LogSink>,
}

/// Where each line the process writes goes, besides [`LocalFunction::logs`].
#[derive(Clone)]
struct LogSink(Arc<dyn Fn(&str) + Send + Sync>);

impl fmt::Debug for LogSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LogSink")
    }
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
            on_log: None,
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

    /// Hands each line the process writes to stdout or stderr (without its line break) to
    /// `sink` as it is written, for a tool that shows a function's logs live. Those lines are
    /// not also kept for [`LocalFunction::logs`], so that a long-running process does not
    /// accumulate its whole output.
    pub fn on_log(mut self, sink: impl Fn(&str) + Send + Sync + 'static) -> Bootstrap {
        self.on_log = Some(LogSink(Arc::new(sink)));
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
            let sink = self.on_log.clone();
            thread::Builder::new()
                .name("runtime-api-logs".into())
                .spawn(move || collect(pipe, &logs, sink.as_ref()))?;
        }
        Ok(LocalFunction { api, child: Mutex::new(child), spawned, logs, program: self.program })
    }
}

/// Appends whole lines to the shared log, so that stdout and stderr lines do not interleave
/// mid-line.
fn collect(pipe: Box<dyn Read + Send>, logs: &Mutex<Vec<u8>>, sink: Option<&LogSink>) {
    let mut reader = BufReader::new(pipe);
    let mut line = Vec::new();
    while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
        if let Some(LogSink(sink)) = sink {
            sink(String::from_utf8_lossy(&line).trim_end_matches(['\r', '\n']));
            line.clear();
            continue;
        }
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
        self.api.invoke_while(event, DEFAULT_INVOKE_TIMEOUT, || self.alive())
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
        self.api.invoke_while(event, timeout, || self.alive())
    }

    /// Whether the process still runs: an invocation gives up as soon as it exits.
    fn alive(&self) -> Result<(), InvokeError> {
        let mut child = self.child.lock().unwrap_or_else(PoisonError::into_inner);
        match child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(InvokeError::Exited(status)),
            Err(error) => Err(InvokeError::Io(error)),
        }
    }

    /// Whether the process still runs: `Ok(None)` while it does, its exit status once it exited.
    ///
    /// # Errors
    /// Checking on the process failed.
    pub fn exit_status(&self) -> io::Result<Option<ExitStatus>> {
        self.child.lock().unwrap_or_else(PoisonError::into_inner).try_wait()
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
