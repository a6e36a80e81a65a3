//! The Python-packaged tools the deployment steps run — cfn-lint, and cargo-lambda with the zig
//! it cross-compiles through — installed at pinned versions into one virtual environment under
//! `target/`, so that neither the system's Python nor a global install is touched and a fresh
//! clone gets exactly the versions CI used.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where the tools live, relative to the workspace root.
pub(crate) const VENV_DIR: &str = "target/tools-venv";

/// One tool: the PyPI packages it needs at exact versions, and the executable it provides.
#[derive(Debug)]
pub(crate) struct Tool {
    pub(crate) executable: &'static str,
    pub(crate) packages: &'static [(&'static str, &'static str)],
}

pub(crate) const CFN_LINT: Tool =
    Tool { executable: "cfn-lint", packages: &[("cfn-lint", "1.58.0")] };

/// cargo-lambda depends on `ziglang` without a version; pinning it too keeps the linker that
/// builds the release binaries the same from one run to the next.
pub(crate) const CARGO_LAMBDA: Tool = Tool {
    executable: "cargo-lambda",
    packages: &[("cargo-lambda", "1.9.2"), ("ziglang", "0.17.0")],
};

/// The virtual environment, created on first use.
#[derive(Debug)]
pub(crate) struct Venv {
    dir: PathBuf,
}

impl Venv {
    /// Opens the environment under `workspace_root`, creating it when it does not exist.
    pub(crate) fn open(workspace_root: &Path) -> Result<Self, String> {
        let venv = Self { dir: workspace_root.join(VENV_DIR) };
        if !venv.python().is_file() {
            println!("==> python3 -m venv {VENV_DIR}");
            let status = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv.dir)
                .status()
                .map_err(|e| format!("cannot run python3 to create {VENV_DIR}: {e}"))?;
            if !status.success() || !venv.python().is_file() {
                return Err(format!(
                    "`python3 -m venv {VENV_DIR}` failed ({status}); the deployment tools need \
                     Python 3.9+ with its venv module (Debian: apt-get install python3-venv)"
                ));
            }
        }
        Ok(venv)
    }

    fn bin(&self) -> PathBuf {
        self.dir.join("bin")
    }

    fn python(&self) -> PathBuf {
        self.bin().join("python")
    }

    /// Installs `tool` unless every one of its packages is already there at its pinned version.
    pub(crate) fn install(&self, tool: &Tool) -> Result<(), String> {
        let missing: Vec<String> = tool
            .packages
            .iter()
            .filter(|(name, version)| self.installed_version(name).as_deref() != Some(*version))
            .map(|(name, version)| format!("{name}=={version}"))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let name = format!("pip install {}", missing.join(" "));
        println!("==> {name} (into {VENV_DIR})");
        let status = Command::new(self.python())
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
            .args(&missing)
            .status()
            .map_err(|e| format!("step `{name}` could not start: {e}"))?;
        if !status.success() {
            return Err(format!("step `{name}` failed ({status}); is PyPI reachable?"));
        }
        if !self.bin().join(tool.executable).is_file() {
            return Err(format!(
                "`{name}` succeeded but {VENV_DIR}/bin/{} does not exist",
                tool.executable
            ));
        }
        Ok(())
    }

    /// The version of an installed distribution, as the environment's own metadata says.
    fn installed_version(&self, package: &str) -> Option<String> {
        let output = Command::new(self.python())
            .args(["-c", "import sys, importlib.metadata as m; print(m.version(sys.argv[1]))"])
            .arg(package)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// A command running one of the environment's executables.
    pub(crate) fn command(&self, executable: &str) -> Command {
        let mut command = Command::new(self.bin().join(executable));
        self.configure(&mut command);
        command
    }

    /// Puts the environment first on a child's PATH, so that `cargo lambda` finds the
    /// environment's `cargo-lambda`, and has cargo-zigbuild take zig from the environment's
    /// `ziglang` (`python -m ziglang`) rather than any `zig` on the PATH or a download.
    pub(crate) fn configure(&self, command: &mut Command) {
        let mut paths = vec![self.bin()];
        paths.extend(std::env::var_os("PATH").iter().flat_map(std::env::split_paths));
        // A PATH entry holding the separator cannot be joined; the child then keeps this PATH and
        // still finds zig through CARGO_ZIGBUILD_PYTHON_PATH.
        if let Ok(path) = std::env::join_paths(paths) {
            command.env("PATH", path);
        }
        command.env("CARGO_ZIGBUILD_PYTHON_PATH", self.python());
    }
}
