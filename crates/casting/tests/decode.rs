//! `decode` end to end on derived types: every shape (scalars, options, lists, maps, nested
//! records, enums, `Value`, serde defaults, explicit types, renames), the laws that hold the
//! fast decoder to the path-reporting one and the three entry points to each other, and the
//! errors with their paths.

extern crate sixtyfour_casting as sixtyfour;

mod model;

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sixtyfour_casting::{
    __private::{decode_fast, decode_reporting, decode_slice_fast},
    CastReason, DecodeError, Problem, decode, decode_owned, decode_slice,
};
use sixtyfour_derive::Enrich;

use model::object;

#[derive(Debug, Deserialize, Enrich, PartialEq)]
struct Office {
    /// City
    city: String,
    /// Desks in the office
    desks: Option<u16>,
}

#[derive(Debug, Deserialize, Enrich, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Stage {
    Seed,
    SeriesA,
    #[enrich(other)]
    Other(String),
}

#[derive(Debug, Deserialize, Enrich, PartialEq)]
enum Size {
    Small,
    Large,
}

/// Every shape a field can have.
#[derive(Debug, Deserialize, Enrich, PartialEq)]
struct Wide {
    /// Name
    name: String,
    /// Nickname
    nickname: Option<String>,
    /// Employees
    employees: i64,
    /// Age
    age: Option<u8>,
    /// Score
    score: f64,
    /// Verified
    verified: bool,
    /// Languages
    languages: Vec<String>,
    /// Lucky numbers
    numbers: Option<Vec<i32>>,
    /// Mixed list
    mixed: Vec<Option<u8>>,
    /// Counts by office
    counts: BTreeMap<String, u32>,
    /// Head office
    office: Office,
    /// Other offices
    offices: Vec<Office>,
    /// Next office
    next_office: Option<Office>,
    /// Stage
    stage: Stage,
    /// Size
    size: Option<Size>,
    /// Past stages
    stages: Vec<Stage>,
    /// Anything
    anything: Value,
    /// Revenue
    #[serde(default)]
    revenue: u64,
    /// Tags
    #[enrich(type = "list[str]")]
    tags: Vec<String>,
    /// Website
    #[enrich(rename = "website")]
    homepage: Option<String>,
    /// Phone
    #[serde(rename = "tel")]
    phone: Option<String>,
}

fn wide_answer() -> Map<String, Value> {
    object(json!({
        "name": "Ada",
        "nickname": "  ",
        "employees": "1,200",
        "age": "41",
        "score": "12.5",
        "verified": "yes",
        "languages": "[\"Rust\", \"Go\"]",
        "numbers": [1, "2", 3.0],
        "mixed": [1, null, ""],
        "counts": "{\"Oslo\": 12}",
        "office": {"city": "Oslo", "desks": "12"},
        "offices": ["{\"city\": \"Turin\"}", {"city": "Lyon", "desks": ""}],
        "next_office": null,
        "stage": "Series A",
        "size": "LARGE",
        "stages": ["seed", " pre-seed "],
        "anything": "31",
        "revenue": "",
        "tags": "solo",
        "website": "https://ada.example",
        "tel": "+1 555",
        "is_active": true,
    }))
}

#[test]
fn every_shape_decodes() {
    let lead_info = object(json!({"anything": 30}));
    let wide: Wide = decode(&wide_answer(), &lead_info).unwrap();
    assert_eq!(wide.nickname, None);
    assert_eq!(
        (wide.employees, wide.age, wide.score, wide.verified),
        (1200, Some(41), 12.5, true)
    );
    assert_eq!(wide.languages, ["Rust", "Go"]);
    assert_eq!(wide.numbers, Some(vec![1, 2, 3]));
    assert_eq!(wide.mixed, [Some(1), None, None]);
    assert_eq!(wide.counts.get("Oslo"), Some(&12));
    assert_eq!(
        wide.office,
        Office {
            city: "Oslo".into(),
            desks: Some(12)
        }
    );
    assert_eq!(
        wide.offices,
        [
            Office {
                city: "Turin".into(),
                desks: None
            },
            Office {
                city: "Lyon".into(),
                desks: None
            }
        ]
    );
    assert_eq!(wide.next_office, None);
    assert_eq!(wide.stage, Stage::SeriesA);
    assert_eq!(wide.size, Some(Size::Large));
    assert_eq!(wide.stages, [Stage::Seed, Stage::Other("pre-seed".into())]);
    assert_eq!(
        wide.anything,
        json!(31),
        "a `Value` field takes the lead's type"
    );
    assert_eq!(wide.revenue, 0, "blank leaves a serde default in place");
    assert_eq!(wide.tags, ["solo"]);
    assert_eq!(wide.homepage.as_deref(), Some("https://ada.example"));
    assert_eq!(wide.phone.as_deref(), Some("+1 555"));
    let bytes = serde_json::to_vec(&wide_answer()).unwrap();
    assert_eq!(decode_slice::<Wide>(&bytes, &lead_info).unwrap(), wide);
}

/// A fitting answer, whatever its renderings of scalars, lists and nested records, is decoded
/// by the fast decoder: the path-reporting one is for failures only.
#[test]
fn fitting_answers_stay_on_the_fast_path() {
    let lead_info = object(json!({"anything": 30}));
    let mut answers = vec![wide_answer()];
    let mut typed = wide_answer();
    for (key, value) in [
        ("employees", json!(1200)),
        ("age", json!(41)),
        ("score", json!(12.5)),
        ("verified", json!(true)),
        ("languages", json!(["Rust", "Go"])),
        ("numbers", json!("[1, 2, 3]")),
        ("office", json!("{\"city\": \"Oslo\"}")),
        ("next_office", json!({"city": "Oslo", "desks": 3})),
        ("stage", json!("seed")),
        ("tags", json!("[\"a\", \"b\\\"c\"]")),
    ] {
        typed.insert(key.into(), value);
    }
    answers.push(typed);
    let mut reordered: Map<String, Value> = wide_answer().into_iter().rev().collect();
    reordered.remove("nickname");
    answers.push(reordered);
    for answer in answers {
        let fast = decode_fast::<Wide>(&answer, &lead_info);
        assert!(fast.is_some(), "{answer:?}");
        assert_eq!(
            fast.as_ref(),
            decode_reporting::<Wide>(answer.clone(), &lead_info)
                .as_ref()
                .ok()
        );
        let bytes = serde_json::to_vec(&answer).unwrap();
        assert_eq!(decode_slice_fast::<Wide>(&bytes, &lead_info), fast);
    }
}

/// A field identifier read by a hand-written `Deserialize` that knows names only.
#[derive(Debug, PartialEq)]
enum ByNameField {
    Name,
    Age,
    Other,
}

impl<'de> Deserialize<'de> for ByNameField {
    fn deserialize<D: serde::Deserializer<'de>>(reader: D) -> Result<Self, D::Error> {
        struct Names;
        impl serde::de::Visitor<'_> for Names {
            type Value = ByNameField;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<ByNameField, E> {
                Ok(match name {
                    "name" => ByNameField::Name,
                    "age" => ByNameField::Age,
                    _ => ByNameField::Other,
                })
            }
        }
        reader.deserialize_identifier(Names)
    }
}

/// A type with a hand-written `Deserialize` that lists the same fields as its plan but reads
/// field names only.
#[derive(Debug, PartialEq, Enrich)]
struct ByName {
    /// Name
    name: String,
    /// Age
    age: u32,
}

impl<'de> Deserialize<'de> for ByName {
    fn deserialize<D: serde::Deserializer<'de>>(reader: D) -> Result<Self, D::Error> {
        use serde::de::{Error, IgnoredAny, MapAccess, Visitor};
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = ByName;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a person")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<ByName, M::Error> {
                let (mut name, mut age) = (None, None);
                while let Some(field) = map.next_key::<ByNameField>()? {
                    match field {
                        ByNameField::Name => name = Some(map.next_value()?),
                        ByNameField::Age => age = Some(map.next_value()?),
                        ByNameField::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(ByName {
                    name: name.ok_or_else(|| M::Error::missing_field("name"))?,
                    age: age.ok_or_else(|| M::Error::missing_field("age"))?,
                })
            }
        }
        reader.deserialize_struct("ByName", &["name", "age"], Fields)
    }
}

/// Fields go to serde's derived `Deserialize` by position; a `Deserialize` that refuses
/// positions gets names from then on, and nothing is decoded differently either way.
#[test]
fn fields_go_by_name_to_a_deserialize_that_reads_names_only() {
    let answer = object(json!({"name": "Ada", "age": "36"}));
    let want = ByName {
        name: "Ada".into(),
        age: 36,
    };
    for _ in 0..3 {
        assert_eq!(
            decode_fast::<ByName>(&answer, &Map::new()).as_ref(),
            Some(&want)
        );
        assert_eq!(decode::<ByName>(&answer, &Map::new()).as_ref(), Ok(&want));
        let bytes = serde_json::to_vec(&answer).unwrap();
        assert_eq!(
            decode_slice_fast::<ByName>(&bytes, &Map::new()).as_ref(),
            Some(&want)
        );
    }
    let err =
        decode::<ByName>(&object(json!({"name": "Ada", "age": "old"})), &Map::new()).unwrap_err();
    assert_eq!(err.issues[0].path, "age");
}

/// Types whose field list differs from the plan's keys (an alias, a field the payload skips)
/// get names, and decode as serde reads them.
#[test]
fn fields_go_by_name_when_the_lists_differ() {
    #[derive(Debug, Deserialize, Enrich, PartialEq)]
    struct Aliased {
        /// Name
        #[serde(alias = "full_name")]
        name: String,
        /// Age
        age: u8,
    }
    #[derive(Debug, Deserialize, Enrich, PartialEq)]
    struct Skipping {
        /// Name
        name: String,
        #[enrich(skip)]
        #[serde(default)]
        note: String,
        /// Age
        age: u8,
    }
    let answer = object(json!({"name": "Ada", "age": "36", "note": "kept out"}));
    for _ in 0..2 {
        let aliased = decode_fast::<Aliased>(&answer, &Map::new());
        assert_eq!(
            aliased,
            Some(Aliased {
                name: "Ada".into(),
                age: 36
            })
        );
        let skipping = decode_fast::<Skipping>(&answer, &Map::new());
        assert_eq!(
            skipping,
            Some(Skipping {
                name: "Ada".into(),
                note: String::new(),
                age: 36
            })
        );
    }
}

#[derive(Debug, Deserialize, Enrich, PartialEq)]
struct Sparse {
    /// Email
    email: String,
    /// Phone
    phone: Option<String>,
    /// Age
    age: Option<u8>,
    /// Offices
    offices: Option<Vec<Office>>,
    /// Stage
    stage: Option<Stage>,
}

#[test]
fn option_fields_accept_a_missing_key() {
    let answer = object(json!({"email": "a@b.example"}));
    let sparse: Sparse = decode(&answer, &Map::new()).unwrap();
    assert_eq!(
        sparse,
        Sparse {
            email: "a@b.example".into(),
            phone: None,
            age: None,
            offices: None,
            stage: None
        }
    );
    let err = decode::<Sparse>(&Map::new(), &Map::new()).unwrap_err();
    assert_eq!(err.issues.len(), 1, "{err}");
    assert_eq!(err.issues[0].path, "email");
    assert_eq!(err.issues[0].problem, Problem::Missing);
}

#[test]
fn failures_are_named_by_path_in_field_order() {
    let mut answer = wide_answer();
    answer.insert("employees".into(), json!("about 40"));
    answer.insert("age".into(), json!("300"));
    answer.insert("score".into(), json!("9007199254740993"));
    answer.insert(
        "offices".into(),
        json!([{"city": "Oslo"}, {"city": "Rome", "desks": "many"}]),
    );
    answer.insert("size".into(), json!("medium"));
    answer.remove("name");
    let err: DecodeError = decode::<Wide>(&answer, &Map::new()).unwrap_err();
    let paths: Vec<&str> = err.issues.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "name",
            "employees",
            "age",
            "score",
            "offices[1].desks",
            "size"
        ]
    );
    assert_eq!(err.at("name").unwrap().problem, Problem::Missing);
    let score = err.at("score").unwrap().cast_error().unwrap();
    assert_eq!(score.reason(), CastReason::Imprecise);
    assert!(matches!(
        err.at("age").unwrap().problem,
        Problem::Deserialize(_)
    ));
    assert_eq!(
        err.at("size").unwrap().to_string(),
        "`size`: \"medium\" is not one of the allowed values: \"Small\", \"Large\""
    );
    let text = err.to_string();
    assert!(
        text.starts_with("6 values do not fit:\n  - `name`: no value in the answer"),
        "{text}"
    );
    // The other entry points report the same.
    assert_eq!(
        decode_owned::<Wide>(answer.clone(), &Map::new()).unwrap_err(),
        err
    );
    let bytes = serde_json::to_vec(&answer).unwrap();
    assert_eq!(decode_slice::<Wide>(&bytes, &Map::new()).unwrap_err(), err);
}

#[test]
fn integers_beyond_64_bits_are_detected_not_rounded() {
    #[derive(Debug, Deserialize, Enrich)]
    #[allow(dead_code)]
    struct Count {
        /// A count
        n: i64,
        /// A measure
        x: Option<f64>,
    }
    // serde_json reads an integer beyond u64 as the nearest float; as `int` that is out of
    // range, so it is an error rather than a rounded number.
    let err = decode_slice::<Count>(br#"{"n": 18446744073709551616}"#, &Map::new()).unwrap_err();
    assert_eq!(
        err.issues[0].cast_error().unwrap().reason(),
        CastReason::OutOfRange
    );
    // As text it is read exactly, and still out of range.
    let err = decode_slice::<Count>(br#"{"n": "99999999999999999999"}"#, &Map::new()).unwrap_err();
    assert_eq!(
        err.issues[0].cast_error().unwrap().reason(),
        CastReason::OutOfRange
    );
    // Text a float cannot hold exactly is an error, not a rounded float.
    let err = decode_slice::<Count>(br#"{"n": 1, "x": "1e-400"}"#, &Map::new()).unwrap_err();
    assert_eq!(
        err.issues[0].cast_error().unwrap().reason(),
        CastReason::Underflow
    );
}

#[test]
fn bad_json_text_is_one_issue_at_the_top() {
    for (text, want) in [
        (&b"[1, 2]"[..], "not a JSON object but [1,2]"),
        (&b"{\"name\": "[..], "not a JSON object: EOF"),
    ] {
        let err = decode_slice::<Sparse>(text, &Map::new()).unwrap_err();
        assert_eq!(err.issues.len(), 1);
        assert_eq!(err.issues[0].path, "");
        assert!(err.to_string().contains(want), "{err}");
    }
}

/// A value as a service might send it for some field: valid renderings of every shape, junk,
/// null and blank text.
fn rendering() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!("")),
        Just(json!("  ")),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u8>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[+-]?[0-9]{1,3}(,[0-9]{3}){0,3}(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?"
            .prop_map(Value::from),
        "(?i)(yes|no|true|false|on|off|maybe)".prop_map(Value::from),
        "(?i)(seed|series[ _-]a|small|large|other stuff)".prop_map(Value::from),
        prop::collection::vec("[a-z]{0,5}", 0..3).prop_map(|items| json!(items)),
        prop::collection::vec("[a-z]{0,5}", 0..3).prop_map(|items| json!(json!(items).to_string())),
        prop::collection::vec(any::<i8>(), 0..3).prop_map(|items| json!(json!(items).to_string())),
        ("[A-Z][a-z]{0,5}", proptest::option::of("[0-9]{1,5}"))
            .prop_map(|(city, desks)| { json!({"city": city, "desks": desks}) }),
        ("[A-Z][a-z]{0,5}", proptest::option::of("[0-9]{1,5}"))
            .prop_map(|(city, desks)| { json!(json!({"city": city, "desks": desks}).to_string()) }),
        prop::collection::vec(("[A-Z][a-z]{0,3}", 0u32..100), 0..3)
            .prop_map(|entries| { json!(entries.into_iter().collect::<BTreeMap<_, _>>()) }),
        ".{0,12}".prop_map(Value::from),
    ]
}

const KEYS: [&str; 22] = [
    "name",
    "nickname",
    "employees",
    "age",
    "score",
    "verified",
    "languages",
    "numbers",
    "mixed",
    "counts",
    "office",
    "offices",
    "next_office",
    "stage",
    "size",
    "stages",
    "anything",
    "revenue",
    "tags",
    "website",
    "tel",
    "is_active",
];

/// Answers with every key present (from a valid answer) or replaced, or missing.
fn answer() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((0..3u8, rendering()), KEYS.len()).prop_map(|choices| {
        let valid = wide_answer();
        let mut answer = Map::new();
        for (key, (choice, value)) in KEYS.iter().zip(choices) {
            match choice {
                0 => {
                    if let Some(v) = valid.get(*key) {
                        answer.insert((*key).to_owned(), v.clone());
                    }
                }
                1 => {
                    answer.insert((*key).to_owned(), value);
                }
                _ => {}
            }
        }
        answer
    })
}

const OPTIONAL: [&str; 8] = [
    "nickname",
    "age",
    "numbers",
    "next_office",
    "size",
    "revenue",
    "website",
    "tel",
];

/// Answers that decode (mostly): each key rendered in one of the ways its field accepts.
fn fitting_answer() -> impl Strategy<Value = Map<String, Value>> {
    let text = ".{0,10}".prop_map(Value::from);
    let int_text = "[+-]?[1-9][0-9]{0,2}(,[0-9]{3}){0,2}(\\.0)?".prop_map(Value::from);
    let float_text = "[+-]?[0-9]{1,4}(\\.[0-9]{1,3})?([eE][+-]?[0-9])?".prop_map(Value::from);
    let word = "(?i)(yes|no|true|false|on|off|y|n|1|0)".prop_map(Value::from);
    let stage = "(?i)(seed|series[ _-]?a|bridge|pre-seed)".prop_map(Value::from);
    let office = ("[A-Z][a-z]{0,5}", proptest::option::of(0u16..500))
        .prop_map(|(city, desks)| json!({"city": city, "desks": desks.map(|d| d.to_string())}));
    let office_any = prop_oneof![
        office.clone(),
        office.clone().prop_map(|o| Value::from(o.to_string())),
    ];
    let fields: Vec<(&str, BoxedStrategy<Value>)> = vec![
        (
            "name",
            prop_oneof![
                text.clone(),
                any::<i64>().prop_map(Value::from),
                any::<bool>().prop_map(Value::from)
            ]
            .boxed(),
        ),
        (
            "nickname",
            prop_oneof![text.clone(), Just(Value::Null)].boxed(),
        ),
        (
            "employees",
            prop_oneof![
                int_text.clone(),
                any::<i64>().prop_map(Value::from),
                (-1e12f64..1e12).prop_map(|f| Value::from(f.trunc()))
            ]
            .boxed(),
        ),
        (
            "age",
            prop_oneof![
                (0u8..=255).prop_map(|n| Value::from(n.to_string())),
                any::<u8>().prop_map(Value::from),
                Just(json!(""))
            ]
            .boxed(),
        ),
        (
            "score",
            prop_oneof![
                float_text.clone(),
                (-1e9f64..1e9).prop_map(Value::from),
                any::<i32>().prop_map(Value::from),
                any::<bool>().prop_map(Value::from)
            ]
            .boxed(),
        ),
        (
            "verified",
            prop_oneof![
                word.clone(),
                any::<bool>().prop_map(Value::from),
                (0u8..2).prop_map(Value::from)
            ]
            .boxed(),
        ),
        (
            "languages",
            prop_oneof![
                prop::collection::vec("[a-z]{1,5}", 0..3).prop_map(|l| json!(l)),
                prop::collection::vec("[a-z]{1,5}", 0..3).prop_map(|l| json!(json!(l).to_string())),
                "[a-z]{1,5}".prop_map(Value::from),
            ]
            .boxed(),
        ),
        (
            "numbers",
            prop_oneof![
                Just(Value::Null),
                Just(json!("")),
                prop::collection::vec(any::<i32>(), 0..3).prop_map(|l| json!(json!(l).to_string())),
                prop::collection::vec(any::<i16>(), 0..3).prop_map(|l| json!(l))
            ]
            .boxed(),
        ),
        (
            "mixed",
            prop::collection::vec(
                prop_oneof![
                    any::<u8>().prop_map(Value::from),
                    Just(Value::Null),
                    Just(json!(""))
                ],
                0..4,
            )
            .prop_map(Value::Array)
            .boxed(),
        ),
        (
            "counts",
            prop::collection::vec(("[a-z]{1,3}", any::<u32>()), 0..3)
                .prop_map(|e| {
                    let map: BTreeMap<String, u32> = e.into_iter().collect();
                    json!(json!(map).to_string())
                })
                .boxed(),
        ),
        ("office", office_any.clone().boxed()),
        (
            "offices",
            prop_oneof![
                prop::collection::vec(office_any.clone(), 0..3).prop_map(Value::Array),
                prop::collection::vec(office.clone(), 0..3)
                    .prop_map(|l| Value::from(json!(l).to_string())),
            ]
            .boxed(),
        ),
        (
            "next_office",
            prop_oneof![Just(Value::Null), Just(json!(" ")), office_any.clone()].boxed(),
        ),
        ("stage", stage.clone().boxed()),
        (
            "size",
            prop_oneof!["(?i)(small|large)".prop_map(Value::from), Just(json!(""))].boxed(),
        ),
        (
            "stages",
            prop::collection::vec(stage.clone(), 0..3)
                .prop_map(Value::Array)
                .boxed(),
        ),
        ("anything", rendering().boxed()),
        (
            "revenue",
            prop_oneof![
                int_text
                    .prop_map(|v| json!(v.as_str().unwrap_or("").trim_start_matches(['-', '+']))),
                Just(json!(""))
            ]
            .boxed(),
        ),
        (
            "tags",
            prop_oneof![
                text.clone(),
                prop::collection::vec("[a-z]{0,4}", 0..3).prop_map(|l| json!(l))
            ]
            .boxed(),
        ),
        (
            "website",
            prop_oneof![text.clone(), Just(Value::Null)].boxed(),
        ),
        ("tel", prop_oneof![text, Just(Value::Null)].boxed()),
    ];
    let (keys, strategies): (Vec<&str>, Vec<BoxedStrategy<Value>>) = fields.into_iter().unzip();
    (strategies, prop::collection::vec(0..10u8, keys.len())).prop_map(move |(values, keep)| {
        keys.iter()
            .zip(values)
            .zip(keep)
            // Now and then the key of an optional field is missing.
            .filter(|((key, _), keep)| *keep > 0 || !OPTIONAL.contains(key))
            .map(|((key, value), _)| ((*key).to_owned(), value))
            .collect()
    })
}

fn lead_info() -> impl Strategy<Value = Map<String, Value>> {
    prop_oneof![
        Just(Map::new()),
        rendering().prop_map(|v| object(json!({"anything": v}))),
    ]
}

#[test]
fn fitting_answers_mostly_decode() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = fitting_answer();
    let decoded = (0..200)
        .filter(|_| {
            let answer = strategy.new_tree(&mut runner).unwrap().current();
            decode::<Wide>(&answer, &Map::new()).is_ok()
        })
        .count();
    // The laws below are only as strong as the share of answers that decode.
    assert!(
        decoded >= 100,
        "only {decoded} of 200 fitting answers decode"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// The fast decoder builds exactly what the path-reporting one builds, and fails exactly
    /// when it fails (its errors are then the reporting one's).
    #[test]
    fn fast_decoding_is_reporting_decoding(answer in prop_oneof![answer(), fitting_answer()], lead_info in lead_info()) {
        let fast = decode::<Wide>(&answer, &lead_info);
        let reporting = decode_reporting::<Wide>(answer.clone(), &lead_info);
        prop_assert_eq!(fast, reporting);
    }

    /// The owned and byte entry points agree with the borrowed one.
    #[test]
    fn entry_points_agree(answer in prop_oneof![answer(), fitting_answer()], lead_info in lead_info()) {
        let borrowed = decode::<Wide>(&answer, &lead_info);
        prop_assert_eq!(&decode_owned::<Wide>(answer.clone(), &lead_info), &borrowed);
        let bytes = serde_json::to_vec(&answer).unwrap();
        prop_assert_eq!(&decode_slice::<Wide>(&bytes, &lead_info), &borrowed);
    }

    /// Whatever the answer, decoding a type with nested records and enums returns.
    #[test]
    fn never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64), answer in answer()) {
        let _ = decode_slice::<Wide>(&bytes, &Map::new());
        let text = serde_json::to_string(&answer).unwrap();
        for cut in [text.len() / 3, text.len() / 2] {
            let _ = decode_slice::<Wide>(&text.as_bytes()[..cut], &Map::new());
        }
    }
}

/// A type that contains itself: its description stops after a few levels, and decoding
/// follows the answer as deep as it goes.
#[derive(Debug, Deserialize, Enrich, PartialEq)]
struct Node {
    /// Name
    name: String,
    /// Children
    children: Vec<Node>,
}

#[test]
fn recursive_types_are_described_to_a_depth_and_decoded_fully() {
    let description = <Node as sixtyfour::Enrich>::schema().to_json()["children"]["description"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        description.matches("\"children\" (list)").count(),
        3,
        "{description}"
    );
    assert!(
        description.ends_with("a list, each item an object."),
        "{description}"
    );
    let answer = object(json!({
        "name": "a",
        "children": [{"name": "b", "children": "[{\"name\": \"c\", \"children\": [{\"name\": \"d\", \"children\": []}]}]"}],
    }));
    let node: Node = decode(&answer, &Map::new()).unwrap();
    assert_eq!(node.children[0].children[0].children[0].name, "d");
}
