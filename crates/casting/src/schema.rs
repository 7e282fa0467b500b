//! `Schema`: the request's `struct` payload as an ordered map of field name to [`FieldSpec`],
//! read from JSON, built in code, and written back.

use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::cast::{kind_name, shorten};
use crate::field_type::{FieldType, UnknownFieldType};

/// What one `struct` entry says about its field.
///
/// The API accepts three shapes for an entry's value, and each maps to one variant:
/// a string is a [`Description`](FieldSpec::Description); an object with a `"type"` string,
/// or a non-empty object of only `description`/`type` string values, is a
/// [`Typed`](FieldSpec::Typed) spec (or a description, when it has no type); anything else is
/// an [`Example`](FieldSpec::Example) value whose JSON kind hints at the type.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldSpec {
    /// Plain-English guidance for the research agent. Says nothing about the type.
    Description(String),
    /// An explicit type, with optional guidance.
    Typed {
        /// Guidance for the research agent.
        description: Option<String>,
        /// The type the output is cast to, whatever else is known.
        field_type: FieldType,
    },
    /// An example value: its JSON kind is the inferred type.
    Example(Value),
}

impl FieldSpec {
    /// A spec with only a description.
    pub fn described(description: impl Into<String>) -> Self {
        FieldSpec::Description(description.into())
    }

    /// A spec with an explicit type and no description.
    pub fn typed(field_type: FieldType) -> Self {
        FieldSpec::Typed {
            description: None,
            field_type,
        }
    }

    /// A spec with both a description and an explicit type.
    pub fn described_as(description: impl Into<String>, field_type: FieldType) -> Self {
        FieldSpec::Typed {
            description: Some(description.into()),
            field_type,
        }
    }

    /// The description, if the spec has one.
    pub fn description(&self) -> Option<&str> {
        match self {
            FieldSpec::Description(d) => Some(d),
            FieldSpec::Typed { description, .. } => description.as_deref(),
            FieldSpec::Example(_) => None,
        }
    }

    /// The explicit type, if the spec has one.
    pub fn explicit_type(&self) -> Option<FieldType> {
        match self {
            FieldSpec::Typed { field_type, .. } => Some(*field_type),
            _ => None,
        }
    }

    /// The example value, if the spec is one.
    pub fn example(&self) -> Option<&Value> {
        match self {
            FieldSpec::Example(value) => Some(value),
            _ => None,
        }
    }

    /// Reads one entry's value; `field` names it in errors.
    pub fn from_json(field: &str, value: &Value) -> Result<Self, SchemaError> {
        match value {
            Value::String(description) => Ok(FieldSpec::Description(description.clone())),
            Value::Object(object) if is_spec_object(object) => {
                let description = object
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                match object.get("type").and_then(Value::as_str) {
                    Some(name) => {
                        let field_type =
                            name.parse().map_err(|source| SchemaError::UnknownType {
                                field: field.to_owned(),
                                source,
                            })?;
                        Ok(FieldSpec::Typed {
                            description,
                            field_type,
                        })
                    }
                    None => Ok(FieldSpec::Description(description.unwrap_or_default())),
                }
            }
            other => Ok(FieldSpec::Example(other.clone())),
        }
    }

    /// The entry's value as the API reads it.
    pub fn to_json(&self) -> Value {
        match self {
            FieldSpec::Description(description) => Value::String(description.clone()),
            FieldSpec::Typed {
                description,
                field_type,
            } => {
                let mut object = Map::new();
                if let Some(description) = description {
                    object.insert("description".into(), Value::String(description.clone()));
                }
                object.insert("type".into(), Value::String(field_type.name().into()));
                Value::Object(object)
            }
            FieldSpec::Example(value) => value.clone(),
        }
    }
}

/// An object with a `"type"` string, or a non-empty object whose keys are only
/// `description`/`type` with string values.
fn is_spec_object(object: &Map<String, Value>) -> bool {
    if object.get("type").is_some_and(Value::is_string) {
        return true;
    }
    !object.is_empty()
        && object
            .iter()
            .all(|(key, value)| matches!(key.as_str(), "description" | "type") && value.is_string())
}

/// A `struct` payload that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// The payload is not a JSON object.
    #[error(
        "the struct must be a JSON object of field name to description, found {found}: {value}"
    )]
    NotAnObject {
        /// The JSON kind found instead.
        found: &'static str,
        /// The value found, shortened.
        value: String,
    },
    /// A field name that is empty or only white space.
    #[error("field names must not be blank (found {name:?})")]
    BlankFieldName {
        /// The name as given.
        name: String,
    },
    /// A field spec with a type name the API does not know.
    #[error("field `{field}`: {source}")]
    UnknownType {
        /// The field whose spec is wrong.
        field: String,
        /// The unknown name and the valid ones.
        source: UnknownFieldType,
    },
    /// The same field named twice while building a schema in code.
    #[error("field `{field}` is defined twice")]
    DuplicateField {
        /// The repeated name.
        field: String,
    },
}

/// The `struct` payload: which fields to collect, in order, and what each one is.
///
/// ```
/// use serde_json::json;
/// use sixtyfour_casting::{FieldSpec, FieldType, Schema};
///
/// let payload = json!({
///     "email": "The individual's email address",
///     "age": {"description": "Person's age", "type": "int"},
///     "score": 95.5,
/// });
/// let schema = Schema::from_json(&payload)?;
/// assert_eq!(schema.names().collect::<Vec<_>>(), ["email", "age", "score"]);
/// assert_eq!(schema.get("age").and_then(FieldSpec::explicit_type), Some(FieldType::Int));
/// assert_eq!(schema.to_json(), payload);
/// # Ok::<(), sixtyfour_casting::SchemaError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    fields: IndexMap<String, FieldSpec>,
}

impl Schema {
    /// An empty schema; see also [`Schema::builder`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a schema built in code.
    ///
    /// ```
    /// use sixtyfour_casting::{FieldType, Schema};
    ///
    /// let schema = Schema::builder()
    ///     .describe("email", "The individual's email address")
    ///     .typed("age", "Person's age", FieldType::Int)
    ///     .build()?;
    /// assert_eq!(schema.len(), 2);
    /// # Ok::<(), sixtyfour_casting::SchemaError>(())
    /// ```
    pub fn builder() -> SchemaBuilder {
        SchemaBuilder::default()
    }

    /// Reads a `struct` payload, classifying each entry (see [`FieldSpec`]).
    pub fn from_json(payload: &Value) -> Result<Self, SchemaError> {
        let Value::Object(entries) = payload else {
            return Err(SchemaError::NotAnObject {
                found: kind_name(payload),
                value: shorten(payload),
            });
        };
        let mut fields = IndexMap::with_capacity(entries.len());
        for (name, value) in entries {
            check_name(name)?;
            fields.insert(name.clone(), FieldSpec::from_json(name, value)?);
        }
        Ok(Schema { fields })
    }

    /// The payload the API reads: `from_json(&schema.to_json())` gives the same schema back.
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.fields
                .iter()
                .map(|(name, spec)| (name.clone(), spec.to_json()))
                .collect(),
        )
    }

    /// Adds a field at the end, refusing a blank or repeated name.
    ///
    /// An [`Example`](FieldSpec::Example) whose value the API would read as a description or a
    /// typed spec (a string, `{"type": "int"}`) is stored as what the API reads, so that
    /// [`to_json`](Schema::to_json) and [`from_json`](Schema::from_json) always agree.
    pub fn insert(&mut self, name: impl Into<String>, spec: FieldSpec) -> Result<(), SchemaError> {
        let name = name.into();
        check_name(&name)?;
        let spec = match spec {
            FieldSpec::Example(value) => FieldSpec::from_json(&name, &value)?,
            other => other,
        };
        if self.fields.contains_key(&name) {
            return Err(SchemaError::DuplicateField { field: name });
        }
        self.fields.insert(name, spec);
        Ok(())
    }

    /// The spec of one field.
    pub fn get(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.get(name)
    }

    /// True when the schema names the field.
    pub fn contains(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }

    /// The fields in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &FieldSpec)> {
        self.fields.iter().map(|(name, spec)| (name.as_str(), spec))
    }

    /// The field names in order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> {
        self.fields.keys().map(String::as_str)
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when there are no fields (the API refuses such a request).
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

impl<'a> IntoIterator for &'a Schema {
    type Item = (&'a str, &'a FieldSpec);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, &'a FieldSpec)> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl serde::Serialize for Schema {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (name, spec) in &self.fields {
            map.serialize_entry(name, &spec.to_json())?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for Schema {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Schema::from_json(&value).map_err(serde::de::Error::custom)
    }
}

fn check_name(name: &str) -> Result<(), SchemaError> {
    if name.trim().is_empty() {
        Err(SchemaError::BlankFieldName {
            name: name.to_owned(),
        })
    } else {
        Ok(())
    }
}

/// Assembles a [`Schema`] in code; the first mistake is kept and returned by
/// [`build`](SchemaBuilder::build).
#[derive(Debug, Default)]
#[must_use = "call .build() to get the schema"]
pub struct SchemaBuilder {
    schema: Schema,
    error: Option<SchemaError>,
}

impl SchemaBuilder {
    /// Adds any spec.
    pub fn field(mut self, name: impl Into<String>, spec: FieldSpec) -> Self {
        if self.error.is_none()
            && let Err(err) = self.schema.insert(name, spec)
        {
            self.error = Some(err);
        }
        self
    }

    /// Adds a field described in words; the type is left to the resolver.
    pub fn describe(self, name: impl Into<String>, description: impl Into<String>) -> Self {
        self.field(name, FieldSpec::described(description))
    }

    /// Adds a field with a description and an explicit type.
    pub fn typed(
        self,
        name: impl Into<String>,
        description: impl Into<String>,
        field_type: FieldType,
    ) -> Self {
        self.field(name, FieldSpec::described_as(description, field_type))
    }

    /// Adds a field given by an example value.
    pub fn example(self, name: impl Into<String>, value: Value) -> Self {
        self.field(name, FieldSpec::Example(value))
    }

    /// The schema, or the first mistake made while building it.
    pub fn build(self) -> Result<Schema, SchemaError> {
        match self.error {
            Some(err) => Err(err),
            None => Ok(self.schema),
        }
    }
}
