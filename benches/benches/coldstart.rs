//! The cold-start and memory benchmark (see `ferrodyn_benches::coldstart`): run by
//! `cargo xtask bench coldstart`, which builds the three bootstrap binaries first.

use std::process::ExitCode;

fn main() -> ExitCode {
    match ferrodyn_benches::coldstart::main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("coldstart: error: {error}");
            ExitCode::FAILURE
        }
    }
}
