//! The traits behind `#[derive(Enrich)]`: a Rust type that is both the request's `struct`
//! payload and the typed result, and the field types it may hold.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::decode::{DecodeIssue, prepare_fields};
use crate::field_type::FieldType;
use crate::schema::Schema;

/// A type that describes the fields to collect about a lead and receives them back.
///
/// Derive it with `#[derive(Enrich)]` (from the `sixtyfour` crate) next to
/// `serde::Deserialize`; the derive reads serde's renames so the payload's keys and the keys
/// `Deserialize` expects always agree. A hand-written implementation needs only
/// [`schema`](Enrich::schema):
///
/// ```
/// use serde::Deserialize;
/// use sixtyfour_casting::{decode, Enrich, FieldType, Schema};
///
/// #[derive(Debug, Deserialize, PartialEq)]
/// struct Contact {
///     email: String,
///     age: u32,
/// }
///
/// impl Enrich for Contact {
///     fn schema() -> Schema {
///         Schema::builder()
///             .describe("email", "The individual's email address")
///             .typed("age", "Age in years", FieldType::Int)
///             .build()
///             .unwrap_or_default()
///     }
/// }
///
/// let data = serde_json::json!({"email": "ada@lovelace.example", "age": "36"});
/// let contact: Contact = decode(data.as_object().unwrap(), &Default::default())?;
/// assert_eq!(contact, Contact { email: "ada@lovelace.example".into(), age: 36 });
/// # Ok::<(), sixtyfour_casting::DecodeError>(())
/// ```
pub trait Enrich: DeserializeOwned {
    /// The request's `struct` payload: one entry per field, in declaration order.
    fn schema() -> Schema;

    /// A research plan sent with every request for this type.
    fn research_plan() -> Option<&'static str> {
        None
    }

    /// How each payload key maps onto the Rust type, so that [`decode`](crate::decode) can
    /// cast by the Rust field types, treat blank answers for optional fields as absent,
    /// and report every failing field together. The derive fills it in; the default (empty)
    /// decodes by the schema alone.
    fn fields() -> Vec<FieldInfo> {
        Vec::new()
    }
}

/// How one payload key maps onto a Rust field (see [`Enrich::fields`]).
///
/// The derive builds these; by hand:
///
/// ```
/// use sixtyfour_casting::{FieldInfo, FieldType, Schema};
///
/// let fields = vec![
///     FieldInfo::new("email", "email", "Work email").of::<String>().checked::<String>(),
///     FieldInfo::new("headcount", "size", "Employees").of::<Option<u32>>(),
///     FieldInfo::new("tags", "tags", "Tags").with_type(FieldType::List),
/// ];
/// assert_eq!(
///     Schema::from_fields(&fields).to_json(),
///     serde_json::json!({
///         "email": "Work email",
///         "headcount": {"description": "Employees", "type": "int"},
///         "tags": {"description": "Tags", "type": "list"},
///     })
/// );
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FieldInfo {
    /// The key in the request's `struct` payload and in the answer.
    pub key: &'static str,
    /// The key `Deserialize` expects for the same field.
    pub serde_key: &'static str,
    /// The guidance sent to the research agent.
    pub description: &'static str,
    /// A type named on the field itself (`#[enrich(type = "...")]`); always sent.
    pub explicit_type: Option<FieldType>,
    /// The type the answer's value is cast to: the explicit one, else the Rust type's; `None`
    /// lets the resolver decide.
    pub field_type: Option<FieldType>,
    /// True when an absent value is acceptable (an `Option` or a serde default): blank text
    /// and null then leave the key out.
    pub optional: bool,
    /// Readies a value for the field's own type (nested `Enrich` types cast their fields).
    pub prepare: PrepareFn,
    /// Deserializes the value alone into the field's type, to name every failing field;
    /// `None` where serde uses a custom function for the field.
    pub check: Option<CheckFn>,
}

/// See [`FieldInfo::prepare`].
pub type PrepareFn = fn(&mut Value, &str, &mut Vec<DecodeIssue>);
/// See [`FieldInfo::check`]: the path inside the value and serde's message, if it fails.
pub type CheckFn = fn(&Value) -> Option<(String, String)>;

impl FieldInfo {
    /// A field with its payload key, the key `Deserialize` expects, and its description.
    pub fn new(key: &'static str, serde_key: &'static str, description: &'static str) -> Self {
        FieldInfo {
            key,
            serde_key,
            description,
            explicit_type: None,
            field_type: None,
            optional: false,
            prepare: |_, _, _| {},
            check: None,
        }
    }

    /// Takes the type, optionality and preparation from the field's Rust type `T`.
    pub fn of<T: EnrichField + ?Sized>(mut self) -> Self {
        if self.explicit_type.is_none() {
            self.field_type = T::field_type();
        }
        self.optional |= T::optional();
        self.prepare = T::prepare;
        self
    }

    /// Checks values by deserializing them alone into `T`, so that every failing field is named.
    pub fn checked<T: DeserializeOwned>(mut self) -> Self {
        self.check = Some(check_field::<T>);
        self
    }

    /// Names the type explicitly; it is sent with the payload and wins over the Rust type's.
    pub fn with_type(mut self, field_type: FieldType) -> Self {
        self.explicit_type = Some(field_type);
        self.field_type = Some(field_type);
        self
    }

    /// Marks the field as optional when `optional` is true.
    pub fn with_optional(mut self, optional: bool) -> Self {
        self.optional |= optional;
        self
    }
}

fn check_field<T: DeserializeOwned>(value: &Value) -> Option<(String, String)> {
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(_) => None,
        Err(err) => {
            let path = err.path().to_string();
            let path = if path == "." { String::new() } else { path };
            Some((path, err.into_inner().to_string()))
        }
    }
}

/// A type that can be a field of an [`Enrich`] type: it says which [`FieldType`] the answer is
/// cast to and whether the field may be absent.
///
/// Implemented for `String`, `char`, the integer and float primitives, `bool`, `Vec<T>` (and
/// `VecDeque`, `HashSet`, `BTreeSet`), `Option<T>`,
/// string-keyed maps, `serde_json::Value` and every `Enrich` type. Implement it for a type of
/// your own, or name the type on the field with `#[enrich(type = "...")]`.
///
/// ```
/// use sixtyfour_casting::{EnrichField, FieldType};
///
/// assert_eq!(<Vec<u16>>::field_type(), Some(FieldType::ListInt));
/// assert_eq!(<Option<String>>::field_type(), Some(FieldType::Str));
/// assert!(<Option<String>>::optional());
/// assert_eq!(<serde_json::Value>::field_type(), None);
/// assert_eq!(<std::collections::BTreeSet<String>>::field_type(), Some(FieldType::ListStr));
/// assert_eq!(<Vec<Option<i32>>>::field_type(), Some(FieldType::List));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a field of an `Enrich` type",
    label = "this type does not implement `EnrichField`",
    note = "implement `EnrichField` for `{Self}` to say which API type it is, or name the type on the field with `#[enrich(type = \"...\")]`"
)]
pub trait EnrichField {
    /// The type the answer's value is cast to; `None` lets the resolver decide.
    fn field_type() -> Option<FieldType>;

    /// True when the field may be absent (`Option`).
    fn optional() -> bool {
        false
    }

    /// Readies an already cast value for deserialization into `Self`, recording problems
    /// under `path`. Nested `Enrich` types cast their own fields here.
    fn prepare(value: &mut Value, path: &str, issues: &mut Vec<DecodeIssue>) {
        let _ = (value, path, issues);
    }
}

macro_rules! scalar_fields {
    ($ty:expr => $($t:ty),*) => {$(
        impl EnrichField for $t {
            fn field_type() -> Option<FieldType> {
                Some($ty)
            }
        }
    )*};
}

scalar_fields!(FieldType::Str => String, char);
scalar_fields!(FieldType::Int => i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
scalar_fields!(FieldType::Float => f32, f64);
scalar_fields!(FieldType::Bool => bool);

/// `list[T]` for a scalar `T` that cannot be null, else `list`.
fn list_type<T: EnrichField>() -> Option<FieldType> {
    let element = T::field_type().filter(|_| !T::optional());
    Some(
        element
            .and_then(FieldType::list_of)
            .unwrap_or(FieldType::List),
    )
}

fn prepare_elements<T: EnrichField>(value: &mut Value, path: &str, issues: &mut Vec<DecodeIssue>) {
    if let Value::Array(items) = value {
        for (index, item) in items.iter_mut().enumerate() {
            T::prepare(item, &format!("{path}[{index}]"), issues);
        }
    }
}

macro_rules! list_fields {
    ($($list:ident),*) => {$(
        impl<T: EnrichField> EnrichField for $list<T> {
            fn field_type() -> Option<FieldType> {
                list_type::<T>()
            }

            fn prepare(value: &mut Value, path: &str, issues: &mut Vec<DecodeIssue>) {
                prepare_elements::<T>(value, path, issues);
            }
        }
    )*};
}

list_fields!(Vec, VecDeque, BTreeSet);

impl<T: EnrichField, S> EnrichField for HashSet<T, S> {
    fn field_type() -> Option<FieldType> {
        list_type::<T>()
    }

    fn prepare(value: &mut Value, path: &str, issues: &mut Vec<DecodeIssue>) {
        prepare_elements::<T>(value, path, issues);
    }
}

impl<T: EnrichField> EnrichField for Option<T> {
    fn field_type() -> Option<FieldType> {
        T::field_type()
    }

    fn optional() -> bool {
        true
    }

    fn prepare(value: &mut Value, path: &str, issues: &mut Vec<DecodeIssue>) {
        if !value.is_null() {
            T::prepare(value, path, issues);
        }
    }
}

fn prepare_map_values<V: EnrichField>(
    value: &mut Value,
    path: &str,
    issues: &mut Vec<DecodeIssue>,
) {
    if let Value::Object(entries) = value {
        for (key, item) in entries.iter_mut() {
            V::prepare(item, &join(path, key), issues);
        }
    }
}

impl<V: EnrichField, S> EnrichField for HashMap<String, V, S> {
    fn field_type() -> Option<FieldType> {
        Some(FieldType::Dict)
    }

    fn prepare(value: &mut Value, path: &str, issues: &mut Vec<DecodeIssue>) {
        prepare_map_values::<V>(value, path, issues);
    }
}

impl<V: EnrichField> EnrichField for BTreeMap<String, V> {
    fn field_type() -> Option<FieldType> {
        Some(FieldType::Dict)
    }

    fn prepare(value: &mut Value, path: &str, issues: &mut Vec<DecodeIssue>) {
        prepare_map_values::<V>(value, path, issues);
    }
}

impl EnrichField for Map<String, Value> {
    fn field_type() -> Option<FieldType> {
        Some(FieldType::Dict)
    }
}

impl EnrichField for Value {
    fn field_type() -> Option<FieldType> {
        None
    }
}

impl<T: Enrich> EnrichField for T {
    fn field_type() -> Option<FieldType> {
        Some(FieldType::Dict)
    }

    fn prepare(value: &mut Value, path: &str, issues: &mut Vec<DecodeIssue>) {
        if let Value::Object(entries) = value {
            prepare_fields::<T>(entries, &Map::new(), path, issues);
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
