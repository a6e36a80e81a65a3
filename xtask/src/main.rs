//! `cargo xtask`: the project's developer commands. `test` is the CI contract (format, lint,
//! the SAM template's lint, the crates as they would be published, every test against DynamoDB
//! Local, then the Lambda packaging build by every documented path); `demo`, `dynamodb` and
//! `bench` run the quickstart example, a standalone emulator and the benchmarks;
//! `lint-template` and `package` run one deployment step. It installs what a fresh machine lacks
//! and depends on nothing but `ferrodyn-testing` without its `db` feature (DynamoDB Local alone)
//! and `serde_json`, so that it builds in seconds.

mod budget;
mod fuzz;
mod package;
mod profile;
mod publish;
#[cfg(test)]
mod readme;
mod start_demo;
mod tools;

use std::env;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use ferrodyn_testing::{java_major_version, DynamoDbLocal, ENDPOINT_ENV, MIN_JAVA_MAJOR};

const USAGE: &str = "\
usage: cargo xtask <command> [args...]

commands:
  test      cargo fmt --check, cargo clippy -D warnings, cfn-lint template.yaml, then
            cargo package --no-verify of every publishable crate and a check that none
            includes a file outside its package, then cargo test --workspace against DynamoDB
            Local, then cargo package building each packaged crate (XTASK_SKIP_VERIFY=1 skips
            it), then the stream decoder's fuzz target
            (XTASK_FUZZ_SECONDS, default 60), then the packaging build and the same
            functions built as `sam build` and `cargo lambda build` in their directories do,
            which must give the same bootstrap without aws-lc; args are appended to `cargo
            test` (for local iteration, XTASK_SKIP_LINT=1 skips fmt, clippy and cfn-lint,
            XTASK_SKIP_FUZZ=1 the fuzzing, XTASK_SKIP_PACKAGE=1 the packaging builds)
  lint-template
            cfn-lint template.yaml (cfn-lint is installed into target/tools-venv)
  package [--manifest-path PATH]
            cargo lambda build --release --arm64 for every package with
            [package.metadata.lambda.deploy] (cargo-lambda and zig are installed into
            target/tools-venv); PATH names another workspace's Cargo.toml
  demo      run the quickstart example, then the orders API as a Lambda binary under a
            local Runtime API, then the order-stream consumer fed the table's stream by the
            local stream poller, then template.yaml's stack under `ferrodyn-local start`
            driven with HTTP requests, against DynamoDB Local
  dynamodb  start DynamoDB Local and keep it running until Ctrl-C or end of input
  bench [coldstart|conversion|idempotency|startup-profile|all] [args...]
            coldstart: build the floor, baseline, ferrodyn and ferrodyn+idempotency
            bootstraps with --release and the example functions with cargo lambda build
            --release --x86-64 (into target/lambda-x86_64), then start each as Lambda would
            against DynamoDB Local over HTTPS and HTTP, send a fresh order-stream a
            10,000-record batch, and write benches/results/coldstart.{json,svg}
            (COLDSTART_ROUNDS runs each, default 20; COLDSTART_BATCH_ROUNDS, default 3); conversion: the criterion conversion and allocation
            benches, args appended to `cargo bench`; idempotency: the requests and added
            latency of ferrodyn-idempotency per invocation against DynamoDB Local, warm
            and cold (ROUNDS, COLD_RUNS), args appended to `cargo bench`; startup-profile:
            build the ferrodyn bootstrap with --release, run it under valgrind --tool=callgrind
            until its first response over HTTPS and HTTP and write the instructions per
            start-up phase to benches/results/startup-profile.{json,md}; all (the
            default): coldstart and conversion

`test` and `demo` use AWS_ENDPOINT_URL_DYNAMODB instead of starting DynamoDB Local when it is
set; `dynamodb` always starts one.";

/// Credentials and region DynamoDB Local accepts; the SDK refuses to send requests without them.
const LOCAL_AWS_DEFAULTS: [(&str, &str); 3] = [
    ("AWS_ACCESS_KEY_ID", "local"),
    ("AWS_SECRET_ACCESS_KEY", "local"),
    ("AWS_REGION", "us-east-1"),
];

fn main() -> ExitCode {
    let mut args = env::args_os().skip(1);
    let command = args.next();
    let rest: Vec<OsString> = args.collect();
    let result = match command.as_ref().and_then(|command| command.to_str()) {
        Some("test") => test(&rest),
        Some("demo") => demo(&rest),
        Some("dynamodb") => dynamodb(),
        Some("bench") => bench(&rest),
        Some("lint-template") => lint_template(),
        Some("package") => package_command(&rest),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn test(extra: &[OsString]) -> Result<(), String> {
    let lint = env::var_os("XTASK_SKIP_LINT").is_none_or(|value| value != "1");
    provision(lint, external_endpoint().is_none())?;

    if lint {
        step("cargo fmt --all -- --check", cargo().args(["fmt", "--all", "--", "--check"]))?;
        step(
            "cargo clippy --workspace --all-targets --all-features -- -D warnings",
            cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--all-features",
                "--",
                "-D",
                "warnings",
            ]),
        )?;
        lint_template()?;
    } else {
        println!("==> skipping cargo fmt, cargo clippy and cfn-lint (XTASK_SKIP_LINT=1)");
    }
    publish::check(&workspace_root())?;

    let dynamodb = Dynamodb::start()?;
    let mut cargo_test = cargo();
    cargo_test.args(["test", "--workspace", "--all-features"]).args(extra);
    dynamodb.configure(&mut cargo_test);
    let result =
        test_step(&describe("cargo test --workspace --all-features", extra), &mut cargo_test);
    dynamodb.stop();
    let totals = result?;
    publish::verify(&workspace_root())?;

    let fuzzed = if skipped("XTASK_SKIP_FUZZ") {
        println!("==> skipping the fuzzing (XTASK_SKIP_FUZZ=1)");
        None
    } else {
        Some(fuzz::run(&workspace_root(), fuzz_duration()?)?)
    };

    // Last: the release build for arm64 is the longest step, and a failing test should not
    // wait for it.
    if env::var_os("XTASK_SKIP_PACKAGE").is_none_or(|value| value != "1") {
        let started = Instant::now();
        let bootstraps = package::package(&workspace_root(), None)?;
        package::check_build_paths(&workspace_root(), &bootstraps)?;
        println!("==> packaging finished in {:.1}s", started.elapsed().as_secs_f64());
    } else {
        println!("==> skipping the packaging build (XTASK_SKIP_PACKAGE=1)");
    }
    if let Some(fuzzed) = fuzzed {
        println!("fuzz: {}: {} runs in {}s, no crash", fuzz::TARGET, fuzzed.runs, fuzzed.seconds);
    }
    // The run's last line is the test count, whatever the packaging printed after the tests.
    println!(
        "tests: {} passed, {} failed, {} ignored",
        totals.passed, totals.failed, totals.ignored
    );
    Ok(())
}

/// Test counts summed over every `test result:` line of a cargo test run.
#[derive(Debug, Default, PartialEq)]
struct Totals {
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl Totals {
    /// Adds a libtest summary line (`test result: ok. 5 passed; 0 failed; 1 ignored; …`).
    fn add_line(&mut self, line: &str) {
        let Some(rest) = line.trim_start().strip_prefix("test result: ") else { return };
        for part in rest.split(';') {
            let mut words = part.split_whitespace().rev();
            let (Some(label), Some(number)) = (words.next(), words.next()) else { continue };
            let Ok(n) = number.parse::<u64>() else { continue };
            match label {
                "passed" => self.passed += n,
                "failed" => self.failed += n,
                "ignored" => self.ignored += n,
                _ => {}
            }
        }
    }
}

/// Runs cargo test as a step, echoing its output while summing its `test result:` lines.
fn test_step(name: &str, command: &mut Command) -> Result<Totals, String> {
    use std::io::{BufRead, BufReader, Write};
    println!("==> {name}");
    let started = Instant::now();
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("step `{name}` could not start: {e}"))?;
    let mut totals = Totals::default();
    if let Some(stdout) = child.stdout.take() {
        let mut out = std::io::stdout().lock();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            totals.add_line(&line);
            let _ = writeln!(out, "{line}");
        }
    }
    let status = child.wait().map_err(|e| format!("step `{name}` did not finish: {e}"))?;
    let elapsed = started.elapsed().as_secs_f64();
    println!("==> `{name}` took {elapsed:.1}s: {} passed, {} failed", totals.passed, totals.failed);
    if status.success() {
        Ok(totals)
    } else {
        Err(format!("step `{name}` failed ({status}) after {elapsed:.1}s"))
    }
}

/// cfn-lint on the SAM template; warnings fail it as errors do (its exit status says which
/// were found), informational findings are not checked.
fn lint_template() -> Result<(), String> {
    let root = workspace_root();
    let venv = tools::Venv::open(&root)?;
    venv.install(&tools::CFN_LINT)?;
    let mut version = venv.command(tools::CFN_LINT.executable);
    version.arg("--version");
    let mut lint = venv.command(tools::CFN_LINT.executable);
    lint.arg("--").arg("template.yaml").current_dir(&root);
    step("cfn-lint --version", &mut version)?;
    step("cfn-lint template.yaml", &mut lint)
}

fn package_command(args: &[OsString]) -> Result<(), String> {
    let manifest = match args {
        [] => None,
        [flag, path] if flag == "--manifest-path" => Some(PathBuf::from(path)),
        _ => return Err(format!("unexpected arguments to `package`\n\n{USAGE}")),
    };
    package::package(&workspace_root(), manifest.as_deref()).map(drop)
}

fn demo(extra: &[OsString]) -> Result<(), String> {
    provision(false, external_endpoint().is_none())?;
    let dynamodb = Dynamodb::start()?;
    let mut run = cargo();
    run.args(["run", "--quiet", "--package", "quickstart"]).args(extra);
    dynamodb.configure(&mut run);
    let mut result = step(&describe("cargo run --quiet --package quickstart", extra), &mut run);
    if result.is_ok() {
        result = orders_demo(&dynamodb);
    }
    if result.is_ok() {
        result = stream_demo(&dynamodb);
    }
    if result.is_ok() {
        result = start_demo::build().and_then(|exe| {
            let mut command = Command::new(exe);
            dynamodb.configure(&mut command);
            start_demo::run(command)
        });
    }
    dynamodb.stop();
    if result.is_err() && !workspace_root().join("examples/quickstart/Cargo.toml").is_file() {
        return Err(
            "the quickstart example (examples/quickstart) does not exist in this checkout".into()
        );
    }
    result
}

/// The orders API as a real Lambda binary under the local Runtime API, driven by a scripted
/// series of API Gateway requests (`examples/orders-api/examples/orders_demo.rs`).
fn orders_demo(dynamodb: &Dynamodb) -> Result<(), String> {
    step(
        "cargo build --quiet --package orders-api --bin orders-api",
        cargo().args(["build", "--quiet", "--package", "orders-api", "--bin", "orders-api"]),
    )?;
    let mut run = cargo();
    run.args(["run", "--quiet", "--package", "orders-api", "--example", "orders_demo"]);
    dynamodb.configure(&mut run);
    step("cargo run --quiet --package orders-api --example orders_demo", &mut run)
}

/// Orders written through the orders API, the table's stream delivered by the local stream
/// poller to the order-stream binary, and the stats it kept checked against the orders
/// (`examples/order-stream/examples/stream_demo.rs`).
fn stream_demo(dynamodb: &Dynamodb) -> Result<(), String> {
    let build = [
        "build",
        "--quiet",
        "--package",
        "orders-api",
        "--bin",
        "orders-api",
        "--package",
        "order-stream",
        "--bin",
        "order-stream",
    ];
    step(&format!("cargo {}", build.join(" ")), cargo().args(build))?;
    let mut run = cargo();
    run.args(["run", "--quiet", "--package", "order-stream", "--example", "stream_demo"]);
    dynamodb.configure(&mut run);
    step("cargo run --quiet --package order-stream --example stream_demo", &mut run)
}

fn dynamodb() -> Result<(), String> {
    provision(false, true)?;
    println!("==> start DynamoDB Local");
    let local = DynamoDbLocal::start().map_err(|e| e.to_string())?;
    println!("DynamoDB Local is listening on {}", local.endpoint());
    println!();
    println!("    export {ENDPOINT_ENV}={}", local.endpoint());
    println!();
    println!("Press Ctrl-C or end the input (Ctrl-D) to stop it.");
    // Blocks until end of input; a Ctrl-C ends this process instead, and the emulator's guard
    // stops it when this process's end of its pipe closes.
    let _ = io::copy(&mut io::stdin().lock(), &mut io::sink());
    println!("==> stop DynamoDB Local");
    drop(local);
    Ok(())
}

fn bench(args: &[OsString]) -> Result<(), String> {
    let (which, extra) = match args.split_first() {
        Some((first, rest))
            if ["coldstart", "conversion", "idempotency", "startup-profile", "all"]
                .iter()
                .any(|w| first == *w) =>
        {
            (first.to_string_lossy().into_owned(), rest)
        }
        _ => ("all".to_owned(), args),
    };
    if which == "startup-profile" {
        return profile::startup_profile();
    }
    if which == "idempotency" {
        // The bench starts DynamoDB Local itself unless AWS_ENDPOINT_URL_DYNAMODB is set.
        provision(false, external_endpoint().is_none())?;
        return step(
            &describe("cargo bench --package ferrodyn-benches --bench idempotency", extra),
            cargo()
                .args(["bench", "--package", "ferrodyn-benches", "--bench", "idempotency"])
                .args(extra),
        );
    }
    if which != "coldstart" {
        step(
            &describe(
                "cargo bench --package ferrodyn-benches --bench conversion --bench allocations",
                extra,
            ),
            cargo()
                .args(["bench", "--package", "ferrodyn-benches"])
                .args(["--bench", "conversion", "--bench", "allocations"])
                .args(extra),
        )?;
    }
    if which != "conversion" {
        coldstart_bench()?;
    }
    Ok(())
}

/// The bootstrap binaries of the cold-start benchmark, each built on its own so that one's
/// features (the baseline's SDK defaults) do not leak into another's through feature
/// unification.
const COLDSTART_PACKAGES: [&str; 4] = [
    "coldstart-floor",
    "coldstart-baseline",
    "coldstart-ferrodyn",
    "coldstart-ferrodyn-idempotency",
];

/// The bootstraps, then the example functions as `cargo lambda build --release` ships them
/// (for this machine's x86-64), then the harness.
fn coldstart_bench() -> Result<(), String> {
    provision(false, external_endpoint().is_none())?;
    for package in COLDSTART_PACKAGES {
        step(
            &format!("cargo build --release --package {package}"),
            cargo().args(["build", "--release", "--package", package]),
        )?;
    }
    let lambda_dir = package::build_for_host(&workspace_root())?;
    // The harness starts DynamoDB Local itself unless AWS_ENDPOINT_URL_DYNAMODB is set.
    step(
        "cargo bench --package ferrodyn-benches --bench coldstart",
        cargo()
            .args(["bench", "--package", "ferrodyn-benches", "--bench", "coldstart"])
            .env("COLDSTART_LAMBDA_DIR", lambda_dir),
    )
}

/// The endpoint a command should use: one given in the environment, or a DynamoDB Local it
/// starts and stops.
enum Dynamodb {
    External(String),
    Local(DynamoDbLocal),
}

impl Dynamodb {
    fn start() -> Result<Self, String> {
        if let Some(endpoint) = external_endpoint() {
            println!("==> using DynamoDB at {endpoint} ({ENDPOINT_ENV} is set)");
            return Ok(Self::External(endpoint));
        }
        println!("==> start DynamoDB Local");
        let started = std::time::Instant::now();
        let local = DynamoDbLocal::start()
            .map_err(|e| format!("step `start DynamoDB Local` failed: {e}"))?;
        println!(
            "DynamoDB Local is listening on {} (started in {:.1}s)",
            local.endpoint(),
            started.elapsed().as_secs_f64()
        );
        Ok(Self::Local(local))
    }

    fn endpoint(&self) -> &str {
        match self {
            Self::External(endpoint) => endpoint,
            Self::Local(local) => local.endpoint(),
        }
    }

    /// Points a child process at this endpoint, with the local credentials and region unless
    /// the environment already has its own.
    fn configure(&self, command: &mut Command) {
        command.env(ENDPOINT_ENV, self.endpoint());
        for (name, value) in LOCAL_AWS_DEFAULTS {
            if env::var_os(name).is_none() {
                command.env(name, value);
            }
        }
    }

    fn stop(self) {
        if let Self::Local(local) = self {
            println!("==> stop DynamoDB Local");
            drop(local);
        }
    }
}

fn skipped(variable: &str) -> bool {
    env::var_os(variable).is_some_and(|value| value == "1")
}

/// How long the test run fuzzes: `XTASK_FUZZ_SECONDS`, by default a minute.
fn fuzz_duration() -> Result<Duration, String> {
    match env::var("XTASK_FUZZ_SECONDS") {
        Err(env::VarError::NotPresent) => Ok(Duration::from_secs(60)),
        Ok(value) => match value.parse::<u64>() {
            Ok(seconds) if seconds > 0 => Ok(Duration::from_secs(seconds)),
            _ => Err(format!(
                "XTASK_FUZZ_SECONDS must be a whole number of seconds above 0, not {value:?}"
            )),
        },
        Err(env::VarError::NotUnicode(_)) => {
            Err("XTASK_FUZZ_SECONDS is not valid UTF-8".to_owned())
        }
    }
}

fn external_endpoint() -> Option<String> {
    env::var(ENDPOINT_ENV).ok().filter(|endpoint| !endpoint.is_empty())
}

/// Runs one step with inherited stdio, announcing it first and timing it.
fn step(name: &str, command: &mut Command) -> Result<(), String> {
    println!("==> {name}");
    let started = Instant::now();
    let status = command.status().map_err(|e| format!("step `{name}` could not start: {e}"))?;
    let elapsed = started.elapsed().as_secs_f64();
    if status.success() {
        println!("==> `{name}` took {elapsed:.1}s");
        Ok(())
    } else {
        Err(format!("step `{name}` failed ({status}) after {elapsed:.1}s"))
    }
}

fn describe(base: &str, extra: &[OsString]) -> String {
    extra.iter().fold(base.to_owned(), |mut line, arg| {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
        line
    })
}

fn cargo() -> Command {
    // Cargo tells the programs it runs which cargo it is; using it keeps the toolchain the same.
    let mut command = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(workspace_root());
    command
}

fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Installs what a fresh machine lacks: rustfmt and clippy when linting, and Java and npm when
/// DynamoDB Local will be started here.
fn provision(lint: bool, local_dynamodb: bool) -> Result<(), String> {
    if lint {
        let missing: Vec<&str> = [("fmt", "rustfmt"), ("clippy", "clippy")]
            .into_iter()
            .filter(|(subcommand, _)| !succeeds(cargo().args([subcommand, "--version"])))
            .map(|(_, component)| component)
            .collect();
        if !missing.is_empty() {
            step(
                &format!("rustup component add {}", missing.join(" ")),
                Command::new("rustup").args(["component", "add"]).args(&missing),
            )?;
            println!("installed rust components: {}", missing.join(", "));
        }
    }

    if !local_dynamodb {
        return Ok(());
    }
    let mut packages = Vec::new();
    match java_major_version() {
        Ok(major) if major >= MIN_JAVA_MAJOR => {}
        _ => packages.push("openjdk-17-jre-headless"),
    }
    if !succeeds(Command::new("npm").arg("--version")) {
        packages.extend(["nodejs", "npm"]);
    }
    if packages.is_empty() {
        return Ok(());
    }
    if !succeeds(Command::new("apt-get").arg("--version")) || !is_root() {
        return Err(format!(
            "DynamoDB Local needs Java {MIN_JAVA_MAJOR}+ and npm; install {} (apt-get is \
             unavailable or this is not root, so xtask cannot)",
            packages.join(" ")
        ));
    }
    step(
        "apt-get update",
        Command::new("apt-get").arg("update").env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    step(
        &format!("apt-get install -y {}", packages.join(" ")),
        Command::new("apt-get")
            .args(["install", "-y"])
            .args(&packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    println!("installed packages: {}", packages.join(", "));
    Ok(())
}

/// Whether a command runs and exits successfully, without showing its output.
fn succeeds(command: &mut Command) -> bool {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

#[cfg(test)]
mod tests {
    use super::Totals;

    #[test]
    fn totals_sum_libtest_summary_lines() {
        let mut totals = Totals::default();
        totals.add_line("test result: ok. 5 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s");
        totals.add_line(
            "test result: FAILED. 2 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out",
        );
        totals.add_line("running 5 tests");
        totals.add_line("test passed_thing ... ok");
        assert_eq!(totals, Totals { passed: 7, failed: 3, ignored: 1 });
    }
}
