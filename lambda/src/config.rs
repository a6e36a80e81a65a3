//! The configuration read from the Lambda environment, parsed by a pure function over a map of
//! variables ([`LambdaConfig::from_vars`]) so that every rule is testable without touching the
//! process environment. It owns the variables' precedence and validation; the names are in
//! `config/names.rs`, the snapshot of an environment in `config/vars.rs` and the checks several
//! variables share (table names, switches) in `config/checks.rs`.

mod checks;
mod names;
mod vars;

use std::time::Duration;

use aws_sdk_dynamodb::config::Credentials;

use crate::error::{Error, Result};
use checks::{check_table_chars, check_table_name, parse_bool};
pub use names::*;
pub(crate) use vars::Vars;

/// What the Lambda environment says about the DynamoDB client and the tables.
///
/// | variable | meaning |
/// |---|---|
/// | `AWS_REGION`, then `AWS_DEFAULT_REGION` | the region (required) |
/// | `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` | static credentials, used without aws-config's provider chain; when neither key is set, the default chain is used with the `provider-chain` feature, and without it `init` fails naming `AWS_ACCESS_KEY_ID` |
/// | `AWS_ENDPOINT_URL_DYNAMODB`, then `AWS_ENDPOINT_URL` | the endpoint (an `http://` or `https://` URL) |
/// | `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` | `true`: ignore both endpoint variables |
/// | `AWS_MAX_ATTEMPTS` | attempts per request, the first included (default 3) |
/// | `FERRODYN_TABLE_PREFIX` | prefix for every model table that no mapping names |
/// | `FERRODYN_TABLES` | `shop=prod-shop,audit=prod-audit`: model table → physical table |
/// | `TABLE_NAME` | the physical table of a single-table application |
/// | `FERRODYN_PREWARM` | `false` (or `0`, `no`, `off`) turns the connection prewarm off |
/// | `FERRODYN_PREWARM_TIMEOUT_MS` | the prewarm's time limit |
/// | `AWS_LAMBDA_INITIALIZATION_TYPE` | set by Lambda; `provisioned-concurrency` turns the prewarm on by default |
#[derive(Debug, Clone)]
pub struct LambdaConfig {
    pub(crate) region: String,
    /// `Credentials`' `Debug` redacts the secret key and the session token.
    pub(crate) credentials: Option<Credentials>,
    pub(crate) endpoint: Option<String>,
    pub(crate) max_attempts: Option<u32>,
    pub(crate) table_prefix: Option<String>,
    pub(crate) tables: Vec<(String, String)>,
    pub(crate) table_name: Option<String>,
    pub(crate) prewarm: Option<bool>,
    pub(crate) prewarm_timeout: Option<Duration>,
    pub(crate) provisioned: bool,
}

impl LambdaConfig {
    /// Parses a map of variables, such as `[("AWS_REGION", "eu-west-1")]` or a `HashMap`.
    /// Variables that ferrodyn-lambda does not read are ignored.
    ///
    /// # Errors
    /// A variable is missing (no region; a key without its secret) or malformed; the error names
    /// the variable, never its value.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        LambdaConfig::parse(&Vars::from_pairs(vars))
    }

    /// Parses the process environment.
    ///
    /// # Errors
    /// As [`from_vars`](Self::from_vars); a value that is not Unicode is invalid too.
    pub fn from_env() -> Result<Self> {
        LambdaConfig::parse(&Vars::from_process())
    }

    pub(crate) fn parse(vars: &Vars) -> Result<Self> {
        Ok(LambdaConfig {
            region: region(vars)?,
            credentials: credentials(vars)?,
            endpoint: endpoint(vars)?,
            max_attempts: vars
                .get(MAX_ATTEMPTS)?
                .map(|v| {
                    v.parse::<u32>()
                        .ok()
                        .filter(|&n| n >= 1)
                        .ok_or_else(|| Error::invalid(MAX_ATTEMPTS, "expected a whole number ≥ 1"))
                })
                .transpose()?,
            table_prefix: vars
                .get(TABLE_PREFIX)?
                .map(|v| {
                    check_table_chars(v, TABLE_PREFIX, "the prefix")?;
                    Ok(v.to_owned())
                })
                .transpose()?,
            tables: tables(vars)?,
            table_name: vars
                .get(TABLE_NAME)?
                .map(|v| {
                    check_table_name(v, TABLE_NAME, "the table name")?;
                    Ok(v.to_owned())
                })
                .transpose()?,
            prewarm: vars.get(PREWARM)?.map(|v| parse_bool(v, PREWARM)).transpose()?,
            prewarm_timeout: vars
                .get(PREWARM_TIMEOUT_MS)?
                .map(|v| {
                    v.parse::<u64>()
                        .ok()
                        .filter(|&ms| ms >= 1)
                        .map(Duration::from_millis)
                        .ok_or_else(|| {
                            Error::invalid(PREWARM_TIMEOUT_MS, "expected milliseconds ≥ 1")
                        })
                })
                .transpose()?,
            provisioned: vars.get(INITIALIZATION_TYPE)? == Some("provisioned-concurrency"),
        })
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Whether static credentials came from the variables (otherwise the default provider
    /// chain is used).
    pub fn has_static_credentials(&self) -> bool {
        self.credentials.is_some()
    }

    /// The endpoint URL, when one is configured.
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// Attempts per request from `AWS_MAX_ATTEMPTS`.
    pub fn max_attempts(&self) -> Option<u32> {
        self.max_attempts
    }

    /// The table prefix from `FERRODYN_TABLE_PREFIX`.
    pub fn table_prefix(&self) -> Option<&str> {
        self.table_prefix.as_deref()
    }

    /// The `(logical, physical)` pairs of `FERRODYN_TABLES`, in order.
    pub fn tables(&self) -> &[(String, String)] {
        &self.tables
    }

    /// `TABLE_NAME`.
    pub fn table_name(&self) -> Option<&str> {
        self.table_name.as_deref()
    }

    /// `FERRODYN_PREWARM`, when set.
    pub fn prewarm(&self) -> Option<bool> {
        self.prewarm
    }

    /// `FERRODYN_PREWARM_TIMEOUT_MS`, when set.
    pub fn prewarm_timeout(&self) -> Option<Duration> {
        self.prewarm_timeout
    }

    /// Whether Lambda started this environment ahead of its invocations
    /// (`AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency`), so that work done during init
    /// is off every invocation's path.
    pub fn is_provisioned(&self) -> bool {
        self.provisioned
    }
}

fn region(vars: &Vars) -> Result<String> {
    let Some((name, value)) = vars.first(&[REGION, DEFAULT_REGION])? else {
        return Err(Error::missing(REGION, "no region: set AWS_REGION or AWS_DEFAULT_REGION"));
    };
    if !value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(Error::invalid(name, "a region name has only letters, digits and '-'"));
    }
    Ok(value.to_owned())
}

fn credentials(vars: &Vars) -> Result<Option<Credentials>> {
    let key = vars.get(ACCESS_KEY_ID)?;
    let secret = vars.get(SECRET_ACCESS_KEY)?;
    let token = vars.get(SESSION_TOKEN)?;
    match (key, secret) {
        (Some(key), Some(secret)) => Ok(Some(Credentials::new(
            key,
            secret,
            token.map(str::to_owned),
            None,
            "ferrodyn-lambda-environment",
        ))),
        (Some(_), None) => {
            Err(Error::missing(SECRET_ACCESS_KEY, "AWS_ACCESS_KEY_ID is set without it"))
        }
        (None, Some(_)) => {
            Err(Error::missing(ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY is set without it"))
        }
        (None, None) if token.is_some() => {
            Err(Error::missing(ACCESS_KEY_ID, "AWS_SESSION_TOKEN is set without a key"))
        }
        (None, None) if cfg!(feature = "provider-chain") => Ok(None),
        (None, None) => Err(Error::missing(
            ACCESS_KEY_ID,
            "no credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), which \
             Lambda always sets; elsewhere, set them or enable ferrodyn-lambda's `provider-chain` \
             feature for profiles, SSO and the metadata services",
        )),
    }
}

fn endpoint(vars: &Vars) -> Result<Option<String>> {
    if let Some(ignore) = vars.get(IGNORE_CONFIGURED_ENDPOINT_URLS)? {
        if parse_bool(ignore, IGNORE_CONFIGURED_ENDPOINT_URLS)? {
            return Ok(None);
        }
    }
    let Some((name, value)) = vars.first(&[ENDPOINT_URL_DYNAMODB, ENDPOINT_URL])? else {
        return Ok(None);
    };
    let uri: http::Uri =
        value.parse().map_err(|_| Error::invalid(name, "not a URL (expected http(s)://host)"))?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    let host_ok = uri.host().is_some_and(|host| !host.is_empty());
    if !scheme_ok || !host_ok {
        return Err(Error::invalid(name, "expected an http:// or https:// URL with a host"));
    }
    Ok(Some(value.to_owned()))
}

fn tables(vars: &Vars) -> Result<Vec<(String, String)>> {
    let Some(value) = vars.get(TABLES)? else { return Ok(Vec::new()) };
    let mut tables = Vec::new();
    for (i, entry) in value.split(',').map(str::trim).enumerate() {
        if entry.is_empty() {
            continue;
        }
        let Some((logical, physical)) = entry.split_once('=') else {
            return Err(Error::invalid(
                TABLES,
                format!("entry {} is not `logical=physical`", i + 1),
            ));
        };
        let (logical, physical) = (logical.trim(), physical.trim());
        let what = format!("entry {}", i + 1);
        check_table_name(logical, TABLES, &what)?;
        check_table_name(physical, TABLES, &what)?;
        tables.push((logical.to_owned(), physical.to_owned()));
    }
    Ok(tables)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    const BASE: [(&str, &str); 1] = [(REGION, "eu-west-1")];

    /// The configuration from `vars`, with the keys Lambda always sets added unless `vars` has a
    /// credential variable of its own.
    fn parse(vars: &[(&str, &str)]) -> Result<LambdaConfig> {
        const KEYS: [(&str, &str); 2] =
            [(ACCESS_KEY_ID, "AKIDEXAMPLE"), (SECRET_ACCESS_KEY, "s3cr3t")];
        let own = vars
            .iter()
            .any(|(name, _)| [ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN].contains(name));
        let keys = if own { &[][..] } else { &KEYS[..] };
        LambdaConfig::from_vars(keys.iter().chain(vars).copied())
    }

    fn parse_with(extra: &[(&str, &str)]) -> Result<LambdaConfig> {
        parse(&BASE.iter().chain(extra).copied().collect::<Vec<_>>())
    }

    fn error(vars: &[(&str, &str)]) -> Error {
        parse(vars).expect_err("an error")
    }

    #[test]
    fn minimal_configuration() {
        let config = parse(&BASE).unwrap();
        assert_eq!(config.region(), "eu-west-1");
        assert!(config.has_static_credentials());
        assert_eq!(config.endpoint(), None);
        assert_eq!(config.max_attempts(), None);
        assert_eq!(config.table_prefix(), None);
        assert!(config.tables().is_empty());
        assert_eq!(config.table_name(), None);
        assert_eq!(config.prewarm(), None);
        assert_eq!(config.prewarm_timeout(), None);
    }

    #[test]
    fn without_keys_the_provider_chain_is_used_only_when_built_in() {
        let config = LambdaConfig::from_vars(BASE);
        if cfg!(feature = "provider-chain") {
            assert!(!config.unwrap().has_static_credentials());
        } else {
            let error = config.unwrap_err();
            assert_eq!(error.variable(), ACCESS_KEY_ID);
            assert!(error.to_string().contains("provider-chain"), "{error}");
        }
    }

    #[test]
    fn region_falls_back_to_aws_default_region() {
        assert_eq!(parse(&[(DEFAULT_REGION, "us-west-2")]).unwrap().region(), "us-west-2");
        let both = parse(&[(DEFAULT_REGION, "us-west-2"), (REGION, "eu-north-1")]).unwrap();
        assert_eq!(both.region(), "eu-north-1");
        // Empty counts as unset.
        assert_eq!(
            parse(&[(REGION, ""), (DEFAULT_REGION, "us-west-2")]).unwrap().region(),
            "us-west-2"
        );
    }

    #[test]
    fn missing_region_is_an_error_naming_aws_region() {
        let err = error(&[]);
        assert_eq!(err.kind(), ErrorKind::MissingVariable);
        assert_eq!(err.variable(), REGION);
        assert!(err.to_string().contains("AWS_DEFAULT_REGION"), "{err}");
    }

    #[test]
    fn malformed_region_names_the_variable_it_came_from() {
        let err = error(&[(DEFAULT_REGION, "eu west 1")]);
        assert!(err.is_invalid());
        assert_eq!(err.variable(), DEFAULT_REGION);
        assert!(!err.to_string().contains("eu west 1"), "{err}");
    }

    #[test]
    fn static_credentials_with_and_without_a_session_token() {
        let config =
            parse_with(&[(ACCESS_KEY_ID, "AKIDEXAMPLE"), (SECRET_ACCESS_KEY, "s3cr3t")]).unwrap();
        let credentials = config.credentials.as_ref().unwrap();
        assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(credentials.secret_access_key(), "s3cr3t");
        assert_eq!(credentials.session_token(), None);

        let config = parse_with(&[
            (ACCESS_KEY_ID, "AKIDEXAMPLE"),
            (SECRET_ACCESS_KEY, "s3cr3t"),
            (SESSION_TOKEN, "t0k3n"),
        ])
        .unwrap();
        assert!(config.has_static_credentials());
        assert_eq!(config.credentials.as_ref().unwrap().session_token(), Some("t0k3n"));
        let debug = format!("{config:?}");
        assert!(!debug.contains("s3cr3t") && !debug.contains("t0k3n"), "{debug}");
    }

    #[test]
    fn half_set_credentials_name_the_missing_variable_never_a_value() {
        let cases: [(&[(&str, &str)], &str); 4] = [
            (&[(ACCESS_KEY_ID, "AKIDEXAMPLE")], SECRET_ACCESS_KEY),
            (&[(SECRET_ACCESS_KEY, "s3cr3t")], ACCESS_KEY_ID),
            (&[(SECRET_ACCESS_KEY, "s3cr3t"), (SESSION_TOKEN, "t0k3n")], ACCESS_KEY_ID),
            (&[(SESSION_TOKEN, "t0k3n")], ACCESS_KEY_ID),
        ];
        for (vars, missing) in cases {
            let err = parse_with(vars).unwrap_err();
            assert!(err.is_missing(), "{err}");
            assert_eq!(err.variable(), missing);
            let shown = format!("{err} {err:?}");
            for secret in ["AKIDEXAMPLE", "s3cr3t", "t0k3n"] {
                assert!(!shown.contains(secret), "{shown}");
            }
        }
    }

    #[test]
    fn endpoint_prefers_the_dynamodb_variable() {
        let config = parse_with(&[(ENDPOINT_URL, "https://proxy.example:8443")]).unwrap();
        assert_eq!(config.endpoint(), Some("https://proxy.example:8443"));
        let config = parse_with(&[
            (ENDPOINT_URL, "https://proxy.example:8443"),
            (ENDPOINT_URL_DYNAMODB, "http://127.0.0.1:8000"),
        ])
        .unwrap();
        assert_eq!(config.endpoint(), Some("http://127.0.0.1:8000"));
    }

    #[test]
    fn malformed_endpoints_are_errors_naming_the_variable() {
        for bad in ["localhost:8000", "ftp://host", "http://", "not a url", "://x"] {
            for variable in [ENDPOINT_URL_DYNAMODB, ENDPOINT_URL] {
                let err = parse_with(&[(variable, bad)]).unwrap_err();
                assert!(err.is_invalid(), "{bad}: {err}");
                assert_eq!(err.variable(), variable, "{bad}");
            }
        }
    }

    #[test]
    fn ignore_configured_endpoint_urls() {
        let vars = [(ENDPOINT_URL_DYNAMODB, "http://127.0.0.1:8000")];
        let on = [vars[0], (IGNORE_CONFIGURED_ENDPOINT_URLS, "true")];
        assert_eq!(parse_with(&on).unwrap().endpoint(), None);
        let off = [vars[0], (IGNORE_CONFIGURED_ENDPOINT_URLS, "false")];
        assert_eq!(parse_with(&off).unwrap().endpoint(), Some("http://127.0.0.1:8000"));
        let err = parse_with(&[(IGNORE_CONFIGURED_ENDPOINT_URLS, "maybe")]).unwrap_err();
        assert_eq!(err.variable(), IGNORE_CONFIGURED_ENDPOINT_URLS);
    }

    #[test]
    fn max_attempts() {
        assert_eq!(parse_with(&[(MAX_ATTEMPTS, "5")]).unwrap().max_attempts(), Some(5));
        for bad in ["0", "-1", "three", "1.5"] {
            let err = parse_with(&[(MAX_ATTEMPTS, bad)]).unwrap_err();
            assert_eq!((err.kind(), err.variable()), (ErrorKind::InvalidVariable, MAX_ATTEMPTS));
        }
    }

    #[test]
    fn table_prefix() {
        assert_eq!(parse_with(&[(TABLE_PREFIX, "prod-")]).unwrap().table_prefix(), Some("prod-"));
        let err = parse_with(&[(TABLE_PREFIX, "prod/")]).unwrap_err();
        assert_eq!((err.kind(), err.variable()), (ErrorKind::InvalidVariable, TABLE_PREFIX));
    }

    #[test]
    fn tables_are_logical_physical_pairs() {
        let config = parse_with(&[(TABLES, " shop = prod-shop , audit=prod.audit_v2,")]).unwrap();
        assert_eq!(
            config.tables(),
            [("shop".into(), "prod-shop".into()), ("audit".into(), "prod.audit_v2".into())]
        );
        for (bad, entry) in [
            ("shop", "entry 1"),
            ("shop=ok-table,audit", "entry 2"),
            ("shop=x", "entry 1"),
            ("=abc", "entry 1"),
            ("shop=a b c", "entry 1"),
        ] {
            let err = parse_with(&[(TABLES, bad)]).unwrap_err();
            assert_eq!((err.kind(), err.variable()), (ErrorKind::InvalidVariable, TABLES), "{bad}");
            assert!(err.to_string().contains(entry), "{bad}: {err}");
        }
    }

    #[test]
    fn table_name() {
        assert_eq!(
            parse_with(&[(TABLE_NAME, "prod-shop")]).unwrap().table_name(),
            Some("prod-shop")
        );
        let long = "t".repeat(256);
        for bad in ["ab", long.as_str(), "shop!"] {
            let err = parse_with(&[(TABLE_NAME, bad)]).unwrap_err();
            assert_eq!((err.kind(), err.variable()), (ErrorKind::InvalidVariable, TABLE_NAME));
        }
    }

    #[test]
    fn prewarm_switch_and_timeout() {
        for (value, expected) in [
            ("false", false),
            ("0", false),
            ("OFF", false),
            ("no", false),
            ("true", true),
            ("1", true),
            ("On", true),
            ("yes", true),
        ] {
            assert_eq!(
                parse_with(&[(PREWARM, value)]).unwrap().prewarm(),
                Some(expected),
                "{value}"
            );
        }
        let err = parse_with(&[(PREWARM, "sometimes")]).unwrap_err();
        assert_eq!((err.kind(), err.variable()), (ErrorKind::InvalidVariable, PREWARM));

        assert!(!parse_with(&[]).unwrap().is_provisioned());
        for (kind, provisioned) in
            [("provisioned-concurrency", true), ("on-demand", false), ("snap-start", false)]
        {
            let config = parse_with(&[(INITIALIZATION_TYPE, kind)]).unwrap();
            assert_eq!(config.is_provisioned(), provisioned, "{kind}");
        }

        let config = parse_with(&[(PREWARM_TIMEOUT_MS, "750")]).unwrap();
        assert_eq!(config.prewarm_timeout(), Some(Duration::from_millis(750)));
        for bad in ["0", "1s", "-5"] {
            let err = parse_with(&[(PREWARM_TIMEOUT_MS, bad)]).unwrap_err();
            assert_eq!(err.variable(), PREWARM_TIMEOUT_MS, "{bad}");
        }
    }
}
