//! What [`ensure_tables`](crate::Db::ensure_tables) did or, as a dry run, would do: a [`Plan`] of
//! typed [`Step`]s, plus [`Note`]s on differences it leaves alone. Plans print one line per step.

use std::fmt;

/// The changes that bring live tables in line with the models, in the order they are (or would
/// be) made, and what was found but left alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub(crate) steps: Vec<Step>,
    pub(crate) notes: Vec<Note>,
}

/// One change to a table. Table names are physical names (after the handle's prefix or mapping).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// The table does not exist: create it as [`Db::create_table_for`](crate::Db::create_table_for)
    /// does, with every index, the stream and the TTL the models declare.
    CreateTable {
        /// The table.
        table: String,
    },
    /// Add a global secondary index the models declare (UpdateTable), then wait until it is
    /// ACTIVE and done backfilling.
    AddIndex {
        /// The table.
        table: String,
        /// The index.
        name: String,
    },
    /// Turn on the table's stream (UpdateTable).
    EnableStream {
        /// The table.
        table: String,
        /// The stream view type, e.g. `NEW_AND_OLD_IMAGES`.
        view: String,
    },
    /// Turn on TTL on the models' TTL attribute (UpdateTimeToLive).
    EnableTtl {
        /// The table.
        table: String,
        /// The attribute holding the expiry in epoch seconds.
        attribute: String,
    },
    /// Delete a global secondary index no model declares (UpdateTable); only planned when
    /// [`remove_unknown_indexes`](super::EnsureTables::remove_unknown_indexes) is on.
    RemoveIndex {
        /// The table.
        table: String,
        /// The index.
        name: String,
    },
}

/// A difference between the models and a live table that ensuring leaves alone.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Note {
    /// The table has a global secondary index no model declares; it is kept unless
    /// [`remove_unknown_indexes`](super::EnsureTables::remove_unknown_indexes) is on.
    UnknownIndexKept {
        /// The table.
        table: String,
        /// The index.
        name: String,
    },
    /// The table has a local secondary index no model declares; it is kept (DynamoDB removes a
    /// local index only with its table).
    UnknownLocalIndexKept {
        /// The table.
        table: String,
        /// The index.
        name: String,
    },
    /// The table has TTL on although no model declares a TTL field; it is kept.
    UndeclaredTtlKept {
        /// The table.
        table: String,
        /// The attribute TTL is on.
        attribute: String,
    },
}

impl Plan {
    /// The changes, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// What was found and left alone.
    pub fn notes(&self) -> &[Note] {
        &self.notes
    }

    /// No change needed (notes aside).
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::CreateTable { table } => write!(f, "create table `{table}`"),
            Step::AddIndex { table, name } => {
                write!(f, "add global secondary index `{name}` to table `{table}`")
            }
            Step::EnableStream { table, view } => {
                write!(f, "turn on the stream ({view}) of table `{table}`")
            }
            Step::EnableTtl { table, attribute } => {
                write!(f, "turn on TTL on attribute `{attribute}` of table `{table}`")
            }
            Step::RemoveIndex { table, name } => {
                write!(f, "remove global secondary index `{name}` from table `{table}`")
            }
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::UnknownIndexKept { table, name } => write!(
                f,
                "table `{table}` has global secondary index `{name}`, which no model declares: kept"
            ),
            Note::UnknownLocalIndexKept { table, name } => write!(
                f,
                "table `{table}` has local secondary index `{name}`, which no model declares: \
                 kept (a local index goes only with its table)"
            ),
            Note::UndeclaredTtlKept { table, attribute } => write!(
                f,
                "table `{table}` has TTL on attribute `{attribute}`, which no model declares: kept"
            ),
        }
    }
}

/// One numbered line per step, then one line per note; `no changes` when there is neither.
impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.steps.is_empty() && self.notes.is_empty() {
            return f.write_str("no changes");
        }
        if self.steps.is_empty() {
            writeln!(f, "no changes")?;
        }
        for (n, step) in self.steps.iter().enumerate() {
            writeln!(f, "{}. {step}", n + 1)?;
        }
        for note in &self.notes {
            writeln!(f, "note: {note}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_print_one_line_per_step_and_note() {
        assert_eq!(Plan::default().to_string(), "no changes");
        let plan = Plan {
            steps: vec![
                Step::AddIndex { table: "shop".into(), name: "gsi2".into() },
                Step::EnableTtl { table: "shop".into(), attribute: "expires".into() },
            ],
            notes: vec![Note::UnknownIndexKept { table: "shop".into(), name: "old".into() }],
        };
        assert_eq!(
            plan.to_string(),
            "1. add global secondary index `gsi2` to table `shop`\n\
             2. turn on TTL on attribute `expires` of table `shop`\n\
             note: table `shop` has global secondary index `old`, which no model declares: kept\n"
        );
    }
}
