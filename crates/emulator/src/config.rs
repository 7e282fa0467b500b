//! What an emulator does: latency, time scale, rate limit, faults, webhooks, job retention.

use std::str::FromStr;
use std::time::Duration;

use crate::faults::Faults;

/// How long a job takes, before the time scale is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latency {
    /// Every job takes this long.
    Fixed(Duration),
    /// Each job draws a duration in `[low, high]` from the seed.
    Range(Duration, Duration),
}

impl Latency {
    /// The latency of job number `draw` in `[0, 1)`.
    pub fn pick(self, draw: f64) -> Duration {
        match self {
            Latency::Fixed(d) => d,
            Latency::Range(low, high) => {
                let span = high.saturating_sub(low).as_secs_f64();
                low + Duration::from_secs_f64(span * draw)
            }
        }
    }
}

/// `"250ms"`, `"2s"`, `"5m"`, `"1.5s"`, or a plain number of milliseconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(at) => text.split_at(at),
        None => (text, "ms"),
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (try 250ms, 2s or 5m)"))?;
    let millis = match unit.trim() {
        "ms" => value,
        "s" => value * 1e3,
        "m" | "min" => value * 60e3,
        "h" => value * 3600e3,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use ms, s, m or h"
            ));
        }
    };
    if !millis.is_finite() || millis < 0.0 {
        return Err(format!("`{text}` must be a finite, non-negative duration"));
    }
    Duration::try_from_secs_f64(millis / 1e3)
        .map_err(|_| format!("`{text}` is too long a duration"))
}

impl FromStr for Latency {
    type Err = String;

    /// `"200ms"` or `"1s..5s"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once("..") {
            Some((low, high)) => {
                let (low, high) = (parse_duration(low)?, parse_duration(high)?);
                if low > high {
                    return Err(format!("latency range `{s}` runs backwards"));
                }
                Ok(Latency::Range(low, high))
            }
            None => Ok(Latency::Fixed(parse_duration(s)?)),
        }
    }
}

/// The longest latency, window or time to live the emulator uses: 30 days.
pub const MAX_SCALED: Duration = Duration::from_secs(30 * 24 * 3600);

/// Everything an emulator is told at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// The one accepted `x-api-key`.
    pub api_key: String,
    /// Job duration before scaling.
    pub latency: Latency,
    /// Multiplies job latency, rate-limit windows, webhook back-off and job expiry
    /// (0.001 turns minutes into milliseconds).
    pub time_scale: f64,
    /// Seeds task ids, latencies and faults. Task ids (and webhook event ids) also mix in a
    /// random salt drawn when the emulator starts, so that two emulators never hand out the
    /// same id, unless `fixed_ids` is set.
    pub seed: u64,
    /// Task ids and event ids from the seed alone, the same in every emulator with that seed
    /// (for tests that compare ids across emulators).
    pub fixed_ids: bool,
    /// Requests per minute per API key; `None` for no limit.
    pub rate_limit: Option<u32>,
    /// Fault probabilities.
    pub faults: Faults,
    /// Signs webhook deliveries when set.
    pub webhook_secret: Option<String>,
    /// Attempts per webhook delivery.
    pub webhook_attempts: u32,
    /// How long a finished job stays readable, before scaling.
    pub job_ttl: Duration,
    /// At most this many jobs are kept.
    pub max_jobs: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            api_key: "emulator-key".into(),
            latency: Latency::Range(Duration::from_millis(20), Duration::from_millis(80)),
            time_scale: 1.0,
            seed: 64,
            fixed_ids: false,
            rate_limit: None,
            faults: Faults::default(),
            webhook_secret: None,
            webhook_attempts: 5,
            job_ttl: Duration::from_secs(3600),
            max_jobs: 200_000,
        }
    }
}

impl Config {
    /// A duration under the time scale, at most [`MAX_SCALED`] (any scale, even a NaN or an
    /// infinite one, gives a usable duration).
    pub fn scaled(&self, duration: Duration) -> Duration {
        let seconds = (duration.as_secs_f64() * self.time_scale).max(0.0);
        Duration::try_from_secs_f64(seconds).map_or(MAX_SCALED, |d| d.min(MAX_SCALED))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_latencies_parse() {
        assert_eq!(parse_duration("250"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("-1s").is_err());
        assert_eq!(
            "200ms".parse(),
            Ok(Latency::Fixed(Duration::from_millis(200)))
        );
        assert_eq!(
            "1s..3s".parse(),
            Ok(Latency::Range(
                Duration::from_secs(1),
                Duration::from_secs(3)
            ))
        );
        assert!("3s..1s".parse::<Latency>().is_err());
        let range = Latency::Range(Duration::from_secs(1), Duration::from_secs(3));
        assert_eq!(range.pick(0.0), Duration::from_secs(1));
        assert_eq!(range.pick(0.5), Duration::from_secs(2));
        assert!(parse_duration("1e300s").is_err());
        let wild = Config {
            time_scale: f64::INFINITY,
            ..Config::default()
        };
        assert_eq!(wild.scaled(Duration::from_secs(1)), MAX_SCALED);
        let nan = Config {
            time_scale: f64::NAN,
            ..Config::default()
        };
        assert_eq!(nan.scaled(Duration::from_secs(1)), Duration::ZERO);
    }
}
