//! The Query kind of [`Read`]: the items of one partition of a table or of a secondary index, in sort key order, with a typed sort key condition and a direction.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::expression::Placeholders;
use crate::key::Partition;
use crate::limits::MAX_PARTITION_KEY_BYTES;
use crate::model::{KeyMeta, Model, ModelMeta};
use crate::value::{Item, ToAttributeValue};
use crate::{cursor, validate, Db};

use super::sealed::{KeyCondition, Kind, Tenant};
use super::Read;

impl Db {
    /// Reads the items of one partition (Query), of the table or of a secondary index (global or
    /// local) depending on how `partition` was built (`M::partition(..)`,
    /// `M::<index>_partition(..)`). Through an index that does not project all of `M`'s
    /// attributes, read a typed projection ([`Read::project`]); the whole model is refused.
    ///
    /// When `M` declares an entity type, the query filters on it, so that items of other models
    /// sharing the partition are not read as `M` (they still count in `scanned_count`); use
    /// [`Read::entities`] to read them all into an enum.
    pub fn query<M: Model>(&self, partition: Partition<M>) -> super::Query<M> {
        Read::new(self, partition.index(), Query::of(&partition))
    }

    /// A query of the table partition `partition` of the items `meta` describes (relation edges,
    /// which share their end's partition), each turned into a `T` by `decode`.
    pub(crate) fn query_items<T, M: Model>(
        &self,
        meta: &'static ModelMeta,
        partition: Partition<M>,
        decode: super::DecodeFn<T>,
    ) -> super::Query<T> {
        Read::of_meta(self, meta, partition.index(), Query::of(&partition), decode)
    }
}

impl Query {
    /// The query kind of `partition`, without a sort key condition.
    fn of<M: Model>(partition: &Partition<M>) -> Self {
        Query {
            partition_attribute: partition.attribute(),
            partition_value: partition.value().cloned(),
            partition_text: partition.to_string(),
            sort: None,
            descending: false,
        }
    }
}

#[derive(Clone)]
enum SortKey {
    Compare(&'static str, AttributeValue),
    Between(AttributeValue, AttributeValue),
    BeginsWith(AttributeValue),
}

/// The kind of a [`Read`] that is a Query ([`super::Query`]): the partition, the sort key
/// condition and the direction.
pub struct Query {
    partition_attribute: &'static str,
    partition_value: Option<AttributeValue>,
    partition_text: String,
    sort: Option<SortKey>,
    descending: bool,
}

impl std::fmt::Debug for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("Query");
        self.debug(&mut s);
        s.finish()
    }
}

macro_rules! sort_key_comparisons {
    ($($(#[$doc:meta])* $name:ident => $op:literal,)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: impl ToAttributeValue) -> Self {
                self.kind.sort = Some(SortKey::Compare($op, value.to_attribute_value()));
                self
            }
        )*
    };
}

impl<T> Read<T, Query> {
    sort_key_comparisons! {
        /// Sort key `= value`.
        sort_key_eq => "=",
        /// Sort key `< value`.
        sort_key_lt => "<",
        /// Sort key `<= value`.
        sort_key_le => "<=",
        /// Sort key `> value`.
        sort_key_gt => ">",
        /// Sort key `>= value`.
        sort_key_ge => ">=",
    }

    /// Sort key `BETWEEN low AND high` (inclusive).
    pub fn sort_key_between(
        mut self,
        low: impl ToAttributeValue,
        high: impl ToAttributeValue,
    ) -> Self {
        let (low, high) = (low.to_attribute_value(), high.to_attribute_value());
        self.kind.sort = Some(SortKey::Between(low, high));
        self
    }

    /// `begins_with(sort key, prefix)`; `M::META.sort_key` gives a template's
    /// [`literal_prefix`](crate::meta::KeyMeta::literal_prefix) (`ORDER#`).
    pub fn sort_key_begins_with(mut self, prefix: impl ToAttributeValue) -> Self {
        self.kind.sort = Some(SortKey::BeginsWith(prefix.to_attribute_value()));
        self
    }

    /// Reads in descending sort key order.
    pub fn descending(mut self) -> Self {
        self.kind.descending = true;
        self
    }
}

/// The partition and sort keys of the table or of `index`.
fn keys(
    meta: &'static ModelMeta,
    index: Option<&str>,
) -> Result<(&'static KeyMeta, Option<&'static KeyMeta>)> {
    match index {
        None => Ok((&meta.partition_key, meta.sort_key.as_ref())),
        Some(name) => {
            let index = meta
                .index(name)
                .ok_or_else(|| Error::validation(format!("the model has no index `{name}`")))?;
            Ok((&index.partition_key, index.sort_key.as_ref()))
        }
    }
}

impl Query {
    fn partition(&self) -> Result<&AttributeValue> {
        self.partition_value.as_ref().ok_or_else(|| {
            Error::validation("the partition key cannot be built: a template part is absent")
                .at(self.partition_attribute)
        })
    }
}

impl Query {
    /// The partition key value as sent: in `tenant`'s partitions when there is one.
    fn partition_in(
        &self,
        meta: &ModelMeta,
        pk: &KeyMeta,
        tenant: Tenant<'_>,
    ) -> Result<AttributeValue> {
        let mut partition = self.partition()?.clone();
        if let Some(tenant) = tenant.0 {
            tenant.check_model(meta)?;
            tenant.render(pk.attribute, &mut partition)?;
        }
        Ok(partition)
    }
}

impl Kind for Query {
    const OPERATION: &'static str = "Query";

    fn context(&self) -> Option<String> {
        Some(self.partition_text.clone())
    }

    fn key_condition(
        &self,
        meta: &'static ModelMeta,
        index: Option<&'static str>,
        tenant: Tenant<'_>,
    ) -> Result<Option<KeyCondition>> {
        let (pk, sk) = keys(meta, index)?;
        let partition = &self.partition_in(meta, pk, tenant)?;
        let item = Item::from([(pk.attribute.to_owned(), partition.clone())]);
        validate::check_key_attribute(&item, pk, MAX_PARTITION_KEY_BYTES, true)?;

        let mut placeholders = Placeholders::default();
        let mut key_condition = format!(
            "{} = {}",
            placeholders.name('k', pk.attribute),
            placeholders.value('k', partition.clone())
        );
        if let Some(sort) = &self.sort {
            let sk = sk.ok_or_else(|| {
                Error::validation(format!(
                    "{} has no sort key to put a condition on",
                    index.map_or_else(|| "the table".to_owned(), |i| format!("index `{i}`"))
                ))
            })?;
            let name = placeholders.name('k', sk.attribute);
            // A sort key that is also an index's partition key (an inverted index) carries the
            // tenant's prefix too; every value in the partition has it, so comparisons hold.
            let confined =
                tenant.0.filter(|_| crate::tenant::is_partition_attribute(meta, sk.attribute));
            let mut value = |v: &AttributeValue| -> Result<String> {
                let mut v = v.clone();
                if let Some(tenant) = confined {
                    tenant.render(sk.attribute, &mut v)?;
                }
                validate::check_value(&v, 1).map_err(|e| e.at(sk.attribute))?;
                Ok(placeholders.value('k', v))
            };
            let condition = match sort {
                SortKey::Compare(op, v) => format!("{name} {op} {}", value(v)?),
                SortKey::Between(low, high) => {
                    format!("{name} BETWEEN {} AND {}", value(low)?, value(high)?)
                }
                SortKey::BeginsWith(v) => format!("begins_with({name}, {})", value(v)?),
            };
            key_condition.push_str(" AND ");
            key_condition.push_str(&condition);
        }
        validate::check_expression("key condition", &key_condition, &placeholders.names)?;
        Ok(Some(KeyCondition {
            expression: key_condition,
            names: placeholders.take_names().unwrap_or_default(),
            values: placeholders.take_values().unwrap_or_default(),
        }))
    }

    fn check_start(
        &self,
        meta: &'static ModelMeta,
        index: Option<&str>,
        tenant: Tenant<'_>,
        start: &Item,
    ) -> Result<()> {
        let (pk, _) = keys(meta, index)?;
        cursor::check_partition(start, pk.attribute, &self.partition_in(meta, pk, tenant)?)
    }

    fn forward(&self) -> bool {
        !self.descending
    }

    fn debug(&self, f: &mut std::fmt::DebugStruct<'_, '_>) {
        f.field("partition", &self.partition_text)
            .field("sort_key", &self.sort.as_ref().map(|_| "<condition>"))
            .field("descending", &self.descending);
    }
}
