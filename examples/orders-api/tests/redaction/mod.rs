//! What the log-redaction tests of both example functions share (the stream consumer's test
//! includes this file by path): canary credentials, the logging settings users reach for while
//! debugging, and the checks on what a function wrote.

use std::time::{Duration, Instant};

use ferrodyn_local::runtime_api::{Bootstrap, LocalFunction};

pub(crate) const SECRET_ACCESS_KEY: &str = "canarySecretKeyQuillon0123456789abcdefgh";
pub(crate) const SESSION_TOKEN: &str = "canarySessionTokenQuillon//0123456789+abcdef==";

/// The loudest settings: Lambda's TRACE level (text and JSON), `RUST_LOG` at `trace` with and
/// without it, and directives that look as if they opened everything but name no held-back
/// target (a span, prefixes of target names).
pub(crate) const LOUD: [&[(&str, &str)]; 6] = [
    &[("AWS_LAMBDA_LOG_LEVEL", "TRACE")],
    &[("AWS_LAMBDA_LOG_LEVEL", "TRACE"), ("RUST_LOG", "trace")],
    &[("AWS_LAMBDA_LOG_LEVEL", "TRACE"), ("AWS_LAMBDA_LOG_FORMAT", "JSON")],
    &[("RUST_LOG", "trace")],
    &[("RUST_LOG", "trace,[Lambda runtime invoke]=trace")],
    &[("RUST_LOG", "trace,aws=trace,lambda=trace")],
];

/// The settings that open lambda_runtime's raw-event line: a directive naming the crate under
/// Lambda's level, and one naming the module alone.
pub(crate) const RAW_EVENTS: [&[(&str, &str)]; 2] = [
    &[("AWS_LAMBDA_LOG_LEVEL", "TRACE"), ("RUST_LOG", "lambda_runtime=trace")],
    &[("RUST_LOG", "info,lambda_runtime::layers::api_response=trace")],
];

/// lambda_runtime's line that carries each event verbatim.
pub(crate) const RAW_EVENT_LINE: &str = "raw JSON event received from Lambda";

/// Starts `program` on DynamoDB Local with the table `table`, canary credentials, `logging` and
/// the variables `env`.
pub(crate) fn spawn(
    program: &str,
    table: &str,
    env: &[(&str, &str)],
    logging: &[(&str, &str)],
) -> LocalFunction {
    Bootstrap::new(program)
        .env("TABLE_NAME", table)
        .envs(env.iter().copied())
        .env("AWS_ENDPOINT_URL_DYNAMODB", ferrodyn_testing::shared_endpoint().unwrap())
        .env("AWS_REGION", "us-east-1")
        .envs([
            // DynamoDB Local (`-sharedDb`) checks neither.
            ("AWS_ACCESS_KEY_ID", "local"),
            ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY),
            ("AWS_SESSION_TOKEN", SESSION_TOKEN),
        ])
        .envs(logging.iter().copied())
        .spawn()
        .unwrap()
}

/// The output once `count` lines holding `marker` have arrived: logs come through a pipe and a
/// reader thread, results over TCP.
pub(crate) fn settled_logs(function: &LocalFunction, marker: &str, count: usize) -> String {
    let waited = Instant::now();
    while function.logs().matches(marker).count() < count
        && waited.elapsed() < Duration::from_secs(5)
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    let logs = function.logs();
    assert!(logs.matches(marker).count() >= count, "{logs}");
    logs
}

/// Checks that `logs`, written under `logging`, hold none of `canaries` (nor the credentials)
/// and no raw event, and that at least `trace` TRACE lines holding `marker` made it: the level
/// was really TRACE, and the function did log.
pub(crate) fn assert_redacted(
    logs: &str,
    logging: &[(&str, &str)],
    canaries: &[&str],
    marker: &str,
    trace: usize,
) {
    for canary in canaries.iter().chain(&[SECRET_ACCESS_KEY, SESSION_TOKEN]) {
        assert!(!logs.contains(canary), "{logging:?} logged {canary}:\n{logs}");
    }
    assert!(!logs.contains(RAW_EVENT_LINE), "{logging:?}:\n{logs}");
    let traced = logs
        .lines()
        .filter(|l| l.contains(marker))
        .filter(|l| l.starts_with("TRACE ") || l.contains(r#""level":"TRACE""#))
        .count();
    assert!(traced >= trace, "{logging:?} logged {traced} TRACE lines of {marker:?}:\n{logs}");
}

/// The raw-event lines of `logs`, after checking that the credentials are not in them: opening
/// the runtime opens neither the SDK nor the runtime's HTTP client.
pub(crate) fn raw_events<'a>(logs: &'a str, logging: &[(&str, &str)]) -> Vec<&'a str> {
    for secret in [SECRET_ACCESS_KEY, SESSION_TOKEN] {
        assert!(!logs.contains(secret), "{logging:?} logged {secret}:\n{logs}");
    }
    logs.lines().filter(|l| l.contains(RAW_EVENT_LINE)).collect()
}
