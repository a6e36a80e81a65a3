//! The connection prewarm with and without a delay per round trip (see
//! `ferrodyn_benches::startup_profile::prewarm`); needs the release ferrodyn bootstrap.

use std::process::ExitCode;

fn main() -> ExitCode {
    match ferrodyn_benches::startup_profile::prewarm::main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("prewarm_rtt: error: {error}");
            ExitCode::FAILURE
        }
    }
}
