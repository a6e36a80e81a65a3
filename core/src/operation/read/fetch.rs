//! Fetching what a [`Read`](super::Read) rendered: its request page by page (a Query or a Scan
//! call), and the ways of reading the results — one [`Page`], a lazy stream of items, every item,
//! or a [`Count`].

use std::collections::{HashMap, VecDeque};

use aws_sdk_dynamodb::types::{AttributeValue, Select};
use futures_util::Stream;

use crate::capacity::Usage;
use crate::entities::Unknown;
use crate::error::{Error, Result};
use crate::model::ModelMeta;
use crate::value::Item;
use crate::{cursor, Db};

use super::DecodeFn;

/// One page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of the page, in the order DynamoDB returned them.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page. Opaque and URL-safe: hand it back to
    /// `cursor(..)` of the same query (same partition and index) or scan.
    pub cursor: Option<String>,
}

/// What a count read: `count` items matched the filter out of `scanned_count` items read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Count {
    /// Items that matched (after the filter).
    pub count: u64,
    /// Items read (before the filter); what the read consumed capacity for.
    pub scanned_count: u64,
}

impl std::ops::AddAssign for Count {
    fn add_assign(&mut self, other: Count) {
        self.count += other.count;
        self.scanned_count += other.scanned_count;
    }
}

/// The parts of a Query or Scan request that stay the same from page to page.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) db: Db,
    pub(crate) operation: &'static str,
    pub(crate) meta: &'static ModelMeta,
    /// The type read (the model, or the enum of an entities read), for error messages.
    pub(crate) type_name: &'static str,
    /// The partition, for error messages (queries only).
    pub(crate) context: Option<String>,
    pub(crate) index: Option<&'static str>,
    pub(crate) key_condition: Option<String>,
    pub(crate) filter: Option<String>,
    pub(crate) projection: Option<String>,
    pub(crate) names: Option<HashMap<String, String>>,
    pub(crate) values: Option<HashMap<String, AttributeValue>>,
    pub(crate) consistent_read: bool,
    pub(crate) limit: Option<i32>,
    pub(crate) forward: bool,
    /// `(segment, total_segments)` of a parallel scan.
    pub(crate) segment: Option<(i32, i32)>,
}

/// One page as DynamoDB returned it.
pub(crate) struct Fetched {
    pub(crate) items: Vec<Item>,
    pub(crate) last: Option<Item>,
    pub(crate) count: Count,
}

impl Request {
    pub(crate) fn error(&self, e: Error) -> Error {
        e.context(self.operation, self.type_name, self.context.clone())
    }

    /// Fetches the page starting after `start`; `count` asks for counts only (Select COUNT).
    pub(crate) async fn fetch(&self, start: Option<Item>, count: bool) -> Result<Fetched> {
        let client = self.db.client();
        let table = self.db.table_name(self.meta.table);
        // A projection is meaningless with Select COUNT, and DynamoDB rejects the pair; the names
        // map must then lose the projection's placeholders too.
        let (projection, names) = if count {
            (None, self.names_without('p'))
        } else {
            (self.projection.clone(), self.names.clone())
        };
        let select = count.then_some(Select::Count);
        // Query and Scan name their shared parameters alike; each adds its own.
        macro_rules! send {
            ($builder:expr) => {{
                let output = $builder
                    .table_name(table)
                    .set_index_name(self.index.map(str::to_owned))
                    .set_filter_expression(self.filter.clone())
                    .set_projection_expression(projection)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(self.values.clone())
                    .consistent_read(self.consistent_read)
                    .set_limit(self.limit)
                    .set_exclusive_start_key(start)
                    .set_select(select)
                    .set_return_consumed_capacity(self.db.return_consumed_capacity())
                    .send()
                    .await
                    .map_err(|e| self.error(Error::from_sdk(e)))?;
                self.db.record_capacity(Usage::Read, output.consumed_capacity());
                (output.items, output.last_evaluated_key, (output.count, output.scanned_count))
            }};
        }
        let (items, last, counts) = match &self.key_condition {
            Some(key_condition) => send!(client
                .query()
                .key_condition_expression(key_condition)
                .scan_index_forward(self.forward)),
            None => send!(client
                .scan()
                .set_segment(self.segment.map(|s| s.0))
                .set_total_segments(self.segment.map(|s| s.1))),
        };
        let to_u64 = |n: i32| u64::try_from(n).unwrap_or(0);
        Ok(Fetched {
            items: items.unwrap_or_default(),
            last: last.filter(|k| !k.is_empty()),
            count: Count { count: to_u64(counts.0), scanned_count: to_u64(counts.1) },
        })
    }

    fn names_without(&self, prefix: char) -> Option<HashMap<String, String>> {
        let own = format!("#{prefix}");
        let names: HashMap<String, String> = self
            .names
            .iter()
            .flatten()
            .filter(|(k, _)| !k.starts_with(&own))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        (!names.is_empty()).then_some(names)
    }

    /// The cursor for a page's last key.
    fn cursor(&self, last: Option<&Item>) -> Result<Option<String>> {
        last.map(|key| cursor::encode(self.index, key)).transpose().map_err(|e| self.error(e))
    }
}

/// A validated request, where it starts, and how its items are decoded.
pub(crate) struct Reader<T> {
    pub(crate) request: Request,
    pub(crate) start: Option<Item>,
    pub(crate) decode: DecodeFn<T>,
    pub(crate) unknown: Unknown,
}

impl<T: Send + 'static> Reader<T> {
    fn decode_all(&self, items: Vec<Item>, out: &mut Vec<T>) -> Result<()> {
        for item in items {
            if let Some(value) =
                (self.decode)(item, self.unknown).map_err(|e| self.request.error(e))?
            {
                out.push(value);
            }
        }
        Ok(())
    }

    pub(crate) async fn page(self) -> Result<Page<T>> {
        let fetched = self.request.fetch(self.start.clone(), false).await?;
        let mut items = Vec::with_capacity(fetched.items.len());
        self.decode_all(fetched.items, &mut items)?;
        Ok(Page { items, cursor: self.request.cursor(fetched.last.as_ref())? })
    }

    pub(crate) async fn all(self) -> Result<Vec<T>> {
        let mut items = Vec::new();
        let mut start = self.start.clone();
        loop {
            let fetched = self.request.fetch(start, false).await?;
            self.decode_all(fetched.items, &mut items)?;
            match fetched.last {
                Some(last) => start = Some(last),
                None => return Ok(items),
            }
        }
    }

    pub(crate) async fn count(self) -> Result<Count> {
        let mut total = Count::default();
        let mut start = self.start.clone();
        loop {
            let fetched = self.request.fetch(start, true).await?;
            total += fetched.count;
            match fetched.last {
                Some(last) => start = Some(last),
                None => return Ok(total),
            }
        }
    }

    /// Boxed so that the stream is `Unpin`: callers can use `next()` without pinning it, for one
    /// allocation per stream (a page is a network round trip).
    pub(crate) fn stream(self) -> impl Stream<Item = Result<T>> + Send + Unpin {
        let state = StreamState {
            buffer: VecDeque::new(),
            next: self.start.clone().map_or(Next::First, Next::After),
            reader: self,
        };
        Box::pin(futures_util::stream::unfold(state, |mut state| async move {
            loop {
                if let Some(item) = state.buffer.pop_front() {
                    let reader = &state.reader;
                    match (reader.decode)(item, reader.unknown) {
                        Ok(Some(value)) => return Some((Ok(value), state)),
                        Ok(None) => continue,
                        // One bad item is reported and the stream goes on with the next.
                        Err(e) => {
                            let e = reader.request.error(e);
                            return Some((Err(e), state));
                        }
                    }
                }
                let start = match std::mem::replace(&mut state.next, Next::Done) {
                    Next::Done => return None,
                    Next::First => None,
                    Next::After(key) => Some(key),
                };
                match state.reader.request.fetch(start, false).await {
                    Ok(fetched) => {
                        state.buffer = fetched.items.into();
                        state.next = fetched.last.map_or(Next::Done, Next::After);
                    }
                    // A failed page ends the stream: what follows it is unknown.
                    Err(e) => return Some((Err(e), state)),
                }
            }
        }))
    }
}

struct StreamState<T> {
    reader: Reader<T>,
    buffer: VecDeque<Item>,
    next: Next,
}

enum Next {
    First,
    After(Item),
    Done,
}
