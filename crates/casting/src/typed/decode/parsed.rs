//! The fast decoder over a parsed answer (`&Map`): the record's entries are walked directly,
//! each value handed to the casting layer of [`fast`](super::fast) as a [`ValueRef`], with no
//! serde_json deserializer in between and an error type that costs nothing to make.

use std::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::cast::float::{float_from_number, parse_float};
use crate::cast::int::{int_from_number, parse_int};
use crate::cast::{parse_bool, trim};
use crate::field_type::FieldType;
use crate::typed::choice::{Choice, Choices};
use crate::typed::plan::{FieldInfo, Plan};
use crate::typed::shape::{Fast, Step};

use super::fast::{Cast, Missing, Seen};
use super::field_step;
use super::list_text::{PlainStrings, plain_strings};
use super::replay::{FieldKey, Item, Never, Replay, visit_number};

/// Decodes `T` from a parsed record.
pub(super) fn decode<'de, T: Deserialize<'de>>(
    record: &'de Map<String, Value>,
    plan: &'static Plan,
    lead_info: &Map<String, Value>,
) -> Result<T, GiveUp> {
    T::deserialize(Record {
        record,
        plan,
        lead_info: Some(lead_info),
    })
}

/// Why the fast decoder stopped; never shown, since the path-reporting decoder then decides.
/// It holds nothing, so making one (serde makes one for every error) costs nothing.
#[derive(Debug)]
pub(super) struct GiveUp;

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("left to the path-reporting decoder")
    }
}

impl std::error::Error for GiveUp {}

impl de::Error for GiveUp {
    #[inline]
    fn custom<T: fmt::Display>(_message: T) -> Self {
        GiveUp
    }
}

/// A record read by its plan.
struct Record<'de, 'l> {
    record: &'de Map<String, Value>,
    plan: &'static Plan,
    lead_info: Option<&'l Map<String, Value>>,
}

impl<'de> Deserializer<'de> for Record<'de, '_> {
    type Error = GiveUp;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match RecordAccess::new(self.record, self.plan, self.lead_info, false) {
            Some(access) => visitor.visit_map(access),
            None => Err(GiveUp),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        let by_position = self.plan.by_position(fields);
        match RecordAccess::new(self.record, self.plan, self.lead_info, by_position) {
            Some(access) => visitor.visit_map(access),
            None => Err(GiveUp),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f64 f32 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}

/// The entries of a parsed record as the plan reads them: payload keys become the keys
/// `Deserialize` expects, keys the plan does not name are skipped, blank values of optional
/// fields are left out, and fields missing from the answer come last, as null.
pub(super) struct RecordAccess<'de, 'l> {
    entries: serde_json::map::Iter<'de>,
    plan: &'static Plan,
    lead_info: Option<&'l Map<String, Value>>,
    seen: Seen,
    /// Where the next field is looked for first (answers usually keep the plan's order).
    next: usize,
    /// The field of the key just handed out, and its value.
    field: &'static FieldInfo,
    value: &'de Value,
    /// Set once the entries are done: the fields still to hand out as missing.
    missing: Option<Missing>,
    /// Fields go to `Deserialize` by position rather than by name.
    by_position: bool,
}

static NULL: Value = Value::Null;

impl<'de, 'l> RecordAccess<'de, 'l> {
    /// `None` for a plan with no fields, which is never decoded this way.
    pub(super) fn new(
        record: &'de Map<String, Value>,
        plan: &'static Plan,
        lead_info: Option<&'l Map<String, Value>>,
        by_position: bool,
    ) -> Option<Self> {
        Some(RecordAccess {
            by_position,
            entries: record.iter(),
            plan,
            lead_info,
            seen: Seen::new(plan.fields.len()),
            next: 0,
            field: plan.fields.first()?,
            value: &NULL,
            missing: None,
        })
    }
}

impl<'de> RecordAccess<'de, '_> {
    /// Hands the key of the field at `at` to the seed.
    #[inline(always)]
    fn key<K: DeserializeSeed<'de>>(&self, seed: K, at: usize) -> Result<Option<K::Value>, GiveUp> {
        let position = self.by_position.then_some(at);
        match seed.deserialize(FieldKey::new(self.field.serde_key, position)) {
            Ok(key) => Ok(Some(key)),
            Err(err) => {
                if self.by_position {
                    self.plan.refuse_positions();
                }
                Err(err)
            }
        }
    }
}

impl<'de> MapAccess<'de> for RecordAccess<'de, '_> {
    type Error = GiveUp;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, GiveUp> {
        if self.missing.is_none() {
            for (key, value) in self.entries.by_ref() {
                let Some(at) = self.plan.position(key, self.next) else {
                    continue;
                };
                self.seen.insert(at);
                self.next = at + 1;
                let field = &self.plan.fields[at];
                if field.optional
                    && !matches!(field.step, Step::Option(_))
                    && super::is_blank(value)
                {
                    continue;
                }
                self.field = field;
                self.value = value;
                return self.key(seed, at);
            }
            self.missing = Some(Missing::new(self.plan, &self.seen));
        }
        let next = match &mut self.missing {
            Some(missing) => missing.next(self.plan, &self.seen),
            None => None,
        };
        match next {
            Some(at) => {
                self.field = &self.plan.fields[at];
                self.value = &NULL;
                self.key(seed, at)
            }
            None => Ok(None),
        }
    }

    #[inline(always)]
    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, GiveUp> {
        // Text kept as text, the most common case, stays small enough to be inlined into the
        // type's `visit_map` at every field; the other casts are a call away.
        if let (Fast::Text, Value::String(text)) = (self.field.fast, self.value) {
            return seed.deserialize(Present(Text(text)));
        }
        self.cast_value(seed)
    }
}

impl<'de> RecordAccess<'de, '_> {
    /// The value of the field just handed out, for everything but text kept as text.
    #[inline(never)]
    fn cast_value<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, GiveUp> {
        let value = self.value;
        match self.field.fast {
            Fast::Text => {
                if let Value::String(text) = value {
                    return seed.deserialize(Present(Text(text)));
                }
            }
            Fast::Int => {
                if let Some(n) = int(value) {
                    return seed.deserialize(Present(Whole(n)));
                }
            }
            Fast::Float => {
                if let Some(f) = float(value) {
                    return seed.deserialize(Present(Float(f)));
                }
            }
            Fast::Bool => {
                if let Some(b) = boolean(value) {
                    return seed.deserialize(Present(Boolean(b)));
                }
            }
            Fast::TextList => {
                if let Value::String(text) = value
                    && let Some(items) = plain_strings(trim(text))
                {
                    return seed.deserialize(Present(Texts(items)));
                }
            }
            Fast::Optional(ty) => {
                if super::is_blank(value) {
                    return seed.deserialize(Absent);
                }
                match (ty, value) {
                    (FieldType::Str, Value::String(text)) => {
                        return seed.deserialize(Present(Text(text)));
                    }
                    (FieldType::Int, value) => {
                        if let Some(n) = int(value) {
                            return seed.deserialize(Present(Whole(n)));
                        }
                    }
                    (FieldType::Float, value) => {
                        if let Some(f) = float(value) {
                            return seed.deserialize(Present(Float(f)));
                        }
                    }
                    (FieldType::Bool, value) => {
                        if let Some(b) = boolean(value) {
                            return seed.deserialize(Present(Boolean(b)));
                        }
                    }
                    _ => {}
                }
            }
            Fast::Other => {}
        }
        deliver(seed, value, field_step(self.field, self.lead_info))
    }
}

/// Hands `value`, read by `step`, to the seed. The common cases are cast here (text kept as
/// text, numbers and booleans read from text, plain lists from their JSON text, arrays and
/// nested records item by item), each handing the Rust type exactly what the casting layer
/// would; everything else goes through the casting layer.
#[inline]
pub(super) fn deliver<'de, S: DeserializeSeed<'de>>(
    seed: S,
    value: &'de Value,
    mut step: Step,
) -> Result<S::Value, GiveUp> {
    while let Step::Option(inner) = step {
        if super::is_blank(value) {
            return seed.deserialize(Absent);
        }
        step = inner.step();
    }
    match (step, value) {
        (Step::Scalar(FieldType::Str, _), Value::String(text)) => {
            return seed.deserialize(Present(Text(text)));
        }
        (Step::Scalar(FieldType::Int, _), value) => {
            if let Some(n) = int(value) {
                return seed.deserialize(Present(Whole(n)));
            }
        }
        (Step::Scalar(FieldType::Float, _), value) => {
            if let Some(f) = float(value) {
                return seed.deserialize(Present(Float(f)));
            }
        }
        (Step::Scalar(FieldType::Bool, _), value) => {
            if let Some(b) = boolean(value) {
                return seed.deserialize(Present(Boolean(b)));
            }
        }
        (Step::List(_, item), Value::String(text)) => {
            if let Some(items) = plain_strings(trim(text)) {
                return seed.deserialize(Present(Strings {
                    items,
                    step: item.step(),
                }));
            }
        }
        (Step::List(_, item), Value::Array(items)) => {
            return seed.deserialize(Present(Items {
                items: items.iter(),
                step: item.step(),
            }));
        }
        (Step::Record(plan), Value::Object(entries)) => {
            return seed.deserialize(Present(Nested {
                entries,
                plan: plan(),
            }));
        }
        (Step::OneOf(choices, _), Value::String(text)) => {
            if let Some(name) = one_of(text, choices) {
                return seed.deserialize(Present(Text(name)));
            }
        }
        _ => {}
    }
    seed.deserialize(Cast::new(ValueRef(value), step))
}

/// Like [`deliver`], for an item of a plain list.
#[inline]
fn deliver_item<'de, S: DeserializeSeed<'de>>(
    seed: S,
    text: &'de str,
    step: Step,
) -> Result<S::Value, GiveUp> {
    match step {
        Step::Scalar(FieldType::Str, _) => return seed.deserialize(Present(Text(text))),
        Step::Scalar(FieldType::Int, _) => {
            if let Some(n) = nonblank(text).and_then(|text| parse_int(text).ok()) {
                return seed.deserialize(Present(Whole(n)));
            }
        }
        Step::Scalar(FieldType::Float, _) => {
            if let Some(f) = nonblank(text).and_then(|text| parse_float(text).ok()) {
                return seed.deserialize(Present(Float(f)));
            }
        }
        Step::Scalar(FieldType::Bool, _) => {
            if let Some(b) = nonblank(text).and_then(parse_bool) {
                return seed.deserialize(Present(Boolean(b)));
            }
        }
        Step::OneOf(choices, _) => {
            if let Some(name) = one_of(text, choices) {
                return seed.deserialize(Present(Text(name)));
            }
        }
        _ => {}
    }
    seed.deserialize(Cast::new(
        Replay::<Never<GiveUp>, Never<GiveUp>, GiveUp>::new(Item::Text(
            super::replay::Text::Input(text),
        )),
        step,
    ))
}

/// Trimmed text, unless blank.
#[inline(always)]
fn nonblank(text: &str) -> Option<&str> {
    let text = trim(text);
    (!text.is_empty()).then_some(text)
}

/// `value` cast to `int` where that is certain: `None` leaves it to the casting layer.
#[inline(always)]
fn int(value: &Value) -> Option<Number> {
    match value {
        Value::String(text) => parse_int(nonblank(text)?).ok(),
        Value::Number(n) => int_from_number(n).ok(),
        _ => None,
    }
}

/// `value` cast to `float` where that is certain.
#[inline(always)]
fn float(value: &Value) -> Option<f64> {
    match value {
        Value::String(text) => parse_float(nonblank(text)?).ok(),
        Value::Number(n) => float_from_number(n).ok(),
        _ => None,
    }
}

/// `value` cast to `bool` where that is certain.
#[inline(always)]
fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::String(text) => parse_bool(nonblank(text)?),
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

/// The value that text names among the choices (a unit variant).
#[inline]
fn one_of(text: &str, choices: &'static Choices) -> Option<&'static str> {
    match choices.find(nonblank(text)?)? {
        Choice::Unit(name) => Some(name),
        _ => None,
    }
}

/// A value that is there, ready to hand to the Rust type's visitor.
trait Hand<'de>: Sized {
    /// Hands the value to a Rust type that asked for it plainly.
    fn hand<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp>;

    /// Hands the value to a Rust type that asked for an enum.
    fn hand_enum<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, GiveUp> {
        Err(GiveUp)
    }

    /// Hands the value to a Rust type that asked for a struct with these fields.
    fn hand_struct<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        self.hand(visitor)
    }
}

/// A present value as the casting layer hands it on: an `Option` gets `Some`, a newtype its
/// content, an enum what [`Hand::hand_enum`] says, anything else the value.
struct Present<H>(H);

impl<'de, H: Hand<'de>> Deserializer<'de> for Present<H> {
    type Error = GiveUp;

    #[inline(always)]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.0.hand(visitor)
    }

    #[inline]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        visitor.visit_some(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        self.0.hand_enum(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        self.0.hand_struct(fields, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

/// Text for `str`, or the value a choice names.
struct Text<'de>(&'de str);

impl<'de> Hand<'de> for Text<'de> {
    #[inline(always)]
    fn hand<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        visitor.visit_borrowed_str(self.0)
    }

    fn hand_enum<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        visitor.visit_enum(BorrowedStrDeserializer::new(self.0))
    }
}

/// A whole number for `int`.
struct Whole(Number);

impl<'de> Hand<'de> for Whole {
    #[inline(always)]
    fn hand<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        visit_number(&self.0, visitor)
    }
}

/// A float for `float`.
struct Float(f64);

impl<'de> Hand<'de> for Float {
    #[inline(always)]
    fn hand<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        visitor.visit_f64(self.0)
    }
}

/// A boolean for `bool`.
struct Boolean(bool);

impl<'de> Hand<'de> for Boolean {
    #[inline(always)]
    fn hand<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        visitor.visit_bool(self.0)
    }
}

/// An absent optional value (null or blank): `None`, whatever the Rust type asks for.
struct Absent;

impl<'de> Deserializer<'de> for Absent {
    type Error = GiveUp;

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

/// The strings of a plain list for `list[str]`.
struct Texts<'de>(PlainStrings<'de>);

impl<'de> Hand<'de> for Texts<'de> {
    #[inline]
    fn hand<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, GiveUp> {
        let out = visitor.visit_seq(&mut self)?;
        match self.0.len() {
            0 => Ok(out),
            _ => Err(GiveUp),
        }
    }
}

impl<'de> SeqAccess<'de> for Texts<'de> {
    type Error = GiveUp;

    #[inline]
    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, GiveUp> {
        match self.0.next() {
            Some(text) => seed.deserialize(Present(Text(text))).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// The strings of a plain list, each read by the step.
struct Strings<'de> {
    items: PlainStrings<'de>,
    step: Step,
}

impl<'de> Hand<'de> for Strings<'de> {
    #[inline]
    fn hand<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, GiveUp> {
        let out = visitor.visit_seq(&mut self)?;
        match self.items.len() {
            0 => Ok(out),
            _ => Err(GiveUp),
        }
    }
}

impl<'de> SeqAccess<'de> for Strings<'de> {
    type Error = GiveUp;

    #[inline]
    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, GiveUp> {
        match self.items.next() {
            Some(text) => deliver_item(seed, text, self.step).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// The items of an array, each read by the step.
struct Items<'de> {
    items: std::slice::Iter<'de, Value>,
    step: Step,
}

impl<'de> Hand<'de> for Items<'de> {
    #[inline]
    fn hand<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, GiveUp> {
        let out = visitor.visit_seq(&mut self)?;
        match self.items.len() {
            0 => Ok(out),
            _ => Err(GiveUp),
        }
    }
}

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = GiveUp;

    #[inline]
    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, GiveUp> {
        match self.items.next() {
            Some(value) => deliver(seed, value, self.step).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// An object read as a nested record.
struct Nested<'de> {
    entries: &'de Map<String, Value>,
    plan: &'static Plan,
}

impl<'de> Hand<'de> for Nested<'de> {
    fn hand<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match RecordAccess::new(self.entries, self.plan, None, false) {
            Some(access) => visitor.visit_map(access),
            None => Err(GiveUp),
        }
    }

    fn hand_struct<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        let by_position = self.plan.by_position(fields);
        match RecordAccess::new(self.entries, self.plan, None, by_position) {
            Some(access) => visitor.visit_map(access),
            None => Err(GiveUp),
        }
    }
}

/// A parsed value handed on as it is, the way `&serde_json::Value` hands itself on, with
/// [`GiveUp`] for errors.
#[derive(Clone, Copy)]
pub(super) struct ValueRef<'de>(pub &'de Value);

impl<'de> Deserializer<'de> for ValueRef<'de> {
    type Error = GiveUp;

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => visit_number(n, visitor),
            Value::String(text) => visitor.visit_borrowed_str(text),
            Value::Array(items) => {
                let mut seq = RefSeq(items.iter());
                let out = visitor.visit_seq(&mut seq)?;
                match seq.0.len() {
                    0 => Ok(out),
                    _ => Err(GiveUp),
                }
            }
            Value::Object(entries) => {
                let mut map = RefMap {
                    entries: entries.iter(),
                    value: &NULL,
                };
                let out = visitor.visit_map(&mut map)?;
                match map.entries.len() {
                    0 => Ok(out),
                    _ => Err(GiveUp),
                }
            }
        }
    }

    #[inline]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        self.0
            .deserialize_enum(name, variants, visitor)
            .map_err(|_| GiveUp)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// The items of a parsed array.
pub(super) struct RefSeq<'de>(std::slice::Iter<'de, Value>);

impl<'de> SeqAccess<'de> for RefSeq<'de> {
    type Error = GiveUp;

    #[inline]
    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, GiveUp> {
        match self.0.next() {
            Some(item) => seed.deserialize(ValueRef(item)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// The entries of a parsed object.
pub(super) struct RefMap<'de> {
    entries: serde_json::map::Iter<'de>,
    value: &'de Value,
}

impl<'de> MapAccess<'de> for RefMap<'de> {
    type Error = GiveUp;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, GiveUp> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = value;
                seed.deserialize(BorrowedStrDeserializer::new(key))
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    #[inline]
    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, GiveUp> {
        seed.deserialize(ValueRef(self.value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}
