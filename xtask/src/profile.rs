//! `cargo xtask bench startup-profile`: builds the ferrodyn bootstrap of the cold-start benchmark
//! with `--release`, then runs `benches/benches/startup_profile.rs`, which starts it under
//! `valgrind --tool=callgrind` until its first response over HTTPS and HTTP and writes the
//! instructions per start-up phase to `benches/results/startup-profile.{json,md}`.

use crate::{cargo, external_endpoint, provision, step};

/// Builds the bootstrap and runs the profile.
pub(crate) fn startup_profile() -> Result<(), String> {
    if !crate::succeeds(std::process::Command::new("valgrind").arg("--version")) {
        return Err("valgrind is not installed (apt-get install valgrind)".into());
    }
    provision(false, external_endpoint().is_none())?;
    step(
        "cargo build --release --package coldstart-ferrodyn",
        cargo().args(["build", "--release", "--package", "coldstart-ferrodyn"]),
    )?;
    // The bench starts DynamoDB Local itself unless AWS_ENDPOINT_URL_DYNAMODB is set.
    step(
        "cargo bench --package ferrodyn-benches --bench startup_profile",
        cargo().args(["bench", "--package", "ferrodyn-benches", "--bench", "startup_profile"]),
    )
}
