//! Deserializers that hand on what was already read, with the reader's own error type: one
//! value as the reader gave it ([`Replay`]), an owned `Value` ([`OwnedValue`]), and the text
//! of a catch-all enum variant ([`TextVariant`]).

use std::marker::PhantomData;

use serde::de::value::{
    BorrowedStrDeserializer, MapAccessDeserializer, MapDeserializer, SeqDeserializer,
    StrDeserializer, StringDeserializer,
};
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use serde_json::{Number, Value};

use crate::cast::trim;

/// Text as the reader gave it: borrowed from the input, borrowed for one call, or owned.
pub(super) enum Text<'a, 'de> {
    Input(&'de str),
    Call(&'a str),
    Owned(String),
}

impl<'de> Text<'_, 'de> {
    #[inline]
    pub fn as_str(&self) -> &str {
        match self {
            Text::Input(text) => text,
            Text::Call(text) => text,
            Text::Owned(text) => text,
        }
    }

    /// The same text without surrounding white space.
    #[inline]
    pub fn trimmed(self) -> Self {
        match self {
            Text::Input(text) => Text::Input(trim(text)),
            Text::Call(text) => Text::Call(trim(text)),
            Text::Owned(text) if trim(&text).len() == text.len() => Text::Owned(text),
            Text::Owned(text) => Text::Owned(trim(&text).to_owned()),
        }
    }

    pub fn into_string(self) -> String {
        match self {
            Text::Owned(text) => text,
            other => other.as_str().to_owned(),
        }
    }

    /// Hands the text to `visitor` as a string, without a copy where the reader allows.
    #[inline]
    pub fn visit<V: Visitor<'de>, E: de::Error>(self, visitor: V) -> Result<V::Value, E> {
        match self {
            Text::Input(text) => visitor.visit_borrowed_str(text),
            Text::Call(text) => visitor.visit_str(text),
            Text::Owned(text) => visitor.visit_string(text),
        }
    }

    /// Hands the text to `visitor` as the name of a unit variant.
    #[inline]
    pub fn visit_enum<V: Visitor<'de>, E: de::Error>(self, visitor: V) -> Result<V::Value, E> {
        match self {
            Text::Input(text) => visitor.visit_enum(BorrowedStrDeserializer::<E>::new(text)),
            Text::Call(text) => visitor.visit_enum(StrDeserializer::<E>::new(text)),
            Text::Owned(text) => visitor.visit_enum(StringDeserializer::<E>::new(text)),
        }
    }
}

/// One value as the reader gave it: a scalar, or a sequence or map still being read.
pub(super) enum Item<'a, 'de, A, M> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Text(Text<'a, 'de>),
    Seq(A),
    Map(M),
}

impl<A, M> Item<'_, '_, A, M> {
    pub fn is_null(&self) -> bool {
        matches!(self, Item::Null)
    }

    pub fn is_blank(&self) -> bool {
        match self {
            Item::Null => true,
            Item::Text(text) => trim(text.as_str()).is_empty(),
            _ => false,
        }
    }
}

/// Stands in for the sequence or map of a scalar item; it cannot be built.
pub(super) enum Never<E> {
    _Never(std::convert::Infallible, PhantomData<E>),
}

impl<'de, E: de::Error> SeqAccess<'de> for Never<E> {
    type Error = E;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        _seed: T,
    ) -> Result<Option<T::Value>, E> {
        match *self {
            Never::_Never(never, _) => match never {},
        }
    }
}

impl<'de, E: de::Error> MapAccess<'de> for Never<E> {
    type Error = E;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, _seed: K) -> Result<Option<K::Value>, E> {
        match *self {
            Never::_Never(never, _) => match never {},
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, _seed: V) -> Result<V::Value, E> {
        match *self {
            Never::_Never(never, _) => match never {},
        }
    }
}

/// Hands an item on as `serde_json::Value` would hand the same value.
pub(super) struct Replay<'a, 'de, A, M, E> {
    item: Item<'a, 'de, A, M>,
    error: PhantomData<E>,
}

impl<'a, 'de, A, M, E> Replay<'a, 'de, A, M, E> {
    pub fn new(item: Item<'a, 'de, A, M>) -> Self {
        Replay {
            item,
            error: PhantomData,
        }
    }
}

impl<'de, A, M, E> Deserializer<'de> for Replay<'_, 'de, A, M, E>
where
    A: SeqAccess<'de, Error = E>,
    M: MapAccess<'de, Error = E>,
    E: de::Error,
{
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.item {
            Item::Null => visitor.visit_unit(),
            Item::Bool(b) => visitor.visit_bool(b),
            Item::U64(n) => visitor.visit_u64(n),
            Item::I64(n) => visitor.visit_i64(n),
            Item::F64(n) => visitor.visit_f64(n),
            Item::Text(text) => text.visit(visitor),
            Item::Seq(seq) => visitor.visit_seq(seq),
            Item::Map(map) => visitor.visit_map(map),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.item {
            Item::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        match self.item {
            Item::Text(text) => text.visit_enum(visitor),
            Item::Map(map) => visitor.visit_enum(MapAccessDeserializer::new(map)),
            _ => Err(de::Error::custom("expected a string or a map for an enum")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// Hands on a JSON number as `serde_json::Value` does: non-negative integers as `u64`,
/// negative ones as `i64`, the rest as `f64`.
pub(super) fn visit_number<'de, V: Visitor<'de>, E: de::Error>(
    number: &Number,
    visitor: V,
) -> Result<V::Value, E> {
    if let Some(n) = number.as_u64() {
        visitor.visit_u64(n)
    } else if let Some(n) = number.as_i64() {
        visitor.visit_i64(n)
    } else {
        match number.as_f64() {
            Some(n) => visitor.visit_f64(n),
            None => Err(de::Error::custom("a number out of every range")),
        }
    }
}

/// An owned `Value` handed on with any error type, as `serde_json::Value` hands itself on.
pub(super) struct OwnedValue<E> {
    value: Value,
    error: PhantomData<E>,
}

impl<E> OwnedValue<E> {
    pub fn new(value: Value) -> Self {
        OwnedValue {
            value,
            error: PhantomData,
        }
    }
}

impl<'de, E: de::Error> IntoDeserializer<'de, E> for OwnedValue<E> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// The entries of an owned object, each value handed on as an [`OwnedValue`].
pub(super) type OwnedEntries<'de, E> = MapDeserializer<
    'de,
    std::iter::Map<serde_json::map::IntoIter, fn((String, Value)) -> (String, OwnedValue<E>)>,
    E,
>;

/// Reads the entries of an owned object.
pub(super) fn owned_entries<'de, E: de::Error>(
    object: serde_json::Map<String, Value>,
) -> OwnedEntries<'de, E> {
    let entry: fn((String, Value)) -> (String, OwnedValue<E>) =
        |(key, value)| (key, OwnedValue::new(value));
    MapDeserializer::new(object.into_iter().map(entry))
}

impl<'de, E: de::Error> Deserializer<'de> for OwnedValue<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => visit_number(&n, visitor),
            Value::String(text) => visitor.visit_string(text),
            Value::Array(items) => {
                let mut seq = SeqDeserializer::new(items.into_iter().map(OwnedValue::<E>::new));
                let out = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(out)
            }
            Value::Object(object) => {
                let mut map = owned_entries::<'de, E>(object);
                let out = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(out)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        match self.value {
            Value::String(text) => visitor.visit_enum(StringDeserializer::<E>::new(text)),
            Value::Object(object) if object.len() == 1 => {
                visitor.visit_enum(MapAccessDeserializer::new(owned_entries::<'de, E>(object)))
            }
            _ => Err(de::Error::custom(
                "expected a string or a map of one entry for an enum",
            )),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// A catch-all newtype variant holding the answer's text, as `{"Variant": "text"}` would be
/// read.
pub(super) struct TextVariant<E> {
    variant: &'static str,
    text: String,
    error: PhantomData<E>,
}

impl<E> TextVariant<E> {
    pub fn new(variant: &'static str, text: String) -> Self {
        TextVariant {
            variant,
            text,
            error: PhantomData,
        }
    }
}

impl<'de, E: de::Error> EnumAccess<'de> for TextVariant<E> {
    type Error = E;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self), E> {
        let variant = seed.deserialize(BorrowedStrDeserializer::<E>::new(self.variant))?;
        Ok((variant, self))
    }
}

impl<'de, E: de::Error> VariantAccess<'de> for TextVariant<E> {
    type Error = E;

    fn unit_variant(self) -> Result<(), E> {
        Err(de::Error::invalid_type(
            de::Unexpected::NewtypeVariant,
            &"a unit variant",
        ))
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, E> {
        seed.deserialize(StringDeserializer::<E>::new(self.text))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, E> {
        Err(de::Error::invalid_type(
            de::Unexpected::NewtypeVariant,
            &"a tuple variant",
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, E> {
        Err(de::Error::invalid_type(
            de::Unexpected::NewtypeVariant,
            &"a struct variant",
        ))
    }
}

/// A record's key as the Rust type's `Deserialize` reads it: the field's name, or its position
/// where the type reads positions (see [`Keys`](crate::typed::keys::Keys)).
pub(super) struct FieldKey<E> {
    name: &'static str,
    position: Option<u64>,
    error: PhantomData<E>,
}

impl<E> FieldKey<E> {
    #[inline]
    pub fn new(name: &'static str, position: Option<usize>) -> Self {
        FieldKey {
            name,
            position: position.map(|at| at as u64),
            error: PhantomData,
        }
    }
}

impl<'de, E: de::Error> Deserializer<'de> for FieldKey<E> {
    type Error = E;

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_borrowed_str(self.name)
    }

    #[inline]
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.position {
            Some(at) => visitor.visit_u64(at),
            None => visitor.visit_borrowed_str(self.name),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        ignored_any
    }
}
