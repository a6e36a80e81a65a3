//! Query: the items of one partition of a table or of a global secondary index, in sort key
//! order, with a typed sort key condition, a filter, a projection and cursor pagination.

use aws_sdk_dynamodb::types::AttributeValue;
use futures_util::future::Either;
use futures_util::Stream;

use crate::entities::{Entities, Unknown};
use crate::error::{Error, Result};
use crate::expression::{Condition, Placeholders, Projection};
use crate::key::Partition;
use crate::model::{KeyMeta, Model, ModelMeta};
use crate::value::{Item, ToAttributeValue};
use crate::{cursor, validate, Db};

use super::read::{self, Count, DecodeFn, Page, Reader, Request};

const OPERATION: &str = "Query";

impl Db {
    /// Reads the items of one partition (Query), of the table or of a global secondary index
    /// depending on how `partition` was built (`M::partition(..)`, `M::<index>_partition(..)`).
    ///
    /// When `M` declares an entity type, the query filters on it, so that items of other models
    /// sharing the partition are not read as `M` (they still count in `scanned_count`); use
    /// [`Query::entities`] to read them all into an enum.
    pub fn query<M: Model>(&self, partition: Partition<M>) -> Query<M> {
        Query {
            db: self.clone(),
            meta: M::META,
            type_name: M::META.type_name,
            index: partition.index(),
            partition_attribute: partition.attribute(),
            partition_value: partition.value().cloned(),
            partition_text: partition.to_string(),
            sort: None,
            filter: None,
            entity_filter: read::entity_filter(M::META),
            projection: None,
            consistent_read: false,
            limit: None,
            descending: false,
            cursor: None,
            decode: read::decode_model::<M>,
            unknown: Unknown::Error,
        }
    }
}

#[derive(Clone)]
enum SortKey {
    Compare(&'static str, AttributeValue),
    Between(AttributeValue, AttributeValue),
    BeginsWith(AttributeValue),
}

/// A Query request yielding `T` (the model, or an [`Entities`] enum): build it, then read it with
/// [`page`](Self::page), [`stream`](Self::stream), [`all`](Self::all) or [`count`](Self::count).
///
/// Everything is checked before the first request: key values, expression limits, the cursor,
/// and that a consistent read is not asked of a global secondary index.
#[must_use]
pub struct Query<T> {
    db: Db,
    meta: &'static ModelMeta,
    type_name: &'static str,
    index: Option<&'static str>,
    partition_attribute: &'static str,
    partition_value: Option<AttributeValue>,
    partition_text: String,
    sort: Option<SortKey>,
    filter: Option<Condition>,
    entity_filter: Option<Condition>,
    projection: Option<Projection>,
    consistent_read: bool,
    limit: Option<u32>,
    descending: bool,
    cursor: Option<String>,
    decode: DecodeFn<T>,
    unknown: Unknown,
}

impl<T> std::fmt::Debug for Query<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Conditions print `?` for values; the partition is a key, not item contents.
        f.debug_struct("Query")
            .field("model", &self.type_name)
            .field("partition", &self.partition_text)
            .field("sort_key", &self.sort.as_ref().map(|_| "<condition>"))
            .field("filter", &self.filter)
            .field("limit", &self.limit)
            .field("descending", &self.descending)
            .finish_non_exhaustive()
    }
}

macro_rules! sort_key_comparisons {
    ($($(#[$doc:meta])* $name:ident => $op:literal,)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: impl ToAttributeValue) -> Self {
                self.sort = Some(SortKey::Compare($op, value.to_attribute_value()));
                self
            }
        )*
    };
}

impl<T> Query<T> {
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
        self.sort = Some(SortKey::Between(low.to_attribute_value(), high.to_attribute_value()));
        self
    }

    /// `begins_with(sort key, prefix)`; `M::META.sort_key` gives a template's
    /// [`literal_prefix`](crate::meta::KeyMeta::literal_prefix) (`ORDER#`).
    pub fn sort_key_begins_with(mut self, prefix: impl ToAttributeValue) -> Self {
        self.sort = Some(SortKey::BeginsWith(prefix.to_attribute_value()));
        self
    }

    /// Returns only items for which `filter` holds (combined by AND with earlier filters). The
    /// filter runs after the read: filtered-out items still cost capacity and count in
    /// `scanned_count`, and a page may come back short or empty with a cursor.
    pub fn filter(mut self, filter: Condition) -> Self {
        self.filter = Some(filter.and_after(self.filter.take()));
        self
    }

    /// Returns only these attributes; the type read must tolerate the others missing.
    pub fn projection(mut self, projection: impl Into<Projection>) -> Self {
        self.projection = Some(projection.into());
        self
    }

    /// Reads with strong consistency; a global secondary index cannot, and is refused before
    /// sending.
    pub fn consistent_read(mut self, consistent: bool) -> Self {
        self.consistent_read = consistent;
        self
    }

    /// The page size: at most `n` items are read per request (before the filter).
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }

    /// Reads in descending sort key order.
    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }

    /// Starts after the page that returned `cursor` ([`Page::cursor`] of this same query).
    pub fn cursor(mut self, cursor: &str) -> Self {
        self.cursor = Some(cursor.to_owned());
        self
    }

    /// Reads every item of the partition into the enum `E`, by entity type, instead of only `M`'s
    /// (the entity filter of [`Db::query`] is dropped).
    pub fn entities<E: Entities>(self) -> Query<E> {
        Query {
            db: self.db,
            meta: self.meta,
            type_name: E::TYPE_NAME,
            index: self.index,
            partition_attribute: self.partition_attribute,
            partition_value: self.partition_value,
            partition_text: self.partition_text,
            sort: self.sort,
            filter: self.filter,
            entity_filter: None,
            projection: self.projection,
            consistent_read: self.consistent_read,
            limit: self.limit,
            descending: self.descending,
            cursor: self.cursor,
            decode: read::decode_entities::<E>,
            unknown: self.unknown,
        }
    }

    /// What an [`entities`](Self::entities) read does with an item whose entity type no variant
    /// names: an error (the default) or skip it.
    pub fn unknown_entities(mut self, unknown: Unknown) -> Self {
        self.unknown = unknown;
        self
    }

    fn error(&self, e: Error) -> Error {
        e.context(OPERATION, self.type_name, Some(self.partition_text.clone()))
    }

    fn keys(&self) -> Result<(&'static KeyMeta, Option<&'static KeyMeta>)> {
        match self.index {
            None => Ok((&self.meta.partition_key, self.meta.sort_key.as_ref())),
            Some(name) => {
                let index = self
                    .meta
                    .index(name)
                    .ok_or_else(|| Error::validation(format!("the model has no index `{name}`")))?;
                Ok((&index.partition_key, index.sort_key.as_ref()))
            }
        }
    }

    fn prepare(&self) -> Result<Reader<T>> {
        self.prepare_inner().map_err(|e| self.error(e))
    }

    fn prepare_inner(&self) -> Result<Reader<T>> {
        let limit = read::check_limit(self.limit)?;
        if let (true, Some(index)) = (self.consistent_read, self.index) {
            return Err(Error::validation(format!(
                "consistent reads are not supported on global secondary index `{index}`"
            )));
        }
        let (pk, sk) = self.keys()?;
        let partition = self.partition_value.clone().ok_or_else(|| {
            Error::validation("the partition key cannot be built: a template part is absent")
                .at(self.partition_attribute)
        })?;
        let item = Item::from([(pk.attribute.to_owned(), partition.clone())]);
        validate::check_key_attribute(&item, pk, validate::MAX_PARTITION_KEY_BYTES, true)?;

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
                    self.index.map_or_else(|| "the table".to_owned(), |i| format!("index `{i}`"))
                ))
            })?;
            let name = placeholders.name('k', sk.attribute);
            let mut value = |v: &AttributeValue| -> Result<String> {
                validate::check_value(v, 1).map_err(|e| e.at(sk.attribute))?;
                Ok(placeholders.value('k', v.clone()))
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

        let filter = match (self.entity_filter.clone(), self.filter.clone()) {
            (Some(a), Some(b)) => Some(a.and(b)),
            (a, b) => a.or(b),
        };
        let filter = filter.map(|f| read::render_filter(&f, &mut placeholders)).transpose()?;
        let projection = read::render_projection(self.projection.as_ref(), &mut placeholders)?;

        let start = match &self.cursor {
            Some(text) => {
                let key = cursor::decode(text, self.meta, self.index)?;
                cursor::check_partition(&key, pk.attribute, &partition)?;
                Some(key)
            }
            None => None,
        };
        Ok(Reader {
            request: Request {
                db: self.db.clone(),
                operation: OPERATION,
                meta: self.meta,
                type_name: self.type_name,
                context: Some(self.partition_text.clone()),
                index: self.index,
                key_condition: Some(key_condition),
                filter,
                projection,
                names: placeholders.take_names(),
                values: placeholders.take_values(),
                consistent_read: self.consistent_read,
                limit,
                forward: !self.descending,
                segment: None,
            },
            start,
            decode: self.decode,
            unknown: self.unknown,
        })
    }
}

impl<T: Send + 'static> Query<T> {
    /// Reads one page (from the cursor, if given).
    ///
    /// # Errors
    /// An invalid query or cursor (before sending), DynamoDB's error, or a decoding error.
    pub async fn page(self) -> Result<Page<T>> {
        self.prepare()?.page().await
    }

    /// Reads every page and returns all items.
    ///
    /// # Errors
    /// As [`page`](Self::page), for any page.
    pub async fn all(self) -> Result<Vec<T>> {
        self.prepare()?.all().await
    }

    /// Counts matching items across all pages (Select COUNT: no items are transferred).
    ///
    /// # Errors
    /// As [`page`](Self::page).
    pub async fn count(self) -> Result<Count> {
        self.prepare()?.count().await
    }

    /// The items as a stream that fetches the next page only when the items of the previous one
    /// have been consumed. An invalid query yields one error; a decoding error is yielded for its
    /// item and the stream goes on; a failed request ends the stream after its error.
    pub fn stream(self) -> impl Stream<Item = Result<T>> + Send + Unpin {
        match self.prepare() {
            Ok(reader) => Either::Left(reader.stream()),
            Err(e) => Either::Right(futures_util::stream::once(std::future::ready(Err(e)))),
        }
    }
}
