//! A token bucket per API key: `limit` requests of burst, refilled at `limit` per window. Time
//! is passed in, so the decision is tested with a simulated clock.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// One key's bucket.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The limiter of every key; each call says the key's own limit, so a reloaded keys file
/// takes effect at once.
#[derive(Debug)]
pub struct RateLimiter {
    window: Duration,
    buckets: HashMap<String, Bucket>,
}

impl RateLimiter {
    /// Limits counted per `window` (a minute, or a scaled one).
    pub fn new(window: Duration) -> Self {
        RateLimiter {
            window: window.max(Duration::from_millis(1)),
            buckets: HashMap::new(),
        }
    }

    /// Takes one of `limit` tokens per window for `key` at `now`, or says how long until one
    /// is there.
    pub fn check(&mut self, key: &str, limit: u32, now: Instant) -> Result<(), Duration> {
        let limit = f64::from(limit.max(1));
        let rate = limit / self.window.as_secs_f64();
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

    /// Forgets every bucket.
    pub fn clear(&mut self) {
        self.buckets.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill_on_a_simulated_clock() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(Duration::from_secs(3));
        for _ in 0..3 {
            assert_eq!(limiter.check("k", 3, start), Ok(()));
        }
        let wait = limiter.check("k", 3, start).unwrap_err();
        assert!((wait.as_secs_f64() - 1.0).abs() < 1e-6, "{wait:?}");
        assert_eq!(limiter.check("other", 3, start), Ok(()));
        assert_eq!(
            limiter.check("k", 3, start + Duration::from_secs(1)),
            Ok(())
        );
        assert!(
            limiter
                .check("k", 3, start + Duration::from_secs(1))
                .is_err()
        );
        // A full window refills the whole burst, never more.
        let later = start + Duration::from_secs(100);
        for _ in 0..3 {
            assert_eq!(limiter.check("k", 3, later), Ok(()));
        }
        assert!(limiter.check("k", 3, later).is_err());
    }

    #[test]
    fn five_a_minute() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(Duration::from_secs(60));
        for _ in 0..5 {
            assert_eq!(limiter.check("k", 5, start), Ok(()));
        }
        let wait = limiter.check("k", 5, start).unwrap_err();
        assert!((wait.as_secs_f64() - 12.0).abs() < 1e-6, "{wait:?}");
        assert!(
            limiter
                .check("k", 5, start + Duration::from_millis(11_999))
                .is_err()
        );
        assert_eq!(
            limiter.check("k", 5, start + Duration::from_millis(12_500)),
            Ok(())
        );
    }
}
