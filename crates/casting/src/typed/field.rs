//! `EnrichField`: the Rust types a field of an [`Enrich`](crate::Enrich) type may have, each
//! with its [`Shape`].

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use serde_json::{Map, Value};

use crate::field_type::FieldType;
use crate::typed::shape::Shape;

/// A type that can be a field of an [`Enrich`](crate::Enrich) type: its [`Shape`] says which
/// [`FieldType`] the answer is cast to, whether the field may be absent, and what nests inside.
///
/// Implemented for `String` (and `char`, `Cow<str>`, `Box<str>`), the integer and float
/// primitives, `bool`, `Vec<T>` (and `VecDeque`, `HashSet`, `BTreeSet`), `Option<T>`,
/// `Box<T>`, string-keyed maps, `serde_json::Value` and `Map`. `#[derive(Enrich)]` implements
/// it for the types it derives: a struct is a nested object, a fieldless enum a set of allowed
/// values; a hand-written `Enrich` type that is used as a field implements it with
/// `const SHAPE: Shape = Shape::record::<Self>();`. For a type of your own, implement it, or
/// name the API type on the field with `#[enrich(type = "...")]`:
///
/// ```
/// use sixtyfour_casting::{EnrichField, FieldType, Shape};
///
/// /// Cents, sent and cast as an `int`.
/// #[derive(serde::Deserialize)]
/// struct Cents(i64);
///
/// impl EnrichField for Cents {
///     const SHAPE: Shape = Shape::Scalar(FieldType::Int);
/// }
///
/// assert_eq!(Cents::field_type(), Some(FieldType::Int));
/// assert_eq!(<Vec<u16>>::field_type(), Some(FieldType::ListInt));
/// assert_eq!(<Option<String>>::field_type(), Some(FieldType::Str));
/// assert!(<Option<String>>::optional());
/// assert_eq!(<serde_json::Value>::field_type(), None);
/// assert_eq!(<std::collections::BTreeSet<String>>::field_type(), Some(FieldType::ListStr));
/// assert_eq!(<Vec<Option<i32>>>::field_type(), Some(FieldType::List));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a field of an `Enrich` type",
    label = "`{Self}` does not implement `EnrichField`",
    note = "implement `EnrichField` for `{Self}` to say which API type it is (or derive `Enrich` on it: a struct becomes a nested object, a fieldless enum a set of allowed values), or name the API type on the field with `#[enrich(type = \"...\")]`"
)]
pub trait EnrichField {
    /// How the type receives its value.
    const SHAPE: Shape;

    /// The type the answer's value is cast to; `None` lets the resolver decide.
    fn field_type() -> Option<FieldType> {
        Self::SHAPE.field_type()
    }

    /// True when the field may be absent (`Option`).
    fn optional() -> bool {
        Self::SHAPE.is_optional()
    }
}

macro_rules! scalar_fields {
    ($ty:expr => $($t:ty),*) => {$(
        impl EnrichField for $t {
            const SHAPE: Shape = Shape::Scalar($ty);
        }
    )*};
}

scalar_fields!(FieldType::Str => String, char, Box<str>);
scalar_fields!(FieldType::Int => i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
scalar_fields!(FieldType::Float => f32, f64);
scalar_fields!(FieldType::Bool => bool);

impl EnrichField for Cow<'_, str> {
    const SHAPE: Shape = Shape::Scalar(FieldType::Str);
}

macro_rules! list_fields {
    ($($list:ident),*) => {$(
        impl<T: EnrichField> EnrichField for $list<T> {
            const SHAPE: Shape = Shape::List(&T::SHAPE);
        }
    )*};
}

list_fields!(Vec, VecDeque, BTreeSet);

impl<T: EnrichField, S> EnrichField for HashSet<T, S> {
    const SHAPE: Shape = Shape::List(&T::SHAPE);
}

impl<T: EnrichField> EnrichField for Option<T> {
    const SHAPE: Shape = Shape::Option(&T::SHAPE);
}

/// A box reads its value as the boxed type does.
impl<T: EnrichField> EnrichField for Box<T> {
    const SHAPE: Shape = T::SHAPE;
}

impl<V: EnrichField, S> EnrichField for HashMap<String, V, S> {
    const SHAPE: Shape = Shape::Map(&V::SHAPE);
}

impl<V: EnrichField> EnrichField for BTreeMap<String, V> {
    const SHAPE: Shape = Shape::Map(&V::SHAPE);
}

impl EnrichField for Map<String, Value> {
    const SHAPE: Shape = Shape::Map(&Shape::Any);
}

impl EnrichField for Value {
    const SHAPE: Shape = Shape::Any;
}
