//! What a failed cast reports: the wanted type, the offending value (shortened) and why.

use serde_json::Value;

use crate::field_type::FieldType;

/// How many characters of an offending value an error keeps.
pub(crate) const SHOWN_CHARS: usize = 80;

/// Why a value could not be cast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CastReason {
    /// Text that is not `[+-]digits`, `digits.0` or strict thousands groups (`1,234,567`).
    #[error("not a whole number")]
    NotAnInteger,
    /// A number or text with a non-zero fractional part, wanted as `int`.
    #[error("has a fractional part")]
    Fractional,
    /// A whole number outside `i64::MIN..=u64::MAX`.
    #[error("out of the 64-bit integer range")]
    OutOfRange,
    /// Text that is not a decimal number.
    #[error("not a decimal number")]
    NotANumber,
    /// Text naming or overflowing to infinity or NaN.
    #[error("not a finite number")]
    NotFinite,
    /// A number that a 64-bit float cannot hold exactly: an integer beyond 2^53 that falls
    /// between two floats, or text with more digits than the nearest float keeps.
    #[error("cannot be held exactly by a 64-bit float")]
    Imprecise,
    /// Text for a non-zero number too close to zero for a 64-bit float (`1e-400`).
    #[error("too close to zero for a 64-bit float")]
    Underflow,
    /// Text or a number that is not one of the accepted boolean spellings.
    #[error("not a boolean (expected true/t/yes/y/1/on or false/f/no/n/0/off)")]
    NotABoolean,
    /// Text that is not the JSON text of an object, wanted as `dict`.
    #[error("not the JSON text of an object")]
    NotAnObjectText,
    /// A null (or blank text) inside a typed list.
    #[error("typed lists cannot hold null or blank elements")]
    NullElement,
    /// A JSON kind the wanted type never accepts (an array as `int`, a number as `dict`...).
    #[error("a JSON {0} cannot become this type")]
    WrongKind(&'static str),
}

/// A value that does not fit the wanted type.
///
/// ```
/// use serde_json::json;
/// use sixtyfour_casting::{cast, CastReason, FieldType};
///
/// let err = cast(&json!("30 years"), FieldType::Int).unwrap_err();
/// assert_eq!(err.reason(), CastReason::NotAnInteger);
/// assert_eq!(err.to_string(), r#"cannot cast "30 years" to int: not a whole number"#);
///
/// let err = cast(&json!([1, "x"]), FieldType::ListInt).unwrap_err();
/// assert_eq!(err.to_string(), r#"element 1 of the list[int]: cannot cast "x" to int: not a whole number"#);
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CastError {
    /// The value itself does not fit.
    #[error("cannot cast {value} to {wanted}: {reason}")]
    Invalid {
        /// The type that was wanted.
        wanted: FieldType,
        /// The offending value as compact JSON, shortened to about 80 characters.
        value: String,
        /// Why it does not fit.
        reason: CastReason,
    },
    /// One element of a typed list does not fit.
    #[error("element {index} of the {wanted}: {source}")]
    Element {
        /// The list type that was wanted.
        wanted: FieldType,
        /// The position of the first failing element.
        index: usize,
        /// What went wrong with that element.
        source: Box<CastError>,
    },
}

impl CastError {
    pub(crate) fn invalid(value: &Value, wanted: FieldType, reason: CastReason) -> Self {
        CastError::Invalid {
            wanted,
            value: shorten(value),
            reason,
        }
    }

    /// The type that was wanted (the list type, for an element).
    pub fn wanted(&self) -> FieldType {
        match self {
            CastError::Invalid { wanted, .. } | CastError::Element { wanted, .. } => *wanted,
        }
    }

    /// The innermost reason.
    pub fn reason(&self) -> CastReason {
        match self {
            CastError::Invalid { reason, .. } => *reason,
            CastError::Element { source, .. } => source.reason(),
        }
    }

    /// The innermost offending value, as shortened compact JSON.
    pub fn value(&self) -> &str {
        match self {
            CastError::Invalid { value, .. } => value,
            CastError::Element { source, .. } => source.value(),
        }
    }
}

/// Compact JSON text of `value`, cut to about [`SHOWN_CHARS`] characters.
pub(crate) fn shorten(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= SHOWN_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(SHOWN_CHARS - 3).collect();
    cut.push_str("...");
    cut
}

/// The name of a JSON value's kind, for messages.
pub(crate) fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
