//! Derive macros for ferrodyn: `#[derive(Model)]`, `#[derive(Attribute)]` and `#[derive(Entities)]`.
//!
//! Use them through the `ferrodyn` crate, which re-exports them. The generated code names
//! `::ferrodyn::__private` only, so that ferrodyn can change its internals without breaking users.
//!
//! The layers go one way: `ast` parses the attributes, `valid` checks them (one submodule per
//! derive, errors collected by `errors`), and the `expand_*` files generate code from what `valid`
//! resolved. When the input has an error, `fallback` emits the error with the trait impls a valid
//! input would have had, so that one mistake is reported once, not again at every use.

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

mod ast;
mod case;
mod errors;
mod expand_attribute;
mod expand_default;
mod expand_entities;
mod expand_keys;
mod expand_model;
mod expand_projection;
mod expand_relations;
mod expand_validate;
mod fallback;
mod fields;
mod template;
mod valid;

/// Derives `ferrodyn::Model` for a struct with named fields, plus inherent `key(..)`,
/// `partition(..)` and `<index>_partition(..)` constructors (the index name in snake case) and
/// typed field paths (`FIELDS`, of a generated `<Name>Fields` struct).
///
/// ```
/// use ferrodyn::{AttributeValue, Model};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Model, Serialize, Deserialize)]
/// #[ferrodyn(table = "shop", entity = "Order",
///            pk = "CUSTOMER#{customer_id}", sk = "ORDER#{order_id}",
///            index(name = "gsi1", pk = "STATUS#{status}", sk = "{created_at}"))]
/// pub struct Order { customer_id: String, order_id: String, status: String, created_at: String }
///
/// let key = Order::key("c1", "o1");
/// assert_eq!(key.attributes()["sk"], AttributeValue::S("ORDER#o1".into()));
/// let order = Order { customer_id: "c1".into(), order_id: "o1".into(), status: "paid".into(),
///                     created_at: "2026-11-21".into() };
/// let item = order.to_item().unwrap();
/// assert_eq!(item["gsi1pk"], AttributeValue::S("STATUS#paid".into()));
/// assert_eq!(Order::META.indexes[0].name, "gsi1");
/// assert_eq!(Order::gsi1_partition("paid").to_string(), "gsi1pk=STATUS#paid (index gsi1)");
/// ```
///
/// Options of `#[ferrodyn(...)]`, which may be split over several attributes:
/// - `table` (required), `entity` (an entity type written on every item and checked on read) and
///   `entity_attribute` (default `entity`).
/// - `pk` (required) and `sk`: key templates, literal text with `{field}` placeholders (`{{` and
///   `}}` for braces). A template that is just a field name (`pk = "id"`) makes that field's own
///   attribute the key. `pk_attribute`/`sk_attribute` name the key attributes (default `pk`, `sk`).
/// - `index(name, pk, sk, pk_attribute, sk_attribute)` for each global secondary index; attributes
///   default to `<name>pk`/`<name>sk`. A `None` template field leaves the index key out (sparse).
///   `local_index(name, sk, sk_attribute)` declares a local secondary index (the table's
///   partition key, this sort key; created with the table only). Both take `projection = "all"`
///   (the default) or `"keys_only"`, or `include = ["field", ...]` (INCLUDE: the keys and these
///   fields' attributes; the entity attribute is added, as reads filter on it).
/// - `validate = path::to_fn` (repeatable), a `fn(&Self) -> Result<(), E>` with `E: Display` (or
///   `ferrodyn::Invalid`, to name a field); on a field, `#[ferrodyn(validate = path)]`
///   (repeatable) with a `fn(&FieldType) -> Result<(), E>`. They make up `Model::validate`, which
///   every write of the whole value runs before sending.
/// - `unique = "field"` (repeatable): the field's value is unique across the model's items.
/// - Relations (repeatable), each generating an associated constant named after it in upper case
///   (`Customer::ORDERS`), read with `db.related(&value, Customer::ORDERS)`:
///   `has_many(orders = Order)` (the child's partition key renders from this model's fields),
///   `has_many(shipments = Shipment, index = "gsi1")` (the partition key of the child's index
///   does), `has_one(profile = Profile)` and `belongs_to(customer = Customer)` (the other model's
///   whole key renders from this one's fields), `many_to_many(courses = Course, inverse =
///   students)` (mirrored edge items in both models' partitions). The rules are asserted at compile
///   time over both models' `META`; see `ferrodyn::relation`.
///
/// Attribute names follow serde: `#[serde(rename)]`, `#[serde(rename_all)]`, `#[serde(skip)]` and
/// `#[serde(default)]` are honoured. Fields convert through their `ToAttributeValue` /
/// `FromAttributeValue` impls when they have them, and through serde_dynamo otherwise.
///
/// Of serde's container attributes, `rename_all` and `default` (`Default::default()` or
/// `default = "path"` gives missing fields their values) are honoured; `rename`, `bound`, `crate`
/// and `expecting` only concern serde's own impls and change nothing stored. The others are
/// compile errors, as no path could store the model the way serde would: `deny_unknown_fields`
/// (items carry key, index and entity attributes), `tag`, `content`, `untagged`, `transparent`,
/// `remote`, `from`, `try_from`, `into`, `rename_all_fields`, `variant_identifier` and
/// `field_identifier`.
#[proc_macro_derive(Model, attributes(ferrodyn))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_model::derive(&input).into()
}

/// Derives `ferrodyn::IndexProjection` for a struct with named fields holding what one index of a
/// model projects: `#[ferrodyn(projection_of = Order, index = "by_status")]`. Each field's
/// attribute (after serde renames) must be one the index projects — a key attribute of the
/// table or of the index, an attribute it `include`s, or any attribute of the model under ALL —
/// which is asserted at compile time over the model's `META`. Read it with
/// `db.query(Order::by_status_partition(..)).project::<OrderKeys>()`.
#[proc_macro_derive(IndexProjection, attributes(ferrodyn, serde))]
pub fn derive_index_projection(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_projection::derive(&input).into()
}

/// Derives `ferrodyn::ToAttributeValue` and `FromAttributeValue`.
///
/// - On a struct with named fields: a map (M). Every field's type must itself implement both
///   traits (primitives, collections, `Number`, `Binary`, timestamps, other `Attribute` types), so
///   that conversion stays infallible; a type that only has serde impls belongs in a `Model` field.
/// - On an enum whose variants are all units: a string (S) naming the variant, also usable in key
///   templates (`KeyPart`).
///
/// Names follow `#[serde(rename)]` and `#[serde(rename_all)]`, so both paths store the same thing;
/// a struct's `#[serde(default)]` is honoured as on a `Model`, and the same container attributes
/// are refused.
#[proc_macro_derive(Attribute, attributes(ferrodyn))]
pub fn derive_attribute(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_attribute::derive(&input).into()
}

/// Derives `ferrodyn::Entities` for an enum with one newtype variant per model of a shared table
/// (`enum CustomerView { Customer(Customer), Order(Order) }`), for single-table reads:
/// `db.query(Customer::partition("c1")).entities::<CustomerView>()`.
///
/// Each item goes to the variant whose model's entity type its entity attribute names, so every
/// variant's model must declare `entity = "..."` (a compile error otherwise).
#[proc_macro_derive(Entities, attributes(ferrodyn))]
pub fn derive_entities(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_entities::derive(&input).into()
}
