//! Lenient readings of loose values: the live API sends nulls for empty text, `[]` for an
//! empty map, numbers as text and counts as floats. Each rule is a small pure function.

use serde_json::{Map, Number, Value};

/// Text: a string as is, null as empty, any other value as its compact JSON.
pub fn text(value: Value) -> String {
    match value {
        Value::String(text) => text,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Optional text: null and absent are `None`, other values as [`text`].
pub fn optional_text(value: Option<Value>) -> Option<String> {
    match value {
        None | Some(Value::Null) => None,
        Some(value) => Some(text(value)),
    }
}

/// A number that may come as text (`"9.5"`, `" 9 "`); `None` for null, blank or unreadable
/// text, and non-finite values.
pub fn number(value: &Value) -> Option<f64> {
    let n = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(text) => text.trim().parse::<f64>().ok(),
        _ => None,
    }?;
    n.is_finite().then_some(n)
}

/// A count: a non-negative integer that may come as a float with no fraction (`0.0`) or as
/// text; `None` otherwise.
pub fn count(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| whole(n.as_f64()?)),
        Value::String(text) => {
            let text = text.trim();
            text.parse::<u64>()
                .ok()
                .or_else(|| whole(text.parse().ok()?))
        }
        _ => None,
    }
}

fn whole(f: f64) -> Option<u64> {
    // 2^64 as f64; every whole float below it fits a u64 exactly.
    const LIMIT: f64 = 18_446_744_073_709_551_616.0;
    (f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < LIMIT).then_some(f as u64)
}

/// A map: an object as is; null, absent and `[]` as empty; an array of URLs (strings) or of
/// `{url, description|title}` objects as URL to description.
pub fn references(value: Option<Value>) -> Map<String, Value> {
    match value {
        Some(Value::Object(map)) => map,
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|item| match item {
                Value::String(url) => Some((url, Value::String(String::new()))),
                Value::Object(mut entry) => {
                    let url = entry.remove("url").and_then(|u| match u {
                        Value::String(url) => Some(url),
                        _ => None,
                    })?;
                    let about = entry
                        .remove("description")
                        .or_else(|| entry.remove("title"))
                        .map_or_else(String::new, text);
                    Some((url, Value::String(about)))
                }
                _ => None,
            })
            .collect(),
        _ => Map::new(),
    }
}

/// A per-field confidence: a whole number from 0 to 100 (a float is rounded, text is read);
/// anything else is `None`.
pub fn percent(value: &Value) -> Option<u8> {
    let n = number(value)?.round();
    (0.0..=100.0).contains(&n).then_some(n as u8)
}

/// A JSON number from an f64, or null when it is not finite.
pub fn f64_value(n: f64) -> Value {
    Number::from_f64(n).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_and_counts() {
        let numbers = [
            (json!(9.5), Some(9.5)),
            (json!("9.5"), Some(9.5)),
            (json!(" 7 "), Some(7.0)),
            (json!(""), None),
            (json!("high"), None),
            (json!("NaN"), None),
            (json!("inf"), None),
            (json!(null), None),
            (json!(true), None),
        ];
        for (value, want) in numbers {
            assert_eq!(number(&value), want, "{value}");
        }
        let counts = [
            (json!(0), Some(0)),
            (json!(0.0), Some(0)),
            (json!(3.0), Some(3)),
            (json!("12"), Some(12)),
            (json!("4.0"), Some(4)),
            (json!(2.5), None),
            (json!(-1), None),
            (json!(-1.0), None),
            (json!(1e30), None),
            (json!("x"), None),
            (json!(null), None),
        ];
        for (value, want) in counts {
            assert_eq!(count(&value), want, "{value}");
        }
    }

    #[test]
    fn references_accept_the_loose_shapes() {
        assert_eq!(references(None), Map::new());
        assert_eq!(references(Some(json!(null))), Map::new());
        assert_eq!(references(Some(json!([]))), Map::new());
        assert_eq!(references(Some(json!("x"))), Map::new());
        let object = json!({"https://a.example": "About A"});
        assert_eq!(Value::Object(references(Some(object.clone()))), object);
        assert_eq!(
            Value::Object(references(Some(json!([
                "https://a.example",
                {"url": "https://b.example", "title": "B"},
                {"title": "no url"},
                3
            ])))),
            json!({"https://a.example": "", "https://b.example": "B"})
        );
    }

    #[test]
    fn percents_and_text() {
        let rows = [
            (json!(95), Some(95)),
            (json!(95.4), Some(95)),
            (json!("80"), Some(80)),
            (json!(101), None),
            (json!(-1), None),
            (json!(null), None),
            (json!("n/a"), None),
        ];
        for (value, want) in rows {
            assert_eq!(percent(&value), want, "{value}");
        }
        assert_eq!(text(json!(null)), "");
        assert_eq!(text(json!(["a"])), "[\"a\"]");
        assert_eq!(optional_text(Some(json!(null))), None);
        assert_eq!(
            optional_text(Some(json!({"code": 1}))),
            Some("{\"code\":1}".into())
        );
        assert_eq!(f64_value(f64::NAN), Value::Null);
    }
}
