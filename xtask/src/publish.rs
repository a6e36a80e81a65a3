//! The crates.io side of `cargo xtask test`: `cargo package` assembles every publishable crate
//! of the workspace (each member without `publish = false`) as crates.io would receive it —
//! versioned dependencies, no cycle through a versioned dev-dependency, manifests that stand on
//! their own — and then each crate's file list is checked for what a build of the published crate
//! reads: every `include_str!` and `include_bytes!` (the crate docs' guide among them) must name a
//! file inside the package. That runs before the tests, without building ([`check`]).
//!
//! After the tests, [`verify`] packages them again and builds each assembled crate as crates.io
//! would, in the workspace's target directory, where the test build has left most of what they
//! need (`XTASK_SKIP_VERIFY=1` skips it when iterating locally).

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

/// Runs `cargo package` on the publishable crates and checks each one's includes.
pub(crate) fn check(workspace_root: &Path) -> Result<(), String> {
    let crates = publishable(workspace_root)?;
    let args = package_args(&crates, false);
    crate::step(&format!("cargo {}", args.join(" ")), crate::cargo().args(&args))?;

    for (name, root) in crates {
        let output = crate::cargo()
            .args(["package", "--list", "--allow-dirty", "--package", &name])
            .output()
            .map_err(|e| format!("cannot run `cargo package --list`: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "`cargo package --list --package {name}` failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        let listed: BTreeSet<PathBuf> =
            String::from_utf8_lossy(&output.stdout).lines().map(PathBuf::from).collect();
        let missing = missing_includes(&root, &listed)?;
        if !missing.is_empty() {
            return Err(format!(
                "the published `{name}` would not build: it includes files outside its package \
                 or left out of it:\n  {}",
                missing.join("\n  ")
            ));
        }
        println!("{name}: {} files, every include inside the package", listed.len());
    }
    Ok(())
}

/// Packages the publishable crates and builds each from its package, as `cargo publish` would.
pub(crate) fn verify(workspace_root: &Path) -> Result<(), String> {
    if std::env::var_os("XTASK_SKIP_VERIFY").is_some_and(|value| value == "1") {
        println!("==> skipping the packaged crates' build (XTASK_SKIP_VERIFY=1)");
        return Ok(());
    }
    let crates = publishable(workspace_root)?;
    let args = package_args(&crates, true);
    let mut command = crate::cargo();
    command.args(&args);
    // Each package builds as a workspace of its own; pointing it at the workspace's target
    // directory reuses the dependencies the tests built instead of building the SDK again.
    if std::env::var_os("CARGO_TARGET_DIR").is_none() {
        command.env("CARGO_TARGET_DIR", workspace_root.join("target"));
    }
    crate::step(&format!("cargo {}", args.join(" ")), &mut command)
}

fn package_args(crates: &[(String, PathBuf)], verify: bool) -> Vec<String> {
    // `--workspace` would package the `publish = false` members too.
    let mut args = vec!["package".to_owned(), "--allow-dirty".to_owned()];
    if !verify {
        args.push("--no-verify".to_owned());
    }
    for (name, _) in crates {
        args.extend(["--package".to_owned(), name.clone()]);
    }
    args
}

/// The workspace's packages that may be published (no `publish = false`), with their roots.
fn publishable(workspace_root: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let output = crate::cargo()
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(workspace_root)
        .output()
        .map_err(|e| format!("cannot run `cargo metadata`: {e}"))?;
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cannot parse `cargo metadata`: {e}"))?;
    let packages = metadata["packages"].as_array().ok_or("`cargo metadata` gave no packages")?;
    Ok(packages
        .iter()
        // `publish` is null when unrestricted and a list of registries otherwise (empty for
        // `publish = false`).
        .filter(|package| package["publish"].is_null())
        .filter_map(|package| {
            let name = package["name"].as_str()?.to_owned();
            let root = Path::new(package["manifest_path"].as_str()?).parent()?.to_path_buf();
            Some((name, root))
        })
        .collect())
}

/// The `include_str!`/`include_bytes!` paths of the listed Rust files that name no listed file.
fn missing_includes(root: &Path, listed: &BTreeSet<PathBuf>) -> Result<Vec<String>, String> {
    let mut missing = Vec::new();
    for file in listed.iter().filter(|file| file.extension().is_some_and(|ext| ext == "rs")) {
        let source = std::fs::read_to_string(root.join(file))
            .map_err(|e| format!("cannot read {}: {e}", root.join(file).display()))?;
        let dir = file.parent().unwrap_or(Path::new(""));
        for included in included_paths(&source) {
            let resolved = normalize(&dir.join(included));
            if !resolved.as_ref().is_some_and(|path| listed.contains(path)) {
                missing.push(format!("{}: {included}", file.display()));
            }
        }
    }
    Ok(missing)
}

/// The string literals passed to `include_str!` and `include_bytes!` in `source`.
fn included_paths(source: &str) -> Vec<&str> {
    let mut paths = Vec::new();
    for macro_call in ["include_str!(\"", "include_bytes!(\""] {
        let mut rest = source;
        while let Some(start) = rest.find(macro_call) {
            rest = &rest[start + macro_call.len()..];
            if let Some(end) = rest.find('"') {
                paths.push(&rest[..end]);
                rest = &rest[end..];
            }
        }
    }
    paths
}

/// `path` with `.` and `..` resolved, or `None` when it climbs out of the package.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_include_outside_the_package_or_not_listed_is_missing() {
        let listed: BTreeSet<PathBuf> =
            ["Cargo.toml", "README.md", "src/lib.rs"].into_iter().map(PathBuf::from).collect();
        assert_eq!(normalize(Path::new("src/../README.md")), Some(PathBuf::from("README.md")));
        assert_eq!(normalize(Path::new("src/../../README.md")), None);
        let source = "#![doc = include_str!(\"../README.md\")]\n\
                      const A: &[u8] = include_bytes!(\"../../logo.png\");\n\
                      const B: &str = include_str!(\"../docs/guide.md\");";
        assert_eq!(included_paths(source), ["../README.md", "../docs/guide.md", "../../logo.png"]);
        let dir = std::env::temp_dir().join(format!("xtask-publish-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(dir.join("src/lib.rs"), source).unwrap();
        let missing = missing_includes(&dir, &listed).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(missing, ["src/lib.rs: ../docs/guide.md", "src/lib.rs: ../../logo.png"]);
    }
}
