//! The emulator's researcher: the directory researcher, paced by each job's latency (drawn
//! at submit): pending for the first half, processing with progress over the fields for the
//! second (or pending throughout, when progress is off), then the directory's answer, or a
//! failure when a fault asked for one.

use std::time::Duration;

use async_trait::async_trait;
use sixtyfour_protocol::EnrichResult;
use sixtyfour_server::researcher::{
    CancellationToken, DirectoryResearcher, Progress, ResearchError, ResearchJob, Researcher,
};

use crate::hook::{FAIL, LATENCY_MS};

/// The error of a job made to fail.
pub const FAILURE: &str = "Research agent failed: the lead's sources could not be reached";

#[derive(Debug)]
pub(crate) struct EmulatedResearcher {
    pub directory: DirectoryResearcher,
    /// Whether progress counts are reported.
    pub progress: bool,
}

async fn pause(duration: Duration, cancel: &CancellationToken) -> Result<(), ResearchError> {
    if duration.is_zero() {
        return Ok(());
    }
    tokio::select! {
        () = cancel.cancelled() => Err(ResearchError::Cancelled),
        () = tokio::time::sleep(duration) => Ok(()),
    }
}

#[async_trait]
impl Researcher for EmulatedResearcher {
    async fn research(
        &self,
        job: &ResearchJob,
        progress: &Progress,
        cancel: &CancellationToken,
    ) -> Result<EnrichResult, ResearchError> {
        let latency = Duration::from_millis(
            job.meta
                .get(LATENCY_MS)
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0),
        );
        let started = tokio::time::Instant::now();
        let processing = started + latency / 2;
        let end = started + latency;
        // Pending: nothing reported yet.
        pause(processing - started, cancel).await?;
        // Processing: the items done grow with the time.
        let total = job.fields().len() as u64;
        if !latency.is_zero() {
            for done in 0..total.max(1) {
                if self.progress {
                    progress.report(done, total);
                }
                let at = processing
                    + (end - processing).mul_f64((done + 1) as f64 / total.max(1) as f64);
                pause(
                    at.saturating_duration_since(tokio::time::Instant::now()),
                    cancel,
                )
                .await?;
            }
        }
        if job.meta.get(FAIL).and_then(serde_json::Value::as_bool) == Some(true) {
            return Err(ResearchError::Failed(FAILURE.into()));
        }
        Ok(self.directory.answer(job))
    }
}
