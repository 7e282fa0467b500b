//! Durations on the command line: a number and a unit, always (`250ms`, `2s`, `1.5m`, `2h`). A
//! bare number is refused with a hint, since `--deadline 5` could mean five anythings.

use std::time::Duration;

/// Parses `250ms`, `2s`, `1.5m`, `2h`, `1d`.
///
/// A bare number, an unknown unit, a negative or endless value are errors that say what to
/// write instead.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let at = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(at);
    let number = number.trim();
    if unit.is_empty() {
        return Err(if number.parse::<f64>().is_ok() {
            format!(
                "`{text}` has no unit: write {number}s (seconds), {number}m (minutes) or {number}ms"
            )
        } else {
            format!("`{text}` is not a duration: write 250ms, 30s, 20m or 2h")
        });
    }
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: write 250ms, 30s, 20m or 2h"))?;
    let seconds = match unit {
        "ms" => value / 1e3,
        "s" | "sec" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86_400.0,
        other => {
            return Err(format!(
                "`{text}`: unknown unit `{other}`; use ms, s, m, h or d"
            ));
        }
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(format!("`{text}` must be a finite, non-negative duration"));
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{text}` is too long a duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_required() {
        let ok = [
            ("250ms", Duration::from_millis(250)),
            ("2s", Duration::from_secs(2)),
            (" 1.5m ", Duration::from_secs(90)),
            ("2h", Duration::from_secs(7200)),
            ("1d", Duration::from_secs(86_400)),
            ("0s", Duration::ZERO),
        ];
        for (text, want) in ok {
            assert_eq!(parse(text), Ok(want), "{text}");
        }
        let bad = [
            (
                "5",
                "`5` has no unit: write 5s (seconds), 5m (minutes) or 5ms",
            ),
            ("", "is not a duration"),
            ("soon", "is not a duration"),
            ("5 parsecs", "unknown unit `parsecs`"),
            ("-1s", "non-negative"),
            ("99999999999999999999h", "too long"),
            ("1e3s", "unknown unit `e3s`"),
        ];
        for (text, want) in bad {
            let err = parse(text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
    }
}
