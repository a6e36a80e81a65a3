//! `start`: the template's stack brought up, its stream mappings attached, its HTTP routes
//! served on one port through the API Gateway stand-in, and with `--watch` its functions
//! rebuilt and restarted as their sources change.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrodyn_local::gateway::{
    self, InvokeError, InvokeFuture, PayloadVersion, RestApiSettings, Route,
};
use ferrodyn_local::template::ApiKind;
use serde_json::Value;

use super::args::{Common, Start};
use super::functions::Managed;
use super::mappings::Mapping;
use super::stack::prepare;
use super::watch;

/// The gateway's way into the functions: each invocation on a blocking thread, as the local
/// Runtime API waits synchronously.
struct Functions(BTreeMap<String, Arc<Managed>>);

impl gateway::Invoke for Functions {
    fn invoke(&self, function: &str, event: Value) -> InvokeFuture<'_> {
        let managed = self.0.get(function).cloned();
        let name = function.to_owned();
        Box::pin(async move {
            let managed =
                managed.ok_or_else(|| InvokeError::crashed(format!("no function {name}")))?;
            let outcome = tokio::task::spawn_blocking(move || managed.invoke(&event.to_string()))
                .await
                .map_err(|e| InvokeError::crashed(format!("{name}: {e}")))?;
            match outcome.result {
                Ok(body) => Ok(serde_json::from_str(&body).unwrap_or(Value::String(body))),
                Err(error) => Err(match error.error_type.as_deref() {
                    Some("Sandbox.Timedout") => InvokeError::timeout(error.to_string()),
                    Some("Runtime.ExitError" | "Runtime.InvalidEntrypoint") => {
                        InvokeError::crashed(error.to_string())
                    }
                    _ => InvokeError::from(error),
                }),
            }
        })
    }
}

/// Runs `start` until the process is stopped.
pub(crate) async fn run(common: &Common, start: &Start) -> Result<(), String> {
    let started = Instant::now();
    let log: Arc<dyn Fn(&str) + Send + Sync> = Arc::new(|line| println!("{line}"));
    let stack = prepare(common, None, log).await?;
    let mut routes = Vec::new();
    for function in stack.functions.values() {
        if let Err(e) = function.warm() {
            eprintln!("warning: {e}");
        }
        for route in &function.spec.routes {
            let payload = match route.api {
                ApiKind::Http => PayloadVersion::V2,
                ApiKind::Rest => PayloadVersion::V1,
            };
            routes.push(Route {
                method: route.method.clone(),
                path: route.path.clone(),
                function: function.spec.name.clone(),
                payload,
            });
        }
        for event in &function.spec.stream_events {
            let id = format!("{}.Events.{}", function.spec.logical_id, event.event);
            let table = match stack.template.stream_table(event) {
                Ok(table) => table,
                Err(reason) => {
                    eprintln!("warning: {id}: stream mapping not attached: {reason}");
                    continue;
                }
            };
            let mapping = Mapping {
                event: event.event.clone(),
                table: table.name.clone(),
                settings: event.settings.clone(),
                function: Arc::clone(function),
                failures_dir: stack.dir.join(".ferrodyn-local").join("failures"),
                region: stack.template.region().to_owned(),
            };
            eprintln!(
                "stream {}.{} ← table {} (batch size {})",
                function.spec.name, event.event, table.name, event.settings.batch_size
            );
            mapping
                .spawn(stack.endpoint.clone(), Duration::from_secs(30))
                .map_err(|e| format!("starting {id}: {e}"))?;
        }
    }
    let listener = tokio::net::TcpListener::bind((start.host.as_str(), start.port))
        .await
        .map_err(|e| format!("listening on {}:{}: {e}", start.host, start.port))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    for route in &routes {
        let method = route.method.as_deref().unwrap_or("ANY");
        eprintln!("route {method} {} → {} (payload {})", route.path, route.function, route.payload);
    }
    if start.watch {
        watch::spawn(&stack).map_err(|e| format!("starting --watch: {e}"))?;
    }
    println!(
        "ferrodyn-local: listening on http://{address} ({} ms after start)",
        started.elapsed().as_millis()
    );
    let functions = Arc::new(Functions(stack.functions.clone()));
    let rest_api =
        RestApiSettings { binary_media_types: stack.template.binary_media_types.clone() };
    let serve = gateway::serve_with(listener, routes, rest_api, functions, |log| {
        println!("http {log}");
    });
    tokio::select! {
        served = serve => served.map_err(|e| format!("serving http://{address}: {e}")),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}
