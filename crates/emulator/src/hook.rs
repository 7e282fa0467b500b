//! The emulator's hook on the server: faults and scripts decided after authentication and
//! the rate limit, each job's latency drawn from the seed (handed to the researcher through
//! the job's data), and the log of accepted submits.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Map, Value};
use sixtyfour_protocol::{EnrichBody, TaskId};
use sixtyfour_server::keys::KeyEntry;
use sixtyfour_server::rng::{self, Stream};
use sixtyfour_server::{After, ApiError, Call, Hook, Verdict};

use crate::config::Config;
use crate::faults::{Endpoint, FaultCounts, Faults, KINDS, Outcome, Phase, Script, decide};
use crate::stats::{JobLog, JobRecord};

/// The most accepted submits `GET /_emulator/jobs` keeps; older ones are dropped first.
pub const JOB_LOG_CAP: usize = 100_000;

/// The most bytes of `lead_info` the job log keeps; older entries are dropped first.
pub const JOB_LOG_MAX_BYTES: usize = 64 << 20;

/// The key of a job's latency in its data, in milliseconds.
pub(crate) const LATENCY_MS: &str = "emulator_latency_ms";
/// The key that makes a job fail.
pub(crate) const FAIL: &str = "emulator_fail";

/// The accepted submits, newest last, bounded by [`JOB_LOG_CAP`] and [`JOB_LOG_MAX_BYTES`].
#[derive(Debug, Default)]
struct Log {
    records: VecDeque<(JobRecord, usize)>,
    bytes: usize,
    dropped: u64,
}

impl Log {
    fn push(&mut self, record: JobRecord, size: usize) {
        self.records.push_back((record, size));
        self.bytes += size;
        while self.records.len() > JOB_LOG_CAP || self.bytes > JOB_LOG_MAX_BYTES {
            match self.records.pop_front() {
                Some((_, size)) => {
                    self.bytes -= size;
                    self.dropped += 1;
                }
                None => break,
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Faults, scripts, latencies and the job log.
#[derive(Debug)]
pub(crate) struct EmulatorHook {
    config: Config,
    faults: Mutex<Faults>,
    script: Mutex<Script>,
    counts: [AtomicU64; KINDS.len()],
    fault_seq: AtomicU64,
    job_seq: AtomicU64,
    log: Mutex<Log>,
}

impl EmulatorHook {
    pub fn new(config: Config) -> Self {
        EmulatorHook {
            faults: Mutex::new(config.faults),
            script: Mutex::new(Script::default()),
            counts: Default::default(),
            fault_seq: AtomicU64::new(0),
            job_seq: AtomicU64::new(0),
            log: Mutex::new(Log::default()),
            config,
        }
    }

    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        faults.validate()?;
        *lock(&self.faults) = faults;
        Ok(())
    }

    pub fn faults(&self) -> Faults {
        *lock(&self.faults)
    }

    pub fn script(&self, endpoint: Endpoint, outcomes: impl IntoIterator<Item = Outcome>) {
        lock(&self.script).push(endpoint, outcomes);
    }

    /// No scripts, the configured faults, zero fault counts, an empty log.
    pub fn reset(&self) {
        lock(&self.script).clear();
        *lock(&self.faults) = self.config.faults;
        for count in &self.counts {
            count.store(0, Ordering::SeqCst);
        }
        *lock(&self.log) = Log::default();
    }

    pub fn fault_counts(&self) -> FaultCounts {
        let mut counts = FaultCounts::default();
        for (kind, count) in KINDS.iter().zip(&self.counts) {
            if let Some(slot) = counts.get_mut(kind.outcome) {
                *slot = count.load(Ordering::SeqCst);
            }
        }
        counts
    }

    pub fn job_log(&self) -> JobLog {
        let log = lock(&self.log);
        JobLog {
            jobs: log.records.iter().map(|(r, _)| r.clone()).collect(),
            dropped: log.dropped,
        }
    }

    /// The error a `Before` fault answers.
    fn refusal(&self, outcome: Outcome) -> ApiError {
        match outcome {
            Outcome::Error503 => {
                ApiError::Unavailable("The service is temporarily unavailable".into())
            }
            Outcome::RateLimit => ApiError::RateLimited(self.config.scaled(Duration::from_secs(1))),
            Outcome::PaymentRequired => ApiError::PaymentRequired,
            Outcome::Forbidden => {
                ApiError::Forbidden("The requested tier is not enabled for this API key".into())
            }
            Outcome::Unprocessable => ApiError::lead_info_missing(),
            Outcome::ActiveJobLimit => {
                ApiError::ActiveJobLimit(self.config.max_active_jobs.map_or(1, u64::from))
            }
            _ => ApiError::Internal("The server hit an unexpected error".into()),
        }
    }
}

impl Hook for EmulatorHook {
    fn admit(&self, call: Call, _key: &KeyEntry) -> Verdict {
        let endpoint = match call {
            Call::Status => Endpoint::Status,
            Call::Submit(path) if path.is_async() => Endpoint::Submit,
            Call::Submit(_) => Endpoint::Sync,
        };
        let scripted = lock(&self.script).next(endpoint);
        let outcome = scripted.unwrap_or_else(|| {
            let n = self.fault_seq.fetch_add(1, Ordering::Relaxed);
            decide(
                &lock(&self.faults),
                endpoint,
                rng::unit(self.config.seed, Stream::Fault, n),
            )
        });
        let outcome = if endpoint.allows(outcome) {
            outcome
        } else {
            Outcome::Ok
        };
        if let Some(count) = outcome.index().and_then(|i| self.counts.get(i)) {
            count.fetch_add(1, Ordering::SeqCst);
        }
        let phase = outcome.kind().map(|kind| kind.phase);
        if phase == Some(Phase::Before) {
            return Verdict::Refuse(self.refusal(outcome));
        }
        let mut meta = Map::new();
        if endpoint != Endpoint::Status {
            let seq = self.job_seq.fetch_add(1, Ordering::Relaxed);
            let latency = self.config.scaled(self.config.latency.pick(rng::unit(
                self.config.seed,
                Stream::Latency,
                seq,
            )));
            let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
            meta.insert(LATENCY_MS.into(), Value::from(ms));
            if outcome == Outcome::JobFailure {
                meta.insert(FAIL.into(), Value::Bool(true));
            }
        }
        let after = match outcome {
            Outcome::Reset => After::Reset,
            Outcome::Slow => After::Hold(Duration::from_millis(lock(&self.faults).slow_ms)),
            Outcome::AmbiguousSubmit => After::Replace(ApiError::Internal(
                "The server hit an unexpected error".into(),
            )),
            _ => After::Unchanged,
        };
        Verdict::Proceed { meta, after }
    }

    fn accepted(&self, task_id: &TaskId, body: &EnrichBody) {
        let lead_info = body.lead_info.clone();
        let size = lead_info
            .iter()
            .map(|(k, v)| k.len() + v.to_string().len())
            .sum::<usize>()
            + task_id.as_str().len();
        lock(&self.log).push(
            JobRecord {
                task_id: task_id.to_string(),
                lead_info,
            },
            size,
        );
    }
}
