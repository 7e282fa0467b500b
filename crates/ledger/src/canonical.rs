//! Canonical JSON and the content hash of a request: the same body always hashes the same,
//! whatever the order of its object keys.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The body as compact JSON with every object's keys sorted (by their UTF-8 bytes),
/// recursively; arrays keep their order, numbers and strings print as serde_json prints them.
///
/// ```
/// use serde_json::json;
/// use sixtyfour_ledger::canonical_json;
///
/// let a = json!({"b": 1, "a": {"y": [2, 1], "x": null}});
/// let b = json!({"a": {"x": null, "y": [2, 1]}, "b": 1});
/// assert_eq!(canonical_json(&a), r#"{"a":{"x":null,"y":[2,1]},"b":1}"#);
/// assert_eq!(canonical_json(&a), canonical_json(&b));
/// ```
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The SHA-256 of a body's canonical JSON, as 64 lower-case hex digits.
///
/// ```
/// use serde_json::json;
/// use sixtyfour_ledger::content_hash;
///
/// let hash = content_hash(&json!({"lead_info": {"name": "Ada"}, "struct": {"email": "Email"}}));
/// assert_eq!(hash.len(), 64);
/// assert_eq!(hash, content_hash(&json!({"struct": {"email": "Email"}, "lead_info": {"name": "Ada"}})));
/// assert_ne!(hash, content_hash(&json!({"lead_info": {"name": "Bo"}, "struct": {"email": "Email"}})));
/// ```
pub fn content_hash(body: &Value) -> String {
    hex(&Sha256::digest(canonical_json(body).as_bytes()))
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 15)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_forms() {
        let rows = [
            (json!(null), "null"),
            (json!("a\"b\n"), r#""a\"b\n""#),
            (json!(1.5), "1.5"),
            (json!([{"b": 1, "a": 2}]), r#"[{"a":2,"b":1}]"#),
            (json!({"é": 1, "e": 2, "E": 3}), r#"{"E":3,"e":2,"é":1}"#),
            (json!({}), "{}"),
        ];
        for (value, want) in rows {
            assert_eq!(canonical_json(&value), want);
        }
    }

    #[test]
    fn hex_digits() {
        assert_eq!(hex(&[0, 15, 16, 255]), "000f10ff");
    }
}
