//! What the mock records of each request: [`SentRequest`], its [`Operation`] and, for a
//! batch, its [`SentWrite`]s, typed as far as the models the mock knows allow.

use std::fmt;

use ferrodyn::operation::WriteKind;

/// A DynamoDB operation, as the mock records it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// GetItem.
    GetItem,
    /// PutItem.
    PutItem,
    /// UpdateItem.
    UpdateItem,
    /// DeleteItem.
    DeleteItem,
    /// Query.
    Query,
    /// BatchWriteItem.
    BatchWriteItem,
    /// Any other operation, by its DynamoDB name (`TransactWriteItems`, `Scan`, …); the mock has
    /// no rules for these, so they always fail.
    Other(String),
}

impl Operation {
    pub(crate) fn from_name(name: &str) -> Operation {
        match name {
            "GetItem" => Operation::GetItem,
            "PutItem" => Operation::PutItem,
            "UpdateItem" => Operation::UpdateItem,
            "DeleteItem" => Operation::DeleteItem,
            "Query" => Operation::Query,
            "BatchWriteItem" => Operation::BatchWriteItem,
            other => Operation::Other(other.to_owned()),
        }
    }

    /// DynamoDB's name of the operation.
    pub fn name(&self) -> &str {
        match self {
            Operation::GetItem => "GetItem",
            Operation::PutItem => "PutItem",
            Operation::UpdateItem => "UpdateItem",
            Operation::DeleteItem => "DeleteItem",
            Operation::Query => "Query",
            Operation::BatchWriteItem => "BatchWriteItem",
            Operation::Other(name) => name,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One request the mock was sent (retries of it included), as typed as the mock can tell: the
/// model comes from the table and the entity attribute or key shape of the models its rules (or
/// [`MockDb::knows`](super::MockDb::knows)) name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SentRequest {
    /// The operation.
    pub operation: Operation,
    /// The table named, `None` for a batch (see [`writes`](Self::writes)).
    pub table: Option<String>,
    /// The model's type name (`Order`), when the mock recognises the item or key.
    pub model: Option<&'static str>,
    /// The key as ferrodyn's [`Key`](ferrodyn::Key) shows it (`pk=CUSTOMER#1, sk=PROFILE`), or for a query
    /// the partition (`pk=CUSTOMER#1`, `gsi1pk=STATUS#paid (index gsi1)`).
    pub key: Option<String>,
    /// Whether the request carried a condition expression.
    pub condition: bool,
    /// The puts and deletes of a BatchWriteItem, in request order (tables by name).
    pub writes: Vec<SentWrite>,
    /// How many attempts were sent: more than one when the SDK retried (throttling).
    pub attempts: usize,
    /// Whether a rule answered it.
    pub matched: bool,
}

/// One put or delete of a BatchWriteItem the mock was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SentWrite {
    /// Put or delete.
    pub kind: WriteKind,
    /// The table.
    pub table: String,
    /// The model's type name, when recognised.
    pub model: Option<&'static str>,
    /// The key, as ferrodyn's [`Key`](ferrodyn::Key) shows it.
    pub key: String,
}

impl fmt::Display for SentRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.operation.name())?;
        if let Some(table) = &self.table {
            write!(f, " on table `{table}`")?;
        }
        if let Some(model) = self.model {
            write!(f, " for {model}")?;
        }
        if let Some(key) = &self.key {
            write!(f, " {key}")?;
        }
        if self.condition {
            f.write_str(" with a condition")?;
        }
        if !self.writes.is_empty() {
            let writes: Vec<String> = self
                .writes
                .iter()
                .map(|w| {
                    let kind = if w.kind == WriteKind::Put { "put" } else { "delete" };
                    format!("{kind} {} {} on `{}`", w.model.unwrap_or("?"), w.key, w.table)
                })
                .collect();
            write!(f, " [{}]", writes.join("; "))?;
        }
        Ok(())
    }
}
