//! The job store: jobs, their queue and leases, finished results, and the webhook outbox,
//! behind one trait with three implementations (in memory, SQLite, PostgreSQL). The decisions
//! every store shares (fair order, back-off, what a view answers) are small pure functions
//! here; each store only keeps state.
//!
//! Time is passed in (`now`, milliseconds since the Unix epoch), so a test drives a store with
//! a simulated clock.

mod memory;
mod postgres;
mod sqlite;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::body::Bytes;
use serde_json::{Map, Value};
use sixtyfour_protocol::{EnrichBody, EnrichResult, JobState, JobStatusBody, TaskId, TaskType};

pub use memory::{JOB_OVERHEAD, MemoryLimits, MemoryStats, MemoryStore};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// The wall clock, in [`Millis`].
pub fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A duration in [`Millis`], saturating.
pub fn millis(duration: Duration) -> Millis {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// A store that failed (I/O, the database, a row that cannot be read).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite refused or failed.
    #[error("SQLite job store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL refused or failed.
    #[error("PostgreSQL job store: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// A stored row could not be read back.
    #[error("job store row for {task_id}: {message}")]
    Corrupt {
        /// The job.
        task_id: String,
        /// What could not be read.
        message: String,
    },
    /// The store cannot be opened as asked.
    #[error("job store: {0}")]
    Open(String),
    /// A blocking task running a query did not return.
    #[error("job store worker thread failed: {0}")]
    Join(String),
}

/// Where a job is, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Waiting for a worker.
    Queued,
    /// Leased to a worker.
    Running,
    /// Finished with a result.
    Completed,
    /// Finished with an error.
    Failed,
}

impl Stage {
    /// Every stage.
    pub const ALL: [Stage; 4] = [
        Stage::Queued,
        Stage::Running,
        Stage::Completed,
        Stage::Failed,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Queued => "queued",
            Stage::Running => "running",
            Stage::Completed => "completed",
            Stage::Failed => "failed",
        }
    }

    /// True once the job will not change again.
    pub fn is_finished(self) -> bool {
        matches!(self, Stage::Completed | Stage::Failed)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Stage {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stage::ALL
            .into_iter()
            .find(|stage| stage.as_str() == s)
            .ok_or_else(|| format!("unknown job stage `{s}`"))
    }
}

/// A job to create.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Its id, drawn by the server.
    pub task_id: TaskId,
    /// The key that submitted it.
    pub key_id: String,
    /// What kind of job it is.
    pub task_type: TaskType,
    /// The request.
    pub body: EnrichBody,
    /// Data attached by the server's hook, handed to the researcher.
    pub meta: Map<String, Value>,
}

/// Limits checked atomically with the insertion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubmitLimits {
    /// The most unfinished jobs the key may have.
    pub max_active: Option<u64>,
    /// The most jobs the key may ever submit (its credits).
    pub credits: Option<u64>,
}

/// What became of a submit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// The job is queued.
    Created,
    /// The key has this many unfinished jobs, its limit.
    ActiveLimit(u64),
    /// The key has used its credits.
    OutOfCredits,
    /// The store has no room (the in-memory store's caps).
    Full,
}

/// A job as a status poll sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobView {
    /// Where it is.
    pub stage: Stage,
    /// What kind of job it is.
    pub task_type: TaskType,
    /// Progress, while running.
    pub processed: u64,
    /// Progress, while running (0 until the researcher says).
    pub total: u64,
    /// The whole status body, once finished.
    pub finished_body: Option<Bytes>,
}

impl JobView {
    /// The status answer: the stored body once finished; `pending` while queued or before
    /// the researcher reports how much there is to do; `processing` with progress after.
    pub fn status_body(&self) -> StatusAnswer {
        match (&self.finished_body, self.stage) {
            (Some(body), _) => StatusAnswer::Stored(body.clone()),
            (None, Stage::Running) if self.total > 0 => {
                StatusAnswer::Built(Box::new(JobStatusBody::running(
                    JobState::Processing,
                    self.processed.min(self.total),
                    self.total,
                    self.task_type.clone(),
                )))
            }
            (None, _) => StatusAnswer::Built(Box::new(JobStatusBody::running(
                JobState::Pending,
                0,
                0,
                self.task_type.clone(),
            ))),
        }
    }
}

/// A status answer: bytes written once at the end of the job, or a body to write now.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusAnswer {
    /// The stored body of a finished job.
    Stored(Bytes),
    /// The body of a job still in progress.
    Built(Box<JobStatusBody>),
}

/// A job leased to a worker.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The job.
    pub task_id: TaskId,
    /// Which run of it this is, from 1: the webhook event of its end is
    /// `event_id(task_id, run)`.
    pub run: u32,
    /// The key that submitted it.
    pub key_id: String,
    /// What kind of job it is.
    pub task_type: TaskType,
    /// The request.
    pub body: Arc<EnrichBody>,
    /// Data attached at submit.
    pub meta: Arc<Map<String, Value>>,
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Finish {
    /// With a result.
    Completed(Box<EnrichResult>),
    /// With an error message.
    Failed(String),
}

impl Finish {
    /// The stage it leaves the job in.
    pub fn stage(&self) -> Stage {
        match self {
            Finish::Completed(_) => Stage::Completed,
            Finish::Failed(_) => Stage::Failed,
        }
    }

    /// The status body a poll answers from now on.
    pub fn status_body(&self, task_type: &TaskType) -> Bytes {
        let body = match self {
            Finish::Completed(result) => {
                JobStatusBody::completed(result.as_ref().clone(), task_type.clone())
            }
            Finish::Failed(error) => JobStatusBody::failed(error.clone(), task_type.clone()),
        };
        Bytes::from(serde_json::to_vec(&body).unwrap_or_default())
    }
}

/// A webhook delivery to record with the end of a job (the outbox), in the same transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    /// `event_id(task_id, run)`: the same for every attempt.
    pub event_id: String,
    /// Where to send it.
    pub url: String,
    /// The event, serialised once.
    pub body: Bytes,
}

/// A webhook delivery leased to a sender.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Its de-duplication id.
    pub event_id: String,
    /// The job it reports.
    pub task_id: String,
    /// The key whose signing secret signs it.
    pub key_id: String,
    /// Where to send it.
    pub url: String,
    /// The event.
    pub body: Bytes,
    /// This attempt's number, from 1.
    pub attempt: u32,
}

/// Jobs per stage, and deliveries waiting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Waiting for a worker.
    pub queued: u64,
    /// Leased to a worker.
    pub running: u64,
    /// Finished with a result (and kept).
    pub completed: u64,
    /// Finished with an error (and kept).
    pub failed: u64,
    /// Webhook deliveries not yet made nor given up.
    pub deliveries_pending: u64,
}

/// What a finish did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// The job ended with this run.
    Done,
    /// This run no longer holds the job (its lease expired and another run took it, or the
    /// job is gone): nothing was written.
    Lost,
}

/// The job store. Every method is one atomic step; `now` is the caller's clock.
#[async_trait]
pub trait JobStore: Send + Sync + 'static {
    /// A short name for logs (`memory`, `sqlite:path`, `postgres`).
    fn describe(&self) -> String;

    /// Queues a job, checking the key's limits in the same step.
    async fn insert(
        &self,
        job: NewJob,
        limits: SubmitLimits,
        now: Millis,
    ) -> Result<Admission, StoreError>;

    /// The job as its key sees it; `None` for an unknown job or another key's.
    async fn status(&self, task_id: &str, key_id: &str) -> Result<Option<JobView>, StoreError>;

    /// Leases up to `max` queued jobs (and jobs whose lease expired) to `worker` until
    /// `lease_until`, fairly across keys; each claim starts a new run.
    async fn claim(
        &self,
        worker: &str,
        max: usize,
        lease_until: Millis,
        now: Millis,
    ) -> Result<Vec<Claimed>, StoreError>;

    /// Extends a run's lease; `false` if the run no longer holds the job.
    async fn renew(
        &self,
        task_id: &TaskId,
        run: u32,
        lease_until: Millis,
    ) -> Result<bool, StoreError>;

    /// Records progress of a run.
    async fn progress(
        &self,
        task_id: &TaskId,
        run: u32,
        processed: u64,
        total: u64,
    ) -> Result<(), StoreError>;

    /// Ends a run: stores the status body and, in the same step, the webhook delivery.
    async fn finish(
        &self,
        task_id: &TaskId,
        run: u32,
        finish: &Finish,
        delivery: Option<NewDelivery>,
        now: Millis,
    ) -> Result<Finished, StoreError>;

    /// Puts a run's job back in the queue (a worker shutting down).
    async fn release(&self, task_id: &TaskId, run: u32) -> Result<(), StoreError>;

    /// Drops jobs finished before `before`, and deliveries settled before it.
    async fn purge(&self, before: Millis) -> Result<u64, StoreError>;

    /// Leases up to `max` deliveries due at `now` until `lease_until`, counting an attempt.
    async fn due_deliveries(
        &self,
        max: usize,
        lease_until: Millis,
        now: Millis,
    ) -> Result<Vec<Delivery>, StoreError>;

    /// Settles a delivery: delivered, or given up after its last attempt.
    async fn settle_delivery(
        &self,
        event_id: &str,
        delivered: bool,
        now: Millis,
    ) -> Result<(), StoreError>;

    /// Schedules the next attempt of a delivery.
    async fn retry_delivery(&self, event_id: &str, next_at: Millis) -> Result<(), StoreError>;

    /// Jobs per stage.
    async fn counts(&self) -> Result<Counts, StoreError>;
}

/// Where a key's new job goes in the fair order: right after the key's previous job, but
/// never behind the head of the queue (a key that was idle starts level with the others).
/// Claiming in ascending order then serves the keys with a backlog in turn.
pub fn fair_seq(key_last: Option<i64>, queue_head: Option<i64>) -> i64 {
    let next = key_last.map_or(0, |last| last.saturating_add(1));
    next.max(queue_head.unwrap_or(0))
}

/// The wait before webhook attempt `attempt + 1`, after `attempt` failed ones: `base`
/// doubling each time, at most `cap`.
pub fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(30));
    base.saturating_mul(factor).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fair_order_table() {
        let rows = [
            (None, None, 0),
            (None, Some(5), 5),
            (Some(2), Some(5), 5),
            (Some(7), Some(5), 8),
            (Some(7), None, 8),
            (Some(i64::MAX), None, i64::MAX),
        ];
        for (last, head, want) in rows {
            assert_eq!(fair_seq(last, head), want, "{last:?} {head:?}");
        }
        // Two keys: A submits 3 jobs, then B submits 2; the order alternates.
        let mut queue: Vec<(i64, u64, &str)> = Vec::new();
        let mut last = std::collections::HashMap::new();
        for (seq, key) in ["A", "A", "A", "B", "B"].into_iter().enumerate() {
            let head = queue.iter().map(|j| j.0).min();
            let f = fair_seq(last.get(key).copied(), head);
            last.insert(key, f);
            queue.push((f, seq as u64, key));
        }
        queue.sort();
        let order: Vec<&str> = queue.iter().map(|j| j.2).collect();
        assert_eq!(order, ["A", "B", "A", "B", "A"]);
    }

    #[test]
    fn backoff_table() {
        let s = Duration::from_secs;
        let rows = [
            (1, s(1)),
            (2, s(2)),
            (3, s(4)),
            (8, s(60)),
            (u32::MAX, s(60)),
        ];
        for (attempt, want) in rows {
            assert_eq!(backoff(attempt, s(1), s(60)), want, "{attempt}");
        }
        assert_eq!(backoff(0, s(1), s(60)), s(1));
    }

    #[test]
    fn views_answer_by_stage() {
        let view = |stage, processed, total| JobView {
            stage,
            task_type: TaskType::EnrichLead,
            processed,
            total,
            finished_body: None,
        };
        let built = |v: JobView| match v.status_body() {
            StatusAnswer::Built(body) => serde_json::to_value(body).unwrap(),
            StatusAnswer::Stored(_) => panic!("stored"),
        };
        let pending = serde_json::json!({"status": "pending", "processed_items": 0, "total_items": 0, "task_type": "enrich_lead"});
        assert_eq!(built(view(Stage::Queued, 0, 0)), pending);
        assert_eq!(built(view(Stage::Running, 0, 0)), pending);
        assert_eq!(
            built(view(Stage::Running, 3, 11)),
            serde_json::json!({"status": "processing", "processed_items": 3, "total_items": 11, "task_type": "enrich_lead"})
        );
        assert_eq!(built(view(Stage::Running, 30, 11))["processed_items"], 11);
        let mut done = view(Stage::Completed, 0, 0);
        done.finished_body = Some(Bytes::from_static(b"{}"));
        assert_eq!(
            done.status_body(),
            StatusAnswer::Stored(Bytes::from_static(b"{}"))
        );
        for stage in Stage::ALL {
            assert_eq!(stage.as_str().parse::<Stage>(), Ok(stage));
        }
    }
}
