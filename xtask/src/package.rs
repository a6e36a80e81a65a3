//! `cargo xtask package`: finds the workspace's Lambda functions — the packages that carry
//! `[package.metadata.lambda.deploy]`, which `cargo lambda deploy` reads — and builds each one's
//! `bootstrap` for arm64 Lambda with `cargo lambda build --release --arm64`, through the
//! cargo-lambda and zig of the tools environment.

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
            Ok(LambdaPackage { name, binaries })
        })
        .collect::<Result<_, String>>()?;
    Ok(Workspace { packages, target_directory })
}

/// Builds every Lambda package of the workspace at `manifest` (or of the xtask's own workspace).
pub(crate) fn package(workspace_root: &Path, manifest: Option<&Path>) -> Result<(), String> {
    let manifest = manifest.map_or_else(|| workspace_root.join("Cargo.toml"), Path::to_path_buf);
    let output = crate::cargo()
        .args(["metadata", "--no-deps", "--format-version", "1", "--manifest-path"])
        .arg(&manifest)
        .output()
        .map_err(|e| format!("cannot run `cargo metadata`: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo metadata --manifest-path {}` failed: {}",
            manifest.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let workspace = parse_metadata(&String::from_utf8_lossy(&output.stdout))?;
    if workspace.packages.is_empty() {
        println!(
            "==> package: no package carries [package.metadata.lambda.deploy]; nothing to build"
        );
        return Ok(());
    }

    let venv = Venv::open(workspace_root)?;
    venv.install(&CARGO_LAMBDA)?;
    ensure_rust_target()?;

    let mut build = crate::cargo();
    build.args(["lambda", "build", "--release", "--arm64", "--manifest-path"]).arg(&manifest);
    for package in &workspace.packages {
        build.args(["--package", &package.name]);
    }
    venv.configure(&mut build);
    let names: Vec<&str> = workspace.packages.iter().map(|p| p.name.as_str()).collect();
    crate::step(
        &format!("cargo lambda build --release --arm64 ({})", names.join(", ")),
        &mut build,
    )?;

    for package in &workspace.packages {
        for binary in &package.binaries {
            let bootstrap =
                workspace.target_directory.join("lambda").join(binary).join("bootstrap");
            let size = std::fs::metadata(&bootstrap)
                .map_err(|e| format!("`cargo lambda build` left no {}: {e}", bootstrap.display()))?
                .len();
            println!("{}: {:.1} MiB", bootstrap.display(), size as f64 / (1024.0 * 1024.0));
        }
    }
    Ok(())
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
            [LambdaPackage { name: "orders-api".into(), binaries: vec!["orders-api".into()] }]
        );
        assert_eq!(workspace.target_directory, Path::new("/w/target"));
    }

    #[test]
    fn a_deployable_package_without_a_binary_is_an_error() {
        let json = r#"{"packages": [{"name": "lib-only",
            "metadata": {"lambda": {"deploy": {}}},
            "targets": [{"kind": ["lib"], "name": "lib-only"}]}],
            "target_directory": "/w/target"}"#;
        let error = parse_metadata(json).unwrap_err();
        assert!(error.contains("`lib-only`") && error.contains("no binary"), "{error}");
    }
}
