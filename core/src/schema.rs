//! Table definitions derived from model metadata: key schema, attribute definitions and secondary
//! indexes (global and local, with their projections), merged across the models that share a
//! table.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection as SdkProjection, ProjectionType, ScalarAttributeType,
    StreamSpecification, StreamViewType,
};

use crate::error::{Error, Result};
use crate::model::{IndexKind, KeyMeta, ModelMeta, ProjectionMeta, ScalarType};

#[cfg(feature = "cloudformation")]
mod cloudformation;
mod ensure;

pub use ensure::{EnsureTables, Note, Plan, Step};

/// The schema of one table, as the models sharing it declare it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSchema {
    /// The logical table name.
    pub table: &'static str,
    /// Partition key attribute and type.
    pub partition_key: (&'static str, ScalarType),
    /// Sort key attribute and type, if any.
    pub sort_key: Option<(&'static str, ScalarType)>,
    /// Secondary indexes (global and local) by name: keys, kind and projection.
    pub indexes: BTreeMap<&'static str, IndexSchema>,
    /// The TTL attribute (epoch seconds), when a model declares `#[ferrodyn(ttl)]`.
    pub ttl_attribute: Option<&'static str>,
}

/// One secondary index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSchema {
    /// Global, or local (created with the table only).
    pub kind: IndexKind,
    /// Partition key attribute and type; a local index's is the table's.
    pub partition_key: (&'static str, ScalarType),
    /// Sort key attribute and type, if any.
    pub sort_key: Option<(&'static str, ScalarType)>,
    /// What the index holds besides the keys.
    pub projection: ProjectionMeta,
}

fn pair(key: &KeyMeta) -> (&'static str, ScalarType) {
    (key.attribute, key.scalar)
}

impl TableSchema {
    /// The schema shared by `models`, which must all name the same table and agree on its keys
    /// and on any index they both declare.
    ///
    /// # Errors
    /// No models, different tables, or conflicting key or index definitions.
    pub fn from_models(models: &[&'static ModelMeta]) -> Result<Self> {
        let first = models
            .first()
            .ok_or_else(|| Error::validation("a table schema needs at least one model"))?;
        let mut schema = TableSchema {
            table: first.table,
            partition_key: pair(&first.partition_key),
            sort_key: first.sort_key.as_ref().map(pair),
            indexes: BTreeMap::new(),
            ttl_attribute: None,
        };
        for model in models {
            let conflict = |what: &str| {
                Error::validation(format!(
                    "model {} disagrees with model {} on the {what} of table `{}`",
                    model.type_name, first.type_name, first.table
                ))
            };
            if model.table != first.table {
                return Err(conflict("name"));
            }
            if pair(&model.partition_key) != schema.partition_key
                || model.sort_key.as_ref().map(pair) != schema.sort_key
            {
                return Err(conflict("primary key"));
            }
            if let Some(ttl) = model.managed.ttl {
                match schema.ttl_attribute {
                    Some(existing) if existing != ttl => return Err(conflict("TTL attribute")),
                    _ => schema.ttl_attribute = Some(ttl),
                }
            }
            for index in model.indexes {
                let new = IndexSchema {
                    kind: index.kind,
                    partition_key: pair(&index.partition_key),
                    sort_key: index.sort_key.as_ref().map(pair),
                    projection: index.projection,
                };
                match schema.indexes.get(index.name) {
                    Some(existing) if *existing != new => {
                        return Err(conflict(&format!("index `{}`", index.name)));
                    }
                    _ => {
                        schema.indexes.insert(index.name, new);
                    }
                }
            }
        }
        schema.check_attribute_types()?;
        Ok(schema)
    }

    /// Every attribute used as a key anywhere, with its type; one type per attribute.
    pub fn attribute_definitions(&self) -> BTreeMap<&'static str, ScalarType> {
        let mut out = BTreeMap::new();
        let mut add = |(name, ty): (&'static str, ScalarType)| {
            out.entry(name).or_insert(ty);
        };
        add(self.partition_key);
        self.sort_key.map(&mut add);
        for index in self.indexes.values() {
            add(index.partition_key);
            index.sort_key.map(&mut add);
        }
        out
    }

    fn check_attribute_types(&self) -> Result<()> {
        let definitions = self.attribute_definitions();
        let all = [Some(self.partition_key), self.sort_key]
            .into_iter()
            .chain(self.indexes.values().flat_map(|i| [Some(i.partition_key), i.sort_key]))
            .flatten();
        for (name, ty) in all {
            if definitions.get(name) != Some(&ty) {
                return Err(Error::validation(format!(
                    "attribute `{name}` of table `{}` is used as a key with two types",
                    self.table
                )));
            }
        }
        Ok(())
    }

    /// Fills a CreateTable request for `physical_name`: PAY_PER_REQUEST, streams with
    /// NEW_AND_OLD_IMAGES, every index (global and local) with its projection.
    pub fn create_table(
        &self,
        request: aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder,
        physical_name: &str,
    ) -> aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder {
        let mut request = request
            .table_name(physical_name)
            .billing_mode(BillingMode::PayPerRequest)
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::NewAndOldImages)
                    .build()
                    .expect("stream_enabled is set"),
            );
        for (name, ty) in self.attribute_definitions() {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(name)
                    .attribute_type(scalar(ty))
                    .build()
                    .expect("name and type are set"),
            );
        }
        for element in key_schema(self.partition_key, self.sort_key) {
            request = request.key_schema(element);
        }
        for (name, index) in &self.indexes {
            let keys = Some(key_schema(index.partition_key, index.sort_key));
            let projection = projection(&index.projection);
            request = match index.kind {
                IndexKind::Global => request.global_secondary_indexes(
                    GlobalSecondaryIndex::builder()
                        .index_name(*name)
                        .set_key_schema(keys)
                        .projection(projection)
                        .build()
                        .expect("name and keys are set"),
                ),
                IndexKind::Local => request.local_secondary_indexes(
                    LocalSecondaryIndex::builder()
                        .index_name(*name)
                        .set_key_schema(keys)
                        .projection(projection)
                        .build()
                        .expect("name and keys are set"),
                ),
            };
        }
        request
    }
}

/// DynamoDB's `Projection` for an index's.
fn projection(projection: &ProjectionMeta) -> SdkProjection {
    let kind = match projection {
        ProjectionMeta::All => ProjectionType::All,
        ProjectionMeta::KeysOnly => ProjectionType::KeysOnly,
        ProjectionMeta::Include(_) => ProjectionType::Include,
    };
    let attributes = projection.non_key_attributes().iter().map(|a| (*a).to_owned()).collect();
    SdkProjection::builder()
        .projection_type(kind)
        .set_non_key_attributes(Some(attributes).filter(|a: &Vec<String>| !a.is_empty()))
        .build()
}

fn scalar(ty: ScalarType) -> ScalarAttributeType {
    match ty {
        ScalarType::S => ScalarAttributeType::S,
        ScalarType::N => ScalarAttributeType::N,
        ScalarType::B => ScalarAttributeType::B,
    }
}

fn key_schema(
    pk: (&'static str, ScalarType),
    sk: Option<(&'static str, ScalarType)>,
) -> Vec<KeySchemaElement> {
    let element = |name: &str, key_type| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
            .expect("name and key type are set")
    };
    let mut out = vec![element(pk.0, KeyType::Hash)];
    if let Some((name, _)) = sk {
        out.push(element(name, KeyType::Range));
    }
    out
}
