//! Scan: every item of a model's table, page by page or as parallel segments.

use futures_util::future::Either;
use futures_util::Stream;

use crate::entities::{Entities, Unknown};
use crate::error::{Error, Result};
use crate::expression::{Condition, Placeholders, Projection};
use crate::model::{Model, ModelMeta};
use crate::{cursor, Db};

use super::read::{self, Count, DecodeFn, Page, Reader, Request};

const OPERATION: &str = "Scan";
/// DynamoDB's maximum `TotalSegments`.
const MAX_SEGMENTS: u32 = 1_000_000;

impl Db {
    /// Reads the whole table of `M` (Scan).
    ///
    /// In a table shared by several models, a scan of a model that declares an entity type adds
    /// the filter `entity = <its entity type>`, so that a scan of `Order` does not try to decode
    /// customers; the others are still read (and paid for) and count in `scanned_count`. Use
    /// [`Scan::entities`] to read every model into an enum.
    pub fn scan<M: Model>(&self) -> Scan<M> {
        Scan {
            db: self.clone(),
            meta: M::META,
            type_name: M::META.type_name,
            filter: None,
            entity_filter: read::entity_filter(M::META),
            projection: None,
            consistent_read: false,
            limit: None,
            cursor: None,
            decode: read::decode_model::<M>,
            unknown: Unknown::Error,
        }
    }
}

/// A Scan request yielding `T` (the model, or an [`Entities`] enum).
#[must_use]
pub struct Scan<T> {
    db: Db,
    meta: &'static ModelMeta,
    type_name: &'static str,
    filter: Option<Condition>,
    entity_filter: Option<Condition>,
    projection: Option<Projection>,
    consistent_read: bool,
    limit: Option<u32>,
    cursor: Option<String>,
    decode: DecodeFn<T>,
    unknown: Unknown,
}

impl<T> std::fmt::Debug for Scan<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scan")
            .field("model", &self.type_name)
            .field("filter", &self.filter)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl<T> Scan<T> {
    /// Returns only items for which `filter` holds (combined by AND with earlier filters); the
    /// others are still read, and a page may come back short or empty with a cursor.
    pub fn filter(mut self, filter: Condition) -> Self {
        self.filter = Some(filter.and_after(self.filter.take()));
        self
    }

    /// Returns only these attributes; the type read must tolerate the others missing.
    pub fn projection(mut self, projection: impl Into<Projection>) -> Self {
        self.projection = Some(projection.into());
        self
    }

    /// Reads with strong consistency.
    pub fn consistent_read(mut self, consistent: bool) -> Self {
        self.consistent_read = consistent;
        self
    }

    /// The page size: at most `n` items are read per request (before the filter).
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }

    /// Starts after the page that returned `cursor` (a [`Page::cursor`] of a scan of this table).
    pub fn cursor(mut self, cursor: &str) -> Self {
        self.cursor = Some(cursor.to_owned());
        self
    }

    /// Reads every item of the table into the enum `E`, by entity type (the entity filter of
    /// [`Db::scan`] is dropped).
    pub fn entities<E: Entities>(self) -> Scan<E> {
        Scan {
            db: self.db,
            meta: self.meta,
            type_name: E::TYPE_NAME,
            filter: self.filter,
            entity_filter: None,
            projection: self.projection,
            consistent_read: self.consistent_read,
            limit: self.limit,
            cursor: self.cursor,
            decode: read::decode_entities::<E>,
            unknown: self.unknown,
        }
    }

    /// What an [`entities`](Self::entities) scan does with an item whose entity type no variant
    /// names: an error (the default) or skip it.
    pub fn unknown_entities(mut self, unknown: Unknown) -> Self {
        self.unknown = unknown;
        self
    }

    /// Splits the scan into `n` segments read concurrently (a parallel scan), each paginated on
    /// its own. Results are merged in segment order: all of segment 0, then segment 1, and so on;
    /// within a segment, in the order DynamoDB returned them. No order is implied across
    /// segments by DynamoDB itself.
    pub fn segments(self, n: u32) -> ParallelScan<T> {
        ParallelScan { scan: self, segments: n }
    }

    fn error(&self, e: Error) -> Error {
        e.context(OPERATION, self.type_name, None)
    }

    fn prepare(&self, segment: Option<(i32, i32)>) -> Result<Reader<T>> {
        self.prepare_inner(segment).map_err(|e| self.error(e))
    }

    fn prepare_inner(&self, segment: Option<(i32, i32)>) -> Result<Reader<T>> {
        let limit = read::check_limit(self.limit)?;
        let mut placeholders = Placeholders::default();
        let filter = match (self.entity_filter.clone(), self.filter.clone()) {
            (Some(a), Some(b)) => Some(a.and(b)),
            (a, b) => a.or(b),
        };
        let filter = filter.map(|f| read::render_filter(&f, &mut placeholders)).transpose()?;
        let projection = read::render_projection(self.projection.as_ref(), &mut placeholders)?;
        let start = match &self.cursor {
            Some(_) if segment.is_some() => {
                return Err(Error::validation("a cursor cannot start a parallel scan"))
            }
            Some(text) => Some(cursor::decode(text, self.meta, None)?),
            None => None,
        };
        Ok(Reader {
            request: Request {
                db: self.db.clone(),
                operation: OPERATION,
                meta: self.meta,
                type_name: self.type_name,
                context: None,
                index: None,
                key_condition: None,
                filter,
                projection,
                names: placeholders.take_names(),
                values: placeholders.take_values(),
                consistent_read: self.consistent_read,
                limit,
                forward: true,
                segment,
            },
            start,
            decode: self.decode,
            unknown: self.unknown,
        })
    }
}

impl<T: Send + 'static> Scan<T> {
    /// Reads one page (from the cursor, if given).
    ///
    /// # Errors
    /// An invalid scan or cursor (before sending), DynamoDB's error, or a decoding error.
    pub async fn page(self) -> Result<Page<T>> {
        self.prepare(None)?.page().await
    }

    /// Reads every page and returns all items.
    ///
    /// # Errors
    /// As [`page`](Self::page), for any page.
    pub async fn all(self) -> Result<Vec<T>> {
        self.prepare(None)?.all().await
    }

    /// Counts matching items across all pages (Select COUNT).
    ///
    /// # Errors
    /// As [`page`](Self::page).
    pub async fn count(self) -> Result<Count> {
        self.prepare(None)?.count().await
    }

    /// The items as a stream that fetches the next page only when needed (see
    /// [`Query::stream`](super::Query::stream)).
    pub fn stream(self) -> impl Stream<Item = Result<T>> + Send + Unpin {
        match self.prepare(None) {
            Ok(reader) => Either::Left(reader.stream()),
            Err(e) => Either::Right(futures_util::stream::once(std::future::ready(Err(e)))),
        }
    }
}

/// A scan split into segments read concurrently; see [`Scan::segments`].
#[must_use]
#[derive(Debug)]
pub struct ParallelScan<T> {
    scan: Scan<T>,
    segments: u32,
}

impl<T: Send + 'static> ParallelScan<T> {
    fn readers(&self) -> Result<Vec<Reader<T>>> {
        if self.segments == 0 || self.segments > MAX_SEGMENTS {
            return Err(self.scan.error(Error::validation(format!(
                "a parallel scan needs 1 to {MAX_SEGMENTS} segments"
            ))));
        }
        let total = i32::try_from(self.segments).unwrap_or(i32::MAX);
        (0..total).map(|segment| self.scan.prepare(Some((segment, total)))).collect()
    }

    /// Reads every segment to the end, concurrently, and returns all items in segment order.
    ///
    /// # Errors
    /// An invalid scan (before sending), or the first error of any segment.
    pub async fn all(self) -> Result<Vec<T>> {
        let readers = self.readers()?;
        let segments =
            futures_util::future::try_join_all(readers.into_iter().map(Reader::all)).await?;
        Ok(segments.into_iter().flatten().collect())
    }

    /// Counts matching items over every segment, concurrently.
    ///
    /// # Errors
    /// As [`all`](Self::all).
    pub async fn count(self) -> Result<Count> {
        let readers = self.readers()?;
        let counts =
            futures_util::future::try_join_all(readers.into_iter().map(Reader::count)).await?;
        let mut total = Count::default();
        for count in counts {
            total += count;
        }
        Ok(total)
    }
}
