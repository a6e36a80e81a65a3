//! Attribute paths: a top-level attribute name, then map keys and list indexes.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// A path to an attribute, typed by the Rust type stored there. Models get one per field through
/// `Model::FIELDS` (generated); [`attr`](crate::expression::attr) builds an untyped one.
pub struct Path<T> {
    pub(crate) root: Cow<'static, str>,
    pub(crate) rest: Vec<Segment>,
    ty: PhantomData<fn() -> T>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Field(Cow<'static, str>),
    Index(usize),
}

impl<T> Path<T> {
    /// The top-level attribute `name`.
    pub const fn new(name: &'static str) -> Self {
        Path { root: Cow::Borrowed(name), rest: Vec::new(), ty: PhantomData }
    }

    /// A top-level attribute with a runtime name.
    pub fn named(name: impl Into<Cow<'static, str>>) -> Self {
        Path { root: name.into(), rest: Vec::new(), ty: PhantomData }
    }

    /// The map entry `name` below this path (untyped).
    #[must_use]
    pub fn field<U>(self, name: impl Into<Cow<'static, str>>) -> Path<U> {
        let mut rest = self.rest;
        rest.push(Segment::Field(name.into()));
        Path { root: self.root, rest, ty: PhantomData }
    }

    /// The list element `index` below this path (untyped).
    #[must_use]
    pub fn index<U>(self, index: usize) -> Path<U> {
        let mut rest = self.rest;
        rest.push(Segment::Index(index));
        Path { root: self.root, rest, ty: PhantomData }
    }

    /// The top-level attribute name.
    pub fn root(&self) -> &str {
        &self.root
    }

    /// Whether the path is a top-level attribute.
    pub fn is_top_level(&self) -> bool {
        self.rest.is_empty()
    }

    /// The same path with another type.
    pub(crate) fn cast<U>(self) -> Path<U> {
        Path { root: self.root, rest: self.rest, ty: PhantomData }
    }

    /// An untyped copy, for storing in an expression.
    pub(crate) fn erased(&self) -> Path<()> {
        Path { root: self.root.clone(), rest: self.rest.clone(), ty: PhantomData }
    }
}

/// A [`Path`] or a reference to one: update actions and projections take either.
pub trait IntoPath {
    /// The Rust type stored at the path.
    type Type;
    /// The path.
    fn into_path(self) -> Path<Self::Type>;
}

impl<T> IntoPath for Path<T> {
    type Type = T;
    fn into_path(self) -> Path<T> {
        self
    }
}

impl<T> IntoPath for &Path<T> {
    type Type = T;
    fn into_path(self) -> Path<T> {
        self.clone()
    }
}

impl<T> Clone for Path<T> {
    fn clone(&self) -> Self {
        Path { root: self.root.clone(), rest: self.rest.clone(), ty: PhantomData }
    }
}

impl<T> fmt::Display for Path<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.root)?;
        for segment in &self.rest {
            match segment {
                Segment::Field(name) => write!(f, ".{name}")?,
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

impl<T> fmt::Debug for Path<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Path({self})")
    }
}
