//! `FilterCriteria` patterns: parsing a pattern and matching it against one Lambda event record,
//! as the event source mapping does before it batches records.

use serde_json::Value;

use super::PollerError;

/// One filter pattern of a mapping's `FilterCriteria`.
///
/// Supports what single-table consumers use: nested objects, arrays of literal values (any may
/// match), and `{"exists": bool}`, `{"prefix": "…"}`, `{"anything-but": [...]}` inside them.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterPattern {
    pattern: Value,
}

impl FilterPattern {
    /// Parses a pattern as written in `FilterCriteria.Filters[].Pattern`.
    ///
    /// # Errors
    /// The text is not a JSON object, or uses a rule this poller does not implement.
    pub fn parse(text: &str) -> Result<FilterPattern, PollerError> {
        let pattern: Value = serde_json::from_str(text)
            .map_err(|e| PollerError::new("filter pattern", format!("not JSON: {e}")))?;
        check_pattern(&pattern)?;
        Ok(FilterPattern { pattern })
    }

    /// Whether the Lambda event record `record` (one element of `Records`) matches.
    pub fn matches(&self, record: &Value) -> bool {
        matches_object(&self.pattern, Some(record))
    }
}

fn check_pattern(pattern: &Value) -> Result<(), PollerError> {
    let Value::Object(fields) = pattern else {
        return Err(PollerError::new("filter pattern", "each level must be a JSON object"));
    };
    for (name, rule) in fields {
        match rule {
            Value::Object(_) => check_pattern(rule)?,
            Value::Array(values) => {
                for value in values {
                    if let Value::Object(operator) = value {
                        let known = operator.len() == 1
                            && operator.keys().all(|k| {
                                matches!(k.as_str(), "exists" | "prefix" | "anything-but")
                            });
                        if !known {
                            return Err(PollerError::new(
                                "filter pattern",
                                format!("unsupported rule under `{name}`"),
                            ));
                        }
                    }
                }
            }
            _ => {
                return Err(PollerError::new(
                    "filter pattern",
                    format!("`{name}` must hold an object or an array"),
                ))
            }
        }
    }
    Ok(())
}

fn matches_object(pattern: &Value, value: Option<&Value>) -> bool {
    let Value::Object(fields) = pattern else { return false };
    fields.iter().all(|(name, rule)| {
        let field = value.and_then(|v| v.get(name));
        match rule {
            Value::Object(_) => matches_object(rule, field),
            Value::Array(alternatives) => alternatives.iter().any(|a| matches_value(a, field)),
            _ => false,
        }
    })
}

fn matches_value(rule: &Value, field: Option<&Value>) -> bool {
    match rule {
        Value::Object(operator) => {
            if let Some(exists) = operator.get("exists").and_then(Value::as_bool) {
                return field.is_some() == exists;
            }
            if let Some(prefix) = operator.get("prefix").and_then(Value::as_str) {
                return field.and_then(Value::as_str).is_some_and(|s| s.starts_with(prefix));
            }
            if let Some(excluded) = operator.get("anything-but") {
                return match (field, excluded) {
                    (None, _) => false,
                    (Some(v), Value::Array(list)) => !list.contains(v),
                    (Some(v), single) => v != single,
                };
            }
            false
        }
        literal => field == Some(literal),
    }
}
