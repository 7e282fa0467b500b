//! `#[derive(Enrich)]` end to end: the exact payload, decoding answers as the service sends
//! them, errors naming every failing field, and a round-trip property.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sixtyfour::{DecodeError, Enrich, Problem, decode};

/// The reference's example fields.
#[derive(Debug, Deserialize, Enrich, PartialEq)]
struct Person {
    /// The individual's full name
    name: String,
    /// The individual's email address
    email: String,
    /// The individual's phone number
    phone: String,
    /// The company the individual is associated with
    company: String,
    /// The individual's job title
    title: String,
    /// LinkedIn URL for the person
    linkedin: String,
    /// Company website URL
    website: String,
    /// The individual's location and/or company location
    location: String,
    /// Industry the person operates in
    industry: String,
    /// url for their github profile
    github_url: String,
    /// Take detailed notes on their github profile.
    github_notes: String,
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn reference_fields_give_the_reference_payload_in_order() {
    let expected = r#"{"name":"The individual's full name","email":"The individual's email address","phone":"The individual's phone number","company":"The company the individual is associated with","title":"The individual's job title","linkedin":"LinkedIn URL for the person","website":"Company website URL","location":"The individual's location and/or company location","industry":"Industry the person operates in","github_url":"url for their github profile","github_notes":"Take detailed notes on their github profile."}"#;
    assert_eq!(Person::schema().to_json().to_string(), expected);
    assert_eq!(Person::research_plan(), None);
}

#[test]
fn reference_answer_decodes() {
    let answer = object(json!({
        "name": "Mara Quill",
        "email": "mara@lanternfish.example",
        "phone": "",
        "company": "Lanternfish Labs",
        "title": "CEO & Co-Founder",
        "linkedin": "https://linkedin.example/in/maraquill",
        "website": "https://lanternfish.example/",
        "location": "Portland, Oregon, USA",
        "industry": "Developer tooling",
        "github_url": "https://git.example/maraquill",
        "github_notes": "Maintains a tracing library.",
        "is_active": true
    }));
    let person: Person = decode(&answer, &Map::new()).unwrap();
    assert_eq!(person.phone, "");
    assert_eq!(person.title, "CEO & Co-Founder");
}

#[allow(dead_code)]
#[derive(Debug, Deserialize, Enrich)]
struct Firmographics {
    /// Company name
    name: String,
    /// Number of employees
    employees: u32,
    /// Founding year
    founded: Option<i32>,
    /// Its offices
    offices: Vec<Office>,
    /// Public company
    public: bool,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize, Enrich)]
struct Office {
    /// City
    city: String,
    /// Desks in the office
    desks: u16,
}

#[test]
fn every_failing_field_is_reported_with_its_path() {
    let answer = object(json!({
        "name": null,
        "employees": "about 40",
        "founded": "1999.5",
        "offices": [{"city": "Oslo", "desks": "12"}, {"city": "Turin", "desks": "70000"}],
        "public": "maybe",
    }));
    let err: DecodeError = decode::<Firmographics>(&answer, &Map::new()).unwrap_err();
    let paths: Vec<&str> = err.issues.iter().map(|issue| issue.path.as_str()).collect();
    assert_eq!(
        paths,
        ["name", "employees", "founded", "offices[1].desks", "public"]
    );
    assert!(matches!(err.issues[0].problem, Problem::Missing));
    assert!(matches!(err.issues[1].problem, Problem::Cast(_)));
    assert!(matches!(err.issues[3].problem, Problem::Deserialize(_)));
    let text = err.to_string();
    assert!(text.starts_with("5 values do not fit:"), "{text}");
    assert!(
        text.contains("`employees`: cannot cast \"about 40\" to int: not a whole number"),
        "{text}"
    );
    assert!(text.contains("`name`: no value in the answer"), "{text}");
    assert!(
        text.contains("`offices[1].desks`: invalid value: integer `70000`"),
        "{text}"
    );
}

#[test]
fn blank_answers_for_optional_fields_are_none() {
    #[derive(Debug, Deserialize, Enrich)]
    struct Sparse {
        /// Phone
        phone: Option<String>,
        /// Age
        age: Option<u8>,
        /// Tags
        tags: Option<Vec<String>>,
        /// Revenue in dollars
        #[serde(default)]
        revenue: u64,
    }
    let answer = object(json!({"phone": "  ", "age": "", "tags": null, "revenue": ""}));
    let sparse: Sparse = decode(&answer, &Map::new()).unwrap();
    assert_eq!(
        (sparse.phone, sparse.age, sparse.tags, sparse.revenue),
        (None, None, None, 0)
    );
}

#[test]
fn value_fields_take_their_type_from_lead_info() {
    #[derive(Debug, Deserialize, Enrich)]
    struct Loose {
        /// Age
        age: Value,
        /// Anything
        notes: Value,
    }
    let lead_info = object(json!({"age": 30}));
    let loose: Loose = decode(&object(json!({"age": "31", "notes": 5})), &lead_info).unwrap();
    assert_eq!(loose.age, json!(31));
    assert_eq!(loose.notes, json!(5));
}

#[test]
fn deny_unknown_fields_types_ignore_passed_through_keys() {
    #[derive(Debug, Deserialize, Enrich)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        /// Email
        email: String,
    }
    let strict: Strict = decode(
        &object(json!({"email": "a@b.example", "is_active": true})),
        &Map::new(),
    )
    .unwrap();
    assert_eq!(strict.email, "a@b.example");
}

#[test]
fn dicts_arrive_as_objects_or_json_text() {
    #[derive(Debug, Deserialize, Enrich)]
    struct WithDict {
        /// Social profiles by network
        socials: BTreeMap<String, String>,
    }
    for socials in [json!({"x": "@ada"}), json!("{\"x\": \"@ada\"}")] {
        let decoded: WithDict = decode(&object(json!({"socials": socials})), &Map::new()).unwrap();
        assert_eq!(decoded.socials.get("x").map(String::as_str), Some("@ada"));
    }
}

#[derive(Debug, Clone, Deserialize, Enrich, PartialEq)]
struct Everything {
    /// Text
    text: String,
    /// Signed
    signed: i64,
    /// Unsigned
    unsigned: u32,
    /// Real
    real: f64,
    /// Flag
    flag: bool,
    /// Words
    words: Vec<String>,
    /// Numbers
    numbers: Vec<i64>,
    /// Maybe text
    maybe_text: Option<String>,
    /// Maybe number
    maybe_number: Option<i32>,
    /// Maybe flag
    maybe_flag: Option<bool>,
    /// Attributes
    attributes: BTreeMap<String, String>,
}

fn everything() -> impl Strategy<Value = Everything> {
    (
        (
            ".*",
            any::<i64>(),
            any::<u32>(),
            any::<f64>().prop_filter("finite", |f| f.is_finite()),
            any::<bool>(),
        ),
        (
            prop::collection::vec(".*", 0..4),
            prop::collection::vec(any::<i64>(), 0..4),
            prop::option::of(".*[^ \t\n\r].*"),
            prop::option::of(any::<i32>()),
            prop::option::of(any::<bool>()),
            prop::collection::btree_map("[a-z]{1,5}", ".*", 0..3),
        ),
    )
        .prop_map(
            |(
                (text, signed, unsigned, real, flag),
                (words, numbers, maybe_text, maybe_number, maybe_flag, attributes),
            )| Everything {
                text,
                signed,
                unsigned,
                real,
                flag,
                words,
                numbers,
                maybe_text: maybe_text.filter(|t| !t.trim().is_empty()),
                maybe_number,
                maybe_flag,
                attributes,
            },
        )
}

/// `n` in strict thousands groups: `-1,234,567`.
fn grouped(n: i128) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (at, digit) in digits.chars().enumerate() {
        if at > 0 && (digits.len() - at).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The value as a service might render it, in the spelling `style` picks for each field:
/// numbers as plain text, thousands groups, exponents or JSON numbers; booleans as words;
/// lists and dicts as JSON text; absent optional values as blank text, null or a missing key.
fn render(value: &Everything, style: &[u8; 11]) -> Map<String, Value> {
    let text = |s: String| Value::String(s);
    let flag = |b: bool, style: u8| match style % 3 {
        0 => text(if b { "Yes" } else { "no" }.into()),
        1 => text(if b { "true" } else { "False" }.into()),
        _ => Value::Bool(b),
    };
    let whole = |n: i128, style: u8| match style % 3 {
        0 => text(n.to_string()),
        1 => text(grouped(n)),
        _ => Value::from(n as i64),
    };
    let real = match style[3] % 3 {
        0 => text(value.real.to_string()),
        1 => text(format!("{:e}", value.real)),
        _ => json!(value.real),
    };
    let mut map = object(json!({
        "text": value.text,
        "signed": whole(i128::from(value.signed), style[1]),
        "unsigned": match style[2] % 2 { 0 => text(format!(" {} ", value.unsigned)), _ => whole(i128::from(value.unsigned), style[2]) },
        "real": real,
        "flag": flag(value.flag, style[4]),
        "words": text(serde_json::to_string(&value.words).unwrap()),
        "numbers": text(serde_json::to_string(&value.numbers).unwrap()),
        "attributes": text(serde_json::to_string(&value.attributes).unwrap()),
    }));
    let absent = |style: u8| match style % 3 {
        0 => Some(text(String::new())),
        1 => Some(Value::Null),
        _ => None,
    };
    let optional = [
        ("maybe_text", value.maybe_text.clone().map(text), style[5]),
        (
            "maybe_number",
            value.maybe_number.map(|n| whole(i128::from(n), style[6])),
            style[7],
        ),
        (
            "maybe_flag",
            value.maybe_flag.map(|b| flag(b, style[8])),
            style[9],
        ),
    ];
    for (key, present, style) in optional {
        if let Some(rendered) = present.or_else(|| absent(style)) {
            map.insert(key.into(), rendered);
        }
    }
    map
}

proptest! {
    #[test]
    fn rendered_values_decode_back(value in everything(), style in any::<[u8; 11]>()) {
        let decoded: Everything = decode(&render(&value, &style), &Map::new()).unwrap();
        prop_assert_eq!(decoded.real.to_bits(), value.real.to_bits());
        prop_assert_eq!(decoded, value);
    }
}
