//! What an Order change does to its customer's [`CustomerStats`], and applying it exactly once.
//!
//! Lambda delivers stream records at least once, so each change is applied in one transaction
//! with an [`AppliedChange`] marker keyed by the record's `eventID` and created only if absent:
//! a redelivered record finds its marker, the transaction is cancelled, and the stats stay as
//! they are. The marker expires (TTL) well after the stream's 24-hour retention, past which no
//! record can be delivered again.
//!
//! Limits of the choice: each applied record costs a marker write (a transaction of two writes,
//! so four write units); a record whose marker was already removed by TTL would apply twice,
//! which cannot happen while the TTL outlives the stream's retention; and a record given up on
//! (sent to the on-failure destination) is never applied, so the stats need a rebuild from the
//! orders if that happens.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ferrodyn::{Db, ErrorKind, Update};
use orders_api::models::{AppliedChange, CustomerStats, Order};

/// How long a marker outlives its record: the stream keeps records 24 hours, and TTL deletion
/// may lag; a week leaves a wide margin at the cost of a few bytes per record.
pub const MARKER_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// What one Order change adds to its customer's stats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsDelta {
    /// Whose stats.
    pub customer_id: String,
    /// +1 for a new order, −1 for a deleted one.
    pub order_count: i64,
    /// The change in the sum of the customer's order totals.
    pub total_cents: i64,
}

impl StatsDelta {
    /// The delta of a change from `old` to `new` (either absent for an insert or a removal);
    /// `None` when nothing changes for the stats (a status change, or neither image).
    pub fn between(old: Option<&Order>, new: Option<&Order>) -> Option<StatsDelta> {
        let (customer_id, order_count, total_cents) = match (old, new) {
            (None, Some(new)) => (&new.customer_id, 1, signed(new.total_cents)),
            (Some(old), None) => (&old.customer_id, -1, -signed(old.total_cents)),
            (Some(old), Some(new)) => {
                (&new.customer_id, 0, signed(new.total_cents) - signed(old.total_cents))
            }
            (None, None) => return None,
        };
        (order_count != 0 || total_cents != 0).then(|| StatsDelta {
            customer_id: customer_id.clone(),
            order_count,
            total_cents,
        })
    }
}

/// Totals above `i64::MAX` cents cannot be written by the API; saturating keeps the arithmetic
/// total anyway.
fn signed(cents: u64) -> i64 {
    i64::try_from(cents).unwrap_or(i64::MAX)
}

/// Whether [`apply`] changed the stats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The stats changed and the marker was written.
    Now,
    /// The record's marker was there: it had been applied before.
    Already,
}

/// Applies `delta`, which stream record `event_id` carries, unless that record was applied
/// before.
///
/// # Errors
/// DynamoDB failed (throttling, a transaction conflict with a concurrent delivery, …): the
/// record should be reported as failed and retried.
pub async fn apply(db: &Db, event_id: &str, delta: &StatsDelta) -> ferrodyn::Result<Applied> {
    let expires_at =
        (SystemTime::now() + MARKER_LIFETIME).duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let marker = AppliedChange {
        customer_id: delta.customer_id.clone(),
        event_id: event_id.to_owned(),
        expires_at,
    };
    let update = Update::new()
        .add(CustomerStats::FIELDS.order_count, delta.order_count)
        .add(CustomerStats::FIELDS.total_cents, delta.total_cents);
    let result = db
        .transaction()
        .create(db.create(&marker))
        .update(db.update(CustomerStats::key(&delta.customer_id), update).upsert())
        .send()
        .await;
    match result {
        Ok(()) => Ok(Applied::Now),
        Err(error) if marker_exists(&error) => Ok(Applied::Already),
        Err(error) => Err(error),
    }
}

/// The transaction was cancelled because the marker (action 0) exists, and for no other reason.
fn marker_exists(error: &ferrodyn::Error) -> bool {
    error.cancellation_reasons().is_some_and(|reasons| {
        reasons.iter().any(|r| r.index() == 0 && r.kind() == Some(ErrorKind::ConditionFailed))
            && reasons.iter().all(|r| r.index() == 0 || r.kind().is_none())
    })
}
