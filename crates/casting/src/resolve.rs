//! The type resolver: which [`FieldType`] each schema field is cast to, and why.
//!
//! Priority, highest first: an explicit type in the field's spec, the JSON kind of the same key
//! in `lead_info`, the kind of an example value, and `str` when nothing else is known.

use serde_json::{Map, Value};

use crate::field_type::FieldType;
use crate::schema::{FieldSpec, Schema};

/// Where a resolved type came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeSource {
    /// The field's spec names a type.
    Explicit,
    /// The same key in `lead_info` holds a non-null value of this kind.
    Input,
    /// The field's spec is an example value of this kind.
    Inferred,
    /// Nothing said otherwise: `str`.
    Default,
}

/// One field's resolved type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedField<'s> {
    /// The field name, borrowed from the schema.
    pub name: &'s str,
    /// The type its value is cast to.
    pub field_type: FieldType,
    /// Which rule decided it.
    pub source: TypeSource,
}

/// The resolved type of every schema field, in schema order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution<'s> {
    fields: Vec<ResolvedField<'s>>,
}

impl<'s> Resolution<'s> {
    /// The resolved field of that name.
    pub fn get(&self, name: &str) -> Option<&ResolvedField<'s>> {
        self.fields.iter().find(|field| field.name == name)
    }

    /// The field of that name, looked for first at `position` (answers usually list the
    /// fields in schema order), then everywhere.
    pub(crate) fn find_near(&self, name: &str, position: usize) -> Option<&ResolvedField<'s>> {
        match self.fields.get(position) {
            Some(field) if field.name == name => Some(field),
            _ => self.get(name),
        }
    }

    /// The position of a field in schema order.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|field| field.name == name)
    }

    /// The resolved type of that field.
    pub fn field_type(&self, name: &str) -> Option<FieldType> {
        self.get(name).map(|field| field.field_type)
    }

    /// Every field in schema order.
    pub fn iter(&self) -> std::slice::Iter<'_, ResolvedField<'s>> {
        self.fields.iter()
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when the schema had no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

impl<'a, 's> IntoIterator for &'a Resolution<'s> {
    type Item = &'a ResolvedField<'s>;
    type IntoIter = std::slice::Iter<'a, ResolvedField<'s>>;

    fn into_iter(self) -> Self::IntoIter {
        self.fields.iter()
    }
}

/// Resolves every field of `schema` against the lead's input.
///
/// ```
/// use serde_json::json;
/// use sixtyfour_casting::{resolve, FieldType, Schema, TypeSource};
///
/// let schema = Schema::from_json(&json!({
///     "age": "Person's age",
///     "score": 95.5,
///     "verified": {"type": "bool"},
///     "email": "Work email",
/// }))?;
/// let lead_info = json!({"age": 30}).as_object().cloned().unwrap_or_default();
/// let resolution = resolve(&schema, &lead_info);
///
/// let age = resolution.get("age").unwrap();
/// assert_eq!((age.field_type, age.source), (FieldType::Int, TypeSource::Input));
/// assert_eq!(resolution.get("score").unwrap().source, TypeSource::Inferred);
/// assert_eq!(resolution.get("verified").unwrap().source, TypeSource::Explicit);
/// assert_eq!(resolution.field_type("email"), Some(FieldType::Str));
/// # Ok::<(), sixtyfour_casting::SchemaError>(())
/// ```
pub fn resolve<'s>(schema: &'s Schema, lead_info: &Map<String, Value>) -> Resolution<'s> {
    let fields = schema
        .iter()
        .map(|(name, spec)| {
            let (field_type, source) = resolve_field(spec, input(lead_info, name));
            ResolvedField {
                name,
                field_type,
                source,
            }
        })
        .collect();
    Resolution { fields }
}

/// The lead's value for `name`: a short `lead_info` is scanned rather than hashed.
fn input<'a>(lead_info: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if lead_info.len() <= 8 {
        lead_info
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value)
    } else {
        lead_info.get(name)
    }
}

/// The decision for one field: explicit > input > inferred > default.
pub fn resolve_field(spec: &FieldSpec, input: Option<&Value>) -> (FieldType, TypeSource) {
    if let Some(explicit) = spec.explicit_type() {
        return (explicit, TypeSource::Explicit);
    }
    if let Some(from_input) = input.and_then(type_of_value) {
        return (from_input, TypeSource::Input);
    }
    if let Some(inferred) = spec.example().and_then(type_of_value) {
        return (inferred, TypeSource::Inferred);
    }
    (FieldType::Str, TypeSource::Default)
}

/// The type a JSON value stands for: `bool`, `int` (an integer number), `float`, `str`, `dict`,
/// `list[T]` when every element is of one scalar kind (integers mixed with floats make
/// `list[float]`), else `list`. Null stands for nothing.
///
/// ```
/// use serde_json::json;
/// use sixtyfour_casting::{type_of_value, FieldType};
///
/// assert_eq!(type_of_value(&json!(42)), Some(FieldType::Int));
/// assert_eq!(type_of_value(&json!([1, 2.5])), Some(FieldType::ListFloat));
/// assert_eq!(type_of_value(&json!(["a", 1])), Some(FieldType::List));
/// assert_eq!(type_of_value(&json!(null)), None);
/// ```
pub fn type_of_value(value: &Value) -> Option<FieldType> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(_) => FieldType::Bool,
        Value::Number(n) if n.is_f64() => FieldType::Float,
        Value::Number(_) => FieldType::Int,
        Value::String(_) => FieldType::Str,
        Value::Object(_) => FieldType::Dict,
        Value::Array(items) => list_type(items),
    })
}

fn list_type(items: &[Value]) -> FieldType {
    let mut kinds = items.iter().map(|item| match item {
        Value::Bool(_) | Value::Number(_) | Value::String(_) => type_of_value(item),
        _ => None,
    });
    let Some(Some(mut element)) = kinds.next() else {
        return FieldType::List;
    };
    for kind in kinds {
        element = match (element, kind) {
            (a, Some(b)) if a == b => a,
            (FieldType::Int | FieldType::Float, Some(FieldType::Int | FieldType::Float)) => {
                FieldType::Float
            }
            _ => return FieldType::List,
        };
    }
    element.list_of().unwrap_or(FieldType::List)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn priority_table() {
        let described = FieldSpec::described("x");
        let typed = FieldSpec::typed(FieldType::Str);
        let example = FieldSpec::Example(json!(1.5));
        let rows: [(&FieldSpec, Option<Value>, FieldType, TypeSource); 8] = [
            (
                &typed,
                Some(json!(30)),
                FieldType::Str,
                TypeSource::Explicit,
            ),
            (&typed, None, FieldType::Str, TypeSource::Explicit),
            (
                &described,
                Some(json!(30)),
                FieldType::Int,
                TypeSource::Input,
            ),
            (
                &described,
                Some(json!(null)),
                FieldType::Str,
                TypeSource::Default,
            ),
            (
                &example,
                Some(json!(true)),
                FieldType::Bool,
                TypeSource::Input,
            ),
            (
                &example,
                Some(json!(null)),
                FieldType::Float,
                TypeSource::Inferred,
            ),
            (&example, None, FieldType::Float, TypeSource::Inferred),
            (&described, None, FieldType::Str, TypeSource::Default),
        ];
        for (spec, input, ty, source) in rows {
            assert_eq!(
                resolve_field(spec, input.as_ref()),
                (ty, source),
                "{spec:?} {input:?}"
            );
        }
    }

    #[test]
    fn inference_table() {
        let rows = [
            (json!(false), Some(FieldType::Bool)),
            (json!(42), Some(FieldType::Int)),
            (json!(-42), Some(FieldType::Int)),
            (json!(u64::MAX), Some(FieldType::Int)),
            (json!(42.0), Some(FieldType::Float)),
            (json!("a"), Some(FieldType::Str)),
            (json!({"k": 1}), Some(FieldType::Dict)),
            (json!({}), Some(FieldType::Dict)),
            (json!([]), Some(FieldType::List)),
            (json!(["a", "b"]), Some(FieldType::ListStr)),
            (json!([1, 2]), Some(FieldType::ListInt)),
            (json!([1.5, 2]), Some(FieldType::ListFloat)),
            (json!([true]), Some(FieldType::ListBool)),
            (json!([true, 1]), Some(FieldType::List)),
            (json!([1, null]), Some(FieldType::List)),
            (json!([[1]]), Some(FieldType::List)),
            (json!([{"a": 1}]), Some(FieldType::List)),
            (json!(null), None),
        ];
        for (value, expected) in rows {
            assert_eq!(type_of_value(&value), expected, "{value}");
        }
    }
}
