//! `cast_record`: a whole `structured_data` map cast under a [`Resolution`], every failure
//! reported at once with [`DecodeError`].

use serde_json::{Map, Value};

use crate::cast::cast_owned;
use crate::error::{DecodeError, DecodeIssue, Problem};
use crate::resolve::Resolution;

/// Casts a `structured_data` map under `resolution`.
///
/// Each schema field's value is cast in place, so the result keeps the order of `data`; a
/// schema field missing from `data` is added as null at the end. Keys of `data` that the schema
/// does not name pass through untouched. Failures are reported together, in schema order.
///
/// ```
/// use serde_json::json;
/// use sixtyfour_casting::{cast_record, resolve, Schema};
///
/// let schema = Schema::from_json(&json!({"age": {"type": "int"}, "active": false, "city": "City"}))?;
/// let data = json!({"age": "31", "extra": 1, "active": "no"});
/// let resolution = resolve(&schema, &Default::default());
/// let out = cast_record(data.as_object().unwrap(), &resolution).unwrap();
/// assert_eq!(serde_json::Value::Object(out), json!({"age": 31, "extra": 1, "active": false, "city": null}));
///
/// let bad = json!({"age": "thirty", "active": "maybe"});
/// let err = cast_record(bad.as_object().unwrap(), &resolution).unwrap_err();
/// assert_eq!(err.issues.len(), 2);
/// assert!(err.to_string().contains("`age`: cannot cast \"thirty\" to int"));
/// # Ok::<(), sixtyfour_casting::SchemaError>(())
/// ```
pub fn cast_record(
    data: &Map<String, Value>,
    resolution: &Resolution<'_>,
) -> Result<Map<String, Value>, DecodeError> {
    cast_record_owned(data.clone(), resolution)
}

/// Like [`cast_record`], taking the map by ownership so that values already of their type move
/// through without a copy.
pub fn cast_record_owned(
    mut data: Map<String, Value>,
    resolution: &Resolution<'_>,
) -> Result<Map<String, Value>, DecodeError> {
    let mut errors = Vec::new();
    let mut found = 0;
    for (position, (name, value)) in data.iter_mut().enumerate() {
        let Some(field) = resolution.find_near(name, position) else {
            continue;
        };
        found += 1;
        match cast_owned(std::mem::take(value), field.field_type) {
            Ok(cast) => *value = cast,
            Err(error) => errors.push(DecodeIssue::new(name.clone(), Problem::Cast(error))),
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|issue| resolution.position(&issue.path));
        return Err(DecodeError::new(errors));
    }
    if found < resolution.len() {
        for field in resolution {
            if !data.contains_key(field.name) {
                data.insert(field.name.to_owned(), Value::Null);
            }
        }
    }
    Ok(data)
}
