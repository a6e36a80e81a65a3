//! Validators declared with `#[ferrodyn(validate = path)]`: the [`Invalid`] refusal a validator
//! may return, the turning of a validator's error into a ferrodyn [`Error`], and [`check`], the
//! one call every write that carries a whole model value makes before anything is sent.
//!
//! A validator's message is the user's own text and goes into the error as given; the value that
//! was refused never does (ferrodyn does not format it, and a message should not either).

use std::fmt;

use crate::error::{Error, Result};
use crate::model::Model;

/// A validator's refusal that can name the attribute it is about: what a model-level validator
/// returns to say which field is wrong (`Invalid::new("must be after start").at("end")`).
///
/// Any error type that implements [`Display`](fmt::Display) works as a validator's error too
/// (`String`, `&'static str`, your own); `Invalid` only adds the attribute. A value of such a type
/// converts into an `Invalid` with `?` or `.into()`.
///
/// `Invalid` has no `Display` of its own (the conversion from every `Display` type relies on
/// that); read it with [`message`](Self::message) and [`attribute`](Self::attribute), or turn it
/// into the ferrodyn [`Error`] a write returns.
///
/// ```
/// use ferrodyn::{ErrorKind, Invalid, Model};
/// # use serde::{Deserialize, Serialize};
///
/// #[derive(Model, Serialize, Deserialize)]
/// #[ferrodyn(table = "events", pk = "id", validate = ends_after_start)]
/// struct Event { id: String, start: u64, end: u64 }
///
/// fn ends_after_start(event: &Event) -> Result<(), Invalid> {
///     if event.end < event.start {
///         return Err(Invalid::new("ends before it starts").at(Event::FIELDS.end));
///     }
///     Ok(())
/// }
///
/// let err = Event { id: "e1".into(), start: 10, end: 5 }.validate().unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Validation);
/// assert_eq!(err.attribute_path(), "end");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    attribute: Option<String>,
    message: String,
}

impl Invalid {
    /// A refusal with `message`, which must not contain the value refused.
    pub fn new(message: impl Into<String>) -> Self {
        Invalid { attribute: None, message: message.into() }
    }

    /// Names the attribute the refusal is about: an attribute name (`"end"`) or a field's typed
    /// path (`Event::FIELDS.end`). From a field's validator it is a path inside that field (the
    /// error's attribute path becomes `field.attribute`).
    #[must_use]
    pub fn at(mut self, attribute: impl fmt::Display) -> Self {
        self.attribute = Some(attribute.to_string());
        self
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The attribute named with [`at`](Self::at), if any.
    pub fn attribute(&self) -> Option<&str> {
        self.attribute.as_deref()
    }
}

impl<E: fmt::Display> From<E> for Invalid {
    fn from(error: E) -> Self {
        Invalid::new(error.to_string())
    }
}

/// What a validator may return as its error: any [`Display`](fmt::Display) type, or [`Invalid`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a validator's error",
    label = "a validator returns `Result<(), E>` where `E: Display`, or `Result<(), ferrodyn::Invalid>`"
)]
pub trait Refusal {
    /// The refusal as an [`Invalid`].
    fn into_invalid(self) -> Invalid;
}

impl<E: fmt::Display> Refusal for E {
    fn into_invalid(self) -> Invalid {
        Invalid::from(self)
    }
}

impl Refusal for Invalid {
    fn into_invalid(self) -> Invalid {
        self
    }
}

/// What a validator returns: `Result<(), E>` with an error that is a [`Refusal`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not what a validator returns",
    label = "a validator returns `Result<(), E>` where `E: Display`, or `Result<(), ferrodyn::Invalid>`"
)]
pub trait Verdict {
    /// The refusal, if the validator refused.
    fn refusal(self) -> Option<Invalid>;
}

impl<E: Refusal> Verdict for Result<(), E> {
    fn refusal(self) -> Option<Invalid> {
        self.err().map(Refusal::into_invalid)
    }
}

/// The error for a validator's result: `validator` is the path as written in the attribute,
/// `field` the attribute of the field it validates (`None` for a model-level validator).
pub(crate) fn refused(
    field: Option<&'static str>,
    validator: &'static str,
    verdict: impl Verdict,
) -> Result<()> {
    let Some(Invalid { attribute, message }) = verdict.refusal() else { return Ok(()) };
    let mut error = Error::validation(format!("validator `{validator}` failed: {message}"));
    if let Some(attribute) = attribute {
        error = error.at(&attribute);
    }
    if let Some(field) = field {
        error = error.at(field);
    }
    Err(error)
}

/// Runs the model's validators before a write of `operation` that carries the whole value (a put,
/// a create, a batch put, a transaction's put or create, the value after a partial save), and
/// names the operation and model in the error. Nothing is sent when it fails.
pub(crate) fn check<M: Model>(operation: &'static str, value: &M) -> Result<()> {
    value.validate().map_err(|e| e.context(operation, M::META.type_name, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn any_display_error_and_invalid_become_validation_errors() {
        let err = refused(Some("email"), "is_email", Err::<(), _>("must contain @")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation);
        assert_eq!(err.attribute_path(), "email");
        assert_eq!(
            err.to_string(),
            "attribute `email`: validator `is_email` failed: must contain @"
        );

        let invalid = Invalid::new("ends before it starts").at("end");
        let err = refused(None, "checks::dates", Err::<(), _>(invalid)).unwrap_err();
        assert_eq!(err.attribute_path(), "end");

        let err = refused(None, "whole", Err::<(), _>(String::from("no"))).unwrap_err();
        assert_eq!(err.attribute_path(), "");
        assert_eq!(err.to_string(), "validator `whole` failed: no");

        assert!(refused(Some("x"), "ok", Ok::<(), String>(())).is_ok());
    }

    #[test]
    fn an_attribute_named_by_a_field_validator_is_inside_the_field() {
        let invalid = Invalid::new("too many").at("qty");
        let err = refused(Some("lines"), "lines_ok", Err::<(), _>(invalid)).unwrap_err();
        assert_eq!(err.attribute_path(), "lines.qty");
    }

    #[test]
    fn display_errors_convert_into_invalid() {
        let from_question_mark = || -> Result<(), Invalid> {
            "x".parse::<u32>()?;
            Ok(())
        };
        let invalid = from_question_mark().unwrap_err();
        assert_eq!(invalid.attribute(), None);
        assert_eq!(invalid.message(), "invalid digit found in string");
    }
}
