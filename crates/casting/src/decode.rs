//! `decode`: a `structured_data` map into an [`Enrich`] type, casting by the Rust field types
//! and naming every failing field by its JSON path.

use std::fmt;

use serde_json::{Map, Value};

use crate::cast::{CastError, cast_owned};
use crate::enrich::{Enrich, FieldInfo, join};
use crate::resolve::{TypeSource, resolve};

/// What went wrong with one value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The value could not be cast to the field's type.
    #[error(transparent)]
    Cast(CastError),
    /// The value was cast but does not fit the Rust type (serde's message).
    #[error("{0}")]
    Deserialize(String),
}

/// One failing value and where it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("`{path}`: {problem}")]
#[non_exhaustive]
pub struct DecodeIssue {
    /// The JSON path from the top of `structured_data` (`company.size`, `tags[2]`).
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
}

/// Every value of an answer that did not fit the Rust type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub struct DecodeError {
    /// The failures; never empty.
    pub issues: Vec<DecodeIssue>,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.issues.as_slice() {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} values could not be decoded:", many.len())?;
                for issue in many {
                    write!(f, "\n  - {issue}")?;
                }
                Ok(())
            }
        }
    }
}

/// Decodes an answer's `structured_data` into `T`.
///
/// Each field is cast to the type its Rust type names (or, for `serde_json::Value` fields, the
/// type the resolver picks from `lead_info` and the schema), blank text and null in optional
/// fields become `None`, nested `Enrich` types are cast the same way, and serde builds the
/// value. Every failing field is reported, each with its JSON path.
///
/// ```
/// use serde::Deserialize;
/// use sixtyfour_casting::{decode, Enrich, FieldInfo, Schema};
///
/// #[derive(Debug, Deserialize)]
/// struct Lead {
///     age: u8,
///     phone: Option<String>,
/// }
///
/// impl Enrich for Lead {
///     fn schema() -> Schema {
///         Schema::from_fields(&Self::fields())
///     }
///     fn fields() -> Vec<FieldInfo> {
///         vec![
///             FieldInfo::new("age", "age", "Age in years").of::<u8>().checked::<u8>(),
///             FieldInfo::new("phone", "phone", "Phone number").of::<Option<String>>(),
///         ]
///     }
/// }
///
/// let lead: Lead = decode(serde_json::json!({"age": "41", "phone": " "}).as_object().unwrap(), &Default::default())?;
/// assert_eq!((lead.age, lead.phone), (41, None));
///
/// let err = decode::<Lead>(serde_json::json!({"age": "300"}).as_object().unwrap(), &Default::default()).unwrap_err();
/// assert_eq!(err.issues[0].path, "age");
/// # Ok::<(), sixtyfour_casting::DecodeError>(())
/// ```
pub fn decode<T: Enrich>(
    structured_data: &Map<String, Value>,
    lead_info: &Map<String, Value>,
) -> Result<T, DecodeError> {
    decode_owned(structured_data.clone(), lead_info)
}

/// Like [`decode`], taking the map by ownership.
pub fn decode_owned<T: Enrich>(
    mut structured_data: Map<String, Value>,
    lead_info: &Map<String, Value>,
) -> Result<T, DecodeError> {
    let mut issues = Vec::new();
    prepare_fields::<T>(&mut structured_data, lead_info, "", &mut issues);
    let fields = T::fields();
    let value = Value::Object(structured_data);
    if issues.is_empty() {
        match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(decoded) => return Ok(decoded),
            Err(err) => {
                check_fields(&fields, &value, "", &mut issues);
                if issues.is_empty() {
                    let path = err.path().to_string();
                    let path = if path == "." { String::new() } else { path };
                    issues.push(DecodeIssue::new(
                        path,
                        Problem::Deserialize(err.into_inner().to_string()),
                    ));
                }
            }
        }
    } else {
        check_fields(&fields, &value, "", &mut issues);
    }
    Err(DecodeError { issues })
}

/// Casts the fields of one `T` record in place (under `path`), renaming payload keys to the
/// keys `Deserialize` expects and leaving out absent optional values.
pub(crate) fn prepare_fields<T: Enrich>(
    record: &mut Map<String, Value>,
    lead_info: &Map<String, Value>,
    path: &str,
    issues: &mut Vec<DecodeIssue>,
) {
    let schema = T::schema();
    let resolution = resolve(&schema, lead_info);
    let fields = T::fields();
    if fields.is_empty() {
        for field in &resolution {
            if let Some(value) = record.get_mut(field.name) {
                match cast_owned(std::mem::take(value), field.field_type) {
                    Ok(cast) => *value = cast,
                    Err(err) => {
                        issues.push(DecodeIssue::new(join(path, field.name), Problem::Cast(err)))
                    }
                }
            }
        }
        return;
    }
    let mut out = Map::with_capacity(record.len());
    for info in &fields {
        let here = join(path, info.key);
        let value = record.shift_remove(info.key).unwrap_or(Value::Null);
        let wanted = info.field_type.or_else(|| {
            resolution
                .get(info.key)
                .filter(|field| field.source != TypeSource::Default)
                .map(|field| field.field_type)
        });
        let mut value = match wanted {
            Some(wanted) => match cast_owned(value, wanted) {
                Ok(cast) => cast,
                Err(err) => {
                    issues.push(DecodeIssue::new(here, Problem::Cast(err)));
                    continue;
                }
            },
            None => value,
        };
        if info.optional && is_blank(&value) {
            continue;
        }
        (info.prepare)(&mut value, &here, issues);
        out.insert(info.serde_key.to_owned(), value);
    }
    // Keys outside the fields (`lead_info` passed through, skipped fields) are never read by
    // the derived `Deserialize`; dropping them keeps `deny_unknown_fields` types decodable.
    *record = out;
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

/// Deserializes each field alone so that every failing one is named, skipping fields whose
/// path already has an issue.
fn check_fields(fields: &[FieldInfo], record: &Value, path: &str, issues: &mut Vec<DecodeIssue>) {
    for info in fields {
        let here = join(path, info.key);
        let reported = issues.iter().any(|issue| {
            issue.path == here
                || issue.path.starts_with(&format!("{here}."))
                || issue.path.starts_with(&format!("{here}["))
        });
        let Some(check) = info.check.filter(|_| !reported) else {
            continue;
        };
        let Some(value) = record.get(info.serde_key).or(if info.optional {
            None
        } else {
            Some(&Value::Null)
        }) else {
            continue;
        };
        if let Some((inner, message)) = check(value) {
            let full = match inner.as_str() {
                "" => here,
                inner if inner.starts_with('[') => format!("{here}{inner}"),
                inner => format!("{here}.{inner}"),
            };
            let message = if value.is_null() {
                format!("no value in the answer ({message}); use an `Option` field to accept that")
            } else {
                message
            };
            issues.push(DecodeIssue::new(full, Problem::Deserialize(message)));
        }
    }
}
