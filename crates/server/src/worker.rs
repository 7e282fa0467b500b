//! Workers: a bounded pool per process that leases queued jobs from the store (fairly across
//! keys, in the store's order), runs the researcher under a time limit, renews the lease while
//! it works, writes progress, and records the end with its webhook delivery in one step. A
//! job whose worker died (its lease expired) is leased again as a new run; a run that lost its
//! lease cannot finish the job. At shutdown, running jobs go back to the queue.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sixtyfour_protocol::{WebhookEvent, event_id};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::metrics::{Metrics, bump};
use crate::researcher::{Progress, ResearchError, ResearchJob, Researcher};
use crate::store::{Claimed, Finish, Finished, JobStore, NewDelivery, millis, now_millis};

/// How the workers of one process behave.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Jobs researched at once by this process.
    pub workers: usize,
    /// How long a lease lasts without renewal (renewed every third of it).
    pub lease: Duration,
    /// The longest a job may research; past it the job ends `failed`.
    pub job_timeout: Duration,
    /// How often the queue is checked when nothing wakes the workers (jobs submitted to
    /// another process, expired leases).
    pub poll_interval: Duration,
    /// The least time between two progress writes of one job.
    pub progress_interval: Duration,
    /// This process's name in the store's `worker` column.
    pub worker_id: String,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            workers: 16,
            lease: Duration::from_secs(30),
            job_timeout: Duration::from_secs(15 * 60),
            poll_interval: Duration::from_millis(500),
            progress_interval: Duration::from_secs(1),
            worker_id: default_worker_id(),
        }
    }
}

/// `host-pid-random`: distinct for every process, even on machines that reuse pids.
pub fn default_worker_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    format!(
        "{host}-{}-{:04x}",
        std::process::id(),
        crate::rng::entropy() & 0xffff
    )
}

/// What the workers, the webhook sender and the HTTP handlers share.
pub(crate) struct Engine {
    pub store: Arc<dyn JobStore>,
    pub researcher: Arc<dyn Researcher>,
    pub metrics: Arc<Metrics>,
    pub config: WorkerConfig,
    /// Wakes the workers: a job was queued or a worker freed up.
    pub wake_workers: Notify,
    /// Wakes the webhook sender: a delivery was recorded.
    pub wake_webhooks: Notify,
    /// Counts the jobs this process finished, for sync requests waiting on one.
    pub finished: watch::Sender<u64>,
}

/// The claim batch: at most this many jobs per store round trip.
const CLAIM_BATCH: usize = 256;

/// Leases and runs jobs until `stop` fires, then waits for the running ones to be put back.
pub(crate) async fn run(engine: Arc<Engine>, stop: CancellationToken) {
    let permits = Arc::new(Semaphore::new(engine.config.workers.max(1)));
    let mut running = JoinSet::new();
    loop {
        if stop.is_cancelled() {
            break;
        }
        while running.try_join_next().is_some() {}
        let free = permits.available_permits().min(CLAIM_BATCH);
        let mut full_batch = false;
        if free > 0 {
            let now = now_millis();
            let lease_until = now.saturating_add(millis(engine.config.lease));
            match engine
                .store
                .claim(&engine.config.worker_id, free, lease_until, now)
                .await
            {
                Ok(claimed) => {
                    full_batch = claimed.len() == free;
                    for job in claimed {
                        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                            // Cannot happen (one permit per claimed job); the lease expires.
                            break;
                        };
                        let engine = Arc::clone(&engine);
                        let cancel = stop.child_token();
                        running.spawn(async move {
                            run_job(&engine, job, cancel).await;
                            drop(permit);
                            engine.wake_workers.notify_one();
                        });
                    }
                }
                Err(err) => tracing::error!(error = %err, "cannot lease jobs"),
            }
        }
        if full_batch {
            continue;
        }
        tokio::select! {
            () = stop.cancelled() => break,
            () = engine.wake_workers.notified() => {}
            () = tokio::time::sleep(engine.config.poll_interval) => {}
        }
    }
    while running.join_next().await.is_some() {}
}

fn describe(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs >= 60.0 && secs.fract() == 0.0 && secs % 60.0 == 0.0 {
        format!("{} min", secs / 60.0)
    } else {
        format!("{secs} s")
    }
}

/// Runs one leased job to its end, or puts it back.
async fn run_job(engine: &Engine, job: Claimed, cancel: CancellationToken) {
    let research = ResearchJob {
        task_id: job.task_id.clone(),
        run: job.run,
        task_type: job.task_type.clone(),
        body: Arc::clone(&job.body),
        meta: Arc::clone(&job.meta),
    };
    let progress = Progress::default();
    let lost = CancellationToken::new();
    let research_cancel = CancellationToken::new();
    let side = {
        let store = Arc::clone(&engine.store);
        let config = engine.config.clone();
        let progress = progress.clone();
        let lost = lost.clone();
        let (task_id, run) = (job.task_id.clone(), job.run);
        tokio::spawn(async move {
            let every = (config.lease / 3).max(Duration::from_millis(10));
            let mut renew_at = tokio::time::Instant::now() + every;
            loop {
                tokio::select! {
                    () = progress.changed() => {
                        let (processed, total) = progress.get();
                        if let Err(err) = store.progress(&task_id, run, processed, total).await {
                            tracing::warn!(error = %err, task_id = %task_id, "progress not recorded");
                        }
                        if !config.progress_interval.is_zero() {
                            tokio::time::sleep(config.progress_interval).await;
                        }
                    }
                    () = tokio::time::sleep_until(renew_at) => {
                        let until = now_millis().saturating_add(millis(config.lease));
                        match store.renew(&task_id, run, until).await {
                            Ok(true) => {}
                            Ok(false) => {
                                lost.cancel();
                                return;
                            }
                            Err(err) => tracing::warn!(error = %err, task_id = %task_id, "lease not renewed"),
                        }
                        renew_at += every;
                    }
                }
            }
        })
    };
    let started = Instant::now();
    let outcome = tokio::select! {
        outcome = tokio::time::timeout(
            engine.config.job_timeout,
            engine.researcher.research(&research, &progress, &research_cancel),
        ) => Some(outcome),
        () = cancel.cancelled() => None,
        () = lost.cancelled() => None,
    };
    research_cancel.cancel();
    side.abort();
    let took = started.elapsed();
    let finish = match outcome {
        Some(Ok(Ok(result))) => Finish::Completed(Box::new(result)),
        Some(Ok(Err(ResearchError::Failed(message)))) => Finish::Failed(message),
        Some(Err(_elapsed)) => {
            bump(&engine.metrics.jobs_timed_out);
            Finish::Failed(format!(
                "Research took longer than the time limit of {}",
                describe(engine.config.job_timeout)
            ))
        }
        Some(Ok(Err(_))) | None => {
            if lost.is_cancelled() {
                bump(&engine.metrics.runs_lost);
                tracing::warn!(task_id = %job.task_id, run = job.run, "lease lost; another run has the job");
            } else {
                // Shutting down: back to the queue, for this or another process.
                if let Err(err) = engine.store.release(&job.task_id, job.run).await {
                    tracing::warn!(error = %err, task_id = %job.task_id, "not released; its lease will expire");
                }
                bump(&engine.metrics.jobs_released);
            }
            return;
        }
    };
    let delivery = job.body.webhook_url.as_ref().map(|url| {
        let event = match &finish {
            Finish::Completed(result) => WebhookEvent::completed(
                job.task_id.clone(),
                job.task_type.clone(),
                result.as_ref().clone(),
            ),
            Finish::Failed(error) => {
                WebhookEvent::failed(job.task_id.clone(), job.task_type.clone(), error.clone())
            }
        };
        NewDelivery {
            event_id: event_id(&job.task_id, job.run),
            url: url.clone(),
            body: serde_json::to_vec(&event).unwrap_or_default().into(),
        }
    });
    let has_delivery = delivery.is_some();
    match engine
        .store
        .finish(&job.task_id, job.run, &finish, delivery, now_millis())
        .await
    {
        Ok(Finished::Done) => {
            engine.metrics.research_time(took);
            bump(match finish {
                Finish::Completed(_) => &engine.metrics.jobs_completed,
                Finish::Failed(_) => &engine.metrics.jobs_failed,
            });
            engine.finished.send_modify(|n| *n = n.wrapping_add(1));
            if has_delivery {
                engine.wake_webhooks.notify_one();
            }
            tracing::debug!(task_id = %job.task_id, run = job.run, took_ms = took.as_millis() as u64, "job finished");
        }
        Ok(Finished::Lost) => {
            bump(&engine.metrics.runs_lost);
            tracing::warn!(task_id = %job.task_id, run = job.run, "finished after losing the lease; the other run's end stands");
        }
        Err(err) => {
            tracing::error!(error = %err, task_id = %job.task_id, "end not recorded; the job will run again when its lease expires");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_limits_read_well() {
        assert_eq!(describe(Duration::from_secs(900)), "15 min");
        assert_eq!(describe(Duration::from_secs(90)), "90 s");
        assert_eq!(describe(Duration::from_millis(250)), "0.25 s");
    }
}
