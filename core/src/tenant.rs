//! Tenants: many tenants in one table, each tenant's items under partition keys that begin with
//! its prefix (`TENANT#acme#CUSTOMER#c1`), the [`TenantFormat`] that writes and reads that
//! prefix, and the task-local [`scope`] in which a plain [`Db`] acts for one tenant.
//!
//! A tenant handle ([`Db::tenant`], or any `Db` inside [`scope`]) prefixes every partition key it
//! renders — the table's and every global secondary index's, in keys, items, index keys an update
//! rewrites, and query key conditions — and refuses, before any request, a key or item whose
//! partition key already carries another tenant's prefix, and every scan (a scan reads every
//! tenant's partitions; it is refused, not filtered). A key already carrying the handle's own
//! prefix is used as it is. The fields a key is rendered from are stored in their own
//! attributes, so reads decode to the model unchanged; a model whose partition key is a field
//! itself (`pk = "id"`, or an index `pk` naming a field) would store the prefix in the field, and
//! is refused under a tenant, as is a number or binary partition key. [`Db::client`] and a plain
//! `Db` outside a scope are not confined.

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, ErrorKind, Result};
use crate::model::{ModelMeta, ScalarType};
use crate::value::Item;
use crate::Db;

/// The longest tenant id, in bytes.
pub const MAX_TENANT_ID_BYTES: usize = 64;

tokio::task_local! {
    static SCOPE: Arc<str>;
}

/// Checks a tenant id: 1 to [`MAX_TENANT_ID_BYTES`] ASCII letters, digits, `-`, `_` and `.`.
///
/// The set leaves out `#` (the default separator), `*` and `?` (wildcards of the IAM
/// `dynamodb:LeadingKeys` patterns a tenant's policy matches keys with) and `$` (IAM policy
/// variables), so that a tenant id can neither end its prefix early nor widen a policy.
///
/// ```
/// assert!(ferrodyn::tenant::check_tenant_id("acme-01").is_ok());
/// assert!(ferrodyn::tenant::check_tenant_id("ac#me").is_err());
/// ```
///
/// # Errors
/// [`ErrorKind::Validation`] saying which rule the id breaks (the id itself is not repeated).
pub fn check_tenant_id(id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::validation("a tenant id cannot be empty"));
    }
    if id.len() > MAX_TENANT_ID_BYTES {
        return Err(Error::validation(format!(
            "a tenant id is {} bytes, over the {MAX_TENANT_ID_BYTES}-byte limit",
            id.len()
        )));
    }
    if !id.bytes().all(is_id_byte) {
        return Err(Error::validation(
            "a tenant id may hold only ASCII letters, digits, `-`, `_` and `.`",
        ));
    }
    Ok(())
}

fn is_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

/// How a tenant's partition key prefix is written: `<marker><tenant id><separator>`, by default
/// `TENANT#<tenant id>#`. The one definition that tenant handles write with and stream consumers
/// read with ([`parse`](Self::parse)).
///
/// ```
/// use ferrodyn::tenant::TenantFormat;
///
/// let format = TenantFormat::default();
/// assert_eq!(format.prefix("acme"), "TENANT#acme#");
/// assert_eq!(format.parse("TENANT#acme#CUSTOMER#c1"), Some("acme"));
/// assert_eq!(format.split("TENANT#acme#CUSTOMER#c1"), Some(("acme", "CUSTOMER#c1")));
/// assert_eq!(format.parse("CUSTOMER#c1"), None);
///
/// let custom = TenantFormat::new("T|", "|").unwrap();
/// assert_eq!(custom.prefix("acme"), "T|acme|");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantFormat {
    marker: Cow<'static, str>,
    separator: Cow<'static, str>,
}

impl TenantFormat {
    /// `TENANT#<tenant id>#`.
    pub const DEFAULT: TenantFormat =
        TenantFormat { marker: Cow::Borrowed("TENANT#"), separator: Cow::Borrowed("#") };

    /// A format writing `<marker><tenant id><separator>`.
    ///
    /// # Errors
    /// [`ErrorKind::Validation`] when the marker or separator is empty, when the separator starts
    /// with a character a tenant id may hold (the prefix could not be read back), or when either
    /// holds `*`, `?` or `$`, which IAM's `dynamodb:LeadingKeys` patterns would read as wildcards
    /// or variables.
    pub fn new(
        marker: impl Into<Cow<'static, str>>,
        separator: impl Into<Cow<'static, str>>,
    ) -> Result<Self> {
        let (marker, separator) = (marker.into(), separator.into());
        if marker.is_empty() || separator.is_empty() {
            return Err(Error::validation("a tenant format needs a marker and a separator"));
        }
        if separator.bytes().next().is_some_and(is_id_byte) {
            return Err(Error::validation(
                "a tenant format's separator must start with a character no tenant id holds \
                 (not an ASCII letter, digit, `-`, `_` or `.`)",
            ));
        }
        if marker.contains(['*', '?', '$']) || separator.contains(['*', '?', '$']) {
            return Err(Error::validation(
                "a tenant format cannot hold `*`, `?` or `$` (IAM pattern characters)",
            ));
        }
        Ok(TenantFormat { marker, separator })
    }

    /// The text every tenant's prefix starts with (`TENANT#`).
    pub fn marker(&self) -> &str {
        &self.marker
    }

    /// The text that ends a tenant's prefix (`#`).
    pub fn separator(&self) -> &str {
        &self.separator
    }

    /// The prefix of `tenant`'s partition keys (`TENANT#acme#`). The id is not checked here; a
    /// tenant handle checks it when it is made.
    pub fn prefix(&self, tenant: &str) -> String {
        let mut out =
            String::with_capacity(self.marker.len() + tenant.len() + self.separator.len());
        out.push_str(&self.marker);
        out.push_str(tenant);
        out.push_str(&self.separator);
        out
    }

    /// The tenant id and the rest of a partition key value that starts with a well-formed
    /// prefix; `None` otherwise.
    pub fn split<'a>(&self, value: &'a str) -> Option<(&'a str, &'a str)> {
        let rest = value.strip_prefix(&*self.marker)?;
        let end = rest.find(&*self.separator)?;
        let tenant = &rest[..end];
        check_tenant_id(tenant).ok()?;
        Some((tenant, &rest[end + self.separator.len()..]))
    }

    /// The tenant id of a partition key value (`TENANT#acme#CUSTOMER#c1` → `acme`), `None` when
    /// the value starts with no well-formed prefix.
    pub fn parse<'a>(&self, value: &'a str) -> Option<&'a str> {
        self.split(value).map(|(tenant, _)| tenant)
    }
}

impl Default for TenantFormat {
    fn default() -> Self {
        TenantFormat::DEFAULT
    }
}

/// Runs `future` with `tenant` as the task's tenant: inside it every plain [`Db`] acts as
/// `db.tenant(tenant)`, so that a whole handler is confined to one tenant. A tenant handle of
/// another tenant is refused inside the scope ([`ErrorKind::TenantViolation`], before any
/// request), as is a scope of another tenant inside this one; the same tenant is fine.
///
/// The scope is tokio's task-local: it covers what `future` awaits (`join`, `try_join_all`), not
/// tasks spawned from it (`tokio::spawn`), which start outside any scope.
///
/// ```no_run
/// # async fn run(db: ferrodyn::Db) -> ferrodyn::Result<()> {
/// let answer = ferrodyn::tenant::scope("acme", async {
///     assert_eq!(ferrodyn::tenant::current().as_deref(), Some("acme"));
///     // db.get(..), db.query(..), … read and write TENANT#acme#… keys only.
///     Ok::<_, ferrodyn::Error>(42)
/// })
/// .await??;
/// # Ok(()) }
/// ```
///
/// # Errors
/// An invalid tenant id ([`check_tenant_id`]), or a scope of another tenant already around
/// this one; `future` is not run then.
pub async fn scope<F: Future>(tenant: &str, future: F) -> Result<F::Output> {
    check_tenant_id(tenant)?;
    if let Some(outer) = current() {
        if outer != tenant {
            return Err(Error::new(
                ErrorKind::TenantViolation,
                format!("a scope of another tenant cannot start inside the scope of `{outer}`"),
            ));
        }
    }
    Ok(SCOPE.scope(Arc::from(tenant), future).await)
}

/// The tenant of the task's [`scope`], if it runs in one.
pub fn current() -> Option<String> {
    SCOPE.try_with(|t| t.to_string()).ok()
}

impl Db {
    /// A handle for tenant `tenant`: every partition key it renders starts with the tenant's
    /// prefix ([`with_tenant_format`](Db::with_tenant_format), `TENANT#<tenant>#` by default),
    /// keys and items of another tenant are refused before sending, and scans are refused (see
    /// [`ferrodyn::tenant`](crate::tenant)).
    ///
    /// ```
    /// # fn run(db: ferrodyn::Db) -> ferrodyn::Result<()> {
    /// let acme = db.tenant("acme")?;
    /// assert_eq!(acme.tenant_id(), Some("acme"));
    /// assert!(db.tenant("no#hash").is_err());
    /// # Ok(()) }
    /// # run(ferrodyn::Db::from_client(aws_sdk_dynamodb::Client::from_conf(
    /// #     aws_sdk_dynamodb::Config::builder()
    /// #         .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest()).build()))).unwrap();
    /// ```
    ///
    /// # Errors
    /// An invalid tenant id ([`check_tenant_id`]).
    pub fn tenant(&self, tenant: &str) -> Result<Db> {
        check_tenant_id(tenant)?;
        let tenant: Arc<str> = Arc::from(tenant);
        Ok(self.map(|inner| inner.tenant = Some(tenant)))
    }

    /// A handle whose tenants' prefixes are written in `format` (for this handle's tenant, the
    /// tenant handles made from it, and the task's [`scope`]).
    #[must_use]
    pub fn with_tenant_format(&self, format: TenantFormat) -> Db {
        self.map(|inner| inner.tenant_format = format)
    }

    /// The tenant of a handle made with [`Db::tenant`] (not the task's [`scope`]).
    pub fn tenant_id(&self) -> Option<&str> {
        self.inner.tenant.as_deref()
    }

    /// How this handle writes tenants' prefixes.
    pub fn tenant_format(&self) -> &TenantFormat {
        &self.inner.tenant_format
    }
}

/// The tenant an operation runs for, resolved from the handle and the task's scope.
#[derive(Debug, Clone)]
pub(crate) struct Active {
    id: Arc<str>,
    format: TenantFormat,
}

/// The tenant `db` acts for now: its own, else the task's scope's.
///
/// # Errors
/// A tenant handle used inside the scope of another tenant.
pub(crate) fn active(db: &Db) -> Result<Option<Active>> {
    let scoped = SCOPE.try_with(Arc::clone).ok();
    let id = match (db.inner.tenant.clone(), scoped) {
        (Some(own), Some(scoped)) if own != scoped => {
            return Err(Error::new(
                ErrorKind::TenantViolation,
                format!(
                    "a handle of tenant `{own}` is used inside the scope of another tenant; \
                     use the scope's tenant, or work across tenants outside any scope"
                ),
            ));
        }
        (Some(id), _) | (None, Some(id)) => id,
        (None, None) => return Ok(None),
    };
    Ok(Some(Active { id, format: db.inner.tenant_format.clone() }))
}

/// Confines `item` (a key or a whole item of `meta`) to the tenant `db` acts for, if any, and
/// returns that tenant.
pub(crate) fn apply(db: &Db, meta: &ModelMeta, item: &mut Item) -> Result<Option<Active>> {
    let Some(tenant) = active(db)? else { return Ok(None) };
    tenant.apply(meta, item)?;
    Ok(Some(tenant))
}

/// Whether `attribute` is the partition key of `meta`'s table or of one of its indexes.
pub(crate) fn is_partition_attribute(meta: &ModelMeta, attribute: &str) -> bool {
    meta.partition_key.attribute == attribute
        || meta.indexes.iter().any(|i| i.partition_key.attribute == attribute)
}

impl Active {
    /// The tenant id.
    pub(crate) fn id(&self) -> &Arc<str> {
        &self.id
    }

    /// Refuses models whose partition keys cannot carry a prefix.
    pub(crate) fn check_model(&self, meta: &ModelMeta) -> Result<()> {
        let keys = std::iter::once((&meta.partition_key, None))
            .chain(meta.indexes.iter().map(|i| (&i.partition_key, Some(i.name))));
        for (key, index) in keys {
            let which = match index {
                Some(name) => format!("the partition key `{}` of index `{name}`", key.attribute),
                None => format!("its partition key `{}`", key.attribute),
            };
            if key.is_direct() {
                return Err(Error::validation(format!(
                    "{} cannot be used through a tenant handle: {which} is the field itself, \
                     which would store the tenant prefix in the field; give the key a template \
                     such as `KIND#{{field}}`",
                    meta.type_name
                )));
            }
            if key.scalar != ScalarType::S {
                return Err(Error::validation(format!(
                    "{} cannot be used through a tenant handle: {which} is not a string, so it \
                     cannot carry the tenant prefix",
                    meta.type_name
                )));
            }
        }
        Ok(())
    }

    /// Prefixes every partition key attribute (the table's and the indexes') present in `item`.
    pub(crate) fn apply(&self, meta: &ModelMeta, item: &mut Item) -> Result<()> {
        self.check_model(meta)?;
        let attributes = std::iter::once(meta.partition_key.attribute)
            .chain(meta.indexes.iter().map(|i| i.partition_key.attribute));
        for attribute in attributes {
            if let Some(value) = item.get_mut(attribute) {
                self.render(attribute, value)?;
            }
        }
        Ok(())
    }

    /// Prefixes one partition key value, leaves one already in this tenant as it is, and refuses
    /// one that carries the marker of a prefix but not this tenant's.
    pub(crate) fn render(&self, attribute: &str, value: &mut AttributeValue) -> Result<()> {
        let AttributeValue::S(text) = value else {
            return Err(Error::validation(format!(
                "partition key attribute `{attribute}` must be a string to carry a tenant prefix"
            )));
        };
        // An empty value stays empty, for the key checks to name it.
        if text.is_empty() {
            return Ok(());
        }
        if text.starts_with(self.format.marker()) {
            return match self.format.parse(text) {
                Some(tenant) if tenant == &*self.id => Ok(()),
                _ => Err(Error::new(
                    ErrorKind::TenantViolation,
                    format!(
                        "partition key attribute `{attribute}` is outside tenant `{}`: it carries \
                         another tenant's prefix",
                        self.id
                    ),
                )),
            };
        }
        let mut prefixed = self.format.prefix(&self.id);
        prefixed.push_str(text);
        *text = prefixed;
        Ok(())
    }

    /// The error for a scan through a tenant handle.
    pub(crate) fn scan_refused(&self) -> Error {
        Error::new(
            ErrorKind::TenantViolation,
            format!(
                "a scan reads every tenant's items and is refused through the handle of tenant \
                 `{}`; query a partition instead",
                self.id
            ),
        )
    }
}

/// Refuses a write prepared for tenant `prepared` (`None`: for none) inside a transaction of
/// tenant `transaction`; a transaction of no tenant takes actions of any.
pub(crate) fn check_same(transaction: Option<&Active>, prepared: Option<&Arc<str>>) -> Result<()> {
    let Some(transaction) = transaction else { return Ok(()) };
    if prepared == Some(&transaction.id) {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::TenantViolation,
        format!(
            "the action was built through a handle {} and cannot join a transaction of tenant `{}`",
            if prepared.is_some() { "of another tenant" } else { "of no tenant" },
            transaction.id
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids_follow_the_rules() {
        for ok in ["a", "acme", "ACME-01", "a_b.c", &"x".repeat(MAX_TENANT_ID_BYTES)] {
            assert!(check_tenant_id(ok).is_ok(), "{ok}");
        }
        let long = "x".repeat(MAX_TENANT_ID_BYTES + 1);
        for bad in ["", "a#b", "a*", "a?", "${x}", "a b", "é", "a/b", &long] {
            let err = check_tenant_id(bad).unwrap_err();
            assert!(err.is_local_validation(), "{bad}: {err}");
        }
    }

    #[test]
    fn formats_write_and_read_the_same_prefix() {
        let format = TenantFormat::default();
        assert_eq!(format.split("TENANT#a.b-c#X#1"), Some(("a.b-c", "X#1")));
        assert_eq!(format.split("TENANT#a#"), Some(("a", "")));
        assert_eq!(format.parse("TENANT##X"), None);
        assert_eq!(format.parse("TENANT#a"), None);
        assert_eq!(format.parse("TENANT#a b#X"), None);
        assert_eq!(format.parse("tenant#a#X"), None);
        let custom = TenantFormat::new("org:", "/").unwrap();
        assert_eq!(custom.parse(&format!("{}rest", custom.prefix("acme"))), Some("acme"));
        assert!(TenantFormat::new("", "#").is_err());
        assert!(TenantFormat::new("T", "").is_err());
        assert!(TenantFormat::new("T", "-").is_err());
        assert!(TenantFormat::new("T*", "#").is_err());
        assert!(TenantFormat::new("T", "#$").is_err());
    }

    #[test]
    fn values_are_prefixed_kept_or_refused() {
        let acme = Active { id: Arc::from("acme"), format: TenantFormat::default() };
        let mut value = AttributeValue::S("CUSTOMER#1".into());
        acme.render("pk", &mut value).unwrap();
        assert_eq!(value, AttributeValue::S("TENANT#acme#CUSTOMER#1".into()));
        // Its own prefix is kept, not doubled.
        acme.render("pk", &mut value).unwrap();
        assert_eq!(value, AttributeValue::S("TENANT#acme#CUSTOMER#1".into()));
        for foreign in ["TENANT#globex#CUSTOMER#1", "TENANT#", "TENANT#acme"] {
            let mut value = AttributeValue::S(foreign.into());
            let err = acme.render("pk", &mut value).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::TenantViolation, "{foreign}");
            assert!(!err.to_string().contains("globex"), "{err}");
        }
        let mut number = AttributeValue::N("1".into());
        assert!(acme.render("pk", &mut number).unwrap_err().is_local_validation());
    }
}
