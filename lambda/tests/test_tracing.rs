//! The Lambda tracing set-up: formats, levels, quiet SDK targets, and the request id of
//! lambda_runtime's own invocation span on every line.

use std::sync::{Arc, Mutex};

use ferrodyn_lambda::{LogFormat, TracingConfig};
use lambda_runtime::layers::TracingLayer;
use lambda_runtime::tower::{service_fn, Layer, ServiceExt};
use lambda_runtime::{Context, LambdaInvocation};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs one invocation through lambda_runtime's `TracingLayer` (the layer `lambda_runtime::run`
/// uses) with a handler that logs at every level, and returns the captured lines.
async fn invoke(vars: &[(&str, &str)]) -> Vec<String> {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber =
        TracingConfig::from_vars(vars.iter().copied()).subscriber(move || writer.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut context = Context::default();
    context.request_id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd".into();
    context.xray_trace_id = Some("Root=1-5759e988-bd862e3fe1be46a994272793".into());
    let invocation = LambdaInvocation {
        parts: http::Response::new(()).into_parts().0,
        body: bytes::Bytes::new(),
        context,
    };
    let handler = service_fn(|_invocation: LambdaInvocation| async {
        tracing::error!("an error line");
        tracing::warn!("a warn line");
        tracing::info!(order_count = 3, "an info line");
        tracing::debug!("a debug line");
        tracing::trace!(target: "aws_smithy_runtime::client::orchestrator", "a request body");
        tracing::debug!(target: "hyper_util::client", "pooling idle connection");
        Ok::<(), lambda_runtime::Error>(())
    });
    TracingLayer::new().layer(handler).oneshot(invocation).await.expect("handler");

    let bytes = buffer.0.lock().expect("buffer").clone();
    String::from_utf8(bytes).expect("utf-8").lines().map(str::to_owned).collect()
}

const REQUEST_ID: &str = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

#[tokio::test]
async fn json_lines_carry_the_request_id() {
    let lines =
        invoke(&[("AWS_LAMBDA_LOG_FORMAT", "JSON"), ("AWS_LAMBDA_LOG_LEVEL", "INFO")]).await;
    assert_eq!(lines.len(), 3, "{lines:#?}");
    for line in &lines {
        let value: serde_json::Value = serde_json::from_str(line).expect("one JSON object a line");
        assert_eq!(value["spans"][0]["requestId"], REQUEST_ID, "{line}");
        assert_eq!(value["spans"][0]["name"], "Lambda runtime invoke", "{line}");
        assert!(value["timestamp"].is_string(), "{line}");
    }
    let info: serde_json::Value = serde_json::from_str(&lines[2]).unwrap();
    assert_eq!(info["level"], "INFO");
    assert_eq!(info["message"], "an info line");
    assert_eq!(info["order_count"], 3);
    println!("{}", lines[2]);
}

#[tokio::test]
async fn text_lines_carry_the_request_id() {
    let lines =
        invoke(&[("AWS_LAMBDA_LOG_FORMAT", "Text"), ("AWS_LAMBDA_LOG_LEVEL", "DEBUG")]).await;
    assert_eq!(lines.len(), 4, "{lines:#?}");
    for line in &lines {
        assert!(line.contains(&format!("requestId=\"{REQUEST_ID}\"")), "{line}");
        assert!(!line.contains('\u{1b}'), "no ANSI colours: {line}");
    }
    assert!(lines[3].starts_with("DEBUG Lambda runtime invoke{"), "{}", lines[3]);
    println!("{}", lines[2]);
}

#[tokio::test]
async fn the_request_id_stays_at_quieter_levels() {
    // The invocation span is INFO; at WARN it must still be enabled for its fields to print.
    let lines = invoke(&[("AWS_LAMBDA_LOG_LEVEL", "WARN")]).await;
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines.iter().all(|l| l.contains(REQUEST_ID)), "{lines:#?}");
    let lines = invoke(&[("AWS_LAMBDA_LOG_LEVEL", "FATAL")]).await;
    assert_eq!(lines.len(), 1, "FATAL is ERROR: {lines:#?}");
    assert!(lines[0].contains("an error line") && lines[0].contains(REQUEST_ID));
}

#[tokio::test]
async fn sdk_targets_stay_quiet_at_trace() {
    let lines = invoke(&[("AWS_LAMBDA_LOG_LEVEL", "TRACE")]).await;
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert!(lines.iter().all(|l| !l.contains("a request body") && !l.contains("pooling")));
}

#[tokio::test]
async fn rust_log_sets_the_level_and_can_open_a_quiet_target() {
    let lines = invoke(&[("RUST_LOG", "warn")]).await;
    assert_eq!(lines.len(), 2, "{lines:#?}");
    let lines = invoke(&[("RUST_LOG", "error,aws_smithy_runtime=trace")]).await;
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[1].contains("a request body") && lines[1].contains(REQUEST_ID), "{lines:#?}");
    // AWS_LAMBDA_LOG_LEVEL takes precedence.
    let lines = invoke(&[("RUST_LOG", "trace"), ("AWS_LAMBDA_LOG_LEVEL", "ERROR")]).await;
    assert_eq!(lines.len(), 1, "{lines:#?}");
}

#[tokio::test]
async fn rust_log_names_a_quiet_target_under_the_lambda_level_too() {
    let lines =
        invoke(&[("AWS_LAMBDA_LOG_LEVEL", "TRACE"), ("RUST_LOG", "aws_smithy_runtime=trace")])
            .await;
    assert!(lines.iter().any(|l| l.contains("a request body")), "{lines:#?}");
    assert!(lines.iter().all(|l| !l.contains("pooling")), "{lines:#?}");
    // A prefix of a quiet target does not name it.
    let lines =
        invoke(&[("AWS_LAMBDA_LOG_LEVEL", "TRACE"), ("RUST_LOG", "aws=trace,hyper=trace")]).await;
    assert!(lines.iter().all(|l| !l.contains("a request body") && !l.contains("pooling")));
}

#[tokio::test]
async fn a_span_directive_opens_no_quiet_target() {
    // The directive is read (the debug line inside the span shows at `warn`), and it raises
    // every target inside the invocation span but the quiet ones, which it does not name.
    let lines = invoke(&[("RUST_LOG", "warn,[Lambda runtime invoke]=trace")]).await;
    assert!(lines.iter().any(|l| l.contains("a debug line")), "{lines:#?}");
    assert!(lines.iter().all(|l| !l.contains("a request body") && !l.contains("pooling")));
}

#[tokio::test]
async fn the_default_is_text_at_info() {
    let config = TracingConfig::from_vars(Vec::<(String, String)>::new());
    assert_eq!(config.format(), LogFormat::Text);
    assert_eq!(config.level(), tracing_subscriber::filter::LevelFilter::INFO);
    let lines = invoke(&[]).await;
    assert_eq!(lines.len(), 3, "{lines:#?}");
}

#[tokio::test]
async fn unknown_values_fall_back_without_failing() {
    let config = TracingConfig::from_vars([
        ("AWS_LAMBDA_LOG_FORMAT", "yaml"),
        ("AWS_LAMBDA_LOG_LEVEL", "LOUD"),
    ]);
    assert_eq!(config.format(), LogFormat::Text);
    assert_eq!(config.level(), tracing_subscriber::filter::LevelFilter::INFO);
    // A bad RUST_LOG directive is dropped; the good ones apply.
    let lines = invoke(&[("RUST_LOG", "warn,=x=y=z")]).await;
    assert_eq!(lines.len(), 2, "{lines:#?}");
}
