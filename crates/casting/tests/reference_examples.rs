//! The reference's three type-casting examples and the `lead_info` priority rule, end to end
//! through `Schema::from_json`, `resolve` and `cast_record`.

use serde_json::{Map, Value, json};
use sixtyfour_casting::{
    CastReason, FieldSpec, FieldType, Schema, SchemaError, TypeSource, cast_record, resolve,
};

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn type_override() {
    let lead_info = object(json!({"age": 30, "is_active": true}));
    let schema = Schema::from_json(&json!({
        "age": {"type": "str"},
        "location": "Current location"
    }))
    .unwrap();
    let resolution = resolve(&schema, &lead_info);
    assert_eq!(resolution.get("age").unwrap().source, TypeSource::Explicit);
    assert_eq!(resolution.field_type("age"), Some(FieldType::Str));
    assert_eq!(
        resolution.get("location").unwrap().source,
        TypeSource::Default
    );

    let answer = object(json!({"age": 30, "is_active": true, "location": "New York"}));
    let out = cast_record(&answer, &resolution).unwrap();
    assert_eq!(
        Value::Object(out),
        json!({"age": "30", "is_active": true, "location": "New York"})
    );
}

#[test]
fn explicit_type_definition() {
    let schema = Schema::from_json(&json!({
        "age": {"description": "Person's age", "type": "int"},
        "is_verified": {"description": "Status", "type": "bool"}
    }))
    .unwrap();
    assert_eq!(
        schema.get("age").unwrap().description(),
        Some("Person's age")
    );
    let resolution = resolve(&schema, &Map::new());
    for field in &resolution {
        assert_eq!(field.source, TypeSource::Explicit);
    }
    let answer = object(json!({"age": "30", "is_verified": "true"}));
    let out = cast_record(&answer, &resolution).unwrap();
    let out = Value::Object(out);
    assert_eq!(out, json!({"age": 30, "is_verified": true}));
    assert!(out["age"].is_u64());
}

#[test]
fn inference_from_example_values() {
    let schema = Schema::from_json(&json!({"score": 95.5, "active": false, "count": 42})).unwrap();
    let resolution = resolve(&schema, &Map::new());
    let types: Vec<_> = resolution
        .iter()
        .map(|f| (f.name, f.field_type, f.source))
        .collect();
    assert_eq!(
        types,
        [
            ("score", FieldType::Float, TypeSource::Inferred),
            ("active", FieldType::Bool, TypeSource::Inferred),
            ("count", FieldType::Int, TypeSource::Inferred),
        ]
    );
    let answer = object(json!({"score": "95.5", "active": "no", "count": "42"}));
    let out = Value::Object(cast_record(&answer, &resolution).unwrap());
    assert_eq!(out, json!({"score": 95.5, "active": false, "count": 42}));
    assert!(out["score"].is_f64());
}

#[test]
fn lead_info_type_wins_over_a_description() {
    let lead_info = object(json!({"age": 30}));
    let schema = Schema::from_json(&json!({"age": "Person's age"})).unwrap();
    let resolution = resolve(&schema, &lead_info);
    let age = resolution.get("age").unwrap();
    assert_eq!(
        (age.field_type, age.source),
        (FieldType::Int, TypeSource::Input)
    );

    let out = cast_record(&object(json!({"age": "31"})), &resolution).unwrap();
    assert_eq!(Value::Object(out), json!({"age": 31}));
}

#[test]
fn lead_info_type_wins_over_an_example_but_not_over_an_explicit_type() {
    let lead_info = object(json!({"score": "high", "age": 30, "tags": ["a", "b"]}));
    let schema = Schema::from_json(&json!({
        "score": 95.5,
        "age": {"type": "float"},
        "tags": "Tags",
        "missing": [1, 2],
    }))
    .unwrap();
    let resolution = resolve(&schema, &lead_info);
    let got: Vec<_> = resolution
        .iter()
        .map(|f| (f.field_type, f.source))
        .collect();
    assert_eq!(
        got,
        [
            (FieldType::Str, TypeSource::Input),
            (FieldType::Float, TypeSource::Explicit),
            (FieldType::ListStr, TypeSource::Input),
            (FieldType::ListInt, TypeSource::Inferred),
        ]
    );
}

#[test]
fn cast_record_reports_every_failure_and_keeps_extras() {
    let schema = Schema::from_json(&json!({
        "age": {"type": "int"},
        "verified": {"type": "bool"},
        "tags": {"type": "list[int]"},
        "name": "Full name",
    }))
    .unwrap();
    let resolution = resolve(&schema, &Map::new());
    let data = object(json!({
        "age": "thirty",
        "verified": "enabled",
        "tags": [1, "two"],
        "name": "Ada",
    }));
    let err = cast_record(&data, &resolution).unwrap_err();
    let fields: Vec<_> = err.issues.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(fields, ["age", "verified", "tags"]);
    let cast = |at: usize| err.issues[at].cast_error().unwrap();
    assert_eq!(cast(0).wanted(), FieldType::Int);
    assert_eq!(cast(0).value(), "\"thirty\"");
    assert_eq!(cast(1).reason(), CastReason::NotABoolean);
    let text = err.to_string();
    assert!(text.starts_with("3 values do not fit:"), "{text}");
    assert!(
        text.contains("`tags`: element 1 of the list[int]"),
        "{text}"
    );

    let ok = object(json!({"zeta": 1, "age": "7", "alpha": [true]}));
    let out = cast_record(&ok, &resolution).unwrap();
    let keys: Vec<_> = out.keys().map(String::as_str).collect();
    assert_eq!(keys, ["zeta", "age", "alpha", "verified", "tags", "name"]);
    assert_eq!(
        Value::Object(out),
        json!({"zeta": 1, "age": 7, "alpha": [true], "verified": null, "tags": null, "name": null})
    );
}

#[test]
fn schema_classifies_entries() {
    let schema = Schema::from_json(&json!({
        "a": "described",
        "b": {"description": "only a description"},
        "c": {"type": "Integer"},
        "d": {"type": "list[str]", "example": ["x"]},
        "e": {"description": 5},
        "f": {},
        "g": [1, 2.5],
        "h": {"type": 3},
        "i": null,
    }))
    .unwrap();
    let spec = |name: &str| schema.get(name).unwrap().clone();
    assert_eq!(spec("a"), FieldSpec::described("described"));
    assert_eq!(spec("b"), FieldSpec::described("only a description"));
    assert_eq!(spec("c"), FieldSpec::typed(FieldType::Int));
    assert_eq!(spec("d"), FieldSpec::typed(FieldType::ListStr));
    assert_eq!(spec("e"), FieldSpec::Example(json!({"description": 5})));
    assert_eq!(spec("f"), FieldSpec::Example(json!({})));
    assert_eq!(spec("g"), FieldSpec::Example(json!([1, 2.5])));
    assert_eq!(spec("h"), FieldSpec::Example(json!({"type": 3})));
    assert_eq!(spec("i"), FieldSpec::Example(json!(null)));
    assert_eq!(Schema::from_json(&schema.to_json()).unwrap(), schema);
}

#[test]
fn schema_errors_name_the_problem() {
    let err = Schema::from_json(&json!(["name"])).unwrap_err();
    assert!(
        matches!(err, SchemaError::NotAnObject { found: "array", .. }),
        "{err:?}"
    );

    let err = Schema::from_json(&json!({"age": {"type": "number"}})).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("field `age`: unknown type `number`"),
        "{text}"
    );
    assert!(text.contains("\"list[int]\""), "{text}");

    let err = Schema::from_json(&json!({" ": "blank"})).unwrap_err();
    assert!(matches!(err, SchemaError::BlankFieldName { .. }), "{err:?}");

    let err = Schema::builder()
        .describe("email", "Email")
        .describe("email", "Email again")
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        SchemaError::DuplicateField {
            field: "email".into()
        }
    );
}

#[test]
fn builder_matches_json_and_normalises_examples() {
    let built = Schema::builder()
        .describe("name", "Full name")
        .typed("age", "Age", FieldType::Int)
        .example("score", json!(9.5))
        .example("looks_described", json!("Some words"))
        .build()
        .unwrap();
    let parsed = Schema::from_json(&json!({
        "name": "Full name",
        "age": {"description": "Age", "type": "int"},
        "score": 9.5,
        "looks_described": "Some words",
    }))
    .unwrap();
    assert_eq!(built, parsed);
    assert_eq!(built.to_json(), parsed.to_json());
    assert_eq!(serde_json::to_value(&built).unwrap(), built.to_json());
    let back: Schema = serde_json::from_value(built.to_json()).unwrap();
    assert_eq!(back, built);
}
