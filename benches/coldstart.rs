//! The cold-start and memory benchmark: bootstrap binaries built alike — the floor (a
//! `lambda_runtime` echo), the baseline (the AWS SDK and serde_dynamo as users write them today),
//! ferrodyn (`LambdaDb::init` and a typed get) and ferrodyn behind ferrodyn-idempotency's layer —
//! and the example functions as `cargo lambda build --release` ships them (the orders API and
//! the order-stream consumer), each started as Lambda starts it, under the local Runtime API,
//! against DynamoDB Local over HTTPS (through a TLS proxy with a test CA) and over plain HTTP;
//! then a 10,000-record stream batch sent to a fresh order-stream ([`batch`]). Runs are
//! interleaved; the report gives medians and ratios as a table, JSON and an SVG chart.

pub mod batch;
pub mod functions;
pub mod measure;
pub mod report;
pub mod stats;
pub mod tls;

pub use functions::{Function, Tables};

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ferrodyn::Model;
use serde::{Deserialize, Serialize};

/// The error type of the benchmark harness (a tool, not a library: messages are what matter).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The benchmark's item, as the ferrodyn function declares it.
#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[ferrodyn(table = "coldstart", pk = "id")]
pub struct Customer {
    /// Partition key.
    pub id: String,
    /// A name; its presence in an answer proves the item was read.
    pub name: String,
    /// An email address.
    pub email: String,
    /// A number.
    pub visits: u64,
}

/// The item every invocation reads.
pub fn customer() -> Customer {
    Customer {
        id: functions::CUSTOMER_ID.into(),
        name: functions::CUSTOMER_NAME.into(),
        email: "ada@example.com".into(),
        visits: 42,
    }
}

/// How the functions reach DynamoDB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// TLS to a proxy in front of DynamoDB Local, trusted through `SSL_CERT_FILE`.
    Https,
    /// Plain HTTP to DynamoDB Local.
    Http,
}

impl Transport {
    /// Both, HTTPS (what Lambda does) first.
    pub const ALL: [Transport; 2] = [Transport::Https, Transport::Http];

    /// The short name used in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Https => "https",
            Transport::Http => "http",
        }
    }
}

/// What one cold start measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sample {
    /// Spawn to the first `GET /next`.
    pub init: Duration,
    /// Spawn to the first response posted.
    pub cold_response: Duration,
    /// Round trip of the second invocation, seen from the harness.
    pub warm: Duration,
    /// CPU time of all threads up to the first response.
    pub cpu_first_response: Duration,
    /// CPU time of the whole process (both invocations), from `getrusage` after reaping it.
    pub cpu_total: Duration,
    /// Peak resident set size (`VmHWM`) in KiB, after both invocations.
    pub peak_rss_kb: u64,
    /// Resident file-backed pages (`RssFile`: binary, shared libraries) in KiB, after both
    /// invocations.
    pub file_rss_kb: u64,
    /// Resident anonymous pages (`RssAnon`: heap, stacks) in KiB, after both invocations.
    pub anon_rss_kb: u64,
}

/// A quantity the report shows, read from each [`Sample`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// [`Sample::init`], ms.
    Init,
    /// [`Sample::cold_response`], ms.
    ColdResponse,
    /// [`Sample::cpu_first_response`], ms.
    CpuFirstResponse,
    /// [`Sample::warm`], ms.
    Warm,
    /// [`Sample::cpu_total`], ms.
    CpuTotal,
    /// [`Sample::peak_rss_kb`], MiB.
    PeakRss,
    /// [`Sample::file_rss_kb`], MiB.
    FileRss,
    /// [`Sample::anon_rss_kb`], MiB.
    AnonRss,
}

impl Metric {
    /// In the order of the report.
    pub const ALL: [Metric; 8] = [
        Metric::Init,
        Metric::ColdResponse,
        Metric::CpuFirstResponse,
        Metric::Warm,
        Metric::CpuTotal,
        Metric::PeakRss,
        Metric::FileRss,
        Metric::AnonRss,
    ];

    /// The JSON key.
    pub fn key(self) -> &'static str {
        match self {
            Metric::Init => "init_ms",
            Metric::ColdResponse => "cold_response_ms",
            Metric::CpuFirstResponse => "cpu_to_first_response_ms",
            Metric::Warm => "warm_invocation_ms",
            Metric::CpuTotal => "cpu_total_ms",
            Metric::PeakRss => "peak_rss_mib",
            Metric::FileRss => "file_rss_mib",
            Metric::AnonRss => "anon_rss_mib",
        }
    }

    /// The label in tables and the chart.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Init => "init (exec → first /next)",
            Metric::ColdResponse => "cold response (exec → first response)",
            Metric::CpuFirstResponse => "CPU time to first response",
            Metric::Warm => "warm invocation",
            Metric::CpuTotal => "CPU time, both invocations",
            Metric::PeakRss => "peak RSS",
            Metric::FileRss => "… of it at the end: file pages (binary, libraries)",
            Metric::AnonRss => "… of it at the end: anonymous (heap, stacks)",
        }
    }

    /// The unit of [`value`](Self::value).
    pub fn unit(self) -> &'static str {
        match self {
            Metric::PeakRss | Metric::FileRss | Metric::AnonRss => "MiB",
            _ => "ms",
        }
    }

    /// This metric of `sample`, in [`unit`](Self::unit).
    pub fn value(self, sample: &Sample) -> f64 {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        // Exact in f64 for any realistic size.
        let mib = |kb: u64| kb as f64 / 1024.0;
        match self {
            Metric::Init => ms(sample.init),
            Metric::ColdResponse => ms(sample.cold_response),
            Metric::CpuFirstResponse => ms(sample.cpu_first_response),
            Metric::Warm => ms(sample.warm),
            Metric::CpuTotal => ms(sample.cpu_total),
            Metric::PeakRss => mib(sample.peak_rss_kb),
            Metric::FileRss => mib(sample.file_rss_kb),
            Metric::AnonRss => mib(sample.anon_rss_kb),
        }
    }
}

/// The samples of one function over one transport.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionRuns {
    /// Which function.
    pub function: Function,
    /// One per run, in run order.
    pub samples: Vec<Sample>,
}

impl FunctionRuns {
    /// The median of `metric` over the samples.
    pub fn median(&self, metric: Metric) -> Option<f64> {
        let values: Vec<f64> = self.samples.iter().map(|s| metric.value(s)).collect();
        stats::median(&values)
    }
}

/// The runs over one transport.
#[derive(Debug, Clone, PartialEq)]
pub struct TransportRuns {
    /// Which transport.
    pub transport: Transport,
    /// The functions, in [`Function::ALL`] order.
    pub functions: Vec<FunctionRuns>,
}

impl TransportRuns {
    /// The runs of `function`.
    pub fn function(&self, function: Function) -> Option<&FunctionRuns> {
        self.functions.iter().find(|runs| runs.function == function)
    }

    /// The ratio of two functions' medians of `metric`.
    pub fn ratio(&self, metric: Metric, numerator: Function, denominator: Function) -> Option<f64> {
        let a = self.function(numerator)?.median(metric)?;
        let b = self.function(denominator)?.median(metric)?;
        stats::ratio(a, b)
    }
}

/// A bootstrap binary's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BinarySize {
    /// Which function.
    pub function: Function,
    /// The file as built.
    pub bytes: u64,
    /// After `strip`, if `strip` is installed.
    pub stripped_bytes: Option<u64>,
}

/// Everything one benchmark run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Runs per function and transport.
    pub rounds: usize,
    /// Logical CPUs of the machine.
    pub cpus: usize,
    /// The cargo profile the binaries were built with.
    pub profile: String,
    /// Per transport.
    pub transports: Vec<TransportRuns>,
    /// Per function.
    pub binaries: Vec<BinarySize>,
    /// The batch size asked for the large batch (Lambda sends fewer records past 6 MB).
    pub batch_records: usize,
    /// The large batch's runs, per function of [`batch::FUNCTIONS`].
    pub batches: Vec<batch::BatchRuns>,
}

impl Report {
    /// The size of `function`'s binary (stripped when known).
    pub fn size(&self, function: Function) -> Option<u64> {
        self.binaries
            .iter()
            .find(|b| b.function == function)
            .map(|b| b.stripped_bytes.unwrap_or(b.bytes))
    }
}

/// The environment a function under test starts with: test credentials, the region, `vars` (its
/// tables), and how it reaches DynamoDB over `transport` — the TLS proxy on `proxy_port`, trusted
/// through `SSL_CERT_FILE` = `bundle`, or DynamoDB Local at `http_endpoint`.
pub fn function_env(
    transport: Transport,
    vars: &[(String, String)],
    http_endpoint: &str,
    proxy_port: u16,
    bundle: &Path,
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "local"),
        ("AWS_SECRET_ACCESS_KEY", "local"),
        ("AWS_SESSION_TOKEN", "local"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    env.extend(vars.iter().cloned());
    match transport {
        Transport::Https => {
            env.push((
                ferrodyn_testing::ENDPOINT_ENV.into(),
                format!("https://localhost:{proxy_port}"),
            ));
            env.push(("SSL_CERT_FILE".into(), bundle.display().to_string()));
        }
        Transport::Http => env.push((ferrodyn_testing::ENDPOINT_ENV.into(), http_endpoint.into())),
    }
    env
}

/// The benchmark's settings, from the environment: `COLDSTART_ROUNDS` (default 20),
/// `COLDSTART_BIN_DIR` (the bootstraps, default `target/release`), `COLDSTART_LAMBDA_DIR` (the
/// example functions as `cargo lambda build --release --lambda-dir` left them, default
/// `target/lambda-x86_64`), `COLDSTART_BATCH_RECORDS` (default 10,000) and `COLDSTART_BATCH_ROUNDS`
/// (default 3; 0 leaves the batch out), `COLDSTART_OUT_DIR` (default `benches/results`),
/// `COLDSTART_PROFILE` (the name recorded in the report, default `release`), and
/// `COLDSTART_FERRODYN_ENV` (`NAME=value,…` added to the ferrodyn function's environment, to
/// measure a setting such as `FERRODYN_PREWARM=false`). The TLS proxy reads `COLDSTART_TLS`
/// (`p256`, the default, or `rsa`) and `COLDSTART_RTT_MS` (a delay per round trip, default 0).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Runs per function and transport.
    pub rounds: usize,
    /// Where the bootstrap binaries are.
    pub bin_dir: PathBuf,
    /// Where the example functions' `<binary>/bootstrap` are.
    pub lambda_dir: PathBuf,
    /// The batch size of the large batch (`COLDSTART_BATCH_RECORDS`).
    pub batch_records: usize,
    /// Runs of the large batch per function.
    pub batch_rounds: usize,
    /// Where `coldstart.json` and `coldstart.svg` go.
    pub out_dir: PathBuf,
    /// The profile name recorded in the report.
    pub profile: String,
    /// Extra variables for the ferrodyn function.
    pub ferrodyn_env: Vec<(String, String)>,
}

/// The number in the variable `name`, or `default` when it is not set.
fn number_var(name: &str, default: usize) -> Result<usize, BoxError> {
    match std::env::var(name) {
        Ok(value) => value.parse().map_err(|_| format!("{name} must be a number").into()),
        Err(_) => Ok(default),
    }
}

impl Settings {
    /// Reads the settings.
    ///
    /// # Errors
    /// `COLDSTART_ROUNDS` is not a positive number, or a variable is malformed.
    pub fn from_env() -> Result<Settings, BoxError> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let rounds = number_var("COLDSTART_ROUNDS", 20)?;
        if rounds == 0 {
            return Err("COLDSTART_ROUNDS must be at least 1".into());
        }
        let batch_records = number_var("COLDSTART_BATCH_RECORDS", 10_000)?;
        if batch_records == 0 {
            return Err("COLDSTART_BATCH_RECORDS must be at least 1".into());
        }
        let target =
            std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
        let profile = std::env::var("COLDSTART_PROFILE").unwrap_or_else(|_| "release".into());
        let ferrodyn_env = std::env::var("COLDSTART_FERRODYN_ENV")
            .unwrap_or_default()
            .split(',')
            .filter(|pair| !pair.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((name, value)) => Ok((name.to_owned(), value.to_owned())),
                None => Err(format!("COLDSTART_FERRODYN_ENV: `{pair}` is not NAME=value")),
            })
            .collect::<Result<_, _>>()?;
        Ok(Settings {
            rounds,
            bin_dir: std::env::var_os("COLDSTART_BIN_DIR")
                .map_or_else(|| target.join(&profile), PathBuf::from),
            lambda_dir: std::env::var_os("COLDSTART_LAMBDA_DIR")
                .map_or_else(|| target.join("lambda-x86_64"), PathBuf::from),
            batch_records,
            batch_rounds: number_var("COLDSTART_BATCH_ROUNDS", 3)?,
            out_dir: std::env::var_os("COLDSTART_OUT_DIR")
                .map_or_else(|| root.join("benches/results"), PathBuf::from),
            profile,
            ferrodyn_env,
        })
    }
}

/// Runs the benchmark with [`Settings::from_env`], prints the table and writes the JSON and SVG.
///
/// # Errors
/// A binary is missing, DynamoDB Local or the proxy could not start, or a run failed.
pub fn main() -> Result<(), BoxError> {
    let settings = Settings::from_env()?;
    let report = run(&settings)?;
    println!(
        "TLS set-up {}, delay per round trip {:?}",
        tls::cert_kind_from_env()?.name(),
        tls::rtt_from_env()?
    );
    println!("{}", report::table(&report));
    std::fs::create_dir_all(&settings.out_dir)?;
    let json = serde_json::to_string_pretty(&report::to_json(&report))?;
    std::fs::write(settings.out_dir.join("coldstart.json"), json + "\n")?;
    std::fs::write(settings.out_dir.join("coldstart.svg"), report::svg(&report))?;
    println!("wrote {}/coldstart.json and coldstart.svg", settings.out_dir.display());
    Ok(())
}

/// Sets up DynamoDB (tables, items, TLS proxy) and runs every function `settings.rounds` times
/// per transport, interleaved, after one unmeasured round that warms the page cache; then the
/// large batch over HTTPS.
///
/// # Errors
/// See [`main`].
pub fn run(settings: &Settings) -> Result<Report, BoxError> {
    for function in Function::ALL {
        let program = function.program(settings);
        if !program.is_file() {
            return Err(format!(
                "{} is missing: `cargo xtask bench coldstart` builds it ({})",
                program.display(),
                if function.shipped() {
                    "cargo lambda build --release --x86-64 --lambda-dir target/lambda-x86_64"
                } else {
                    "cargo build --release -p <package>, each on its own"
                }
            )
            .into());
        }
    }

    let local;
    let endpoint = match std::env::var(ferrodyn_testing::ENDPOINT_ENV) {
        Ok(endpoint) if !endpoint.is_empty() => endpoint,
        _ => {
            local = ferrodyn_testing::DynamoDbLocal::start()?;
            local.endpoint().to_owned()
        }
    };
    let upstream = socket_address(&endpoint)?;
    let tables = Tables {
        coldstart: format!("coldstart-{}", std::process::id()),
        shop: format!("coldstart-shop-{}", std::process::id()),
    };
    create_table_and_item(&endpoint, &tables.coldstart)?;
    create_shop_table(&endpoint, &tables.shop)?;

    let ca = tls::TestCa::generate_for(tls::cert_kind_from_env()?)?;
    let proxy = tls::TlsProxy::start_with_rtt(ca.server_config(), upstream, tls::rtt_from_env()?)?;
    let scratch = std::env::temp_dir().join(format!("ferrodyn-coldstart-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let bundle_path = scratch.join("ca-bundle.pem");
    std::fs::write(&bundle_path, tls::bundle_from_env(ca.ca_pem())?)?;

    let env_for = |transport: Transport, function: Function| {
        let mut vars = function.env(&tables);
        if function == Function::Ferrodyn {
            vars.extend(settings.ferrodyn_env.iter().cloned());
        }
        function_env(transport, &vars, &endpoint, proxy.address().port(), &bundle_path)
    };

    let mut transports: Vec<TransportRuns> = Transport::ALL
        .iter()
        .map(|&transport| TransportRuns {
            transport,
            functions: Function::ALL
                .iter()
                .map(|&function| FunctionRuns { function, samples: Vec::new() })
                .collect(),
        })
        .collect();
    let run_id = std::process::id();
    for round in 0..=settings.rounds {
        for runs in &mut transports {
            let transport = runs.transport;
            for runs in &mut runs.functions {
                let function = runs.function;
                let unique = |n: u8| format!("{run_id}-{round}-{}-{n}", transport.name());
                let events = [function.event(&unique(0)), function.event(&unique(1))];
                let sample = measure::cold_start(
                    &function.program(settings),
                    function.name(),
                    &env_for(transport, function),
                    [&events[0], &events[1]],
                    function.expect(),
                )
                .map_err(|e| format!("{} run {round}: {e}", function.name()))?;
                if round > 0 {
                    runs.samples.push(sample);
                }
            }
        }
        if round > 0 && round % 5 == 0 {
            eprintln!("coldstart: {round}/{} rounds", settings.rounds);
        }
    }
    let batches = batch::run(settings, |function| env_for(Transport::Https, function))?;
    drop(proxy);
    let _ = std::fs::remove_dir_all(&scratch);

    let binaries = Function::ALL
        .iter()
        .map(|&function| binary_size(function, &function.program(settings), &scratch))
        .collect::<Result<_, BoxError>>()?;
    Ok(Report {
        rounds: settings.rounds,
        cpus: std::thread::available_parallelism().map_or(1, usize::from),
        profile: settings.profile.clone(),
        transports,
        binaries,
        batch_records: settings.batch_records,
        batches,
    })
}

/// The host and port of an `http://host:port` endpoint.
pub fn socket_address(endpoint: &str) -> Result<SocketAddr, BoxError> {
    let authority = endpoint
        .strip_prefix("http://")
        .ok_or_else(|| format!("the DynamoDB endpoint {endpoint} is not plain http://"))?
        .trim_end_matches('/');
    authority
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| format!("the DynamoDB endpoint {endpoint} resolves to nothing").into())
}

/// A `Db` on DynamoDB Local at `endpoint` with the model table `model_table` mapped to `table`,
/// for setting up a run.
async fn local_db(
    endpoint: &str,
    model_table: &str,
    table: &str,
) -> Result<ferrodyn::Db, BoxError> {
    Ok(ferrodyn_lambda::LambdaDb::builder()
        .vars([
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "local"),
            ("AWS_SECRET_ACCESS_KEY", "local"),
            (ferrodyn_testing::ENDPOINT_ENV, endpoint),
        ])
        .table(model_table, table)
        .prewarm(false)
        .build()
        .await?)
}

/// Creates the benchmark's table through ferrodyn and puts its item.
pub fn create_table_and_item(endpoint: &str, table: &str) -> Result<(), BoxError> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let db = local_db(endpoint, "coldstart", table).await?;
        db.create_table_for(&[Customer::META]).await?;
        db.put(&customer()).await?;
        Ok(())
    })
}

/// Creates the examples' `shop` table through ferrodyn and puts the customer the orders API is
/// asked for.
pub fn create_shop_table(endpoint: &str, table: &str) -> Result<(), BoxError> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let db = local_db(endpoint, "shop", table).await?;
        db.create_table_for(&functions::shop_models()).await?;
        db.put(&functions::shop_customer()).await?;
        Ok(())
    })
}

/// The size of `program`, and after `strip` into `scratch` when `strip` runs.
fn binary_size(function: Function, program: &Path, scratch: &Path) -> Result<BinarySize, BoxError> {
    let bytes = std::fs::metadata(program)?.len();
    std::fs::create_dir_all(scratch)?;
    let stripped = scratch.join(function.package());
    let stripped_bytes = std::process::Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(program)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|_| std::fs::metadata(&stripped).ok())
        .map(|m| m.len());
    let _ = std::fs::remove_dir_all(scratch);
    Ok(BinarySize { function, bytes, stripped_bytes })
}
