//! Consumed capacity: a [`Db`] handle made with [`Db::with_capacity_meter`] asks DynamoDB for the
//! capacity each of its requests consumed and totals it, so one scope (a Lambda invocation, a
//! single operation) can read what it cost.

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};

use crate::Db;

/// Capacity units consumed, split into reads and writes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Capacity {
    /// Read capacity units (GetItem, Query, Scan, BatchGetItem, TransactGetItems).
    pub read_units: f64,
    /// Write capacity units (PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems).
    pub write_units: f64,
}

impl Capacity {
    /// Read plus write units.
    pub fn total(&self) -> f64 {
        self.read_units + self.write_units
    }
}

/// The shared total of one metered scope.
#[derive(Debug, Clone, Default)]
pub(crate) struct Meter(Arc<Mutex<Capacity>>);

/// Whether a request reads or writes, for the split.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Usage {
    Read,
    Write,
}

impl Db {
    /// A handle on the same client whose operations record the capacity they consume, starting
    /// from zero; read it with [`consumed_capacity`](Db::consumed_capacity). Clones share the total.
    #[must_use]
    pub fn with_capacity_meter(&self) -> Db {
        self.map(|inner| inner.meter = Some(Meter::default()))
    }

    /// The capacity consumed so far by this handle's operations, if it has a meter.
    pub fn consumed_capacity(&self) -> Option<Capacity> {
        let meter = self.meter()?;
        let total = match meter.0.lock() {
            Ok(total) => *total,
            Err(poisoned) => *poisoned.into_inner(),
        };
        Some(total)
    }

    /// What to put in a request's `ReturnConsumedCapacity`.
    pub(crate) fn return_consumed_capacity(&self) -> Option<ReturnConsumedCapacity> {
        self.meter().map(|_| ReturnConsumedCapacity::Total)
    }

    /// Adds what a response reports to the meter.
    pub(crate) fn record_capacity<'a>(
        &self,
        usage: Usage,
        consumed: impl IntoIterator<Item = &'a ConsumedCapacity>,
    ) {
        let Some(meter) = self.meter() else { return };
        let units: f64 = consumed.into_iter().filter_map(ConsumedCapacity::capacity_units).sum();
        let mut total = match meter.0.lock() {
            Ok(total) => total,
            Err(poisoned) => poisoned.into_inner(),
        };
        match usage {
            Usage::Read => total.read_units += units,
            Usage::Write => total.write_units += units,
        }
    }
}
