//! The API as the ledger sees it: a submit that ends in one of a few classified outcomes, and a
//! wait bounded by an instant. [`ClientApi`] implements it over [`sixtyfour::Client`]; tests
//! drive the ledger's state machine with a scripted implementation.

mod client;

use std::future::Future;
use std::pin::Pin;

use sixtyfour::{EnrichRequest, EnrichResult, TaskId};
use tokio::time::Instant;

pub use client::{ClientApi, SubmitCall, WaitCall, classify_submit, classify_wait};

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
}
