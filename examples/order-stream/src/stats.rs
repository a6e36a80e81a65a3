//! What an Order change does to its customer's [`CustomerStats`]: the delta of one record, and
//! the update that applies it. The handler runs it once per record through its idempotency
//! record (see [`handler`](crate::handler)).

use ferrodyn::{Db, Update};
use orders_api::models::{CustomerStats, Order};

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

/// Adds `delta` to its customer's stats, creating them on the customer's first order: one
/// UpdateItem.
///
/// # Errors
/// DynamoDB failed (throttling, …): the record should be reported as failed and retried.
pub async fn apply(db: &Db, delta: &StatsDelta) -> ferrodyn::Result<()> {
    let update = Update::new()
        .add(CustomerStats::FIELDS.order_count, delta.order_count)
        .add(CustomerStats::FIELDS.total_cents, delta.total_cents);
    db.update(CustomerStats::key(&delta.customer_id), update).upsert().await
}
