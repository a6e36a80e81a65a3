//! [`LambdaDb`]: the process-wide [`Db`] of a Lambda function, built once from the environment in
//! the init phase and borrowed by every invocation; and its [`Builder`], which can also build
//! independent handles that never touch the shared one (for tests and tools).

use std::ops::Deref;
use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::Client;
use ferrodyn::Db;
use tokio::sync::OnceCell;

use crate::config::{LambdaConfig, Vars, TABLE_NAME};
use crate::error::{Error, Result};
use crate::prewarm::prewarm;
use crate::tls::dynamodb_client;

/// The shared handle. An async once-cell: concurrent first calls wait for one initialisation
/// instead of each building a client, and no thread blocks while it runs.
static SHARED: OnceCell<Db> = OnceCell::const_new();

/// The default limit on the prewarm request: a cold TLS handshake at 128 MB takes a few hundred
/// milliseconds, and Lambda's init phase has 10 s in all.
const DEFAULT_PREWARM_TIMEOUT: Duration = Duration::from_secs(2);
/// TCP connect (and TLS) limit: DynamoDB is in the function's own region.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Limit per attempt, so that a stuck connection is retried well before a typical function
/// timeout instead of consuming it.
const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// The process-wide [`Db`] of a Lambda function: `Copy`, a `&'static` inside, and derefs to
/// [`Db`], so a handler closure can capture it by value on every invocation.
///
/// ```no_run
/// # async fn demo() -> Result<(), ferrodyn_lambda::Error> {
/// let db = ferrodyn_lambda::LambdaDb::init().await?;
/// let again = ferrodyn_lambda::LambdaDb::init().await?; // cheap: the same client
/// assert!(db.ptr_eq(again));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct LambdaDb {
    db: &'static Db,
}

impl LambdaDb {
    /// The shared handle, configured from the process environment with the default settings;
    /// built (and, under provisioned concurrency, its connection prewarmed) by the first call,
    /// returned as is by later ones.
    ///
    /// # Errors
    /// A missing or malformed variable, on the first call (see [`LambdaConfig`]).
    pub async fn init() -> Result<LambdaDb> {
        LambdaDb::builder().init().await
    }

    /// Settings for the shared handle or for an independent one.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// The shared handle, if [`init`](Self::init) has succeeded.
    pub fn get() -> Option<LambdaDb> {
        SHARED.get().map(|db| LambdaDb { db })
    }

    /// The [`Db`], for as long as the process lives.
    pub fn db(self) -> &'static Db {
        self.db
    }

    /// Whether two handles are the same shared client.
    pub fn ptr_eq(self, other: LambdaDb) -> bool {
        std::ptr::eq(self.db, other.db)
    }
}

impl Deref for LambdaDb {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
    }
}

impl AsRef<Db> for LambdaDb {
    fn as_ref(&self) -> &Db {
        self.db
    }
}

/// Settings of a [`LambdaDb`] (or of an independent [`Db`] through [`build`](Builder::build)).
///
/// What the builder sets is the default; the environment has the last word, so a deployment can
/// change tables or turn the prewarm off without a new build. Table names resolve in this order,
/// later ones winning: [`table`](Self::table), `TABLE_NAME` for
/// [`single_table`](Self::single_table), then `FERRODYN_TABLES`; every other model table gets
/// `FERRODYN_TABLE_PREFIX` (or [`table_prefix`](Self::table_prefix)) in front.
#[derive(Debug, Clone)]
#[must_use]
pub struct Builder {
    vars: Option<Vars>,
    prewarm: Option<bool>,
    prewarm_timeout: Duration,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    table_prefix: Option<String>,
    tables: Vec<(String, String)>,
    single_table: Option<String>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            vars: None,
            prewarm: None,
            prewarm_timeout: DEFAULT_PREWARM_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            table_prefix: None,
            tables: Vec::new(),
            single_table: None,
        }
    }
}

impl Builder {
    /// Reads these variables instead of the process environment.
    pub fn vars<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        self.vars = Some(Vars::from_pairs(vars));
        self
    }

    /// Whether to prewarm the connection during init; `FERRODYN_PREWARM` overrides it.
    ///
    /// By default the prewarm runs only where Lambda initialises an environment before an
    /// invocation waits for it (`AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency`). On
    /// demand, init and the first invocation run back to back: moving the handshake into init
    /// saves nothing there and the prewarm's own request adds a round trip (the cold-start
    /// benchmark's prewarm run, `benches/README.md` in the repository).
    pub fn prewarm(mut self, prewarm: bool) -> Self {
        self.prewarm = Some(prewarm);
        self
    }

    /// The prewarm's time limit (default 2 s; `FERRODYN_PREWARM_TIMEOUT_MS` overrides it).
    pub fn prewarm_timeout(mut self, timeout: Duration) -> Self {
        self.prewarm_timeout = timeout;
        self
    }

    /// The limit on opening a connection (default 2 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The limit on each attempt of a request (default 5 s); the SDK retries after it.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Maps the model table `logical` to the physical table `physical`.
    pub fn table(mut self, logical: impl Into<String>, physical: impl Into<String>) -> Self {
        self.tables.push((logical.into(), physical.into()));
        self
    }

    /// A prefix for every model table that no mapping names (`FERRODYN_TABLE_PREFIX` overrides
    /// it).
    pub fn table_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.table_prefix = Some(prefix.into());
        self
    }

    /// A single-table application: the model table `logical` is the physical table named by the
    /// `TABLE_NAME` variable, which must then be set.
    pub fn single_table(mut self, logical: impl Into<String>) -> Self {
        self.single_table = Some(logical.into());
        self
    }

    /// Builds the shared handle on the first call (prewarming its connection where
    /// [`prewarm`](Self::prewarm) says so); later calls return the same handle at the cost of an
    /// atomic load, and their settings are not used.
    ///
    /// # Errors
    /// A missing or malformed variable, on the call that builds the handle. A failed prewarm is
    /// logged, not returned.
    pub async fn init(self) -> Result<LambdaDb> {
        let db = SHARED.get_or_try_init(|| self.build()).await?;
        Ok(LambdaDb { db })
    }

    /// Builds an independent [`Db`] with these settings (prewarming its connection where
    /// [`prewarm`](Self::prewarm) says so), leaving the shared handle alone.
    ///
    /// # Errors
    /// A missing or malformed variable. A failed prewarm is logged, not returned.
    pub async fn build(self) -> Result<Db> {
        let config = match &self.vars {
            Some(vars) => LambdaConfig::parse(vars)?,
            None => LambdaConfig::from_env()?,
        };
        let tables = self.resolve_tables(&config)?;
        let client = self.client(&config).await;
        let mut db = Db::from_client(client);
        if let Some(prefix) = config.table_prefix.as_ref().or(self.table_prefix.as_ref()) {
            db = db.with_table_prefix(prefix.clone());
        }
        for (logical, physical) in tables {
            db = db.with_table_name(&logical, physical);
        }
        if config.prewarm.or(self.prewarm).unwrap_or(config.provisioned) {
            prewarm(&db, config.prewarm_timeout.unwrap_or(self.prewarm_timeout)).await;
        }
        Ok(db)
    }

    /// The `(logical, physical)` mappings in the order they apply (later ones win).
    fn resolve_tables(&self, config: &LambdaConfig) -> Result<Vec<(String, String)>> {
        let mut tables = self.tables.clone();
        if let Some(logical) = &self.single_table {
            let Some(physical) = &config.table_name else {
                return Err(Error::missing(
                    TABLE_NAME,
                    format!("the application keeps model table `{logical}` in the table it names"),
                ));
            };
            tables.push((logical.clone(), physical.clone()));
        }
        tables.extend(config.tables.iter().cloned());
        Ok(tables)
    }

    async fn client(&self, config: &LambdaConfig) -> Client {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(self.connect_timeout)
            .operation_attempt_timeout(self.attempt_timeout)
            .build();
        let retry = RetryConfig::standard()
            .with_max_attempts(config.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS));
        let region = Region::new(config.region.clone());
        let http_client = dynamodb_client(config.endpoint.as_deref());
        let builder = match &config.credentials {
            // Lambda puts the execution role's credentials in the environment: taking them as
            // they are skips aws-config's provider chain and the profile files it reads.
            Some(credentials) => aws_sdk_dynamodb::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(region)
                .credentials_provider(credentials.clone())
                .http_client(http_client)
                .timeout_config(timeouts)
                .retry_config(retry),
            // The provider chain reaches STS (web identity) and the container and instance
            // metadata services with this configuration's client: it must be given one, since
            // ferrodyn-lambda builds the SDK without a default client. DynamoDB gets its own.
            #[cfg(feature = "provider-chain")]
            None => {
                let shared = aws_config::defaults(BehaviorVersion::latest())
                    .region(region)
                    .http_client(crate::tls::https_client())
                    .timeout_config(timeouts)
                    .retry_config(retry)
                    .load()
                    .await;
                aws_sdk_dynamodb::config::Builder::from(&shared).http_client(http_client)
            }
            #[cfg(not(feature = "provider-chain"))]
            None => unreachable!("LambdaConfig::from_vars refuses an environment without a key"),
        };
        let builder = match &config.endpoint {
            Some(endpoint) => builder.endpoint_url(endpoint),
            None => builder,
        };
        Client::from_conf(builder.build())
    }
}
