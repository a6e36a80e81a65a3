//! `cargo xtask`: the project's developer commands. `test` is the CI contract (format, lint,
//! then every test against DynamoDB Local); `demo`, `dynamodb` and `bench` run the quickstart
//! example, a standalone emulator and the benchmarks. It installs what a fresh machine lacks
//! and depends on nothing but `ferrodyn-local`, so that it builds in seconds.

use std::env;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use ferrodyn_local::{java_major_version, DynamoDbLocal, ENDPOINT_ENV, MIN_JAVA_MAJOR};

const USAGE: &str = "\
usage: cargo xtask <command> [args...]

commands:
  test      cargo fmt --check, cargo clippy -D warnings, then cargo test --workspace
            against DynamoDB Local; args are appended to `cargo test`
            (XTASK_SKIP_LINT=1 skips fmt and clippy for local iteration)
  demo      run the quickstart example, then the orders API as a Lambda binary under a
            local Runtime API, against DynamoDB Local
  dynamodb  start DynamoDB Local and keep it running until Ctrl-C or end of input
  bench     cargo bench --package ferrodyn-benches; args are appended

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
    } else {
        println!("==> skipping cargo fmt and cargo clippy (XTASK_SKIP_LINT=1)");
    }

    let dynamodb = Dynamodb::start()?;
    let mut cargo_test = cargo();
    cargo_test.args(["test", "--workspace", "--all-features"]).args(extra);
    dynamodb.configure(&mut cargo_test);
    let result = step(&describe("cargo test --workspace --all-features", extra), &mut cargo_test);
    dynamodb.stop();
    result
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
    dynamodb.stop();
    if result.is_err() && !workspace_root().join("examples/quickstart/Cargo.toml").is_file() {
        return Err(
            "the quickstart example (examples/quickstart) does not exist in this checkout".into()
        );
    }
    result
}

/// The orders API as a real Lambda binary under the local Runtime API, driven by a scripted
/// series of API Gateway requests (`examples/orders-api/examples/demo.rs`).
fn orders_demo(dynamodb: &Dynamodb) -> Result<(), String> {
    step(
        "cargo build --quiet --package orders-api --bin orders-api",
        cargo().args(["build", "--quiet", "--package", "orders-api", "--bin", "orders-api"]),
    )?;
    let mut run = cargo();
    run.args(["run", "--quiet", "--package", "orders-api", "--example", "demo"]);
    dynamodb.configure(&mut run);
    step("cargo run --quiet --package orders-api --example demo", &mut run)
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

fn bench(extra: &[OsString]) -> Result<(), String> {
    step(
        &describe("cargo bench --package ferrodyn-benches", extra),
        cargo().args(["bench", "--package", "ferrodyn-benches"]).args(extra),
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

fn external_endpoint() -> Option<String> {
    env::var(ENDPOINT_ENV).ok().filter(|endpoint| !endpoint.is_empty())
}

/// Runs one step with inherited stdio, announcing it first.
fn step(name: &str, command: &mut Command) -> Result<(), String> {
    println!("==> {name}");
    let status = command.status().map_err(|e| format!("step `{name}` could not start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("step `{name}` failed ({status})"))
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
