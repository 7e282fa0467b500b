//! One row per cell of the casting table: every target type against text, integers, floats,
//! booleans, null, arrays and objects, with the edge values that break naive casts.

use serde_json::{Value, json};
use sixtyfour_casting::{CastError, CastReason, FieldType, cast};

use CastReason::*;
use FieldType::*;

/// The expected outcome of one cell.
enum Want {
    Is(Value),
    Fails(CastReason),
}
use Want::{Fails, Is};

const TWO_53_PLUS_1: u64 = 9_007_199_254_740_993;

fn rows() -> Vec<(Value, FieldType, Want)> {
    vec![
        // ---- str
        (json!("  John Doe "), Str, Is(json!("  John Doe "))),
        (json!(""), Str, Is(json!(""))),
        (json!(30), Str, Is(json!("30"))),
        (json!(-7), Str, Is(json!("-7"))),
        (json!(95.5), Str, Is(json!("95.5"))),
        (json!(1.0), Str, Is(json!("1.0"))),
        (json!(-0.0), Str, Is(json!("-0.0"))),
        (json!(u64::MAX), Str, Is(json!("18446744073709551615"))),
        (json!(i64::MIN), Str, Is(json!("-9223372036854775808"))),
        (json!(true), Str, Is(json!("true"))),
        (json!(false), Str, Is(json!("false"))),
        (json!(["a", 1, [2]]), Str, Is(json!(r#"["a",1,[2]]"#))),
        (
            json!({"b": 1, "a": [true]}),
            Str,
            Is(json!(r#"{"b":1,"a":[true]}"#)),
        ),
        (json!(null), Str, Is(json!(null))),
        // ---- int from text
        (json!("42"), Int, Is(json!(42))),
        (json!(" 42 "), Int, Is(json!(42))),
        (json!("+42"), Int, Is(json!(42))),
        (json!("-42"), Int, Is(json!(-42))),
        (json!("-0"), Int, Is(json!(0))),
        (json!("007"), Int, Is(json!(7))),
        (json!("12.0"), Int, Is(json!(12))),
        (json!("12.000"), Int, Is(json!(12))),
        (json!("1,234,567"), Int, Is(json!(1_234_567))),
        (json!("-1,234"), Int, Is(json!(-1234))),
        (json!("1,234.0"), Int, Is(json!(1234))),
        (json!("18446744073709551615"), Int, Is(json!(u64::MAX))),
        (json!("-9223372036854775808"), Int, Is(json!(i64::MIN))),
        (json!("18446744073709551616"), Int, Fails(OutOfRange)),
        (json!("-9223372036854775809"), Int, Fails(OutOfRange)),
        (json!("99999999999999999999999999"), Int, Fails(OutOfRange)),
        (json!("12.5"), Int, Fails(Fractional)),
        (json!("12."), Int, Fails(NotAnInteger)),
        (json!("1e3"), Int, Fails(NotAnInteger)),
        (json!("30 years"), Int, Fails(NotAnInteger)),
        (json!("3Com"), Int, Fails(NotAnInteger)),
        (json!("0x1A"), Int, Fails(NotAnInteger)),
        (json!("inf"), Int, Fails(NotAnInteger)),
        (json!("1,23"), Int, Fails(NotAnInteger)),
        (json!("1234,567"), Int, Fails(NotAnInteger)),
        (json!(",123"), Int, Fails(NotAnInteger)),
        (json!("1 234"), Int, Fails(NotAnInteger)),
        (json!("--1"), Int, Fails(NotAnInteger)),
        (json!("-"), Int, Fails(NotAnInteger)),
        (json!("true"), Int, Fails(NotAnInteger)),
        (json!(""), Int, Is(json!(null))),
        (json!("   "), Int, Is(json!(null))),
        // ---- int from numbers, bools, containers, null
        (json!(42), Int, Is(json!(42))),
        (json!(i64::MIN), Int, Is(json!(i64::MIN))),
        (json!(u64::MAX), Int, Is(json!(u64::MAX))),
        (json!(TWO_53_PLUS_1), Int, Is(json!(TWO_53_PLUS_1))),
        (json!(12.0), Int, Is(json!(12))),
        (json!(-0.0), Int, Is(json!(0))),
        (json!(1e18), Int, Is(json!(1_000_000_000_000_000_000u64))),
        (json!(1.5e19), Int, Is(json!(15_000_000_000_000_000_000u64))),
        (json!(-9.223_372_036_854_776e18), Int, Is(json!(i64::MIN))),
        (json!(1e20), Int, Fails(OutOfRange)),
        (json!(-1e19), Int, Fails(OutOfRange)),
        (json!(12.5), Int, Fails(Fractional)),
        (json!(true), Int, Is(json!(1))),
        (json!(false), Int, Is(json!(0))),
        (json!([1]), Int, Fails(WrongKind("array"))),
        (json!({"a": 1}), Int, Fails(WrongKind("object"))),
        (json!(null), Int, Is(json!(null))),
        // ---- float from text
        (json!("95.5"), Float, Is(json!(95.5))),
        (json!(" 95.5 "), Float, Is(json!(95.5))),
        (json!("42"), Float, Is(json!(42.0))),
        (json!("12.0"), Float, Is(json!(12.0))),
        (json!("1e3"), Float, Is(json!(1000.0))),
        (json!("-2.5E-3"), Float, Is(json!(-0.0025))),
        (json!(".5"), Float, Is(json!(0.5))),
        (json!("5."), Float, Is(json!(5.0))),
        (json!("+1.25"), Float, Is(json!(1.25))),
        (json!("1,234,567.25"), Float, Is(json!(1_234_567.25))),
        (json!("-0.0"), Float, Is(json!(-0.0))),
        (json!("inf"), Float, Fails(NotANumber)),
        (json!("-Infinity"), Float, Fails(NotANumber)),
        (json!("NaN"), Float, Fails(NotANumber)),
        (json!("1e400"), Float, Fails(NotFinite)),
        (json!("30 years"), Float, Fails(NotANumber)),
        (json!("0x1A"), Float, Fails(NotANumber)),
        (json!("1,23.5"), Float, Fails(NotANumber)),
        (json!("."), Float, Fails(NotANumber)),
        (json!("1e"), Float, Fails(NotANumber)),
        (json!("e5"), Float, Fails(NotANumber)),
        (json!("1.2.3"), Float, Fails(NotANumber)),
        // ---- float from text: nothing lost (see `cast::float` for the rule)
        (json!("0.1"), Float, Is(json!(0.1))),
        (json!("12.5"), Float, Is(json!(12.5))),
        (json!("1,234.5"), Float, Is(json!(1234.5))),
        (
            json!("0.30000000000000004"),
            Float,
            Is(json!(0.300_000_000_000_000_04)),
        ),
        (json!("0.10000000000000001"), Float, Is(json!(0.1))),
        (
            json!("9007199254740992"),
            Float,
            Is(json!(9_007_199_254_740_992.0)),
        ),
        (
            json!("72057594037927936"),
            Float,
            Is(json!(72_057_594_037_927_936.0)),
        ),
        (json!("9007199254740993"), Float, Fails(Imprecise)),
        (json!("9,007,199,254,740,993"), Float, Fails(Imprecise)),
        (json!("18014398509481985"), Float, Fails(Imprecise)),
        (json!("1234567890123456789012345"), Float, Fails(Imprecise)),
        (json!("1e-400"), Float, Fails(Underflow)),
        (json!("-2.5e-330"), Float, Fails(Underflow)),
        (json!("3e-324"), Float, Fails(Imprecise)),
        (json!("5e-324"), Float, Is(json!(5e-324))),
        (json!("1e309"), Float, Fails(NotFinite)),
        (json!("0e-999"), Float, Is(json!(0.0))),
        (json!("123456789012345678901"), Int, Fails(OutOfRange)),
        (json!(""), Float, Is(json!(null))),
        // ---- float from numbers, bools, containers, null
        (json!(95.5), Float, Is(json!(95.5))),
        (json!(-0.0), Float, Is(json!(-0.0))),
        (json!(42), Float, Is(json!(42.0))),
        (
            json!(9_007_199_254_740_992u64),
            Float,
            Is(json!(9_007_199_254_740_992.0)),
        ),
        (json!(TWO_53_PLUS_1), Float, Fails(Imprecise)),
        (json!(u64::MAX), Float, Fails(Imprecise)),
        (json!(i64::MIN), Float, Is(json!(-9.223_372_036_854_776e18))),
        (json!(i64::MAX), Float, Fails(Imprecise)),
        (json!(true), Float, Is(json!(1.0))),
        (json!(false), Float, Is(json!(0.0))),
        (json!([1.5]), Float, Fails(WrongKind("array"))),
        (json!({}), Float, Fails(WrongKind("object"))),
        (json!(null), Float, Is(json!(null))),
        // ---- bool
        (json!("true"), Bool, Is(json!(true))),
        (json!(" Yes "), Bool, Is(json!(true))),
        (json!("T"), Bool, Is(json!(true))),
        (json!("y"), Bool, Is(json!(true))),
        (json!("1"), Bool, Is(json!(true))),
        (json!("ON"), Bool, Is(json!(true))),
        (json!("FALSE"), Bool, Is(json!(false))),
        (json!("False"), Bool, Is(json!(false))),
        (json!("f"), Bool, Is(json!(false))),
        (json!("No"), Bool, Is(json!(false))),
        (json!("n"), Bool, Is(json!(false))),
        (json!("0"), Bool, Is(json!(false))),
        (json!("off"), Bool, Is(json!(false))),
        (json!("enabled"), Bool, Fails(NotABoolean)),
        (json!("2"), Bool, Fails(NotABoolean)),
        (json!("1.0"), Bool, Fails(NotABoolean)),
        (json!("yes please"), Bool, Fails(NotABoolean)),
        (json!(""), Bool, Is(json!(null))),
        (json!(1), Bool, Is(json!(true))),
        (json!(0), Bool, Is(json!(false))),
        (json!(1.0), Bool, Is(json!(true))),
        (json!(0.0), Bool, Is(json!(false))),
        (json!(-0.0), Bool, Is(json!(false))),
        (json!(2), Bool, Fails(NotABoolean)),
        (json!(0.5), Bool, Fails(NotABoolean)),
        (json!(-1), Bool, Fails(NotABoolean)),
        (json!(true), Bool, Is(json!(true))),
        (json!(false), Bool, Is(json!(false))),
        (json!([true]), Bool, Fails(WrongKind("array"))),
        (json!({"a": true}), Bool, Fails(WrongKind("object"))),
        (json!(null), Bool, Is(json!(null))),
        // ---- list
        (
            json!(r#"["item1", "item2"]"#),
            List,
            Is(json!(["item1", "item2"])),
        ),
        (
            json!(r#" [1, [2, 3], null] "#),
            List,
            Is(json!([1, [2, 3], null])),
        ),
        (json!("[]"), List, Is(json!([]))),
        (json!("item1"), List, Is(json!(["item1"]))),
        (json!("  item1  "), List, Is(json!(["item1"]))),
        (json!("[not json"), List, Is(json!(["[not json"]))),
        (json!(r#"{"a": 1}"#), List, Is(json!([r#"{"a": 1}"#]))),
        (json!(""), List, Is(json!(null))),
        (json!(5), List, Is(json!([5]))),
        (json!(2.5), List, Is(json!([2.5]))),
        (json!(true), List, Is(json!([true]))),
        (json!([1, "a", [null]]), List, Is(json!([1, "a", [null]]))),
        (json!([]), List, Is(json!([]))),
        (json!({"a": 1}), List, Fails(WrongKind("object"))),
        (json!(null), List, Is(json!(null))),
        // ---- list[str]
        (json!(["a", " b "]), ListStr, Is(json!(["a", " b "]))),
        (
            json!([1, 2.5, true, [1]]),
            ListStr,
            Is(json!(["1", "2.5", "true", "[1]"])),
        ),
        (json!(r#"["x", "y"]"#), ListStr, Is(json!(["x", "y"]))),
        (json!("solo"), ListStr, Is(json!(["solo"]))),
        (json!(7), ListStr, Is(json!(["7"]))),
        (json!(["a", null]), ListStr, Fails(NullElement)),
        (json!({"a": "b"}), ListStr, Fails(WrongKind("object"))),
        (json!(""), ListStr, Is(json!(null))),
        (json!(null), ListStr, Is(json!(null))),
        // ---- list[int]
        (json!([1, 2, 3]), ListInt, Is(json!([1, 2, 3]))),
        (
            json!(["1", " 2 ", "3.0", "1,000"]),
            ListInt,
            Is(json!([1, 2, 3, 1000])),
        ),
        (json!("[1, 2, 3]"), ListInt, Is(json!([1, 2, 3]))),
        (json!(r#"["4", 5.0]"#), ListInt, Is(json!([4, 5]))),
        (json!("1,234"), ListInt, Is(json!([1234]))),
        (json!(5), ListInt, Is(json!([5]))),
        (json!(true), ListInt, Is(json!([1]))),
        (json!([1, 2.5]), ListInt, Fails(Fractional)),
        (json!([1, "x"]), ListInt, Fails(NotAnInteger)),
        (json!([1, null]), ListInt, Fails(NullElement)),
        (json!([1, ""]), ListInt, Fails(NullElement)),
        (json!([[1]]), ListInt, Fails(WrongKind("array"))),
        (json!("1, 2, 3"), ListInt, Fails(NotAnInteger)),
        (json!(null), ListInt, Is(json!(null))),
        // ---- list[float]
        (
            json!([1.5, 2.7, 3.25]),
            ListFloat,
            Is(json!([1.5, 2.7, 3.25])),
        ),
        (
            json!([1, "2.5", "1e2"]),
            ListFloat,
            Is(json!([1.0, 2.5, 100.0])),
        ),
        (json!("[1.5, 2]"), ListFloat, Is(json!([1.5, 2.0]))),
        (json!(["nan"]), ListFloat, Fails(NotANumber)),
        (json!([TWO_53_PLUS_1]), ListFloat, Fails(Imprecise)),
        (json!([null]), ListFloat, Fails(NullElement)),
        (json!(""), ListFloat, Is(json!(null))),
        // ---- list[bool]
        (
            json!([true, "no", 1, "ON"]),
            ListBool,
            Is(json!([true, false, true, true])),
        ),
        (json!("[true, false]"), ListBool, Is(json!([true, false]))),
        (json!("yes"), ListBool, Is(json!([true]))),
        (json!(["maybe"]), ListBool, Fails(NotABoolean)),
        (json!([true, null]), ListBool, Fails(NullElement)),
        (json!({"a": true}), ListBool, Fails(WrongKind("object"))),
        (json!(null), ListBool, Is(json!(null))),
        // ---- dict
        (json!({"key": "value"}), Dict, Is(json!({"key": "value"}))),
        (
            json!(r#"{"key": "value"}"#),
            Dict,
            Is(json!({"key": "value"})),
        ),
        (
            json!(r#"  {"a": {"b": [1]}}  "#),
            Dict,
            Is(json!({"a": {"b": [1]}})),
        ),
        (json!("{}"), Dict, Is(json!({}))),
        (json!(""), Dict, Is(json!(null))),
        (json!("key=value"), Dict, Fails(NotAnObjectText)),
        (json!("[1, 2]"), Dict, Fails(NotAnObjectText)),
        (json!(r#"{"a": 1"#), Dict, Fails(NotAnObjectText)),
        (json!(5), Dict, Fails(WrongKind("number"))),
        (json!(true), Dict, Fails(WrongKind("boolean"))),
        (json!([{"a": 1}]), Dict, Fails(WrongKind("array"))),
        (json!(null), Dict, Is(json!(null))),
    ]
}

#[test]
fn every_cell_of_the_casting_table() {
    let mut failures = Vec::new();
    for (input, ty, want) in rows() {
        let got = cast(&input, ty);
        let ok = match (&want, &got) {
            (Is(expected), Ok(value)) => same_json(expected, value),
            (Fails(reason), Err(err)) => {
                err.reason() == *reason
                    && err.wanted().element().map_or(err.wanted() == ty, |_| true)
            }
            _ => false,
        };
        if !ok {
            let wanted = match &want {
                Is(v) => format!("Ok({v})"),
                Fails(r) => format!("Err({r:?})"),
            };
            failures.push(format!("cast({input}, {ty}) = {got:?}, wanted {wanted}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Equal as JSON, with integers and floats kept apart (`12` is not `12.0`) and the sign of
/// zero compared.
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.is_f64() == y.is_f64()
                && match (x.as_f64(), y.as_f64()) {
                    (Some(fx), Some(fy)) if x.is_f64() => fx.to_bits() == fy.to_bits(),
                    _ => x == y,
                }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same_json(va, vb))
        }
        _ => a == b,
    }
}

/// serde_json (without `arbitrary_precision`) reads an integer literal beyond the 64-bit range
/// as the nearest float, before casting sees it. Casting then cannot tell it from a float
/// literal: as `int` it is out of range (an error, never a rounded integer); as `float` it is
/// that nearest float; as `str` its digits are the float's. Text keeps every digit.
#[test]
fn json_integers_beyond_64_bits_arrive_as_floats() {
    let big: Value = serde_json::from_str("18446744073709551617").unwrap();
    assert!(big.is_f64());
    assert_eq!(cast(&big, Int).unwrap_err().reason(), OutOfRange);
    assert_eq!(
        cast(&big, Float).unwrap(),
        json!(18_446_744_073_709_551_616.0)
    );
    assert_eq!(cast(&big, Str).unwrap(), json!("1.8446744073709552e+19"));
    let text = json!("18446744073709551617");
    assert_eq!(cast(&text, Int).unwrap_err().reason(), OutOfRange);
    assert_eq!(cast(&text, Float).unwrap_err().reason(), Imprecise);
    assert_eq!(cast(&text, Str).unwrap(), text);
    // Within range, integer literals arrive exactly.
    let max: Value = serde_json::from_str("18446744073709551615").unwrap();
    assert_eq!(cast(&max, Int).unwrap(), json!(u64::MAX));
    assert_eq!(cast(&max, Float).unwrap_err().reason(), Imprecise);
}

#[test]
fn list_errors_name_the_failing_index() {
    let err = cast(&json!([1, 2, "three", 4]), ListInt).unwrap_err();
    match &err {
        CastError::Element { index, wanted, .. } => {
            assert_eq!(*index, 2);
            assert_eq!(*wanted, ListInt);
        }
        other => panic!("expected an element error, got {other:?}"),
    }
    assert_eq!(err.value(), "\"three\"");
    assert!(
        err.to_string().starts_with("element 2 of the list[int]: "),
        "{err}"
    );
}

#[test]
fn errors_shorten_long_values() {
    let long = "x".repeat(500);
    let err = cast(&json!(long), Int).unwrap_err();
    assert!(err.value().chars().count() <= 80, "{}", err.value());
    assert!(err.value().ends_with("..."));
    assert!(err.to_string().len() < 160, "{err}");
}

#[test]
fn errors_read_well() {
    let cases = [
        (
            json!("30 years"),
            Int,
            r#"cannot cast "30 years" to int: not a whole number"#,
        ),
        (
            json!("inf"),
            Float,
            r#"cannot cast "inf" to float: not a decimal number"#,
        ),
        (
            json!("enabled"),
            Bool,
            "cannot cast \"enabled\" to bool: not a boolean (expected true/t/yes/y/1/on or false/f/no/n/0/off)",
        ),
        (
            json!([1]),
            Dict,
            "cannot cast [1] to dict: a JSON array cannot become this type",
        ),
    ];
    for (value, ty, text) in cases {
        assert_eq!(cast(&value, ty).unwrap_err().to_string(), text);
    }
}
