//! A token bucket per API key: `limit` requests of burst, refilled at `limit` per window.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// One key's bucket.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The limiter of every key.
#[derive(Debug)]
pub struct RateLimiter {
    limit: f64,
    window: Duration,
    buckets: HashMap<String, Bucket>,
}

impl RateLimiter {
    /// `limit` requests per `window` for each key.
    pub fn new(limit: u32, window: Duration) -> Self {
        RateLimiter {
            limit: f64::from(limit.max(1)),
            window: window.max(Duration::from_millis(1)),
            buckets: HashMap::new(),
        }
    }

    /// Takes one token for `key` at `now`, or says how long until one is there.
    pub fn check(&mut self, key: &str, now: Instant) -> Result<(), Duration> {
        let rate = self.limit / self.window.as_secs_f64();
        let limit = self.limit;
        let bucket = self.buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: limit,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(limit);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(3, Duration::from_secs(3));
        for _ in 0..3 {
            assert_eq!(limiter.check("k", start), Ok(()));
        }
        let wait = limiter.check("k", start).unwrap_err();
        assert!((wait.as_secs_f64() - 1.0).abs() < 1e-6, "{wait:?}");
        assert_eq!(limiter.check("other", start), Ok(()));
        assert_eq!(limiter.check("k", start + Duration::from_secs(1)), Ok(()));
        assert!(limiter.check("k", start + Duration::from_secs(1)).is_err());
    }
}
