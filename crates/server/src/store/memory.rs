//! The in-memory store: everything in one process, capped by jobs and by bytes (the oldest
//! finished jobs go first when room is needed), finished jobs expiring after a time to live.
//! The emulator's store; a restart forgets everything.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use axum::body::Bytes;
use serde_json::{Map, Value};
use sixtyfour_protocol::{EnrichBody, TaskId, TaskType};

use super::{
    Admission, Claimed, Counts, Delivery, Finish, Finished, JobStore, JobView, Millis, NewDelivery,
    NewJob, Stage, StoreError, SubmitLimits, fair_seq, millis,
};

/// Bytes counted for a job besides its id, request and status body: map and index entries,
/// the job record, its data (measured: a finished emulator job holds about 2.9 KB resident).
pub const JOB_OVERHEAD: usize = 1536;

/// The caps of an in-memory store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimits {
    /// The most jobs kept.
    pub max_jobs: usize,
    /// The most bytes kept (requests of unfinished jobs, status bodies of finished ones, ids
    /// and [`JOB_OVERHEAD`] per job).
    pub max_bytes: usize,
    /// How long a finished job stays readable.
    pub ttl: Duration,
}

impl Default for MemoryLimits {
    fn default() -> Self {
        MemoryLimits {
            max_jobs: 200_000,
            max_bytes: 512 << 20,
            ttl: Duration::from_secs(3600),
        }
    }
}

/// What the in-memory store holds now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemoryStats {
    /// Unfinished jobs.
    pub active: u64,
    /// The most unfinished jobs at once since start or [`MemoryStore::clear`].
    pub max_active: u64,
    /// Jobs kept.
    pub jobs: u64,
    /// Bytes the kept jobs are counted for.
    pub bytes: u64,
    /// The byte cap.
    pub max_bytes: u64,
    /// Finished jobs dropped after their time to live.
    pub expired: u64,
    /// Finished jobs dropped early to make room.
    pub evicted: u64,
}

#[derive(Debug)]
struct Job {
    key_id: String,
    task_type: TaskType,
    body: Option<Arc<EnrichBody>>,
    body_bytes: usize,
    meta: Arc<Map<String, Value>>,
    stage: Stage,
    run: u32,
    lease_until: Millis,
    processed: u64,
    total: u64,
    finished_body: Option<Bytes>,
    seq: u64,
    fair: i64,
}

impl Job {
    fn bytes(&self, id: &str) -> usize {
        JOB_OVERHEAD
            + id.len()
            + if self.body.is_some() {
                self.body_bytes
            } else {
                0
            }
            + self.finished_body.as_ref().map_or(0, Bytes::len)
    }
}

#[derive(Debug, Default)]
struct KeyState {
    active: u64,
    submitted: u64,
    last_fair: Option<i64>,
}

#[derive(Debug)]
struct Outbox {
    task_id: String,
    key_id: String,
    url: String,
    body: Bytes,
    attempts: u32,
    next_at: Millis,
}

#[derive(Debug, Default)]
struct Inner {
    jobs: HashMap<String, Job>,
    queue: BTreeSet<(i64, u64, String)>,
    leases: BTreeSet<(Millis, u64, String)>,
    finished: VecDeque<(Millis, String)>,
    keys: HashMap<String, KeyState>,
    outbox: HashMap<String, Outbox>,
    due: BTreeSet<(Millis, String)>,
    seq: u64,
    bytes: usize,
    /// The bytes of the unfinished jobs, which eviction cannot free.
    active_bytes: usize,
    active: u64,
    max_active: u64,
    expired: u64,
    evicted: u64,
}

impl Inner {
    /// Drops the oldest finished job; false when there is none.
    fn drop_oldest_finished(&mut self) -> bool {
        while let Some((_, id)) = self.finished.pop_front() {
            if let Some(job) = self.jobs.remove(&id) {
                self.bytes = self.bytes.saturating_sub(job.bytes(&id));
                return true;
            }
        }
        false
    }

    fn expire(&mut self, before: Millis) -> u64 {
        let mut dropped = 0;
        while self.finished.front().is_some_and(|(at, _)| *at < before) {
            if self.drop_oldest_finished() {
                dropped += 1;
            }
        }
        self.expired += dropped;
        dropped
    }

    fn finished_count(&self) -> usize {
        self.jobs.len() - self.active as usize
    }
}

/// Jobs in memory. Cheap to share (`Arc`).
#[derive(Debug)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    limits: MemoryLimits,
}

impl MemoryStore {
    /// An empty store with these caps.
    pub fn new(limits: MemoryLimits) -> Self {
        MemoryStore {
            inner: Mutex::new(Inner::default()),
            limits: MemoryLimits {
                max_jobs: limits.max_jobs.max(1),
                max_bytes: limits.max_bytes.max(1),
                ttl: limits.ttl,
            },
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What the store holds now.
    pub fn stats(&self) -> MemoryStats {
        let inner = self.lock();
        MemoryStats {
            active: inner.active,
            max_active: inner.max_active,
            jobs: inner.jobs.len() as u64,
            bytes: inner.bytes as u64,
            max_bytes: self.limits.max_bytes as u64,
            expired: inner.expired,
            evicted: inner.evicted,
        }
    }

    /// Forgets every job and delivery and zeroes the counters; the most active restarts from
    /// zero.
    pub fn clear(&self) {
        *self.lock() = Inner::default();
    }

    /// Drops finished jobs past their time to live at `now`.
    pub fn expire(&self, now: Millis) -> u64 {
        let before = now.saturating_sub(millis(self.limits.ttl));
        self.lock().expire(before)
    }
}

#[async_trait]
impl JobStore for MemoryStore {
    fn describe(&self) -> String {
        "memory".into()
    }

    async fn insert(
        &self,
        job: NewJob,
        limits: SubmitLimits,
        now: Millis,
    ) -> Result<Admission, StoreError> {
        let body_bytes = serde_json::to_vec(&job.body).map_or(0, |v| v.len());
        let id = job.task_id.into_string();
        let mut inner = self.lock();
        inner.expire(now.saturating_sub(millis(self.limits.ttl)));
        let key = inner.keys.entry(job.key_id.clone()).or_default();
        if limits
            .credits
            .is_some_and(|credits| key.submitted >= credits)
        {
            return Ok(Admission::OutOfCredits);
        }
        if let Some(max) = limits.max_active
            && key.active >= max
        {
            return Ok(Admission::ActiveLimit(max));
        }
        let size = JOB_OVERHEAD + id.len() + body_bytes;
        // Only finished jobs can make room: refuse before evicting any if they cannot.
        let active = inner.active as usize;
        if active >= self.limits.max_jobs || inner.active_bytes + size > self.limits.max_bytes {
            return Ok(Admission::Full);
        }
        while inner.jobs.len() >= self.limits.max_jobs || inner.bytes + size > self.limits.max_bytes
        {
            if !inner.drop_oldest_finished() {
                return Ok(Admission::Full);
            }
            inner.evicted += 1;
        }
        let head = inner.queue.first().map(|(fair, _, _)| *fair);
        inner.seq += 1;
        let seq = inner.seq;
        let key = inner.keys.entry(job.key_id.clone()).or_default();
        let fair = fair_seq(key.last_fair, head);
        key.last_fair = Some(fair);
        key.submitted += 1;
        key.active += 1;
        inner.active += 1;
        inner.max_active = inner.max_active.max(inner.active);
        inner.bytes += size;
        inner.active_bytes += size;
        inner.queue.insert((fair, seq, id.clone()));
        inner.jobs.insert(
            id,
            Job {
                key_id: job.key_id,
                task_type: job.task_type,
                body: Some(Arc::new(job.body)),
                body_bytes,
                meta: Arc::new(job.meta),
                stage: Stage::Queued,
                run: 0,
                lease_until: 0,
                processed: 0,
                total: 0,
                finished_body: None,
                seq,
                fair,
            },
        );
        Ok(Admission::Created)
    }

    async fn status(&self, task_id: &str, key_id: &str) -> Result<Option<JobView>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .jobs
            .get(task_id)
            .filter(|job| job.key_id == key_id)
            .map(|job| JobView {
                stage: job.stage,
                task_type: job.task_type.clone(),
                processed: job.processed,
                total: job.total,
                finished_body: job.finished_body.clone(),
            }))
    }

    async fn claim(
        &self,
        _worker: &str,
        max: usize,
        lease_until: Millis,
        now: Millis,
    ) -> Result<Vec<Claimed>, StoreError> {
        let mut inner = self.lock();
        // Runs whose lease expired go back to the queue, at their old place.
        while let Some((until, seq, id)) = inner.leases.first().cloned() {
            if until >= now {
                break;
            }
            inner.leases.pop_first();
            if let Some(job) = inner.jobs.get_mut(&id)
                && job.stage == Stage::Running
                && job.lease_until == until
            {
                job.stage = Stage::Queued;
                let fair = job.fair;
                inner.queue.insert((fair, seq, id));
            }
        }
        let mut claimed = Vec::new();
        while claimed.len() < max {
            let Some((_, seq, id)) = inner.queue.pop_first() else {
                break;
            };
            let Some(job) = inner.jobs.get_mut(&id) else {
                continue;
            };
            let Some(body) = job.body.clone() else {
                continue;
            };
            job.stage = Stage::Running;
            job.run += 1;
            job.lease_until = lease_until;
            job.processed = 0;
            job.total = 0;
            let task_id = TaskId::new(id.clone()).map_err(|e| StoreError::Corrupt {
                task_id: id.clone(),
                message: e.to_string(),
            })?;
            claimed.push(Claimed {
                task_id,
                run: job.run,
                key_id: job.key_id.clone(),
                task_type: job.task_type.clone(),
                body,
                meta: Arc::clone(&job.meta),
            });
            inner.leases.insert((lease_until, seq, id));
        }
        Ok(claimed)
    }

    async fn renew(
        &self,
        task_id: &TaskId,
        run: u32,
        lease_until: Millis,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        let Some(job) = inner.jobs.get_mut(task_id.as_str()) else {
            return Ok(false);
        };
        if job.stage != Stage::Running || job.run != run {
            return Ok(false);
        }
        let old = (job.lease_until, job.seq, task_id.to_string());
        job.lease_until = lease_until;
        let new = (lease_until, job.seq, task_id.to_string());
        inner.leases.remove(&old);
        inner.leases.insert(new);
        Ok(true)
    }

    async fn progress(
        &self,
        task_id: &TaskId,
        run: u32,
        processed: u64,
        total: u64,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if let Some(job) = inner.jobs.get_mut(task_id.as_str())
            && job.stage == Stage::Running
            && job.run == run
        {
            job.processed = processed;
            job.total = total;
        }
        Ok(())
    }

    async fn finish(
        &self,
        task_id: &TaskId,
        run: u32,
        finish: &Finish,
        delivery: Option<NewDelivery>,
        now: Millis,
    ) -> Result<Finished, StoreError> {
        let mut inner = self.lock();
        let id = task_id.as_str();
        let Some(job) = inner.jobs.get_mut(id) else {
            return Ok(Finished::Lost);
        };
        if job.stage != Stage::Running || job.run != run {
            return Ok(Finished::Lost);
        }
        let before = job.bytes(id);
        job.finished_body = Some(finish.status_body(&job.task_type));
        job.stage = finish.stage();
        job.body = None;
        let after = job.bytes(id);
        let lease = (job.lease_until, job.seq, id.to_owned());
        let key_id = job.key_id.clone();
        inner.leases.remove(&lease);
        inner.bytes = inner.bytes - before + after;
        inner.active_bytes = inner.active_bytes.saturating_sub(before);
        inner.active = inner.active.saturating_sub(1);
        if let Some(key) = inner.keys.get_mut(&key_id) {
            key.active = key.active.saturating_sub(1);
        }
        inner.finished.push_back((now, id.to_owned()));
        if let Some(delivery) = delivery {
            inner.due.insert((now, delivery.event_id.clone()));
            inner.outbox.insert(
                delivery.event_id,
                Outbox {
                    task_id: id.to_owned(),
                    key_id,
                    url: delivery.url,
                    body: delivery.body,
                    attempts: 0,
                    next_at: now,
                },
            );
        }
        // A large result may push the store over its byte cap: older finished jobs make room.
        while inner.bytes > self.limits.max_bytes && inner.finished_count() > 1 {
            if !inner.drop_oldest_finished() {
                break;
            }
            inner.evicted += 1;
        }
        Ok(Finished::Done)
    }

    async fn release(&self, task_id: &TaskId, run: u32) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let id = task_id.as_str();
        let Some(job) = inner.jobs.get_mut(id) else {
            return Ok(());
        };
        if job.stage != Stage::Running || job.run != run {
            return Ok(());
        }
        job.stage = Stage::Queued;
        let (lease, fair, seq) = (job.lease_until, job.fair, job.seq);
        inner.leases.remove(&(lease, seq, id.to_owned()));
        inner.queue.insert((fair, seq, id.to_owned()));
        Ok(())
    }

    async fn purge(&self, before: Millis) -> Result<u64, StoreError> {
        Ok(self.lock().expire(before))
    }

    async fn due_deliveries(
        &self,
        max: usize,
        lease_until: Millis,
        now: Millis,
    ) -> Result<Vec<Delivery>, StoreError> {
        let mut inner = self.lock();
        let mut out = Vec::new();
        while out.len() < max {
            let Some((at, event_id)) = inner.due.first().cloned() else {
                break;
            };
            if at > now {
                break;
            }
            inner.due.pop_first();
            let Some(entry) = inner.outbox.get_mut(&event_id) else {
                continue;
            };
            if entry.next_at != at {
                continue;
            }
            entry.attempts += 1;
            entry.next_at = lease_until;
            out.push(Delivery {
                event_id: event_id.clone(),
                task_id: entry.task_id.clone(),
                key_id: entry.key_id.clone(),
                url: entry.url.clone(),
                body: entry.body.clone(),
                attempt: entry.attempts,
            });
            inner.due.insert((lease_until, event_id));
        }
        Ok(out)
    }

    async fn settle_delivery(
        &self,
        event_id: &str,
        _delivered: bool,
        _now: Millis,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if let Some(entry) = inner.outbox.remove(event_id) {
            inner.due.remove(&(entry.next_at, event_id.to_owned()));
        }
        Ok(())
    }

    async fn retry_delivery(&self, event_id: &str, next_at: Millis) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let Some(entry) = inner.outbox.get_mut(event_id) else {
            return Ok(());
        };
        let old = entry.next_at;
        entry.next_at = next_at;
        inner.due.remove(&(old, event_id.to_owned()));
        inner.due.insert((next_at, event_id.to_owned()));
        Ok(())
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let inner = self.lock();
        let mut counts = Counts {
            deliveries_pending: inner.outbox.len() as u64,
            ..Counts::default()
        };
        for job in inner.jobs.values() {
            match job.stage {
                Stage::Queued => counts.queued += 1,
                Stage::Running => counts.running += 1,
                Stage::Completed => counts.completed += 1,
                Stage::Failed => counts.failed += 1,
            }
        }
        Ok(counts)
    }
}
