//! `Shape`: how a Rust field type receives its value, computed at compile time, so that
//! decoding knows without asking the type again which API type each value is cast to,
//! whether it may be absent, and what nests inside it.

use crate::field_type::FieldType;
use crate::typed::choice::Choices;
use crate::typed::enrich::Enrich;
use crate::typed::plan::Plan;

/// How a Rust type receives a value of the answer (see [`EnrichField::SHAPE`]).
///
/// ```
/// use sixtyfour_casting::{EnrichField, FieldType, Shape};
///
/// assert_eq!(<Vec<u16>>::SHAPE.field_type(), Some(FieldType::ListInt));
/// assert_eq!(<Option<Vec<String>>>::SHAPE.field_type(), Some(FieldType::ListStr));
/// assert!(<Option<String>>::SHAPE.is_optional());
/// assert_eq!(Shape::Any.field_type(), None);
/// ```
///
/// [`EnrichField::SHAPE`]: crate::EnrichField::SHAPE
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Shape {
    /// A value of one API type, cast to it (`String` is `str`, `u32` is `int`).
    Scalar(FieldType),
    /// Any JSON (`serde_json::Value`): at the top of a record the resolver picks the type from
    /// the lead's input; anywhere else the value is left as it is.
    Any,
    /// Text that must be one of a fixed set of values (a fieldless enum); sent as `str`.
    OneOf(&'static Choices),
    /// May be absent: null and blank text are `None`.
    Option(&'static Shape),
    /// A list: `list[T]` when the items are scalars that cannot be null, else `list`, each item
    /// read by the inner shape.
    List(&'static Shape),
    /// A string-keyed map: `dict`, each value read by the inner shape.
    Map(&'static Shape),
    /// A nested [`Enrich`] type: `dict`, cast by its own plan.
    Record(fn() -> &'static Plan),
}

impl Shape {
    /// The shape of a nested [`Enrich`] type; what `#[derive(Enrich)]` uses for
    /// `EnrichField::SHAPE`.
    pub const fn record<T: Enrich>() -> Shape {
        Shape::Record(plan_of::<T>)
    }

    /// The API type the value is cast to; `None` lets the resolver decide.
    #[inline]
    pub const fn field_type(&self) -> Option<FieldType> {
        match self {
            Shape::Scalar(ty) => Some(*ty),
            Shape::Any => None,
            Shape::OneOf(_) => Some(FieldType::Str),
            Shape::Option(inner) => inner.field_type(),
            Shape::List(item) => match item.list_item_type() {
                Some(element) => match element.list_of() {
                    Some(list) => Some(list),
                    None => Some(FieldType::List),
                },
                None => Some(FieldType::List),
            },
            Shape::Map(_) | Shape::Record(_) => Some(FieldType::Dict),
        }
    }

    /// True when the value may be absent (an `Option`).
    pub const fn is_optional(&self) -> bool {
        matches!(self, Shape::Option(_))
    }

    /// The element type of a typed list holding this shape: a scalar that cannot be null.
    const fn list_item_type(&self) -> Option<FieldType> {
        match self {
            Shape::Scalar(
                ty @ (FieldType::Str | FieldType::Int | FieldType::Float | FieldType::Bool),
            ) => Some(*ty),
            Shape::OneOf(_) => Some(FieldType::Str),
            _ => None,
        }
    }

    /// The shape holding a value of `ty` as it is: scalars, and lists and dicts of anything.
    pub(crate) const fn of_type(ty: FieldType) -> &'static Shape {
        match ty {
            FieldType::Str => &Shape::Scalar(FieldType::Str),
            FieldType::Int => &Shape::Scalar(FieldType::Int),
            FieldType::Float => &Shape::Scalar(FieldType::Float),
            FieldType::Bool => &Shape::Scalar(FieldType::Bool),
            FieldType::List => &Shape::List(&Shape::Any),
            FieldType::ListStr => &Shape::List(&Shape::Scalar(FieldType::Str)),
            FieldType::ListInt => &Shape::List(&Shape::Scalar(FieldType::Int)),
            FieldType::ListFloat => &Shape::List(&Shape::Scalar(FieldType::Float)),
            FieldType::ListBool => &Shape::List(&Shape::Scalar(FieldType::Bool)),
            FieldType::Dict => &Shape::Map(&Shape::Any),
        }
    }
}

fn plan_of<T: Enrich>() -> &'static Plan {
    T::PLAN
}

/// One step of decoding a value: what is done at this level, and how what nests inside is
/// read. Both the fast decoder and the path-reporting one follow these steps, so they agree.
/// A field's step is computed once, with its plan (see [`FieldInfo`](crate::FieldInfo)).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step {
    /// Cast to `str`, `int`, `float` or `bool`; `strict` (an item of a typed list) makes null
    /// and blank text errors.
    Scalar(FieldType, bool),
    /// Cast to this list type, then read each item.
    List(FieldType, Level),
    /// Cast to `dict`, then read each value.
    Map(Level),
    /// Cast to `dict`, then read it as a nested record (the plan of the nested type).
    Record(fn() -> &'static Plan),
    /// Cast to `str` and match one of the choices; `strict` as for scalars.
    OneOf(&'static Choices, bool),
    /// Null and blank text are absent; anything else is read by the inner level.
    Option(Level),
    /// Left as it is.
    Pass,
}

impl Step {
    /// The shortcut for this step, where it has one.
    pub const fn fast(&self) -> Fast {
        match self {
            Step::Scalar(FieldType::Str, _) => Fast::Text,
            Step::Scalar(FieldType::Int, _) => Fast::Int,
            Step::Scalar(FieldType::Float, _) => Fast::Float,
            Step::Scalar(FieldType::Bool, _) => Fast::Bool,
            Step::Option(inner) => match inner.step() {
                Step::Scalar(
                    ty @ (FieldType::Str | FieldType::Int | FieldType::Float | FieldType::Bool),
                    _,
                ) => Fast::Optional(ty),
                _ => Fast::Other,
            },
            Step::List(_, item) => match item.step() {
                Step::Scalar(FieldType::Str, _) => Fast::TextList,
                _ => Fast::Other,
            },
            _ => Fast::Other,
        }
    }
}

/// The common steps, named so that the fast decoder tells them apart with one comparison.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fast {
    /// `Step::Scalar(Str)`.
    Text,
    /// `Step::Scalar(Int)`.
    Int,
    /// `Step::Scalar(Float)`.
    Float,
    /// `Step::Scalar(Bool)`.
    Bool,
    /// An `Option` of a scalar of this type.
    Optional(FieldType),
    /// A list of `str`.
    TextList,
    /// Any other step.
    Other,
}

/// What to do with one value: the shape receiving it, and the API type to cast to when that
/// is not the shape's own (an explicit type, or the resolver's for `serde_json::Value`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Level {
    pub shape: &'static Shape,
    pub over: Option<FieldType>,
    pub strict: bool,
}

impl Level {
    #[inline]
    pub const fn of(shape: &'static Shape) -> Level {
        Level {
            shape,
            over: None,
            strict: false,
        }
    }

    /// The step at this level. A type that differs from the shape's own casts to that type and
    /// hands the result on as it is.
    #[inline]
    pub const fn step(&self) -> Step {
        match (self.over, self.shape) {
            (
                None,
                Shape::Scalar(
                    ty @ (FieldType::Str | FieldType::Int | FieldType::Float | FieldType::Bool),
                ),
            ) => Step::Scalar(*ty, self.strict),
            _ => self.step_in_full(),
        }
    }

    const fn step_in_full(&self) -> Step {
        if let Some(ty) = self.over
            && !same_type(self.shape.field_type(), ty)
        {
            return Level {
                shape: Shape::of_type(ty),
                over: None,
                strict: self.strict,
            }
            .step();
        }
        match self.shape {
            Shape::Scalar(
                ty @ (FieldType::Str | FieldType::Int | FieldType::Float | FieldType::Bool),
            ) => Step::Scalar(*ty, self.strict),
            Shape::Scalar(ty) => Level {
                shape: Shape::of_type(*ty),
                over: None,
                strict: self.strict,
            }
            .step(),
            Shape::Any => Step::Pass,
            Shape::OneOf(choices) => Step::OneOf(choices, self.strict),
            Shape::Option(inner) => Step::Option(Level::of(inner)),
            Shape::List(item) => {
                let list = match self.shape.field_type() {
                    Some(list) => list,
                    None => FieldType::List,
                };
                Step::List(
                    list,
                    Level {
                        shape: item,
                        over: None,
                        strict: !matches!(list, FieldType::List),
                    },
                )
            }
            Shape::Map(value) => Step::Map(Level::of(value)),
            Shape::Record(plan) => Step::Record(*plan),
        }
    }
}

/// `found == Some(wanted)`, in a constant.
const fn same_type(found: Option<FieldType>, wanted: FieldType) -> bool {
    match found {
        Some(found) => found as u8 == wanted as u8,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_a_shape_of_that_type() {
        for ty in FieldType::ALL {
            assert_eq!(Shape::of_type(ty).field_type(), Some(ty));
        }
    }

    #[test]
    fn explicit_types_that_differ_cast_and_pass_through() {
        let level = Level {
            shape: &Shape::Any,
            over: Some(FieldType::ListStr),
            strict: false,
        };
        assert!(matches!(
            level.step(),
            Step::List(FieldType::ListStr, Level { strict: true, .. })
        ));
        let level = Level {
            shape: &Shape::List(&Shape::Scalar(FieldType::Int)),
            over: Some(FieldType::Str),
            strict: false,
        };
        assert!(matches!(level.step(), Step::Scalar(FieldType::Str, false)));
        let level = Level {
            shape: &Shape::Option(&Shape::Scalar(FieldType::Int)),
            over: Some(FieldType::Int),
            strict: false,
        };
        assert!(matches!(level.step(), Step::Option(_)));
        assert!(matches!(
            Level::of(&Shape::Scalar(FieldType::Dict)).step(),
            Step::Map(Level {
                shape: Shape::Any,
                ..
            })
        ));
    }
}
