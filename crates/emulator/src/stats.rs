//! What the control surface reports, so tests can prove what a client did: counters of the
//! server and of the faults, the store's holdings, and the log of accepted submits.

use serde::{Deserialize, Serialize};

use crate::faults::FaultCounts;

/// A snapshot of the counters, as `GET /_emulator/stats` returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[non_exhaustive]
pub struct Stats {
    /// Every request to an API path.
    pub requests: u64,
    /// Accepted submits per endpoint (requests that passed auth, rate limit and validation).
    pub submits: Submits,
    /// Jobs created (sync and async).
    pub jobs_created: u64,
    /// Jobs that ended `completed`.
    pub jobs_completed: u64,
    /// Jobs that ended `failed`.
    pub jobs_failed: u64,
    /// Finished jobs dropped after their time to live.
    pub jobs_expired: u64,
    /// Finished jobs dropped early, oldest first, to make room under the caps on jobs and
    /// bytes.
    pub jobs_evicted: u64,
    /// Jobs kept in the store now.
    pub jobs_held: u64,
    /// The bytes the kept jobs are counted for (results, ids, bookkeeping).
    pub bytes_held: u64,
    /// The cap on `bytes_held`; a submit that cannot fit under it is refused with 503.
    pub max_bytes: u64,
    /// `GET /job-status` requests with a valid key, whatever they were answered.
    pub status_polls: u64,
    /// 429s from the rate limit (injected ones are under `faults`).
    pub rate_limited: u64,
    /// 429s for too many active jobs of the key (injected ones are under `faults`).
    pub active_job_limited: u64,
    /// 400, 413 and 422 answers.
    pub bad_requests: u64,
    /// 401 answers.
    pub unauthorized: u64,
    /// 404 answers.
    pub not_found: u64,
    /// Faults injected, per kind.
    pub faults: FaultCounts,
    /// Jobs created and not yet finished.
    pub in_flight: u64,
    /// The most jobs in flight at once since start or reset.
    pub max_in_flight: u64,
    /// Webhook deliveries answered with a 2xx.
    pub webhooks_delivered: u64,
    /// Webhook attempts that failed (and were retried or given up).
    pub webhook_attempts_failed: u64,
}

impl Stats {
    /// Accepted submits on all four submit paths.
    pub fn total_submits(&self) -> u64 {
        self.submits.enrich_lead
            + self.submits.enrich_lead_async
            + self.submits.people_intelligence
            + self.submits.people_intelligence_async
    }
}

/// Accepted submits per path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct Submits {
    /// `POST /enrich-lead`.
    pub enrich_lead: u64,
    /// `POST /enrich-lead-async`.
    pub enrich_lead_async: u64,
    /// `POST /people-intelligence`.
    pub people_intelligence: u64,
    /// `POST /people-intelligence-async`.
    pub people_intelligence_async: u64,
}

/// One accepted submit, as `GET /_emulator/jobs` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JobRecord {
    /// The job's task id.
    pub task_id: String,
    /// The `lead_info` of the request that created it.
    pub lead_info: serde_json::Map<String, serde_json::Value>,
}

/// The answer of `GET /_emulator/jobs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct JobLog {
    /// The accepted submits kept, oldest first.
    pub jobs: Vec<JobRecord>,
    /// How many older ones were dropped to stay under the log's caps.
    pub dropped: u64,
}
