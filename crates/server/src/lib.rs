//! The enrich-lead API as a self-hostable service: every path of the reference on the
//! protocol types, a job store behind a trait (SQLite embedded, PostgreSQL for several
//! processes, in memory for tests), a bounded pool of workers with leases and time limits,
//! API keys from a reloadable file, signed webhooks from an outbox, and a [`Researcher`]
//! trait that does the work.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use sixtyfour_server::keys::{KeyEntry, Keyring, Keys};
//! use sixtyfour_server::researcher::{Directory, DirectoryResearcher};
//! use sixtyfour_server::store::{MemoryLimits, MemoryStore};
//! use sixtyfour_server::Server;
//!
//! let server = Server::builder()
//!     .store(Arc::new(MemoryStore::new(MemoryLimits::default())))
//!     .researcher(Arc::new(DirectoryResearcher::new(Directory::builtin())))
//!     .keys(Arc::new(Keys::fixed(Keyring::new(vec![KeyEntry::new("demo", "sk-demo")])?)))
//!     .build()?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let running = server.start(listener)?;
//! let answer: serde_json::Value = reqwest::Client::new()
//!     .post(format!("http://{}/enrich-lead", running.addr()))
//!     .header("x-api-key", "sk-demo")
//!     .json(&serde_json::json!({
//!         "lead_info": {"email": "rafael.nunez@lanternfish.example"},
//!         "struct": {"title": "The individual's job title"}
//!     }))
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_eq!(answer["structured_data"]["title"], "CEO & Co-Founder");
//! running.shutdown().await;
//! # Ok(())
//! # }
//! ```

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod args;
pub mod http;
pub mod keys;
pub mod metrics;
pub mod rate_limit;
pub mod researcher;
pub mod rng;
pub mod store;
pub mod webhook;
pub mod worker;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use args::{
    LlmArgs, ResearcherKind, ServeArgs, ServeError, StoreSpec, WebArgs, misplaced_flags,
    parse_duration, purge_interval,
};
pub use http::error::ApiError;
pub use http::hook::{After, Call, Hook, Verdict};
pub use http::{MAX_BODY, is_json_content_type, read_submit};
pub use researcher::Researcher;
pub use store::JobStore;
pub use webhook::WebhookConfig;
pub use worker::WorkerConfig;

use keys::Keys;
use metrics::Metrics;
use rate_limit::RateLimiter;
use rng::TaskIds;
use worker::Engine;

/// How a server behaves besides its parts.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The workers.
    pub workers: WorkerConfig,
    /// Webhook deliveries.
    pub webhooks: WebhookConfig,
    /// How long finished jobs (and settled deliveries) are kept.
    pub job_ttl: Duration,
    /// How often finished jobs past their time to live are dropped.
    pub purge_interval: Duration,
    /// The window of the keys' rate limits (a minute, or a scaled one).
    pub rate_window: Duration,
    /// How often the keys file is checked for changes.
    pub keys_check_interval: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            workers: WorkerConfig::default(),
            webhooks: WebhookConfig::default(),
            job_ttl: Duration::from_secs(24 * 3600),
            purge_interval: Duration::from_secs(60),
            rate_window: Duration::from_secs(60),
            keys_check_interval: Duration::from_secs(2),
        }
    }
}

/// A server that cannot be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A required part was not given.
    #[error("the server needs a {0}: call .{0}(...) on the builder")]
    Missing(&'static str),
}

/// Entry point: [`Server::builder`].
pub struct Server {
    app: Arc<http::App>,
    engine: Arc<Engine>,
    config: ServerConfig,
    routes: Option<Router>,
}

/// Configures a [`Server`]: a store, a researcher and keys are required.
#[derive(Default)]
#[must_use = "call .build() to make the server"]
pub struct ServerBuilder {
    store: Option<Arc<dyn JobStore>>,
    researcher: Option<Arc<dyn Researcher>>,
    keys: Option<Arc<Keys>>,
    hook: Option<Arc<dyn Hook>>,
    ids: Option<TaskIds>,
    metrics: Option<Arc<Metrics>>,
    config: ServerConfig,
    routes: Option<Router>,
}

impl ServerBuilder {
    /// Where jobs are kept.
    pub fn store(mut self, store: Arc<dyn JobStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// What does the research.
    pub fn researcher(mut self, researcher: Arc<dyn Researcher>) -> Self {
        self.researcher = Some(researcher);
        self
    }

    /// The accepted keys.
    pub fn keys(mut self, keys: Arc<Keys>) -> Self {
        self.keys = Some(keys);
        self
    }

    /// A hook after authentication and the rate limit (see [`Hook`]).
    pub fn hook(mut self, hook: Arc<dyn Hook>) -> Self {
        self.hook = Some(hook);
        self
    }

    /// Where task ids come from (default: random UUIDs).
    pub fn task_ids(mut self, ids: TaskIds) -> Self {
        self.ids = Some(ids);
        self
    }

    /// The counters to update (default: fresh ones); share them to read them elsewhere.
    pub fn metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Workers, webhooks, retention and windows.
    pub fn config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// More routes, served beside the API (no key required; a control surface for tests).
    pub fn routes(mut self, routes: Router) -> Self {
        self.routes = Some(routes);
        self
    }

    /// The server, ready to start.
    pub fn build(self) -> Result<Server, BuildError> {
        let store = self.store.ok_or(BuildError::Missing("store"))?;
        let researcher = self.researcher.ok_or(BuildError::Missing("researcher"))?;
        let keys = self.keys.ok_or(BuildError::Missing("keys"))?;
        let (finished, _) = tokio::sync::watch::channel(0);
        let engine = Arc::new(Engine {
            store,
            researcher,
            metrics: self.metrics.unwrap_or_default(),
            config: self.config.workers.clone(),
            wake_workers: tokio::sync::Notify::new(),
            wake_webhooks: tokio::sync::Notify::new(),
            finished,
        });
        let app = Arc::new(http::App {
            engine: Arc::clone(&engine),
            stop: CancellationToken::new(),
            keys,
            limiter: Mutex::new(RateLimiter::new(self.config.rate_window)),
            ids: self.ids.unwrap_or_else(TaskIds::random),
            hook: self.hook,
        });
        Ok(Server {
            app,
            engine,
            config: self.config,
            routes: self.routes,
        })
    }
}

impl Server {
    /// Starts configuring a server.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// The counters this server updates.
    pub fn metrics(&self) -> Arc<Metrics> {
        Arc::clone(&self.engine.metrics)
    }

    /// A handle on state the server keeps in memory, usable after it started.
    pub fn control(&self) -> ServerControl {
        ServerControl {
            app: Arc::clone(&self.app),
        }
    }

    /// The HTTP surface alone (API, `/healthz`, `/metrics`, extra routes), for embedding in
    /// another server; the workers run only under [`Server::start`].
    pub fn router(&self) -> Router {
        let router = http::router(Arc::clone(&self.app));
        match &self.routes {
            Some(routes) => router.merge(routes.clone()),
            None => router,
        }
    }

    /// Serves on `listener` and runs the workers, the webhook sender, the purge of old jobs
    /// and the keys file watcher, all in the background, until
    /// [`RunningServer::shutdown`] (or drop).
    pub fn start(self, listener: TcpListener) -> std::io::Result<RunningServer> {
        let addr = listener.local_addr()?;
        let stop = self.app.stop.clone();
        let router = self.router();
        let workers = tokio::spawn(worker::run(Arc::clone(&self.engine), stop.clone()));
        let http_client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let webhooks = tokio::spawn(webhook::run(
            Arc::clone(&self.engine),
            Arc::clone(&self.app.keys),
            self.config.webhooks.clone(),
            http_client,
            stop.clone(),
        ));
        tokio::spawn(purge(
            Arc::clone(&self.engine),
            self.config.job_ttl,
            self.config.purge_interval,
            stop.clone(),
        ));
        tokio::spawn(
            Arc::clone(&self.app.keys).watch(self.config.keys_check_interval, stop.clone()),
        );
        let http_stop = stop.clone();
        let http = tokio::spawn(async move {
            let serve = axum::serve(listener, router)
                .with_graceful_shutdown(async move { http_stop.cancelled().await });
            if let Err(err) = serve.await {
                tracing::error!(error = %err, "HTTP server stopped");
            }
        });
        tracing::info!(%addr, store = %self.engine.store.describe(), workers = self.engine.config.workers, "serving");
        Ok(RunningServer {
            addr,
            stop,
            tasks: vec![http, workers, webhooks],
        })
    }
}

/// Drops finished jobs past their time to live, every `interval`.
async fn purge(engine: Arc<Engine>, ttl: Duration, interval: Duration, stop: CancellationToken) {
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(interval.max(Duration::from_millis(10))) => {}
        }
        let before = store::now_millis().saturating_sub(store::millis(ttl));
        match engine.store.purge(before).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(jobs = n, "finished jobs past their time to live dropped"),
            Err(err) => tracing::warn!(error = %err, "old jobs not purged"),
        }
    }
}

/// A handle on a server's in-memory state (rate-limit buckets), for a test double's reset.
#[derive(Clone)]
pub struct ServerControl {
    app: Arc<http::App>,
}

impl ServerControl {
    /// Forgets every key's rate-limit bucket: every key starts with a full burst.
    pub fn clear_rate_limits(&self) {
        self.app
            .limiter
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

impl std::fmt::Debug for ServerControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerControl").finish_non_exhaustive()
    }
}

/// A server running in the background; dropping it stops it without waiting.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningServer {
    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops taking requests and jobs, puts running jobs back in the queue, and waits until
    /// the HTTP server, the workers and the webhook sender are done.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
