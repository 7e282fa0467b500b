//! The job store: each job's schedule and outcome, expiry after a time to live, and a cap.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;

/// How a job ends. Decided when it is created; revealed when its time comes.
#[derive(Debug, Clone)]
pub enum Ending {
    /// The `result` object, already serialised.
    Completed(Bytes),
    /// The error message.
    Failed(String),
}

/// One enrichment job.
#[derive(Debug)]
pub struct Job {
    /// The task id.
    pub id: String,
    /// When it was submitted.
    pub created: Instant,
    /// When it finishes.
    pub ready_at: Instant,
    /// How it finishes.
    pub ending: Ending,
}

/// Where a job is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// First half of its latency.
    Pending,
    /// Second half.
    Processing,
    /// Finished with a result.
    Completed,
    /// Finished with an error.
    Failed,
}

impl Phase {
    /// The status string the API reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Pending => "pending",
            Phase::Processing => "processing",
            Phase::Completed => "completed",
            Phase::Failed => "failed",
        }
    }
}

impl Job {
    /// The phase at `now`.
    pub fn phase(&self, now: Instant) -> Phase {
        if now >= self.ready_at {
            match self.ending {
                Ending::Completed(_) => Phase::Completed,
                Ending::Failed(_) => Phase::Failed,
            }
        } else if now < self.created + (self.ready_at - self.created) / 2 {
            Phase::Pending
        } else {
            Phase::Processing
        }
    }
}

/// The store has no room: every job in it is still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreFull;

/// Jobs by task id, in creation order for expiry.
#[derive(Debug)]
pub struct JobStore {
    jobs: HashMap<String, Arc<Job>>,
    order: VecDeque<Arc<Job>>,
    ttl: Duration,
    cap: usize,
}

impl JobStore {
    /// A store that keeps finished jobs for `ttl` and at most `cap` jobs.
    pub fn new(ttl: Duration, cap: usize) -> Self {
        JobStore {
            jobs: HashMap::new(),
            order: VecDeque::new(),
            ttl,
            cap: cap.max(1),
        }
    }

    /// Adds a job, first dropping expired ones and, when full, the oldest finished one.
    /// Returns how many jobs were dropped.
    pub fn insert(&mut self, job: Arc<Job>, now: Instant) -> Result<usize, StoreFull> {
        let mut dropped = self.sweep(now);
        if self.jobs.len() >= self.cap {
            match self.order.front() {
                Some(oldest) if oldest.ready_at <= now => {
                    self.pop_front();
                    dropped += 1;
                }
                _ => return Err(StoreFull),
            }
        }
        self.jobs.insert(job.id.clone(), Arc::clone(&job));
        self.order.push_back(job);
        Ok(dropped)
    }

    /// Drops the finished jobs whose time to live has passed, oldest first.
    pub fn sweep(&mut self, now: Instant) -> usize {
        let mut dropped = 0;
        while self
            .order
            .front()
            .is_some_and(|job| job.ready_at + self.ttl <= now)
        {
            self.pop_front();
            dropped += 1;
        }
        dropped
    }

    fn pop_front(&mut self) {
        if let Some(job) = self.order.pop_front() {
            self.jobs.remove(&job.id);
        }
    }

    /// The job with that id, unless it expired.
    pub fn get(&self, id: &str, now: Instant) -> Option<Arc<Job>> {
        self.jobs
            .get(id)
            .filter(|job| job.ready_at + self.ttl > now)
            .cloned()
    }

    /// How many jobs are kept.
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// Forgets every job.
    pub fn clear(&mut self) {
        self.jobs.clear();
        self.order.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: &str, created: Instant, latency_ms: u64) -> Arc<Job> {
        Arc::new(Job {
            id: id.into(),
            created,
            ready_at: created + Duration::from_millis(latency_ms),
            ending: Ending::Completed(Bytes::from_static(b"{}")),
        })
    }

    #[test]
    fn phases_follow_the_clock() {
        let t0 = Instant::now();
        let j = job("a", t0, 100);
        assert_eq!(j.phase(t0), Phase::Pending);
        assert_eq!(j.phase(t0 + Duration::from_millis(60)), Phase::Processing);
        assert_eq!(j.phase(t0 + Duration::from_millis(100)), Phase::Completed);
    }

    #[test]
    fn expiry_and_cap() {
        let t0 = Instant::now();
        let mut store = JobStore::new(Duration::from_millis(50), 2);
        assert_eq!(store.insert(job("a", t0, 10), t0), Ok(0));
        assert_eq!(store.insert(job("b", t0, 1000), t0), Ok(0));
        // Full, and the oldest is still running.
        assert_eq!(store.insert(job("c", t0, 10), t0), Err(StoreFull));
        // Once "a" has finished it makes room.
        let t1 = t0 + Duration::from_millis(20);
        assert_eq!(store.insert(job("c", t1, 10), t1), Ok(1));
        assert!(store.get("a", t1).is_none());
        assert!(store.get("b", t1).is_some());
        // "c" expires 50 ms after it finished.
        assert!(store.get("c", t1 + Duration::from_millis(59)).is_some());
        assert!(store.get("c", t1 + Duration::from_millis(61)).is_none());
    }
}
