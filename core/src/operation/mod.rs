//! Operations: single items (GetItem, PutItem for put and create, UpdateItem, DeleteItem, and
//! partial saves, an UpdateItem of what changed), batches of them (BatchGetItem, BatchWriteItem,
//! and the request-scoped [`Loader`] that coalesces single loads into BatchGetItem), transactions,
//! and reads of many items (Query, Scan).
//!
//! Each builder validates everything it can before sending (keys, item limits, expression limits),
//! and its errors carry the operation, the model and the key. Builders are also futures
//! (`db.put(&order).await`), the same as calling `.send()`.
//!
//! Put, create, update, delete and condition checks prepare one value (`write`), from which both
//! the single-item request and the transaction action are built; Query and Scan are one builder,
//! [`Read`], generic over the kind of read ([`kind`]).

mod batch;
mod batch_get;
mod batch_write;
mod delete;
mod get;
mod loader;
mod put;
mod read;
mod save;
mod transaction;
mod unique;
mod update;
mod write;

pub use batch::{RetryPolicy, Unprocessed, UnprocessedKey, UnprocessedWrite, WriteKind};
pub use batch_get::{BatchGet, BatchGetOutput};
pub use batch_write::BatchWrite;
pub use delete::DeleteItem;
pub use get::GetItem;
pub use loader::{Loader, LoaderStats};
pub use put::PutItem;
pub use read::{kind, Count, Page, ParallelScan, Query, Read, ReadKind, Scan};
pub use save::{SaveItem, Saved};
pub use transaction::{
    CancellationReason, ConditionCheck, TransactGet, TransactGetOutput, Transaction,
    MAX_CLIENT_REQUEST_TOKEN_CHARS, MAX_TRANSACTION_ACTIONS, MAX_TRANSACTION_BYTES,
};
pub use unique::{GUARD_ENTITY, MAX_UNIQUE_ATTEMPTS, UNIQUE_OWNER_ATTRIBUTE};
pub use update::UpdateItem;

use aws_sdk_dynamodb::types::AttributeValue;

pub(crate) use save::version_of;
pub(crate) use write::{Prepared, WriteOp};

/// Defines builder setters that store a value in the field of their own name: the options several
/// builders share, each with the documentation its builder needs. `from old` binds the field's
/// previous value (taken) for the new one to build on.
macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident($arg:ident: $ty:ty) $(from $old:ident)? => $value:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, $arg: $ty) -> Self {
                $(let $old = self.$name.take();)?
                self.$name = $value;
                self
            }
        )*
    };
}

pub(crate) use setters;

/// Implements `IntoFuture` by calling `send`.
macro_rules! into_future {
    ($builder:ident, $output:ty) => {
        impl<M: crate::Model + Send + 'static> std::future::IntoFuture for $builder<M> {
            type Output = crate::Result<$output>;
            type IntoFuture =
                std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;
            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}

pub(crate) use into_future;

/// Whether a value returned for a key is absent or empty (an empty map means no item).
pub(crate) fn no_item(item: Option<&std::collections::HashMap<String, AttributeValue>>) -> bool {
    item.is_none_or(|i| i.is_empty())
}
