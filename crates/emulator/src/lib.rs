//! The enrich-lead API as a local server: a configuration of `sixtyfour-server` (its HTTP
//! surface and job life cycle, an in-memory store, the directory researcher) with a time
//! scale, seeded latencies, faults and scripts, and a control surface for tests.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use sixtyfour_emulator::{Emulator, Latency};
//!
//! let emulator = Emulator::builder()
//!     .latency(Latency::Fixed(Duration::from_millis(5)))
//!     .spawn()
//!     .await?;
//! let http = reqwest::Client::new();
//! let submitted: serde_json::Value = http
//!     .post(format!("{}/enrich-lead-async", emulator.base_url()))
//!     .header("x-api-key", emulator.api_key())
//!     .json(&serde_json::json!({
//!         "lead_info": {"email": "rafael.nunez@lanternfish.example"},
//!         "struct": {"title": "The individual's job title"}
//!     }))
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_eq!(submitted["status"], "pending");
//! assert_eq!(emulator.stats().jobs_created, 1);
//! # Ok(())
//! # }
//! ```
//!
//! # Control surface
//!
//! No API key is needed under `/_emulator/`:
//!
//! | request | effect |
//! |---|---|
//! | `GET /_emulator/stats` | counters: submits per path, jobs, polls, 429s, faults per kind, jobs in flight and the most at once, bytes held and the cap, jobs evicted |
//! | `GET /_emulator/jobs` | `{"jobs": [{"task_id", "lead_info"}, ...], "dropped": n}`: every accepted submit, oldest first (the newest [`JOB_LOG_CAP`] kept) |
//! | `POST /_emulator/reset` | no jobs, no scripts, the configured faults, zero counters |
//! | `GET`/`POST /_emulator/faults` | read or replace the fault probabilities (`{"error_500": 0.1, ...}`) |
//! | `POST /_emulator/script` | `{"endpoint": "submit"\|"sync"\|"status", "outcomes": ["500", "500", "ok"]}`: the exact next outcomes |

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod args;
mod config;
mod control;
mod faults;
mod hook;
mod researcher;
mod stats;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sixtyfour_server::keys::{KeyEntry, Keyring, Keys};
use sixtyfour_server::metrics::Metrics;
use sixtyfour_server::researcher::DirectoryResearcher;
use sixtyfour_server::rng::TaskIds;
use sixtyfour_server::store::{MemoryLimits, MemoryStore};
use sixtyfour_server::{
    RunningServer, Server, ServerConfig, ServerControl, WebhookConfig, WorkerConfig,
};
use tokio::net::TcpListener;

/// The README's code block, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}

pub use args::EmulatorArgs;
pub use config::{
    Config, DEFAULT_MAX_BYTES, Latency, MAX_SCALED, inverse_normal_cdf, parse_duration,
};
pub use faults::{Endpoint, FaultCounts, FaultKind, Faults, KINDS, Outcome, Phase, Scope};
pub use hook::{JOB_LOG_CAP, JOB_LOG_MAX_BYTES};
pub use researcher::FAILURE;
pub use sixtyfour_server::researcher::{
    Answer, Directory, DirectoryError, MatchKind, Profile, dicts_as_text, research,
};
pub use sixtyfour_server::{ApiError, MAX_BODY, is_json_content_type};
pub use stats::{JobLog, JobRecord, Stats, Submits};

use hook::EmulatorHook;

/// Entry point: [`Emulator::builder`].
pub struct Emulator;

impl Emulator {
    /// Starts configuring an emulator.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// Configures an emulator; [`spawn`](EmulatorBuilder::spawn) runs it in-process,
/// [`serve`](EmulatorBuilder::serve) on a listener of yours.
#[derive(Debug, Default)]
#[must_use = "call .spawn() or .serve() to run the emulator"]
pub struct EmulatorBuilder {
    config: Config,
    directory: Option<Directory>,
}

/// What the handle and the control surface share.
pub(crate) struct Shared {
    config: Config,
    hook: Arc<EmulatorHook>,
    store: Arc<MemoryStore>,
    metrics: Arc<Metrics>,
    control: OnceLock<ServerControl>,
}

impl Shared {
    fn stats(&self) -> Stats {
        use std::sync::atomic::Ordering::SeqCst;
        let m = &self.metrics;
        let store = self.store.stats();
        let submits = Submits {
            enrich_lead: m.submits[0].load(SeqCst),
            enrich_lead_async: m.submits[1].load(SeqCst),
            people_intelligence: m.submits[2].load(SeqCst),
            people_intelligence_async: m.submits[3].load(SeqCst),
        };
        Stats {
            requests: m.requests.load(SeqCst),
            submits,
            jobs_created: submits.enrich_lead
                + submits.enrich_lead_async
                + submits.people_intelligence
                + submits.people_intelligence_async,
            jobs_completed: m.jobs_completed.load(SeqCst),
            jobs_failed: m.jobs_failed.load(SeqCst),
            jobs_expired: store.expired,
            jobs_evicted: store.evicted,
            jobs_held: store.jobs,
            bytes_held: store.bytes,
            max_bytes: store.max_bytes,
            status_polls: m.status_polls.load(SeqCst),
            rate_limited: m.rate_limited.load(SeqCst),
            active_job_limited: m.active_job_limited.load(SeqCst),
            bad_requests: m.bad_requests.load(SeqCst),
            unauthorized: m.unauthorized.load(SeqCst),
            not_found: m.not_found.load(SeqCst),
            faults: self.hook.fault_counts(),
            in_flight: store.active,
            max_in_flight: store.max_active,
            webhooks_delivered: m.webhooks_delivered.load(SeqCst),
            webhook_attempts_failed: m.webhook_attempts_failed.load(SeqCst),
        }
    }

    fn reset(&self) {
        self.store.clear();
        self.hook.reset();
        self.metrics.reset();
        if let Some(control) = self.control.get() {
            control.clear_rate_limits();
        }
    }
}

impl EmulatorBuilder {
    /// Replaces the whole configuration.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The one accepted `x-api-key` (default `emulator-key`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.config.api_key = key.into();
        self
    }

    /// How long each job takes before scaling (default 20 ms to 80 ms).
    pub fn latency(mut self, latency: Latency) -> Self {
        self.config.latency = latency;
        self
    }

    /// Multiplies latencies, rate-limit windows, webhook back-off and expiry. It must be a
    /// positive number: [`spawn`](EmulatorBuilder::spawn) refuses 0, a negative or a
    /// non-finite scale.
    pub fn time_scale(mut self, scale: f64) -> Self {
        self.config.time_scale = scale;
        self
    }

    /// Seeds latencies and faults, and task ids (which still differ between emulators, a
    /// random salt being mixed in, unless [`fixed_ids`](EmulatorBuilder::fixed_ids) is set).
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self
    }

    /// Task ids from the seed alone: every emulator with the same seed hands out the same ids
    /// in the same order. Off by default, so that ids never repeat across emulators (a client
    /// resuming against a restarted emulator must not find another job under an old id).
    pub fn fixed_ids(mut self, fixed: bool) -> Self {
        self.config.fixed_ids = fixed;
        self
    }

    /// Requests per minute per API key (scaled window); `None` for no limit.
    pub fn rate_limit(mut self, per_minute: Option<u32>) -> Self {
        self.config.rate_limit = per_minute;
        self
    }

    /// Fault probabilities.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.config.faults = faults;
        self
    }

    /// Signs webhook deliveries with this secret.
    pub fn webhook_secret(mut self, secret: impl Into<String>) -> Self {
        self.config.webhook_secret = Some(secret.into());
        self
    }

    /// How long finished jobs stay readable, before scaling (default one hour).
    pub fn job_ttl(mut self, ttl: Duration) -> Self {
        self.config.job_ttl = ttl;
        self
    }

    /// The most jobs kept at once (default 200,000).
    pub fn max_jobs(mut self, max: usize) -> Self {
        self.config.max_jobs = max;
        self
    }

    /// Caps the bytes the job store holds (default [`DEFAULT_MAX_BYTES`]).
    pub fn max_bytes(mut self, max: usize) -> Self {
        self.config.max_bytes = max;
        self
    }

    /// Caps the unfinished jobs of the key; a submit past it is answered 429 with the
    /// active-job-limit body (no `Retry-After`: waiting for jobs to finish helps, slowing
    /// down does not). `None` (the default) for no limit.
    pub fn max_active_jobs(mut self, limit: Option<u32>) -> Self {
        self.config.max_active_jobs = limit;
        self
    }

    /// Answers `dict` fields as JSON text, as the live API does (the default), or as objects
    /// (`false`).
    pub fn dict_as_text(mut self, as_text: bool) -> Self {
        self.config.dict_as_text = as_text;
        self
    }

    /// Reports progress counts while a job processes (the default), or none (`false`): then a
    /// job answers `pending` with no counts until it ends.
    pub fn progress(mut self, progress: bool) -> Self {
        self.config.progress = progress;
        self
    }

    /// Researches from this directory instead of the built-in sample.
    pub fn directory(mut self, directory: Directory) -> Self {
        self.directory = Some(directory);
        self
    }

    /// The server this configuration describes, and what the handle shares.
    fn build(self) -> std::io::Result<(Server, Arc<Shared>)> {
        let invalid =
            |message: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, message);
        let config = self.config;
        config.validate().map_err(invalid)?;
        let key = KeyEntry::new("emulator", &config.api_key)
            .rate_limit(config.rate_limit.filter(|limit| *limit > 0))
            .webhook_secret(config.webhook_secret.clone())
            .max_active_jobs(config.max_active_jobs.map(u64::from));
        let keys = Keyring::new(vec![key]).map_err(|e| invalid(e.replace('\u{0}', ": ")))?;
        let store = Arc::new(MemoryStore::new(MemoryLimits {
            max_jobs: config.max_jobs,
            max_bytes: config.max_bytes,
            ttl: config.scaled(config.job_ttl),
        }));
        let metrics = Arc::new(Metrics::default());
        let hook = Arc::new(EmulatorHook::new(config.clone()));
        let shared = Arc::new(Shared {
            config: config.clone(),
            hook: Arc::clone(&hook),
            store: Arc::clone(&store),
            metrics: Arc::clone(&metrics),
            control: OnceLock::new(),
        });
        let directory = DirectoryResearcher::new(self.directory.unwrap_or_else(Directory::builtin))
            .dict_as_text(config.dict_as_text);
        let ttl = config.scaled(config.job_ttl);
        let server_config = ServerConfig {
            workers: WorkerConfig {
                // Every job runs at once, as on the real service; a job is a sleeping task.
                workers: 1 << 20,
                lease: Duration::from_secs(3600),
                job_timeout: MAX_SCALED + Duration::from_secs(3600),
                poll_interval: Duration::from_millis(200),
                progress_interval: Duration::ZERO,
                worker_id: "emulator".into(),
            },
            webhooks: WebhookConfig {
                attempts: config.webhook_attempts.max(1),
                backoff: config
                    .scaled(Duration::from_secs(1))
                    .max(Duration::from_millis(10)),
                max_backoff: config
                    .scaled(Duration::from_secs(600))
                    .max(Duration::from_millis(10)),
                poll_interval: Duration::from_millis(20),
                ..WebhookConfig::default()
            },
            job_ttl: ttl,
            purge_interval: (ttl / 10).clamp(Duration::from_millis(10), Duration::from_secs(1)),
            rate_window: config.scaled(Duration::from_secs(60)),
            ..ServerConfig::default()
        };
        let server = Server::builder()
            .store(store)
            .researcher(Arc::new(researcher::EmulatedResearcher {
                directory,
                progress: config.progress,
            }))
            .keys(Arc::new(Keys::fixed(keys)))
            .hook(hook)
            .task_ids(TaskIds::seeded(config.seed, config.fixed_ids))
            .metrics(metrics)
            .config(server_config)
            .routes(control::routes(Arc::clone(&shared)))
            .build()
            .map_err(|e| invalid(e.to_string()))?;
        let _ = shared.control.set(server.control());
        Ok((server, shared))
    }

    /// Runs the emulator on 127.0.0.1, on a port the OS picks, until the handle is dropped.
    pub async fn spawn(self) -> std::io::Result<EmulatorHandle> {
        let (server, shared) = self.build()?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let running = server.start(listener)?;
        Ok(EmulatorHandle {
            addr: running.addr(),
            shared,
            _running: running,
        })
    }

    /// Serves on `listener` until `shutdown` resolves.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (server, _shared) = self.build()?;
        let running = server.start(listener)?;
        shutdown.await;
        running.shutdown().await;
        Ok(())
    }
}

/// A running in-process emulator; dropping it shuts the server down.
pub struct EmulatorHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _running: RunningServer,
}

impl EmulatorHandle {
    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The accepted API key.
    pub fn api_key(&self) -> &str {
        &self.shared.config.api_key
    }

    /// The counters now.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Replaces the fault probabilities.
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        self.shared.hook.set_faults(faults)
    }

    /// Queues exact outcomes for the next requests to `endpoint`.
    pub fn script(&self, endpoint: Endpoint, outcomes: impl IntoIterator<Item = Outcome>) {
        self.shared.hook.script(endpoint, outcomes);
    }

    /// Back to the state at start: no jobs, no scripts, the configured faults, zero counters,
    /// full rate-limit buckets.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Jobs kept in the store now.
    pub fn job_count(&self) -> usize {
        usize::try_from(self.shared.store.stats().jobs).unwrap_or(usize::MAX)
    }

    /// Every accepted submit since start or reset, oldest first: its task id and the
    /// `lead_info` it carried (the newest [`JOB_LOG_CAP`] are kept), so that a test can check
    /// the jobs created for each lead.
    pub fn jobs(&self) -> Vec<JobRecord> {
        self.shared.hook.job_log().jobs
    }
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}
