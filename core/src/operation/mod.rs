//! Single-item operations: GetItem, PutItem (put and create), UpdateItem, DeleteItem; and reads of
//! many items: Query and Scan.
//!
//! Each builder validates everything it can before sending (keys, item limits, expression limits),
//! and its errors carry the operation, the model and the key. Builders are also futures
//! (`db.put(&order).await`), the same as calling `.send()`.

mod delete;
mod get;
mod put;
mod query;
mod read;
mod scan;
mod update;

pub use delete::DeleteItem;
pub use get::GetItem;
pub use put::PutItem;
pub use query::Query;
pub use read::{Count, Page};
pub use scan::{ParallelScan, Scan};
pub use update::UpdateItem;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::expression::{Condition, Placeholders};
use crate::validate;
use crate::value::Item;

/// A validated single-item write with its expressions rendered: what `send` turns into an SDK
/// request, and what a transaction turns into one of its actions.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) operation: &'static str,
    pub(crate) model: &'static str,
    /// The physical table name.
    pub(crate) table: String,
    /// The whole item for a put, the key otherwise.
    pub(crate) item: Item,
    /// The key, for error messages.
    pub(crate) key_text: String,
    pub(crate) update: Option<String>,
    pub(crate) condition: Option<String>,
    pub(crate) names: Option<HashMap<String, String>>,
    pub(crate) values: Option<HashMap<String, AttributeValue>>,
    /// An update that must not create the item (a failed existence check is "not found").
    pub(crate) must_exist: bool,
}

impl Prepared {
    /// Adds the operation, model and key to an error.
    pub(crate) fn error(&self, e: Error) -> Error {
        e.context(self.operation, self.model, Some(self.key_text.clone()))
    }
}

/// Checks a condition's values and renders it with prefix `c`.
pub(crate) fn render_condition(
    condition: &Condition,
    placeholders: &mut Placeholders,
) -> Result<String> {
    for value in condition.values() {
        validate::check_value(value, 1)?;
    }
    if condition.largest_in() > validate::MAX_IN_VALUES {
        return Err(crate::Error::validation(format!(
            "an IN condition has more than DynamoDB's {} values",
            validate::MAX_IN_VALUES
        )));
    }
    let expression = condition.render('c', placeholders);
    validate::check_expression("condition", &expression, &placeholders.names)?;
    Ok(expression)
}

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
