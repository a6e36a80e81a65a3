#![doc = include_str!("../README.md")]

mod install;
#[cfg(feature = "mock")]
pub mod mock;
mod server;
#[cfg(feature = "db")]
mod test_db;
#[cfg(feature = "tls")]
pub mod tls;

use std::fmt;
use std::path::PathBuf;
use std::sync::OnceLock;

#[cfg(feature = "mock")]
pub use mock::MockDb;
pub use server::DynamoDbLocal;
#[cfg(feature = "db")]
pub use test_db::TestDb;

/// The environment variable naming the DynamoDB endpoint, as the AWS SDKs read it.
pub const ENDPOINT_ENV: &str = "AWS_ENDPOINT_URL_DYNAMODB";

/// The environment variable that overrides where DynamoDB Local is installed.
pub const INSTALL_DIR_ENV: &str = "FERRODYN_DYNAMODB_LOCAL_DIR";

/// The oldest Java major version DynamoDB Local runs on.
pub const MIN_JAVA_MAJOR: u32 = 17;

/// A failure to install, start or reach DynamoDB Local.
///
/// The message names the step that failed and, where it helps, what to do about it.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
}

// Tests that return `Result` print the error with `Debug`; the plain message keeps a log tail
// readable there instead of escaping its line breaks.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error {
    pub(crate) fn new(step: &str, detail: impl fmt::Display) -> Self {
        Self { message: format!("DynamoDB Local: {step}: {detail}") }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl DynamoDbLocal {
    /// Where DynamoDB Local is (or will be) installed.
    ///
    /// `FERRODYN_DYNAMODB_LOCAL_DIR` when set; otherwise `dynamodb-local` inside the Cargo target
    /// directory, which is `CARGO_TARGET_DIR` when set, else the `target` directory that holds the
    /// running executable, else `./target`; a relative path is taken from the current directory.
    /// Each instance runs with this directory as its working directory, so that nothing it
    /// writes lands in the caller's.
    pub fn install_dir() -> PathBuf {
        install::install_dir()
    }

    /// Installs DynamoDB Local into [`install_dir`](Self::install_dir) unless it is already
    /// there, and returns the directory that holds `DynamoDBLocal.jar`.
    ///
    /// Safe to call from several processes at once: each unpacks into a directory of its own and
    /// only one of them moves it into place.
    ///
    /// # Errors
    ///
    /// When `npm` or `tar` is missing or fails, when the install directory cannot be written, or
    /// when the install directory exists but holds no `DynamoDBLocal.jar`.
    pub fn ensure_installed() -> Result<PathBuf, Error> {
        install::ensure_installed()
    }
}

/// The major version of the `java` on `PATH` (8 for `1.8.0_392`, 17 for `17.0.15`).
///
/// # Errors
///
/// When `java` cannot be run or its `-version` output cannot be read.
pub fn java_major_version() -> Result<u32, Error> {
    server::java_major_version()
}

/// The DynamoDB endpoint for this process: `AWS_ENDPOINT_URL_DYNAMODB` when it is set, else
/// one DynamoDB Local started on first use and shared by the whole process.
///
/// The shared instance lives in a static, so it is never dropped; it still stops when the
/// process exits, however it exits.
///
/// # Errors
///
/// When DynamoDB Local cannot be installed or started. The first failure is remembered and
/// returned to every later caller, so a broken setup fails fast instead of once per test.
pub fn shared_endpoint() -> Result<&'static str, Error> {
    enum Shared {
        External(String),
        // Held only to keep the process alive for as long as this process runs.
        Local(DynamoDbLocal),
    }
    static SHARED: OnceLock<Result<Shared, Error>> = OnceLock::new();

    let shared = SHARED.get_or_init(|| match std::env::var(ENDPOINT_ENV) {
        Ok(endpoint) if !endpoint.is_empty() => Ok(Shared::External(endpoint)),
        _ => DynamoDbLocal::start().map(Shared::Local),
    });
    match shared {
        Ok(Shared::External(endpoint)) => Ok(endpoint),
        Ok(Shared::Local(local)) => Ok(local.endpoint()),
        Err(error) => Err(error.clone()),
    }
}
