//! One request budget per client, shared by submits and polls: each request reserves the next
//! free slot (a generic cell rate algorithm), so a large batch slows its polling instead of
//! meeting 429s.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// A request rate: `requests` per `per`, with short bursts of up to `burst`.
///
/// ```
/// use std::time::Duration;
/// use sixtyfour::RateLimit;
///
/// let limit = RateLimit::per_minute(500);
/// assert_eq!(limit.interval(), Duration::from_millis(120));
/// assert_eq!(limit.burst, 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per period.
    pub requests: u32,
    /// The period.
    pub per: Duration,
    /// Requests that may go at once after a quiet spell (at most `requests`).
    pub burst: u32,
}

impl RateLimit {
    /// `requests` per minute, bursts of up to 10.
    pub fn per_minute(requests: u32) -> Self {
        RateLimit::new(requests, Duration::from_secs(60))
    }

    /// `requests` per `per`, bursts of up to 10.
    pub fn new(requests: u32, per: Duration) -> Self {
        let requests = requests.max(1);
        RateLimit {
            requests,
            per,
            burst: requests.min(10),
        }
    }

    /// The spacing between requests at the sustained rate (at most a day).
    pub fn interval(&self) -> Duration {
        (self.per / self.requests.max(1)).min(Duration::from_secs(24 * 3600))
    }
}

/// The shared limiter.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    /// The theoretical arrival time of the next request at the sustained rate.
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// A limiter for `limit`.
    pub fn new(limit: RateLimit) -> Self {
        RateLimiter {
            limit,
            next: Mutex::new(None),
        }
    }

    /// The configured rate.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Waits for this request's slot.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let (slot, tat) = reserve(self.limit, *next, now);
            *next = Some(tat);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// Pure GCRA step: given the theoretical arrival time `tat` and `now`, the instant this request
/// may go and the new theoretical arrival time.
pub fn reserve(limit: RateLimit, tat: Option<Instant>, now: Instant) -> (Instant, Instant) {
    let interval = limit.interval();
    let tat = tat.map_or(now, |t| t.max(now));
    let allowance = interval * limit.burst.clamp(1, limit.requests).saturating_sub(1);
    let slot = tat
        .checked_sub(allowance)
        .map_or(now, |earliest| earliest.max(now));
    (slot, tat + interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_paces() {
        let limit = RateLimit {
            requests: 60,
            per: Duration::from_secs(60),
            burst: 3,
        };
        let now = Instant::now();
        let mut tat = None;
        let mut slots = Vec::new();
        for _ in 0..6 {
            let (slot, next) = reserve(limit, tat, now);
            tat = Some(next);
            slots.push((slot - now).as_secs());
        }
        assert_eq!(slots, [0, 0, 0, 1, 2, 3]);
        // After a quiet spell the burst is there again.
        let later = now + Duration::from_secs(100);
        let (slot, _) = reserve(limit, tat, later);
        assert_eq!(slot, later);
    }

    #[test]
    fn never_more_than_the_rate_over_a_window() {
        let limit = RateLimit::new(50, Duration::from_millis(600));
        let now = Instant::now();
        let mut tat = None;
        let slots: Vec<Duration> = (0..500)
            .map(|_| {
                let (slot, next) = reserve(limit, tat, now);
                tat = Some(next);
                slot - now
            })
            .collect();
        // In any 600 ms window at most requests + burst go out.
        for (i, start) in slots.iter().enumerate() {
            let within = slots[i..]
                .iter()
                .take_while(|s| **s < *start + Duration::from_millis(600))
                .count();
            assert!(within <= 50 + 10, "{within} requests in one window");
        }
    }
}
