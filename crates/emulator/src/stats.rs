//! Counters the control surface reports, so tests can prove what a client did.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::faults::Outcome;

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
    pub bad_requests: AtomicU64,
    pub unauthorized: AtomicU64,
    pub not_found: AtomicU64,
    pub fault_500: AtomicU64,
    pub fault_503: AtomicU64,
    pub fault_429: AtomicU64,
    pub fault_reset: AtomicU64,
    pub fault_slow: AtomicU64,
    pub fault_job_failure: AtomicU64,
    pub fault_ambiguous: AtomicU64,
    pub in_flight: AtomicU64,
    pub max_in_flight: AtomicU64,
    pub webhooks_delivered: AtomicU64,
    pub webhook_attempts_failed: AtomicU64,
    pub jobs_expired: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    pub fn add(&self, counter: fn(&Counters) -> &AtomicU64) {
        bump(counter(self));
    }

    pub fn fault(&self, outcome: Outcome) {
        let counter = match outcome {
            Outcome::Ok => return,
            Outcome::Error500 => &self.fault_500,
            Outcome::Error503 => &self.fault_503,
            Outcome::RateLimit => &self.fault_429,
            Outcome::Reset => &self.fault_reset,
            Outcome::Slow => &self.fault_slow,
            Outcome::JobFailure => &self.fault_job_failure,
            Outcome::AmbiguousSubmit => &self.fault_ambiguous,
        };
        bump(counter);
    }

    pub fn job_started(&self) {
        bump(&self.jobs_created);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
    }

    pub fn job_finished(&self, failed: bool) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        bump(if failed {
            &self.jobs_failed
        } else {
            &self.jobs_completed
        });
    }

    pub fn reset(&self) {
        let in_flight = self.in_flight.load(Ordering::SeqCst);
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
            &self.bad_requests,
            &self.unauthorized,
            &self.not_found,
            &self.fault_500,
            &self.fault_503,
            &self.fault_429,
            &self.fault_reset,
            &self.fault_slow,
            &self.fault_job_failure,
            &self.fault_ambiguous,
            &self.webhooks_delivered,
            &self.webhook_attempts_failed,
            &self.jobs_expired,
        ];
        for counter in all {
            counter.store(0, Ordering::SeqCst);
        }
        self.max_in_flight.store(in_flight, Ordering::SeqCst);
    }

    pub fn snapshot(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::SeqCst);
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
            status_polls: get(&self.status_polls),
            rate_limited: get(&self.rate_limited),
            bad_requests: get(&self.bad_requests),
            unauthorized: get(&self.unauthorized),
            not_found: get(&self.not_found),
            faults: FaultCounts {
                error_500: get(&self.fault_500),
                error_503: get(&self.fault_503),
                rate_limit: get(&self.fault_429),
                reset: get(&self.fault_reset),
                slow: get(&self.fault_slow),
                job_failure: get(&self.fault_job_failure),
                ambiguous_submit: get(&self.fault_ambiguous),
            },
            in_flight: get(&self.in_flight),
            max_in_flight: get(&self.max_in_flight),
            webhooks_delivered: get(&self.webhooks_delivered),
            webhook_attempts_failed: get(&self.webhook_attempts_failed),
        }
    }
}

/// A snapshot of the counters, as `GET /_emulator/stats` returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
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
    /// Finished jobs dropped after their time to live or over the store's cap.
    pub jobs_expired: u64,
    /// `GET /job-status` requests with a valid key, whatever they were answered.
    pub status_polls: u64,
    /// 429s from the rate limit (injected ones are under `faults`).
    pub rate_limited: u64,
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

/// One accepted submit, as `GET /_emulator/jobs` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JobRecord {
    /// The job's task id.
    pub task_id: String,
    /// The `lead_info` of the request that created it.
    pub lead_info: serde_json::Map<String, serde_json::Value>,
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

/// Injected faults per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct FaultCounts {
    /// Injected 500s.
    pub error_500: u64,
    /// Injected 503s.
    pub error_503: u64,
    /// Injected 429s.
    pub rate_limit: u64,
    /// Dropped connections.
    pub reset: u64,
    /// Slow responses.
    pub slow: u64,
    /// Jobs made to fail.
    pub job_failure: u64,
    /// Submits that created a job and answered 500.
    pub ambiguous_submit: u64,
}
