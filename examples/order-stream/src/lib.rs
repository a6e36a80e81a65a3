//! The order-stream consumer: a Lambda on the `shop` table's stream that keeps a
//! [`CustomerStats`](orders_api::models::CustomerStats) item per customer from the Order records
//! (an insert adds the order, a removal subtracts it, a modification applies the change in
//! total), applying each record once although Lambda may deliver it more than once (per-record
//! idempotency, in a table of Powertools' layout). Records of other entity types, its own writes
//! included, are skipped without being decoded.

pub mod handler;
pub mod stats;
