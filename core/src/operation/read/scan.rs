//! The Scan kind of [`Read`]: every item of a model's table or of one of its secondary indexes, page by page, or split into segments read concurrently ([`ParallelScan`]).

use crate::error::{Error, Result};
use crate::limits::MAX_SCAN_SEGMENTS;
use crate::model::{Model, ModelMeta};
use crate::value::Item;
use crate::Db;

use super::fetch::{Count, Reader};
use super::sealed::{KeyCondition, Kind, Tenant};
use super::Read;

impl Db {
    /// Reads the whole table of `M` (Scan), or with [`index`](Read::index) one of its global
    /// secondary indexes.
    ///
    /// In a table shared by several models, a scan of a model that declares an entity type adds
    /// the filter `entity = <its entity type>`, so that a scan of `Order` does not try to decode
    /// customers; the others are still read (and paid for) and count in `scanned_count`. Use
    /// [`Read::entities`] to read every model into an enum.
    pub fn scan<M: Model>(&self) -> super::Scan<M> {
        Read::new(self, None, Scan { _private: () })
    }
}

/// The kind of a [`Read`] that is a Scan ([`super::Scan`]): it has no key condition.
#[derive(Debug)]
pub struct Scan {
    _private: (),
}

impl Kind for Scan {
    const OPERATION: &'static str = "Scan";

    fn context(&self) -> Option<String> {
        None
    }

    fn key_condition(
        &self,
        _: &'static ModelMeta,
        _: Option<&'static str>,
        tenant: Tenant<'_>,
    ) -> Result<Option<KeyCondition>> {
        match tenant.0 {
            Some(tenant) => Err(tenant.scan_refused()),
            None => Ok(None),
        }
    }

    fn check_start(
        &self,
        _: &'static ModelMeta,
        _: Option<&str>,
        _: Tenant<'_>,
        _: &Item,
    ) -> Result<()> {
        Ok(())
    }

    fn debug(&self, _: &mut std::fmt::DebugStruct<'_, '_>) {}
}

impl<T> Read<T, Scan> {
    /// Scans the secondary index `name` (global or local) of the model instead of its table. The
    /// index holds only the items that have its key attributes (a sparse index holds few),
    /// projected as the index declares: a read of the whole model through an index that does not
    /// project all its attributes is refused, read it with [`project`](Read::project). An index
    /// the model does not declare, and a consistent read of a global secondary index (which
    /// DynamoDB cannot do), are refused before sending.
    pub fn index(mut self, name: &str) -> Self {
        match self.meta.index(name) {
            Some(index) => {
                self.index = Some(index.name);
                self.unknown_index = None;
            }
            None => {
                self.index = None;
                self.unknown_index = Some(name.to_owned());
            }
        }
        self
    }

    /// Splits the scan into `n` segments read concurrently (a parallel scan), each paginated on
    /// its own. Results are merged in segment order: all of segment 0, then segment 1, and so on;
    /// within a segment, in the order DynamoDB returned them. No order is implied across
    /// segments by DynamoDB itself.
    pub fn segments(self, n: u32) -> ParallelScan<T> {
        ParallelScan { scan: self, segments: n }
    }
}

/// A scan split into segments read concurrently; see [`Read::segments`].
#[must_use]
#[derive(Debug)]
pub struct ParallelScan<T> {
    scan: Read<T, Scan>,
    segments: u32,
}

impl<T: Send + 'static> ParallelScan<T> {
    fn readers(&self) -> Result<Vec<Reader<T>>> {
        self.readers_of(0..self.segments)
    }

    /// The readers of the segments in `range`, of a number of segments DynamoDB accepts.
    fn readers_of(&self, range: std::ops::Range<u32>) -> Result<Vec<Reader<T>>> {
        if self.segments == 0 || self.segments > MAX_SCAN_SEGMENTS {
            return Err(self.scan.error(Error::validation(format!(
                "a parallel scan needs 1 to {MAX_SCAN_SEGMENTS} segments"
            ))));
        }
        // Both fit: MAX_SCAN_SEGMENTS is DynamoDB's 1,000,000.
        let total = i32::try_from(self.segments).unwrap_or(i32::MAX);
        range
            .map(|segment| {
                let segment = i32::try_from(segment).unwrap_or(i32::MAX);
                self.scan.reader(Some((segment, total)))
            })
            .collect()
    }

    /// Reads one page of segment `segment` (0-based, below the number of segments), starting
    /// after the page that returned `cursor` — a [`Page::cursor`](super::Page::cursor) of this
    /// same segment of this same scan — or at the segment's start. With this a caller drives the
    /// segments itself and can store where each has got to (a backfill's checkpoint).
    ///
    /// # Errors
    /// An invalid scan, segment or cursor (before sending), DynamoDB's error, or a decoding error.
    pub async fn segment_page(&self, segment: u32, cursor: Option<&str>) -> Result<super::Page<T>> {
        if segment >= self.segments {
            return Err(self.scan.error(Error::validation(format!(
                "segment {segment} of a parallel scan of {} segments",
                self.segments
            ))));
        }
        let mut reader = self.readers_of(segment..segment + 1)?.remove(0);
        if let Some(text) = cursor {
            let start = crate::cursor::decode(text, self.scan.meta, self.scan.index);
            reader.start = Some(start.map_err(|e| self.scan.error(e))?);
        }
        reader.page().await
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
