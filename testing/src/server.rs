//! One running DynamoDB Local: checking Java, choosing a port, spawning the emulator behind a
//! shell guard that kills it when this process goes away, and waiting until it answers HTTP.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use crate::{install, Error, MIN_JAVA_MAJOR};

const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
const POLL_INTERVAL: Duration = Duration::from_millis(100);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// Startups that lose the free port to another process before Java binds it get a new port.
const PORT_ATTEMPTS: u32 = 3;
/// Logs of instances that were never dropped (the shared one) are pruned after this long.
const LOG_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// Runs Java in the background and lives until its stdin (our pipe) reaches EOF, which happens
/// when this process drops the handle or dies in any way, then kills Java and waits for it.
/// Java and the guard ignore SIGINT because a Ctrl-C reaches the whole process group: the guard
/// must outlive it to kill Java, and Java must not die before the guard's EOF-driven shutdown
/// (a background job of a non-interactive shell ignores SIGINT anyway). The guard also exits
/// when Java exits on its own, so a failed startup shows up as an exited child.
/// `-disableTelemetry` keeps the emulator from reporting usage to AWS and from writing
/// `dynamodb-local-metadata.json` (an installation id) into its working directory; `launch` makes
/// that directory the install directory, so whatever else it writes stays under `target/` too.
const GUARD_SCRIPT: &str = r#"trap '' INT
java "-Djava.library.path=$1/DynamoDBLocal_lib" -jar "$1/DynamoDBLocal.jar" -inMemory -sharedDb -disableTelemetry -port "$2" &
java=$!
exec 3<&0
{ cat <&3 >/dev/null; kill "$java" 2>/dev/null; } &
watcher=$!
exec 3<&-
wait "$java"
status=$?
kill "$watcher" 2>/dev/null
exit "$status"
"#;

/// A running DynamoDB Local, in memory, on 127.0.0.1.
///
/// Dropping it stops the emulator and waits until it has exited, so its port stops answering.
/// If this process dies without dropping it, the emulator is stopped all the same.
#[derive(Debug)]
pub struct DynamoDbLocal {
    guard: Child,
    port: u16,
    endpoint: String,
    /// Removed on drop; `None` once a failed startup has handed its path to the error.
    log: Option<PathBuf>,
}

impl DynamoDbLocal {
    /// Installs DynamoDB Local if needed, starts it on a free port and waits until it answers.
    ///
    /// Startup usually takes a few seconds; it gives up after 60.
    ///
    /// # Errors
    ///
    /// When installing fails (see [`ensure_installed`](Self::ensure_installed)), when `java` is
    /// missing or older than 17, when the emulator exits during startup (the error holds the
    /// tail of its log), or when it does not answer within 60 seconds.
    pub fn start() -> Result<Self, Error> {
        let jar_dir = install::ensure_installed()?;
        let major = java_major_version()?;
        if major < MIN_JAVA_MAJOR {
            return Err(Error::new(
                "checking Java",
                format!(
                    "`java` on PATH is Java {major}; DynamoDB Local needs Java \
                     {MIN_JAVA_MAJOR} or newer (on Debian: apt-get install \
                     openjdk-17-jre-headless)"
                ),
            ));
        }
        // The emulator runs in the install directory, so a relative path would not name the jar
        // from there.
        let absolute = |path: &Path| {
            std::path::absolute(path).map_err(|e| {
                Error::new("resolving the install directory", format!("{}: {e}", path.display()))
            })
        };
        let jar_dir = absolute(&jar_dir)?;
        let log_dir = absolute(&install::install_dir())?;
        prune_old_logs(&log_dir);

        let mut attempt = 1;
        loop {
            match launch(&jar_dir, &log_dir) {
                Ok(local) => return Ok(local),
                Err(Launch::PortTaken(_)) if attempt < PORT_ATTEMPTS => attempt += 1,
                Err(Launch::PortTaken(error) | Launch::Failed(error)) => return Err(error),
            }
        }
    }

    /// The endpoint URL, `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The TCP port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for DynamoDbLocal {
    fn drop(&mut self) {
        // EOF on the guard's stdin is the stop signal; see `GUARD_SCRIPT`.
        drop(self.guard.stdin.take());
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            match self.guard.try_wait() {
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
                Ok(Some(_)) => break,
                _ => {
                    let _ = self.guard.kill();
                    let _ = self.guard.wait();
                    break;
                }
            }
        }
        if let Some(log) = &self.log {
            let _ = fs::remove_file(log);
        }
    }
}

enum Launch {
    /// Java could not bind the port it was given; another try with a new port may work.
    PortTaken(Error),
    Failed(Error),
}

fn launch(jar_dir: &Path, log_dir: &Path) -> Result<DynamoDbLocal, Launch> {
    let port = free_port().map_err(Launch::Failed)?;
    let log = log_dir.join(format!("dynamodb-local-{port}.log"));
    // One open file for both streams, so that they share an offset instead of overwriting each
    // other.
    let (stdout, stderr) =
        File::create(&log).and_then(|file| Ok((file.try_clone()?, file))).map_err(|e| {
            Launch::Failed(Error::new("creating the log file", format!("{}: {e}", log.display())))
        })?;

    let guard = Command::new("sh")
        .arg("-c")
        .arg(GUARD_SCRIPT)
        .arg("ferrodyn-dynamodb-local")
        .arg(jar_dir)
        .arg(port.to_string())
        .current_dir(log_dir)
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|e| Launch::Failed(Error::new("starting DynamoDB Local with `sh`", e)))?;
    // From here on, dropping `local` stops whatever was started.
    let mut local = DynamoDbLocal {
        guard,
        port,
        endpoint: format!("http://127.0.0.1:{port}"),
        log: Some(log.clone()),
    };

    let deadline = Instant::now() + STARTUP_TIMEOUT;
    loop {
        // Checked before the probe so that, once Java has failed to bind a port that another
        // process took, that process's answers do not pass for our emulator.
        if let Ok(Some(status)) = local.guard.try_wait() {
            // Kept for the user to read: the error names it.
            local.log = None;
            let text = fs::read_to_string(&log).unwrap_or_default();
            let error = Error::new(
                "starting DynamoDB Local",
                format!(
                    "java exited with {status} before answering on port {port}; log {}:\n{}",
                    log.display(),
                    tail(&text)
                ),
            );
            return Err(if text.contains("Address already in use") {
                Launch::PortTaken(error)
            } else {
                Launch::Failed(error)
            });
        }
        if probe(port) {
            return Ok(local);
        }
        if Instant::now() >= deadline {
            local.log = None;
            let text = fs::read_to_string(&log).unwrap_or_default();
            return Err(Launch::Failed(Error::new(
                "waiting for DynamoDB Local",
                format!(
                    "no HTTP answer on port {port} within {}s; log {}:\n{}",
                    STARTUP_TIMEOUT.as_secs(),
                    log.display(),
                    tail(&text)
                ),
            )));
        }
        thread::sleep(POLL_INTERVAL);
    }
}

/// A port that was free a moment ago. Java binds it later, so another process can take it in
/// between; `start` retries when that happens.
fn free_port() -> Result<u16, Error> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| Error::new("choosing a free port on 127.0.0.1", e))
}

/// Whether anything answers a DynamoDB `ListTables` request with an HTTP status line. The
/// request carries a well-formed (unchecked) signature because DynamoDB Local rejects requests
/// without an `Authorization` header, and any answer at all means it is serving.
fn probe(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let timeout = Some(Duration::from_secs(2));
    if stream.set_read_timeout(timeout).is_err() || stream.set_write_timeout(timeout).is_err() {
        return false;
    }
    let body = "{}";
    let request = format!(
        "POST / HTTP/1.1\r\n\
         Host: 127.0.0.1:{port}\r\n\
         X-Amz-Target: DynamoDB_20120810.ListTables\r\n\
         Content-Type: application/x-amz-json-1.0\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\n\
         Connection: close\r\n\
         \r\n\
         {body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 16];
    let mut read = 0;
    while read < head.len() {
        match stream.read(&mut head[read..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => read += n,
        }
    }
    head[..read].starts_with(b"HTTP/1.")
}

pub(crate) fn java_major_version() -> Result<u32, Error> {
    let step = "checking Java";
    let output =
        Command::new("java").arg("-version").stdin(Stdio::null()).output().map_err(|e| match e
            .kind()
        {
            std::io::ErrorKind::NotFound => Error::new(
                step,
                format!(
                    "`java` was not found on PATH; DynamoDB Local needs Java {MIN_JAVA_MAJOR} or \
                     newer (on Debian: apt-get install openjdk-17-jre-headless)"
                ),
            ),
            _ => Error::new(step, format!("running `java -version`: {e}")),
        })?;
    // Java prints its version on stderr; some launchers use stdout.
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    parse_java_major(&text).ok_or_else(|| {
        Error::new(
            step,
            format!(
                "could not read a version from `java -version` ({}):\n{}",
                output.status,
                text.trim()
            ),
        )
    })
}

/// The major version in `java -version` output: `openjdk version "17.0.15"` gives 17 and the
/// pre-9 scheme `java version "1.8.0_392"` gives 8.
fn parse_java_major(text: &str) -> Option<u32> {
    let line = text.lines().find(|line| line.contains("version \""))?;
    let quoted = line.split('"').nth(1)?;
    let mut parts = quoted.split(['.', '-', '_', '+']);
    let first: u32 = parts.next()?.parse().ok()?;
    if first == 1 {
        parts.next()?.parse().ok()
    } else {
        Some(first)
    }
}

/// The last lines of a log: enough for Java's exception and its cause.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// Removes logs left by instances that were never dropped, such as the per-process shared one,
/// so that the install directory does not fill with one log per test run. A log still open by
/// a long-running instance can go too: Unix keeps the open file, and only startup reads it.
fn prune_old_logs(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("dynamodb-local-") && name.ends_with(".log")) {
            continue;
        }
        let stale = entry
            .metadata()
            .and_then(|meta| meta.modified())
            .ok()
            .and_then(|modified| now.duration_since(modified).ok())
            .is_some_and(|age| age > LOG_MAX_AGE);
        if stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_java_major;

    #[test]
    fn reads_java_major_versions() {
        let openjdk17 = "openjdk version \"17.0.15\" 2025-04-15\nOpenJDK Runtime Environment";
        assert_eq!(parse_java_major(openjdk17), Some(17));
        assert_eq!(parse_java_major("java version \"1.8.0_392\""), Some(8));
        assert_eq!(parse_java_major("openjdk version \"21\" 2023-09-19"), Some(21));
        assert_eq!(parse_java_major("openjdk version \"22-ea\""), Some(22));
        assert_eq!(parse_java_major("no java here"), None);
    }
}
