//! Single-item operations: GetItem, PutItem (put and create), UpdateItem, DeleteItem.
//!
//! Each builder validates everything it can before sending (keys, item limits, expression limits),
//! and its errors carry the operation, the model and the key. Builders are also futures
//! (`db.put(&order).await`), the same as calling `.send()`.

mod delete;
mod get;
mod put;
mod update;

pub use delete::DeleteItem;
pub use get::GetItem;
pub use put::PutItem;
pub use update::UpdateItem;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::Result;
use crate::expression::{Condition, Placeholders};
use crate::validate;

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
