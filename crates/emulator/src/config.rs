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
    /// Each job draws from a lognormal distribution with this median and 95th percentile
    /// (the shape of real research times: most jobs near the median, a long tail).
    LogNormal {
        /// Half the jobs take less.
        median: Duration,
        /// 95% of the jobs take less.
        p95: Duration,
    },
}

/// The 95th percentile of the standard normal distribution.
const Z95: f64 = 1.644_853_626_951_472_2;

impl Latency {
    /// The latency for a draw in `[0, 1)`, at most [`MAX_SCALED`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use sixtyfour_emulator::Latency;
    ///
    /// let latency: Latency = "lognormal:90s,p95=300s".parse()?;
    /// assert_eq!(latency.pick(0.5), Duration::from_secs(90));
    /// let p95 = latency.pick(0.95).as_secs_f64();
    /// assert!((p95 - 300.0).abs() < 0.01, "{p95}");
    /// # Ok::<(), String>(())
    /// ```
    pub fn pick(self, draw: f64) -> Duration {
        let draw = if draw.is_finite() {
            draw.clamp(0.0, 1.0)
        } else {
            0.5
        };
        match self {
            Latency::Fixed(d) => d,
            Latency::Range(low, high) => {
                let span = high.saturating_sub(low).as_secs_f64();
                low + Duration::from_secs_f64(span * draw)
            }
            Latency::LogNormal { median, p95 } => {
                let median_s = median.as_secs_f64();
                if median_s <= 0.0 {
                    return Duration::ZERO;
                }
                let sigma = (p95.as_secs_f64() / median_s).ln().max(0.0) / Z95;
                let z = inverse_normal_cdf(draw.clamp(1e-12, 1.0 - 1e-12));
                let seconds = median_s * (sigma * z).exp();
                Duration::try_from_secs_f64(seconds).map_or(MAX_SCALED, |d| d.min(MAX_SCALED))
            }
        }
    }
}

/// The standard normal quantile function (Acklam's rational approximation, relative error
/// under 1.2e-9), for `p` in `(0, 1)`.
pub fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

pub use sixtyfour_server::parse_duration;

impl FromStr for Latency {
    type Err = String;

    /// `"200ms"`, `"1s..5s"`, or `"lognormal:90s,p95=300s"` (also
    /// `"lognormal:median=90s,p95=300s"`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(spec) = s.trim().strip_prefix("lognormal:") {
            let mut median = None;
            let mut p95 = None;
            for part in spec.split(',') {
                let part = part.trim();
                match part.split_once('=') {
                    Some(("median", value)) => median = Some(parse_duration(value)?),
                    Some(("p95", value)) => p95 = Some(parse_duration(value)?),
                    Some((other, _)) => {
                        return Err(format!(
                            "unknown lognormal parameter `{other}` in `{s}`: use median and p95"
                        ));
                    }
                    None => median = Some(parse_duration(part)?),
                }
            }
            let usage =
                || format!("`{s}`: write lognormal:MEDIAN,p95=P95 (e.g. lognormal:90s,p95=300s)");
            let (median, p95) = (median.ok_or_else(usage)?, p95.ok_or_else(usage)?);
            if median.is_zero() {
                return Err(format!("`{s}`: the median must be above zero"));
            }
            if p95 < median {
                return Err(format!("`{s}`: the 95th percentile is below the median"));
            }
            return Ok(Latency::LogNormal { median, p95 });
        }
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

/// The default cap on the bytes the job store holds: 512 MiB.
pub const DEFAULT_MAX_BYTES: usize = 512 << 20;

/// Everything an emulator is told at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// The one accepted `x-api-key`.
    pub api_key: String,
    /// Job duration before scaling.
    pub latency: Latency,
    /// Multiplies job latency, rate-limit windows, webhook back-off and job expiry
    /// (0.001 turns minutes into milliseconds). Must be above zero.
    pub time_scale: f64,
    /// Seeds latencies and faults, and task ids (which also mix in a random salt drawn at
    /// start unless `fixed_ids` is set).
    pub seed: u64,
    /// Task ids from the seed alone, the same in every emulator with that seed (they then
    /// repeat across emulators and restarts).
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
    /// At most this many bytes of jobs (results, ids, bookkeeping) are kept; the oldest
    /// finished jobs are evicted first, and a submit that cannot fit is refused with 503.
    pub max_bytes: usize,
    /// At most this many unfinished jobs per API key; a submit past it is refused with 429
    /// and [`ErrorBody::active_job_limit`](sixtyfour_protocol::ErrorBody::active_job_limit).
    pub max_active_jobs: Option<u32>,
    /// Answer `dict` fields as JSON text (`"{\"k\": 1}"`), as the live API does; `false`
    /// answers them as objects.
    pub dict_as_text: bool,
    /// Report `processed_items` / `total_items` while a job processes (the default); `false`
    /// answers `pending` with no counts until the job ends, as a server that does not count.
    pub progress: bool,
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
            max_bytes: DEFAULT_MAX_BYTES,
            max_active_jobs: None,
            dict_as_text: true,
            progress: true,
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

    /// Refuses settings that cannot work: a time scale that is not a positive finite number
    /// (0 would make every window empty), impossible fault probabilities, a zero cap.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.time_scale.is_finite() && self.time_scale > 0.0) {
            return Err(format!(
                "the time scale must be a positive number (0.01 makes a minute 600 ms), got {}",
                self.time_scale
            ));
        }
        self.faults.validate()?;
        if self.max_jobs == 0 || self.max_bytes == 0 {
            return Err("the job store's caps (max jobs, max bytes) must be above zero".into());
        }
        if self.max_active_jobs == Some(0) {
            return Err("the active-job limit must be at least 1 (or none)".into());
        }
        Ok(())
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
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let config = Config {
                time_scale: bad,
                ..Config::default()
            };
            assert!(
                config.validate().unwrap_err().contains("time scale"),
                "{bad}"
            );
        }
        assert_eq!(Config::default().validate(), Ok(()));
    }

    #[test]
    fn lognormal_latencies() {
        let rows = [
            ("lognormal:90s,p95=300s", Some((90_000, 300_000))),
            ("lognormal:median=2s,p95=2s", Some((2_000, 2_000))),
            ("lognormal:p95=300s,median=90s", Some((90_000, 300_000))),
            ("lognormal:90s", None),
            ("lognormal:300s,p95=90s", None),
            ("lognormal:0s,p95=1s", None),
            ("lognormal:90s,p99=1s", None),
        ];
        for (text, want) in rows {
            let got = text.parse::<Latency>().ok().map(|l| match l {
                Latency::LogNormal { median, p95 } => {
                    (median.as_millis() as u64, p95.as_millis() as u64)
                }
                other => panic!("{other:?}"),
            });
            assert_eq!(got, want, "{text}");
        }
        let latency: Latency = "lognormal:90s,p95=300s".parse().unwrap();
        assert_eq!(latency.pick(0.5), Duration::from_secs(90));
        let at = |p: f64| latency.pick(p).as_secs_f64();
        assert!((at(0.95) - 300.0).abs() < 0.01, "{}", at(0.95));
        assert!(at(0.05) < 90.0 && at(0.05) > 20.0, "{}", at(0.05));
        assert!(at(0.0) > 0.0 && at(1.0) <= MAX_SCALED.as_secs_f64());
        // The empirical median and P95 of evenly spread draws.
        let mut draws: Vec<f64> = (0..10_000)
            .map(|i| at((f64::from(i) + 0.5) / 10_000.0))
            .collect();
        draws.sort_by(f64::total_cmp);
        assert!((draws[5_000] - 90.0).abs() < 0.5, "{}", draws[5_000]);
        assert!((draws[9_500] - 300.0).abs() < 2.0, "{}", draws[9_500]);
        let flat: Latency = "lognormal:2s,p95=2s".parse().unwrap();
        assert_eq!(flat.pick(0.99), Duration::from_secs(2));
    }

    #[test]
    fn the_normal_quantile_matches_known_values() {
        let rows = [
            (0.5, 0.0),
            (0.975, 1.959_963_985),
            (0.95, 1.644_853_627),
            (0.01, -2.326_347_874),
            (0.001, -3.090_232_306),
        ];
        for (p, z) in rows {
            assert!((inverse_normal_cdf(p) - z).abs() < 1e-8, "{p}");
        }
    }
}
