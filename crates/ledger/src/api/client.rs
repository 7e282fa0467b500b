//! [`Api`] over [`sixtyfour::Client`]: every client-specific decision of the ledger is here,
//! so that a new client call or error variant changes this file only. The two classification
//! functions are pure and table-tested.

use std::time::Duration;

use sixtyfour::{
    ApiErrorKind, Client, EnrichRequest, EnrichResult, Error, JobState, JobStatus, RequestOptions,
    TaskId,
};
use tokio::time::Instant;

use super::{Api, ApiFuture, KeyCheck, PollOutcome, Scheduling, SubmitOutcome, WaitOutcome};

/// [`Api`] over a [`Client`].
///
/// Deadlines are the client's own: a submit given a deadline reports [`Error::NotSent`] when
/// the deadline passes before the request leaves (in the rate limiter's queue, or before a
/// retry) and [`Error::MaybeSubmitted`] when it passes after, so no submit is ever cut off
/// from outside. Build the client with the retry and rate-limit policy you want: its retries
/// happen inside these calls.
#[derive(Debug, Clone)]
pub struct ClientApi {
    client: Client,
}

impl ClientApi {
    /// The adapter.
    pub fn new(client: Client) -> Self {
        ClientApi { client }
    }

    /// The client, bounded by `deadline` when there is one.
    fn until(&self, deadline: Option<Instant>) -> Client {
        match deadline {
            Some(deadline) => self
                .client
                .with_options(RequestOptions::new().deadline_at(deadline.into_std())),
            None => self.client.clone(),
        }
    }
}

/// What a submit call gave, before classification.
#[derive(Debug)]
pub enum SubmitCall<'a> {
    /// The client answered.
    Answered(Result<&'a TaskId, &'a Error>),
    /// The deadline had passed before the call started.
    TooLate,
}

/// The classification of a submit: which outcomes can have started a job.
///
/// ```
/// use sixtyfour::Error;
/// use sixtyfour_ledger::{SubmitCall, SubmitOutcome, classify_submit};
///
/// let server_error = Error::MaybeSubmitted { cause: "the service answered 502".into() };
/// assert!(matches!(classify_submit(SubmitCall::Answered(Err(&server_error))), SubmitOutcome::MaybeSubmitted { .. }));
/// let no_credits = Error::from_response(402, br#"{"error": "Payment Required", "message": "Out of credits"}"#);
/// assert!(matches!(classify_submit(SubmitCall::Answered(Err(&no_credits))), SubmitOutcome::AccountRefused { status: 402, .. }));
/// ```
pub fn classify_submit(call: SubmitCall<'_>) -> SubmitOutcome {
    let error = match call {
        SubmitCall::TooLate => {
            return SubmitOutcome::PastDeadline {
                reason: "the deadline passed before the request left".into(),
            };
        }
        SubmitCall::Answered(Ok(task_id)) => {
            return SubmitOutcome::Accepted {
                task_id: task_id.clone(),
            };
        }
        SubmitCall::Answered(Err(error)) => error,
    };
    let reason = error.to_string();
    if error.is_maybe_submitted() {
        return SubmitOutcome::MaybeSubmitted { reason };
    }
    if let Error::NotSent { .. } = error {
        return SubmitOutcome::PastDeadline { reason };
    }
    if error.is_not_sent() {
        return SubmitOutcome::NotSent { reason };
    }
    match error {
        Error::Api { status, kind, .. } if kind.is_account_level() => {
            SubmitOutcome::AccountRefused {
                status: *status,
                reason,
            }
        }
        Error::Api {
            kind: ApiErrorKind::RateLimited,
            ..
        } if error.is_active_job_limit() => SubmitOutcome::ActiveJobLimit { reason },
        Error::Api {
            kind: ApiErrorKind::RateLimited,
            ..
        } => SubmitOutcome::RateLimited { reason },
        Error::Api { status, .. } | Error::Redirect { status, .. } if error.is_definite() => {
            SubmitOutcome::Rejected {
                status: *status,
                reason,
            }
        }
        // Anything else after the request may have left: a job may exist.
        _ => SubmitOutcome::MaybeSubmitted { reason },
    }
}

/// What a wait call gave, before classification.
#[derive(Debug)]
pub enum WaitCall<'a> {
    /// The client answered.
    Answered(Result<&'a EnrichResult, &'a Error>),
    /// The bound cut the wait off.
    CutOff,
}

/// The classification of a wait.
///
/// ```
/// use sixtyfour::Error;
/// use sixtyfour_ledger::{WaitCall, WaitOutcome, classify_wait};
///
/// let gone = Error::from_response(404, br#"{"detail": "Job not found"}"#);
/// assert!(matches!(classify_wait(WaitCall::Answered(Err(&gone))), WaitOutcome::Gone { .. }));
/// assert!(matches!(classify_wait(WaitCall::CutOff), WaitOutcome::StillRunning { .. }));
/// ```
pub fn classify_wait(call: WaitCall<'_>) -> WaitOutcome {
    let error = match call {
        WaitCall::CutOff => {
            return WaitOutcome::StillRunning {
                reason: "still running when the wait ended; a later run waits again".into(),
            };
        }
        WaitCall::Answered(Ok(result)) => {
            return WaitOutcome::Completed {
                result: Box::new(result.clone()),
            };
        }
        WaitCall::Answered(Err(error)) => error,
    };
    let reason = error.to_string();
    match error {
        Error::JobFailed { message, .. } => WaitOutcome::JobFailed {
            reason: message.clone(),
        },
        Error::Api { status, kind, .. } => match kind {
            ApiErrorKind::NotFound => WaitOutcome::Gone {
                reason: format!(
                    "the server no longer knows this job ({reason}); it was paid for, so it is not sent again unless asked"
                ),
            },
            kind if kind.is_account_level() => WaitOutcome::AccountRefused {
                status: *status,
                reason,
            },
            _ => WaitOutcome::StillRunning { reason },
        },
        Error::InvalidTaskId(_) => WaitOutcome::Gone { reason },
        Error::Decode { .. } | Error::Cast { .. } | Error::TooLarge { .. } => {
            WaitOutcome::Unreadable { reason }
        }
        _ => WaitOutcome::StillRunning { reason },
    }
}

/// The classification of one status request: still running (with its progress), ended (as a
/// wait would have ended), or failed for now.
///
/// ```
/// use sixtyfour::Error;
/// use sixtyfour_ledger::{PollOutcome, WaitOutcome, classify_poll};
///
/// let gone = Error::from_response(404, br#"{"detail": "Job not found"}"#);
/// assert!(matches!(classify_poll(Err(&gone)), PollOutcome::Ended(WaitOutcome::Gone { .. })));
/// let busy = Error::from_response(503, br#"{"detail": "try later"}"#);
/// assert!(matches!(classify_poll(Err(&busy)), PollOutcome::Failed { .. }));
/// ```
pub fn classify_poll(answer: Result<&JobStatus, &Error>) -> PollOutcome {
    match answer {
        Ok(status) => match status.state {
            JobState::Completed => match &status.result {
                Some(result) => PollOutcome::Ended(WaitOutcome::Completed {
                    result: Box::new(result.clone()),
                }),
                None => PollOutcome::Ended(WaitOutcome::Unreadable {
                    reason: "the job ended completed and its answer carried no result".into(),
                }),
            },
            JobState::Failed => PollOutcome::Ended(WaitOutcome::JobFailed {
                reason: status
                    .error
                    .clone()
                    .unwrap_or_else(|| "no reason given".into()),
            }),
            _ => PollOutcome::Running {
                processed: status.processed_items,
                total: status.total_items,
            },
        },
        Err(error) => match classify_wait(WaitCall::Answered(Err(error))) {
            WaitOutcome::StillRunning { reason } => PollOutcome::Failed {
                reason,
                retry_after: match error {
                    Error::Api { headers, .. } => sixtyfour::retry::retry_after(
                        headers
                            .get(reqwest::header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok()),
                        std::time::SystemTime::now(),
                    ),
                    _ => None,
                },
            },
            ended => PollOutcome::Ended(ended),
        },
    }
}

/// A task id no server has: a random UUID.
fn random_task_id() -> Option<TaskId> {
    let mut bytes = [0u8; 16];
    if getrandom::getrandom(&mut bytes).is_err() {
        bytes = [0x5a; 16];
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = crate::canonical::hex(&bytes);
    TaskId::new(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
    .ok()
}

/// The longest the key check may take.
const KEY_CHECK_LIMIT: Duration = Duration::from_secs(30);

/// How long past its bound a wait may take before it is cut off from outside (the client
/// bounds its own waits; this only guards against a wait that would not end).
const WAIT_GRACE: Duration = Duration::from_secs(5);

impl Api for ClientApi {
    fn submit<'a>(
        &'a self,
        request: &'a EnrichRequest,
        deadline: Option<Instant>,
    ) -> ApiFuture<'a, SubmitOutcome> {
        Box::pin(async move {
            if deadline.is_some_and(|deadline| deadline <= Instant::now()) {
                return classify_submit(SubmitCall::TooLate);
            }
            let result = self.until(deadline).submit(request).await;
            classify_submit(SubmitCall::Answered(result.as_ref()))
        })
    }

    fn wait<'a>(&'a self, task_id: &'a TaskId, until: Instant) -> ApiFuture<'a, WaitOutcome> {
        Box::pin(async move {
            if until <= Instant::now() {
                return classify_wait(WaitCall::CutOff);
            }
            let client = self.until(Some(until));
            match tokio::time::timeout_at(until + WAIT_GRACE, client.wait(task_id)).await {
                Ok(result) => classify_wait(WaitCall::Answered(result.as_ref())),
                Err(_) => classify_wait(WaitCall::CutOff),
            }
        })
    }

    fn scheduling(&self) -> Option<Scheduling> {
        Some(Scheduling::new(
            self.client.rate_limit(),
            self.client.poll_policy(),
        ))
    }

    fn poll<'a>(
        &'a self,
        task_id: &'a TaskId,
        deadline: Option<Instant>,
    ) -> ApiFuture<'a, PollOutcome> {
        Box::pin(async move {
            if deadline.is_some_and(|deadline| deadline <= Instant::now()) {
                return PollOutcome::Failed {
                    reason: "the deadline passed before the poll left".into(),
                    retry_after: None,
                };
            }
            let result = self.until(deadline).job_status(task_id).await;
            classify_poll(result.as_ref())
        })
    }

    fn check_key(&self, deadline: Option<Instant>) -> ApiFuture<'_, KeyCheck> {
        Box::pin(async move {
            let limit = Instant::now() + KEY_CHECK_LIMIT;
            let until = deadline.map_or(limit, |d| d.min(limit));
            let Some(id) = random_task_id() else {
                return KeyCheck::Inconclusive {
                    reason: "no random task id".into(),
                };
            };
            match self.until(Some(until)).job_status(&id).await {
                Ok(_) => KeyCheck::Accepted,
                Err(Error::Api {
                    kind: ApiErrorKind::NotFound,
                    ..
                }) => KeyCheck::Accepted,
                Err(error @ Error::Api { status, kind, .. }) if kind.is_account_level() => {
                    KeyCheck::Refused {
                        status,
                        reason: error.to_string(),
                    }
                }
                Err(error) => KeyCheck::Inconclusive {
                    reason: error.to_string(),
                },
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn api(status: u16) -> Error {
        Error::from_response(status, br#"{"error": "E", "message": "m"}"#)
    }

    fn id(text: &str) -> TaskId {
        TaskId::new(text).unwrap()
    }

    fn kind(outcome: &SubmitOutcome) -> &'static str {
        match outcome {
            SubmitOutcome::Accepted { .. } => "accepted",
            SubmitOutcome::MaybeSubmitted { .. } => "unknown",
            SubmitOutcome::NotSent { .. } => "not sent",
            SubmitOutcome::PastDeadline { .. } => "past deadline",
            SubmitOutcome::AccountRefused { .. } => "account",
            SubmitOutcome::RateLimited { .. } => "rate limited",
            SubmitOutcome::ActiveJobLimit { .. } => "active limit",
            SubmitOutcome::Rejected { .. } => "rejected",
        }
    }

    #[tokio::test]
    async fn submit_outcomes_table() {
        // A refused connection, as the client reports it after its retries.
        let refused = reqwest::Client::new()
            .get("http://127.0.0.1:1/")
            .send()
            .await
            .unwrap_err();
        assert!(refused.is_connect());
        let rows: Vec<(Error, &str)> = vec![
            (
                Error::Transport {
                    source: refused,
                    attempts: 6,
                },
                "not sent",
            ),
            (
                Error::NotSent {
                    reason: "the deadline passed in the rate limiter's queue".into(),
                    last: None,
                },
                "past deadline",
            ),
            (
                Error::MaybeSubmitted {
                    cause: "timeout".into(),
                },
                "unknown",
            ),
            (
                Error::InvalidRequest {
                    message: "no facts".into(),
                },
                "not sent",
            ),
            (
                Error::Config {
                    message: "no key".into(),
                },
                "not sent",
            ),
            (api(400), "rejected"),
            (api(401), "account"),
            (api(402), "account"),
            (api(403), "account"),
            (api(404), "rejected"),
            (api(422), "rejected"),
            (api(429), "rate limited"),
            (
                Error::from_response(
                    429,
                    br#"{"error": "Too Many Active Jobs", "message": "5 jobs running"}"#,
                ),
                "active limit",
            ),
            (api(408), "unknown"),
            (api(500), "unknown"),
            (api(503), "unknown"),
            (
                Error::Redirect {
                    status: 307,
                    location: Some("https://elsewhere.example/".into()),
                },
                "rejected",
            ),
            (
                Error::JobFailed {
                    task_id: id("t"),
                    message: "x".into(),
                },
                "unknown",
            ),
        ];
        for (error, want) in &rows {
            let got = classify_submit(SubmitCall::Answered(Err(error)));
            assert_eq!(kind(&got), *want, "{error:?}");
        }
        let accepted = id("t-1");
        assert_eq!(
            classify_submit(SubmitCall::Answered(Ok(&accepted))),
            SubmitOutcome::Accepted {
                task_id: accepted.clone()
            }
        );
        assert_eq!(kind(&classify_submit(SubmitCall::TooLate)), "past deadline");
        match classify_submit(SubmitCall::Answered(Err(&api(402)))) {
            SubmitOutcome::AccountRefused { status, reason } => {
                assert_eq!(status, 402);
                assert!(reason.contains("credits"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn wait_outcomes_table() {
        let lost = reqwest::Client::new()
            .get("http://127.0.0.1:1/")
            .send()
            .await
            .unwrap_err();
        let result: EnrichResult =
            serde_json::from_value(json!({"structured_data": {"a": 1}})).unwrap();
        let rows: Vec<(WaitCall<'_>, &str)> = vec![
            (WaitCall::Answered(Ok(&result)), "completed"),
            (WaitCall::CutOff, "running"),
        ];
        let errors: Vec<(Error, &str)> = vec![
            (
                Error::JobFailed {
                    task_id: id("t"),
                    message: "agent failed".into(),
                },
                "failed",
            ),
            (api(404), "gone"),
            (api(401), "account"),
            (api(402), "account"),
            (api(403), "account"),
            (api(500), "running"),
            (api(429), "running"),
            (
                Error::Transport {
                    source: lost,
                    attempts: 6,
                },
                "running",
            ),
            (
                Error::Deadline {
                    task_id: id("t"),
                    waited: Duration::from_secs(1),
                    last_state: sixtyfour::JobState::Processing,
                },
                "running",
            ),
            (
                Error::Decode {
                    path: "result".into(),
                    message: "a completed job came without its result".into(),
                    body: String::new(),
                },
                "unreadable",
            ),
        ];
        let name = |outcome: &WaitOutcome| match outcome {
            WaitOutcome::Completed { .. } => "completed",
            WaitOutcome::JobFailed { .. } => "failed",
            WaitOutcome::Gone { .. } => "gone",
            WaitOutcome::Unreadable { .. } => "unreadable",
            WaitOutcome::StillRunning { .. } => "running",
            WaitOutcome::AccountRefused { .. } => "account",
        };
        for (call, want) in rows {
            assert_eq!(name(&classify_wait(call)), want);
        }
        for (error, want) in &errors {
            assert_eq!(
                name(&classify_wait(WaitCall::Answered(Err(error)))),
                *want,
                "{error:?}"
            );
        }
        assert_eq!(
            classify_wait(WaitCall::Answered(Err(&errors[0].0))),
            WaitOutcome::JobFailed {
                reason: "agent failed".into()
            }
        );
    }

    #[test]
    fn poll_outcomes_table() {
        let read = |body: serde_json::Value| -> JobStatus {
            JobStatus::from_body(id("t"), serde_json::from_value(body).unwrap())
        };
        let rows = [
            (
                read(json!({"status": "pending", "processed_items": 0, "total_items": 0})),
                PollOutcome::Running {
                    processed: Some(0),
                    total: Some(0),
                },
            ),
            (
                read(json!({"status": "processing", "processed_items": 3, "total_items": 5})),
                PollOutcome::Running {
                    processed: Some(3),
                    total: Some(5),
                },
            ),
            (
                read(json!({"status": "failed", "error": "no sources"})),
                PollOutcome::Ended(WaitOutcome::JobFailed {
                    reason: "no sources".into(),
                }),
            ),
        ];
        for (answer, want) in rows {
            assert_eq!(classify_poll(Ok(&answer)), want);
        }
        let done = read(json!({"status": "completed", "result": {"structured_data": {"a": 1}}}));
        assert!(matches!(
            classify_poll(Ok(&done)),
            PollOutcome::Ended(WaitOutcome::Completed { .. })
        ));
        let empty = read(json!({"status": "completed"}));
        assert!(matches!(
            classify_poll(Ok(&empty)),
            PollOutcome::Ended(WaitOutcome::Unreadable { .. })
        ));
        // Errors: as a wait would end, except that what a wait would keep waiting on is a
        // failed poll, with the server's Retry-After.
        let limited = Error::from_response(429, br#"{"error": "E", "message": "m"}"#);
        assert!(matches!(
            classify_poll(Err(&limited)),
            PollOutcome::Failed { .. }
        ));
        assert!(matches!(
            classify_poll(Err(&api(404))),
            PollOutcome::Ended(WaitOutcome::Gone { .. })
        ));
        assert!(matches!(
            classify_poll(Err(&api(401))),
            PollOutcome::Ended(WaitOutcome::AccountRefused { status: 401, .. })
        ));
        assert!(matches!(
            classify_poll(Err(&api(503))),
            PollOutcome::Failed { .. }
        ));
    }

    #[test]
    fn random_ids_look_like_uuids() {
        let a = random_task_id().unwrap();
        assert_eq!(a.as_str().len(), 36);
        assert_eq!(&a.as_str()[14..15], "4");
        assert_ne!(Some(a), random_task_id());
    }
}
