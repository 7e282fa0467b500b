//! Transport: one HTTP attempt, whose outcome is one [`Attempt`], and the retry loop around it.
//! Every wait of the loop (the rate limiter's queue, back-off, `Retry-After`, the request's own
//! timeout) is bounded by the call's deadline, every body is read with a size cap, and
//! redirects are reported, never followed.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, LOCATION, RETRY_AFTER};
use sixtyfour_protocol::{API_KEY_HEADER, shorten};
use tokio::time::Instant;

use crate::config::ERROR_BODY_BYTES;
use crate::error::Error;
use crate::rate_limit::{RateLimit, RateLimiter};
use crate::retry::{AttemptOutcome, Decision, RequestKind, RetryPolicy, decide, retry_after};

/// The HTTP side of a client: the connection pool, the key header, the shared limiter.
pub(crate) struct Transport {
    http: reqwest::Client,
    /// The `x-api-key` value, marked sensitive.
    api_key: HeaderValue,
    limiter: RateLimiter,
    max_response_bytes: usize,
}

/// One request to make, perhaps several times.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub method: Method,
    pub url: String,
    /// A JSON body.
    pub body: Option<Vec<u8>>,
    /// What it is, for messages: `POST /enrich-lead-async`.
    pub what: &'static str,
    pub kind: RequestKind,
}

/// The bounds of one send.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    pub deadline: Instant,
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

/// A whole answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// True for a 429 that refuses a submit for the key's limit on active jobs: it says
    /// nothing about the request rate, so it neither pauses the key nor is sent again (a job
    /// must end first).
    pub fn is_active_job_limit(&self) -> bool {
        self.status == 429
            && sixtyfour_protocol::ErrorBody::parse(&self.body)
                .is_some_and(|body| body.is_active_job_limit())
    }

    pub fn retry_after(&self) -> Option<Duration> {
        retry_after(
            self.headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()),
            SystemTime::now(),
        )
    }

    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// How one attempt ended.
#[derive(Debug)]
pub(crate) enum Attempt {
    /// An answer came back whole (an error answer may have been cut to its first bytes).
    Answered(Answer),
    /// A success answer was larger than the client reads; reading stopped there.
    Oversized { status: u16, limit: usize },
    /// The connection could not be made: the request never left.
    NotSent(reqwest::Error),
    /// The request may have left; no complete answer came back (timeout, reset).
    Interrupted(reqwest::Error),
}

impl Attempt {
    /// What the retry decision needs to know.
    fn outcome(&self) -> AttemptOutcome {
        match self {
            Attempt::Answered(answer) => AttemptOutcome::Status {
                status: answer.status,
                retry_after: answer.retry_after(),
            },
            Attempt::NotSent(_) => AttemptOutcome::NotSent,
            Attempt::Oversized { .. } | Attempt::Interrupted(_) => AttemptOutcome::Interrupted,
        }
    }

    /// The result when this attempt is the last.
    fn finish(self, request: &Outgoing, attempts: u32) -> Result<Answer, Error> {
        match self {
            Attempt::Answered(answer) if answer.is_success() => Ok(answer),
            Attempt::Answered(answer) if (300..400).contains(&answer.status) => {
                Err(Error::Redirect {
                    status: answer.status,
                    location: answer
                        .headers
                        .get(LOCATION)
                        .map(|v| shorten(&String::from_utf8_lossy(v.as_bytes()))),
                })
            }
            Attempt::Answered(answer) => Err(Error::from_answer(
                answer.status,
                answer.headers,
                &answer.body,
            )),
            Attempt::Oversized { limit, .. } => Err(Error::TooLarge {
                what: request.what,
                limit,
            }),
            Attempt::NotSent(source) | Attempt::Interrupted(source) => {
                Err(Error::Transport { source, attempts })
            }
        }
    }

    /// Why a submit that ended this way may have started a job.
    fn ambiguity(&self) -> String {
        match self {
            Attempt::Answered(answer) => format!(
                "the service answered {}: {}",
                answer.status,
                sixtyfour_protocol::error_message(&answer.body)
            ),
            Attempt::Oversized { status, limit } => format!(
                "the service answered {status} with a body over the client's limit of {limit} bytes"
            ),
            Attempt::Interrupted(err) if err.is_timeout() => {
                "no answer before the timeout or the deadline".into()
            }
            Attempt::Interrupted(err) => format!("the connection failed after sending: {err}"),
            Attempt::NotSent(err) => format!("the connection failed: {err}"),
        }
    }
}

/// A random value in `[0, 1)` for back-off jitter.
fn jitter() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

impl Transport {
    pub fn new(
        http: reqwest::Client,
        api_key: HeaderValue,
        rate_limit: Option<RateLimit>,
        max_response_bytes: usize,
    ) -> Self {
        Transport {
            http,
            api_key,
            limiter: RateLimiter::new(rate_limit),
            max_response_bytes,
        }
    }

    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.limiter.limit()
    }

    /// Sends `request` under the retry policy for its kind, within `bounds`.
    ///
    /// A submit is sent again only after an attempt that provably started nothing (a refused
    /// connection, a 429); when the deadline comes before the next attempt, the answer is
    /// [`Error::NotSent`].
    pub async fn send(&self, request: &Outgoing, bounds: Bounds) -> Result<Answer, Error> {
        let mut attempts = 0;
        // The refusal of the previous attempt, for an error that ends before the next one.
        let mut previous: Option<Error> = None;
        loop {
            attempts += 1;
            if let Err(full) = self.limiter.acquire(Some(bounds.deadline)).await {
                let wait = full.slot.saturating_duration_since(Instant::now());
                return Err(Error::NotSent {
                    reason: format!(
                        "{} would have waited {wait:.1?} for the rate limit (or a server's Retry-After), past the call's deadline",
                        request.what
                    ),
                    last: previous.map(Box::new),
                });
            }
            let left = bounds.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::NotSent {
                    reason: format!(
                        "the call's deadline passed before {} was sent",
                        request.what
                    ),
                    last: previous.map(Box::new),
                });
            }
            let attempt = self.attempt(request, bounds.timeout.min(left)).await;
            let outcome = attempt.outcome();
            if let Attempt::Answered(answer) = &attempt
                && answer.is_active_job_limit()
            {
                return attempt.finish(request, attempts);
            }
            if let AttemptOutcome::Status {
                status: 429,
                retry_after,
            } = outcome
            {
                // The key is rate limited: every request of this client waits.
                let pause = retry_after.unwrap_or(bounds.retry.rate_limited_delay);
                if let Some(until) = Instant::now().checked_add(pause) {
                    self.limiter.pause_until(until);
                }
            }
            if let Attempt::Oversized { .. } = attempt {
                // Reading it again would cost as much: report it now.
                return match request.kind {
                    RequestKind::Submit => Err(Error::MaybeSubmitted {
                        cause: attempt.ambiguity(),
                    }),
                    RequestKind::Poll => attempt.finish(request, attempts),
                };
            }
            match decide(&bounds.retry, request.kind, outcome, attempts, jitter()) {
                Decision::Retry(delay) => {
                    let refusal = attempt.finish(request, attempts).err();
                    let wake = Instant::now().checked_add(delay);
                    if wake.is_none_or(|wake| wake >= bounds.deadline) {
                        return Err(Error::NotSent {
                            reason: format!(
                                "{} was not sent again: the retry would have come after {delay:.1?}, past the call's deadline",
                                request.what
                            ),
                            last: refusal.map(Box::new),
                        });
                    }
                    tracing::debug!(what = request.what, ?outcome, attempts, ?delay, "retrying");
                    previous = refusal;
                    tokio::time::sleep(delay).await;
                }
                Decision::Stop => return attempt.finish(request, attempts),
                Decision::Ambiguous => {
                    return Err(Error::MaybeSubmitted {
                        cause: attempt.ambiguity(),
                    });
                }
            }
        }
    }

    /// One attempt: send, then read the answer within the size caps.
    async fn attempt(&self, request: &Outgoing, timeout: Duration) -> Attempt {
        let mut builder = self
            .http
            .request(request.method.clone(), &request.url)
            .header(API_KEY_HEADER, self.api_key.clone())
            .timeout(timeout);
        if let Some(body) = &request.body {
            builder = builder
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body.clone());
        }
        let response = match builder.send().await {
            Ok(response) => response,
            Err(err) if err.is_connect() || err.is_builder() => return Attempt::NotSent(err),
            Err(err) => return Attempt::Interrupted(err),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let limit = if status.is_success() {
            self.max_response_bytes
        } else {
            ERROR_BODY_BYTES
        };
        match read_capped(response, limit).await {
            Ok(Capped::Whole(body)) => Attempt::Answered(Answer {
                status: status.as_u16(),
                headers,
                body,
            }),
            // An error answer is only read for its message: its head is enough.
            Ok(Capped::Cut(head)) if !status.is_success() => Attempt::Answered(Answer {
                status: status.as_u16(),
                headers,
                body: head,
            }),
            Ok(Capped::Cut(_)) => Attempt::Oversized {
                status: status.as_u16(),
                limit,
            },
            Err(err) => Attempt::Interrupted(err),
        }
    }
}

/// A body read up to a limit.
enum Capped {
    Whole(Vec<u8>),
    /// The first `limit` bytes of a longer body (or none, when its length said so up front).
    Cut(Vec<u8>),
}

/// Reads a body chunk by chunk, stopping as soon as it is longer than `limit` bytes: memory is
/// bounded by the limit, whatever the server sends.
async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Capped, reqwest::Error> {
    if response.status().is_success()
        && response
            .content_length()
            .is_some_and(|len| len > limit as u64)
    {
        return Ok(Capped::Cut(Vec::new()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            let room = limit - body.len();
            body.extend_from_slice(&chunk[..room]);
            return Ok(Capped::Cut(body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Capped::Whole(body))
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("api_key", &"<redacted>")
            .field("rate_limit", &self.limiter.limit())
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}
