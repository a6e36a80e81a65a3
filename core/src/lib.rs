#![doc = include_str!("../README.md")]

mod capacity;
mod cursor;
mod db;
mod entities;
mod error;
pub mod expression;
mod key;
pub mod limits;
mod managed;
pub mod meta;
pub mod migrate;
mod model;
pub mod operation;
mod projection;
pub mod relation;
pub mod schema;
pub mod tenant;
pub mod validate;
mod validator;
pub mod value;

#[doc(hidden)]
pub mod __private;

pub use capacity::Capacity;
pub use db::Db;
pub use entities::{Entities, Unknown};
pub use error::{Error, ErrorKind, Result};
pub use expression::{attr, Condition, Path, Projection, Update};
pub use key::{Key, KeyPart, Partition};
pub use managed::new_ulid;
pub use model::Model;
pub use operation::{Count, Page};
pub use projection::IndexProjection;
pub use validator::Invalid;
pub use value::{
    from_attribute_value, to_attribute_value, Binary, FromAttributeValue, Item, Number, SetElement,
    ToAttributeValue,
};

pub use aws_sdk_dynamodb::types::AttributeValue;

#[cfg(feature = "derive")]
pub use ferrodyn_derive::{Attribute, Entities, IndexProjection, Model};
