//! Typed projections: a struct holding what one index of a model projects, declared with
//! `#[derive(IndexProjection)]` and read with [`Read::project`](crate::operation::Read::project).
//! The derive asserts at compile time, over the model's `META`, that the index exists and
//! projects every field's attribute; a read sends a `ProjectionExpression` of exactly those
//! attributes and decodes each item from them.

use crate::error::Result;
use crate::model::Model;
use crate::value::Item;

/// A struct of the attributes one index of [`Self::Model`] projects. Implement it with
/// `#[derive(IndexProjection)]` and `#[ferrodyn(projection_of = Model, index = "name")]`.
pub trait IndexProjection: Sized {
    /// The model whose index this projects.
    type Model: Model;
    /// The index name.
    const INDEX: &'static str;
    /// The Rust type name, for errors.
    const TYPE_NAME: &'static str;
    /// The attributes read: one per field, after serde renames.
    const ATTRIBUTES: &'static [&'static str];

    /// Decodes an item read through the index.
    ///
    /// # Errors
    /// A typed error naming the attribute: wrong type, missing, out of range.
    fn from_item(item: Item) -> Result<Self>;
}
