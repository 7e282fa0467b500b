//! Floats: the decimal text grammar, and the rule that nothing is lost on the way to a 64-bit
//! float.
//!
//! # Exactness
//!
//! Text becomes the nearest 64-bit float only when reading it and printing the float back
//! gives the same number, printed either way Rust prints floats:
//!
//! - in the float's shortest round-trip form (what Rust, Python and JavaScript print):
//!   `"0.1"`, `"12.5"`, `"1e3"`, `"0.30000000000000004"`; or
//! - rounded to as many significant digits as the text has: `"9007199254740992"`,
//!   `"72057594037927936"` (2^56, exactly), `"0.10000000000000001"` (the 17 digits C's `%.17g`
//!   prints for 0.1), `"1267650600228229401496703205376"` (2^100, exactly).
//!
//! Everything else would silently change the number and is an error: `"9007199254740993"`
//! (2^53 + 1, read as 2^53) and `"1234567890123456789012345"` (more digits than the nearest
//! float keeps) are [`Imprecise`](CastReason::Imprecise), `"1e-400"` is
//! [`Underflow`](CastReason::Underflow), `"1e400"` is [`NotFinite`](CastReason::NotFinite).
//! Text with at most 15 significant digits whose float is normal always passes (any such
//! decimal survives the trip to a float and back), which is the cheap common case.

use std::fmt::Write as _;

use serde_json::Number;

use super::error::CastReason;
use super::int::{integer_digits, split_sign};

/// A JSON number as a float: floats as they are; integers only when a float holds them exactly.
pub(crate) fn float_from_number(n: &Number) -> Result<f64, CastReason> {
    if let Some(u) = n.as_u64() {
        float_from_u64(u)
    } else if let Some(i) = n.as_i64() {
        float_from_i64(i)
    } else {
        n.as_f64().ok_or(CastReason::NotANumber)
    }
}

/// `u` as a float, when the float is exactly `u`.
#[inline]
pub(crate) fn float_from_u64(u: u64) -> Result<f64, CastReason> {
    let f = u as f64;
    // 2^64 itself is out of u64's range, so the saturating conversion back cannot hide it.
    if f < 18_446_744_073_709_551_616.0 && f as u64 == u {
        Ok(f)
    } else {
        Err(CastReason::Imprecise)
    }
}

/// `i` as a float, when the float is exactly `i`.
#[inline]
pub(crate) fn float_from_i64(i: i64) -> Result<f64, CastReason> {
    let f = i as f64;
    if f < 9_223_372_036_854_775_808.0 && f as i64 == i {
        Ok(f)
    } else {
        Err(CastReason::Imprecise)
    }
}

/// A decimal number as written, checked against the grammar: sign, integer part (plain or
/// strict thousands groups), fraction, exponent.
struct Decimal<'a> {
    /// The integer part's digits, without group commas.
    whole: std::borrow::Cow<'a, str>,
    /// The fraction's digits.
    fraction: &'a str,
    /// The written exponent, saturated far beyond any float's range.
    exponent: i64,
}

/// Far beyond the exponent of any float (about ±324) plus any sane digit count.
const EXPONENT_CAP: i64 = 1_000_000_000;

impl<'a> Decimal<'a> {
    /// Reads trimmed text; `None` when it is not a decimal number.
    fn read(text: &'a str) -> Option<Self> {
        let (_, unsigned) = split_sign(text);
        let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
            Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
            None => (unsigned, None),
        };
        let (whole, fraction) = match mantissa.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (mantissa, ""),
        };
        let whole = if whole.is_empty() {
            std::borrow::Cow::Borrowed("")
        } else {
            integer_digits(whole)?
        };
        if !fraction.bytes().all(|b| b.is_ascii_digit()) || whole.is_empty() && fraction.is_empty()
        {
            return None;
        }
        let exponent = match exponent {
            None => 0,
            Some(exponent) => {
                let (negative, digits) = split_sign(exponent);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let magnitude = digits.bytes().fold(0i64, |acc, b| {
                    (acc * 10 + i64::from(b - b'0')).min(EXPONENT_CAP)
                });
                if negative { -magnitude } else { magnitude }
            }
        };
        Some(Decimal {
            whole,
            fraction,
            exponent,
        })
    }

    /// All written digits, integer part then fraction.
    fn digits(&self) -> impl DoubleEndedIterator<Item = u8> + Clone + '_ {
        self.whole.bytes().chain(self.fraction.bytes())
    }

    /// The significant digits (no leading or trailing zeros) and the power of ten they are
    /// multiplied by; `None` for zero.
    fn significant(&self) -> Option<Significant> {
        let total = self.whole.len() + self.fraction.len();
        let leading = self.digits().take_while(|d| *d == b'0').count();
        if leading == total {
            return None;
        }
        let trailing = self.digits().rev().take_while(|d| *d == b'0').count();
        let count = total - leading - trailing;
        let scale = self
            .exponent
            .saturating_sub(self.fraction.len() as i64)
            .saturating_add(trailing as i64);
        Some(Significant {
            skip: leading,
            count,
            scale,
        })
    }
}

/// Where a decimal's significant digits are: `count` digits after `skip` leading zeros, times
/// ten to the `scale`.
struct Significant {
    skip: usize,
    count: usize,
    scale: i64,
}

/// Trimmed, non-blank text as a float, under the exactness rule in the module docs.
#[inline]
pub(crate) fn parse_float(text: &str) -> Result<f64, CastReason> {
    match plain_float(text) {
        Some(f) => Ok(f),
        None => parse_float_in_full(text),
    }
}

/// Exact powers of ten up to the largest one a 64-bit float holds exactly.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The common case of [`parse_float`]: `[+-]digits.digits` with at most 15 significant digits
/// and at most 22 after the point, and no exponent or group commas. Such a number always passes
/// the exactness rule, and its float is the significand (exact below 2^53) divided by an exact
/// power of ten: one correctly rounded operation, so the same float as `str::parse` gives.
#[inline]
fn plain_float(text: &str) -> Option<f64> {
    let (negative, unsigned) = split_sign(text);
    let mut significand: u64 = 0;
    let mut significant_digits = 0usize;
    let mut fraction_digits = 0usize;
    let mut point = false;
    let mut any_digit = false;
    for &byte in unsigned.as_bytes() {
        match byte {
            b'0'..=b'9' => {
                any_digit = true;
                fraction_digits += usize::from(point);
                if significand == 0 && byte == b'0' {
                    continue;
                }
                significant_digits += 1;
                if significant_digits > 15 {
                    return None;
                }
                significand = significand * 10 + u64::from(byte - b'0');
            }
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    if !any_digit || fraction_digits >= POWERS_OF_TEN.len() {
        return None;
    }
    let magnitude = significand as f64 / POWERS_OF_TEN[fraction_digits];
    Some(if negative { -magnitude } else { magnitude })
}

fn parse_float_in_full(text: &str) -> Result<f64, CastReason> {
    let decimal = Decimal::read(text).ok_or(CastReason::NotANumber)?;
    let parsed = if text.contains(',') {
        text.replace(',', "").parse::<f64>()
    } else {
        text.parse::<f64>()
    };
    let f = parsed.map_err(|_| CastReason::NotANumber)?;
    if !f.is_finite() {
        return Err(CastReason::NotFinite);
    }
    let Some(significant) = decimal.significant() else {
        return Ok(f);
    };
    if f == 0.0 {
        return Err(CastReason::Underflow);
    }
    if significant.count <= 15 && f.is_normal() {
        return Ok(f);
    }
    if same_value(&decimal, &significant, &shortest(f)) {
        return Ok(f);
    }
    // A float's exact decimal value has at most 767 significant digits, so longer text never
    // prints back the same.
    if significant.count <= 767
        && same_value(&decimal, &significant, &rounded(f, significant.count))
    {
        return Ok(f);
    }
    Err(CastReason::Imprecise)
}

/// Scientific text of `f`'s magnitude in its shortest round-trip form (`1.25e1`).
fn shortest(f: f64) -> String {
    let mut text = String::with_capacity(32);
    // Writing to a String cannot fail.
    let _ = write!(text, "{:e}", f.abs());
    text
}

/// Scientific text of `f`'s magnitude rounded to `digits` significant digits (from its exact
/// binary value, half to even).
fn rounded(f: f64, digits: usize) -> String {
    let mut text = String::with_capacity(digits + 8);
    let _ = write!(text, "{:.*e}", digits.saturating_sub(1), f.abs());
    text
}

/// True when scientific text (`d.ddde±x`) has the same value as the decimal.
fn same_value(decimal: &Decimal<'_>, significant: &Significant, scientific: &str) -> bool {
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return false;
    };
    let Ok(exponent) = exponent.parse::<i64>() else {
        return false;
    };
    let digits = mantissa.bytes().filter(u8::is_ascii_digit);
    let total = digits.clone().count();
    let trailing = digits.clone().rev().take_while(|d| *d == b'0').count();
    let count = total - trailing;
    // `d.ddd` times ten to `exponent` is `dddd` times ten to `exponent - (total - 1)`.
    let scale = exponent - (total as i64 - 1) + trailing as i64;
    count == significant.count
        && scale == significant.scale
        && digits
            .take(count)
            .eq(decimal.digits().skip(significant.skip).take(count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactness_table() {
        use CastReason::*;
        let rows: &[(&str, Result<f64, CastReason>)] = &[
            ("12.5", Ok(12.5)),
            ("0.1", Ok(0.1)),
            ("95.5", Ok(95.5)),
            ("1e3", Ok(1000.0)),
            ("1,234.5", Ok(1234.5)),
            ("-0.0", Ok(-0.0)),
            ("0e-999", Ok(0.0)),
            ("000.000", Ok(0.0)),
            ("0.30000000000000004", Ok(0.300_000_000_000_000_04)),
            ("9007199254740992", Ok(9_007_199_254_740_992.0)),
            ("9007199254740994", Ok(9_007_199_254_740_994.0)),
            ("72057594037927936", Ok(72_057_594_037_927_936.0)),
            ("1152921504606846976", Ok(1_152_921_504_606_846_976.0)),
            ("1267650600228229401496703205376", Ok(2f64.powi(100))),
            ("1.7976931348623157e308", Ok(f64::MAX)),
            ("2.2250738585072014e-308", Ok(f64::MIN_POSITIVE)),
            ("5e-324", Ok(5e-324)),
            ("4.9406564584124654e-324", Ok(5e-324)),
            ("0.10000000000000001", Ok(0.1)),
            ("0.1000000000000000055511151231257827", Ok(0.1)),
            ("0.1000000000000000055511151231257828", Err(Imprecise)),
            ("1.00000000000000000000", Ok(1.0)),
            ("123456789012345", Ok(123_456_789_012_345.0)),
            // Two shortest spellings of one float: either is the float.
            ("-641570195785618.2", Ok(-641_570_195_785_618.3)),
            ("-641570195785618.3", Ok(-641_570_195_785_618.3)),
            ("9007199254740993", Err(Imprecise)),
            ("18014398509481985", Err(Imprecise)),
            ("1234567890123456789012345", Err(Imprecise)),
            ("1e-400", Err(Underflow)),
            ("-1e-400", Err(Underflow)),
            ("1e400", Err(NotFinite)),
            ("1.8e308", Err(NotFinite)),
            ("1e99999999999999999999", Err(NotFinite)),
            ("1e-99999999999999999999", Err(Underflow)),
        ];
        for (text, want) in rows {
            let got = parse_float(text);
            match (got, want) {
                (Ok(got), Ok(want)) => {
                    assert_eq!(got.to_bits(), want.to_bits(), "{text}: {got} vs {want}")
                }
                (got, want) => assert_eq!(&got, want, "{text}"),
            }
        }
    }

    proptest::proptest! {
        /// The common-case path gives what the full one gives, bit for bit.
        #[test]
        fn plain_numbers_read_as_in_full(text in "[+-]?[0-9]{0,17}(\\.[0-9]{0,24})?") {
            if let Some(f) = plain_float(&text) {
                proptest::prop_assert_eq!(Ok(f.to_bits()), parse_float_in_full(&text).map(f64::to_bits));
            }
        }
    }

    #[test]
    fn plain_numbers_table() {
        let rows: &[(&str, Option<f64>)] = &[
            ("12.5", Some(12.5)),
            ("-0.0", Some(-0.0)),
            ("5.", Some(5.0)),
            (".5", Some(0.5)),
            ("0.05", Some(0.05)),
            ("123456789012345", Some(123_456_789_012_345.0)),
            ("0.0000000000000000000001", Some(1e-22)),
            ("1234567890123456", None),
            ("0.00000000000000000000001", None),
            (".", None),
            ("1e3", None),
            ("1,234.5", None),
            ("1.2.3", None),
        ];
        for (text, want) in rows {
            assert_eq!(
                plain_float(text).map(f64::to_bits),
                want.map(f64::to_bits),
                "{text}"
            );
        }
    }

    #[test]
    fn integers_convert_only_when_exact() {
        assert_eq!(float_from_u64(1 << 53), Ok(9_007_199_254_740_992.0));
        assert_eq!(float_from_u64((1 << 53) + 1), Err(CastReason::Imprecise));
        assert_eq!(float_from_u64(u64::MAX), Err(CastReason::Imprecise));
        assert_eq!(float_from_u64(1 << 63), Ok(9_223_372_036_854_775_808.0));
        assert_eq!(float_from_i64(i64::MIN), Ok(-9_223_372_036_854_775_808.0));
        assert_eq!(float_from_i64(i64::MAX), Err(CastReason::Imprecise));
        assert_eq!(float_from_i64(-(1 << 53) - 1), Err(CastReason::Imprecise));
    }
}
