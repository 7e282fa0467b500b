//! `decode`: an answer's `structured_data` into an [`Enrich`] type.
//!
//! Two decoders follow the same [`Step`](crate::typed::shape::Step)s of the type's
//! [`Plan`](crate::Plan). The fast one casts each value on its way into serde, straight from
//! the map or from JSON bytes, with no copy of the map, no intermediate `Value` for scalars and
//! no path tracking. Only when it fails does the path-reporting one run: it casts a copy in
//! place, collecting every cast failure with its JSON path, then deserializes each field alone
//! so that every failing field is named.

mod fast;
mod list_text;
mod parsed;
mod replay;
mod slow;

use serde_json::{Map, Value};

use self::parsed::GiveUp;
use crate::error::{DecodeError, DecodeIssue, Problem};
use crate::resolve::type_of_value;
use crate::typed::enrich::Enrich;
use crate::typed::plan::{FieldInfo, Plan};
use crate::typed::shape::{Level, Shape, Step};

/// Decodes an answer's `structured_data` into `T`.
///
/// Each field is cast to the type its Rust type names (or, for `serde_json::Value` fields, the
/// type the resolver picks from `lead_info`), blank text and null in optional fields become
/// `None`, nested `Enrich` types are cast the same way, and serde builds the value. Every
/// failing field is reported, each with its JSON path.
///
/// ```
/// use serde::Deserialize;
/// use sixtyfour_casting::{decode, Enrich, FieldInfo, Plan, Problem};
///
/// #[derive(Debug, Deserialize)]
/// struct Lead {
///     age: u8,
///     phone: Option<String>,
/// }
///
/// impl Enrich for Lead {
///     const PLAN: &'static Plan = &Plan::new("Lead", &[
///         FieldInfo::new("age", "age", "Age in years").of::<u8>().checked::<u8>(),
///         FieldInfo::new("phone", "phone", "Phone number").of::<Option<String>>(),
///     ]);
/// }
///
/// let lead: Lead = decode(serde_json::json!({"age": "41", "phone": " "}).as_object().unwrap(), &Default::default())?;
/// assert_eq!((lead.age, lead.phone), (41, None));
///
/// let err = decode::<Lead>(serde_json::json!({"age": "300"}).as_object().unwrap(), &Default::default()).unwrap_err();
/// assert_eq!(err.issues[0].path, "age");
/// assert!(matches!(err.issues[0].problem, Problem::Deserialize(_)));
/// # Ok::<(), sixtyfour_casting::DecodeError>(())
/// ```
pub fn decode<T: Enrich>(
    structured_data: &Map<String, Value>,
    lead_info: &Map<String, Value>,
) -> Result<T, DecodeError> {
    if T::PLAN.fields.is_empty() {
        return slow::by_schema(structured_data.clone(), lead_info);
    }
    match map_fast(structured_data, lead_info) {
        Ok(decoded) => Ok(decoded),
        Err(_) => slow::decode(structured_data.clone(), T::PLAN, lead_info),
    }
}

/// Like [`decode`], taking the map by ownership: a failing answer is then reported without a
/// copy.
pub fn decode_owned<T: Enrich>(
    structured_data: Map<String, Value>,
    lead_info: &Map<String, Value>,
) -> Result<T, DecodeError> {
    if T::PLAN.fields.is_empty() {
        return slow::by_schema(structured_data, lead_info);
    }
    match map_fast(&structured_data, lead_info) {
        Ok(decoded) => Ok(decoded),
        Err(_) => slow::decode(structured_data, T::PLAN, lead_info),
    }
}

/// The fast decoder alone, from a map: `None` where it leaves the answer to the
/// path-reporting one. For tests and benchmarks that check the common case stays fast.
#[doc(hidden)]
pub fn decode_fast<T: Enrich>(
    structured_data: &Map<String, Value>,
    lead_info: &Map<String, Value>,
) -> Option<T> {
    map_fast(structured_data, lead_info).ok()
}

/// The fast decoder alone, from JSON text; see [`decode_fast`].
#[doc(hidden)]
pub fn decode_slice_fast<T: Enrich>(json: &[u8], lead_info: &Map<String, Value>) -> Option<T> {
    let by_name = T::PLAN.by_name();
    match slice_fast::<T>(json, lead_info) {
        Some(decoded) => Some(decoded),
        None => retried(T::PLAN, by_name, || {
            slice_fast::<T>(json, lead_info).ok_or(GiveUp)
        })
        .ok(),
    }
}

/// The fast decoder on a map, once more with field names if the type refused positions.
fn map_fast<T: Enrich>(
    structured_data: &Map<String, Value>,
    lead_info: &Map<String, Value>,
) -> Result<T, GiveUp> {
    let by_name = T::PLAN.by_name();
    match parsed::decode::<T>(structured_data, T::PLAN, lead_info) {
        Ok(decoded) => Ok(decoded),
        Err(_) => retried(T::PLAN, by_name, || {
            parsed::decode::<T>(structured_data, T::PLAN, lead_info)
        }),
    }
}

/// After a failed fast decode: the fast decode once more if the type has just refused fields
/// by position (it then gets names; `by_name` is how they went before).
#[cold]
fn retried<T>(
    plan: &Plan,
    by_name: bool,
    decode: impl FnOnce() -> Result<T, GiveUp>,
) -> Result<T, GiveUp> {
    if !by_name && plan.by_name() {
        decode()
    } else {
        Err(GiveUp)
    }
}

/// The fast decoder on JSON text; `None` when it gives up.
fn slice_fast<T: Enrich>(json: &[u8], lead_info: &Map<String, Value>) -> Option<T> {
    let mut reader = serde_json::Deserializer::from_slice(json);
    let decoded = fast::decode::<T, _>(&mut reader, T::PLAN, lead_info).ok()?;
    reader.end().ok()?;
    Some(decoded)
}

/// The path-reporting decoder alone, for tests that hold the fast one to it.
#[doc(hidden)]
pub fn decode_reporting<T: Enrich>(
    structured_data: Map<String, Value>,
    lead_info: &Map<String, Value>,
) -> Result<T, DecodeError> {
    if T::PLAN.fields.is_empty() {
        slow::by_schema(structured_data, lead_info)
    } else {
        slow::decode(structured_data, T::PLAN, lead_info)
    }
}

/// Decodes the JSON text of a `structured_data` object into `T`, casting values as they are
/// read: no map is built unless something fails.
///
/// ```
/// use serde::Deserialize;
/// use sixtyfour_casting::{decode_slice, Enrich, FieldInfo, Plan};
///
/// #[derive(Debug, Deserialize)]
/// struct Size {
///     employees: u32,
///     public: bool,
/// }
///
/// impl Enrich for Size {
///     const PLAN: &'static Plan = &Plan::new("Size", &[
///         FieldInfo::new("employees", "employees", "Employees").of::<u32>().checked::<u32>(),
///         FieldInfo::new("public", "public", "Listed on a stock exchange").of::<bool>().checked::<bool>(),
///     ]);
/// }
///
/// let size: Size = decode_slice(br#"{"employees": "1,200", "public": "no"}"#, &Default::default())?;
/// assert_eq!((size.employees, size.public), (1200, false));
///
/// let err = decode_slice::<Size>(b"[1, 2]", &Default::default()).unwrap_err();
/// assert!(err.to_string().contains("not a JSON object"), "{err}");
/// # Ok::<(), sixtyfour_casting::DecodeError>(())
/// ```
pub fn decode_slice<T: Enrich>(
    json: &[u8],
    lead_info: &Map<String, Value>,
) -> Result<T, DecodeError> {
    if !T::PLAN.fields.is_empty()
        && let Some(decoded) = decode_slice_fast(json, lead_info)
    {
        return Ok(decoded);
    }
    decode_owned(parse_object(json)?, lead_info)
}

/// Like [`decode_slice`], from text.
pub fn decode_str<T: Enrich>(json: &str, lead_info: &Map<String, Value>) -> Result<T, DecodeError> {
    decode_slice(json.as_bytes(), lead_info)
}

/// The object the text holds, or an error saying what it holds instead.
fn parse_object(json: &[u8]) -> Result<Map<String, Value>, DecodeError> {
    let problem = match serde_json::from_slice::<Value>(json) {
        Ok(Value::Object(object)) => return Ok(object),
        Ok(other) => format!(
            "the answer is not a JSON object but {}",
            crate::cast::shorten(&other)
        ),
        Err(err) => format!("the answer is not a JSON object: {err}"),
    };
    Err(DecodeError::new(vec![DecodeIssue::new(
        "",
        Problem::Deserialize(problem),
    )]))
}

/// The level a record's field is read at: its explicit type, or for a `serde_json::Value` at
/// the top of the answer the type of the same key in `lead_info`.
#[inline]
fn field_level(field: &FieldInfo, lead_info: Option<&Map<String, Value>>) -> Level {
    let resolved = match (field.explicit_type, field.shape, lead_info) {
        (None, Shape::Any, Some(lead_info)) => lead_info.get(field.key).and_then(type_of_value),
        _ => None,
    };
    Level {
        shape: field.shape,
        over: field.explicit_type.or(resolved),
        strict: false,
    }
}

/// The step of a record's field: the one worked out with the plan, or for a
/// `serde_json::Value` at the top of the answer the one for the type of the same key in
/// `lead_info`.
#[inline(always)]
fn field_step(field: &FieldInfo, lead_info: Option<&Map<String, Value>>) -> Step {
    match field.step {
        // Only a `Value` with no explicit type has this step.
        Step::Pass if lead_info.is_some() => field_level(field, lead_info).step(),
        step => step,
    }
}

/// Null, or text that is empty once trimmed.
#[inline]
fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => crate::cast::trim(text).is_empty(),
        _ => false,
    }
}
