//! `tracing` for Lambda: one line per event on stdout, JSON or text as `AWS_LAMBDA_LOG_FORMAT`
//! says, level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`, and the fields of the enclosing spans on
//! every line, so that lambda_runtime's per-invocation span (`requestId`, `xrayTraceId`) tags
//! each line with its request. The targets that log payloads (the raw event, request and
//! response bodies, credentials) stay at `warn` whatever the level, unless a `RUST_LOG`
//! directive names them: debugging at TRACE must not copy items and credentials into
//! CloudWatch.

use std::str::FromStr;

use tracing::Subscriber;
use tracing_subscriber::filter::{Directive, EnvFilter, LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

/// Lambda's advanced logging controls: `JSON` or `Text`.
pub const LOG_FORMAT: &str = "AWS_LAMBDA_LOG_FORMAT";
/// Lambda's advanced logging controls: `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR` or `FATAL`.
pub const LOG_LEVEL: &str = "AWS_LAMBDA_LOG_LEVEL";
/// `tracing-subscriber`'s directives: their level counts when `AWS_LAMBDA_LOG_LEVEL` is unset,
/// the directives that name a target in either case.
pub const RUST_LOG: &str = "RUST_LOG";

/// Targets held at `warn` (or the level, when it is quieter) unless a `RUST_LOG` directive names
/// them, each for what it logs below `warn` (read in their sources):
///
/// - `lambda_runtime`: `layers::api_response` logs every event verbatim at TRACE ("raw JSON
///   event received from Lambda", `body=…`: request bodies, stream images), `requests` a
///   streamed response's headers (`metadata_prelude`).
/// - `lambda_http`, `lambda_runtime_api_client`: the same runtime's HTTP side (events and
///   responses cross it); held with it so that a release that logs there does not leak.
/// - `aws_smithy_runtime`: "read HTTP response body" at TRACE prints each response body whole
///   (a GetItem answer is the item), next to each request's and response's headers and the
///   identity it resolved (the SDK redacts the signature, session token and secret key there).
/// - `aws_sigv4`: "signing request" at TRACE prints the request being signed, its body too
///   when `LOG_SIGNABLE_BODY=true`.
/// - `aws_smithy_http` (event-stream messages at TRACE), `aws_smithy_http_client`,
///   `aws_smithy_runtime_api`, `aws_smithy_types`, `aws_runtime`, `aws_types`: the rest of the
///   SDK's request path, which handles the same bodies and headers.
/// - `aws_config`, `aws_credential_types`, `aws_sdk_sts`, `aws_sdk_sso`, `aws_sdk_ssooidc`:
///   credential providers, whose responses are credentials.
/// - `aws_sdk_dynamodb`, `aws_sdk_dynamodbstreams`: the clients (request ids and spans, and
///   whatever a later release adds next to the items they carry).
/// - `hyper`, `hyper_util`, `h2`, `rustls`, `tower`: the HTTP stack under both the SDK and the
///   runtime; chatty at DEBUG and TRACE (connections, frames), and a body or header away from
///   leaking.
const QUIET_TARGETS: &[&str] = &[
    "aws_config",
    "aws_credential_types",
    "aws_runtime",
    "aws_sdk_dynamodb",
    "aws_sdk_dynamodbstreams",
    "aws_sdk_sso",
    "aws_sdk_ssooidc",
    "aws_sdk_sts",
    "aws_sigv4",
    "aws_smithy_http",
    "aws_smithy_http_client",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_types",
    "aws_types",
    "h2",
    "hyper",
    "hyper_util",
    "lambda_http",
    "lambda_runtime",
    "lambda_runtime_api_client",
    "rustls",
    "tower",
];

/// lambda_runtime creates its per-invocation span (`Lambda runtime invoke`, with `requestId`) at
/// INFO under this target, which logs nothing else: it stays enabled at every level, or the
/// request id would vanish from lines at `warn`.
const INVOKE_SPAN_TARGET: &str = "lambda_runtime::layers::trace";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogFormat {
    /// `INFO Lambda runtime invoke{requestId="…"}: target: message`
    Text,
    /// One JSON object per line, with the span list (and so the request id) in `spans`.
    Json,
}

/// The tracing settings read from the environment (see [`init_tracing`]).
#[derive(Debug, Clone)]
pub struct TracingConfig {
    format: LogFormat,
    level: LevelFilter,
    directives: Vec<String>,
    /// The targets `RUST_LOG`'s directives name, which the quiet list no longer holds back.
    named: Vec<String>,
    ignored: Vec<&'static str>,
}

impl TracingConfig {
    /// Reads `AWS_LAMBDA_LOG_FORMAT`, `AWS_LAMBDA_LOG_LEVEL` and `RUST_LOG` from a map of
    /// variables. Never fails: an unknown value is ignored (and reported by a `warn` line once the
    /// subscriber is installed), because logging set-up must not stop a function.
    pub fn from_vars<I, K, V>(vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut format = None;
        let mut level = None;
        let mut rust_log = None;
        for (name, value) in vars {
            let value = value.as_ref().trim();
            match name.as_ref() {
                LOG_FORMAT => format = Some(value.to_owned()),
                LOG_LEVEL => level = Some(value.to_owned()),
                RUST_LOG => rust_log = Some(value.to_owned()),
                _ => {}
            }
        }
        TracingConfig::parse(format.as_deref(), level.as_deref(), rust_log.as_deref())
    }

    /// Reads the process environment.
    pub fn from_env() -> Self {
        let get = |name| std::env::var(name).ok();
        TracingConfig::parse(
            get(LOG_FORMAT).as_deref(),
            get(LOG_LEVEL).as_deref(),
            get(RUST_LOG).as_deref(),
        )
    }

    fn parse(format: Option<&str>, level: Option<&str>, rust_log: Option<&str>) -> Self {
        let mut ignored = Vec::new();
        let format = match format.filter(|f| !f.is_empty()) {
            None => LogFormat::Text,
            Some(f) if f.eq_ignore_ascii_case("json") => LogFormat::Json,
            Some(f) if f.eq_ignore_ascii_case("text") => LogFormat::Text,
            Some(_) => {
                ignored.push(LOG_FORMAT);
                LogFormat::Text
            }
        };
        // `RUST_LOG`'s directives that name a target apply under `AWS_LAMBDA_LOG_LEVEL` too (the
        // only way to open a quiet target when Lambda sets the level); its bare level does not.
        let mut directives = Vec::new();
        let mut named = Vec::new();
        let mut rust_log_level = None;
        let mut bad = false;
        for piece in rust_log.unwrap_or("").split(',').map(str::trim) {
            if piece.is_empty() {
                continue;
            }
            if let Ok(global) = LevelFilter::from_str(piece) {
                rust_log_level = Some(global);
            } else if Directive::from_str(piece).is_ok() {
                let target = piece.split(['[', '=']).next().unwrap_or("").trim();
                if !target.is_empty() {
                    named.push(target.to_owned());
                }
                directives.push(piece.to_owned());
            } else {
                bad = true;
            }
        }
        if bad {
            ignored.push(RUST_LOG);
        }
        let level = match level.filter(|l| !l.is_empty()) {
            Some(l) => lambda_level(l).unwrap_or_else(|| {
                ignored.push(LOG_LEVEL);
                LevelFilter::INFO
            }),
            None => rust_log_level.unwrap_or(LevelFilter::INFO),
        };
        TracingConfig { format, level, directives, named, ignored }
    }

    /// The line format.
    pub fn format(&self) -> LogFormat {
        self.format
    }

    /// The level of every target that no directive names.
    pub fn level(&self) -> LevelFilter {
        self.level
    }

    /// The filter: the level, the quiet targets, the invocation span, then `RUST_LOG`'s
    /// directives (later directives for the same target replace earlier ones).
    pub fn filter(&self) -> EnvFilter {
        let quiet = self.level.min(LevelFilter::WARN);
        let mut filter =
            EnvFilter::builder().with_default_directive(self.level.into()).parse_lossy("");
        let defaults = QUIET_TARGETS
            .iter()
            .map(|target| format!("{target}={quiet}"))
            .chain(std::iter::once(format!("{INVOKE_SPAN_TARGET}=info")));
        for directive in defaults.chain(self.directives.iter().cloned()) {
            if let Ok(directive) = Directive::from_str(&directive) {
                filter = filter.add_directive(directive);
            }
        }
        filter
    }

    /// The quiet targets as a filter of their own, which every line passes besides
    /// [`filter`](Self::filter): a directive in `RUST_LOG` that raises the level inside a span
    /// (`[Lambda runtime invoke]=trace`) is one the env filter lets past its target
    /// directives, and it must not open a quiet target that it does not name either.
    fn quiet_targets(&self) -> Targets {
        let quiet = self.level.min(LevelFilter::WARN);
        let held = QUIET_TARGETS.iter().filter(|target| !self.named.iter().any(|n| n == *target));
        let mut targets = Targets::new().with_default(LevelFilter::TRACE);
        for target in held {
            targets = targets.with_target(*target, quiet);
        }
        targets = targets.with_target(INVOKE_SPAN_TARGET, LevelFilter::INFO);
        for target in &self.named {
            targets = targets.with_target(target.clone(), LevelFilter::TRACE);
        }
        targets
    }

    /// A subscriber writing to `writer` (stdout in [`init_tracing`]; a buffer in tests).
    pub fn subscriber<W>(&self, writer: W) -> Box<dyn Subscriber + Send + Sync>
    where
        W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
    {
        let builder = tracing_subscriber::fmt().with_writer(writer).with_env_filter(self.filter());
        let quiet = self.quiet_targets();
        match self.format {
            // CloudWatch stamps text lines itself; JSON lines carry their own time, as Lambda's
            // own JSON lines do.
            LogFormat::Text => Box::new(builder.without_time().finish().with(quiet)),
            LogFormat::Json => Box::new(
                builder
                    .json()
                    .flatten_event(true)
                    .with_current_span(false)
                    .with_span_list(true)
                    .finish()
                    .with(quiet),
            ),
        }
    }

    /// Installs [`subscriber`](Self::subscriber) on stdout as the global default; `false` when
    /// another subscriber was installed first (which is left in place).
    pub fn install(&self) -> bool {
        let installed =
            tracing::subscriber::set_global_default(self.subscriber(std::io::stdout)).is_ok();
        if installed {
            for variable in &self.ignored {
                tracing::warn!(variable, "ignored a logging variable with an unknown value");
            }
        }
        installed
    }
}

/// Lambda's level names, `FATAL` (which `tracing` lacks) as `ERROR`.
fn lambda_level(level: &str) -> Option<LevelFilter> {
    if level.eq_ignore_ascii_case("fatal") {
        return Some(LevelFilter::ERROR);
    }
    LevelFilter::from_str(level).ok()
}

/// Sets up `tracing` for Lambda from the process environment (see [`TracingConfig`]): JSON or
/// text lines on stdout, the request id of lambda_runtime's invocation span on each line, the
/// targets that log payloads kept at `warn` unless `RUST_LOG` names them. Call it first in `main`; returns `false`, changing nothing, when a global
/// subscriber is already installed.
pub fn init_tracing() -> bool {
    TracingConfig::from_env().install()
}
