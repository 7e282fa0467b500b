//! The API as the ledger sees it: a submit that ends in one of a few classified outcomes, and a
//! wait bounded by an instant. [`ClientApi`] implements it over [`sixtyfour::Client`]; tests
//! drive the ledger's state machine with a scripted implementation.

mod client;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use sixtyfour::{EnrichRequest, EnrichResult, PollPolicy, RateLimit, TaskId};
use tokio::time::Instant;

pub use client::{ClientApi, SubmitCall, WaitCall, classify_poll, classify_submit, classify_wait};

/// A boxed future borrowing its arguments.
pub type ApiFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How a submit ended, classified for the ledger.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SubmitOutcome {
    /// A task id was read from a 2xx answer.
    Accepted {
        /// The job.
        task_id: TaskId,
    },
    /// The request may have reached the server and gave no readable task id (interrupted,
    /// timed out, 5xx, an unreadable 2xx, cut off by the deadline): the row is `unknown`.
    MaybeSubmitted {
        /// In words.
        reason: String,
    },
    /// The key has as many jobs running as it may (a 429 saying so): no job exists; the row
    /// stays `pending` and is sent again once one of the key's jobs ends.
    ActiveJobLimit {
        /// In words.
        reason: String,
    },
    /// The request provably never left (a refused connection, refused before sending): the
    /// row stays `pending`.
    NotSent {
        /// In words.
        reason: String,
    },
    /// The deadline came first: it passed, or the wait for the rate limit or for a server's
    /// `Retry-After` would have ended after it. The request never left; the row stays
    /// `pending`, and a run with a deadline stops taking rows.
    PastDeadline {
        /// In words.
        reason: String,
    },
    /// 401, 402 or 403: the account refused it; no job exists, and the run stops submitting.
    AccountRefused {
        /// The status.
        status: u16,
        /// In words.
        reason: String,
    },
    /// 429 after the retries: no job exists; the row stays `pending`.
    RateLimited {
        /// In words.
        reason: String,
    },
    /// Another 4xx: no job exists and the same request would be refused again (`failed`,
    /// definite).
    Rejected {
        /// The status.
        status: u16,
        /// In words.
        reason: String,
    },
}

/// How waiting for a job ended, classified for the ledger.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WaitOutcome {
    /// The job completed; the result keeps the whole raw answer.
    Completed {
        /// The answer.
        result: Box<EnrichResult>,
    },
    /// The job ended `failed` (definite).
    JobFailed {
        /// The service's message.
        reason: String,
    },
    /// The server no longer knows a job it accepted (404): the row is `unknown`, not sent
    /// again unless asked.
    Gone {
        /// In words.
        reason: String,
    },
    /// The job ended and its answer could not be read: the row is `unknown`.
    Unreadable {
        /// In words.
        reason: String,
    },
    /// The wait ended first (deadline, lost contact): the row stays `submitted` and a later
    /// run waits again.
    StillRunning {
        /// In words.
        reason: String,
    },
    /// 401, 402 or 403 while polling: the row stays `submitted`, and the run stops.
    AccountRefused {
        /// The status.
        status: u16,
        /// In words.
        reason: String,
    },
}

/// What one status request found, classified for the ledger.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PollOutcome {
    /// The job is still pending or processing, with its progress when the server reports it.
    Running {
        /// `processed_items`.
        processed: Option<u64>,
        /// `total_items`.
        total: Option<u64>,
    },
    /// The job ended, or cannot be followed further: what a wait would have ended with
    /// (never [`WaitOutcome::StillRunning`]).
    Ended(WaitOutcome),
    /// The request failed and may be tried again later (lost contact, 5xx, 429 after the
    /// client's retries); `retry_after` is the server's `Retry-After`, which holds back every
    /// request of the key.
    Failed {
        /// In words.
        reason: String,
        /// The server's `Retry-After`.
        retry_after: Option<Duration>,
    },
}

/// The budget and poll schedule of an [`Api`] that can poll a job once, for the scheduler
/// that drives a run over it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Scheduling {
    /// The key's request budget, shared by submits and polls (`None`: no limit).
    pub rate_limit: Option<RateLimit>,
    /// The most often a job is polled: the schedule of a lone job.
    pub poll: PollPolicy,
}

impl Scheduling {
    /// A budget and a poll schedule.
    pub fn new(rate_limit: Option<RateLimit>, poll: PollPolicy) -> Self {
        Scheduling { rate_limit, poll }
    }
}

/// What a request that costs nothing says about the key before the first submit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyCheck {
    /// The key was accepted.
    Accepted,
    /// The key was refused (401 or 403).
    Refused {
        /// The status.
        status: u16,
        /// In words.
        reason: String,
    },
    /// No clear answer (the server could not be reached); the run goes on.
    Inconclusive {
        /// In words.
        reason: String,
    },
}

/// The calls the ledger makes.
pub trait Api: Send + Sync {
    /// Submits one request. `deadline`, when given, bounds the call: a submit that could not
    /// leave before it is `NotSent`, one cut off after it may have left is `MaybeSubmitted`.
    fn submit<'a>(
        &'a self,
        request: &'a EnrichRequest,
        deadline: Option<Instant>,
    ) -> ApiFuture<'a, SubmitOutcome>;

    /// Waits for a job until it ends or `until` passes.
    fn wait<'a>(&'a self, task_id: &'a TaskId, until: Instant) -> ApiFuture<'a, WaitOutcome>;

    /// Asks about a task id that cannot exist, which costs nothing and shows whether the key
    /// is accepted.
    fn check_key(&self, deadline: Option<Instant>) -> ApiFuture<'_, KeyCheck>;

    /// `Some` when [`poll`](Api::poll) asks about a job once: a run is then driven by the
    /// scheduler (one budget for submits and polls, each job polled when it is likely done).
    /// `None` (the default): each job is waited for with [`wait`](Api::wait).
    fn scheduling(&self) -> Option<Scheduling> {
        None
    }

    /// Asks once where a job is, bounded by `deadline`. Only called when
    /// [`scheduling`](Api::scheduling) is `Some`; the default answers that it cannot.
    fn poll<'a>(
        &'a self,
        task_id: &'a TaskId,
        deadline: Option<Instant>,
    ) -> ApiFuture<'a, PollOutcome> {
        let _ = (task_id, deadline);
        Box::pin(async {
            PollOutcome::Failed {
                reason: "this API cannot poll a job once".into(),
                retry_after: None,
            }
        })
    }
}
