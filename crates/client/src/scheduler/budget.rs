//! The request budget as the scheduler spends it: a token bucket at a share of the key's rate
//! (so that the scheduler, not the client's limiter queue, decides which request goes next),
//! and the pressure that stretches poll plans when more polls are due than the budget pays for.

use std::time::Duration;

use tokio::time::Instant;

use crate::rate_limit::RateLimit;

/// Tokens kept at most: the burst after a quiet spell.
const BURST: f64 = 4.0;

/// Requests the scheduler may make: `rate` per second, up to `BURST` at once.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    /// Requests per second; `None` when there is no budget to respect.
    rate: Option<f64>,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// A bucket at `utilization` of `limit` (none: unlimited), full.
    pub fn new(limit: Option<RateLimit>, utilization: f64, now: Instant) -> Bucket {
        let rate = limit.map(|limit| {
            let per = limit.per.as_secs_f64().max(1e-9);
            (f64::from(limit.requests.max(1)) / per * utilization.clamp(0.05, 1.0)).max(1e-6)
        });
        Bucket {
            rate,
            tokens: BURST,
            at: now,
        }
    }

    /// Requests per second, when limited.
    pub fn rate(&self) -> Option<f64> {
        self.rate
    }

    /// A new rate from `now` on (tokens earned until now are kept).
    pub fn set_rate(&mut self, rate: Option<f64>, now: Instant) {
        self.refill(now);
        self.rate = rate.filter(|r| r.is_finite() && *r > 0.0);
    }

    /// True when no token was spent for a while: the budget goes unused.
    pub fn is_full(&self) -> bool {
        self.rate.is_none() || self.tokens >= BURST - 1e-9
    }

    /// Adds the tokens earned since the last call.
    pub fn refill(&mut self, now: Instant) {
        if let Some(rate) = self.rate {
            let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
            self.tokens = (self.tokens + elapsed * rate).min(BURST);
        }
        self.at = self.at.max(now);
    }

    /// Whole requests that may go now.
    pub fn available(&self) -> usize {
        match self.rate {
            None => usize::MAX,
            // A token short by a rounding error is a token.
            Some(_) => (self.tokens + 1e-9).max(0.0).floor() as usize,
        }
    }

    /// Spends `n` requests.
    pub fn take(&mut self, n: usize) {
        if self.rate.is_some() {
            self.tokens -= n as f64;
        }
    }

    /// When the next request may go (now when one may).
    pub fn next_token(&self) -> Instant {
        match self.rate {
            Some(rate) if self.available() == 0 => {
                let wait = ((1.0 - self.tokens) / rate).clamp(1e-6, 86_400.0);
                self.at + Duration::from_secs_f64(wait)
            }
            _ => self.at,
        }
    }

    /// The time one request is worth, in seconds (`None` without a budget).
    pub fn interval(&self) -> Option<f64> {
        self.rate.map(|rate| 1.0 / rate)
    }
}

/// The most the pressure stretches poll plans.
pub(crate) const MAX_PRESSURE: f64 = 8.0;

/// The next pressure, a multiplier (1 to [`MAX_PRESSURE`]) on what a poll is worth: it grows
/// while due polls wait for the budget (`behind`) and falls back to 1 otherwise, by a factor
/// e every `tau` seconds.
///
/// ```text
/// behind for tau  -> pressure x e
/// on time for tau -> pressure / e (not below 1)
/// ```
pub(crate) fn pressure(value: f64, behind: bool, elapsed: f64, tau: f64) -> f64 {
    let rate = if tau > 0.0 {
        elapsed.max(0.0) / tau
    } else {
        0.0
    };
    let next = if behind {
        value * rate.exp()
    } else {
        value * (-rate).exp()
    };
    if next.is_finite() {
        next.clamp(1.0, MAX_PRESSURE)
    } else {
        MAX_PRESSURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_pays_out_at_its_rate() {
        let start = Instant::now();
        let limit = RateLimit::per_minute(600);
        let mut bucket = Bucket::new(Some(limit), 0.5, start);
        assert_eq!(bucket.rate(), Some(5.0));
        assert_eq!(bucket.available(), 4);
        bucket.take(4);
        assert_eq!(bucket.available(), 0);
        assert_eq!(bucket.next_token(), start + Duration::from_millis(200));
        // 1 s later: 5 more, but never more than the burst.
        bucket.refill(start + Duration::from_secs(1));
        assert_eq!(bucket.available(), 4);
        bucket.take(1);
        bucket.refill(start + Duration::from_millis(1100));
        assert_eq!(bucket.available(), 3);
        // A clock that goes back changes nothing.
        bucket.refill(start);
        assert_eq!(bucket.available(), 3);
    }

    #[test]
    fn no_budget_never_runs_out() {
        let now = Instant::now();
        let mut bucket = Bucket::new(None, 0.95, now);
        bucket.take(1_000_000);
        assert_eq!(bucket.available(), usize::MAX);
        assert_eq!(bucket.next_token(), now);
        assert_eq!(bucket.interval(), None);
    }

    #[test]
    fn pressure_table() {
        let e = std::f64::consts::E;
        let rows = [
            // (value, behind, elapsed, tau, want)
            (1.0, true, 1.0, 1.0, e),
            (e, false, 1.0, 1.0, 1.0),
            (4.0, false, 0.0, 1.0, 4.0),
            (1.0, false, 5.0, 1.0, 1.0),
            (6.0, true, 10.0, 1.0, MAX_PRESSURE),
            (2.0, true, 1.0, 0.0, 2.0),
            (f64::NAN, true, 1.0, 1.0, MAX_PRESSURE),
        ];
        for (value, behind, elapsed, tau, want) in rows {
            let got = pressure(value, behind, elapsed, tau);
            assert!(
                (got - want).abs() < 1e-9,
                "{value} {behind} {elapsed} {tau}: {got}"
            );
        }
    }
}
