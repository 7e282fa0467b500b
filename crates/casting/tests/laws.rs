//! The casting laws, over arbitrary JSON and all ten types.

use proptest::prelude::*;
use serde_json::{Map, Number, Value};
use sixtyfour_casting::{FieldType, cast, is_of_type};

fn field_type() -> impl Strategy<Value = FieldType> {
    proptest::sample::select(FieldType::ALL.to_vec())
}

/// Text that looks like what a service returns: numbers in many spellings, boolean words,
/// JSON text, and anything at all.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ +-]?[0-9,]{0,24}(\\.[0-9]{0,4})?([eE][+-]?[0-9]{1,3})?",
        "(?i)(true|false|t|f|yes|no|y|n|on|off|1|0|enabled|inf|nan|infinity)",
        "\\[[0-9, \"a-z]{0,12}\\]",
        "\\{\"[a-z]{1,3}\": ?[0-9]{1,3}\\}",
        "[ \t]{0,2}[a-z0-9]{0,6}[ \t]{0,2}",
    ]
}

fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        (0u64..4).prop_map(Number::from),
        any::<f64>().prop_filter_map("finite", Number::from_f64),
        (-1_000_000i64..1_000_000)
            .prop_map(|n| Number::from_f64(n as f64 / 4.0).unwrap_or(Number::from(n))),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number().prop_map(Value::Number),
        text().prop_map(Value::String),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{0,4}", inner), 0..5)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Equal as JSON, keeping integers apart from floats and comparing floats bit for bit.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.is_f64() == y.is_f64()
                && if x.is_f64() {
                    x.as_f64().map(f64::to_bits) == y.as_f64().map(f64::to_bits)
                } else {
                    x == y
                }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// Never panics, and an `Ok` value has the wanted type or is null.
    #[test]
    fn ok_values_have_the_wanted_type(value in json(), ty in field_type()) {
        if let Ok(out) = cast(&value, ty) {
            prop_assert!(is_of_type(&out, ty), "cast({value}, {ty}) = {out}");
        }
    }

    /// A value already of the type comes back unchanged.
    #[test]
    fn identity(value in json(), ty in field_type()) {
        if is_of_type(&value, ty) {
            let out = cast(&value, ty);
            prop_assert!(out.as_ref().is_ok_and(|out| same(out, &value)), "cast({value}, {ty}) = {out:?}");
        }
    }

    /// Casting a cast value again changes nothing.
    #[test]
    fn idempotence(value in json(), ty in field_type()) {
        if let Ok(once) = cast(&value, ty) {
            let twice = cast(&once, ty);
            prop_assert!(twice.as_ref().is_ok_and(|twice| same(twice, &once)), "{value} -> {once} -> {twice:?}");
        }
    }

    #[test]
    fn int_round_trips_through_str(n in prop_oneof![any::<i64>().prop_map(Number::from), any::<u64>().prop_map(Number::from)]) {
        let value = Value::Number(n);
        let text = cast(&value, FieldType::Str).unwrap();
        prop_assert!(same(&cast(&text, FieldType::Int).unwrap(), &value));
    }

    #[test]
    fn float_round_trips_through_str_bit_exact(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let value = Value::from(f);
        let text = cast(&value, FieldType::Str).unwrap();
        let back = cast(&text, FieldType::Float).unwrap();
        prop_assert_eq!(back.as_f64().map(f64::to_bits), Some(f.to_bits()), "{} via {}", f, text);
    }

    #[test]
    fn bool_round_trips_through_str(b in any::<bool>()) {
        let text = cast(&Value::Bool(b), FieldType::Str).unwrap();
        prop_assert_eq!(cast(&text, FieldType::Bool).unwrap(), Value::Bool(b));
    }

    #[test]
    fn list_and_dict_round_trip_through_str(value in json()) {
        let ty = match &value {
            Value::Array(_) => FieldType::List,
            Value::Object(_) => FieldType::Dict,
            _ => return Ok(()),
        };
        let text = cast(&value, FieldType::Str).unwrap();
        let back = cast(&text, ty).unwrap();
        prop_assert!(same(&back, &value), "{value} -> {text} -> {back}");
    }

    /// Surrounding white space never changes the result for a type other than `str`.
    #[test]
    fn surrounding_whitespace_is_ignored(
        s in text(),
        before in "[ \t\r\n]{0,3}",
        after in "[ \t\r\n]{0,3}",
        ty in field_type().prop_filter("not str", |t| *t != FieldType::Str),
    ) {
        let plain = cast(&Value::String(s.clone()), ty);
        let padded = cast(&Value::String(format!("{before}{s}{after}")), ty);
        match (&plain, &padded) {
            (Ok(a), Ok(b)) => prop_assert!(same(a, b), "{a} vs {b}"),
            (Err(a), Err(b)) => prop_assert_eq!(a.reason(), b.reason()),
            _ => prop_assert!(false, "{plain:?} vs {padded:?}"),
        }
    }

    /// Typed lists cast element by element, keeping length and order.
    #[test]
    fn lists_are_cast_element_wise(items in prop::collection::vec(json(), 0..8), ty in field_type().prop_filter("typed list", |t| t.element().is_some())) {
        let element = ty.element().unwrap();
        let out = cast(&Value::Array(items.clone()), ty);
        let each: Result<Vec<Value>, _> = items.iter().map(|item| match cast(item, element) {
            Ok(Value::Null) => Err(()),
            Ok(v) => Ok(v),
            Err(_) => Err(()),
        }).collect();
        match (out, each) {
            (Ok(Value::Array(out)), Ok(each)) => {
                prop_assert_eq!(out.len(), items.len());
                prop_assert!(out.iter().zip(&each).all(|(a, b)| same(a, b)));
            }
            (Err(_), Err(())) => {}
            (out, each) => prop_assert!(false, "{out:?} vs {each:?}"),
        }
    }

    #[test]
    fn type_names_round_trip(ty in field_type(), upper in any::<bool>(), pad in "[ \t]{0,2}") {
        let name = ty.to_string();
        prop_assert_eq!(name.parse::<FieldType>().unwrap(), ty);
        let mangled = format!("{pad}{}{pad}", if upper { name.to_ascii_uppercase() } else { name });
        prop_assert_eq!(mangled.parse::<FieldType>().unwrap(), ty);
    }
}
