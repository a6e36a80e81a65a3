//! The fuzzing step: cargo-fuzz, installed at a pinned version under `target/`, runs the stream
//! event decoder's target (`streams/fuzz`) for a bounded time, starting from the committed seed
//! corpus. On the project's stable toolchain, `RUSTC_BOOTSTRAP=1` lets cargo-fuzz pass its `-Z`
//! flags, and `-s none` needs no sanitizer runtime: the target checks its own invariants (no
//! panic, both decoding paths list the same records).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The cargo-fuzz release the step installs.
const CARGO_FUZZ_VERSION: &str = "0.13.2";
/// Where cargo-fuzz is installed, relative to the workspace root.
const INSTALL_ROOT: &str = "target/cargo-fuzz";
/// The fuzz targets' own build directory, apart from the workspace's (their flags differ).
const TARGET_DIR: &str = "target/fuzz";
/// The inputs a run finds interesting; kept out of the committed seed corpus.
const WORK_CORPUS: &str = "target/fuzz-corpus";
/// The fuzz target of the stream event decoder.
pub(crate) const TARGET: &str = "decode_json";

/// What a finished run reported.
#[derive(Debug, PartialEq)]
pub(crate) struct Outcome {
    pub(crate) runs: u64,
    pub(crate) seconds: u64,
}

/// Installs cargo-fuzz unless the pinned version is already there.
fn install(root: &Path) -> Result<(), String> {
    let bin = root.join(INSTALL_ROOT).join("bin/cargo-fuzz");
    let installed =
        Command::new(&bin).args(["fuzz", "--version"]).stderr(Stdio::null()).output().is_ok_and(
            |output| String::from_utf8_lossy(&output.stdout).contains(CARGO_FUZZ_VERSION),
        );
    if installed {
        return Ok(());
    }
    crate::step(
        &format!("cargo install cargo-fuzz@{CARGO_FUZZ_VERSION} (into {INSTALL_ROOT})"),
        crate::cargo().args([
            "install",
            "--locked",
            "--quiet",
            "--version",
            CARGO_FUZZ_VERSION,
            "--root",
            INSTALL_ROOT,
            "cargo-fuzz",
        ]),
    )
}

/// Builds the decoder's fuzz target and runs it for `duration`; a crash fails the step and
/// leaves the input under `streams/fuzz/artifacts/`.
pub(crate) fn run(root: &Path, duration: Duration) -> Result<Outcome, String> {
    install(root)?;
    std::fs::create_dir_all(root.join(WORK_CORPUS))
        .map_err(|e| format!("cannot create {WORK_CORPUS}: {e}"))?;
    let name = format!("cargo fuzz run {TARGET} for {}s", duration.as_secs());
    println!("==> {name}");
    let started = Instant::now();
    let output = Command::new(root.join(INSTALL_ROOT).join("bin/cargo-fuzz"))
        .current_dir(root.join("streams"))
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["fuzz", "run", "--dev", "-s", "none", "--target-dir"])
        .arg(root.join(TARGET_DIR))
        .arg(TARGET)
        // New inputs go to the first corpus directory; the committed seeds are only read.
        .arg(root.join(WORK_CORPUS))
        .arg(format!("fuzz/corpus/{TARGET}"))
        .arg("--")
        .arg(format!("-max_total_time={}", duration.as_secs()))
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("step `{name}` could not start: {e}"))?;
    let log = String::from_utf8_lossy(&output.stderr);
    let elapsed = started.elapsed().as_secs_f64();
    if !output.status.success() {
        eprint!("{log}");
        return Err(format!("step `{name}` failed ({}) after {elapsed:.1}s", output.status));
    }
    let outcome = parse_done(&log)
        .ok_or_else(|| format!("step `{name}` ended without libFuzzer's `Done` line"))?;
    println!("==> `{name}` took {elapsed:.1}s");
    Ok(outcome)
}

/// Reads libFuzzer's closing line, `Done 94777 runs in 61 second(s)`.
pub(crate) fn parse_done(log: &str) -> Option<Outcome> {
    let line = log.lines().rev().find(|line| line.starts_with("Done "))?;
    let mut words = line.split_whitespace().skip(1);
    let runs = words.next()?.parse().ok()?;
    let seconds = words.nth(2)?.parse().ok()?;
    Some(Outcome { runs, seconds })
}

#[cfg(test)]
mod tests {
    use super::{parse_done, Outcome};

    #[test]
    fn reads_libfuzzers_closing_line() {
        let log =
            "#2\tINITED cov: 14\n#1048576\tpulse  cov: 14\nDone 2860627 runs in 6 second(s)\n";
        assert_eq!(parse_done(log), Some(Outcome { runs: 2_860_627, seconds: 6 }));
        assert_eq!(parse_done("#2\tINITED cov: 14\n"), None);
        assert_eq!(parse_done("Done many runs in 6 second(s)"), None);
    }
}
