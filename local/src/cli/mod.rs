//! The `ferrodyn-local` command: its arguments (`args`), the stack `start` and `invoke` bring up
//! (`stack`: tables in `tables`, builds in `build`, processes in `functions`), the stream
//! mappings (`mappings`), the HTTP front and the run loop (`start`), `--watch` (`watch`) and the
//! sample events (`events`).

use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;

mod args;
mod build;
mod events;
mod functions;
mod mappings;
mod stack;
mod start;
mod tables;
mod watch;

use args::{Command, Common};

/// Runs the command line `args` (after the program name).
pub(crate) fn main(args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    let command = match args::parse(args) {
        Ok(command) => command,
        Err(e) => {
            eprintln!("ferrodyn-local: {e}\n\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("ferrodyn-local: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match command {
        Command::Help => {
            print!("{}", args::USAGE);
            Ok(ExitCode::SUCCESS)
        }
        Command::GenerateEvent(kind) => events::sample(&kind).map(|event| {
            println!("{}", serde_json::to_string_pretty(&event).unwrap_or_default());
            ExitCode::SUCCESS
        }),
        Command::Start(common, options) => {
            runtime.block_on(start::run(&common, &options)).map(|()| ExitCode::SUCCESS)
        }
        Command::Invoke(common, function, event) => {
            runtime.block_on(invoke(&common, &function, &event))
        }
    };
    // Mapping threads and blocked invocations are not waited for.
    runtime.shutdown_background();
    result.unwrap_or_else(|e| {
        eprintln!("ferrodyn-local: {e}");
        ExitCode::FAILURE
    })
}

/// `invoke`: one event, the response (or the error Lambda would report) on stdout; the
/// function's logs and everything else on stderr. Fails when the function fails.
async fn invoke(
    common: &Common,
    function: &str,
    event: &std::path::Path,
) -> Result<ExitCode, String> {
    let text = if event.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("reading the event from standard input: {e}"))?;
        text
    } else {
        std::fs::read_to_string(event)
            .map_err(|e| format!("reading the event {}: {e}", event.display()))?
    };
    serde_json::from_str::<serde_json::Value>(&text)
        .map_err(|e| format!("the event {} is not JSON: {e}", event.display()))?;
    let log: Arc<dyn Fn(&str) + Send + Sync> = Arc::new(|line| eprintln!("{line}"));
    let stack = stack::prepare(common, Some(function), log).await?;
    let Some(managed) = stack.functions.values().next().cloned() else {
        return Err(format!("the template has no Rust function {function}"));
    };
    let outcome = tokio::task::spawn_blocking(move || managed.invoke(&text))
        .await
        .map_err(|e| format!("invoking {function}: {e}"))?;
    eprintln!("invoke {function}: {} ms", outcome.duration.as_millis());
    match outcome.result {
        Ok(body) => {
            println!("{body}");
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            println!("{}", error.body);
            eprintln!("invoke {function}: {error}");
            Ok(ExitCode::FAILURE)
        }
    }
}
