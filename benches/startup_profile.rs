//! Where the ferrodyn function's start-up instructions go: the cold-start harness's set-up
//! (DynamoDB Local, the TLS proxy, the root bundle, the local Runtime API), the ferrodyn
//! bootstrap run under `valgrind --tool=callgrind` until its first response, over HTTPS and
//! HTTP, and its instructions attributed to phases by the inclusive costs of chosen functions
//! ([`phases`]). Also, run natively, how many TLS handshakes one function process makes during
//! init and during its first invocation, with the connection prewarm on and off.

pub mod phases;
pub mod prewarm;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ferrodyn_local::runtime_api::{Bootstrap, LocalFunction};

use crate::coldstart::{self, tls, BoxError, Function, Transport};
use phases::{Profile, TransportProfile};

/// How long one invocation may take under callgrind, which runs a program some 50 times slower.
const CALLGRIND_TIMEOUT: Duration = Duration::from_secs(300);

/// What the handshake count of one native function process showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeCount {
    /// `FERRODYN_PREWARM` as set (unset, the prewarm is off on demand).
    pub prewarm: bool,
    /// Handshakes completed at the proxy between spawn and the first `GET /next`.
    pub during_init: usize,
    /// Handshakes completed during the first invocation.
    pub during_first_invocation: usize,
}

/// Runs the profile, prints the table and writes `startup-profile.{json,md}`
/// (`startup-profile.rsa.*` under `COLDSTART_TLS=rsa`) into the output directory of
/// [`coldstart::Settings`].
///
/// # Errors
/// valgrind or the bootstrap is missing, DynamoDB Local or the proxy could not start, or a run
/// failed.
pub fn main() -> Result<(), BoxError> {
    let settings = coldstart::Settings::from_env()?;
    let program = settings.bin_dir.join(Function::Ferrodyn.package());
    if !program.is_file() {
        return Err(format!(
            "{} is missing: `cargo xtask bench startup-profile` builds it",
            program.display()
        )
        .into());
    }
    let cert = tls::cert_kind_from_env()?;
    let local;
    let endpoint = match std::env::var(ferrodyn_testing::ENDPOINT_ENV) {
        Ok(endpoint) if !endpoint.is_empty() => endpoint,
        _ => {
            local = ferrodyn_testing::DynamoDbLocal::start()?;
            local.endpoint().to_owned()
        }
    };
    let upstream = coldstart::socket_address(&endpoint)?;
    let table = format!("startup-profile-{}", std::process::id());
    coldstart::create_table_and_item(&endpoint, &table)?;
    let ca = tls::TestCa::generate_for(cert)?;
    let proxy = tls::TlsProxy::start(ca.server_config(), upstream)?;
    let scratch = std::env::temp_dir().join(format!("ferrodyn-profile-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let bundle_path = scratch.join("ca-bundle.pem");
    std::fs::write(&bundle_path, tls::bundle_from_env(ca.ca_pem())?)?;

    let env_for = |transport: Transport| {
        let port = proxy.address().port();
        let tables = [("TABLE_NAME".to_owned(), table.clone())];
        let mut env = coldstart::function_env(transport, &tables, &endpoint, port, &bundle_path);
        env.extend(settings.ferrodyn_env.iter().cloned());
        env
    };

    let mut handshakes = Vec::new();
    for prewarm in [true, false] {
        let mut env = env_for(Transport::Https);
        env.push(("FERRODYN_PREWARM".into(), prewarm.to_string()));
        handshakes.push(count_handshakes(&program, &env, &proxy, prewarm)?);
    }

    // The raw profiles, for `callgrind_annotate` or KCachegrind; outside the repository.
    let kept = std::env::temp_dir().join("ferrodyn-startup-profile");
    std::fs::create_dir_all(&kept)?;
    let mut transports = Vec::new();
    for transport in Transport::ALL {
        let mut env = env_for(transport);
        // Under callgrind the prewarm's default limit (2 s) could expire.
        env.push(("FERRODYN_PREWARM_TIMEOUT_MS".into(), "120000".into()));
        let before = proxy.handshakes();
        let out = scratch.join(format!("callgrind.{}.out", transport.name()));
        run_under_callgrind(&program, &env, &out, &scratch)?;
        let annotated = annotate(&out)?;
        let keep = kept.join(format!("callgrind.{}.out", transport.name()));
        std::fs::copy(&out, &keep)?;
        transports.push(TransportProfile {
            transport,
            handshakes: proxy.handshakes() - before,
            phases: phases::attribute(&phases::parse_inclusive(&annotated)?),
        });
    }
    drop(proxy);
    let _ = std::fs::remove_dir_all(&scratch);

    let profile = Profile { cert: cert.name(), transports, handshakes };
    std::fs::create_dir_all(&settings.out_dir)?;
    let markdown = phases::markdown(&profile);
    println!("{markdown}");
    // The default set-up's result is `startup-profile.*`; another's is named after it.
    let stem = match cert {
        tls::CertKind::P256 => "startup-profile".to_owned(),
        other => format!("startup-profile.{}", other.name()),
    };
    std::fs::write(settings.out_dir.join(format!("{stem}.md")), &markdown)?;
    let json = serde_json::to_string_pretty(&phases::to_json(&profile))?;
    std::fs::write(settings.out_dir.join(format!("{stem}.json")), json + "\n")?;
    println!(
        "wrote {}/{stem}.{{json,md}}; the callgrind profiles are in {}",
        settings.out_dir.display(),
        kept.display()
    );
    Ok(())
}

/// Starts `program` natively and counts the proxy's handshakes until the first `GET /next` and
/// during the first invocation.
fn count_handshakes(
    program: &Path,
    env: &[(String, String)],
    proxy: &tls::TlsProxy,
    prewarm: bool,
) -> Result<HandshakeCount, BoxError> {
    let start = proxy.handshakes();
    let function = Bootstrap::new(program).envs(env.iter().map(|(k, v)| (k, v))).spawn()?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while function.timings().first_next.is_none() {
        if Instant::now() > deadline {
            return Err(format!("no first /next; logs:\n{}", function.logs()).into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let after_init = proxy.handshakes();
    invoke(&function, Duration::from_secs(20))?;
    let after_first = proxy.handshakes();
    function.kill()?;
    Ok(HandshakeCount {
        prewarm,
        during_init: after_init - start,
        during_first_invocation: after_first - after_init,
    })
}

/// Runs `program` under callgrind (through a script in `scratch`, since the Runtime API starts a
/// program without arguments) until its first response, then stops it with `SIGTERM`, on which
/// callgrind writes `out`.
fn run_under_callgrind(
    program: &Path,
    env: &[(String, String)],
    out: &Path,
    scratch: &Path,
) -> Result<(), BoxError> {
    let valgrind =
        which("valgrind").ok_or("valgrind is not installed (apt-get install valgrind)")?;
    let script = scratch.join("callgrind-bootstrap");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec {} --tool=callgrind --callgrind-out-file={} {}\n",
            valgrind.display(),
            out.display(),
            program.display()
        ),
    )?;
    make_executable(&script)?;
    let function = Bootstrap::new(&script).envs(env.iter().map(|(k, v)| (k, v))).spawn()?;
    invoke(&function, CALLGRIND_TIMEOUT)?;
    let status = Command::new("kill").args(["-TERM", &function.pid().to_string()]).status()?;
    if !status.success() {
        return Err("kill -TERM failed".into());
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while function.exit_status()?.is_none() {
        if Instant::now() > deadline {
            return Err("callgrind did not exit after SIGTERM".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let logs = function.logs();
    if logs.contains("prewarm timed out") || logs.contains("prewarm failed") {
        return Err(format!("the prewarm did not connect under callgrind; logs:\n{logs}").into());
    }
    if !out.is_file() {
        return Err(format!("callgrind wrote no {}; logs:\n{logs}", out.display()).into());
    }
    Ok(())
}

fn invoke(function: &LocalFunction, timeout: Duration) -> Result<(), BoxError> {
    let body = function
        .invoke_timeout(r#"{"id":"c-1"}"#, timeout)?
        .into_body()
        .map_err(|e| format!("the function failed: {e}; logs:\n{}", function.logs()))?;
    if !body.contains("Ada Lovelace") {
        return Err(format!("unexpected answer {body:?}; logs:\n{}", function.logs()).into());
    }
    Ok(())
}

/// `callgrind_annotate --inclusive=yes` of `out`, every function listed.
fn annotate(out: &Path) -> Result<String, BoxError> {
    let output = Command::new("callgrind_annotate")
        .args(["--inclusive=yes", "--threshold=100", "--auto=no"])
        .arg(out)
        .output()
        .map_err(|e| format!("callgrind_annotate: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "callgrind_annotate failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(String::from_utf8(output.stdout)?)
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

fn make_executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}
