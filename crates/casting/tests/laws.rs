//! The casting laws, over arbitrary JSON and all ten types, checked against an independent
//! oracle (`model`, a second plain implementation of the table), plus laws for `resolve`,
//! `cast_record` and the owned paths, and the `Schema` round trip against an expectation built
//! from the generated entries alone.

mod model;

use proptest::prelude::*;
use serde_json::{Map, Number, Value};
use sixtyfour_casting::{
    FieldSpec, FieldType, Schema, TypeSource, cast, cast_owned, cast_record, cast_record_owned,
    resolve,
};

use model::same;

fn field_type() -> impl Strategy<Value = FieldType> {
    proptest::sample::select(FieldType::ALL.to_vec())
}

/// Up to three characters of white space Rust's `trim` removes, ASCII and not (U+FEFF is not
/// white space, so it is not here).
const PADDING: &str = "[ \t\r\n\u{a0}\u{3000}\u{2003}]{0,3}";

/// Text that looks like what a service returns: numbers in many spellings (groups,
/// exponents, integers beyond 2^53, unicode digits), boolean words, JSON text, and anything.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ +-]?[0-9,]{0,24}(\\.[0-9]{0,4})?([eE][+-]?[0-9]{1,3})?",
        "[+-]?[1-9][0-9]{0,2}(,[0-9]{3}){1,5}(\\.[0-9]{1,3})?",
        "[+-]?[0-9]{1,3}(\\.[0-9]{1,20})?[eE][+-]?[0-9]{1,3}",
        "9007199254740[0-9]{3}|[1-9][0-9]{16,25}",
        "0\\.[0-9]{15,19}",
        "[\u{660}-\u{669}\u{ff10}-\u{ff19}]{1,4}",
        "[\u{feff}\u{a0}\u{3000} ]{0,2}[0-9]{1,4}[\u{feff}\u{a0}\u{3000} ]{0,2}",
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
        ((1u64 << 53) - 2..(1u64 << 53) + 40).prop_map(Number::from),
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
    let values = scalar().prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{0,4}", inner), 0..5)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    });
    // Nested JSON given as text, as services send lists and objects.
    prop_oneof![
        4 => values.clone(),
        1 => values.prop_map(|value| Value::String(value.to_string())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// `cast` agrees with the second implementation on every value and type; never panics.
    #[test]
    fn cast_agrees_with_the_model(value in json(), ty in field_type()) {
        let got = cast(&value, ty);
        let want = model::cast(&value, ty);
        match (&got, &want) {
            (Ok(a), Ok(b)) => prop_assert!(same(a, b), "cast({value}, {ty}) = {a}, model {b}"),
            (Err(_), Err(())) => {}
            _ => prop_assert!(false, "cast({value}, {ty}) = {got:?}, model {want:?}"),
        }
    }

    /// An `Ok` value has the wanted type or is null, as the model sees types.
    #[test]
    fn ok_values_have_the_wanted_type(value in json(), ty in field_type()) {
        if let Ok(out) = cast(&value, ty) {
            prop_assert!(model::is_of_type(&out, ty), "cast({value}, {ty}) = {out}");
        }
    }

    /// A value already of the type comes back unchanged.
    #[test]
    fn identity(value in json(), ty in field_type()) {
        if model::is_of_type(&value, ty) {
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

    /// The owned path gives what the borrowed one gives.
    #[test]
    fn cast_owned_is_cast(value in json(), ty in field_type()) {
        let borrowed = cast(&value, ty);
        let owned = cast_owned(value.clone(), ty);
        match (&borrowed, &owned) {
            (Ok(a), Ok(b)) => prop_assert!(same(a, b), "{value} as {ty}: {a} vs {b}"),
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            _ => prop_assert!(false, "{value} as {ty}: {borrowed:?} vs {owned:?}"),
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

    /// Surrounding white space (ASCII or not) never changes the result for a type other than
    /// `str`.
    #[test]
    fn surrounding_whitespace_is_ignored(
        s in text(),
        before in PADDING,
        after in PADDING,
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

    /// Typed lists cast element by element, keeping length and order; the expected elements
    /// come from the model.
    #[test]
    fn lists_are_cast_element_wise(items in prop::collection::vec(json(), 0..8), ty in field_type().prop_filter("typed list", |t| t.element().is_some())) {
        let element = ty.element().unwrap();
        let out = cast(&Value::Array(items.clone()), ty);
        let each: Result<Vec<Value>, ()> = items.iter().map(|item| match model::cast(item, element) {
            Ok(Value::Null) | Err(()) => Err(()),
            Ok(v) => Ok(v),
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

/// One generated `struct` entry, with what the API must read from it.
#[derive(Debug, Clone)]
enum Entry {
    Description(String),
    Typed(Option<String>, FieldType),
    Example(Value),
}

fn entry() -> impl Strategy<Value = Entry> {
    let example = prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        number().prop_map(Value::Number),
        prop::collection::vec(scalar(), 0..4).prop_map(Value::Array),
        prop::collection::vec(("[a-z]{1,4}", scalar()), 1..3).prop_map(|entries| {
            // Keys outside `description`/`type`, so the object is an example, not a spec.
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (format!("x_{k}"), v))
                    .collect(),
            )
        }),
    ];
    prop_oneof![
        ".{0,20}".prop_map(Entry::Description),
        (proptest::option::of(".{0,20}"), field_type()).prop_map(|(d, t)| Entry::Typed(d, t)),
        example.prop_map(Entry::Example),
    ]
}

fn schema_entries() -> impl Strategy<Value = Vec<(String, Entry)>> {
    prop::collection::vec(entry(), 0..6).prop_map(|entries| {
        entries
            .into_iter()
            .enumerate()
            .map(|(at, entry)| (format!("field_{at}"), entry))
            .collect()
    })
}

fn build(entries: &[(String, Entry)]) -> Schema {
    let mut builder = Schema::builder();
    for (name, entry) in entries {
        builder = match entry {
            Entry::Description(d) => builder.describe(name, d),
            Entry::Typed(Some(d), t) => builder.typed(name, d, *t),
            Entry::Typed(None, t) => builder.field(name, FieldSpec::typed(*t)),
            Entry::Example(v) => builder.example(name, v.clone()),
        };
    }
    builder.build().unwrap()
}

/// The payload the API must receive for the entries, written from the entries alone.
fn expected_payload(entries: &[(String, Entry)]) -> Value {
    let mut payload = Map::new();
    for (name, entry) in entries {
        let value = match entry {
            Entry::Description(d) => Value::String(d.clone()),
            Entry::Typed(d, t) => {
                let mut spec = Map::new();
                if let Some(d) = d {
                    spec.insert("description".into(), Value::String(d.clone()));
                }
                spec.insert("type".into(), Value::String(t.name().into()));
                Value::Object(spec)
            }
            Entry::Example(v) => v.clone(),
        };
        payload.insert(name.clone(), value);
    }
    Value::Object(payload)
}

fn lead_info() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec(("field_[0-7]", scalar()), 0..5)
        .prop_map(|entries| entries.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// `Schema` serializes to exactly the payload its entries describe, and reads back equal.
    #[test]
    fn schema_serializes_as_its_entries_say(entries in schema_entries()) {
        let schema = build(&entries);
        let json = serde_json::to_value(&schema).unwrap();
        prop_assert_eq!(&json, &expected_payload(&entries));
        prop_assert_eq!(serde_json::from_value::<Schema>(json).unwrap(), schema);
    }

    /// Each field's type and source follow the priority explicit > input > inferred > str,
    /// in schema order.
    #[test]
    fn resolve_follows_the_priority(entries in schema_entries(), lead_info in lead_info()) {
        let schema = build(&entries);
        let resolution = resolve(&schema, &lead_info);
        prop_assert_eq!(resolution.len(), entries.len());
        for ((name, entry), field) in entries.iter().zip(&resolution) {
            prop_assert_eq!(field.name, name.as_str());
            let input = lead_info.get(name).and_then(model::type_of_value);
            let want = match (entry, input) {
                (Entry::Typed(_, t), _) => (*t, TypeSource::Explicit),
                (_, Some(t)) => (t, TypeSource::Input),
                (Entry::Example(v), None) => match model::type_of_value(v) {
                    Some(t) => (t, TypeSource::Inferred),
                    None => (FieldType::Str, TypeSource::Default),
                },
                (Entry::Description(_), None) => (FieldType::Str, TypeSource::Default),
            };
            prop_assert_eq!((field.field_type, field.source), want, "{}", name);
        }
    }

    /// `cast_record` casts every schema field by the model, keeps other keys as they are and
    /// in place, adds missing fields as null at the end, and reports exactly the failing
    /// fields in schema order; the owned path agrees.
    #[test]
    fn cast_record_casts_each_field(
        entries in schema_entries(),
        lead_info in lead_info(),
        data in prop::collection::vec(("(field_[0-7]|extra_[a-c])", json()), 0..8),
    ) {
        let schema = build(&entries);
        let resolution = resolve(&schema, &lead_info);
        let data: Map<String, Value> = data.into_iter().collect();
        let result = cast_record(&data, &resolution);
        let owned = cast_record_owned(data.clone(), &resolution);
        prop_assert_eq!(&result, &owned);
        let failing: Vec<&str> = resolution
            .iter()
            .filter(|field| data.get(field.name).is_some_and(|v| model::cast(v, field.field_type).is_err()))
            .map(|field| field.name)
            .collect();
        match result {
            Ok(out) => {
                prop_assert!(failing.is_empty(), "{failing:?}");
                let keys: Vec<&str> = out.keys().map(String::as_str).collect();
                let mut want_keys: Vec<&str> = data.keys().map(String::as_str).collect();
                for field in &resolution {
                    if !data.contains_key(field.name) {
                        want_keys.push(field.name);
                    }
                }
                prop_assert_eq!(keys, want_keys);
                for (key, value) in &out {
                    let want = match resolution.get(key) {
                        Some(field) => model::cast(data.get(key).unwrap_or(&Value::Null), field.field_type).unwrap(),
                        None => data[key].clone(),
                    };
                    prop_assert!(same(value, &want), "{key}: {value} vs {want}");
                }
            }
            Err(err) => {
                let paths: Vec<&str> = err.issues.iter().map(|i| i.path.as_str()).collect();
                prop_assert_eq!(paths, failing);
            }
        }
    }
}
