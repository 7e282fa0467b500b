//! `sixtyfour serve`: the flags, and running a server from them until Ctrl-C or SIGTERM.

mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use crate::keys::{Keys, KeysError};
use crate::researcher::{Directory, DirectoryError, DirectoryResearcher, Paced, Researcher};
use crate::store::{JobStore, MemoryLimits, MemoryStore, PostgresStore, SqliteStore, StoreError};
use crate::{Server, ServerConfig, WebhookConfig, WorkerConfig};

pub use web::{LlmArgs, WebArgs};

/// `"250ms"`, `"2s"`, `"5m"`, `"1.5h"`, or a plain number of milliseconds.
///
/// ```
/// use std::time::Duration;
/// use sixtyfour_server::parse_duration;
///
/// assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
/// assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
/// assert!(parse_duration("5 parsecs").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(at) => text.split_at(at),
        None => (text, "ms"),
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (try 250ms, 2s or 5m)"))?;
    let millis = match unit.trim() {
        "ms" => value,
        "s" => value * 1e3,
        "m" | "min" => value * 60e3,
        "h" => value * 3600e3,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use ms, s, m or h"
            ));
        }
    };
    if !millis.is_finite() || millis < 0.0 {
        return Err(format!("`{text}` must be a finite, non-negative duration"));
    }
    Duration::try_from_secs_f64(millis / 1e3)
        .map_err(|_| format!("`{text}` is too long a duration"))
}

/// Where jobs are kept: `memory`, `sqlite:PATH` or `postgres://user:password@host:port/db`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSpec {
    /// In this process only; a restart forgets every job.
    Memory,
    /// A SQLite file (created if missing).
    Sqlite(PathBuf),
    /// A PostgreSQL database, shared by several servers.
    Postgres(String),
}

impl FromStr for StoreSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s == "memory" {
            Ok(StoreSpec::Memory)
        } else if let Some(path) = s.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err("`sqlite:` needs a file path, e.g. sqlite:jobs.db".into());
            }
            Ok(StoreSpec::Sqlite(PathBuf::from(path)))
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(StoreSpec::Postgres(s.to_owned()))
        } else {
            Err(format!(
                "unknown store `{s}`: use sqlite:PATH, postgres://USER@HOST/DB or memory"
            ))
        }
    }
}

/// Which researcher answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum ResearcherKind {
    /// A directory of profiles (`--directory`, or the built-in fictional sample).
    Directory,
    /// Searches, reads and extracts from the web (`--offline-web DIR`, `--searxng-url`,
    /// `--brave-key-env`; optionally a language model with `--llm-base-url`).
    Web,
}

impl ResearcherKind {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ResearcherKind::Directory => "directory",
            ResearcherKind::Web => "web",
        }
    }
}

/// Why `sixtyfour serve` could not start or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The keys file.
    #[error(transparent)]
    Keys(#[from] KeysError),
    /// The job store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The directory file.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// A setting that cannot work.
    #[error("{0}")]
    Invalid(String),
    /// The web researcher could not be set up (an unreadable offline web, a bad URL, a model
    /// key variable that is not set).
    #[cfg(feature = "web")]
    #[error("--researcher web: {0}")]
    Web(#[from] sixtyfour_web::WebError),
}

/// Serves the enrich-lead API: `sixtyfour serve --keys keys.toml --store sqlite:jobs.db`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8064")]
    pub addr: SocketAddr,
    /// The keys file (TOML: name, sha256 of the key, and optional rate_limit, webhook_secret,
    /// max_active_jobs, tiers, credits per key); reloaded on SIGHUP and when it changes.
    #[arg(long)]
    pub keys: PathBuf,
    /// Where jobs are kept: sqlite:PATH, postgres://USER:PASSWORD@HOST:PORT/DB, or memory.
    #[arg(long, default_value = "sqlite:sixtyfour-jobs.db")]
    pub store: StoreSpec,
    /// What does the research: `directory` answers from a file of profiles (deterministic,
    /// instant, offline); `web` searches, reads pages and extracts.
    #[arg(long, value_enum, default_value = "directory")]
    pub researcher: ResearcherKind,
    /// A JSON Lines file of profiles for the directory researcher (default: the built-in
    /// fictional sample).
    #[arg(long)]
    pub directory: Option<PathBuf>,
    /// Make each job take at least this long, reporting progress (for demos and tests; the
    /// directory researcher answers at once otherwise).
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    pub research_delay: Duration,
    /// Answer `dict` fields as objects instead of JSON text (the live API sends text).
    #[arg(long)]
    pub dict_as_object: bool,
    /// Jobs researched at once by this process.
    #[arg(long, default_value_t = 16)]
    pub workers: usize,
    /// The longest a job may research before it ends `failed`.
    #[arg(long, default_value = "15m", value_parser = parse_duration)]
    pub job_timeout: Duration,
    /// How long a worker's lease on a job lasts without renewal; a job whose worker died
    /// runs again after it.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub lease: Duration,
    /// How long finished jobs stay readable.
    #[arg(long, default_value = "24h", value_parser = parse_duration)]
    pub job_ttl: Duration,
    /// How often the queue and the webhook outbox are checked (jobs queued by another process,
    /// expired leases, retries due).
    #[arg(long, default_value = "500ms", value_parser = parse_duration)]
    pub poll_interval: Duration,
    /// Attempts per webhook delivery.
    #[arg(long, default_value_t = 8)]
    pub webhook_attempts: u32,
    /// The wait after a failed webhook attempt; it doubles each time, up to 10 minutes.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub webhook_backoff: Duration,
    /// How long one webhook attempt may take; a delivery a dead process was making is sent
    /// again after twice this.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub webhook_timeout: Duration,
    /// Connections to PostgreSQL.
    #[arg(long, default_value_t = 8)]
    pub pg_connections: usize,
    /// The web researcher's settings (with --researcher web).
    #[command(flatten, next_help_heading = "Web researcher (--researcher web)")]
    pub web: WebArgs,
}

impl ServeArgs {
    /// The server these flags describe (the store opened, the keys read).
    pub async fn build(&self) -> Result<Server, ServeError> {
        if self.workers == 0 {
            return Err(ServeError::Invalid("--workers must be at least 1".into()));
        }
        if self.lease < Duration::from_secs(1) {
            return Err(ServeError::Invalid("--lease must be at least 1s".into()));
        }
        let keys = Arc::new(Keys::from_file(&self.keys)?);
        if keys.current().is_empty() {
            tracing::warn!(keys = %self.keys.display(), "the keys file lists no key: every request will get 401");
        }
        let store: Arc<dyn JobStore> = match &self.store {
            StoreSpec::Memory => Arc::new(MemoryStore::new(MemoryLimits {
                ttl: self.job_ttl,
                ..MemoryLimits::default()
            })),
            StoreSpec::Sqlite(path) => Arc::new(SqliteStore::open(path)?),
            StoreSpec::Postgres(url) => {
                Arc::new(PostgresStore::connect(url, self.pg_connections).await?)
            }
        };
        let researcher = self.researcher()?;
        let config = ServerConfig {
            workers: WorkerConfig {
                workers: self.workers,
                lease: self.lease,
                job_timeout: self.job_timeout,
                poll_interval: self.poll_interval,
                ..WorkerConfig::default()
            },
            webhooks: WebhookConfig {
                attempts: self.webhook_attempts.max(1),
                backoff: self.webhook_backoff,
                timeout: self.webhook_timeout,
                lease: self.webhook_timeout.saturating_mul(2),
                poll_interval: self.poll_interval,
                ..WebhookConfig::default()
            },
            job_ttl: self.job_ttl,
            purge_interval: purge_interval(self.job_ttl),
            ..ServerConfig::default()
        };
        Server::builder()
            .store(store)
            .researcher(researcher)
            .keys(keys)
            .config(config)
            .build()
            .map_err(|e| ServeError::Invalid(e.to_string()))
    }

    /// The researcher these flags describe; flags of the other researcher are refused.
    pub fn researcher(&self) -> Result<Arc<dyn Researcher>, ServeError> {
        if let Some(problem) = misplaced_flags(self.researcher, &self.web, self.directory.is_some())
        {
            return Err(ServeError::Invalid(problem));
        }
        match self.researcher {
            ResearcherKind::Directory => {
                let directory = match &self.directory {
                    Some(path) => Directory::from_path(path)?,
                    None => Directory::builtin(),
                };
                let base = DirectoryResearcher::new(directory).dict_as_text(!self.dict_as_object);
                Ok(paced(base, self.research_delay))
            }
            ResearcherKind::Web => self.web_researcher(),
        }
    }

    #[cfg(feature = "web")]
    fn web_researcher(&self) -> Result<Arc<dyn Researcher>, ServeError> {
        let config = self.web.config()?;
        let web = sixtyfour_web::WebResearcher::new(config)?;
        let adapter = crate::researcher::WebAdapter::new(web).dict_as_text(!self.dict_as_object);
        Ok(paced(adapter, self.research_delay))
    }

    #[cfg(not(feature = "web"))]
    fn web_researcher(&self) -> Result<Arc<dyn Researcher>, ServeError> {
        Err(ServeError::Invalid(
            "--researcher web: this build has no web researcher (build sixtyfour-server with its `web` feature)".into(),
        ))
    }

    /// What the readiness line says of the researcher.
    fn describe_researcher(&self) -> String {
        match self.researcher {
            ResearcherKind::Directory => match &self.directory {
                Some(path) => format!("directory {}", path.display()),
                None => "directory (built-in sample)".to_owned(),
            },
            ResearcherKind::Web => web::describe(&self.web),
        }
    }

    /// Binds, prints `sixtyfour serve listening on http://ADDR` on stdout, and serves until
    /// Ctrl-C or SIGTERM; then stops taking requests, puts running jobs back in the queue
    /// and returns.
    pub async fn run(self) -> Result<(), ServeError> {
        let server = self.build().await?;
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(|source| ServeError::Bind {
                addr: self.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| ServeError::Bind {
            addr: self.addr,
            source,
        })?;
        let running = server.start(listener).map_err(|source| ServeError::Bind {
            addr: self.addr,
            source,
        })?;
        {
            // One write, errors ignored: a reader that closed stdout must not stop the server.
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "sixtyfour serve listening on http://{addr} (store: {}, researcher: {}, health: http://{addr}/healthz, metrics: http://{addr}/metrics)",
                match &self.store {
                    StoreSpec::Memory => "memory".to_owned(),
                    StoreSpec::Sqlite(path) => format!("sqlite:{}", path.display()),
                    StoreSpec::Postgres(_) => "postgres".to_owned(),
                },
                self.describe_researcher(),
            );
            let _ = out.flush();
        }
        shutdown_signal().await;
        tracing::info!("shutting down: running jobs go back to the queue");
        running.shutdown().await;
        Ok(())
    }
}

/// `inner`, slowed to `delay` per job when `delay` is not zero.
fn paced<R: Researcher>(inner: R, delay: Duration) -> Arc<dyn Researcher> {
    if delay.is_zero() {
        Arc::new(inner)
    } else {
        Arc::new(Paced::new(inner, delay))
    }
}

/// How often finished jobs past their time to live are dropped: a tenth of it, between 1 s and
/// a minute (a job stays readable at least `ttl`, and at most about 10% longer).
pub fn purge_interval(ttl: Duration) -> Duration {
    (ttl / 10).clamp(Duration::from_secs(1), Duration::from_secs(60))
}

/// Why the researcher's flags do not go together, if they do not: a flag of one researcher
/// given to the other is refused rather than silently ignored.
pub fn misplaced_flags(kind: ResearcherKind, web: &WebArgs, directory: bool) -> Option<String> {
    match kind {
        ResearcherKind::Directory => {
            let given = web.given();
            (!given.is_empty()).then(|| {
                format!(
                    "{} {} only read by --researcher web (the researcher is `directory`)",
                    given.join(", "),
                    if given.len() == 1 { "is" } else { "are" }
                )
            })
        }
        ResearcherKind::Web => directory.then(|| {
            "--directory is only read by --researcher directory (the researcher is `web`)".into()
        }),
    }
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_specs() {
        let rows = [
            ("memory", Ok(StoreSpec::Memory)),
            ("sqlite:jobs.db", Ok(StoreSpec::Sqlite("jobs.db".into()))),
            (
                "sqlite:/var/lib/x/jobs.db",
                Ok(StoreSpec::Sqlite("/var/lib/x/jobs.db".into())),
            ),
            (
                "postgres://u:p@127.0.0.1:5432/db",
                Ok(StoreSpec::Postgres(
                    "postgres://u:p@127.0.0.1:5432/db".into(),
                )),
            ),
            (
                "postgresql://u@h/db",
                Ok(StoreSpec::Postgres("postgresql://u@h/db".into())),
            ),
        ];
        for (text, want) in rows {
            assert_eq!(text.parse::<StoreSpec>(), want, "{text}");
        }
        for bad in ["sqlite:", "mysql://x", "jobs.db"] {
            assert!(bad.parse::<StoreSpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn purge_follows_the_time_to_live() {
        let rows = [
            (Duration::from_secs(24 * 3600), Duration::from_secs(60)),
            (Duration::from_secs(300), Duration::from_secs(30)),
            (Duration::from_secs(2), Duration::from_secs(1)),
            (Duration::ZERO, Duration::from_secs(1)),
        ];
        for (ttl, want) in rows {
            assert_eq!(purge_interval(ttl), want, "{ttl:?}");
        }
    }

    #[test]
    fn researcher_flags_go_to_their_researcher() {
        let offline = WebArgs {
            offline_web: Some("web".into()),
            ..WebArgs::default()
        };
        let two = WebArgs {
            searxng_url: Some("http://127.0.0.1:8888".into()),
            page_budget: Some(3),
            ..WebArgs::default()
        };
        let rows = [
            (ResearcherKind::Directory, WebArgs::default(), true, None),
            (ResearcherKind::Directory, WebArgs::default(), false, None),
            (
                ResearcherKind::Directory,
                offline.clone(),
                false,
                Some("--offline-web is only read by --researcher web"),
            ),
            (
                ResearcherKind::Directory,
                two,
                false,
                Some("--searxng-url, --page-budget are only read by --researcher web"),
            ),
            (ResearcherKind::Web, offline.clone(), false, None),
            (
                ResearcherKind::Web,
                offline,
                true,
                Some("--directory is only read by --researcher directory"),
            ),
        ];
        for (kind, web, directory, want) in rows {
            let got = misplaced_flags(kind, &web, directory);
            match want {
                None => assert_eq!(got, None, "{kind:?} {web:?}"),
                Some(start) => assert!(
                    got.as_deref().is_some_and(|g| g.starts_with(start)),
                    "{kind:?} {web:?}: {got:?}"
                ),
            }
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("1e300s").is_err());
    }
}
