//! Whole numbers: the text grammar (`[+-]digits`, `digits.0…`, strict thousands groups) and
//! the range and fraction checks for numbers.

use std::borrow::Cow;

use serde_json::Number;

use super::error::CastReason;

/// 2^63 and 2^64 are exact in f64, so comparisons against them are exact.
const TWO_63: f64 = 9_223_372_036_854_775_808.0;
const TWO_64: f64 = 18_446_744_073_709_551_616.0;

/// A JSON number as a whole number: integers as they are, floats only when integral and in
/// `i64::MIN..=u64::MAX`.
pub(crate) fn int_from_number(n: &Number) -> Result<Number, CastReason> {
    if !n.is_f64() {
        return Ok(n.clone());
    }
    let f = n.as_f64().ok_or(CastReason::NotAnInteger)?;
    int_from_f64(f)
}

/// An integral f64 in range as a whole number.
#[inline]
pub(crate) fn int_from_f64(f: f64) -> Result<Number, CastReason> {
    if f.fract() != 0.0 {
        return Err(CastReason::Fractional);
    }
    if (-TWO_63..TWO_63).contains(&f) {
        Ok(Number::from(f as i64))
    } else if (0.0..TWO_64).contains(&f) {
        Ok(Number::from(f as u64))
    } else {
        Err(CastReason::OutOfRange)
    }
}

/// Splits an optional leading sign off `text`: (negative, rest).
#[inline]
pub(super) fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

/// The digits of an integer part written plainly (`1234567`) or in strict thousands groups
/// (`1,234,567`), without the commas; `None` for anything else.
#[inline]
pub(super) fn integer_digits(part: &str) -> Option<Cow<'_, str>> {
    if part.is_empty() {
        return None;
    }
    if part.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Cow::Borrowed(part));
    }
    let mut groups = part.split(',');
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 || !first.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut digits = String::with_capacity(part.len());
    digits.push_str(first);
    for group in groups {
        if group.len() != 3 || !group.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.push_str(group);
    }
    Some(Cow::Owned(digits))
}

/// Trimmed, non-blank text as a whole number.
#[inline]
pub(crate) fn parse_int(text: &str) -> Result<Number, CastReason> {
    match plain_int(text) {
        Some(n) => Ok(n),
        None => parse_int_in_full(text),
    }
}

/// The common case of [`parse_int`]: an optional sign and at most 18 digits, which always fit.
#[inline]
fn plain_int(text: &str) -> Option<Number> {
    let (negative, digits) = split_sign(text);
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut magnitude: u64 = 0;
    for &byte in digits.as_bytes() {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        magnitude = magnitude * 10 + u64::from(digit);
    }
    // Below 10^18, so the negation cannot overflow; -0 is 0.
    Some(if negative && magnitude != 0 {
        Number::from(-(magnitude as i64))
    } else {
        Number::from(magnitude)
    })
}

fn parse_int_in_full(text: &str) -> Result<Number, CastReason> {
    let (negative, unsigned) = split_sign(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = integer_digits(whole).ok_or(CastReason::NotAnInteger)?;
    if let Some(fraction) = fraction {
        if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CastReason::NotAnInteger);
        }
        if fraction.bytes().any(|b| b != b'0') {
            return Err(CastReason::Fractional);
        }
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 20 {
        return Err(CastReason::OutOfRange);
    }
    let magnitude: u128 = if significant.is_empty() {
        0
    } else {
        significant.parse().map_err(|_| CastReason::NotAnInteger)?
    };
    if negative {
        if magnitude == 0 {
            Ok(Number::from(0u64))
        } else if magnitude <= (i64::MAX as u128) + 1 {
            Ok(Number::from((-(magnitude as i128)) as i64))
        } else {
            Err(CastReason::OutOfRange)
        }
    } else {
        u64::try_from(magnitude)
            .map(Number::from)
            .map_err(|_| CastReason::OutOfRange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The common-case path gives what the full one gives.
        #[test]
        fn plain_integers_read_as_in_full(text in "[+-]?[0-9]{0,20}") {
            if let Some(n) = plain_int(&text) {
                proptest::prop_assert_eq!(Ok(n), parse_int_in_full(&text));
            }
        }
    }

    #[test]
    fn plain_integers_table() {
        let rows: &[(&str, Option<Number>)] = &[
            ("1234", Some(Number::from(1234u64))),
            ("-0", Some(Number::from(0u64))),
            ("+007", Some(Number::from(7u64))),
            (
                "-999999999999999999",
                Some(Number::from(-999_999_999_999_999_999i64)),
            ),
            ("9999999999999999999", None),
            ("1,234", None),
            ("12.0", None),
            ("-", None),
        ];
        for (text, want) in rows {
            assert_eq!(&plain_int(text), want, "{text}");
        }
    }
}
