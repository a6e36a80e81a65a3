//! The ferrodyn function's start-up instructions by phase, under callgrind (see
//! `ferrodyn_benches::startup_profile`): run by `cargo xtask bench startup-profile`, which builds
//! the ferrodyn bootstrap first.

use std::process::ExitCode;

fn main() -> ExitCode {
    match ferrodyn_benches::startup_profile::main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("startup-profile: error: {error}");
            ExitCode::FAILURE
        }
    }
}
