//! The one error of a record that does not fit: every failing value, each with its JSON path.
//! [`cast_record`](crate::cast_record) and [`decode`](crate::decode) both report with it.

use std::fmt;

use crate::cast::CastError;

/// What went wrong with one value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The value could not be cast to the field's type.
    #[error(transparent)]
    Cast(CastError),
    /// Text that is none of the values a fieldless enum allows.
    #[error("{value} is not one of the allowed values: {}", quoted(allowed))]
    NotOneOf {
        /// The offending value as compact JSON, shortened to about 80 characters.
        value: String,
        /// The values the field accepts (case and separators aside).
        allowed: &'static [&'static str],
    },
    /// No value (missing, null or blank) for a field whose Rust type needs one.
    #[error(
        "no value in the answer; make the field an `Option` (or give it `#[serde(default)]`) to accept that"
    )]
    Missing,
    /// The value was cast but does not fit the Rust type (serde's message).
    #[error("{0}")]
    Deserialize(String),
}

fn quoted(values: &[&str]) -> String {
    values
        .iter()
        .map(|value| format!("\"{value}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One failing value and where it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("`{path}`: {problem}")]
#[non_exhaustive]
pub struct DecodeIssue {
    /// The JSON path from the top of the record (`company.size`, `tags[2]`); empty for the
    /// record itself.
    pub path: String,
    /// What is wrong there.
    pub problem: Problem,
}

impl DecodeIssue {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, problem: Problem) -> Self {
        DecodeIssue {
            path: path.into(),
            problem,
        }
    }

    /// The cast error, when the problem is one.
    pub fn cast_error(&self) -> Option<&CastError> {
        match &self.problem {
            Problem::Cast(err) => Some(err),
            _ => None,
        }
    }
}

/// Every value of a record that did not fit; never empty.
///
/// ```
/// use serde_json::json;
/// use sixtyfour_casting::{cast_record, resolve, Problem, Schema};
///
/// let schema = Schema::from_json(&json!({"age": {"type": "int"}, "active": {"type": "bool"}}))?;
/// let answer = json!({"age": "thirty", "active": "maybe"});
/// let err = cast_record(answer.as_object().unwrap(), &resolve(&schema, &Default::default())).unwrap_err();
/// assert_eq!(err.issues.len(), 2);
/// assert_eq!(err.issues[0].path, "age");
/// assert!(matches!(err.issues[0].problem, Problem::Cast(_)));
/// assert_eq!(
///     err.to_string(),
///     "2 values do not fit:\n  - `age`: cannot cast \"thirty\" to int: not a whole number\n  \
///      - `active`: cannot cast \"maybe\" to bool: not a boolean (expected true/t/yes/y/1/on or false/f/no/n/0/off)"
/// );
/// # Ok::<(), sixtyfour_casting::SchemaError>(())
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub struct DecodeError {
    /// The failures, in field order; never empty.
    pub issues: Vec<DecodeIssue>,
}

/// The error of [`cast_record`](crate::cast_record): the same type as [`DecodeError`].
pub type RecordError = DecodeError;

/// One failing field of [`cast_record`](crate::cast_record): the same type as [`DecodeIssue`].
pub type FieldError = DecodeIssue;

impl DecodeError {
    /// An error of these issues.
    pub fn new(issues: Vec<DecodeIssue>) -> Self {
        DecodeError { issues }
    }

    /// The issue at exactly `path`, if there is one.
    pub fn at(&self, path: &str) -> Option<&DecodeIssue> {
        self.issues.iter().find(|issue| issue.path == path)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.issues.as_slice() {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} values do not fit:", many.len())?;
                for issue in many {
                    write!(f, "\n  - {issue}")?;
                }
                Ok(())
            }
        }
    }
}

/// `parent.key`, or `key` at the top.
pub(crate) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// `parent[index]`.
pub(crate) fn index(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

/// True when `path` is `field` or lies inside it.
pub(crate) fn within(path: &str, field: &str) -> bool {
    match path.strip_prefix(field) {
        Some(rest) => rest.is_empty() || rest.starts_with('.') || rest.starts_with('['),
        None => false,
    }
}
