//! `Plan`: a type's fields as decoding needs them (payload key, serde key, shape, optional),
//! built once at compile time; and the `struct` payload written from it, nested types and
//! allowed values spelled out in the descriptions.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::field_type::FieldType;
use crate::schema::{FieldSpec, Schema};
use crate::typed::choice::{Choice, Choices};
use crate::typed::field::EnrichField;
use crate::typed::keys::Keys;
use crate::typed::shape::{Fast, Level, Shape, Step};

/// How one payload key maps onto a Rust field (see [`Enrich::PLAN`](crate::Enrich::PLAN)).
///
/// Every builder method is a `const fn`, so a plan is a constant:
///
/// ```
/// use sixtyfour_casting::{FieldInfo, FieldType, Plan, Schema};
///
/// const FIELDS: &[FieldInfo] = &[
///     FieldInfo::new("email", "email", "Work email").of::<String>().checked::<String>(),
///     FieldInfo::new("headcount", "size", "Employees").of::<Option<u32>>(),
///     FieldInfo::new("tags", "tags", "Tags").with_type(FieldType::List),
/// ];
/// assert_eq!(
///     Schema::from_fields(FIELDS).to_json(),
///     serde_json::json!({
///         "email": "Work email",
///         "headcount": {"description": "Employees", "type": "int"},
///         "tags": {"description": "Tags", "type": "list"},
///     })
/// );
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct FieldInfo {
    /// The key in the request's `struct` payload and in the answer.
    pub key: &'static str,
    /// The key `Deserialize` expects for the same field.
    pub serde_key: &'static str,
    /// The guidance sent to the research agent.
    pub description: &'static str,
    /// A type named on the field itself (`#[enrich(type = "...")]`); always sent, and the
    /// value is cast to it.
    pub explicit_type: Option<FieldType>,
    /// How the field's Rust type receives the value ([`Shape::Any`] when not known).
    pub shape: &'static Shape,
    /// True when an absent value is acceptable (an `Option` or a serde default): blank text
    /// and null then leave the key out.
    pub optional: bool,
    /// Deserializes the value alone into the field's type, to name every failing field when
    /// a decode fails; `None` where serde uses a custom function for the field.
    pub check: Option<CheckFn>,
    /// How the value is decoded, worked out with the plan from the shape and explicit type.
    pub(crate) step: Step,
    /// The step's shortcut, if it has one.
    pub(crate) fast: Fast,
}

/// See [`FieldInfo::check`]: the path inside the value and serde's message, if it fails.
pub type CheckFn = fn(&Value) -> Option<(String, String)>;

impl FieldInfo {
    /// A field with its payload key, the key `Deserialize` expects, and its description; its
    /// shape is [`Shape::Any`] until [`of`](FieldInfo::of) or
    /// [`with_type`](FieldInfo::with_type) says more.
    pub const fn new(
        key: &'static str,
        serde_key: &'static str,
        description: &'static str,
    ) -> Self {
        FieldInfo {
            key,
            serde_key,
            description,
            explicit_type: None,
            shape: &Shape::Any,
            optional: false,
            check: None,
            step: Step::Pass,
            fast: Fast::Other,
        }
    }

    /// The step of the field's value, from its shape and explicit type.
    const fn with_step(mut self) -> Self {
        self.step = Level {
            shape: self.shape,
            over: self.explicit_type,
            strict: false,
        }
        .step();
        self.fast = self.step.fast();
        self
    }

    /// Takes the shape (type, optionality, what nests inside) from the field's Rust type `T`.
    pub const fn of<T: EnrichField + ?Sized>(mut self) -> Self {
        self.shape = &T::SHAPE;
        self.optional |= T::SHAPE.is_optional();
        self.with_step()
    }

    /// Names the type explicitly; it is sent with the payload and the value is cast to it.
    pub const fn with_type(mut self, field_type: FieldType) -> Self {
        self.explicit_type = Some(field_type);
        self.with_step()
    }

    /// Marks the field as optional when `optional` is true.
    pub const fn with_optional(mut self, optional: bool) -> Self {
        self.optional |= optional;
        self
    }

    /// Checks values by deserializing them alone into `T` when a decode fails, so that every
    /// failing field is named.
    pub const fn checked<T: DeserializeOwned>(mut self) -> Self {
        self.check = Some(check_field::<T>);
        self
    }

    /// The type the value is cast to: the explicit one, else the shape's; `None` lets the
    /// resolver decide.
    pub const fn field_type(&self) -> Option<FieldType> {
        match self.explicit_type {
            Some(ty) => Some(ty),
            None => self.shape.field_type(),
        }
    }

    /// The entry of the `struct` payload for this field: a plain description where the type is
    /// `str` or left to the resolver, a typed spec otherwise, and always a typed spec where the
    /// type was named explicitly. Nested types and allowed values are spelled out in the
    /// description.
    pub fn spec(&self) -> FieldSpec {
        let description = match self.explicit_type {
            Some(_) => self.description.to_owned(),
            None => guidance(self.description, self.shape),
        };
        match (self.explicit_type, self.shape.field_type()) {
            (Some(ty), _) => FieldSpec::described_as(description, ty),
            (None, Some(ty)) if ty != FieldType::Str => FieldSpec::described_as(description, ty),
            _ => FieldSpec::described(description),
        }
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

/// A type's fields, in declaration order, as decoding and the payload need them.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Plan {
    /// The Rust type's name.
    pub name: &'static str,
    /// The fields sent in the payload.
    pub fields: &'static [FieldInfo],
    /// Bit `i` is set when the field at `i` (among the first 64) is not optional.
    pub(crate) required: u64,
    /// Where the type keeps whether its fields go to `Deserialize` by position.
    pub(crate) keys: Option<fn() -> &'static Keys>,
}

impl Plan {
    /// No fields: decoding goes by the schema alone (see [`Enrich`](crate::Enrich)).
    pub const EMPTY: Plan = Plan::new("", &[]);

    /// The plan of the type `name` with these fields.
    pub const fn new(name: &'static str, fields: &'static [FieldInfo]) -> Self {
        let mut required = 0;
        let mut at = 0;
        while at < fields.len() && at < 64 {
            if !fields[at].optional {
                required |= 1 << at;
            }
            at += 1;
        }
        Plan {
            name,
            fields,
            required,
            keys: None,
        }
    }

    /// Lets the fast decoders hand fields to the type's `Deserialize` by position once its
    /// field list is known to be the plan's (see `Keys`); what `#[derive(Enrich)]` writes.
    #[doc(hidden)]
    pub const fn with_keys(mut self, keys: fn() -> &'static Keys) -> Self {
        self.keys = Some(keys);
        self
    }

    /// The type refused a field given by position.
    pub(crate) fn refuse_positions(&self) {
        if let Some(keys) = self.keys {
            keys().refuse();
        }
    }

    /// True when fields go to the type's `Deserialize` by name for good.
    pub(crate) fn by_name(&self) -> bool {
        self.keys.is_none_or(|keys| keys().refused())
    }

    /// True when fields may go by position to a `Deserialize` that lists `fields`.
    #[inline]
    pub(crate) fn by_position(&self, fields: &[&str]) -> bool {
        match self.keys {
            Some(keys) => keys().by_position(self, fields),
            None => false,
        }
    }

    /// The request's `struct` payload: one entry per field, in order (see
    /// [`FieldInfo::spec`]). A repeated key keeps its first entry.
    pub fn schema(&self) -> Schema {
        Schema::from_fields(self.fields)
    }

    /// The position of the field whose payload key is `key`, looked for first at `hint`
    /// (answers usually list the fields in order).
    #[inline(always)]
    pub(crate) fn position(&self, key: &str, hint: usize) -> Option<usize> {
        match self.fields.get(hint) {
            Some(field) if same_key(field.key, key) => Some(hint),
            _ => self.search(key),
        }
    }

    #[inline(never)]
    fn search(&self, key: &str) -> Option<usize> {
        self.fields.iter().position(|field| field.key == key)
    }
}

/// `a == b`, comparing short keys a word at a time rather than through `memcmp`.
#[inline(always)]
fn same_key(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        _ => a == b,
    }
}

#[inline]
fn word4(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_ne_bytes(word)
}

#[inline]
fn word8(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_ne_bytes(word)
}

impl Schema {
    /// The payload for these fields, in their order (see [`FieldInfo::spec`]). A repeated key
    /// keeps its first entry.
    pub fn from_fields(fields: &[FieldInfo]) -> Self {
        let mut schema = Schema::new();
        for field in fields {
            if !schema.contains(field.key) {
                // The key is new, so only a blank key can be refused; it is left out.
                let _ = schema.insert(field.key, field.spec());
            }
        }
        schema
    }
}

/// How deep nested types are spelled out; deeper ones (a type that contains itself) are
/// only called objects.
const DEPTH: usize = 3;

/// The description sent for a field of this shape: the field's own, then, where the type name
/// cannot say it, what the value must look like.
fn guidance(description: &str, shape: &Shape) -> String {
    match phrase(shape, 0) {
        None => description.to_owned(),
        Some(phrase) => {
            let mut text = description.trim_end().to_owned();
            if !text.is_empty() {
                if !text.ends_with(['.', '!', '?', ':']) {
                    text.push('.');
                }
                text.push(' ');
            }
            text.push_str(&capitalized(&phrase));
            text.push('.');
            text
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What a value of this shape looks like, in words, where its type name does not say it:
/// objects with their keys, allowed values, and lists or maps of those.
fn phrase(shape: &Shape, depth: usize) -> Option<String> {
    match shape {
        Shape::Record(plan) => Some(object_phrase(plan(), depth)),
        Shape::OneOf(choices) => Some(choices_phrase(choices)),
        Shape::Option(inner) => phrase(inner, depth),
        Shape::List(item) => phrase(item, depth).map(|item| format!("a list, each item {item}")),
        Shape::Map(value) => {
            phrase(value, depth).map(|value| format!("an object whose every value is {value}"))
        }
        Shape::Scalar(_) | Shape::Any => None,
    }
}

fn object_phrase(plan: &Plan, depth: usize) -> String {
    if depth >= DEPTH || plan.fields.is_empty() {
        return "an object".to_owned();
    }
    let keys: Vec<String> = plan
        .fields
        .iter()
        .map(|field| {
            let ty = field.field_type().map_or("any", FieldType::name);
            let optional = if field.optional { ", optional" } else { "" };
            let mut text = format!("\"{}\" ({ty}{optional})", field.key);
            let description = field.description.trim();
            if !description.is_empty() {
                text.push_str(": ");
                text.push_str(description);
            }
            if field.explicit_type.is_none()
                && let Some(inner) = phrase(field.shape, depth + 1)
            {
                text.push_str(if description.is_empty() { ": " } else { ", " });
                text.push_str(&inner);
            }
            text
        })
        .collect();
    format!("an object with the keys {}", keys.join("; "))
}

fn choices_phrase(choices: &Choices) -> String {
    let values: Vec<String> = choices
        .values
        .iter()
        .enumerate()
        .map(|(index, value)| match choices.description(index) {
            Some(description) => format!("\"{value}\" ({description})"),
            None => format!("\"{value}\""),
        })
        .collect();
    let mut text = format!("one of {}", values.join(", "));
    if matches!(choices.other, Some(Choice::Unit(_) | Choice::Text(_))) {
        text.push_str(", or another value");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const COMPANY: Plan = Plan::new(
        "Company",
        &[
            FieldInfo::new("name", "name", "Company name").of::<String>(),
            FieldInfo::new("employees", "employees", "Number of employees").of::<Option<u32>>(),
        ],
    );
    const STAGE: Shape = Shape::OneOf(&Choices::new(&["seed", "series_a"]));
    const OPEN_STAGE: Shape = Shape::OneOf(
        &Choices::new(&["seed"])
            .with_descriptions(&["Pre-seed and seed"])
            .with_other(Choice::Unit("other")),
    );

    fn company() -> &'static Plan {
        &COMPANY
    }

    #[test]
    fn guidance_table() {
        let record = Shape::Record(company);
        let list = Shape::List(&Shape::Record(company));
        let stages = Shape::List(&STAGE);
        let rows: Vec<(&str, &Shape, &str)> = vec![
            ("Work email", &Shape::Scalar(FieldType::Str), "Work email"),
            ("Anything", &Shape::Any, "Anything"),
            (
                "Their employer",
                &record,
                "Their employer. An object with the keys \"name\" (str): Company name; \"employees\" (int, optional): Number of employees.",
            ),
            (
                "Past employers.",
                &list,
                "Past employers. A list, each item an object with the keys \"name\" (str): Company name; \"employees\" (int, optional): Number of employees.",
            ),
            (
                "Funding stage",
                &STAGE,
                "Funding stage. One of \"seed\", \"series_a\".",
            ),
            (
                "Stages so far",
                &stages,
                "Stages so far. A list, each item one of \"seed\", \"series_a\".",
            ),
            (
                "Stage",
                &OPEN_STAGE,
                "Stage. One of \"seed\" (Pre-seed and seed), or another value.",
            ),
            ("", &STAGE, "One of \"seed\", \"series_a\"."),
        ];
        for (description, shape, want) in rows {
            assert_eq!(guidance(description, shape), want);
        }
    }

    #[test]
    fn nested_types_keep_their_api_type() {
        const FIELDS: &[FieldInfo] = &[
            FieldInfo::new("employer", "employer", "Their employer").of::<Option<Vec<String>>>(),
            FieldInfo::new("stage", "stage", "Stage").with_type(FieldType::Str),
        ];
        assert_eq!(
            Schema::from_fields(FIELDS).to_json(),
            json!({
                "employer": {"description": "Their employer", "type": "list[str]"},
                "stage": {"description": "Stage", "type": "str"},
            })
        );
    }

    #[test]
    fn keys_compare_as_strings() {
        let keys = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "abc",
            "abd",
            "xbc",
            "abcd",
            "abce",
            "abcdefg",
            "abcdefh",
            "bbcdefg",
            "employees",
            "employeez",
            "fmployees",
            "abcdefghijklmnop",
            "abcdefghijklmnoq",
            "abcdefghijklmnopq",
            "abcdefghijklmnopr",
            "é",
            "ée",
        ];
        for a in keys {
            for b in keys {
                assert_eq!(same_key(a, b), a == b, "{a} {b}");
            }
        }
    }

    #[test]
    fn required_fields_are_marked() {
        assert_eq!(COMPANY.required, 0b01);
        assert_eq!(Plan::EMPTY.required, 0);
    }

    #[test]
    fn positions_are_found_near_the_hint_or_anywhere() {
        assert_eq!(COMPANY.position("name", 0), Some(0));
        assert_eq!(COMPANY.position("employees", 0), Some(1));
        assert_eq!(COMPANY.position("employees", 9), Some(1));
        assert_eq!(COMPANY.position("revenue", 1), None);
    }
}
