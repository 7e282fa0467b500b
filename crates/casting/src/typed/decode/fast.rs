//! The fast decoder: a serde `Deserializer` that casts each value on its way from the reader
//! (a borrowed map, or JSON bytes) into the Rust type, by the steps of the type's plan.
//!
//! It keeps no paths and gives up on anything unusual; its errors are never shown, because the
//! path-reporting decoder then runs on the same answer and decides. What it builds when it
//! succeeds is what the path-reporting decoder builds: both follow
//! [`Level::step`](crate::typed::shape::Level::step), and a property test holds them equal.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Number, Value};

use crate::cast::float::{float_from_i64, float_from_u64, parse_float};
use crate::cast::int::{int_from_f64, parse_int};
use crate::cast::{parse_bool, trim};
use crate::field_type::FieldType;
use crate::typed::choice::Choice;
use crate::typed::plan::Plan;
use crate::typed::shape::{Level, Step};

use super::field_step;
use super::list_text::{PlainStrings, plain_strings};
use super::replay::{FieldKey, Item, Never, OwnedValue, Replay, Text, TextVariant, visit_number};

/// Decodes `T` from a reader holding a record (a map, or JSON text of an object).
pub(super) fn decode<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    reader: D,
    plan: &'static Plan,
    lead_info: &Map<String, Value>,
) -> Result<T, D::Error> {
    T::deserialize(Top {
        reader,
        plan,
        lead_info,
    })
}

/// The fast decoder gives up here; the path-reporting one takes over.
fn give_up<E: de::Error>() -> E {
    E::custom("left to the path-reporting decoder")
}

/// The whole answer: a record read by the plan, with `lead_info` for `serde_json::Value`
/// fields.
struct Top<'l, D> {
    reader: D,
    plan: &'static Plan,
    lead_info: &'l Map<String, Value>,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Top<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.reader.deserialize_map(RecordVisitor {
            outer: visitor,
            plan: self.plan,
            lead_info: Some(self.lead_info),
            by_position: false,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.reader.deserialize_map(RecordVisitor {
            outer: visitor,
            plan: self.plan,
            lead_info: Some(self.lead_info),
            by_position: self.plan.by_position(fields),
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}

struct RecordVisitor<'l, V> {
    outer: V,
    plan: &'static Plan,
    lead_info: Option<&'l Map<String, Value>>,
    by_position: bool,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for RecordVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<V::Value, M::Error> {
        self.outer.visit_map(RecordAccess::new(
            map,
            self.plan,
            self.lead_info,
            self.by_position,
        ))
    }
}

/// What the next value of a record is; plain data, so that setting it costs nothing.
#[derive(Clone, Copy)]
enum Pending {
    None,
    /// The reader's next value, for the field at this position.
    Reader(usize),
    /// The value read ahead (to see whether it was blank), for the field at this position.
    ReadAhead(usize),
    /// No value in the answer: null for the field at this position.
    Missing(usize),
}

/// The fields met so far.
pub(super) enum Seen {
    Few(u64),
    Many(Vec<bool>),
}

impl Seen {
    #[inline]
    pub(super) fn new(fields: usize) -> Self {
        if fields <= 64 {
            Seen::Few(0)
        } else {
            Seen::Many(vec![false; fields])
        }
    }

    #[inline]
    pub(super) fn insert(&mut self, at: usize) {
        match self {
            Seen::Few(bits) => *bits |= 1 << at,
            Seen::Many(flags) => flags[at] = true,
        }
    }

    #[inline]
    pub(super) fn contains(&self, at: usize) -> bool {
        match self {
            Seen::Few(bits) => *bits & (1 << at) != 0,
            Seen::Many(flags) => flags[at],
        }
    }
}

/// The required fields a record lacks, handed out in order once its entries are done.
pub(super) enum Missing {
    /// The lacking fields among the first 64, as bits.
    Few(u64),
    /// The position of the next field to check.
    Many(usize),
}

impl Missing {
    #[inline]
    pub(super) fn new(plan: &Plan, seen: &Seen) -> Self {
        match seen {
            Seen::Few(bits) => Missing::Few(plan.required & !bits),
            Seen::Many(_) => Missing::Many(0),
        }
    }

    /// The position of the next required field the record lacks.
    #[inline]
    pub(super) fn next(&mut self, plan: &Plan, seen: &Seen) -> Option<usize> {
        match self {
            Missing::Few(0) => None,
            Missing::Few(bits) => {
                let at = bits.trailing_zeros() as usize;
                *bits &= *bits - 1;
                Some(at)
            }
            Missing::Many(from) => {
                let at = (*from..plan.fields.len())
                    .find(|at| !plan.fields[*at].optional && !seen.contains(*at))?;
                *from = at + 1;
                Some(at)
            }
        }
    }
}

/// A record as the plan reads it: payload keys become the keys `Deserialize` expects, keys the
/// plan does not name are skipped, blank optional values are left out, and fields missing
/// from the answer come last, as null.
struct RecordAccess<'l, M> {
    reader: M,
    plan: &'static Plan,
    lead_info: Option<&'l Map<String, Value>>,
    seen: Seen,
    next: usize,
    pending: Pending,
    /// The value behind [`Pending::ReadAhead`].
    read_ahead: Option<Value>,
    /// Set once the reader has no more entries: the fields still to hand out as missing.
    missing: Option<Missing>,
    /// Fields go to `Deserialize` by position rather than by name.
    by_position: bool,
}

impl<'l, M> RecordAccess<'l, M> {
    fn new(
        reader: M,
        plan: &'static Plan,
        lead_info: Option<&'l Map<String, Value>>,
        by_position: bool,
    ) -> Self {
        RecordAccess {
            reader,
            plan,
            lead_info,
            seen: Seen::new(plan.fields.len()),
            next: 0,
            pending: Pending::None,
            read_ahead: None,
            missing: None,
            by_position,
        }
    }

    #[inline]
    fn step(&self, at: usize) -> Step {
        field_step(&self.plan.fields[at], self.lead_info)
    }

    /// Hands the key of the field at `at` to the seed.
    #[inline(always)]
    fn key<'de, K: DeserializeSeed<'de>, E: de::Error>(
        &self,
        seed: K,
        at: usize,
    ) -> Result<Option<K::Value>, E> {
        let position = self.by_position.then_some(at);
        match seed.deserialize(FieldKey::new(self.plan.fields[at].serde_key, position)) {
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

impl<'de, M: MapAccess<'de>> MapAccess<'de> for RecordAccess<'_, M> {
    type Error = M::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, M::Error> {
        if self.missing.is_none() {
            loop {
                let key = KeySeed {
                    plan: self.plan,
                    hint: self.next,
                };
                let at = match self.reader.next_key_seed(key)? {
                    Some(Some(at)) => at,
                    Some(None) => {
                        self.reader.next_value::<IgnoredAny>()?;
                        continue;
                    }
                    None => break,
                };
                self.seen.insert(at);
                self.next = at + 1;
                let field = &self.plan.fields[at];
                self.pending = if field.optional && !matches!(field.step, Step::Option(_)) {
                    let value: Value = self.reader.next_value()?;
                    if super::is_blank(&value) {
                        continue;
                    }
                    self.read_ahead = Some(value);
                    Pending::ReadAhead(at)
                } else {
                    Pending::Reader(at)
                };
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
                self.pending = Pending::Missing(at);
                self.key(seed, at)
            }
            None => Ok(None),
        }
    }

    #[inline]
    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, M::Error> {
        let pending = self.pending;
        self.pending = Pending::None;
        match pending {
            Pending::Reader(at) => {
                let step = self.step(at);
                self.reader.next_value_seed(CastSeed { seed, step })
            }
            Pending::ReadAhead(at) => seed.deserialize(Cast {
                reader: OwnedValue::new(self.read_ahead.take().unwrap_or(Value::Null)),
                step: self.step(at),
            }),
            Pending::Missing(at) => seed.deserialize(Cast {
                reader: OwnedValue::new(Value::Null),
                step: self.step(at),
            }),
            Pending::None => Err(give_up()),
        }
    }
}

/// Reads a record's key as the position of its field in the plan.
struct KeySeed {
    plan: &'static Plan,
    hint: usize,
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, reader: D) -> Result<Option<usize>, D::Error> {
        reader.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.plan.position(key, self.hint))
    }
}

/// Hands each value read to the seed through a [`Cast`].
struct CastSeed<S> {
    seed: S,
    step: Step,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for CastSeed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, reader: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Cast {
            reader,
            step: self.step,
        })
    }
}

/// A value of the reader, cast by its level on the way through.
pub(super) struct Cast<D> {
    reader: D,
    step: Step,
}

/// How the Rust type asked for the value, where that changes what it is handed.
#[derive(Clone, Copy)]
enum Hint {
    Any,
    Option,
    Enum,
    Newtype,
}

macro_rules! cast_or_forward {
    ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            match self.step {
                Step::Pass => self.reader.$method($($arg,)* visitor),
                Step::Scalar(ty, strict) => self.reader.deserialize_any(ScalarVisitor {
                    outer: visitor,
                    ty,
                    strict,
                }),
                _ => self.reader.deserialize_any(CastVisitor {
                    outer: visitor,
                    hint: Hint::Any,
                    step: self.step,
                }),
            }
        }
    )*};
}

impl<D> Cast<D> {
    #[inline]
    pub(super) fn new(reader: D, step: Step) -> Self {
        Cast { reader, step }
    }

    fn visitor<V>(&self, outer: V, hint: Hint) -> CastVisitor<V> {
        CastVisitor {
            outer,
            hint,
            step: self.step,
        }
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Cast<D> {
    type Error = D::Error;

    cast_or_forward! {
        deserialize_any(), deserialize_bool(), deserialize_i8(), deserialize_i16(),
        deserialize_i32(), deserialize_i64(), deserialize_i128(), deserialize_u8(),
        deserialize_u16(), deserialize_u32(), deserialize_u64(), deserialize_u128(),
        deserialize_f32(), deserialize_f64(), deserialize_char(), deserialize_str(),
        deserialize_string(), deserialize_bytes(), deserialize_byte_buf(), deserialize_unit(),
        deserialize_unit_struct(name: &'static str), deserialize_seq(),
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize), deserialize_map(),
        deserialize_struct(name: &'static str, fields: &'static [&'static str]),
        deserialize_identifier(),
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        match self.step {
            Step::Pass => self.reader.deserialize_option(visitor),
            _ => {
                let visitor = self.visitor(visitor, Hint::Option);
                self.reader.deserialize_any(visitor)
            }
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        match self.step {
            Step::Pass => self.reader.deserialize_enum(name, variants, visitor),
            _ => {
                let visitor = self.visitor(visitor, Hint::Enum);
                self.reader.deserialize_any(visitor)
            }
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        match self.step {
            Step::Pass => self.reader.deserialize_newtype_struct(name, visitor),
            _ => {
                let visitor = self.visitor(visitor, Hint::Newtype);
                self.reader.deserialize_any(visitor)
            }
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.reader.deserialize_ignored_any(visitor)
    }
}

/// [`CastVisitor`] for a scalar step asked for plainly (not as an option, enum or newtype):
/// the common case, with text cast directly.
struct ScalarVisitor<V> {
    outer: V,
    ty: FieldType,
    strict: bool,
}

impl<V> ScalarVisitor<V> {
    fn general(self) -> CastVisitor<V> {
        CastVisitor {
            outer: self.outer,
            hint: Hint::Any,
            step: Step::Scalar(self.ty, self.strict),
        }
    }

    /// Non-blank text cast to a number or a boolean.
    #[inline]
    fn parsed<'de, E: de::Error>(self, text: &str) -> Result<V::Value, E>
    where
        V: Visitor<'de>,
    {
        let text = trim(text);
        if text.is_empty() {
            return if self.strict {
                Err(give_up())
            } else {
                self.outer.visit_unit()
            };
        }
        match self.ty {
            FieldType::Int => match parse_int(text) {
                Ok(n) => visit_number(&n, self.outer),
                Err(_) => Err(give_up()),
            },
            FieldType::Float => match parse_float(text) {
                Ok(f) => self.outer.visit_f64(f),
                Err(_) => Err(give_up()),
            },
            FieldType::Bool => match parse_bool(text) {
                Some(b) => self.outer.visit_bool(b),
                None => Err(give_up()),
            },
            _ => Err(give_up()),
        }
    }
}

impl<'de, V: Visitor<'de>> Visitor<'de> for ScalarVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    #[inline]
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        match self.ty {
            FieldType::Str => self.outer.visit_borrowed_str(v),
            _ => self.parsed(v),
        }
    }

    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        match self.ty {
            FieldType::Str => self.outer.visit_str(v),
            _ => self.parsed(v),
        }
    }

    #[inline]
    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        match self.ty {
            FieldType::Str => self.outer.visit_string(v),
            _ => self.parsed(&v),
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        self.general().visit_bool(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        self.general().visit_i64(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.general().visit_u64(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.general().visit_f64(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.general().visit_unit()
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.general().visit_none()
    }

    fn visit_some<D: Deserializer<'de>>(self, reader: D) -> Result<V::Value, D::Error> {
        reader.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.general().visit_seq(seq)
    }

    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<V::Value, M::Error> {
        self.general().visit_map(map)
    }
}

/// Receives the reader's value, casts it, and hands the result to the Rust type's visitor.
struct CastVisitor<V> {
    outer: V,
    hint: Hint,
    step: Step,
}

/// A cast scalar, ready to hand on.
enum Out<'a, 'de> {
    Null,
    Bool(bool),
    Number(Number),
    F64(f64),
    Text(Text<'a, 'de>),
}

impl<'de, V: Visitor<'de>> Visitor<'de> for CastVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        self.item::<E, Never<E>, Never<E>>(Item::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        self.item::<E, Never<E>, Never<E>>(Item::I64(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.item::<E, Never<E>, Never<E>>(Item::U64(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.item::<E, Never<E>, Never<E>>(Item::F64(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.item::<E, Never<E>, Never<E>>(Item::Text(Text::Call(v)))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.item::<E, Never<E>, Never<E>>(Item::Text(Text::Input(v)))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.item::<E, Never<E>, Never<E>>(Item::Text(Text::Owned(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.item::<E, Never<E>, Never<E>>(Item::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.item::<E, Never<E>, Never<E>>(Item::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, reader: D) -> Result<V::Value, D::Error> {
        reader.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.item::<A::Error, A, Never<A::Error>>(Item::Seq(seq))
    }

    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<V::Value, M::Error> {
        self.item::<M::Error, Never<M::Error>, M>(Item::Map(map))
    }
}

impl<'de, V: Visitor<'de>> CastVisitor<V> {
    fn item<E, A, M>(self, item: Item<'_, 'de, A, M>) -> Result<V::Value, E>
    where
        E: de::Error,
        A: SeqAccess<'de, Error = E>,
        M: MapAccess<'de, Error = E>,
    {
        if let Step::Option(inner) = self.step {
            if item.is_blank() {
                return self.outer.visit_none();
            }
            return match self.hint {
                Hint::Option => self.outer.visit_some(Cast {
                    reader: Replay::new(item),
                    step: inner.step(),
                }),
                hint => CastVisitor {
                    outer: self.outer,
                    hint,
                    step: inner.step(),
                }
                .item(item),
            };
        }
        match self.hint {
            Hint::Option => {
                let blank_is_null = !matches!(self.step, Step::Scalar(FieldType::Str, _));
                return if item.is_null() || blank_is_null && item.is_blank() {
                    self.outer.visit_none()
                } else {
                    self.outer.visit_some(Cast {
                        reader: Replay::new(item),
                        step: self.step,
                    })
                };
            }
            Hint::Newtype => {
                return self.outer.visit_newtype_struct(Cast {
                    reader: Replay::new(item),
                    step: self.step,
                });
            }
            Hint::Any | Hint::Enum => {}
        }
        match self.step {
            Step::Scalar(FieldType::Str, _) => match item {
                Item::Text(text) => self.emit(Out::Text(text)),
                other => {
                    let out = scalar(FieldType::Str, other)?;
                    self.emit(out)
                }
            },
            Step::Scalar(ty, strict) => {
                let out = scalar(ty, item)?;
                if strict && matches!(out, Out::Null) {
                    return Err(give_up());
                }
                self.emit(out)
            }
            Step::OneOf(choices, strict) => {
                let text = match item {
                    Item::Text(text) => text.trimmed(),
                    other => match scalar(FieldType::Str, other)? {
                        Out::Text(text) => text,
                        _ => return self.blank(strict),
                    },
                };
                if text.as_str().is_empty() {
                    return self.blank(strict);
                }
                match (choices.find(text.as_str()), self.hint) {
                    (Some(Choice::Unit(name)), _) => self.emit(Out::Text(Text::Input(name))),
                    (Some(Choice::Text(name)), Hint::Enum) => self
                        .outer
                        .visit_enum(TextVariant::new(name, text.into_string())),
                    _ => Err(give_up()),
                }
            }
            Step::List(_, inner) => self.list(inner, item),
            Step::Map(inner) => self.map(inner, item),
            Step::Record(plan) => self.record(plan(), item),
            Step::Option(_) | Step::Pass => Err(give_up()),
        }
    }

    /// Null where allowed; a blank item of a typed list is left to the other decoder.
    fn blank<E: de::Error>(self, strict: bool) -> Result<V::Value, E> {
        if strict {
            Err(give_up())
        } else {
            self.emit(Out::Null)
        }
    }

    fn emit<E: de::Error>(self, out: Out<'_, 'de>) -> Result<V::Value, E> {
        match (self.hint, out) {
            (Hint::Enum, Out::Text(text)) => text.visit_enum(self.outer),
            (Hint::Enum, _) => Err(give_up()),
            (_, Out::Null) => self.outer.visit_unit(),
            (_, Out::Bool(b)) => self.outer.visit_bool(b),
            (_, Out::Number(n)) => visit_number(&n, self.outer),
            (_, Out::F64(f)) => self.outer.visit_f64(f),
            (_, Out::Text(text)) => text.visit(self.outer),
        }
    }

    fn list<E, A, M>(self, inner: Level, item: Item<'_, 'de, A, M>) -> Result<V::Value, E>
    where
        E: de::Error,
        A: SeqAccess<'de, Error = E>,
        M: MapAccess<'de, Error = E>,
    {
        if matches!(self.hint, Hint::Enum) {
            return Err(give_up());
        }
        match item {
            Item::Null => self.outer.visit_unit(),
            Item::Seq(seq) => self.outer.visit_seq(CastSeq {
                seq,
                step: inner.step(),
            }),
            Item::Map(_) => Err(give_up()),
            Item::Text(text) => {
                let text = text.trimmed();
                if text.as_str().is_empty() {
                    self.outer.visit_unit()
                } else if text.as_str().starts_with('[') {
                    text_list(text, self.outer, inner.step())
                } else {
                    self.one::<E, A, M>(inner, Item::Text(text))
                }
            }
            scalar => self.one(inner, scalar),
        }
    }

    /// A list of one item.
    fn one<E, A, M>(self, inner: Level, item: Item<'_, 'de, A, M>) -> Result<V::Value, E>
    where
        E: de::Error,
        A: SeqAccess<'de, Error = E>,
        M: MapAccess<'de, Error = E>,
    {
        let mut seq = OneSeq {
            item: Some(Replay::new(item)),
            step: inner.step(),
        };
        let out = self.outer.visit_seq(&mut seq)?;
        if seq.item.is_none() {
            Ok(out)
        } else {
            Err(give_up())
        }
    }

    fn map<E, A, M>(self, inner: Level, item: Item<'_, 'de, A, M>) -> Result<V::Value, E>
    where
        E: de::Error,
        A: SeqAccess<'de, Error = E>,
        M: MapAccess<'de, Error = E>,
    {
        if matches!(self.hint, Hint::Enum) {
            return Err(give_up());
        }
        match item {
            Item::Null => self.outer.visit_unit(),
            Item::Map(map) => self.outer.visit_map(CastMap {
                map,
                step: inner.step(),
            }),
            Item::Text(text) => {
                let text = text.trimmed();
                if text.as_str().is_empty() {
                    self.outer.visit_unit()
                } else {
                    stream(text, self.outer, Streamed::Map(inner.step()))
                }
            }
            _ => Err(give_up()),
        }
    }

    fn record<E, A, M>(self, plan: &'static Plan, item: Item<'_, 'de, A, M>) -> Result<V::Value, E>
    where
        E: de::Error,
        A: SeqAccess<'de, Error = E>,
        M: MapAccess<'de, Error = E>,
    {
        if matches!(self.hint, Hint::Enum) {
            return Err(give_up());
        }
        match item {
            Item::Null => self.outer.visit_unit(),
            Item::Map(map) => self
                .outer
                .visit_map(RecordAccess::new(map, plan, None, false)),
            Item::Text(text) => {
                let text = text.trimmed();
                if text.as_str().is_empty() {
                    self.outer.visit_unit()
                } else {
                    stream(text, self.outer, Streamed::Record(plan))
                }
            }
            _ => Err(give_up()),
        }
    }
}

/// `str`, `int`, `float` or `bool` of one item, as the casting table has it.
fn scalar<'a, 'de, E, A, M>(ty: FieldType, item: Item<'a, 'de, A, M>) -> Result<Out<'a, 'de>, E>
where
    E: de::Error,
    A: SeqAccess<'de, Error = E>,
    M: MapAccess<'de, Error = E>,
{
    let reason = |_| give_up::<E>();
    Ok(match (ty, item) {
        (_, Item::Null) => Out::Null,
        (FieldType::Str, Item::Text(text)) => Out::Text(text),
        (FieldType::Str, Item::Bool(b)) => Out::Text(Text::Input(if b { "true" } else { "false" })),
        (FieldType::Str, Item::U64(n)) => Out::Text(Text::Owned(n.to_string())),
        (FieldType::Str, Item::I64(n)) => Out::Text(Text::Owned(n.to_string())),
        (FieldType::Str, Item::F64(n)) => match Number::from_f64(n) {
            Some(n) => Out::Text(Text::Owned(n.to_string())),
            None => return Err(give_up()),
        },
        (FieldType::Str, Item::Seq(seq)) => Out::Text(Text::Owned(
            Value::deserialize(SeqAccessDeserializer::new(seq))?.to_string(),
        )),
        (FieldType::Str, Item::Map(map)) => Out::Text(Text::Owned(
            Value::deserialize(MapAccessDeserializer::new(map))?.to_string(),
        )),
        (FieldType::Int, Item::Bool(b)) => Out::Number(Number::from(u64::from(b))),
        (FieldType::Int, Item::U64(n)) => Out::Number(Number::from(n)),
        (FieldType::Int, Item::I64(n)) => Out::Number(Number::from(n)),
        (FieldType::Int, Item::F64(n)) => Out::Number(int_from_f64(n).map_err(reason)?),
        (FieldType::Int, Item::Text(text)) => match trim(text.as_str()) {
            "" => Out::Null,
            trimmed => Out::Number(parse_int(trimmed).map_err(reason)?),
        },
        (FieldType::Float, Item::Bool(b)) => Out::F64(if b { 1.0 } else { 0.0 }),
        (FieldType::Float, Item::U64(n)) => Out::F64(float_from_u64(n).map_err(reason)?),
        (FieldType::Float, Item::I64(n)) => Out::F64(float_from_i64(n).map_err(reason)?),
        (FieldType::Float, Item::F64(n)) => Out::F64(n),
        (FieldType::Float, Item::Text(text)) => match trim(text.as_str()) {
            "" => Out::Null,
            trimmed => Out::F64(parse_float(trimmed).map_err(reason)?),
        },
        (FieldType::Bool, Item::Bool(b)) => Out::Bool(b),
        (FieldType::Bool, Item::U64(n)) => Out::Bool(match n {
            0 => false,
            1 => true,
            _ => return Err(give_up()),
        }),
        (FieldType::Bool, Item::I64(n)) => Out::Bool(match n {
            0 => false,
            1 => true,
            _ => return Err(give_up()),
        }),
        (FieldType::Bool, Item::F64(n)) => Out::Bool(if n == 0.0 {
            false
        } else if n == 1.0 {
            true
        } else {
            return Err(give_up());
        }),
        (FieldType::Bool, Item::Text(text)) => match trim(text.as_str()) {
            "" => Out::Null,
            trimmed => Out::Bool(parse_bool(trimmed).ok_or_else(give_up::<E>)?),
        },
        _ => return Err(give_up()),
    })
}

/// The reader's sequence, each item cast by its level.
struct CastSeq<A> {
    seq: A,
    step: Step,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for CastSeq<A> {
    type Error = A::Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, A::Error> {
        self.seq.next_element_seed(CastSeed {
            seed,
            step: self.step,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.seq.size_hint()
    }
}

/// A list of one item: a scalar given where a list was wanted.
struct OneSeq<D> {
    item: Option<D>,
    step: Step,
}

impl<'de, D: Deserializer<'de>> SeqAccess<'de> for OneSeq<D> {
    type Error = D::Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, D::Error> {
        match self.item.take() {
            Some(reader) => seed
                .deserialize(Cast {
                    reader,
                    step: self.step,
                })
                .map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(usize::from(self.item.is_some()))
    }
}

/// A list given as JSON text: read directly when it holds plain strings, else by serde_json.
fn text_list<'de, V: Visitor<'de>, E: de::Error>(
    text: Text<'_, 'de>,
    outer: V,
    step: Step,
) -> Result<V::Value, E> {
    match &text {
        Text::Input(input) => {
            if let Some(items) = plain_strings(input) {
                return visit_plain(outer, items, Text::Input, step);
            }
        }
        Text::Call(call) => {
            if let Some(items) = plain_strings(call) {
                return visit_plain(outer, items, Text::Call, step);
            }
        }
        Text::Owned(owned) => {
            if let Some(items) = plain_strings(owned) {
                return visit_plain(outer, items, Text::Call, step);
            }
        }
    }
    stream(text, outer, Streamed::Seq(step))
}

fn visit_plain<'a, 'de, V: Visitor<'de>, E: de::Error>(
    outer: V,
    items: PlainStrings<'a>,
    text: fn(&'a str) -> Text<'a, 'de>,
    step: Step,
) -> Result<V::Value, E> {
    let mut seq = PlainSeq {
        items,
        text,
        step,
        error: PhantomData,
    };
    let out = outer.visit_seq(&mut seq)?;
    if seq.items.len() == 0 {
        Ok(out)
    } else {
        Err(give_up())
    }
}

/// The items of a list of plain strings, each cast by its level.
struct PlainSeq<'a, 'de, E> {
    items: PlainStrings<'a>,
    text: fn(&'a str) -> Text<'a, 'de>,
    step: Step,
    error: PhantomData<E>,
}

impl<'a, 'de, E: de::Error> SeqAccess<'de> for PlainSeq<'a, 'de, E> {
    type Error = E;

    #[inline]
    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, E> {
        match self.items.next() {
            Some(item) => seed
                .deserialize(Cast {
                    reader: Replay::<Never<E>, Never<E>, E>::new(Item::Text((self.text)(item))),
                    step: self.step,
                })
                .map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// The reader's map, each value cast by its level.
struct CastMap<M> {
    map: M,
    step: Step,
}

impl<'de, M: MapAccess<'de>> MapAccess<'de> for CastMap<M> {
    type Error = M::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, M::Error> {
        self.map.next_key_seed(seed)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, M::Error> {
        self.map.next_value_seed(CastSeed {
            seed,
            step: self.step,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// What JSON text inside a value holds, read as it is parsed.
#[derive(Clone, Copy)]
enum Streamed {
    /// A list, each item taken by this step.
    Seq(Step),
    /// An object, each value taken by this step.
    Map(Step),
    /// A nested record.
    Record(&'static Plan),
}

/// Reads JSON text given where a list or an object was wanted, casting as it goes, with no
/// intermediate `Value`. Text that is not what was wanted is left to the other decoder (it may
/// then be a list of one text, or an error).
fn stream<'de, V: Visitor<'de>, E: de::Error>(
    text: Text<'_, 'de>,
    outer: V,
    what: Streamed,
) -> Result<V::Value, E> {
    match text {
        Text::Input(text) => finish(serde_json::Deserializer::from_str(text), outer, what),
        other => finish(
            serde_json::Deserializer::from_reader(other.as_str().as_bytes()),
            outer,
            what,
        ),
    }
}

fn finish<'de, R: serde_json::de::Read<'de>, V: Visitor<'de>, E: de::Error>(
    mut reader: serde_json::Deserializer<R>,
    outer: V,
    what: Streamed,
) -> Result<V::Value, E> {
    let out = de::Deserializer::deserialize_any(&mut reader, StreamVisitor { outer, what })
        .map_err(|_| give_up::<E>())?;
    reader.end().map_err(|_| give_up::<E>())?;
    Ok(out)
}

struct StreamVisitor<V> {
    outer: V,
    what: Streamed,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for StreamVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list or an object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        match self.what {
            Streamed::Seq(step) => self.outer.visit_seq(CastSeq { seq, step }),
            _ => Err(give_up()),
        }
    }

    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<V::Value, M::Error> {
        match self.what {
            Streamed::Map(step) => self.outer.visit_map(CastMap { map, step }),
            Streamed::Record(plan) => self
                .outer
                .visit_map(RecordAccess::new(map, plan, None, false)),
            Streamed::Seq(_) => Err(give_up()),
        }
    }
}
