//! Building the functions' binaries for the host with `cargo build --bin …` in each function's
//! `CodeUri`, and finding each executable from cargo's JSON messages (wherever the workspace's
//! target directory is).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One built binary.
#[derive(Debug, Clone)]
pub(crate) struct Built {
    pub(crate) executable: PathBuf,
    /// The directory of the package the binary belongs to (what `--watch` watches).
    pub(crate) package_dir: PathBuf,
}

/// Runs `cargo build --bin <each>` in `dir` (cargo's progress and diagnostics on stderr) and
/// returns the executables by binary name.
///
/// # Errors
/// Cargo cannot be run, the build fails, or a binary is not among what it built.
pub(crate) fn build(dir: &Path, binaries: &[&str]) -> Result<HashMap<String, Built>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(dir).args(["build", "--message-format=json-render-diagnostics"]);
    for binary in binaries {
        command.args(["--bin", binary]);
    }
    let described =
        format!("cargo build --bin {} (in {})", binaries.join(" --bin "), dir.display());
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{described}: {e}"))?;
    let mut built = HashMap::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
            if message["reason"] != "compiler-artifact" {
                continue;
            }
            let (Some(executable), Some(name)) =
                (message["executable"].as_str(), message["target"]["name"].as_str())
            else {
                continue;
            };
            let package_dir = message["manifest_path"]
                .as_str()
                .and_then(|m| Path::new(m).parent())
                .map_or_else(|| dir.to_path_buf(), Path::to_path_buf);
            built.insert(
                name.to_owned(),
                Built { executable: PathBuf::from(executable), package_dir },
            );
        }
    }
    let status = child.wait().map_err(|e| format!("{described}: {e}"))?;
    if !status.success() {
        return Err(format!("{described} failed ({status})"));
    }
    for binary in binaries {
        if !built.contains_key(*binary) {
            return Err(format!("{described} built no binary named {binary}"));
        }
    }
    Ok(built)
}
