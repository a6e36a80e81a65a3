//! What describes a model: the static metadata `#[derive(Model)]` generates ([`ModelMeta`] and its
//! parts, read as `Order::META` by schema code and tests), the traits a managed field's type must
//! implement, and [`DeserializeEntity`], the route by entity type that decoders of stream records
//! take. Users read these; the derive alone builds them.
//!
//! ```
//! use ferrodyn::meta::{ScalarType, TemplatePart};
//! use ferrodyn::Model;
//! # use serde::{Deserialize, Serialize};
//! #[derive(Model, Serialize, Deserialize)]
//! #[ferrodyn(table = "shop", pk = "CUSTOMER#{customer_id}")]
//! struct Customer { customer_id: String }
//!
//! let pk = &Customer::META.partition_key;
//! assert_eq!(pk.scalar, ScalarType::S);
//! assert_eq!(pk.template, &[TemplatePart::Literal("CUSTOMER#"), TemplatePart::Field("customer_id")]);
//! ```

pub use crate::entities::DeserializeEntity;
pub use crate::managed::{IdField, TimestampField, TtlValue, VersionField};
pub use crate::model::{
    EntityMeta, FieldMeta, IndexKind, IndexMeta, KeyMeta, ManagedFields, ModelMeta, ProjectionMeta,
    ScalarType, TemplatePart,
};
