//! Expressions: conditions (and filters), updates and projections.
//!
//! Names and values always go through generated `#name`/`:value` placeholders: reserved words are
//! safe and no value is ever formatted into expression text. `Debug` output shows attribute names
//! and `?` in place of values.

mod condition;
mod diff;
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

pub(crate) use diff::diff_items;
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

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;

    #[test]
    fn condition_and_update_placeholders_never_collide() {
        let mut placeholders = Placeholders::default();
        let update = Update::new().set(attr("status"), "paid").increment(attr("count"), 1);
        let condition = attr("status").eq("pending").and(attr("count").lt(10));
        let update_text = update.render(&mut placeholders);
        let condition_text = condition.render('c', &mut placeholders);
        assert_eq!(update_text, "SET #u0 = :u0, #u1 = if_not_exists(#u1, :u1) + :u2");
        assert_eq!(condition_text, "(#c0 = :c0 AND #c1 < :c1)");
        assert_eq!(placeholders.names["#u0"], "status");
        assert_eq!(placeholders.names["#c0"], "status");
        assert_eq!(placeholders.values[":u0"], AttributeValue::S("paid".into()));
        assert_eq!(placeholders.values[":c0"], AttributeValue::S("pending".into()));
        assert_eq!(placeholders.values.len(), 5);
        // Values are bound, never formatted into the text.
        assert!(!update_text.contains("paid") && !condition_text.contains("pending"));
    }

    #[test]
    fn nested_paths_and_reserved_words_are_placeholders() {
        let mut placeholders = Placeholders::default();
        let path = attr("data").field::<Untyped>("size").index::<Untyped>(3);
        let text = path.size().gt(2).render('f', &mut placeholders);
        assert_eq!(text, "size(#f0.#f1[3]) > :f0");
        assert_eq!(placeholders.names["#f1"], "size");
    }
}
