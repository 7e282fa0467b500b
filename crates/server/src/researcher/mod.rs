//! The `Researcher` trait: what turns a lead and the fields asked for into a result. The
//! server's workers call it with a progress reporter and a cancellation signal; the directory
//! of fictional profiles is the first implementation, the web (`sixtyfour-web`, behind the
//! `web` feature) the second.

mod directory;
mod research;
#[cfg(feature = "web")]
mod web;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Map, Value};
use sixtyfour_casting::Schema;
use sixtyfour_protocol::{EnrichBody, EnrichResult, TaskId, TaskType, Tier};
use tokio::sync::Notify;
pub use tokio_util::sync::CancellationToken;

pub use directory::{
    ALIASES, Directory, DirectoryError, MatchKind, Profile, lookup, normalize_text, normalize_url,
};
pub use research::{Answer, confidence, dicts_as_text, research};
#[cfg(feature = "web")]
pub use web::{WebAdapter, progress_items, research_error, to_result, web_job};

/// One job, as a researcher sees it.
#[derive(Debug, Clone)]
pub struct ResearchJob {
    /// The job's id.
    pub task_id: TaskId,
    /// Which run of the job this is (from 1; a job whose worker died runs again).
    pub run: u32,
    /// What kind of job it is.
    pub task_type: TaskType,
    /// The request: `lead_info`, `struct`, `research_plan`, `tier`, `max_iterations`.
    pub body: Arc<EnrichBody>,
    /// Data the server's hook attached at submit (empty unless a hook is installed).
    pub meta: Arc<Map<String, Value>>,
}

impl ResearchJob {
    /// What is known about the lead.
    pub fn lead_info(&self) -> &Map<String, Value> {
        &self.body.lead_info
    }

    /// The fields to collect (`struct`).
    pub fn fields(&self) -> &Schema {
        static EMPTY: std::sync::OnceLock<Schema> = std::sync::OnceLock::new();
        self.body
            .fields
            .as_ref()
            .unwrap_or_else(|| EMPTY.get_or_init(Schema::default))
    }

    /// Guidance for the research.
    pub fn research_plan(&self) -> Option<&str> {
        self.body.research_plan.as_deref()
    }

    /// The research tier asked for.
    pub fn tier(&self) -> Option<Tier> {
        self.body.tier
    }

    /// The bound on iterations asked for.
    pub fn max_iterations(&self) -> Option<u32> {
        self.body.max_iterations
    }
}

/// Why research gave no result. The message becomes the job's `error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResearchError {
    /// The research failed; the message says why, for the API's user.
    #[error("{0}")]
    Failed(String),
    /// The cancellation signal fired; the job goes back to the queue.
    #[error("research cancelled")]
    Cancelled,
}

/// Where a researcher reports how far it is: `processed` of `total` items. Cheap to clone;
/// the worker writes the latest values to the store, at most once per interval.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    inner: Arc<ProgressInner>,
}

#[derive(Debug, Default)]
struct ProgressInner {
    processed: AtomicU64,
    total: AtomicU64,
    changed: Notify,
}

impl Progress {
    /// A reporter nobody reads (for calling a researcher directly).
    pub fn detached() -> Self {
        Progress::default()
    }

    /// `processed` of `total` items are done.
    pub fn report(&self, processed: u64, total: u64) {
        self.inner.total.store(total, Ordering::Relaxed);
        self.inner.processed.store(processed, Ordering::Relaxed);
        self.inner.changed.notify_one();
    }

    /// The latest report: (processed, total).
    pub fn get(&self) -> (u64, u64) {
        (
            self.inner.processed.load(Ordering::Relaxed),
            self.inner.total.load(Ordering::Relaxed),
        )
    }

    /// Resolves at the next report (or at once if one came since the last call).
    pub async fn changed(&self) {
        self.inner.changed.notified().await;
    }
}

/// Does the research of one job. Implementations must be cheap to call concurrently; the
/// server runs one call per job, up to its worker count, and cancels a call whose job goes
/// back to the queue (shutdown, lost lease). The time limit is the server's: a call that
/// outlasts it ends the job `failed`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use sixtyfour_protocol::{EnrichBody, TaskId, TaskType};
/// use sixtyfour_server::researcher::{
///     CancellationToken, Directory, DirectoryResearcher, Progress, ResearchJob, Researcher,
/// };
///
/// let researcher = DirectoryResearcher::new(Directory::builtin());
/// let body: EnrichBody = serde_json::from_str(
///     r#"{"lead_info": {"email": "rafael.nunez@lanternfish.example"}, "struct": {"title": "Job title"}}"#,
/// )?;
/// let job = ResearchJob {
///     task_id: TaskId::new("t-1")?,
///     run: 1,
///     task_type: TaskType::EnrichLead,
///     body: Arc::new(body),
///     meta: Arc::default(),
/// };
/// let progress = Progress::detached();
/// let result = researcher.research(&job, &progress, &CancellationToken::new()).await?;
/// assert_eq!(result.structured_data["title"], "CEO & Co-Founder");
/// assert_eq!(progress.get(), (1, 1));
/// # Ok(())
/// # }
/// ```
#[async_trait]
pub trait Researcher: Send + Sync + 'static {
    /// Researches `job`, reporting progress; returns the result or why there is none.
    async fn research(
        &self,
        job: &ResearchJob,
        progress: &Progress,
        cancel: &CancellationToken,
    ) -> Result<EnrichResult, ResearchError>;
}

/// Answers from a [`Directory`] of profiles: deterministic, instant, offline.
#[derive(Debug, Clone)]
pub struct DirectoryResearcher {
    directory: Arc<Directory>,
    dict_as_text: bool,
}

impl DirectoryResearcher {
    /// Answers from `directory`, `dict` fields as objects.
    pub fn new(directory: Directory) -> Self {
        DirectoryResearcher {
            directory: Arc::new(directory),
            dict_as_text: false,
        }
    }

    /// Answers `dict` fields as JSON text, as the live API does.
    pub fn dict_as_text(mut self, as_text: bool) -> Self {
        self.dict_as_text = as_text;
        self
    }

    /// The directory.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// The result of a job, computed at once.
    pub fn answer(&self, job: &ResearchJob) -> EnrichResult {
        let found = research(&self.directory, job.lead_info(), job.fields());
        let mut result = found.to_result();
        if self.dict_as_text {
            dicts_as_text(&mut result.structured_data, job.fields(), job.lead_info());
        }
        result
    }
}

#[async_trait]
impl Researcher for DirectoryResearcher {
    async fn research(
        &self,
        job: &ResearchJob,
        progress: &Progress,
        cancel: &CancellationToken,
    ) -> Result<EnrichResult, ResearchError> {
        if cancel.is_cancelled() {
            return Err(ResearchError::Cancelled);
        }
        let total = job.fields().len() as u64;
        let result = self.answer(job);
        progress.report(total, total);
        Ok(result)
    }
}

/// Makes another researcher take at least `delay` per job, reporting progress over it in
/// steps of the fields asked for: the directory researcher paced like a real one, for demos
/// and restart tests (`--research-delay`).
#[derive(Debug, Clone)]
pub struct Paced<R> {
    inner: R,
    delay: Duration,
}

impl<R> Paced<R> {
    /// `inner`, slowed to `delay` per job.
    pub fn new(inner: R, delay: Duration) -> Self {
        Paced { inner, delay }
    }
}

#[async_trait]
impl<R: Researcher> Researcher for Paced<R> {
    async fn research(
        &self,
        job: &ResearchJob,
        progress: &Progress,
        cancel: &CancellationToken,
    ) -> Result<EnrichResult, ResearchError> {
        let total = (job.fields().len() as u64).max(1);
        let step = self.delay / u32::try_from(total).unwrap_or(u32::MAX);
        for done in 0..total {
            progress.report(done, total);
            tokio::select! {
                () = cancel.cancelled() => return Err(ResearchError::Cancelled),
                () = tokio::time::sleep(step) => {}
            }
        }
        self.inner.research(job, progress, cancel).await
    }
}
