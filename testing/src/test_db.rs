//! The ferrodyn harness (feature `db`): each [`TestDb`] has its own table prefix, so every test
//! gets its own tables and tests run in parallel; it counts the requests it sends, so a test can
//! prove that invalid input never reached DynamoDB. Its client is the SDK's default HTTPS client,
//! pointed at [`shared_endpoint`](crate::shared_endpoint) with DynamoDB Local's credentials.

use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aws_sdk_dynamodb::config::{
    BehaviorVersion, Credentials, Intercept, Region, RuntimeComponents,
};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_types::config_bag::ConfigBag;

use ferrodyn::Db;

use crate::Error;

/// A [`Db`] on DynamoDB Local with a table prefix of its own and a request counter.
#[derive(Debug, Clone)]
pub struct TestDb {
    db: Db,
    requests: Arc<AtomicUsize>,
    prefix: String,
}

#[derive(Debug)]
struct CountRequests(Arc<AtomicUsize>);

impl Intercept for CountRequests {
    fn name(&self) -> &'static str {
        "ferrodyn_testing::CountRequests"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

impl TestDb {
    /// Connects to DynamoDB Local (starting it if needed) with a fresh table prefix.
    ///
    /// # Errors
    /// DynamoDB Local could not be installed or started.
    pub async fn new() -> Result<Self, Error> {
        let endpoint = crate::shared_endpoint()?;
        let requests = Arc::new(AtomicUsize::new(0));
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new(
                "local",
                "local",
                None,
                None,
                "ferrodyn-testing",
            ))
            .endpoint_url(endpoint)
            .interceptor(CountRequests(requests.clone()))
            .build();
        let prefix = unique_prefix();
        let db = Db::from_client(aws_sdk_dynamodb::Client::from_conf(config))
            .with_table_prefix(prefix.clone());
        Ok(TestDb { db, requests, prefix })
    }

    /// The number of requests sent so far (each retry counts).
    pub fn requests_sent(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// This harness's table prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The underlying [`Db`].
    pub fn db(&self) -> &Db {
        &self.db
    }
}

impl Deref for TestDb {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.db
    }
}

/// `t<pid>x<counter>x<nanos>-`: unique across parallel tests and test processes.
fn unique_prefix() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("t{}x{n}x{nanos}-", std::process::id())
}
