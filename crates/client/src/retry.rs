//! When to try a request again: a pure decision of (request kind, outcome, attempt), and the
//! reading of `Retry-After`. The loop that sleeps is in `transport`.

use std::time::{Duration, SystemTime};

/// What was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// Starting a job (async or sync): never repeated unless no job can have started.
    Submit,
    /// Reading a job's status: safe to repeat.
    Poll,
}

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// An HTTP status came back, with any `Retry-After` it carried.
    Status {
        /// The status code.
        status: u16,
        /// The server's wait, if it said one.
        retry_after: Option<Duration>,
    },
    /// The connection could not be made: the request never left.
    NotSent,
    /// The request left and no complete answer came back (timeout, reset, broken body).
    Interrupted,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send again after this long.
    Retry(Duration),
    /// Done: the outcome stands (success, a definite error, or attempts used up).
    Stop,
    /// A submit that may have started a job: report it, never resend it.
    Ambiguous,
}

/// Bounds and pacing of retries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The first back-off.
    pub base_delay: Duration,
    /// The longest back-off.
    pub max_delay: Duration,
    /// The wait after a 429 that names none (the API's documentation asks for 60 s).
    pub rate_limited_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            rate_limited_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The exponential back-off before attempt `attempt + 1`, with `jitter` in `[0, 1)`
    /// spreading it over its upper half.
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            1.0
        };
        full.mul_f64(0.5 + 0.5 * jitter)
    }
}

/// The decision after attempt number `attempt` (from 1).
///
/// ```
/// use std::time::Duration;
/// use sixtyfour::retry::{decide, AttemptOutcome, Decision, RequestKind, RetryPolicy};
///
/// let policy = RetryPolicy::default();
/// let unavailable = AttemptOutcome::Status { status: 503, retry_after: Some(Duration::from_secs(2)) };
/// assert_eq!(decide(&policy, RequestKind::Poll, unavailable, 1, 0.5), Decision::Retry(Duration::from_secs(2)));
/// // The same answer to a submit might hide a started job: never resent.
/// assert_eq!(decide(&policy, RequestKind::Submit, unavailable, 1, 0.5), Decision::Ambiguous);
/// assert!(matches!(decide(&policy, RequestKind::Submit, AttemptOutcome::NotSent, 1, 0.5), Decision::Retry(_)));
/// ```
///
/// Polls are retried on interrupted requests, 429 and 5xx. A submit is retried only when no
/// job can have started: the connection never opened, or the service answered 429. A 5xx, a
/// 303 See Other (the submit was handled, its outcome is elsewhere) or an interrupted submit is
/// ambiguous. `Retry-After` always sets the delay when present.
pub fn decide(
    policy: &RetryPolicy,
    kind: RequestKind,
    outcome: AttemptOutcome,
    attempt: u32,
    jitter: f64,
) -> Decision {
    let retryable = match (kind, outcome) {
        (_, AttemptOutcome::Status { status, .. }) if (200..300).contains(&status) => {
            return Decision::Stop;
        }
        (_, AttemptOutcome::NotSent) => true,
        (_, AttemptOutcome::Status { status: 429, .. }) => true,
        (RequestKind::Poll, AttemptOutcome::Interrupted) => true,
        (RequestKind::Poll, AttemptOutcome::Status { status, .. }) => (500..600).contains(&status),
        (RequestKind::Submit, AttemptOutcome::Interrupted) => return Decision::Ambiguous,
        // A 5xx may hide a job; so does a 303 See Other, which says the submit was handled
        // and its outcome is elsewhere.
        (RequestKind::Submit, AttemptOutcome::Status { status, .. })
            if (500..600).contains(&status) || status == 303 =>
        {
            return Decision::Ambiguous;
        }
        (RequestKind::Submit, AttemptOutcome::Status { .. }) => false,
    };
    if !retryable || attempt >= policy.max_attempts {
        return Decision::Stop;
    }
    let delay = match outcome {
        AttemptOutcome::Status {
            retry_after: Some(wait),
            ..
        } => wait,
        AttemptOutcome::Status { status: 429, .. } => policy.rate_limited_delay,
        _ => policy.backoff(attempt, jitter),
    };
    Decision::Retry(delay)
}

/// Reads `Retry-After`: seconds (`"120"`, `"1.5"`) or an HTTP date relative to `now`. A value
/// that is neither, negative or too large to represent is ignored (`None`).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use sixtyfour::retry::retry_after;
///
/// let now = SystemTime::now();
/// assert_eq!(retry_after(Some("60"), now), Some(Duration::from_secs(60)));
/// assert_eq!(retry_after(Some("soon"), now), None);
/// assert_eq!(retry_after(None, now), None);
/// ```
pub fn retry_after(value: Option<&str>, now: SystemTime) -> Option<Duration> {
    let value = value?.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttemptOutcome::*;
    use RequestKind::*;

    fn status(code: u16) -> AttemptOutcome {
        Status {
            status: code,
            retry_after: None,
        }
    }

    #[test]
    fn decision_table() {
        let policy = RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(10),
            rate_limited_delay: Duration::from_secs(60),
        };
        let wait = |s| Some(Duration::from_secs(s));
        let rows = [
            (Poll, status(200), 1, Decision::Stop),
            (
                Poll,
                status(500),
                1,
                Decision::Retry(Duration::from_secs(1)),
            ),
            (
                Poll,
                status(503),
                2,
                Decision::Retry(Duration::from_secs(2)),
            ),
            (Poll, status(503), 3, Decision::Stop),
            (
                Poll,
                status(429),
                1,
                Decision::Retry(Duration::from_secs(60)),
            ),
            (
                Poll,
                Status {
                    status: 429,
                    retry_after: wait(7),
                },
                1,
                Decision::Retry(Duration::from_secs(7)),
            ),
            (
                Poll,
                Status {
                    status: 503,
                    retry_after: wait(4),
                },
                1,
                Decision::Retry(Duration::from_secs(4)),
            ),
            (
                Poll,
                Interrupted,
                1,
                Decision::Retry(Duration::from_secs(1)),
            ),
            (Poll, NotSent, 2, Decision::Retry(Duration::from_secs(2))),
            (Poll, status(404), 1, Decision::Stop),
            (Poll, status(401), 1, Decision::Stop),
            (Submit, status(200), 1, Decision::Stop),
            (Submit, NotSent, 1, Decision::Retry(Duration::from_secs(1))),
            (Submit, NotSent, 3, Decision::Stop),
            (
                Submit,
                status(429),
                1,
                Decision::Retry(Duration::from_secs(60)),
            ),
            (
                Submit,
                Status {
                    status: 429,
                    retry_after: wait(2),
                },
                2,
                Decision::Retry(Duration::from_secs(2)),
            ),
            (Submit, status(500), 1, Decision::Ambiguous),
            (Submit, status(303), 1, Decision::Ambiguous),
            (Submit, status(307), 1, Decision::Stop),
            (Poll, status(303), 1, Decision::Stop),
            (Submit, status(503), 1, Decision::Ambiguous),
            (Submit, Interrupted, 1, Decision::Ambiguous),
            (Submit, status(400), 1, Decision::Stop),
            (Submit, status(402), 1, Decision::Stop),
        ];
        for (kind, outcome, attempt, want) in rows {
            assert_eq!(
                decide(&policy, kind, outcome, attempt, 1.0),
                want,
                "{kind:?} {outcome:?} attempt {attempt}"
            );
        }
    }

    #[test]
    fn backoff_grows_caps_and_jitters() {
        let policy = RetryPolicy {
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(5),
            ..RetryPolicy::default()
        };
        assert_eq!(policy.backoff(1, 1.0), Duration::from_secs(1));
        assert_eq!(policy.backoff(2, 1.0), Duration::from_secs(2));
        assert_eq!(policy.backoff(3, 1.0), Duration::from_secs(4));
        assert_eq!(policy.backoff(4, 1.0), Duration::from_secs(5));
        assert_eq!(policy.backoff(40, 1.0), Duration::from_secs(5));
        assert_eq!(policy.backoff(2, 0.0), Duration::from_secs(1));
        assert_eq!(policy.backoff(2, 0.5), Duration::from_millis(1500));
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        let rows: [(Option<&str>, Option<Duration>); 9] = [
            (Some("120"), Some(Duration::from_secs(120))),
            (Some(" 1.5 "), Some(Duration::from_millis(1500))),
            (Some(&date), Some(Duration::from_secs(30))),
            (Some("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO)),
            (Some("soon"), None),
            (None, None),
            (Some("-5"), None),
            (Some("1e300"), None),
            (Some("inf"), None),
        ];
        for (header, want) in rows {
            assert_eq!(retry_after(header, now), want, "{header:?}");
        }
    }
}
