//! `cargo xtask package`: finds the workspace's Lambda functions — the packages that carry
//! `[package.metadata.lambda.deploy]`, which `cargo lambda deploy` reads — and builds each one's
//! `bootstrap` for arm64 Lambda with `cargo lambda build --release --arm64`, through the
//! cargo-lambda and zig of the tools environment. `cargo xtask test` then builds the same
//! functions the other documented ways (`sam build`, `cargo lambda build` in a function's own
//! directory) and checks that every way ships the same ring-only bootstrap: a feature of another
//! workspace member unified into a function would link aws-lc, whose start-up the function's
//! HTTPS client exists to avoid.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::tools::{Venv, CARGO_LAMBDA};

/// The Rust target of arm64 Lambda (Amazon Linux 2023 has glibc).
const TARGET: &str = "aarch64-unknown-linux-gnu";

/// A package to build, with the binaries cargo-lambda makes a `bootstrap` of.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct LambdaPackage {
    pub(crate) name: String,
    /// The directory of its manifest.
    pub(crate) directory: PathBuf,
    pub(crate) binaries: Vec<String>,
}

/// What `cargo metadata` says matters here.
#[derive(Debug)]
pub(crate) struct Workspace {
    pub(crate) packages: Vec<LambdaPackage>,
    pub(crate) target_directory: PathBuf,
}

/// Reads `cargo metadata --format-version 1` output: the packages with deploy metadata (in the
/// order cargo lists them) and the target directory.
pub(crate) fn parse_metadata(json: &str) -> Result<Workspace, String> {
    let metadata: Value =
        serde_json::from_str(json).map_err(|e| format!("cannot parse `cargo metadata`: {e}"))?;
    let target_directory = metadata["target_directory"]
        .as_str()
        .ok_or("`cargo metadata` gave no target_directory")?
        .into();
    let packages = metadata["packages"]
        .as_array()
        .ok_or("`cargo metadata` gave no package list")?
        .iter()
        .filter(|package| package["metadata"]["lambda"]["deploy"].is_object())
        .map(|package| {
            let name = package["name"].as_str().ok_or("a package without a name")?.to_owned();
            let binaries: Vec<String> = package["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|target| {
                    target["kind"].as_array().is_some_and(|kinds| kinds.iter().any(|k| k == "bin"))
                })
                .filter_map(|target| target["name"].as_str().map(str::to_owned))
                .collect();
            if binaries.is_empty() {
                return Err(format!(
                    "package `{name}` has [package.metadata.lambda.deploy] but no binary"
                ));
            }
            let directory = package["manifest_path"]
                .as_str()
                .and_then(|path| Path::new(path).parent())
                .ok_or_else(|| format!("package `{name}` has no manifest_path"))?
                .to_path_buf();
            Ok(LambdaPackage { name, directory, binaries })
        })
        .collect::<Result<_, String>>()?;
    Ok(Workspace { packages, target_directory })
}

/// A `bootstrap` a build left, and its size.
#[derive(Debug)]
pub(crate) struct Bootstrap {
    binary: String,
    path: PathBuf,
    size: u64,
}

impl Bootstrap {
    fn read(target_directory: &Path, binary: &str) -> Result<Self, String> {
        let path = target_directory.join("lambda").join(binary).join("bootstrap");
        let size = std::fs::metadata(&path)
            .map_err(|e| format!("`cargo lambda build` left no {}: {e}", path.display()))?
            .len();
        Ok(Self { binary: binary.to_owned(), path, size })
    }
}

/// Builds every Lambda package of the workspace at `manifest` (or of the xtask's own workspace)
/// and returns the bootstraps.
pub(crate) fn package(
    workspace_root: &Path,
    manifest: Option<&Path>,
) -> Result<Vec<Bootstrap>, String> {
    let manifest = manifest.map_or_else(|| workspace_root.join("Cargo.toml"), Path::to_path_buf);
    let workspace = read_workspace(&manifest)?;
    if workspace.packages.is_empty() {
        println!(
            "==> package: no package carries [package.metadata.lambda.deploy]; nothing to build"
        );
        return Ok(Vec::new());
    }

    ensure_rust_target()?;
    lambda_build(workspace_root, &manifest, &workspace, &["--arm64"])?;

    let mut bootstraps = Vec::new();
    for package in &workspace.packages {
        for binary in &package.binaries {
            let bootstrap = Bootstrap::read(&workspace.target_directory, binary)?;
            println!("{}: {}", bootstrap.path.display(), mib(bootstrap.size));
            bootstraps.push(bootstrap);
        }
    }
    Ok(bootstraps)
}

/// The directory, under the target directory, of [`build_for_host`]'s bootstraps.
const HOST_LAMBDA_DIR: &str = "lambda-x86_64";

/// Builds every Lambda package of the workspace for x86-64 Lambda, which this machine runs,
/// with `cargo lambda build --release --x86-64` — the settings `cargo xtask package` ships for
/// arm64 but for the target CPU — into `<target>/lambda-x86_64/<binary>/bootstrap`, apart from
/// the arm64 ones; returns that directory.
pub(crate) fn build_for_host(workspace_root: &Path) -> Result<PathBuf, String> {
    let manifest = workspace_root.join("Cargo.toml");
    let workspace = read_workspace(&manifest)?;
    let lambda_dir = workspace.target_directory.join(HOST_LAMBDA_DIR);
    let dir = lambda_dir.display().to_string();
    lambda_build(workspace_root, &manifest, &workspace, &["--x86-64", "--lambda-dir", &dir])?;
    Ok(lambda_dir)
}

/// `cargo lambda build --release <target_args>` of `workspace`'s Lambda packages, through the
/// tools environment's cargo-lambda and zig.
fn lambda_build(
    workspace_root: &Path,
    manifest: &Path,
    workspace: &Workspace,
    target_args: &[&str],
) -> Result<(), String> {
    let venv = Venv::open(workspace_root)?;
    venv.install(&CARGO_LAMBDA)?;
    let mut build = crate::cargo();
    build.args(["lambda", "build", "--release"]).args(target_args);
    build.arg("--manifest-path").arg(manifest);
    for package in &workspace.packages {
        build.args(["--package", &package.name]);
    }
    venv.configure(&mut build);
    let names: Vec<&str> = workspace.packages.iter().map(|p| p.name.as_str()).collect();
    crate::step(
        &format!("cargo lambda build --release {} ({})", target_args.join(" "), names.join(", ")),
        &mut build,
    )
}

fn read_workspace(manifest: &Path) -> Result<Workspace, String> {
    let output = crate::cargo()
        .args(["metadata", "--no-deps", "--format-version", "1", "--manifest-path"])
        .arg(manifest)
        .output()
        .map_err(|e| format!("cannot run `cargo metadata`: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo metadata --manifest-path {}` failed: {}",
            manifest.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    parse_metadata(&String::from_utf8_lossy(&output.stdout))
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Checks that every documented way of building the functions ships what `package` built.
///
/// - `sam build` (template.yaml's `BuildMethod: rust-cargolambda`, `CodeUri: ./`) runs
///   `cargo lambda build --release --arm64 --bin <binary>` at the workspace root: built here
///   exactly so, each bootstrap must be the same size as `package`'s and, like it, hold no trace
///   of aws-lc (its C sources' paths end up in the binary); `package`'s must be within its size
///   budget (`budget.rs`).
/// - `cargo lambda build` in a function's own directory resolves features for that package
///   alone: its dependency graph for arm64, dev-dependencies aside, must not reach aws-lc-sys.
pub(crate) fn check_build_paths(
    workspace_root: &Path,
    packaged: &[Bootstrap],
) -> Result<(), String> {
    let workspace = read_workspace(&workspace_root.join("Cargo.toml"))?;
    for bootstrap in packaged {
        refuse_aws_lc(bootstrap, "cargo xtask package")?;
        crate::budget::check(&bootstrap.binary, bootstrap.size)?;
    }
    let venv = Venv::open(workspace_root)?;
    for package in &workspace.packages {
        for binary in &package.binaries {
            let packaged = packaged.iter().find(|b| &b.binary == binary).ok_or_else(|| {
                format!("`cargo xtask package` built no bootstrap for `{binary}`")
            })?;
            let mut build = crate::cargo();
            build.args(["lambda", "build", "--release", "--arm64", "--bin", binary]);
            venv.configure(&mut build);
            let name =
                format!("cargo lambda build --release --arm64 --bin {binary} (as sam build)");
            crate::step(&name, &mut build)?;
            let sam = Bootstrap::read(&workspace.target_directory, binary)?;
            refuse_aws_lc(&sam, "sam build")?;
            if sam.size != packaged.size {
                return Err(format!(
                    "`sam build` gives a {} bootstrap for `{binary}`, `cargo xtask package` {}: \
                     another workspace member's features reach the function in one of them \
                     (see default-members in Cargo.toml)",
                    mib(sam.size),
                    mib(packaged.size)
                ));
            }
            println!(
                "{binary}: sam build and cargo xtask package both give {}, no aws-lc",
                mib(sam.size)
            );
        }
        let dir = &package.directory;
        let mut tree = crate::cargo();
        tree.args([
            "tree",
            "--edges",
            "normal,build",
            "--target",
            TARGET,
            "--invert",
            "aws-lc-sys",
        ])
        .current_dir(dir);
        let output = tree.output().map_err(|e| format!("cannot run `cargo tree`: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() || !stdout.trim().is_empty() {
            return Err(format!(
                "`cargo lambda build` in {} would link aws-lc ({}):\n{stdout}{}",
                dir.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        println!("{}: cargo lambda build there resolves no aws-lc", package.name);
    }
    Ok(())
}

/// Fails when a bootstrap holds `aws-lc` or `aws_lc` anywhere: symbols, or the source paths
/// aws-lc's assertions keep even in a stripped binary.
fn refuse_aws_lc(bootstrap: &Bootstrap, how: &str) -> Result<(), String> {
    let bytes = std::fs::read(&bootstrap.path)
        .map_err(|e| format!("cannot read {}: {e}", bootstrap.path.display()))?;
    let found = bytes.windows(6).position(|w| w == b"aws-lc" || w == b"aws_lc");
    match found {
        None => Ok(()),
        Some(offset) => Err(format!(
            "the bootstrap `{how}` built for `{}` ({}) links aws-lc (`{}` at byte {offset})",
            bootstrap.binary,
            bootstrap.path.display(),
            String::from_utf8_lossy(&bytes[offset..(offset + 40).min(bytes.len())])
        )),
    }
}

/// cargo-lambda needs the arm64 standard library; rustup provides it.
fn ensure_rust_target() -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("cannot run rustup to check for the {TARGET} target: {e}"))?;
    if String::from_utf8_lossy(&installed.stdout).lines().any(|line| line.trim() == TARGET) {
        return Ok(());
    }
    crate::step(
        &format!("rustup target add {TARGET}"),
        Command::new("rustup").args(["target", "add", TARGET]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const METADATA: &str = r#"{
        "packages": [
            {"name": "ferrodyn", "metadata": null,
             "targets": [{"kind": ["lib"], "name": "ferrodyn"}]},
            {"name": "orders-api", "metadata": {"lambda": {"deploy": {"memory": 128}}},
             "manifest_path": "/w/examples/orders-api/Cargo.toml",
             "targets": [{"kind": ["bin"], "name": "orders-api"},
                         {"kind": ["test"], "name": "test_routes"}]},
            {"name": "quickstart", "metadata": {"lambda": {"env": {}}},
             "targets": [{"kind": ["bin"], "name": "quickstart"}]}
        ],
        "target_directory": "/w/target"
    }"#;

    #[test]
    fn finds_the_packages_with_deploy_metadata_and_their_binaries() {
        let workspace = parse_metadata(METADATA).unwrap();
        assert_eq!(
            workspace.packages,
            [LambdaPackage {
                name: "orders-api".into(),
                directory: "/w/examples/orders-api".into(),
                binaries: vec!["orders-api".into()]
            }]
        );
        assert_eq!(workspace.target_directory, Path::new("/w/target"));
    }

    #[test]
    fn a_deployable_package_without_a_binary_is_an_error() {
        let json = r#"{"packages": [{"name": "lib-only",
            "metadata": {"lambda": {"deploy": {}}},
            "manifest_path": "/w/lib-only/Cargo.toml",
            "targets": [{"kind": ["lib"], "name": "lib-only"}]}],
            "target_directory": "/w/target"}"#;
        let error = parse_metadata(json).unwrap_err();
        assert!(error.contains("`lib-only`") && error.contains("no binary"), "{error}");
    }
}
