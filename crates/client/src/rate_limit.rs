//! One request budget per client, shared by submits and polls: each request reserves the next
//! free slot (a generic cell rate algorithm), so a large batch slows its polling instead of
//! meeting 429s. A 429's `Retry-After` pauses every request of the client, not only the one
//! that got it, and no request waits in the queue past its call's deadline.

use std::time::Duration;

use std::sync::{Mutex, PoisonError};
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

/// The shared limiter: an optional request rate, and a pause set by the server's 429s.
#[derive(Debug)]
pub struct RateLimiter {
    limit: Option<RateLimit>,
    state: Mutex<State>,
}

#[derive(Debug, Default, Clone, Copy)]
struct State {
    /// The theoretical arrival time of the next request at the sustained rate.
    tat: Option<Instant>,
    /// No request goes before this instant (a 429's Retry-After).
    paused_until: Option<Instant>,
}

/// The request could not go before the deadline; nothing was reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastDeadline {
    /// The earliest instant it could have gone.
    pub slot: Instant,
}

impl RateLimiter {
    /// A limiter for `limit` (`None`: no rate, only the pauses of 429s).
    pub fn new(limit: Option<RateLimit>) -> Self {
        RateLimiter {
            limit,
            state: Mutex::new(State::default()),
        }
    }

    /// The configured rate.
    pub fn limit(&self) -> Option<RateLimit> {
        self.limit
    }

    /// Waits for this request's slot, or refuses at once when the slot is past `deadline`.
    pub async fn acquire(&self, deadline: Option<Instant>) -> Result<(), PastDeadline> {
        let slot = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            let (slot, tat) = admit(self.limit, state.tat, state.paused_until, Instant::now());
            if deadline.is_some_and(|deadline| slot > deadline) {
                return Err(PastDeadline { slot });
            }
            state.tat = tat;
            slot
        };
        tokio::time::sleep_until(slot).await;
        Ok(())
    }

    /// No request of this client goes before `until`.
    pub fn pause_until(&self, until: Instant) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.paused_until = Some(state.paused_until.map_or(until, |p| p.max(until)));
    }
}

/// Pure admission step: the instant a request may go, given the rate (if any), the theoretical
/// arrival time, a pause and `now`, and the theoretical arrival time after it.
pub fn admit(
    limit: Option<RateLimit>,
    tat: Option<Instant>,
    paused_until: Option<Instant>,
    now: Instant,
) -> (Instant, Option<Instant>) {
    let earliest = paused_until.map_or(now, |p| p.max(now));
    match limit {
        None => (earliest, tat),
        Some(limit) => {
            let (slot, tat) = reserve(limit, tat, earliest);
            (slot, Some(tat))
        }
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

    #[test]
    fn a_pause_delays_every_request_and_the_rate_resumes_after_it() {
        let now = Instant::now();
        let pause = now + Duration::from_secs(30);
        // No rate: only the pause.
        assert_eq!(admit(None, None, Some(pause), now), (pause, None));
        assert_eq!(admit(None, None, None, now), (now, None));
        // A pause in the past changes nothing.
        assert_eq!(
            admit(None, None, Some(now - Duration::from_secs(1)), now).0,
            now
        );
        // With a rate: the burst starts at the end of the pause.
        let limit = RateLimit {
            requests: 60,
            per: Duration::from_secs(60),
            burst: 2,
        };
        let mut tat = None;
        let mut slots = Vec::new();
        for _ in 0..4 {
            let (slot, next) = admit(Some(limit), tat, Some(pause), now);
            tat = next;
            slots.push((slot - now).as_secs());
        }
        assert_eq!(slots, [30, 30, 31, 32]);
    }

    #[tokio::test(start_paused = true)]
    async fn the_queue_never_waits_past_a_deadline() {
        let limiter = RateLimiter::new(None);
        let now = Instant::now();
        limiter.pause_until(now + Duration::from_secs(3600));
        let deadline = now + Duration::from_secs(3);
        let refused = limiter.acquire(Some(deadline)).await.unwrap_err();
        assert_eq!(refused.slot, now + Duration::from_secs(3600));
        // A shorter pause does not shorten a longer one.
        limiter.pause_until(now + Duration::from_secs(10));
        assert!(
            limiter
                .acquire(Some(now + Duration::from_secs(20)))
                .await
                .is_err()
        );
        // Without a deadline it waits out the pause (in paused time).
        limiter.acquire(None).await.unwrap();
        assert!(Instant::now() >= now + Duration::from_secs(3600));
    }
}
