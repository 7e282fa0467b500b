//! A second, plain implementation of the casting table, written for the tests from the table
//! in DESIGN.md and the crate docs, sharing no code with the crate: the oracle the laws
//! compare `cast` with. It is slow and obvious on purpose (exactness of floats is decided with
//! exact integer arithmetic here, not by printing floats as the crate does).

#![allow(dead_code)]

use serde_json::{Map, Number, Value};
use sixtyfour_casting::FieldType;

/// True when `value` is null or of type `ty`.
pub fn is_of_type(value: &Value, ty: FieldType) -> bool {
    match (ty, value) {
        (_, Value::Null) => true,
        (FieldType::Str, Value::String(_)) => true,
        (FieldType::Int, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (FieldType::Float, Value::Number(n)) => n.is_f64(),
        (FieldType::Bool, Value::Bool(_)) => true,
        (FieldType::List, Value::Array(_)) => true,
        (FieldType::Dict, Value::Object(_)) => true,
        (FieldType::ListStr, Value::Array(items)) => items.iter().all(|i| i.is_string()),
        (FieldType::ListInt, Value::Array(items)) => items.iter().all(|i| i.is_i64() || i.is_u64()),
        (FieldType::ListFloat, Value::Array(items)) => items.iter().all(Value::is_f64),
        (FieldType::ListBool, Value::Array(items)) => items.iter().all(Value::is_boolean),
        _ => false,
    }
}

/// The table's answer for `value` as `ty`: a value, or `Err(())`.
pub fn cast(value: &Value, ty: FieldType) -> Result<Value, ()> {
    match ty {
        FieldType::Str => Ok(match value {
            Value::Null => Value::Null,
            Value::String(s) => Value::String(s.clone()),
            Value::Bool(true) => Value::String("true".into()),
            Value::Bool(false) => Value::String("false".into()),
            Value::Number(n) => Value::String(format!("{n}")),
            other => Value::String(serde_json::to_string(other).map_err(|_| ())?),
        }),
        FieldType::Int => match value {
            Value::Null => Ok(Value::Null),
            Value::Bool(b) => Ok(Value::from(if *b { 1u8 } else { 0 })),
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(value.clone()),
            Value::Number(n) => int_of_i128(whole_f64(n.as_f64().ok_or(())?)?),
            Value::String(s) if s.trim().is_empty() => Ok(Value::Null),
            Value::String(s) => int_of_i128(int_text(s.trim())?),
            _ => Err(()),
        },
        FieldType::Float => match value {
            Value::Null => Ok(Value::Null),
            Value::Bool(b) => Ok(Value::from(if *b { 1.0 } else { 0.0 })),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    exact_int_float(i128::from(i))
                } else if let Some(u) = n.as_u64() {
                    exact_int_float(i128::from(u))
                } else {
                    Ok(value.clone())
                }
            }
            Value::String(s) if s.trim().is_empty() => Ok(Value::Null),
            Value::String(s) => float_text(s.trim()).map(Value::from),
            _ => Err(()),
        },
        FieldType::Bool => match value {
            Value::Null => Ok(Value::Null),
            Value::Bool(_) => Ok(value.clone()),
            Value::Number(n) => match n.as_f64() {
                Some(0.0) => Ok(Value::Bool(false)),
                Some(1.0) => Ok(Value::Bool(true)),
                _ => Err(()),
            },
            Value::String(s) if s.trim().is_empty() => Ok(Value::Null),
            Value::String(s) => match s.trim().to_lowercase().as_str() {
                "true" | "t" | "yes" | "y" | "1" | "on" => Ok(Value::Bool(true)),
                "false" | "f" | "no" | "n" | "0" | "off" => Ok(Value::Bool(false)),
                _ => Err(()),
            },
            _ => Err(()),
        },
        FieldType::List => list(value).map(|items| items.map_or(Value::Null, Value::Array)),
        FieldType::ListStr | FieldType::ListInt | FieldType::ListFloat | FieldType::ListBool => {
            let element = match ty {
                FieldType::ListStr => FieldType::Str,
                FieldType::ListInt => FieldType::Int,
                FieldType::ListFloat => FieldType::Float,
                _ => FieldType::Bool,
            };
            let Some(items) = list(value)? else {
                return Ok(Value::Null);
            };
            let mut out = Vec::new();
            for item in &items {
                match cast(item, element)? {
                    Value::Null => return Err(()),
                    cast => out.push(cast),
                }
            }
            Ok(Value::Array(out))
        }
        FieldType::Dict => match value {
            Value::Null => Ok(Value::Null),
            Value::Object(_) => Ok(value.clone()),
            Value::String(s) if s.trim().is_empty() => Ok(Value::Null),
            Value::String(s) => match serde_json::from_str::<Value>(s.trim()) {
                Ok(object @ Value::Object(_)) => Ok(object),
                _ => Err(()),
            },
            _ => Err(()),
        },
    }
}

fn list(value: &Value) -> Result<Option<Vec<Value>>, ()> {
    match value {
        Value::Null => Ok(None),
        Value::Array(items) => Ok(Some(items.clone())),
        Value::Bool(_) | Value::Number(_) => Ok(Some(vec![value.clone()])),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => {
            let text = s.trim();
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Array(items)) if text.starts_with('[') => Ok(Some(items)),
                _ => Ok(Some(vec![Value::String(text.to_owned())])),
            }
        }
        Value::Object(_) => Err(()),
    }
}

fn int_of_i128(i: i128) -> Result<Value, ()> {
    if let Ok(u) = u64::try_from(i) {
        Ok(Value::from(u))
    } else if let Ok(i) = i64::try_from(i) {
        Ok(Value::from(i))
    } else {
        Err(())
    }
}

/// A float that is a whole number, as an integer (out of i128's range is an error).
fn whole_f64(f: f64) -> Result<i128, ()> {
    if f.fract() != 0.0 || f.abs() >= 1e38 {
        return Err(());
    }
    Ok(f as i128)
}

fn exact_int_float(i: i128) -> Result<Value, ()> {
    let f = i as f64;
    if f.abs() < 1e38 && f as i128 == i {
        Ok(Value::from(f))
    } else {
        Err(())
    }
}

/// The digits of an integer part: plain digits, or groups of three after a first group of one
/// to three, separated by commas.
fn integer_part(text: &str) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    if text.chars().all(|c| c.is_ascii_digit()) {
        return Some(text.to_owned());
    }
    let groups: Vec<&str> = text.split(',').collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    let digits_ok = groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()));
    (groups.len() > 1 && first_ok && rest_ok && digits_ok).then(|| groups.concat())
}

fn int_text(text: &str) -> Result<i128, ()> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = match rest.find('.') {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let digits = integer_part(whole).ok_or(())?;
    if let Some(fraction) = fraction
        && (fraction.is_empty() || !fraction.chars().all(|c| c == '0'))
    {
        return Err(());
    }
    let mut value: i128 = 0;
    for c in digits.chars() {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i128::from(c as u8 - b'0')))
            .ok_or(())?;
    }
    Ok(if negative { -value } else { value })
}

/// A decimal as written: its digits (no sign, no point) and the power of ten they are
/// multiplied by.
struct Decimal {
    digits: String,
    scale: i64,
}

fn decimal_text(text: &str) -> Option<Decimal> {
    let rest = text
        .strip_prefix('-')
        .or_else(|| text.strip_prefix('+'))
        .unwrap_or(text);
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let (whole, fraction) = match mantissa.find('.') {
        Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
        None => (mantissa, ""),
    };
    let whole = if whole.is_empty() {
        String::new()
    } else {
        integer_part(whole)?
    };
    if !fraction.chars().all(|c| c.is_ascii_digit()) || whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let exponent: i64 = match exponent {
        None => 0,
        Some(e) => {
            let digits = e
                .strip_prefix('-')
                .or_else(|| e.strip_prefix('+'))
                .unwrap_or(e);
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let magnitude: i64 = digits.parse().unwrap_or(i64::MAX / 4).min(1_000_000);
            if e.starts_with('-') {
                -magnitude
            } else {
                magnitude
            }
        }
    };
    Some(Decimal {
        digits: format!("{whole}{fraction}"),
        scale: exponent - fraction.len() as i64,
    })
}

fn float_text(text: &str) -> Result<f64, ()> {
    let decimal = decimal_text(text).ok_or(())?;
    let f: f64 = text.replace(',', "").parse().map_err(|_| ())?;
    if !f.is_finite() {
        return Err(());
    }
    if decimal.digits.chars().all(|c| c == '0') {
        return Ok(f);
    }
    if f == 0.0 {
        return Err(());
    }
    if shortest_equal(&decimal, f) || rounded_equal(&decimal, f) {
        Ok(f)
    } else {
        Err(())
    }
}

/// The decimal with trailing zeros moved into the scale and leading zeros dropped.
fn normalized(digits: &str, scale: i64) -> (String, i64) {
    let trimmed = digits.trim_start_matches('0');
    let kept = trimmed.trim_end_matches('0');
    (kept.to_owned(), scale + (trimmed.len() - kept.len()) as i64)
}

/// True when the float's shortest round-trip text (Rust's `Display`) is the decimal.
fn shortest_equal(decimal: &Decimal, f: f64) -> bool {
    let text = format!("{}", f.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let printed = normalized(&format!("{whole}{fraction}"), -(fraction.len() as i64));
    printed == normalized(&decimal.digits, decimal.scale)
}

/// True when the float's exact value, rounded half to even to as many significant digits as
/// the decimal has, is the decimal. The exact value is computed with integers: `m * 2^e` is
/// `m * 5^-e` times ten to `e` for a negative `e`.
fn rounded_equal(decimal: &Decimal, f: f64) -> bool {
    let (digits, scale) = normalized(&decimal.digits, decimal.scale);
    if digits.len() > 800 || scale.abs() > 2000 {
        return false;
    }
    let bits = f.abs().to_bits();
    let exponent_bits = (bits >> 52) as i64;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, power_of_two) = if exponent_bits == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), exponent_bits - 1075)
    };
    let mut exact = Big::from_u64(mantissa);
    let exact_scale = if power_of_two >= 0 {
        exact.times(2, power_of_two as u32);
        0
    } else {
        exact.times(5, (-power_of_two) as u32);
        power_of_two
    };
    let exact_digits = exact.to_decimal();
    // Keep as many digits as the decimal has, rounding half to even.
    let keep = digits.len();
    if exact_digits.len() <= keep {
        return normalized(&exact_digits, exact_scale) == (digits, scale);
    }
    let dropped = exact_digits.len() - keep;
    let (head, tail) = exact_digits.split_at(keep);
    let mut head: Vec<u8> = head.bytes().map(|b| b - b'0').collect();
    let first = tail.as_bytes()[0] - b'0';
    let rest_nonzero = tail[1..].bytes().any(|b| b != b'0');
    let odd = head.last().is_some_and(|d| d % 2 == 1);
    if first > 5 || first == 5 && (rest_nonzero || odd) {
        let mut at = head.len();
        loop {
            if at == 0 {
                head.insert(0, 1);
                break;
            }
            at -= 1;
            if head[at] == 9 {
                head[at] = 0;
            } else {
                head[at] += 1;
                break;
            }
        }
    }
    let head: String = head.iter().map(|d| char::from(b'0' + d)).collect();
    normalized(&head, exact_scale + dropped as i64) == (digits, scale)
}

/// A plain unsigned big integer, little-endian base 2^32.
#[derive(PartialEq, Eq, Debug)]
struct Big(Vec<u32>);

impl Big {
    fn from_u64(n: u64) -> Self {
        let mut big = Big(vec![n as u32, (n >> 32) as u32]);
        big.trim();
        big
    }

    fn times(&mut self, factor: u32, count: u32) {
        for _ in 0..count {
            let mut carry = 0u64;
            for limb in &mut self.0 {
                let product = u64::from(*limb) * u64::from(factor) + carry;
                *limb = product as u32;
                carry = product >> 32;
            }
            if carry > 0 {
                self.0.push(carry as u32);
            }
        }
    }

    /// Decimal digits, most significant first.
    fn to_decimal(&self) -> String {
        let mut limbs = self.0.clone();
        let mut chunks = Vec::new();
        while limbs.iter().any(|l| *l != 0) {
            let mut remainder = 0u64;
            for limb in limbs.iter_mut().rev() {
                let current = (remainder << 32) | u64::from(*limb);
                *limb = (current / 1_000_000_000) as u32;
                remainder = current % 1_000_000_000;
            }
            chunks.push(remainder);
        }
        match chunks.split_last() {
            None => "0".to_owned(),
            Some((top, rest)) => {
                let mut text = top.to_string();
                for chunk in rest.iter().rev() {
                    text.push_str(&format!("{chunk:09}"));
                }
                text
            }
        }
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }
}

/// The JSON kind a value stands for when it is an example or a lead's input.
pub fn type_of_value(value: &Value) -> Option<FieldType> {
    let scalar = |v: &Value| match v {
        Value::Bool(_) => Some(FieldType::Bool),
        Value::Number(n) if n.is_f64() => Some(FieldType::Float),
        Value::Number(_) => Some(FieldType::Int),
        Value::String(_) => Some(FieldType::Str),
        _ => None,
    };
    match value {
        Value::Null => None,
        Value::Object(_) => Some(FieldType::Dict),
        Value::Array(items) => {
            let kinds: Vec<Option<FieldType>> = items.iter().map(scalar).collect();
            if kinds.is_empty() || kinds.iter().any(Option::is_none) {
                return Some(FieldType::List);
            }
            let kinds: Vec<FieldType> = kinds.into_iter().flatten().collect();
            let all = |k: FieldType| kinds.iter().all(|x| *x == k);
            let numeric = kinds
                .iter()
                .all(|k| matches!(k, FieldType::Int | FieldType::Float));
            Some(if all(FieldType::Str) {
                FieldType::ListStr
            } else if all(FieldType::Int) {
                FieldType::ListInt
            } else if numeric {
                FieldType::ListFloat
            } else if all(FieldType::Bool) {
                FieldType::ListBool
            } else {
                FieldType::List
            })
        }
        other => scalar(other),
    }
}

/// Equal as JSON, integers kept apart from floats and floats compared bit for bit.
pub fn same(a: &Value, b: &Value) -> bool {
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
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => a == b,
    }
}

/// A number for tests that cannot fail to build.
pub fn number(n: f64) -> Value {
    Number::from_f64(n).map_or(Value::Null, Value::Number)
}

pub fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}
