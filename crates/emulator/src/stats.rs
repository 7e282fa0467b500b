//! Counters the control surface reports, so tests can prove what a client did.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::faults::{FaultCounts, KINDS, Outcome};

/// Live counters.
#[derive(Debug, Default)]
pub struct Counters {
    pub requests: AtomicU64,
    pub submits_sync: AtomicU64,
    pub submits_async: AtomicU64,
    pub submits_people_sync: AtomicU64,
    pub submits_people_async: AtomicU64,
    pub jobs_created: AtomicU64,
    pub jobs_completed: AtomicU64,
    pub jobs_failed: AtomicU64,
    pub status_polls: AtomicU64,
    pub rate_limited: AtomicU64,
    pub active_job_limited: AtomicU64,
    pub bad_requests: AtomicU64,
    pub unauthorized: AtomicU64,
    pub not_found: AtomicU64,
    /// One per fault kind, in the order of [`KINDS`].
    pub faults: [AtomicU64; KINDS.len()],
    pub max_in_flight: AtomicU64,
    pub webhooks_delivered: AtomicU64,
    pub webhook_attempts_failed: AtomicU64,
    pub jobs_expired: AtomicU64,
    pub jobs_evicted: AtomicU64,
}

/// What the job store says at the time of a snapshot.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoreView {
    pub in_flight: u64,
    pub bytes_held: u64,
    pub max_bytes: u64,
    pub jobs_held: u64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    pub fn add(&self, counter: fn(&Counters) -> &AtomicU64) {
        bump(counter(self));
    }

    pub fn add_n(&self, counter: fn(&Counters) -> &AtomicU64, n: u64) {
        if n > 0 {
            counter(self).fetch_add(n, Ordering::Relaxed);
        }
    }

    pub fn fault(&self, outcome: Outcome) {
        if let Some(counter) = outcome.index().and_then(|i| self.faults.get(i)) {
            bump(counter);
        }
    }

    /// A job was created while `in_flight` jobs (it included) are unfinished.
    pub fn job_started(&self, in_flight: u64) {
        bump(&self.jobs_created);
        self.max_in_flight.fetch_max(in_flight, Ordering::SeqCst);
    }

    /// Zero counters; the most in flight restarts from what is in flight now.
    pub fn reset(&self, in_flight: u64) {
        let all = [
            &self.requests,
            &self.submits_sync,
            &self.submits_async,
            &self.submits_people_sync,
            &self.submits_people_async,
            &self.jobs_created,
            &self.jobs_completed,
            &self.jobs_failed,
            &self.status_polls,
            &self.rate_limited,
            &self.active_job_limited,
            &self.bad_requests,
            &self.unauthorized,
            &self.not_found,
            &self.webhooks_delivered,
            &self.webhook_attempts_failed,
            &self.jobs_expired,
            &self.jobs_evicted,
        ];
        for counter in all.into_iter().chain(&self.faults) {
            counter.store(0, Ordering::SeqCst);
        }
        self.max_in_flight.store(in_flight, Ordering::SeqCst);
    }

    pub fn snapshot(&self, store: StoreView) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::SeqCst);
        let mut faults = FaultCounts::default();
        for (kind, counter) in KINDS.iter().zip(&self.faults) {
            if let Some(slot) = faults.get_mut(kind.outcome) {
                *slot = get(counter);
            }
        }
        Stats {
            requests: get(&self.requests),
            submits: Submits {
                enrich_lead: get(&self.submits_sync),
                enrich_lead_async: get(&self.submits_async),
                people_intelligence: get(&self.submits_people_sync),
                people_intelligence_async: get(&self.submits_people_async),
            },
            jobs_created: get(&self.jobs_created),
            jobs_completed: get(&self.jobs_completed),
            jobs_failed: get(&self.jobs_failed),
            jobs_expired: get(&self.jobs_expired),
            jobs_evicted: get(&self.jobs_evicted),
            jobs_held: store.jobs_held,
            bytes_held: store.bytes_held,
            max_bytes: store.max_bytes,
            status_polls: get(&self.status_polls),
            rate_limited: get(&self.rate_limited),
            active_job_limited: get(&self.active_job_limited),
            bad_requests: get(&self.bad_requests),
            unauthorized: get(&self.unauthorized),
            not_found: get(&self.not_found),
            faults,
            in_flight: store.in_flight,
            max_in_flight: get(&self.max_in_flight).max(store.in_flight),
            webhooks_delivered: get(&self.webhooks_delivered),
            webhook_attempts_failed: get(&self.webhook_attempts_failed),
        }
    }
}

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
