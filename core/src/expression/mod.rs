//! Expressions: conditions (and filters), updates and projections.
//!
//! Names and values always go through generated `#name`/`:value` placeholders: reserved words are
//! safe and no value is ever formatted into expression text. `Debug` output shows attribute names
//! and `?` in place of values.

mod condition;
mod path;
mod placeholders;
mod projection;
mod update;
mod value_of;

pub use condition::{AttributeType, Condition, Size};
pub use path::{IntoPath, Path};
pub use projection::Projection;
pub use update::Update;
pub use value_of::{Accepts, Untyped};

pub(crate) use placeholders::Placeholders;
pub(crate) use update::{Action, ActionKind};

use std::borrow::Cow;

/// An untyped path to the top-level attribute `name` (taken literally: dots are not separators).
///
/// ```
/// use ferrodyn::expression::attr;
/// let c = attr("address").field::<ferrodyn::expression::Untyped>("city").eq("Oslo");
/// assert_eq!(format!("{c:?}"), "Condition(address.city = ?)");
/// ```
pub fn attr(name: impl Into<Cow<'static, str>>) -> Path<Untyped> {
    Path::named(name)
}
