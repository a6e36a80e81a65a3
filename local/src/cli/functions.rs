//! The template's functions as running processes: each under its own local Runtime API with
//! the environment Lambda gives it, one invocation at a time, restarted after it times out or
//! exits (as Lambda replaces a sandbox), and replaced when `--watch` rebuilt its binary.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use ferrodyn_local::runtime_api::{Bootstrap, FunctionError, InvokeError, LocalFunction};
use ferrodyn_local::template::Function;

/// Lambda's limit on the init phase, separate from the function's timeout.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// What one invocation gave back.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// The response payload, or the error as Lambda reports it.
    pub(crate) result: Result<String, FunctionError>,
    /// From handing the event over to the result, init included on a cold start.
    pub(crate) duration: Duration,
}

/// A function of the template, started on first use.
pub(crate) struct Managed {
    pub(crate) spec: Function,
    env: Vec<(String, String)>,
    program: Mutex<PathBuf>,
    /// The running process; the lock also makes invocations take turns, as one sandbox does.
    running: Mutex<Option<LocalFunction>>,
    printer: Arc<dyn Fn(&str) + Send + Sync>,
}

impl std::fmt::Debug for Managed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Managed").field("function", &self.spec.name).finish_non_exhaustive()
    }
}

fn error(error_type: &str, message: &str) -> FunctionError {
    FunctionError {
        error_type: Some(error_type.to_owned()),
        body: serde_json::json!({ "errorType": error_type, "errorMessage": message }).to_string(),
    }
}

impl Managed {
    /// A function whose binary is `program`, run with `env` after Lambda's variables; its
    /// output lines go to `printer`, prefixed with the function's name.
    pub(crate) fn new(
        spec: Function,
        program: PathBuf,
        env: Vec<(String, String)>,
        printer: Arc<dyn Fn(&str) + Send + Sync>,
    ) -> Managed {
        Managed { spec, env, program: Mutex::new(program), running: Mutex::new(None), printer }
    }

    fn spawn(&self) -> std::io::Result<LocalFunction> {
        let program = self.program.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let printer = Arc::clone(&self.printer);
        let prefix = format!("[{}] ", self.spec.name);
        Bootstrap::new(program)
            .function_name(&self.spec.name)
            .memory_size(self.spec.memory_size)
            .function_timeout(self.spec.timeout)
            .handler(&self.spec.handler)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .on_log(move |line| printer(&format!("{prefix}{line}")))
            .spawn()
    }

    /// Starts the process now rather than on the first event.
    pub(crate) fn warm(&self) -> Result<(), String> {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if running.is_none() {
            *running = Some(self.spawn().map_err(|e| format!("starting {}: {e}", self.spec.name))?);
        }
        Ok(())
    }

    /// Uses `program` from the next invocation on: the running process is stopped.
    pub(crate) fn replace(&self, program: PathBuf) {
        *self.program.lock().unwrap_or_else(PoisonError::into_inner) = program;
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        *running = None;
    }

    /// Invokes the function with `event` (blocking: call it off the async runtime).
    pub(crate) fn invoke(&self, event: &str) -> Outcome {
        let started = Instant::now();
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let result = self.invoke_locked(&mut running, event);
        Outcome { result, duration: started.elapsed() }
    }

    fn invoke_locked(
        &self,
        running: &mut Option<LocalFunction>,
        event: &str,
    ) -> Result<String, FunctionError> {
        let name = &self.spec.name;
        if running.is_none() {
            let function = self.spawn().map_err(|e| {
                error("Runtime.InvalidEntrypoint", &format!("starting {name}: {e}"))
            })?;
            *running = Some(function);
        }
        let Some(function) = running.as_ref() else {
            return Err(error("Runtime.Unknown", "no process"));
        };
        // The init phase has its own limit; the timeout counts from the event's delivery.
        let init_started = Instant::now();
        while function.init_duration().is_none() && init_started.elapsed() < INIT_TIMEOUT {
            if function.runtime_api().init_error().is_some()
                || !matches!(function.exit_status(), Ok(None))
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let limit = self.spec.timeout;
        let outcome = function.invoke_timeout(event, limit);
        match outcome {
            Ok(result) => match result.error {
                Some(error) => Err(error),
                None => Ok(result.body),
            },
            Err(failure) => {
                // The sandbox is gone: the next event starts a fresh process, as on Lambda.
                *running = None;
                Err(match failure {
                    InvokeError::Timeout(_) => error(
                        "Sandbox.Timedout",
                        &format!("Task timed out after {:.2} seconds", limit.as_secs_f64()),
                    ),
                    InvokeError::Init(init) => init,
                    InvokeError::Exited(status) => {
                        error("Runtime.ExitError", &format!("Runtime exited with error: {status}"))
                    }
                    other => error("Runtime.Unknown", &other.to_string()),
                })
            }
        }
    }
}
