//! `cast`: one JSON value to one [`FieldType`], following the table in the crate docs.
//!
//! Every decision here is a pure function of the value and the wanted type. Strings are
//! trimmed before they are parsed; nothing is decided by truthiness, no prefix of a string is
//! parsed on its own, and no number silently loses precision.

use serde_json::{Number, Value};

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
    /// An integer that a 64-bit float cannot hold exactly.
    #[error("cannot be held exactly by a 64-bit float")]
    Imprecise,
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
    fn invalid(value: &Value, wanted: FieldType, reason: CastReason) -> Self {
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

/// Casts `value` to `wanted`.
///
/// `Ok` always holds a value of the wanted type, or null (a null input, or blank text for any
/// type but `str`). See the crate docs for the full table.
///
/// ```
/// use serde_json::json;
/// use sixtyfour_casting::{cast, FieldType};
///
/// assert_eq!(cast(&json!(" 1,234 "), FieldType::Int).unwrap(), json!(1234));
/// assert_eq!(cast(&json!("FALSE"), FieldType::Bool).unwrap(), json!(false));
/// assert_eq!(cast(&json!("[1, 2.5]"), FieldType::ListFloat).unwrap(), json!([1.0, 2.5]));
/// assert_eq!(cast(&json!(95.5), FieldType::Str).unwrap(), json!("95.5"));
/// assert_eq!(cast(&json!(""), FieldType::Float).unwrap(), json!(null));
/// assert!(cast(&json!("enabled"), FieldType::Bool).is_err());
/// ```
pub fn cast(value: &Value, wanted: FieldType) -> Result<Value, CastError> {
    match wanted {
        FieldType::Str => Ok(to_str(value)),
        FieldType::Int => to_int(value),
        FieldType::Float => to_float(value),
        FieldType::Bool => to_bool(value),
        FieldType::List => to_list(value).map(|list| list.map_or(Value::Null, Value::Array)),
        FieldType::ListStr | FieldType::ListInt | FieldType::ListFloat | FieldType::ListBool => {
            to_typed_list(value, wanted)
        }
        FieldType::Dict => to_dict(value),
    }
}

/// Like [`cast`], taking the value by ownership so that values already of the wanted type
/// move through without a copy.
///
/// ```
/// use serde_json::json;
/// use sixtyfour_casting::{cast_owned, FieldType};
///
/// assert_eq!(cast_owned(json!("12.0"), FieldType::Int).unwrap(), json!(12));
/// ```
pub fn cast_owned(value: Value, wanted: FieldType) -> Result<Value, CastError> {
    if already(&value, wanted) {
        Ok(value)
    } else {
        cast(&value, wanted)
    }
}

/// True when `value` is of `wanted` as it stands (the identity law's domain), checked cheaply.
fn already(value: &Value, wanted: FieldType) -> bool {
    match (wanted, value) {
        (FieldType::Str, Value::String(_)) | (FieldType::Bool, Value::Bool(_)) => true,
        (FieldType::Int, Value::Number(n)) => !n.is_f64(),
        (FieldType::Float, Value::Number(n)) => n.is_f64(),
        (FieldType::List, Value::Array(_)) | (FieldType::Dict, Value::Object(_)) => true,
        _ => false,
    }
}

fn to_str(value: &Value) -> Value {
    match value {
        Value::Null => Value::Null,
        Value::String(s) => Value::String(s.clone()),
        Value::Bool(b) => Value::String(if *b { "true" } else { "false" }.to_owned()),
        Value::Number(n) => Value::String(n.to_string()),
        Value::Array(_) | Value::Object(_) => Value::String(value.to_string()),
    }
}

fn to_int(value: &Value) -> Result<Value, CastError> {
    let fail = |reason| CastError::invalid(value, FieldType::Int, reason);
    match value {
        Value::Null => Ok(Value::Null),
        Value::Bool(b) => Ok(Value::from(u64::from(*b))),
        Value::Number(n) => int_from_number(n).map(Value::Number).map_err(fail),
        Value::String(s) => match s.trim() {
            "" => Ok(Value::Null),
            text => parse_int(text).map(Value::Number).map_err(fail),
        },
        Value::Array(_) | Value::Object(_) => Err(fail(CastReason::WrongKind(kind_name(value)))),
    }
}

fn int_from_number(n: &Number) -> Result<Number, CastReason> {
    if !n.is_f64() {
        return Ok(n.clone());
    }
    let f = n.as_f64().ok_or(CastReason::NotAnInteger)?;
    if f.fract() != 0.0 {
        return Err(CastReason::Fractional);
    }
    // 2^63 and 2^64 are exact in f64, so these comparisons are exact.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    const TWO_64: f64 = 18_446_744_073_709_551_616.0;
    if (-TWO_63..TWO_63).contains(&f) {
        Ok(Number::from(f as i64))
    } else if (0.0..TWO_64).contains(&f) {
        Ok(Number::from(f as u64))
    } else {
        Err(CastReason::OutOfRange)
    }
}

/// Splits an optional leading sign off `text`: (negative, rest).
fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

/// The digits of an integer part written plainly (`1234567`) or in strict thousands groups
/// (`1,234,567`), without the commas; `None` for anything else.
fn integer_digits(part: &str) -> Option<std::borrow::Cow<'_, str>> {
    if part.is_empty() {
        return None;
    }
    if part.bytes().all(|b| b.is_ascii_digit()) {
        return Some(std::borrow::Cow::Borrowed(part));
    }
    let mut groups = part.split(',');
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 || !first.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut digits = String::with_capacity(part.len());
    digits.push_str(first);
    for group in groups {
        if group.len() != 3 || !group.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.push_str(group);
    }
    Some(std::borrow::Cow::Owned(digits))
}

fn parse_int(text: &str) -> Result<Number, CastReason> {
    let (negative, unsigned) = split_sign(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = integer_digits(whole).ok_or(CastReason::NotAnInteger)?;
    if let Some(fraction) = fraction {
        if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CastReason::NotAnInteger);
        }
        if fraction.bytes().any(|b| b != b'0') {
            return Err(CastReason::Fractional);
        }
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 20 {
        return Err(CastReason::OutOfRange);
    }
    let magnitude: u128 = if significant.is_empty() {
        0
    } else {
        significant.parse().map_err(|_| CastReason::NotAnInteger)?
    };
    if negative {
        if magnitude == 0 {
            Ok(Number::from(0u64))
        } else if magnitude <= (i64::MAX as u128) + 1 {
            Ok(Number::from((-(magnitude as i128)) as i64))
        } else {
            Err(CastReason::OutOfRange)
        }
    } else {
        u64::try_from(magnitude)
            .map(Number::from)
            .map_err(|_| CastReason::OutOfRange)
    }
}

fn to_float(value: &Value) -> Result<Value, CastError> {
    let fail = |reason| CastError::invalid(value, FieldType::Float, reason);
    match value {
        Value::Null => Ok(Value::Null),
        Value::Bool(b) => Ok(float_value(if *b { 1.0 } else { 0.0 })),
        Value::Number(n) => float_from_number(n).map(float_value).map_err(fail),
        Value::String(s) => match s.trim() {
            "" => Ok(Value::Null),
            text => parse_float(text).map(float_value).map_err(fail),
        },
        Value::Array(_) | Value::Object(_) => Err(fail(CastReason::WrongKind(kind_name(value)))),
    }
}

/// A finite f64 as a JSON number. Callers only pass finite values.
fn float_value(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

fn float_from_number(n: &Number) -> Result<f64, CastReason> {
    let integer = n
        .as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from));
    match integer {
        // Exact when converting back gives the same integer (every i64 and u64 fits in i128).
        Some(i) if (i as f64) as i128 == i => Ok(i as f64),
        Some(_) => Err(CastReason::Imprecise),
        None => n.as_f64().ok_or(CastReason::NotANumber),
    }
}

fn parse_float(text: &str) -> Result<f64, CastReason> {
    let (_, unsigned) = split_sign(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let whole_digits = if whole.is_empty() {
        std::borrow::Cow::Borrowed("")
    } else {
        integer_digits(whole).ok_or(CastReason::NotANumber)?
    };
    let fraction = fraction.unwrap_or("");
    if !fraction.bytes().all(|b| b.is_ascii_digit())
        || whole_digits.is_empty() && fraction.is_empty()
    {
        return Err(CastReason::NotANumber);
    }
    if let Some(exponent) = exponent {
        let (_, exp_digits) = split_sign(exponent);
        if exp_digits.is_empty() || !exp_digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CastReason::NotANumber);
        }
    }
    let plain: std::borrow::Cow<'_, str> = if text.contains(',') {
        std::borrow::Cow::Owned(text.replace(',', ""))
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    let f: f64 = plain.parse().map_err(|_| CastReason::NotANumber)?;
    if f.is_finite() {
        Ok(f)
    } else {
        Err(CastReason::NotFinite)
    }
}

fn to_bool(value: &Value) -> Result<Value, CastError> {
    let fail = |reason| CastError::invalid(value, FieldType::Bool, reason);
    match value {
        Value::Null => Ok(Value::Null),
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::Number(n) => {
            let f = n.as_f64();
            if f == Some(0.0) {
                Ok(Value::Bool(false))
            } else if f == Some(1.0) {
                Ok(Value::Bool(true))
            } else {
                Err(fail(CastReason::NotABoolean))
            }
        }
        Value::String(s) => match s.trim() {
            "" => Ok(Value::Null),
            text => parse_bool(text)
                .map(Value::Bool)
                .ok_or_else(|| fail(CastReason::NotABoolean)),
        },
        Value::Array(_) | Value::Object(_) => Err(fail(CastReason::WrongKind(kind_name(value)))),
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    const TRUE: [&str; 6] = ["true", "t", "yes", "y", "1", "on"];
    const FALSE: [&str; 6] = ["false", "f", "no", "n", "0", "off"];
    if TRUE.iter().any(|w| w.eq_ignore_ascii_case(text)) {
        Some(true)
    } else if FALSE.iter().any(|w| w.eq_ignore_ascii_case(text)) {
        Some(false)
    } else {
        None
    }
}

/// `list`: `None` stands for null.
fn to_list(value: &Value) -> Result<Option<Vec<Value>>, CastError> {
    match value {
        Value::Null => Ok(None),
        Value::Array(items) => Ok(Some(items.clone())),
        Value::Bool(_) | Value::Number(_) => Ok(Some(vec![value.clone()])),
        Value::String(s) => {
            let text = s.trim();
            if text.is_empty() {
                return Ok(None);
            }
            if text.starts_with('[')
                && let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text)
            {
                return Ok(Some(items));
            }
            Ok(Some(vec![Value::String(text.to_owned())]))
        }
        Value::Object(_) => Err(CastError::invalid(
            value,
            FieldType::List,
            CastReason::WrongKind("object"),
        )),
    }
}

fn to_typed_list(value: &Value, wanted: FieldType) -> Result<Value, CastError> {
    let Some(element_type) = wanted.element() else {
        return cast(value, wanted);
    };
    let items = match to_list(value) {
        Ok(Some(items)) => items,
        Ok(None) => return Ok(Value::Null),
        Err(err) => {
            return Err(CastError::invalid(value, wanted, err.reason()));
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let element = |source: CastError| CastError::Element {
            wanted,
            index,
            source: Box::new(source),
        };
        if item.is_null() {
            return Err(element(CastError::invalid(
                &item,
                element_type,
                CastReason::NullElement,
            )));
        }
        match cast_owned(item, element_type) {
            Ok(Value::Null) => {
                return Err(element(CastError::invalid(
                    &Value::String(String::new()),
                    element_type,
                    CastReason::NullElement,
                )));
            }
            Ok(cast) => out.push(cast),
            Err(err) => return Err(element(err)),
        }
    }
    Ok(Value::Array(out))
}

fn to_dict(value: &Value) -> Result<Value, CastError> {
    let fail = |reason| CastError::invalid(value, FieldType::Dict, reason);
    match value {
        Value::Null => Ok(Value::Null),
        Value::Object(_) => Ok(value.clone()),
        Value::String(s) => {
            let text = s.trim();
            if text.is_empty() {
                return Ok(Value::Null);
            }
            match serde_json::from_str::<Value>(text) {
                Ok(object @ Value::Object(_)) => Ok(object),
                _ => Err(fail(CastReason::NotAnObjectText)),
            }
        }
        Value::Bool(_) | Value::Number(_) | Value::Array(_) => {
            Err(fail(CastReason::WrongKind(kind_name(value))))
        }
    }
}

/// True when `value` is null or of type `ty` as the casting laws define it.
///
/// ```
/// use serde_json::json;
/// use sixtyfour_casting::{is_of_type, FieldType};
///
/// assert!(is_of_type(&json!([1, 2]), FieldType::ListInt));
/// assert!(!is_of_type(&json!([1, 2.5]), FieldType::ListInt));
/// assert!(is_of_type(&json!(null), FieldType::Dict));
/// ```
pub fn is_of_type(value: &Value, ty: FieldType) -> bool {
    if value.is_null() {
        return true;
    }
    match ty.element() {
        Some(element) => value.as_array().is_some_and(|items| {
            items
                .iter()
                .all(|item| !item.is_null() && is_of_type(item, element))
        }),
        None => already(value, ty),
    }
}
