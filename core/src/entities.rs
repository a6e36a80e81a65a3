//! Single-table reads into an enum: the [`Entities`] trait that `#[derive(Entities)]` implements,
//! what to do with an item whose entity type no variant names ([`Unknown`]), and
//! [`DeserializeEntity`], the route by entity type into the models' generated decoders that
//! decoders of other item encodings (stream records) use.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, ErrorKind, Result};
use crate::model::ModelMeta;
use crate::value::{Item, MapSource};

/// An enum with one newtype variant per model sharing a table, chosen by each item's entity
/// attribute. Implement it with `#[derive(Entities)]`; every variant's model must declare `entity`.
///
/// ```
/// use ferrodyn::{Entities, Model};
/// # use serde::{Deserialize, Serialize};
/// #[derive(Serialize, Deserialize, Model)]
/// #[ferrodyn(table = "shop", entity = "Customer", pk = "CUSTOMER#{id}", sk = "PROFILE")]
/// struct Customer { id: String, name: String }
///
/// #[derive(Serialize, Deserialize, Model)]
/// #[ferrodyn(table = "shop", entity = "Order", pk = "CUSTOMER#{customer_id}", sk = "ORDER#{order_id}")]
/// struct Order { customer_id: String, order_id: String }
///
/// #[derive(Entities)]
/// enum CustomerView { Customer(Customer), Order(Order) }
///
/// let item = Order { customer_id: "c1".into(), order_id: "o1".into() }.to_item().unwrap();
/// assert!(matches!(CustomerView::from_entity_item(item), Some(Ok(CustomerView::Order(_)))));
/// ```
pub trait Entities: Sized {
    /// The enum's name, for error messages.
    const TYPE_NAME: &'static str;
    /// The models of the variants, in declaration order.
    const MODELS: &'static [&'static ModelMeta];

    /// Decodes an item into the variant its entity attribute names; `None` when no variant does.
    fn from_entity_item(item: Item) -> Option<Result<Self>>;
}

/// A model, or an [`Entities`] enum, decodable from an item of one of its entity types held by
/// any [`MapSource`]: what decoders of item encodings other than the SDK's (DynamoDB Streams
/// JSON, `aws_lambda_events` images) call, so that they decode by the model's one generated
/// definition, as `get` does. The model need not implement serde's `Deserialize`.
///
/// `#[derive(Model)]` implements it for every model, and `#[derive(Entities)]` for every enum.
/// A decoder reads the item's entity attribute, finds the matching entry of
/// [`MODELS`](Self::MODELS) (the model itself, or the variants' models in declaration order) and
/// calls [`decode_model`](Self::decode_model) with its index. An item without the entity
/// attribute decodes as the model at [`WITHOUT_ENTITY`](Self::WITHOUT_ENTITY) (a model's own
/// decoder reads it, as [`Model::from_item`](crate::Model::from_item) does) or, when that is
/// `None` (an `Entities` enum), is left undecoded; items of other entity types are left
/// undecoded.
pub trait DeserializeEntity<'de>: Sized {
    /// The models this type decodes.
    const MODELS: &'static [&'static ModelMeta];

    /// The index in [`MODELS`](Self::MODELS) of the model an item without the entity attribute
    /// decodes as: `Some(0)` for a model, `None` for an [`Entities`] enum.
    const WITHOUT_ENTITY: Option<usize>;

    /// Decodes an item of the model at `index` in [`MODELS`](Self::MODELS).
    ///
    /// # Errors
    /// The model's decoding error, naming the attribute, or an index out of range.
    fn decode_model<M: MapSource<'de>>(index: usize, item: M) -> Result<Self>;
}

/// What a single-table read does with an item whose entity type no variant of the enum names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unknown {
    /// Fail with [`ErrorKind::WrongEntity`] naming the entity type found (the default).
    #[default]
    Error,
    /// Leave the item out.
    Skip,
}

/// Whether `item` is an item of `meta`'s entity type.
#[doc(hidden)]
pub fn is_entity(item: &Item, meta: &ModelMeta) -> bool {
    match &meta.entity {
        Some(entity) => {
            matches!(item.get(entity.attribute), Some(AttributeValue::S(s)) if s == entity.value)
        }
        None => false,
    }
}

/// The error for an item that no variant of `E` accepts.
pub(crate) fn unknown_entity<E: Entities>(item: &Item) -> Error {
    let attribute =
        E::MODELS.iter().find_map(|m| m.entity.as_ref()).map_or("entity", |e| e.attribute);
    let expected: Vec<&str> =
        E::MODELS.iter().filter_map(|m| m.entity.as_ref().map(|e| e.value)).collect();
    let found = match item.get(attribute) {
        Some(AttributeValue::S(s)) => format!("entity type `{s}`"),
        Some(_) => "a non-string entity attribute".to_owned(),
        None => "no entity attribute".to_owned(),
    };
    Error::new(
        ErrorKind::WrongEntity,
        format!("item has {found}; {} reads {}", E::TYPE_NAME, expected.join(", ")),
    )
}

/// Decodes an item into `E`, applying `unknown`.
pub(crate) fn decode<E: Entities>(item: Item, unknown: Unknown) -> Result<Option<E>> {
    // Checked on the borrowed item so that the error can name what it found.
    if !E::MODELS.iter().any(|m| is_entity(&item, m)) {
        return match unknown {
            Unknown::Error => Err(unknown_entity::<E>(&item)),
            Unknown::Skip => Ok(None),
        };
    }
    match E::from_entity_item(item) {
        Some(result) => result.map(Some),
        None => Err(Error::new(
            ErrorKind::WrongEntity,
            format!("no variant of {} matched", E::TYPE_NAME),
        )),
    }
}
