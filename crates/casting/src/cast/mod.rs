//! `cast`: one JSON value to one [`FieldType`], following the table in the crate docs.
//!
//! Every decision here is a pure function of the value and the wanted type. Strings are
//! trimmed before they are parsed; nothing is decided by truthiness, no prefix of a string is
//! parsed on its own, and no number silently loses precision (see [`float`] for what exact
//! means for text).

mod error;
pub(crate) mod float;
pub(crate) mod int;

use serde_json::{Number, Value};

pub use error::{CastError, CastReason};
pub(crate) use error::{kind_name, shorten};

use crate::field_type::FieldType;
use float::{float_from_number, parse_float};
use int::{int_from_number, parse_int};

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
        return Ok(value);
    }
    match (wanted.element(), value) {
        (Some(_), Value::Array(items)) => cast_elements(items, wanted).map(Value::Array),
        (_, value) => cast(&value, wanted),
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

/// `str` of a number, a boolean, an array or an object: its compact JSON text.
pub(crate) fn json_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "true" } else { "false" }.to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Null | Value::Array(_) | Value::Object(_) => value.to_string(),
    }
}

fn to_str(value: &Value) -> Value {
    match value {
        Value::Null => Value::Null,
        other => Value::String(json_text(other)),
    }
}

fn to_int(value: &Value) -> Result<Value, CastError> {
    let fail = |reason| CastError::invalid(value, FieldType::Int, reason);
    match value {
        Value::Null => Ok(Value::Null),
        Value::Bool(b) => Ok(Value::from(u64::from(*b))),
        Value::Number(n) => int_from_number(n).map(Value::Number).map_err(fail),
        Value::String(s) => match trim(s) {
            "" => Ok(Value::Null),
            text => parse_int(text).map(Value::Number).map_err(fail),
        },
        Value::Array(_) | Value::Object(_) => Err(fail(CastReason::WrongKind(kind_name(value)))),
    }
}

fn to_float(value: &Value) -> Result<Value, CastError> {
    let fail = |reason| CastError::invalid(value, FieldType::Float, reason);
    match value {
        Value::Null => Ok(Value::Null),
        Value::Bool(b) => Ok(float_value(if *b { 1.0 } else { 0.0 })),
        Value::Number(n) => float_from_number(n).map(float_value).map_err(fail),
        Value::String(s) => match trim(s) {
            "" => Ok(Value::Null),
            text => parse_float(text).map(float_value).map_err(fail),
        },
        Value::Array(_) | Value::Object(_) => Err(fail(CastReason::WrongKind(kind_name(value)))),
    }
}

/// A finite f64 as a JSON number. Callers only pass finite values.
pub(crate) fn float_value(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

fn to_bool(value: &Value) -> Result<Value, CastError> {
    let fail = |reason| CastError::invalid(value, FieldType::Bool, reason);
    match value {
        Value::Null => Ok(Value::Null),
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::Number(n) => bool_from_number(n)
            .map(Value::Bool)
            .ok_or_else(|| fail(CastReason::NotABoolean)),
        Value::String(s) => match trim(s) {
            "" => Ok(Value::Null),
            text => parse_bool(text)
                .map(Value::Bool)
                .ok_or_else(|| fail(CastReason::NotABoolean)),
        },
        Value::Array(_) | Value::Object(_) => Err(fail(CastReason::WrongKind(kind_name(value)))),
    }
}

/// 0 and 0.0 are false, 1 and 1.0 true; any other number is not a boolean.
pub(crate) fn bool_from_number(n: &Number) -> Option<bool> {
    let f = n.as_f64();
    if f == Some(0.0) {
        Some(false)
    } else if f == Some(1.0) {
        Some(true)
    } else {
        None
    }
}

/// The accepted boolean words, in any ASCII case, for trimmed text: `true t yes y 1 on` and
/// `false f no n 0 off`.
#[inline]
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    let bytes = text.as_bytes();
    let mut lower = [0u8; 5];
    lower.get_mut(..bytes.len())?.copy_from_slice(bytes);
    lower.make_ascii_lowercase();
    match &lower[..bytes.len()] {
        b"true" | b"t" | b"yes" | b"y" | b"1" | b"on" => Some(true),
        b"false" | b"f" | b"no" | b"n" | b"0" | b"off" => Some(false),
        _ => None,
    }
}

/// `text` without surrounding white space, as [`str::trim`] has it, with no scan in the common
/// case of text that starts and ends with a visible ASCII character.
#[inline]
pub(crate) fn trim(text: &str) -> &str {
    let visible = |byte: u8| byte > b' ' && byte < 0x80;
    match text.as_bytes() {
        [first, .., last] if visible(*first) && visible(*last) => text,
        [only] if visible(*only) => text,
        _ => text.trim(),
    }
}

/// The items of trimmed, non-blank text wanted as a list: the array its JSON text holds, or
/// `None` when the text is not a JSON array (it is then a list of itself).
pub(crate) fn list_text(text: &str) -> Option<Vec<Value>> {
    if !text.starts_with('[') {
        return None;
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => Some(items),
        _ => None,
    }
}

/// The object trimmed, non-blank text holds as JSON text, if it holds one.
pub(crate) fn dict_text(text: &str) -> Option<serde_json::Map<String, Value>> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => Some(object),
        _ => None,
    }
}

/// `list`: `None` stands for null.
fn to_list(value: &Value) -> Result<Option<Vec<Value>>, CastError> {
    match value {
        Value::Null => Ok(None),
        Value::Array(items) => Ok(Some(items.clone())),
        Value::Bool(_) | Value::Number(_) => Ok(Some(vec![value.clone()])),
        Value::String(s) => match trim(s) {
            "" => Ok(None),
            text => Ok(Some(
                list_text(text).unwrap_or_else(|| vec![Value::String(text.to_owned())]),
            )),
        },
        Value::Object(_) => Err(CastError::invalid(
            value,
            FieldType::List,
            CastReason::WrongKind("object"),
        )),
    }
}

fn to_typed_list(value: &Value, wanted: FieldType) -> Result<Value, CastError> {
    match to_list(value) {
        Ok(Some(items)) => cast_elements(items, wanted).map(Value::Array),
        Ok(None) => Ok(Value::Null),
        Err(err) => Err(CastError::invalid(value, wanted, err.reason())),
    }
}

/// Every item cast to the element type of the typed list `wanted`; a null, blank or failing
/// item is an error naming its index.
fn cast_elements(items: Vec<Value>, wanted: FieldType) -> Result<Vec<Value>, CastError> {
    let Some(element_type) = wanted.element() else {
        return Ok(items);
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
    Ok(out)
}

fn to_dict(value: &Value) -> Result<Value, CastError> {
    let fail = |reason| CastError::invalid(value, FieldType::Dict, reason);
    match value {
        Value::Null => Ok(Value::Null),
        Value::Object(_) => Ok(value.clone()),
        Value::String(s) => match trim(s) {
            "" => Ok(Value::Null),
            text => dict_text(text)
                .map(Value::Object)
                .ok_or_else(|| fail(CastReason::NotAnObjectText)),
        },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimming_table() {
        for text in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{a0}a",
            "a\u{2003}",
            "\t1\n",
            "é",
            "1",
            "ab",
            "\u{85}",
        ] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
    }

    #[test]
    fn boolean_words_table() {
        let rows: &[(&str, Option<bool>)] = &[
            ("TRUE", Some(true)),
            ("Yes", Some(true)),
            ("y", Some(true)),
            ("1", Some(true)),
            ("On", Some(true)),
            ("t", Some(true)),
            ("FALSE", Some(false)),
            ("no", Some(false)),
            ("n", Some(false)),
            ("0", Some(false)),
            ("OFF", Some(false)),
            ("f", Some(false)),
            ("enabled", None),
            ("yess", None),
            ("", None),
            ("tru", None),
            ("ÿes", None),
        ];
        for (text, want) in rows {
            assert_eq!(parse_bool(text), *want, "{text}");
        }
    }
}
