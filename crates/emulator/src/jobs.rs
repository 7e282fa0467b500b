//! The job store: each job's schedule and outcome, expiry after a time to live, and caps on
//! the number of jobs and the bytes they hold (the oldest finished jobs go first).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;

/// Bytes counted for a job besides its id and outcome: the map entry, the heaps, the `Arc`.
pub const JOB_OVERHEAD: usize = 256;

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
    /// The work items it reports progress over (the fields asked for).
    pub total_items: u64,
    /// What kind of job it is.
    pub task_type: sixtyfour_protocol::TaskType,
}

/// Where a job is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// First half of its latency.
    Pending,
    /// Second half, with the items done so far.
    Processing(u64),
    /// Finished with a result.
    Completed,
    /// Finished with an error.
    Failed,
}

impl Job {
    /// The phase at `now`: pending for the first half of the latency, then processing with
    /// the items done growing in step with the time, then finished.
    pub fn phase(&self, now: Instant) -> Phase {
        if now >= self.ready_at {
            return match self.ending {
                Ending::Completed(_) => Phase::Completed,
                Ending::Failed(_) => Phase::Failed,
            };
        }
        let latency = self.ready_at - self.created;
        let started = self.created + latency / 2;
        if now < started {
            return Phase::Pending;
        }
        let share = (now - started).as_secs_f64() / (self.ready_at - started).as_secs_f64();
        let done = (share * self.total_items as f64).floor() as u64;
        Phase::Processing(done.min(self.total_items.saturating_sub(1)))
    }

    /// The bytes this job is counted for.
    pub fn bytes(&self) -> usize {
        let outcome = match &self.ending {
            Ending::Completed(result) => result.len(),
            Ending::Failed(message) => message.len(),
        };
        JOB_OVERHEAD + self.id.len() + outcome
    }

    fn failed(&self) -> bool {
        matches!(self.ending, Ending::Failed(_))
    }
}

/// The store has no room: every job in it is still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreFull;

/// What an insertion or a sweep removed or saw finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Settled {
    /// Finished jobs dropped after their time to live.
    pub expired: u64,
    /// Finished jobs dropped early to make room.
    pub evicted: u64,
    /// Jobs seen to finish `completed` since the last call.
    pub completed: u64,
    /// Jobs seen to finish `failed` since the last call.
    pub failed: u64,
}

/// Jobs by task id, with their finishing times in order.
#[derive(Debug)]
pub struct JobStore {
    jobs: HashMap<String, Arc<Job>>,
    /// Every kept job by finishing time: the top is the oldest finished one.
    by_end: BinaryHeap<Reverse<(Instant, u64, String)>>,
    /// Jobs not yet seen to finish, by finishing time, with whether they fail and their size.
    running: BinaryHeap<Reverse<(Instant, bool, usize)>>,
    seq: u64,
    bytes: usize,
    running_bytes: usize,
    ttl: Duration,
    cap: usize,
    max_bytes: usize,
}

impl JobStore {
    /// A store that keeps finished jobs for `ttl`, at most `cap` jobs and `max_bytes` bytes.
    pub fn new(ttl: Duration, cap: usize, max_bytes: usize) -> Self {
        JobStore {
            jobs: HashMap::new(),
            by_end: BinaryHeap::new(),
            running: BinaryHeap::new(),
            seq: 0,
            bytes: 0,
            running_bytes: 0,
            ttl,
            cap: cap.max(1),
            max_bytes: max_bytes.max(1),
        }
    }

    /// Adds a job, first dropping expired ones and then, while it would not fit, the oldest
    /// finished ones. Refused when it cannot fit even so: every job left is still running.
    pub fn insert(&mut self, job: Arc<Job>, now: Instant) -> Result<Settled, StoreFull> {
        let mut settled = self.sweep(now);
        let size = job.bytes();
        // Only finished jobs can make room: refuse before evicting any if they cannot.
        if self.running.len() >= self.cap || self.running_bytes + size > self.max_bytes {
            return Err(StoreFull);
        }
        while self.jobs.len() >= self.cap || self.bytes + size > self.max_bytes {
            match self.by_end.peek() {
                Some(Reverse((end, _, _))) if *end <= now => {
                    self.pop_oldest();
                    settled.evicted += 1;
                }
                _ => return Err(StoreFull),
            }
        }
        self.seq += 1;
        self.bytes += size;
        self.by_end
            .push(Reverse((job.ready_at, self.seq, job.id.clone())));
        if job.ready_at > now {
            self.running
                .push(Reverse((job.ready_at, job.failed(), size)));
            self.running_bytes += size;
        } else if job.failed() {
            settled.failed += 1;
        } else {
            settled.completed += 1;
        }
        self.jobs.insert(job.id.clone(), job);
        Ok(settled)
    }

    /// Drops the finished jobs whose time to live has passed, oldest first, and counts the
    /// jobs that finished since the last call.
    pub fn sweep(&mut self, now: Instant) -> Settled {
        let mut settled = Settled::default();
        while let Some(Reverse((end, failed, size))) = self.running.peek().copied() {
            if end > now {
                break;
            }
            self.running.pop();
            self.running_bytes -= size;
            if failed {
                settled.failed += 1;
            } else {
                settled.completed += 1;
            }
        }
        while self
            .by_end
            .peek()
            .is_some_and(|Reverse((end, _, _))| *end + self.ttl <= now)
        {
            self.pop_oldest();
            settled.expired += 1;
        }
        settled
    }

    fn pop_oldest(&mut self) {
        if let Some(Reverse((_, _, id))) = self.by_end.pop() {
            if let Some(job) = self.jobs.remove(&id) {
                self.bytes -= job.bytes();
            }
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

    /// Jobs not yet finished as of the last sweep.
    pub fn running(&self) -> usize {
        self.running.len()
    }

    /// The bytes the kept jobs are counted for.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The byte cap.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Forgets every job.
    pub fn clear(&mut self) {
        self.jobs.clear();
        self.by_end.clear();
        self.running.clear();
        self.bytes = 0;
        self.running_bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: &str, created: Instant, latency_ms: u64, result_bytes: usize) -> Arc<Job> {
        Arc::new(Job {
            id: id.into(),
            created,
            ready_at: created + Duration::from_millis(latency_ms),
            ending: Ending::Completed(Bytes::from(vec![b' '; result_bytes])),
            total_items: 4,
            task_type: sixtyfour_protocol::TaskType::EnrichLead,
        })
    }

    #[test]
    fn phases_and_progress_follow_the_clock() {
        let t0 = Instant::now();
        let j = job("a", t0, 100, 2);
        let at = |ms: u64| j.phase(t0 + Duration::from_millis(ms));
        assert_eq!(at(0), Phase::Pending);
        assert_eq!(at(49), Phase::Pending);
        assert_eq!(at(50), Phase::Processing(0));
        assert_eq!(at(63), Phase::Processing(1));
        assert_eq!(at(76), Phase::Processing(2));
        assert_eq!(at(99), Phase::Processing(3));
        assert_eq!(at(100), Phase::Completed);
    }

    #[test]
    fn expiry_and_count_cap() {
        let t0 = Instant::now();
        let mut store = JobStore::new(Duration::from_millis(50), 2, usize::MAX);
        assert!(store.insert(job("a", t0, 10, 2), t0).is_ok());
        assert!(store.insert(job("b", t0, 1000, 2), t0).is_ok());
        // Full, and no job has finished.
        assert_eq!(store.insert(job("c", t0, 10, 2), t0), Err(StoreFull));
        // Once "a" has finished it makes room.
        let t1 = t0 + Duration::from_millis(20);
        let settled = store.insert(job("c", t1, 10, 2), t1).unwrap();
        assert_eq!((settled.evicted, settled.completed), (1, 1));
        assert!(store.get("a", t1).is_none());
        assert!(store.get("b", t1).is_some());
        // "c" expires 50 ms after it finished.
        assert!(store.get("c", t1 + Duration::from_millis(59)).is_some());
        assert!(store.get("c", t1 + Duration::from_millis(61)).is_none());
        assert_eq!(store.sweep(t1 + Duration::from_millis(61)).expired, 1);
    }

    #[test]
    fn the_byte_cap_evicts_the_oldest_finished_first() {
        let t0 = Instant::now();
        let size = |n: usize| JOB_OVERHEAD + 1 + n;
        let mut store = JobStore::new(Duration::from_secs(3600), 100, 3 * size(1000));
        // "a" finishes last, "b" first, "c" second.
        store.insert(job("a", t0, 30, 1000), t0).unwrap();
        store.insert(job("b", t0, 10, 1000), t0).unwrap();
        store.insert(job("c", t0, 20, 1000), t0).unwrap();
        assert_eq!(store.bytes(), 3 * size(1000));
        // At 25 ms "b" and "c" have finished; one job's room is needed: "b" goes.
        let t1 = t0 + Duration::from_millis(25);
        let settled = store.insert(job("d", t1, 1000, 1000), t1).unwrap();
        assert_eq!(settled.evicted, 1);
        assert!(store.get("b", t1).is_none());
        assert!(store.get("c", t1).is_some());
        // Two jobs' worth cannot be freed ("a" and "d" still run): refused, nothing evicted.
        assert_eq!(
            store.insert(job("e", t1, 10, 2 * size(1000)), t1),
            Err(StoreFull)
        );
        assert!(
            store.get("c", t1).is_some(),
            "nothing evicted for a refused job"
        );
        assert!(store.get("a", t1).is_some() && store.get("d", t1).is_some());
        assert!(store.bytes() <= store.max_bytes());
        // A job larger than the whole cap never fits.
        let mut tiny = JobStore::new(Duration::from_secs(1), 10, 100);
        assert_eq!(tiny.insert(job("x", t0, 0, 1000), t0), Err(StoreFull));
    }

    #[test]
    fn running_jobs_are_counted_until_their_end() {
        let t0 = Instant::now();
        let mut store = JobStore::new(Duration::from_secs(1), 10, usize::MAX);
        store.insert(job("a", t0, 10, 1), t0).unwrap();
        store.insert(job("b", t0, 20, 1), t0).unwrap();
        assert_eq!(store.running(), 2);
        let settled = store.sweep(t0 + Duration::from_millis(10));
        assert_eq!((settled.completed, store.running()), (1, 1));
    }
}
