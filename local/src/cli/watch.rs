//! `--watch`: polling the functions' sources (`*.rs` and `*.toml` under each `CodeUri` and each
//! binary's package, build output and hidden directories left out) once a second; on a change
//! every function is rebuilt, and those whose binary changed are restarted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, SystemTime};

use super::build::build;
use super::functions::Managed;
use super::stack::Stack;

const POLL: Duration = Duration::from_secs(1);

/// The newest modification time and the number of watched files under `roots`.
fn snapshot(roots: &BTreeSet<PathBuf>) -> (Option<SystemTime>, usize) {
    let mut newest = None;
    let mut count = 0;
    let mut stack: Vec<PathBuf> = roots.iter().cloned().collect();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs" || e == "toml") {
                count += 1;
                let modified = entry.metadata().and_then(|m| m.modified()).ok();
                newest = newest.max(modified);
            }
        }
    }
    (newest, count)
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Starts the watcher thread.
pub(crate) fn spawn(stack: &Stack) -> std::io::Result<()> {
    let functions: Vec<Arc<Managed>> = stack.functions.values().cloned().collect();
    let mut roots: BTreeSet<PathBuf> = functions.iter().map(|f| f.spec.code_dir.clone()).collect();
    roots.extend(stack.built.values().map(|b| b.package_dir.clone()));
    let mut binaries: BTreeMap<String, Option<SystemTime>> = stack
        .built
        .iter()
        .map(|(name, built)| (name.clone(), modified(&built.executable)))
        .collect();
    eprintln!(
        "watching {} for changes",
        roots.iter().map(|r| r.display().to_string()).collect::<Vec<_>>().join(", ")
    );
    thread::Builder::new().name("watch".into()).spawn(move || {
        let mut last = snapshot(&roots);
        loop {
            thread::sleep(POLL);
            let now = snapshot(&roots);
            if now == last {
                continue;
            }
            println!("watch: sources changed; rebuilding");
            let mut by_dir: BTreeMap<PathBuf, Vec<&str>> = BTreeMap::new();
            for function in &functions {
                by_dir
                    .entry(function.spec.code_dir.clone())
                    .or_default()
                    .push(&function.spec.binary);
            }
            for (dir, names) in by_dir {
                let built = match build(&dir, &names) {
                    Ok(built) => built,
                    Err(e) => {
                        println!("watch: {e}; the running functions are kept");
                        continue;
                    }
                };
                for function in &functions {
                    let Some(binary) = built.get(&function.spec.binary) else { continue };
                    let stamp = modified(&binary.executable);
                    if binaries.get(&function.spec.binary) != Some(&stamp) {
                        function.replace(binary.executable.clone());
                        println!("watch: {} restarted with the new build", function.spec.name);
                    }
                }
                for (name, binary) in &built {
                    binaries.insert(name.clone(), modified(&binary.executable));
                }
            }
            // A build can touch sources (build scripts); start comparing afresh.
            last = snapshot(&roots);
        }
    })?;
    Ok(())
}
