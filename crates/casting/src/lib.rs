//! Type resolution and value casting for the enrich-lead API's structured output.
//!
//! A request's `struct` payload names the fields to collect; the service answers with a
//! `structured_data` map whose values it casts to each field's type. This crate holds that one
//! rule set, so that a client turning answers into Rust values and a local emulator producing
//! answers agree to the letter. It does no I/O.
//!
//! # Layers
//!
//! The modules read one way, each using only those before it:
//!
//! 1. field types: [`FieldType`], the ten type names;
//! 2. casting: [`cast`], one JSON value to one type, by the table below;
//! 3. schema: [`Schema`], the request's `struct` payload;
//! 4. resolution: [`resolve`], each field's type and where it came from;
//! 5. record casting: [`cast_record`], a whole answer, every failure in one [`DecodeError`];
//! 6. the typed layer, on top, the only one that knows Rust types: [`Enrich`] (a type that is
//!    the payload and the result), [`EnrichField`] (the types its fields may have), their
//!    compile-time [`Plan`] of [`FieldInfo`]s and [`Shape`]s, and [`decode`].
//!
//! # The pipeline
//!
//! 1. [`Schema::from_json`] reads the `struct` payload. Each entry is a description (a string),
//!    a typed spec (`{"description": ..., "type": "int"}`) or an example value (`95.5`).
//! 2. [`resolve`] decides each field's [`FieldType`]: an explicit type wins, then the kind of the
//!    same key in `lead_info`, then the kind of an example value, then `str`.
//! 3. [`cast_record`] casts every value by [`cast`], reporting every failing field together.
//!
//! For a Rust type, [`decode`] (or [`decode_slice`] from JSON bytes) does all three with the
//! type's plan: each value is cast to its field's type on its way into serde, with no copy of
//! the answer; only when something fails does a second, path-reporting pass name every failing
//! value by its JSON path (`offices[1].desks`).
//!
//! # Type names
//!
//! `str`/`string`, `int`/`integer`, `float`, `bool`/`boolean`, `list`, `list[str]`/`list[string]`,
//! `list[int]`/`list[integer]`, `list[float]`, `list[bool]`/`list[boolean]`, `dict`; trimmed and
//! ASCII case-insensitive. Any other name is an error that lists these.
//!
//! # The casting table
//!
//! Text is trimmed before it is parsed, and blank text is null for every type but `str`.
//!
//! | to | from text | from a number | from a bool | from an array / object | from null |
//! |---|---|---|---|---|---|
//! | `str` | unchanged | its JSON text (`30`, `95.5`, `1.0`) | `"true"` / `"false"` | compact JSON text | null |
//! | `int` | `[+-]digits`, optionally `.0…`, or strict groups `1,234,567` | whole and in `i64::MIN..=u64::MAX` | 1 / 0 | error | null |
//! | `float` | decimal, optional exponent, groups allowed; not inf/nan; exact (below) | as float; an integer a float cannot hold exactly is an error | 1.0 / 0.0 | error | null |
//! | `bool` | `true t yes y 1 on` / `false f no n 0 off`, any case; else error | 0 and 1 only | unchanged | error | null |
//! | `list` | JSON array text is that array; other text is `[text]` | `[x]` | `[x]` | array unchanged; object is an error | null |
//! | `list[T]` | as `list`, then each element cast to `T`; a null or failing element is an error naming its index | | | | null |
//! | `dict` | JSON object text is that object; other text is an error | error | error | object unchanged; array is an error | null |
//!
//! Nothing is decided by truthiness (`"False"` is false, `"enabled"` is an error), no prefix of
//! a string is read on its own (`"30 years"` is an error), and no number loses precision.
//!
//! *Exact* text for `float` means that reading it and printing the float back gives the same
//! number, printed either in the float's shortest round-trip form or rounded to as many
//! significant digits as the text has: `"0.1"`, `"12.5"`, `"1e3"`, `"1,234.5"` and
//! `"9007199254740992"` pass; `"9007199254740993"` (2^53 + 1, which would read as 2^53) is an
//! error ([`CastReason::Imprecise`]), and so are `"1e-400"` ([`CastReason::Underflow`], never
//! `0.0`) and `"1e400"` ([`CastReason::NotFinite`]).
//!
//! A JSON *number* reaches casting as serde_json read it: integers within `i64`/`u64` exactly,
//! anything else as the nearest float (serde_json's `arbitrary_precision` would change `Value`
//! for every crate that uses it). So an integer literal beyond the 64-bit range is an error as
//! `int` (out of range, never rounded into it) and is that nearest float as `float` or `str`;
//! send such numbers as text to keep every digit.
//!
//! # The reference's examples
//!
//! An explicit type overrides the input's type; `lead_info` keys outside the schema pass
//! through (the service adds them to `structured_data` itself):
//!
//! ```
//! use serde_json::json;
//! use sixtyfour_casting::{cast_record, resolve, Schema};
//!
//! let lead_info = json!({"age": 30, "is_active": true});
//! let schema = Schema::from_json(&json!({
//!     "age": {"type": "str"},
//!     "location": "Current location",
//! }))?;
//! let answer = json!({"age": 30, "is_active": true, "location": "New York"});
//!
//! let resolution = resolve(&schema, lead_info.as_object().unwrap());
//! let out = cast_record(answer.as_object().unwrap(), &resolution)?;
//! assert_eq!(serde_json::Value::Object(out), json!({"age": "30", "location": "New York", "is_active": true}));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Explicit type definitions:
//!
//! ```
//! use serde_json::json;
//! use sixtyfour_casting::{cast_record, resolve, Schema};
//!
//! let schema = Schema::from_json(&json!({
//!     "age": {"description": "Person's age", "type": "int"},
//!     "is_verified": {"description": "Status", "type": "bool"},
//! }))?;
//! let answer = json!({"age": "30", "is_verified": "Yes"});
//!
//! let out = cast_record(answer.as_object().unwrap(), &resolve(&schema, &Default::default()))?;
//! assert_eq!(serde_json::Value::Object(out), json!({"age": 30, "is_verified": true}));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Types inferred from example values:
//!
//! ```
//! use serde_json::json;
//! use sixtyfour_casting::{cast_record, resolve, FieldType, Schema};
//!
//! let schema = Schema::from_json(&json!({"score": 95.5, "active": false, "count": 42}))?;
//! let resolution = resolve(&schema, &Default::default());
//! assert_eq!(resolution.field_type("score"), Some(FieldType::Float));
//! assert_eq!(resolution.field_type("active"), Some(FieldType::Bool));
//! assert_eq!(resolution.field_type("count"), Some(FieldType::Int));
//!
//! let answer = json!({"score": "95.5", "active": "False", "count": "42"});
//! let out = cast_record(answer.as_object().unwrap(), &resolution)?;
//! assert_eq!(serde_json::Value::Object(out), json!({"score": 95.5, "active": false, "count": 42}));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(clippy::unwrap_used, clippy::expect_used)]

// The layers, bottom up; each module imports only from the ones above it in this list.
mod cast;
mod error;
mod field_type;
mod record;
mod resolve;
mod schema;
mod typed;

pub use cast::{CastError, CastReason, cast, cast_owned, is_of_type};
pub use error::{DecodeError, DecodeIssue, FieldError, Problem, RecordError};
pub use field_type::{FieldType, UnknownFieldType};
pub use record::{cast_record, cast_record_owned};
pub use resolve::{Resolution, ResolvedField, TypeSource, resolve, resolve_field, type_of_value};
pub use schema::{FieldSpec, Schema, SchemaBuilder, SchemaError};
pub use serde_json::{Map, Value};
pub use typed::choice::{Choice, Choices, same_choice};
pub use typed::decode::{decode, decode_owned, decode_slice, decode_str};
pub use typed::enrich::Enrich;
pub use typed::field::EnrichField;
pub use typed::plan::{CheckFn, FieldInfo, Plan};
pub use typed::shape::Shape;

/// `#[derive(Enrich)]`, for using the typed layer without the client crate (feature
/// `derive`). Generated code names `::sixtyfour` unless told otherwise: write
/// `#[enrich(crate = "sixtyfour_casting")]` on the type.
#[cfg(feature = "derive")]
pub use sixtyfour_derive::Enrich;

/// Items the derive's generated code names, so that a crate re-exporting this one needs to
/// re-export only this module for the derive to work; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::typed::decode::{decode_fast, decode_reporting, decode_slice_fast};
    pub use crate::typed::keys::Keys;
    pub use crate::{
        Choice, Choices, Enrich, EnrichField, FieldInfo, FieldType, Plan, Schema, Shape,
    };
    pub use serde::de::DeserializeOwned;
    pub use std::option::Option::{self, None, Some};
}
