//! One error type for every call, with messages that say what to do next. None of them ever
//! contains the API key.

use std::time::Duration;

use serde_json::Value;

use crate::response::JobState;

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
    /// 429: too many requests.
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
/// assert_eq!(
///     err.to_string(),
///     "the API answered 402 (PaymentRequired): Payment Required: Out of credits; add credits to the account"
/// );
/// ```
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
    /// The API answered with an error status.
    #[error("the API answered {status} ({kind:?}): {message}; {}", kind.advice())]
    Api {
        /// The HTTP status.
        status: u16,
        /// Its kind.
        kind: ApiErrorKind,
        /// The message from the body (any of the three error shapes).
        message: String,
        /// The raw body.
        body: String,
    },
    /// The job ended `failed` (or was cancelled).
    #[error("job {task_id} failed: {message}")]
    JobFailed {
        /// The job.
        task_id: String,
        /// The service's message.
        message: String,
    },
    /// The wait's deadline passed; the job goes on and can be waited for again.
    #[error(
        "job {task_id} still {last_state} after {waited:?}; it keeps running: call `wait` with this task id to resume"
    )]
    Deadline {
        /// The job, to resume with `Client::wait`.
        task_id: String,
        /// How long this call waited.
        waited: Duration,
        /// The last state seen.
        last_state: JobState,
    },
    /// A job was submitted, and waiting for it failed (after retries); it may still finish.
    #[error(
        "lost track of job {task_id} while waiting: {source}; the job may still finish: call `wait` with this task id to resume"
    )]
    Waiting {
        /// The job, to resume with `Client::wait`.
        task_id: String,
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
    /// The service could not be reached, or the connection failed.
    #[error("transport error: {source}; check the network and the base URL")]
    Transport {
        /// The underlying error (URLs only, never the key).
        #[source]
        source: reqwest::Error,
    },
    /// A success body did not have the expected shape.
    #[error("unexpected response body at `{path}`: {message}")]
    Decode {
        /// JSON path of the failure.
        path: String,
        /// serde's message.
        message: String,
        /// The raw body.
        body: String,
    },
    /// The answer's `structured_data` did not fit the requested type.
    #[error("the answer does not fit the requested type: {0}")]
    Cast(#[from] sixtyfour_casting::DecodeError),
}

impl Error {
    /// True for a 429 or an API error of kind `RateLimited`.
    pub fn is_rate_limited(&self) -> bool {
        matches!(
            self,
            Error::Api {
                kind: ApiErrorKind::RateLimited,
                ..
            }
        )
    }

    /// The task id this error is about, where there is one (resume with it).
    pub fn task_id(&self) -> Option<&str> {
        match self {
            Error::JobFailed { task_id, .. }
            | Error::Deadline { task_id, .. }
            | Error::Waiting { task_id, .. } => Some(task_id),
            _ => None,
        }
    }

    /// An API error from a status and body, reading the three error shapes.
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body).into_owned();
        Error::Api {
            status,
            kind: ApiErrorKind::from_status(status),
            message: error_message(&text),
            body: text,
        }
    }
}

/// The message of an error body: `{"error", "message"}`, `{"detail": "..."}`, or a validation
/// list `{"detail": [{"loc", "msg", "type"}]}`; otherwise the text itself.
///
/// ```
/// use sixtyfour::error_message;
///
/// assert_eq!(error_message(r#"{"detail": "Job not found"}"#), "Job not found");
/// assert_eq!(
///     error_message(r#"{"detail": [{"loc": ["body", "lead_info"], "msg": "field required", "type": "missing"}]}"#),
///     "body.lead_info: field required"
/// );
/// ```
pub fn error_message(body: &str) -> String {
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        let trimmed = body.trim();
        return if trimmed.is_empty() {
            "no error message".into()
        } else {
            trimmed.chars().take(300).collect()
        };
    };
    if let Some(message) = value.get("message").and_then(Value::as_str) {
        return match value.get("error").and_then(Value::as_str) {
            Some(error) if !message.starts_with(error) => format!("{error}: {message}"),
            _ => message.to_owned(),
        };
    }
    match value.get("detail") {
        Some(Value::String(detail)) => return detail.clone(),
        Some(Value::Array(items)) => {
            let parts: Vec<String> = items
                .iter()
                .map(|item| {
                    let location = item
                        .get("loc")
                        .and_then(Value::as_array)
                        .map(|loc| {
                            loc.iter()
                                .map(|part| match part {
                                    Value::String(s) => s.clone(),
                                    other => other.to_string(),
                                })
                                .collect::<Vec<_>>()
                                .join(".")
                        })
                        .unwrap_or_default();
                    let msg = item.get("msg").and_then(Value::as_str).unwrap_or("invalid");
                    if location.is_empty() {
                        msg.to_owned()
                    } else {
                        format!("{location}: {msg}")
                    }
                })
                .collect();
            if !parts.is_empty() {
                return parts.join("; ");
            }
        }
        _ => {}
    }
    if let Some(error) = value.get("error").and_then(Value::as_str) {
        return error.to_owned();
    }
    body.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_error_shapes() {
        let rows = [
            (
                r#"{"error": "Bad Request", "message": "Invalid lead information"}"#,
                "Bad Request: Invalid lead information",
            ),
            (r#"{"detail": "Job not found"}"#, "Job not found"),
            (
                r#"{"detail": [{"loc": ["body", "lead_info"], "msg": "field required", "type": "value_error.missing"}, {"loc": ["body", "struct", 0], "msg": "not a dict", "type": "type_error"}]}"#,
                "body.lead_info: field required; body.struct.0: not a dict",
            ),
            (r#"{"error": "Unauthorized"}"#, "Unauthorized"),
            ("upstream connect error", "upstream connect error"),
            ("", "no error message"),
        ];
        for (body, want) in rows {
            assert_eq!(error_message(body), want);
        }
    }

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
}
