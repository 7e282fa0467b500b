//! [`Api`] over [`sixtyfour::Client`]: every client-specific decision of the ledger is here,
//! so that a new client call (a deadline-aware submit, a new error variant) changes this file
//! only. The two classification functions are pure and table-tested.

use std::time::Duration;

use sixtyfour::{ApiErrorKind, Client, EnrichRequest, EnrichResult, Error, TaskId};
use tokio::time::Instant;

use super::{Api, ApiFuture, KeyCheck, SubmitOutcome, WaitOutcome};

/// [`Api`] over a [`Client`].
///
/// Deadlines: the current client's `submit` cannot be told a deadline, so the call is cut off
/// there (and classified `MaybeSubmitted`, since it may have left); a submit is never started
/// once the deadline has passed. Waits are cut off at their bound (safe: polls start no job).
/// Build the client with the retry and rate-limit policy you want: its retries happen inside
/// these calls.
#[derive(Debug, Clone)]
pub struct ClientApi {
    client: Client,
}

impl ClientApi {
    /// The adapter.
    pub fn new(client: Client) -> Self {
        ClientApi { client }
    }
}

/// What a submit call gave, before classification.
#[derive(Debug)]
pub enum SubmitCall<'a> {
    /// The client answered.
    Answered(Result<&'a TaskId, &'a Error>),
    /// The deadline cut the call off while it was under way.
    CutOff,
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
            return SubmitOutcome::NotSent {
                reason: "the deadline passed before the request left".into(),
            };
        }
        SubmitCall::CutOff => {
            return SubmitOutcome::MaybeSubmitted {
                reason: "the deadline cut the submit off while it was under way; it may have started a job".into(),
            };
        }
        SubmitCall::Answered(Ok(task_id)) if task_id.as_str().trim().is_empty() => {
            return SubmitOutcome::MaybeSubmitted {
                reason: "the service answered with an empty task id".into(),
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
    match error {
        Error::MaybeSubmitted { .. } => SubmitOutcome::MaybeSubmitted { reason },
        // A 2xx whose body has no readable task id: the job may exist.
        Error::Decode { .. } => SubmitOutcome::MaybeSubmitted {
            reason: format!(
                "the service accepted the submit but its answer could not be read ({reason})"
            ),
        },
        // The client reports a transport error from a submit only when the connection never
        // opened (after its retries); an interrupted submit is `MaybeSubmitted`.
        Error::Transport { .. } | Error::Config { .. } | Error::InvalidRequest { .. } => {
            SubmitOutcome::NotSent { reason }
        }
        Error::Api { status, kind, .. } => match (kind, *status) {
            (
                ApiErrorKind::Unauthorized
                | ApiErrorKind::PaymentRequired
                | ApiErrorKind::Forbidden,
                status,
            ) => SubmitOutcome::AccountRefused { status, reason },
            (ApiErrorKind::RateLimited, _) => SubmitOutcome::RateLimited { reason },
            (_, status @ 400..=499) => SubmitOutcome::Rejected { status, reason },
            _ => SubmitOutcome::MaybeSubmitted { reason },
        },
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
            ApiErrorKind::Unauthorized
            | ApiErrorKind::PaymentRequired
            | ApiErrorKind::Forbidden => WaitOutcome::AccountRefused {
                status: *status,
                reason,
            },
            _ => WaitOutcome::StillRunning { reason },
        },
        Error::Decode { .. } | Error::Cast(_) => WaitOutcome::Unreadable { reason },
        _ => WaitOutcome::StillRunning { reason },
    }
}

/// A task id no server has: a random UUID.
fn random_task_id() -> TaskId {
    let mut bytes = [0u8; 16];
    if getrandom::getrandom(&mut bytes).is_err() {
        bytes = [0x5a; 16];
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = crate::canonical::hex(&bytes);
    TaskId::from(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

/// The longest the key check may take.
const KEY_CHECK_LIMIT: Duration = Duration::from_secs(30);

impl Api for ClientApi {
    fn submit<'a>(
        &'a self,
        request: &'a EnrichRequest,
        deadline: Option<Instant>,
    ) -> ApiFuture<'a, SubmitOutcome> {
        Box::pin(async move {
            match deadline {
                Some(deadline) if deadline <= Instant::now() => {
                    classify_submit(SubmitCall::TooLate)
                }
                Some(deadline) => {
                    match tokio::time::timeout_at(deadline, self.client.submit(request)).await {
                        Ok(result) => classify_submit(SubmitCall::Answered(result.as_ref())),
                        Err(_) => classify_submit(SubmitCall::CutOff),
                    }
                }
                None => {
                    let result = self.client.submit(request).await;
                    classify_submit(SubmitCall::Answered(result.as_ref()))
                }
            }
        })
    }

    fn wait<'a>(&'a self, task_id: &'a TaskId, until: Instant) -> ApiFuture<'a, WaitOutcome> {
        Box::pin(async move {
            let remaining = until.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return classify_wait(WaitCall::CutOff);
            }
            match tokio::time::timeout_at(until, self.client.wait_for(task_id, remaining)).await {
                Ok(result) => classify_wait(WaitCall::Answered(result.as_ref())),
                Err(_) => classify_wait(WaitCall::CutOff),
            }
        })
    }

    fn check_key(&self, deadline: Option<Instant>) -> ApiFuture<'_, KeyCheck> {
        Box::pin(async move {
            let limit = Instant::now() + KEY_CHECK_LIMIT;
            let until = deadline.map_or(limit, |d| d.min(limit));
            let id = random_task_id();
            match tokio::time::timeout_at(until, self.client.job_status(&id)).await {
                Ok(Ok(_)) => KeyCheck::Accepted,
                Ok(Err(Error::Api {
                    kind: ApiErrorKind::NotFound,
                    ..
                })) => KeyCheck::Accepted,
                Ok(Err(
                    error @ Error::Api {
                        kind:
                            ApiErrorKind::Unauthorized
                            | ApiErrorKind::PaymentRequired
                            | ApiErrorKind::Forbidden,
                        ..
                    },
                )) => KeyCheck::Refused {
                    status: match &error {
                        Error::Api { status, .. } => *status,
                        _ => 401,
                    },
                    reason: error.to_string(),
                },
                Ok(Err(error)) => KeyCheck::Inconclusive {
                    reason: error.to_string(),
                },
                Err(_) => KeyCheck::Inconclusive {
                    reason: "no answer in time".into(),
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

    fn kind(outcome: &SubmitOutcome) -> &'static str {
        match outcome {
            SubmitOutcome::Accepted { .. } => "accepted",
            SubmitOutcome::MaybeSubmitted { .. } => "unknown",
            SubmitOutcome::NotSent { .. } => "not sent",
            SubmitOutcome::AccountRefused { .. } => "account",
            SubmitOutcome::RateLimited { .. } => "rate limited",
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
            (Error::Transport { source: refused }, "not sent"),
            (
                Error::MaybeSubmitted {
                    cause: "timeout".into(),
                },
                "unknown",
            ),
            (
                Error::Decode {
                    path: "task_id".into(),
                    message: "invalid type: integer `5`, expected a string".into(),
                    body: r#"{"task_id": 5, "status": "pending"}"#.into(),
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
            (api(500), "unknown"),
            (api(503), "unknown"),
            (api(307), "unknown"),
            (
                Error::JobFailed {
                    task_id: "t".into(),
                    message: "x".into(),
                },
                "unknown",
            ),
        ];
        for (error, want) in &rows {
            let got = classify_submit(SubmitCall::Answered(Err(error)));
            assert_eq!(kind(&got), *want, "{error:?}");
        }
        let id = TaskId::from("t-1");
        assert_eq!(
            classify_submit(SubmitCall::Answered(Ok(&id))),
            SubmitOutcome::Accepted {
                task_id: id.clone()
            }
        );
        assert_eq!(
            kind(&classify_submit(SubmitCall::Answered(Ok(&TaskId::from(
                " "
            ))))),
            "unknown"
        );
        assert_eq!(kind(&classify_submit(SubmitCall::CutOff)), "unknown");
        assert_eq!(kind(&classify_submit(SubmitCall::TooLate)), "not sent");
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
        let result = EnrichResult::from_value(json!({"structured_data": {"a": 1}})).unwrap();
        let rows: Vec<(WaitCall<'_>, &str)> = vec![
            (WaitCall::Answered(Ok(&result)), "completed"),
            (WaitCall::CutOff, "running"),
        ];
        let errors: Vec<(Error, &str)> = vec![
            (
                Error::JobFailed {
                    task_id: "t".into(),
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
            (Error::Transport { source: lost }, "running"),
            (
                Error::Deadline {
                    task_id: "t".into(),
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
    fn random_ids_look_like_uuids() {
        let a = random_task_id();
        assert_eq!(a.as_str().len(), 36);
        assert_eq!(&a.as_str()[14..15], "4");
        assert_ne!(a, random_task_id());
    }
}
