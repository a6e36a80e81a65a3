//! What a read needs of each item against what its index projects: a read of the whole model
//! through a `KEYS_ONLY` or `INCLUDE` index that lacks some of its attributes is refused before
//! sending, and a read into a typed projection ([`Read::project`]) asks for exactly its
//! attributes.

use super::{Read, ReadKind};
use crate::error::{Error, Result};
use crate::expression::{Path, Placeholders, Projection};
use crate::model::{Model, ModelMeta};
use crate::projection::IndexProjection;
use crate::validate;

/// What decoding needs of each item.
#[derive(Debug, Clone, Copy)]
pub(super) enum Reads {
    /// Every field of the model, and its entity attribute.
    Model,
    /// A typed projection of `index`: exactly these attributes.
    Attributes { type_name: &'static str, index: &'static str, attributes: &'static [&'static str] },
    /// Whatever the items hold (an [`Entities`](crate::Entities) read decides per item).
    Unchecked,
}

fn decode_projection<P: IndexProjection>(
    item: crate::value::Item,
    _: crate::Unknown,
) -> Result<Option<P>> {
    P::from_item(item).map(Some)
}

impl<M: Model, K: ReadKind> Read<M, K> {
    /// Reads each item into `P`, a typed projection of one of `M`'s indexes
    /// (`#[derive(IndexProjection)]`), asking DynamoDB for exactly `P`'s attributes. The read
    /// must be of that index (a query of its partition, a scan with [`index`](Read::index)),
    /// else it is refused before sending.
    pub fn project<P: IndexProjection<Model = M>>(self) -> Read<P, K> {
        Read {
            db: self.db,
            meta: self.meta,
            type_name: self.type_name,
            index: self.index,
            unknown_index: self.unknown_index,
            filter: self.filter,
            entity_filter: self.entity_filter,
            projection: self.projection,
            reads: Reads::Attributes {
                type_name: P::TYPE_NAME,
                index: P::INDEX,
                attributes: P::ATTRIBUTES,
            },
            consistent_read: self.consistent_read,
            limit: self.limit,
            cursor: self.cursor,
            decode: decode_projection::<P>,
            unknown: self.unknown,
            kind: self.kind,
            refused: self.refused,
        }
    }
}

/// Checks that the index read (`None`: the table) returns what decoding needs; `explicit` when
/// the caller chose the projection expression, and so what a model read returns.
pub(super) fn check(
    meta: &'static ModelMeta,
    index: Option<&'static str>,
    reads: &Reads,
    explicit: bool,
) -> Result<()> {
    let found = index.and_then(|name| meta.index(name));
    match *reads {
        Reads::Attributes { type_name, index: wanted, .. } if index != Some(wanted) => {
            Err(Error::validation(format!(
                "projection {type_name} is of index `{wanted}`, but this read is of {}",
                index.map_or_else(|| "the table".to_owned(), |i| format!("index `{i}`"))
            )))
        }
        Reads::Model if !explicit => {
            let Some(found) = found else { return Ok(()) };
            let missing: Vec<String> = meta
                .fields
                .iter()
                .map(|f| f.attribute)
                .chain(meta.decode_attributes())
                .filter(|a| !found.projects(meta, a))
                .map(|a| format!("`{a}`"))
                .collect();
            if missing.is_empty() {
                return Ok(());
            }
            Err(Error::validation(format!(
                "index `{}` projects {} and not {}, which model {} needs; read it into a typed \
                 projection (`#[derive(IndexProjection)]`, `.project::<P>()`)",
                found.name,
                found.projection.type_name(),
                missing.join(", "),
                meta.type_name
            )))
        }
        _ => Ok(()),
    }
}

/// Renders a typed projection's attributes with prefix `p`, nothing added.
pub(super) fn render(
    attributes: &[&'static str],
    placeholders: &mut Placeholders,
) -> Result<Option<String>> {
    if attributes.is_empty() {
        return Ok(None);
    }
    let projection: Projection =
        attributes.iter().map(|a| Path::<()>::new(a)).collect::<Vec<_>>().into();
    let expression = projection.render(placeholders, []);
    validate::check_expression("projection", &expression, &placeholders.names)?;
    Ok(Some(expression))
}
