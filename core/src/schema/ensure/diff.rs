//! The comparison of one table as the models declare it (the CreateTable request
//! [`TableSchema::create_table`] builds, so that both paths share one definition) with the live
//! table DynamoDB describes: the steps that close the gap, or an error for a gap that cannot be
//! closed in place.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, GlobalSecondaryIndex, KeySchemaElement, KeyType, LocalSecondaryIndex,
    Projection, StreamSpecification, TableDescription, TimeToLiveDescription, TimeToLiveStatus,
};

use super::plan::{Note, Plan, Step};
use crate::error::{Error, ErrorKind, Result};
use crate::schema::TableSchema;
use crate::Db;

/// One table as the models declare it.
#[derive(Debug)]
pub(super) struct Desired {
    /// The physical table name.
    pub(super) table: String,
    /// The first model of the table, for error messages.
    pub(super) model: &'static str,
    key_schema: Vec<KeySchemaElement>,
    attributes: Vec<AttributeDefinition>,
    pub(super) indexes: Vec<GlobalSecondaryIndex>,
    /// Local secondary indexes: created with the table, never added or changed later.
    local_indexes: Vec<LocalSecondaryIndex>,
    pub(super) stream: Option<StreamSpecification>,
    ttl: Option<&'static str>,
}

/// One table as DynamoDB describes it.
#[derive(Debug)]
pub(super) struct Live {
    pub(super) table: TableDescription,
    pub(super) ttl: Option<TimeToLiveDescription>,
}

impl Desired {
    pub(super) fn new(db: &Db, schema: &TableSchema, model: &'static str) -> Self {
        let table = db.table_name(schema.table);
        let request = schema.create_table(db.client().create_table(), &table);
        Desired {
            table,
            model,
            key_schema: request.get_key_schema().clone().unwrap_or_default(),
            attributes: request.get_attribute_definitions().clone().unwrap_or_default(),
            indexes: request.get_global_secondary_indexes().clone().unwrap_or_default(),
            local_indexes: request.get_local_secondary_indexes().clone().unwrap_or_default(),
            stream: request.get_stream_specification().clone().filter(|s| s.stream_enabled()),
            ttl: schema.ttl_attribute,
        }
    }

    /// The attribute definitions of `index`'s key attributes, for the UpdateTable that adds it.
    pub(super) fn definitions_of(&self, index: &GlobalSecondaryIndex) -> Vec<AttributeDefinition> {
        let keys: Vec<&str> = index.key_schema().iter().map(|k| k.attribute_name()).collect();
        self.attributes.iter().filter(|d| keys.contains(&d.attribute_name())).cloned().collect()
    }

    fn mismatch(&self, attribute: Option<&str>, message: String) -> Error {
        let error = Error::new(ErrorKind::SchemaMismatch, message);
        let error = match attribute {
            Some(attribute) => error.at(attribute),
            None => error,
        };
        error.context("EnsureTables", self.model, None)
    }

    /// Adds to `plan` what brings `live` (None: no such table) in line, or fails on a difference
    /// that cannot be changed in place. Nothing is added when it fails.
    pub(super) fn compare(
        &self,
        live: Option<&Live>,
        remove_unknown_indexes: bool,
        plan: &mut Plan,
    ) -> Result<()> {
        let Some(live) = live else {
            plan.steps.push(Step::CreateTable { table: self.table.clone() });
            return Ok(());
        };
        let table = &self.table;
        let live_attributes = live.table.attribute_definitions();
        self.compare_keys(
            &format!("table `{table}`"),
            &self.key_schema,
            live.table.key_schema(),
            live_attributes,
        )?;

        self.compare_local_indexes(live)?;

        let mut steps = Vec::new();
        let mut notes = Vec::new();
        for index in &self.indexes {
            let name = index.index_name();
            let found =
                live.table.global_secondary_indexes().iter().find(|i| i.index_name() == Some(name));
            let what = format!("index `{name}` of table `{table}`");
            match found {
                Some(found) => {
                    self.compare_keys(
                        &what,
                        index.key_schema(),
                        found.key_schema(),
                        live_attributes,
                    )?;
                    self.compare_projection(&what, index.projection(), found.projection())?;
                }
                None => {
                    // A new index may reuse an attribute the table already defines, with its type.
                    self.compare_types(&what, index.key_schema(), live_attributes)?;
                    steps.push(Step::AddIndex { table: table.clone(), name: name.to_owned() });
                }
            }
        }

        if let Some(stream) = &self.stream {
            let view = stream.stream_view_type().map(|v| v.as_str().to_owned()).unwrap_or_default();
            match live.table.stream_specification().filter(|s| s.stream_enabled()) {
                None => steps.push(Step::EnableStream { table: table.clone(), view }),
                Some(found) => {
                    let found = found.stream_view_type().map_or("", |v| v.as_str());
                    if found != view {
                        return Err(self.mismatch(
                            None,
                            format!(
                                "table `{table}` has a {found} stream, the models declare \
                                 {view}; a stream view type cannot be changed in place (turn the \
                                 stream off, then ensure the table again)"
                            ),
                        ));
                    }
                }
            }
        }

        let live_ttl = live.ttl.as_ref().and_then(|ttl| {
            let status = ttl.time_to_live_status()?;
            Some((status.clone(), ttl.attribute_name().unwrap_or_default()))
        });
        match (self.ttl, live_ttl) {
            (
                Some(attribute),
                Some((TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling, on)),
            ) => {
                if on != attribute {
                    return Err(self.mismatch(
                        Some(attribute),
                        format!(
                            "table `{table}` has TTL on attribute `{on}`, the models declare \
                             `{attribute}`; turn TTL off first (DynamoDB then refuses changes \
                             for up to an hour)"
                        ),
                    ));
                }
            }
            (Some(attribute), Some((TimeToLiveStatus::Disabling, _))) => {
                return Err(self.mismatch(
                    Some(attribute),
                    format!(
                        "TTL of table `{table}` is being turned off; DynamoDB refuses to turn it \
                         on again until that ends"
                    ),
                ));
            }
            (Some(attribute), _) => steps
                .push(Step::EnableTtl { table: table.clone(), attribute: attribute.to_owned() }),
            (None, Some((TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling, on))) => {
                notes.push(Note::UndeclaredTtlKept {
                    table: table.clone(),
                    attribute: on.to_owned(),
                });
            }
            (None, _) => {}
        }

        for found in live.table.global_secondary_indexes() {
            let Some(name) = found.index_name() else { continue };
            if self.indexes.iter().any(|i| i.index_name() == name) {
                continue;
            }
            let (table, name) = (table.clone(), name.to_owned());
            if remove_unknown_indexes {
                steps.push(Step::RemoveIndex { table, name });
            } else {
                notes.push(Note::UnknownIndexKept { table, name });
            }
        }
        for found in live.table.local_secondary_indexes() {
            let Some(name) = found.index_name() else { continue };
            if !self.local_indexes.iter().any(|i| i.index_name() == name) {
                notes.push(Note::UnknownLocalIndexKept { table: table.clone(), name: name.into() });
            }
        }
        plan.steps.extend(steps);
        plan.notes.extend(notes);
        Ok(())
    }

    /// Every local index the models declare is on the live table, with its keys and projection:
    /// DynamoDB creates local secondary indexes with their table only, so a missing or different
    /// one cannot be fixed in place.
    fn compare_local_indexes(&self, live: &Live) -> Result<()> {
        let table = &self.table;
        let live_attributes = live.table.attribute_definitions();
        for index in &self.local_indexes {
            let name = index.index_name();
            let what = format!("local secondary index `{name}` of table `{table}`");
            let found =
                live.table.local_secondary_indexes().iter().find(|i| i.index_name() == Some(name));
            let Some(found) = found else {
                return Err(self.mismatch(
                    None,
                    format!(
                        "{what} is missing on DynamoDB; a local secondary index is created with \
                         its table only (create a new table with it and copy the items)"
                    ),
                ));
            };
            self.compare_keys(&what, index.key_schema(), found.key_schema(), live_attributes)?;
            self.compare_projection(&what, index.projection(), found.projection())?;
        }
        Ok(())
    }

    /// Same partition and sort key attributes, with the same types.
    fn compare_keys(
        &self,
        what: &str,
        expected: &[KeySchemaElement],
        found: &[KeySchemaElement],
        live_attributes: &[AttributeDefinition],
    ) -> Result<()> {
        for (key_type, role) in [(KeyType::Hash, "partition key"), (KeyType::Range, "sort key")] {
            let of = |keys: &[KeySchemaElement]| {
                keys.iter()
                    .find(|k| *k.key_type() == key_type)
                    .map(|k| k.attribute_name().to_owned())
            };
            let (expected, found) = (of(expected), of(found));
            if expected != found {
                let shown = |key: &Option<String>| {
                    key.as_deref().map_or_else(|| "none".to_owned(), |k| format!("`{k}`"))
                };
                return Err(self.mismatch(
                    expected.as_deref().or(found.as_deref()),
                    format!(
                        "the {role} of {what} is {} on DynamoDB, the models declare {}; a key \
                         schema cannot be changed in place",
                        shown(&found),
                        shown(&expected)
                    ),
                ));
            }
        }
        self.compare_types(what, expected, live_attributes)
    }

    /// The live types of `keys`' attributes, where the table defines them, are the models' types.
    fn compare_types(
        &self,
        what: &str,
        keys: &[KeySchemaElement],
        live_attributes: &[AttributeDefinition],
    ) -> Result<()> {
        for key in keys {
            let name = key.attribute_name();
            let type_in = |definitions: &[AttributeDefinition]| {
                definitions
                    .iter()
                    .find(|d| d.attribute_name() == name)
                    .map(|d| d.attribute_type().clone())
            };
            let (expected, found) = (type_in(&self.attributes), type_in(live_attributes));
            if let (Some(expected), Some(found)) = (expected, found) {
                if expected != found {
                    return Err(self.mismatch(
                        Some(name),
                        format!(
                            "key attribute `{name}` of {what} has type {} on DynamoDB, the models \
                             declare {}; a key type cannot be changed in place",
                            found.as_str(),
                            expected.as_str()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn compare_projection(
        &self,
        what: &str,
        expected: Option<&Projection>,
        found: Option<&Projection>,
    ) -> Result<()> {
        let shape = |p: Option<&Projection>| {
            let kind = p.and_then(|p| p.projection_type()).map_or("ALL", |t| t.as_str()).to_owned();
            let mut attributes = p.map(|p| p.non_key_attributes().to_vec()).unwrap_or_default();
            attributes.sort();
            (kind, attributes)
        };
        let (expected, found) = (shape(expected), shape(found));
        if expected != found {
            let shown = |(kind, attributes): &(String, Vec<String>)| {
                if attributes.is_empty() {
                    kind.clone()
                } else {
                    format!("{kind} {attributes:?}")
                }
            };
            return Err(self.mismatch(
                None,
                format!(
                    "{what} projects {} on DynamoDB, the models declare {}; a projection cannot \
                     be changed in place",
                    shown(&found),
                    shown(&expected)
                ),
            ));
        }
        Ok(())
    }
}
