//! One error type for every call, with messages that say what to do next, and the questions a
//! batch engine asks of an error (may a job exist? did the request ever leave? must submitting
//! stop?). No error ever contains the API key.

use std::time::Duration;

use reqwest::header::HeaderMap;
use sixtyfour_casting::DecodeError;
use sixtyfour_protocol::{EnrichResult, JobState, TaskId, TaskIdError, shorten};

/// What kind of refusal an API error is, by status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 400: the request is malformed.
    BadRequest,
    /// 401: the API key is missing or wrong.
    Unauthorized,
    /// 402: the account is out of credits.
    PaymentRequired,
    /// 403: the key may not use this feature or tier.
    Forbidden,
    /// 404: no such task (or path).
    NotFound,
    /// 422: the body failed validation.
    Validation,
    /// 429: too many requests (or too many active jobs).
    RateLimited,
    /// 5xx: the service failed.
    Server,
    /// Any other status.
    Other,
}

impl ApiErrorKind {
    /// The kind of a status code.
    ///
    /// ```
    /// use sixtyfour::ApiErrorKind;
    ///
    /// assert_eq!(ApiErrorKind::from_status(402), ApiErrorKind::PaymentRequired);
    /// assert_eq!(ApiErrorKind::from_status(503), ApiErrorKind::Server);
    /// ```
    pub fn from_status(status: u16) -> Self {
        match status {
            400 => ApiErrorKind::BadRequest,
            401 => ApiErrorKind::Unauthorized,
            402 => ApiErrorKind::PaymentRequired,
            403 => ApiErrorKind::Forbidden,
            404 => ApiErrorKind::NotFound,
            422 => ApiErrorKind::Validation,
            429 => ApiErrorKind::RateLimited,
            500..=599 => ApiErrorKind::Server,
            _ => ApiErrorKind::Other,
        }
    }

    /// True for refusals that concern the account, not the request (401, 402, 403): every
    /// further submit with this key will be refused the same way.
    pub fn is_account_level(self) -> bool {
        matches!(
            self,
            ApiErrorKind::Unauthorized | ApiErrorKind::PaymentRequired | ApiErrorKind::Forbidden
        )
    }

    /// What the user can do about it.
    pub fn advice(self) -> &'static str {
        match self {
            ApiErrorKind::BadRequest | ApiErrorKind::Validation => {
                "fix the request as the message says"
            }
            ApiErrorKind::Unauthorized => "check the API key (SIXTYFOUR_API_KEY)",
            ApiErrorKind::PaymentRequired => "add credits to the account",
            ApiErrorKind::Forbidden => {
                "this key's plan does not include the feature or tier asked for"
            }
            ApiErrorKind::NotFound => {
                "check the task id; finished jobs are kept for a limited time"
            }
            ApiErrorKind::RateLimited => "slow down: lower the client's rate limit or concurrency",
            ApiErrorKind::Server => "retry later",
            ApiErrorKind::Other => "see the response body",
        }
    }
}

/// Everything that can go wrong.
///
/// ```
/// use sixtyfour::{ApiErrorKind, Error};
///
/// let err = Error::from_response(402, br#"{"error": "Payment Required", "message": "Out of credits"}"#);
/// assert!(matches!(err, Error::Api { kind: ApiErrorKind::PaymentRequired, .. }));
/// assert!(err.is_account_level() && err.is_definite() && !err.is_maybe_submitted());
/// assert_eq!(
///     err.to_string(),
///     "the API answered 402 (PaymentRequired): Payment Required: Out of credits; add credits to the account"
/// );
/// ```
///
/// # What an error says about a job
///
/// After [`Client::submit`](crate::Client::submit) fails, exactly one of these holds:
///
/// - [`is_maybe_submitted`](Error::is_maybe_submitted): a job may exist and its id is unknown
///   (the request left and no readable answer came back). Sending again may pay twice.
/// - otherwise no job was started by the call. Then [`is_not_sent`](Error::is_not_sent) says the
///   request provably never left (or was never sent again after a refusal that started
///   nothing), [`is_definite`](Error::is_definite) that the same request will be refused again,
///   [`is_account_level`](Error::is_account_level) that every request with this key will be.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client could not be configured (a missing environment variable, a bad URL).
    #[error("configuration: {message}")]
    Config {
        /// What is missing or wrong.
        message: String,
    },
    /// The request was refused before sending; no request was made.
    #[error("invalid request (nothing was sent): {message}")]
    InvalidRequest {
        /// What is wrong.
        message: String,
    },
    /// A text that cannot be a task id; no request was made.
    #[error("invalid task id (nothing was sent): {0}")]
    InvalidTaskId(#[from] TaskIdError),
    /// The API answered with an error status.
    #[error("the API answered {status} ({kind:?}): {message}; {}", kind.advice())]
    Api {
        /// The HTTP status.
        status: u16,
        /// Its kind.
        kind: ApiErrorKind,
        /// The message from the body (any of the three error shapes).
        message: String,
        /// The body as text, shortened to a few hundred characters.
        body: String,
        /// The answer's headers.
        headers: Box<HeaderMap>,
    },
    /// The server answered with a redirect, which is never followed: the API key and the lead
    /// would go wherever it points.
    #[error(
        "the server answered {status}, a redirect to {}; redirects are not followed so that the API key never goes to another address: set the base URL to the final address",
        location.as_deref().unwrap_or("an unnamed location")
    )]
    Redirect {
        /// The HTTP status (3xx).
        status: u16,
        /// The `Location` header, when present.
        location: Option<String>,
    },
    /// An answer was larger than the client accepts, so reading it stopped there.
    #[error(
        "the answer to {what} is larger than this client's limit of {limit} bytes; if such answers are expected, raise it with ClientBuilder::max_response_bytes"
    )]
    TooLarge {
        /// Which request it answered.
        what: &'static str,
        /// The limit, in bytes.
        limit: usize,
    },
    /// The job ended `failed` (or was cancelled).
    #[error("job {task_id} failed: {message}")]
    JobFailed {
        /// The job.
        task_id: TaskId,
        /// The service's message.
        message: String,
    },
    /// The wait's deadline passed; the job goes on and can be waited for again.
    #[error(
        "job {task_id} still {last_state} after {waited:?}; it keeps running: call `wait` with this task id to resume"
    )]
    Deadline {
        /// The job, to resume with `Client::wait`.
        task_id: TaskId,
        /// How long this call waited.
        waited: Duration,
        /// The last state seen.
        last_state: JobState,
    },
    /// A job was submitted, and waiting for it failed; it may still finish.
    #[error(
        "lost track of job {task_id} while waiting: {source}; the job may still finish: call `wait` with this task id to resume"
    )]
    Waiting {
        /// The job, to resume with `Client::wait`.
        task_id: TaskId,
        /// Why waiting stopped.
        #[source]
        source: Box<Error>,
    },
    /// A submit failed in a way that leaves unknown whether a job was started (and billed).
    #[error(
        "the submit may have started a job ({cause}); it was not retried to avoid paying twice: look for the job before submitting again"
    )]
    MaybeSubmitted {
        /// What happened.
        cause: String,
    },
    /// The call's deadline came before the request could be sent (in the rate limiter's queue,
    /// or before a retry): this request did not start a job, and can be sent again.
    #[error("not sent: {reason}; no job was started by this call, so it can be sent again")]
    NotSent {
        /// Why it was not sent.
        reason: String,
        /// The refusal before it, when an earlier attempt was refused (a 429, a refused
        /// connection).
        #[source]
        last: Option<Box<Error>>,
    },
    /// The service could not be reached, or the connection failed.
    #[error(
        "transport error after {attempts} attempt(s): {source}; check the network and the base URL"
    )]
    Transport {
        /// The underlying error (URLs only, never the key).
        #[source]
        source: reqwest::Error,
        /// How many attempts were made.
        attempts: u32,
    },
    /// A success body did not have the expected shape.
    #[error("unexpected response body at `{path}`: {message}")]
    Decode {
        /// JSON path of the failure.
        path: String,
        /// What was wrong.
        message: String,
        /// The raw body.
        body: String,
    },
    /// The answer's `structured_data` did not fit the requested type. The paid answer is kept
    /// here, with the job it came from.
    #[error(
        "{}the answer does not fit the requested type: {source}; the answer is kept in this error (Error::result)",
        task_id.as_ref().map(|id| format!("job {id}: ")).unwrap_or_default()
    )]
    Cast {
        /// The job, when it ran asynchronously.
        task_id: Option<TaskId>,
        /// The whole answer, as received.
        result: Box<EnrichResult>,
        /// Every value that did not fit, with its path.
        #[source]
        source: DecodeError,
    },
}

impl Error {
    /// True for a 429, or an API error of kind `RateLimited`.
    pub fn is_rate_limited(&self) -> bool {
        matches!(
            self,
            Error::Api {
                kind: ApiErrorKind::RateLimited,
                ..
            }
        )
    }

    /// True for a 429 refusing a submit because the key already has as many jobs running as
    /// it may (the body [`ErrorBody::active_job_limit`](sixtyfour_protocol::ErrorBody::active_job_limit)):
    /// no job was started, and the same submit goes through once one of the key's jobs ends.
    /// The client neither retries it nor pauses the key for it.
    ///
    /// ```
    /// use sixtyfour::Error;
    ///
    /// let full = Error::from_response(429, br#"{"error": "Too Many Active Jobs", "message": "This API key already has 50 jobs running"}"#);
    /// let busy = Error::from_response(429, br#"{"error": "Too Many Requests", "message": "Rate limit exceeded"}"#);
    /// assert!(full.is_rate_limited() && busy.is_rate_limited());
    /// assert!(full.is_active_job_limit() && !busy.is_active_job_limit());
    /// ```
    pub fn is_active_job_limit(&self) -> bool {
        matches!(
            self,
            Error::Api { status: 429, body, .. }
                if sixtyfour_protocol::ErrorBody::parse(body.as_bytes())
                    .is_some_and(|parsed| parsed.is_active_job_limit())
        )
    }

    /// True when a submit may have started (and billed) a job whose id is unknown: the request
    /// left and no readable answer came back (a timeout, a reset, a 5xx, an unreadable 2xx).
    /// Do not send it again without looking for the job.
    pub fn is_maybe_submitted(&self) -> bool {
        matches!(self, Error::MaybeSubmitted { .. })
    }

    /// True when the request provably never left this process, or was not sent again after a
    /// refusal that started nothing ([`Error::NotSent`], a refused connection, a request or
    /// configuration refused before sending). No job was started; sending again is safe.
    pub fn is_not_sent(&self) -> bool {
        match self {
            Error::NotSent { .. }
            | Error::Config { .. }
            | Error::InvalidRequest { .. }
            | Error::InvalidTaskId(_) => true,
            Error::Transport { source, .. } => source.is_connect() || source.is_builder(),
            _ => false,
        }
    }

    /// True for 401, 402 and 403: the key is wrong, the account has no credits, or the plan
    /// lacks the feature. Every further submit with this key will fail the same way: stop
    /// submitting.
    pub fn is_account_level(&self) -> bool {
        matches!(self, Error::Api { kind, .. } if kind.is_account_level())
    }

    /// True when the refusal is final and no job exists: a 4xx other than 408 and 429, a 3xx
    /// (redirects are never followed; a submit answered 303 See Other is
    /// [`MaybeSubmitted`](Error::MaybeSubmitted) instead), or a request refused before
    /// sending. Sending the same request again gets the same answer.
    pub fn is_definite(&self) -> bool {
        match self {
            Error::Api { status, .. } => {
                (400..500).contains(status) && *status != 408 && *status != 429
            }
            Error::Redirect { .. } | Error::InvalidRequest { .. } | Error::InvalidTaskId(_) => true,
            _ => false,
        }
    }

    /// True for errors after which asking again later can succeed (transport failures, 429,
    /// 5xx, a deadline that passed before sending).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::Transport { .. }
                | Error::NotSent { .. }
                | Error::Api {
                    kind: ApiErrorKind::Server | ApiErrorKind::RateLimited,
                    ..
                }
        )
    }

    /// The task id this error is about, where there is one (resume with it).
    pub fn task_id(&self) -> Option<&TaskId> {
        match self {
            Error::JobFailed { task_id, .. }
            | Error::Deadline { task_id, .. }
            | Error::Waiting { task_id, .. } => Some(task_id),
            Error::Cast { task_id, .. } => task_id.as_ref(),
            _ => None,
        }
    }

    /// The paid answer, when the error came after one ([`Error::Cast`]).
    pub fn result(&self) -> Option<&EnrichResult> {
        match self {
            Error::Cast { result, .. } => Some(result),
            Error::Waiting { source, .. } => source.result(),
            _ => None,
        }
    }

    /// The HTTP status of the answer behind this error, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Redirect { status, .. } => Some(*status),
            Error::Waiting { source, .. } => source.status(),
            _ => None,
        }
    }

    /// The headers of the error answer, when there was one.
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Error::Api { headers, .. } => Some(headers),
            Error::Waiting { source, .. } => source.headers(),
            _ => None,
        }
    }

    /// An API error from a status and body, reading the three error shapes.
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        Error::from_answer(status, HeaderMap::new(), body)
    }

    pub(crate) fn from_answer(status: u16, headers: HeaderMap, body: &[u8]) -> Self {
        Error::Api {
            status,
            kind: ApiErrorKind::from_status(status),
            message: sixtyfour_protocol::error_message(body),
            body: shorten(&String::from_utf8_lossy(body)),
            headers: Box::new(headers),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_status() {
        let rows = [
            (400, ApiErrorKind::BadRequest),
            (401, ApiErrorKind::Unauthorized),
            (402, ApiErrorKind::PaymentRequired),
            (403, ApiErrorKind::Forbidden),
            (404, ApiErrorKind::NotFound),
            (422, ApiErrorKind::Validation),
            (429, ApiErrorKind::RateLimited),
            (500, ApiErrorKind::Server),
            (503, ApiErrorKind::Server),
            (418, ApiErrorKind::Other),
        ];
        for (status, kind) in rows {
            assert_eq!(ApiErrorKind::from_status(status), kind);
        }
    }

    #[test]
    fn classification_table() {
        let api = |status| Error::from_response(status, b"{}");
        let not_sent = Error::NotSent {
            reason: "deadline".into(),
            last: Some(Box::new(api(429))),
        };
        let maybe = Error::MaybeSubmitted {
            cause: "timeout".into(),
        };
        // (error, maybe submitted, not sent, account level, definite, transient)
        let rows: Vec<(Error, [bool; 5])> = vec![
            (api(400), [false, false, false, true, false]),
            (api(401), [false, false, true, true, false]),
            (api(402), [false, false, true, true, false]),
            (api(403), [false, false, true, true, false]),
            (api(404), [false, false, false, true, false]),
            (api(408), [false, false, false, false, false]),
            (api(422), [false, false, false, true, false]),
            (api(429), [false, false, false, false, true]),
            (api(500), [false, false, false, false, true]),
            (maybe, [true, false, false, false, false]),
            (not_sent, [false, true, false, false, true]),
            (
                Error::InvalidRequest {
                    message: "no facts".into(),
                },
                [false, true, false, true, false],
            ),
            (
                Error::Redirect {
                    status: 307,
                    location: None,
                },
                [false, false, false, true, false],
            ),
        ];
        for (err, want) in rows {
            let got = [
                err.is_maybe_submitted(),
                err.is_not_sent(),
                err.is_account_level(),
                err.is_definite(),
                err.is_transient(),
            ];
            assert_eq!(got, want, "{err}");
        }
    }

    #[test]
    fn error_bodies_are_shortened() {
        let long = format!("{{\"detail\": \"{}\"}}", "x".repeat(5000));
        let Error::Api { body, .. } = Error::from_response(500, long.as_bytes()) else {
            unreachable!()
        };
        assert!(body.chars().count() <= sixtyfour_protocol::MAX_MESSAGE_CHARS + 1);
    }
}
