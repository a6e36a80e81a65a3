//! [`Idempotency`] and its builder: the table and its attribute names, how the key and the
//! validated part are selected, the expiries, the local cache and the clock.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use ferrodyn::limits::{MAX_NAME_BYTES, MAX_PARTITION_KEY_BYTES};
use ferrodyn::Db;
use serde_json::Value;

use crate::cache::Lru;
use crate::key_path::{InvalidKeyPath, KeyPath};
use crate::persistence::{Attributes, Store};

/// How long a record keeps its key taken: Powertools' `expires_after_seconds` default, one hour.
pub const DEFAULT_EXPIRY: Duration = Duration::from_secs(60 * 60);
/// How long an `INPROGRESS` record holds its key when the invocation's deadline is unknown:
/// Lambda's longest timeout, 15 minutes.
pub const DEFAULT_IN_PROGRESS_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// Powertools' `local_cache_max_items` default (the cache itself is off by default).
pub const DEFAULT_LOCAL_CACHE_ITEMS: usize = 256;
/// The function name when neither [`IdempotencyBuilder::function_name`] nor
/// `AWS_LAMBDA_FUNCTION_NAME` gives one, as in Powertools.
pub const DEFAULT_FUNCTION_NAME: &str = "test-func";

type SelectFn = dyn Fn(&Value) -> Option<Value> + Send + Sync;
type ClockFn = dyn Fn() -> SystemTime + Send + Sync;

/// What part of the event a hash is made of.
#[derive(Clone)]
pub(crate) enum Selector {
    Whole,
    Path(KeyPath),
    Closure(Arc<SelectFn>),
}

impl Selector {
    pub(crate) fn select(&self, event: &Value) -> Value {
        match self {
            Selector::Whole => event.clone(),
            Selector::Path(path) => path.select(event),
            Selector::Closure(f) => f(event).unwrap_or(Value::Null),
        }
    }

    pub(crate) fn path(&self) -> Option<String> {
        match self {
            Selector::Path(path) => Some(path.as_str().to_owned()),
            Selector::Whole | Selector::Closure(_) => None,
        }
    }
}

impl fmt::Debug for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Whole => f.write_str("Whole"),
            Selector::Path(path) => f.debug_tuple("Path").field(&path.as_str()).finish(),
            Selector::Closure(_) => f.write_str("Closure"),
        }
    }
}

/// Makes Lambda handlers and single operations idempotent on one DynamoDB table, in Powertools'
/// record layout. Cheap to clone (an `Arc` inside); build one per handler configuration at init.
#[derive(Clone)]
pub struct Idempotency {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) key: Selector,
    pub(crate) validation: Option<Selector>,
    pub(crate) raise_on_missing_key: bool,
    pub(crate) expiry: Duration,
    pub(crate) in_progress_timeout: Duration,
    pub(crate) function_name: String,
    pub(crate) key_prefix: Option<String>,
    pub(crate) cache: Option<Mutex<Lru>>,
    pub(crate) clock: Option<Arc<ClockFn>>,
}

impl fmt::Debug for Idempotency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Idempotency")
            .field("table", &inner.store.table)
            .field("function_name", &inner.function_name)
            .field("key_prefix", &inner.key_prefix)
            .field("key", &inner.key)
            .field("validation", &inner.validation)
            .field("raise_on_missing_key", &inner.raise_on_missing_key)
            .field("expiry", &inner.expiry)
            .field("in_progress_timeout", &inner.in_progress_timeout)
            .field("local_cache", &inner.cache.is_some())
            .finish_non_exhaustive()
    }
}

impl Idempotency {
    /// A builder for records in `table`, which is a logical name: it goes through the handle's
    /// table-name mapping ([`Db::with_table_prefix`], [`Db::with_table_name`]), as models' tables
    /// do.
    pub fn builder(db: &Db, table: &str) -> IdempotencyBuilder {
        IdempotencyBuilder {
            db: db.clone(),
            table: db.table_name(table),
            attributes: Attributes::default(),
            sort_key: None,
            static_partition_value: None,
            key: Ok(Selector::Whole),
            validation: Ok(None),
            raise_on_missing_key: false,
            expiry: DEFAULT_EXPIRY,
            in_progress_timeout: DEFAULT_IN_PROGRESS_TIMEOUT,
            function_name: None,
            key_prefix: None,
            cache_items: 0,
            clock: None,
        }
    }

    /// The record's `<function>.<handler>` (or the key prefix): the part of the id before `#`.
    pub fn record_prefix(&self, handler: &str) -> String {
        match &self.inner.key_prefix {
            Some(prefix) => prefix.clone(),
            None => format!("{}.{handler}", self.inner.function_name),
        }
    }

    /// The physical table name.
    pub fn table(&self) -> &str {
        &self.inner.store.table
    }

    pub(crate) fn now(&self) -> SystemTime {
        match &self.inner.clock {
            Some(clock) => clock(),
            None => SystemTime::now(),
        }
    }
}

/// Why [`IdempotencyBuilder::build`] refused the options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "idempotency configuration: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

impl From<InvalidKeyPath> for ConfigError {
    fn from(e: InvalidKeyPath) -> Self {
        ConfigError(e.to_string())
    }
}

/// Options of an [`Idempotency`]; every one has Powertools' default.
#[must_use]
pub struct IdempotencyBuilder {
    db: Db,
    table: String,
    attributes: Attributes,
    sort_key: Option<String>,
    static_partition_value: Option<String>,
    key: Result<Selector, InvalidKeyPath>,
    validation: Result<Option<Selector>, InvalidKeyPath>,
    raise_on_missing_key: bool,
    expiry: Duration,
    in_progress_timeout: Duration,
    function_name: Option<String>,
    key_prefix: Option<String>,
    cache_items: usize,
    clock: Option<Arc<ClockFn>>,
}

impl fmt::Debug for IdempotencyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdempotencyBuilder").field("table", &self.table).finish_non_exhaustive()
    }
}

macro_rules! attribute_setters {
    ($($(#[$doc:meta])* $name:ident => $field:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(mut self, name: impl Into<String>) -> Self {
            self.attributes.$field = name.into();
            self
        }
    )*};
}

impl IdempotencyBuilder {
    /// The key is what `path` selects in the event's JSON (Powertools' `event_key_jmespath`);
    /// see [`KeyPath`] for the syntax. Without it the whole event is the key. An invalid path
    /// makes [`build`](Self::build) fail.
    pub fn event_key_path(mut self, path: &str) -> Self {
        self.key = KeyPath::parse(path).map(Selector::Path);
        self
    }

    /// The key is what `select` returns for the event's JSON (`None`: no key).
    pub fn event_key(
        mut self,
        select: impl Fn(&Value) -> Option<Value> + Send + Sync + 'static,
    ) -> Self {
        self.key = Ok(Selector::Closure(Arc::new(select)));
        self
    }

    /// Turns payload validation on: the record keeps the hash of what `path` selects, and a later
    /// event with the same key but another hash fails with
    /// [`IdempotencyError::Validation`](crate::IdempotencyError::Validation) instead of getting
    /// the stored response (Powertools' `payload_validation_jmespath`).
    pub fn payload_validation_path(mut self, path: &str) -> Self {
        self.validation = KeyPath::parse(path).map(|p| Some(Selector::Path(p)));
        self
    }

    /// Payload validation on what `select` returns for the event's JSON.
    pub fn payload_validation(
        mut self,
        select: impl Fn(&Value) -> Option<Value> + Send + Sync + 'static,
    ) -> Self {
        self.validation = Ok(Some(Selector::Closure(Arc::new(select))));
        self
    }

    /// With `true`, an event whose key selects nothing (null, `""`, `{}`, `[]`, all nulls) fails
    /// with [`IdempotencyError::MissingKey`](crate::IdempotencyError::MissingKey); with `false`
    /// (the default) the handler runs without idempotency and a warning is logged.
    pub fn raise_on_no_idempotency_key(mut self, raise: bool) -> Self {
        self.raise_on_missing_key = raise;
        self
    }

    /// How long a record keeps its key, from the invocation's start and again from its
    /// completion (whole seconds; default one hour). Also the table's TTL attribute's value.
    pub fn expires_after(mut self, expiry: Duration) -> Self {
        self.expiry = expiry;
        self
    }

    /// How long an `INPROGRESS` record holds its key when no deadline is known (default 15
    /// minutes). With a deadline, the record holds it until the deadline.
    pub fn in_progress_timeout(mut self, timeout: Duration) -> Self {
        self.in_progress_timeout = timeout;
        self
    }

    /// Keeps up to `capacity` completed records in memory (least recently used out first), so a
    /// repeated key in the same execution environment is answered without a request; 0 (the
    /// default) turns the cache off. Powertools' `use_local_cache` with `local_cache_max_items`
    /// ([`DEFAULT_LOCAL_CACHE_ITEMS`] is its default).
    pub fn local_cache(mut self, capacity: usize) -> Self {
        self.cache_items = capacity;
        self
    }

    /// The function part of record ids (default `AWS_LAMBDA_FUNCTION_NAME`, or
    /// [`DEFAULT_FUNCTION_NAME`]).
    pub fn function_name(mut self, name: impl Into<String>) -> Self {
        self.function_name = Some(name.into());
        self
    }

    /// Replaces `<function>.<handler>` in record ids with `prefix`: records that survive a
    /// rename, or that two functions share.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = Some(prefix.into());
        self
    }

    /// Composite-key mode: the partition key holds a static value (see
    /// [`static_partition_value`](Self::static_partition_value)) and the record id goes into
    /// this sort key attribute.
    pub fn sort_key_attr(mut self, name: impl Into<String>) -> Self {
        self.sort_key = Some(name.into());
        self
    }

    /// The partition key value in composite-key mode (default `idempotency#<function name>`).
    pub fn static_partition_value(mut self, value: impl Into<String>) -> Self {
        self.static_partition_value = Some(value.into());
        self
    }

    attribute_setters! {
        /// The partition key attribute (default `id`).
        key_attr => key;
        /// The expiry attribute, epoch seconds (default `expiration`).
        expiry_attr => expiry;
        /// The in-progress expiry attribute, epoch milliseconds (default `in_progress_expiration`).
        in_progress_expiry_attr => in_progress_expiry;
        /// The status attribute (default `status`).
        status_attr => status;
        /// The stored response attribute (default `data`).
        data_attr => data;
        /// The validation hash attribute (default `validation`).
        validation_attr => validation;
    }

    /// The clock records are stamped and judged by (default the system clock). For tests: a
    /// clock moved forward expires records without waiting.
    pub fn clock(mut self, now: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(now));
        self
    }

    /// The configured [`Idempotency`].
    ///
    /// # Errors
    /// An invalid key or validation path, an empty or repeated attribute name, a sort key named
    /// like the partition key.
    pub fn build(self) -> Result<Idempotency, ConfigError> {
        let key = self.key?;
        let validation = self.validation?;
        let env_name = std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok().filter(|s| !s.is_empty());
        let static_partition_value = self.static_partition_value.unwrap_or_else(|| {
            let name = self.function_name.clone().or_else(|| env_name.clone());
            format!("idempotency#{}", name.unwrap_or_default())
        });
        let function_name =
            self.function_name.or(env_name).unwrap_or_else(|| DEFAULT_FUNCTION_NAME.to_owned());
        let a = &self.attributes;
        let mut names = vec![&a.key, &a.expiry, &a.in_progress_expiry, &a.status, &a.data];
        names.push(&a.validation);
        names.extend(self.sort_key.as_ref());
        if let Some(empty) = names.iter().position(|n| n.is_empty()) {
            return Err(ConfigError(format!("attribute name {} is empty", empty + 1)));
        }
        if let Some(long) = names.iter().find(|n| n.len() > MAX_NAME_BYTES) {
            return Err(ConfigError(format!(
                "attribute name of {} bytes, over DynamoDB's {MAX_NAME_BYTES} for a name in an expression",
                long.len()
            )));
        }
        if static_partition_value.len() > MAX_PARTITION_KEY_BYTES {
            return Err(ConfigError(format!(
                "the static partition value is over DynamoDB's {MAX_PARTITION_KEY_BYTES} bytes"
            )));
        }
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                return Err(ConfigError(format!("attribute `{name}` is named twice")));
            }
        }
        let cache = (self.cache_items > 0).then(|| Mutex::new(Lru::new(self.cache_items)));
        let store = Store {
            client: self.db.client().clone(),
            table: self.table,
            attributes: self.attributes,
            sort_key: self.sort_key,
            static_partition_value,
        };
        Ok(Idempotency {
            inner: Arc::new(Inner {
                store,
                key,
                validation,
                raise_on_missing_key: self.raise_on_missing_key,
                expiry: self.expiry,
                in_progress_timeout: self.in_progress_timeout,
                function_name,
                key_prefix: self.key_prefix,
                cache,
                clock: self.clock,
            }),
        })
    }
}
