//! [`Vars`]: a snapshot of the variables ferrodyn-lambda reads, from a map or from the process
//! environment, with the SDKs' rule that an empty value counts as unset.

use std::collections::HashMap;
use std::fmt;

use super::names::is_read;
use crate::error::{Error, Result};

/// A snapshot of the variables ferrodyn-lambda reads.
#[derive(Clone, Default)]
pub(crate) struct Vars {
    values: HashMap<String, String>,
    /// Variables whose value is not valid Unicode (only the process environment has these).
    not_unicode: Vec<String>,
}

impl Vars {
    pub(crate) fn from_pairs<I, K, V>(vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let values = vars
            .into_iter()
            .filter(|(name, _)| is_read(name.as_ref()))
            .map(|(name, value)| (name.as_ref().to_owned(), value.as_ref().to_owned()))
            .collect();
        Vars { values, not_unicode: Vec::new() }
    }

    /// Only the variables ferrodyn-lambda reads are copied, so no other secret of the process
    /// environment is held.
    pub(crate) fn from_process() -> Self {
        let mut vars = Vars::default();
        for (name, value) in std::env::vars_os() {
            let Some(name) = name.to_str().filter(|name| is_read(name)) else { continue };
            match value.into_string() {
                Ok(value) => {
                    vars.values.insert(name.to_owned(), value);
                }
                Err(_) => vars.not_unicode.push(name.to_owned()),
            }
        }
        vars
    }

    /// The value of `name`, with an empty value counted as unset (as the AWS SDKs do).
    pub(super) fn get(&self, name: &str) -> Result<Option<&str>> {
        if self.not_unicode.iter().any(|n| n == name) {
            return Err(Error::invalid(name, "the value is not valid Unicode"));
        }
        Ok(self.values.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()))
    }

    /// The first of `names` that is set, with its name.
    pub(super) fn first<'a>(
        &'a self,
        names: &[&'static str],
    ) -> Result<Option<(&'static str, &'a str)>> {
        for &name in names {
            if let Some(value) = self.get(name)? {
                return Ok(Some((name, value)));
            }
        }
        Ok(None)
    }
}

impl fmt::Debug for Vars {
    // Names only: values may be secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.values.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("Vars").field("names", &names).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::REGION;
    use crate::ErrorKind;

    #[test]
    fn unrelated_variables_are_neither_read_nor_kept() {
        let vars = Vars::from_pairs([(REGION, "eu-west-1"), ("DATABASE_PASSWORD", "hunter2")]);
        assert!(!format!("{vars:?}").contains("DATABASE_PASSWORD"));
        assert!(!vars.values.contains_key("DATABASE_PASSWORD"));
        assert!(!format!("{vars:?}").contains("eu-west-1"), "names only");
    }

    #[test]
    fn a_value_that_is_not_unicode_is_invalid() {
        let vars = Vars { values: HashMap::new(), not_unicode: vec![REGION.to_owned()] };
        let err = crate::LambdaConfig::parse(&vars).unwrap_err();
        assert_eq!((err.kind(), err.variable()), (ErrorKind::InvalidVariable, REGION));
    }
}
