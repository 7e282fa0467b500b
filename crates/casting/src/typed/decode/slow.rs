//! The path-reporting decoder: casts a map in place by the plan, collecting every failure with
//! its JSON path, then deserializes each field alone so that every failing field is named.
//! It runs only when the fast decoder fails, and decides what the caller gets.

use serde_json::{Map, Value};

use crate::cast::{CastError, CastReason, cast_owned, json_text, shorten};
use crate::error::{DecodeError, DecodeIssue, Problem, index, join, within};
use crate::field_type::FieldType;
use crate::resolve::resolve;
use crate::typed::choice::{Choice, Choices};
use crate::typed::enrich::Enrich;
use crate::typed::plan::Plan;
use crate::typed::shape::{Level, Step};

use super::{field_level, is_blank};

/// Decodes by the plan, naming every failing value.
pub(super) fn decode<T: Enrich>(
    mut record: Map<String, Value>,
    plan: &'static Plan,
    lead_info: &Map<String, Value>,
) -> Result<T, DecodeError> {
    let mut issues = Vec::new();
    prepare_record(&mut record, plan, Some(lead_info), "", &mut issues);
    let record = Value::Object(record);
    if issues.is_empty()
        && let Ok(decoded) = T::deserialize(&record)
    {
        return Ok(decoded);
    }
    check_fields(plan, &record, &mut issues);
    if issues.is_empty()
        && let Err(err) = serde_path_to_error::deserialize::<_, T>(&record)
    {
        issues.push(DecodeIssue::new(
            serde_path(&err),
            Problem::Deserialize(err.into_inner().to_string()),
        ));
    }
    if issues.is_empty() {
        // Unreachable in practice: the same value deserialized once and failed.
        issues.push(DecodeIssue::new(
            "",
            Problem::Deserialize(format!("the answer does not fit `{}`", plan.name)),
        ));
    }
    let top_position = |issue: &DecodeIssue| {
        plan.fields
            .iter()
            .position(|field| within(&issue.path, field.key))
            .unwrap_or(usize::MAX)
    };
    issues.sort_by_key(top_position);
    Err(DecodeError::new(issues))
}

/// Decodes a type with no plan: every schema field present in the answer is cast to its
/// resolved type, then serde builds the value.
pub(super) fn by_schema<T: Enrich>(
    mut record: Map<String, Value>,
    lead_info: &Map<String, Value>,
) -> Result<T, DecodeError> {
    let schema = T::schema();
    let resolution = resolve(&schema, lead_info);
    let mut issues = Vec::new();
    for field in &resolution {
        if let Some(value) = record.get_mut(field.name) {
            match cast_owned(std::mem::take(value), field.field_type) {
                Ok(cast) => *value = cast,
                Err(err) => issues.push(DecodeIssue::new(field.name, Problem::Cast(err))),
            }
        }
    }
    if issues.is_empty() {
        match serde_path_to_error::deserialize::<_, T>(Value::Object(record)) {
            Ok(decoded) => return Ok(decoded),
            Err(err) => issues.push(DecodeIssue::new(
                serde_path(&err),
                Problem::Deserialize(err.into_inner().to_string()),
            )),
        }
    }
    Err(DecodeError::new(issues))
}

fn serde_path<E>(err: &serde_path_to_error::Error<E>) -> String {
    let path = err.path().to_string();
    if path == "." { String::new() } else { path }
}

/// Casts the fields of one record in place (under `path`), renaming payload keys to the keys
/// `Deserialize` expects, leaving out absent optional values, and dropping keys the plan does
/// not name (`lead_info` passed through, skipped fields), which the derived `Deserialize`
/// never reads; `deny_unknown_fields` types stay decodable.
pub(super) fn prepare_record(
    record: &mut Map<String, Value>,
    plan: &Plan,
    lead_info: Option<&Map<String, Value>>,
    path: &str,
    issues: &mut Vec<DecodeIssue>,
) {
    let mut out = Map::with_capacity(plan.fields.len());
    for field in plan.fields {
        let mut value = record.remove(field.key).unwrap_or(Value::Null);
        if field.optional && is_blank(&value) {
            continue;
        }
        let level = field_level(field, lead_info);
        prepare(&mut value, level, &join(path, field.key), issues);
        out.insert(field.serde_key.to_owned(), value);
    }
    *record = out;
}

/// Readies one value for its level, in place; failures are recorded under `path` and leave
/// null behind.
pub(super) fn prepare(value: &mut Value, level: Level, path: &str, issues: &mut Vec<DecodeIssue>) {
    match level.step() {
        Step::Pass => {}
        Step::Scalar(ty, _) => cast_in_place(value, ty, path, issues),
        Step::List(list, item) => {
            cast_in_place(value, list, path, issues);
            let done = matches!(item.step(), Step::Pass | Step::Scalar(..));
            if let (Value::Array(items), false) = (value, done) {
                for (at, item_value) in items.iter_mut().enumerate() {
                    prepare(item_value, item, &index(path, at), issues);
                }
            }
        }
        Step::Map(inner) => {
            cast_in_place(value, FieldType::Dict, path, issues);
            if let (Value::Object(entries), false) = (value, matches!(inner.step(), Step::Pass)) {
                for (key, entry) in entries.iter_mut() {
                    prepare(entry, inner, &join(path, key), issues);
                }
            }
        }
        Step::Record(plan) => {
            cast_in_place(value, FieldType::Dict, path, issues);
            if let Value::Object(entries) = value {
                prepare_record(entries, plan(), None, path, issues);
            }
        }
        Step::OneOf(choices, strict) => choose(value, choices, strict, path, issues),
        Step::Option(inner) => {
            if is_blank(value) {
                *value = Value::Null;
            } else {
                prepare(value, inner, path, issues);
            }
        }
    }
}

fn cast_in_place(value: &mut Value, ty: FieldType, path: &str, issues: &mut Vec<DecodeIssue>) {
    match cast_owned(std::mem::take(value), ty) {
        Ok(cast) => *value = cast,
        Err(err) => issues.push(DecodeIssue::new(path, Problem::Cast(err))),
    }
}

/// The value as one of the choices: the name `Deserialize` reads for a unit variant, or
/// `{"Variant": text}` for a catch-all holding the text. Null and blank text are null (an
/// error inside a typed list).
fn choose(
    value: &mut Value,
    choices: &'static Choices,
    strict: bool,
    path: &str,
    issues: &mut Vec<DecodeIssue>,
) {
    let text = match &*value {
        Value::Null => None,
        Value::String(text) => Some(text.trim().to_owned()),
        other => Some(json_text(other)),
    };
    let Some(text) = text.filter(|text| !text.is_empty()) else {
        if strict {
            issues.push(DecodeIssue::new(
                path,
                Problem::Cast(CastError::Invalid {
                    wanted: FieldType::Str,
                    value: shorten(value),
                    reason: CastReason::NullElement,
                }),
            ));
        }
        *value = Value::Null;
        return;
    };
    *value = match choices.find(&text) {
        Some(Choice::Unit(name)) => Value::String(name.to_owned()),
        Some(Choice::Text(name)) => {
            let mut object = Map::with_capacity(1);
            object.insert(name.to_owned(), Value::String(text));
            Value::Object(object)
        }
        None => {
            issues.push(DecodeIssue::new(
                path,
                Problem::NotOneOf {
                    value: shorten(value),
                    allowed: choices.values,
                },
            ));
            return;
        }
    };
}

/// Deserializes each field alone, so that every failing one is named; fields whose path
/// already has an issue are skipped.
fn check_fields(plan: &Plan, record: &Value, issues: &mut Vec<DecodeIssue>) {
    for field in plan.fields {
        if issues.iter().any(|issue| within(&issue.path, field.key)) {
            continue;
        }
        let Some(check) = field.check else {
            continue;
        };
        let value = match record.get(field.serde_key) {
            Some(value) => value,
            None if field.optional => continue,
            None => &Value::Null,
        };
        if let Some((inner, message)) = check(value) {
            let path = match inner.as_str() {
                "" => field.key.to_owned(),
                inner if inner.starts_with('[') => format!("{}{inner}", field.key),
                inner => join(field.key, inner),
            };
            let problem = if value.is_null() {
                Problem::Missing
            } else {
                Problem::Deserialize(message)
            };
            issues.push(DecodeIssue::new(path, problem));
        }
    }
}
