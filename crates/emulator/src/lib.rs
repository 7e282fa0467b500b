//! The enrich-lead API as a local server: same paths, bodies, status codes and job life cycle,
//! answering from a directory of fictional profiles, with configurable latency, rate limits
//! and faults.
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
mod directory;
mod errors;
mod faults;
mod jobs;
mod rate_limit;
mod research;
mod rng;
mod server;
mod stats;
mod webhook;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use args::EmulatorArgs;
pub use config::{
    Config, DEFAULT_MAX_BYTES, Latency, MAX_SCALED, inverse_normal_cdf, parse_duration,
};
pub use directory::{Directory, DirectoryError, MatchKind, Profile};
pub use errors::ApiError;
pub use faults::{Endpoint, FaultCounts, FaultKind, Faults, KINDS, Outcome, Phase, Scope};
pub use research::{Answer, dicts_as_text, research};
pub use server::{JOB_LOG_CAP, JOB_LOG_MAX_BYTES, MAX_BODY, is_json_content_type};
pub use stats::{JobLog, JobRecord, Stats, Submits};

use server::Shared;

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

    /// Researches from this directory instead of the built-in sample.
    pub fn directory(mut self, directory: Directory) -> Self {
        self.directory = Some(directory);
        self
    }

    fn shared(self) -> std::io::Result<Arc<Shared>> {
        self.config
            .validate()
            .map_err(|message| std::io::Error::new(std::io::ErrorKind::InvalidInput, message))?;
        let directory = self.directory.unwrap_or_else(Directory::builtin);
        Ok(Arc::new(Shared::new(self.config, directory)))
    }

    /// Runs the emulator on 127.0.0.1, on a port the OS picks, until the handle is dropped.
    pub async fn spawn(self) -> std::io::Result<EmulatorHandle> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = self.shared()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let app = server::router(Arc::clone(&shared));
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(err) = serve.await {
                tracing::error!(error = %err, "emulator stopped");
            }
        });
        Ok(EmulatorHandle {
            addr,
            shared,
            stop: Some(stop),
        })
    }

    /// Serves on `listener` until `shutdown` resolves.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let shared = self.shared()?;
        axum::serve(listener, server::router(shared))
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// A running in-process emulator; dropping it shuts the server down.
pub struct EmulatorHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
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
        self.shared.set_faults(faults)
    }

    /// Queues exact outcomes for the next requests to `endpoint`.
    pub fn script(&self, endpoint: Endpoint, outcomes: impl IntoIterator<Item = Outcome>) {
        self.shared.script(endpoint, outcomes);
    }

    /// Back to the state at start.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Jobs kept in the store now.
    pub fn job_count(&self) -> usize {
        self.shared.job_count()
    }

    /// Every accepted submit since start or reset, oldest first: its task id and the
    /// `lead_info` it carried (the newest [`JOB_LOG_CAP`] are kept), so that a test can check
    /// the jobs created for each lead.
    pub fn jobs(&self) -> Vec<JobRecord> {
        self.shared.job_log().jobs
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}
