//! The checks shared by several variables: DynamoDB table names and prefixes, and switches.

use crate::error::{Error, Result};

/// DynamoDB table names: 3 to 255 of `a-z A-Z 0-9 _ - .`.
pub(super) fn check_table_name(name: &str, variable: &str, what: &str) -> Result<()> {
    check_table_chars(name, variable, what)?;
    if !(3..=255).contains(&name.len()) {
        return Err(Error::invalid(
            variable,
            format!("{what}: a table name has 3 to 255 characters"),
        ));
    }
    Ok(())
}

pub(super) fn check_table_chars(name: &str, variable: &str, what: &str) -> Result<()> {
    if name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) {
        Ok(())
    } else {
        Err(Error::invalid(
            variable,
            format!("{what}: a table name has only letters, digits, '_', '-' and '.'"),
        ))
    }
}

pub(super) fn parse_bool(value: &str, variable: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(Error::invalid(variable, "expected true or false")),
    }
}
