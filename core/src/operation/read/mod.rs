//! Reads of many items: one builder, [`Read`], for Query and Scan, generic over the kind of read
//! ([`kind::Query`], [`kind::Scan`]) the way serde_json's `Deserializer<R: Read>` is generic over
//! its input. The builder owns what both kinds share — the model and the decoded type, the index,
//! filters, projection, consistency, page size, cursor, and the terminals [`page`](Read::page),
//! [`stream`](Read::stream), [`all`](Read::all) and [`count`](Read::count); the kind supplies
//! what differs: a query's partition and sort key condition and direction, a scan's segments.
//!
//! [`Query<T>`] and [`Scan<T>`] name the two builders. Fetching pages and decoding them is in
//! `fetch`, the query kind in `query`, the scan kind and parallel scans in `scan`.

mod fetch;
mod projection;
mod query;
mod scan;

pub use fetch::{Count, Page};
pub use scan::ParallelScan;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use futures_util::future::Either;
use futures_util::Stream;

use crate::entities::{self, Entities, Unknown};
use crate::error::{Error, Result};
use crate::expression::{Condition, Placeholders, Projection};
use crate::model::{Model, ModelMeta};
use crate::value::Item;
use crate::{cursor, validate, Db};

use fetch::{Reader, Request};
use projection::Reads;

/// The kinds of read a [`Read`] builder does.
pub mod kind {
    pub use super::query::Query;
    pub use super::scan::Scan;
}

/// A Query request yielding `T` (the model, or an [`Entities`] enum): build it with
/// [`Db::query`], then read it with [`page`](Read::page), [`stream`](Read::stream),
/// [`all`](Read::all) or [`count`](Read::count).
pub type Query<T> = Read<T, kind::Query>;

/// A Scan request yielding `T` (the model, an [`Entities`] enum, or a typed projection), of a
/// table or of a secondary index: build it with [`Db::scan`].
pub type Scan<T> = Read<T, kind::Scan>;

/// A kind of read: [`kind::Query`] or [`kind::Scan`]. Sealed: its methods are ferrodyn's own.
pub trait ReadKind: sealed::Kind {}

impl<K: sealed::Kind> ReadKind for K {}

pub(crate) mod sealed {
    use super::*;

    /// The tenant a read is confined to, if any.
    #[derive(Debug, Clone, Copy)]
    pub struct Tenant<'a>(pub(crate) Option<&'a crate::tenant::Active>);

    /// A key condition rendered with placeholders of prefix `k`, and those placeholders.
    #[derive(Debug)]
    pub struct KeyCondition {
        pub(crate) expression: String,
        pub(crate) names: HashMap<String, String>,
        pub(crate) values: HashMap<String, AttributeValue>,
    }

    /// What a kind of read supplies to the builder they share.
    pub trait Kind: Send + Sync {
        /// The operation, for errors.
        const OPERATION: &'static str;

        /// What errors name besides the operation and the model (a query's partition).
        fn context(&self) -> Option<String>;

        /// The key condition of the table or of `index` (a query's), checked, with its partition
        /// in `tenant`'s when there is one; `None` for a scan, which a tenant refuses.
        fn key_condition(
            &self,
            meta: &'static ModelMeta,
            index: Option<&'static str>,
            tenant: Tenant<'_>,
        ) -> Result<Option<KeyCondition>>;

        /// Checks that a cursor's start key belongs to this read (a query's partition, in
        /// `tenant`'s when there is one).
        fn check_start(
            &self,
            meta: &'static ModelMeta,
            index: Option<&str>,
            tenant: Tenant<'_>,
            start: &Item,
        ) -> Result<()>;

        /// Whether to read in ascending sort key order.
        fn forward(&self) -> bool {
            true
        }

        /// Adds the kind's own fields to `Debug` output, values left out.
        fn debug(&self, f: &mut std::fmt::DebugStruct<'_, '_>);
    }
}

/// A read of many items (Query or Scan) yielding `T`: the model, or an [`Entities`] enum.
///
/// Everything is checked before the first request: key values, expression limits, the cursor,
/// the index, and that a consistent read is not asked of a global secondary index.
#[must_use]
pub struct Read<T, K> {
    db: Db,
    meta: &'static ModelMeta,
    /// The type read (the model, or the enum of an entities read), for error messages.
    type_name: &'static str,
    index: Option<&'static str>,
    /// An index asked for by a name the model does not declare, refused before sending.
    unknown_index: Option<String>,
    filter: Option<Condition>,
    entity_filter: Option<Condition>,
    projection: Option<Projection>,
    /// What decoding needs of each item, checked against the index's projection.
    reads: Reads,
    consistent_read: bool,
    limit: Option<u32>,
    cursor: Option<String>,
    decode: DecodeFn<T>,
    unknown: Unknown,
    kind: K,
    /// Why the read cannot be sent (a relation whose source value failed to render its keys),
    /// reported by the terminal before any request.
    refused: Option<Error>,
}

impl<T, K: ReadKind> std::fmt::Debug for Read<T, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Conditions print `?` for values; a query's partition is a key, not item contents.
        let mut s = f.debug_struct(K::OPERATION);
        s.field("model", &self.type_name).field("index", &self.index);
        self.kind.debug(&mut s);
        s.field("filter", &self.filter).field("limit", &self.limit).finish_non_exhaustive()
    }
}

/// Turns an item into the value a read returns; `Ok(None)` skips the item.
pub(crate) type DecodeFn<T> = fn(Item, Unknown) -> Result<Option<T>>;

fn decode_model<M: Model>(item: Item, _: Unknown) -> Result<Option<M>> {
    M::from_item(item).map(Some)
}

fn decode_entities<E: Entities>(item: Item, unknown: Unknown) -> Result<Option<E>> {
    entities::decode(item, unknown)
}

impl<M: Model, K: ReadKind> Read<M, K> {
    /// A read of `M`'s items; when `M` declares an entity type, only items of it are returned.
    fn new(db: &Db, index: Option<&'static str>, kind: K) -> Self {
        Read::of_meta(db, M::META, index, kind, decode_model::<M>)
    }
}

impl<T, K: ReadKind> Read<T, K> {
    /// A read of the items `meta` describes, each turned into a `T` by `decode`; when `meta`
    /// declares an entity type, only items of it are returned.
    pub(crate) fn of_meta(
        db: &Db,
        meta: &'static ModelMeta,
        index: Option<&'static str>,
        kind: K,
        decode: DecodeFn<T>,
    ) -> Self {
        Read {
            db: db.clone(),
            meta,
            type_name: meta.type_name,
            index,
            unknown_index: None,
            filter: None,
            entity_filter: meta
                .entity
                .as_ref()
                .map(|e| crate::expression::attr(e.attribute).eq(e.value)),
            projection: None,
            reads: Reads::Model,
            consistent_read: false,
            limit: None,
            cursor: None,
            decode,
            unknown: Unknown::Error,
            kind,
            refused: None,
        }
    }

    /// Makes the read fail with `error` when sent, before any request.
    pub(crate) fn refuse(mut self, error: Error) -> Self {
        self.refused = Some(error);
        self
    }

    /// The reader of a whole read (no parallel scan segment), or the error it was refused with.
    fn into_reader(mut self) -> Result<Reader<T>> {
        match self.refused.take() {
            Some(e) => Err(self.error(e)),
            None => self.reader(None),
        }
    }
}

impl<T, K: ReadKind> Read<T, K> {
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
    /// sending (a local one can).
    pub fn consistent_read(mut self, consistent: bool) -> Self {
        self.consistent_read = consistent;
        self
    }

    /// The page size: at most `n` items are read per request (before the filter).
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }

    /// Starts after the page that returned `cursor` ([`Page::cursor`] of this same read: the same
    /// table or index, and for a query the same partition).
    pub fn cursor(mut self, cursor: &str) -> Self {
        self.cursor = Some(cursor.to_owned());
        self
    }

    /// Reads every item into the enum `E`, by entity type, instead of only the model's (the
    /// entity filter of [`Db::query`] and [`Db::scan`] is dropped).
    pub fn entities<E: Entities>(self) -> Read<E, K> {
        Read {
            db: self.db,
            meta: self.meta,
            type_name: E::TYPE_NAME,
            index: self.index,
            unknown_index: self.unknown_index,
            filter: self.filter,
            entity_filter: None,
            projection: self.projection,
            reads: Reads::Unchecked,
            consistent_read: self.consistent_read,
            limit: self.limit,
            cursor: self.cursor,
            decode: decode_entities::<E>,
            unknown: self.unknown,
            kind: self.kind,
            refused: self.refused,
        }
    }

    /// What an [`entities`](Self::entities) read does with an item whose entity type no variant
    /// names: an error (the default) or skip it.
    pub fn unknown_entities(mut self, unknown: Unknown) -> Self {
        self.unknown = unknown;
        self
    }

    fn error(&self, e: Error) -> Error {
        e.context(K::OPERATION, self.type_name, self.kind.context())
    }

    /// Validates the read and renders its request; `segment` is `(segment, total)` of a parallel
    /// scan.
    fn reader(&self, segment: Option<(i32, i32)>) -> Result<Reader<T>> {
        self.reader_inner(segment).map_err(|e| self.error(e))
    }

    fn reader_inner(&self, segment: Option<(i32, i32)>) -> Result<Reader<T>> {
        let limit = check_limit(self.limit)?;
        if let Some(name) = &self.unknown_index {
            return Err(Error::validation(format!("the model has no index `{name}`")));
        }
        projection::check(self.meta, self.index, &self.reads, self.projection.is_some())?;
        if let Some(index) = self.index.and_then(|name| self.meta.index(name)) {
            if self.consistent_read && index.kind == crate::meta::IndexKind::Global {
                return Err(Error::validation(format!(
                    "consistent reads are not supported on global secondary index `{}`",
                    index.name
                )));
            }
        }
        let tenant = crate::tenant::active(&self.db)?;
        let key_condition =
            self.kind.key_condition(self.meta, self.index, sealed::Tenant(tenant.as_ref()))?;

        let mut placeholders = Placeholders::default();
        let filter = match (self.entity_filter.clone(), self.filter.clone()) {
            (Some(a), Some(b)) => Some(a.and(b)),
            (a, b) => a.or(b),
        };
        let filter = filter.map(|f| render_filter(&f, &mut placeholders)).transpose()?;
        let projection = match (&self.reads, &self.projection) {
            (Reads::Attributes { attributes, .. }, None) => {
                projection::render(attributes, &mut placeholders)?
            }
            (_, projection) => {
                render_projection(projection.as_ref(), self.meta, &mut placeholders)?
            }
        };
        let key_condition = key_condition.map(|k| {
            placeholders.names.extend(k.names);
            placeholders.values.extend(k.values);
            k.expression
        });

        let start = match &self.cursor {
            Some(_) if segment.is_some() => {
                return Err(Error::validation("a cursor cannot start a parallel scan"))
            }
            Some(text) => {
                let key = cursor::decode(text, self.meta, self.index)?;
                self.kind.check_start(
                    self.meta,
                    self.index,
                    sealed::Tenant(tenant.as_ref()),
                    &key,
                )?;
                Some(key)
            }
            None => None,
        };
        Ok(Reader {
            request: Request {
                db: self.db.clone(),
                operation: K::OPERATION,
                meta: self.meta,
                type_name: self.type_name,
                context: self.kind.context(),
                index: self.index,
                key_condition,
                filter,
                projection,
                names: placeholders.take_names(),
                values: placeholders.take_values(),
                consistent_read: self.consistent_read,
                limit,
                forward: self.kind.forward(),
                segment,
            },
            start,
            decode: self.decode,
            unknown: self.unknown,
        })
    }
}

impl<T: Send + 'static, K: ReadKind> Read<T, K> {
    /// Reads one page (from the cursor, if given).
    ///
    /// # Errors
    /// An invalid read or cursor (before sending), DynamoDB's error, or a decoding error.
    pub async fn page(self) -> Result<Page<T>> {
        self.into_reader()?.page().await
    }

    /// Reads every page and returns all items.
    ///
    /// # Errors
    /// As [`page`](Self::page), for any page.
    pub async fn all(self) -> Result<Vec<T>> {
        self.into_reader()?.all().await
    }

    /// Counts matching items across all pages (Select COUNT: no items are transferred).
    ///
    /// # Errors
    /// As [`page`](Self::page).
    pub async fn count(self) -> Result<Count> {
        self.into_reader()?.count().await
    }

    /// The items as a stream that fetches the next page only when the items of the previous one
    /// have been consumed. An invalid read yields one error; a decoding error is yielded for its
    /// item and the stream goes on; a failed request ends the stream after its error.
    pub fn stream(self) -> impl Stream<Item = Result<T>> + Send + Unpin {
        match self.into_reader() {
            Ok(reader) => Either::Left(reader.stream()),
            Err(e) => Either::Right(futures_util::stream::once(std::future::ready(Err(e)))),
        }
    }
}

/// Checks a filter's values and renders it with prefix `f`.
fn render_filter(filter: &Condition, placeholders: &mut Placeholders) -> Result<String> {
    super::write::check_condition_values(filter, "filter")?;
    let expression = filter.render('f', placeholders);
    validate::check_expression("filter", &expression, &placeholders.names)?;
    Ok(expression)
}

/// Renders a projection with prefix `p`, with the entity type added; `None` when empty.
fn render_projection(
    projection: Option<&Projection>,
    meta: &ModelMeta,
    placeholders: &mut Placeholders,
) -> Result<Option<String>> {
    let Some(projection) = projection.filter(|p| !p.is_empty()) else { return Ok(None) };
    let expression = projection.render(placeholders, meta.decode_attributes());
    validate::check_expression("projection", &expression, &placeholders.names)?;
    Ok(Some(expression))
}

/// A page size DynamoDB accepts: 1 ..= i32::MAX.
fn check_limit(limit: Option<u32>) -> Result<Option<i32>> {
    match limit {
        None => Ok(None),
        Some(0) => Err(Error::validation("limit must be at least 1")),
        Some(n) => i32::try_from(n)
            .map(Some)
            .map_err(|_| Error::validation("limit is over DynamoDB's maximum (2^31 - 1)")),
    }
}
