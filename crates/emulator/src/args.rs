//! Command-line flags, shared by the `sixtyfour-emulator` binary and `sixtyfour emulator`.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::Directory;
use crate::config::{Config, Latency, parse_duration};
use crate::faults::Faults;
use crate::{Emulator, EmulatorBuilder};

/// Runs the enrich-lead API locally, answering from a directory of fictional profiles.
#[derive(Debug, Clone, clap::Args)]
pub struct EmulatorArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8064")]
    pub addr: SocketAddr,
    /// The accepted x-api-key.
    #[arg(long, default_value = "emulator-key")]
    pub api_key: String,
    /// A JSON Lines file of profiles to research from (default: the built-in sample).
    #[arg(long)]
    pub directory: Option<PathBuf>,
    /// Job latency: `300ms`, `2s`, a range `1s..5s`, or `lognormal:90s,p95=300s`.
    #[arg(long, default_value = "1s..3s", value_parser = |s: &str| s.parse::<Latency>())]
    pub latency: Latency,
    /// Multiplies latencies, rate-limit windows and expiry (0.01 makes a minute 600 ms); must
    /// be above zero.
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// Seeds latencies and faults, and task ids (which also mix in a random salt per start).
    #[arg(long, default_value_t = 64)]
    pub seed: u64,
    /// Task ids from the seed alone, the same at every start (ids then repeat across restarts).
    #[arg(long)]
    pub fixed_ids: bool,
    /// Requests per minute per API key; 0 for no limit.
    #[arg(long, default_value_t = 0)]
    pub rate_limit: u32,
    /// Probability of a 500 on any request.
    #[arg(long, default_value_t = 0.0)]
    pub fail_500: f64,
    /// Probability of a 503 on any request.
    #[arg(long, default_value_t = 0.0)]
    pub fail_503: f64,
    /// Probability of an injected 429.
    #[arg(long, default_value_t = 0.0)]
    pub fail_429: f64,
    /// Probability of a connection dropped mid-response.
    #[arg(long, default_value_t = 0.0)]
    pub fail_reset: f64,
    /// Probability of a response held back for --slow-delay.
    #[arg(long, default_value_t = 0.0)]
    pub fail_slow: f64,
    /// How long a slow response is held.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub slow_delay: std::time::Duration,
    /// Probability that a job ends `failed`.
    #[arg(long, default_value_t = 0.0)]
    pub fail_job: f64,
    /// Probability that a submit creates its job and still answers 500.
    #[arg(long, default_value_t = 0.0)]
    pub fail_ambiguous: f64,
    /// Probability of a 402 (out of credits).
    #[arg(long, default_value_t = 0.0)]
    pub fail_402: f64,
    /// Probability of a 403 (tier not enabled).
    #[arg(long, default_value_t = 0.0)]
    pub fail_403: f64,
    /// Probability of a 422 (validation list).
    #[arg(long, default_value_t = 0.0)]
    pub fail_422: f64,
    /// The most unfinished jobs of the key; a submit past it gets 429 "Too Many Active Jobs".
    #[arg(long)]
    pub max_active_jobs: Option<u32>,
    /// Answer `dict` fields as objects instead of JSON text (the live API sends text).
    #[arg(long)]
    pub dict_as_object: bool,
    /// Report no progress counts: a job answers `pending` until it ends.
    #[arg(long)]
    pub no_progress: bool,
    /// Sign webhook deliveries with this secret.
    #[arg(long)]
    pub webhook_secret: Option<String>,
    /// How long finished jobs stay readable.
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    pub job_ttl: std::time::Duration,
    /// The most jobs kept at once.
    #[arg(long, default_value_t = 200_000)]
    pub max_jobs: usize,
    /// The most bytes of jobs kept (oldest finished jobs are evicted first).
    #[arg(long, default_value_t = crate::config::DEFAULT_MAX_BYTES)]
    pub max_bytes: usize,
}

impl EmulatorArgs {
    /// A builder configured by these flags.
    pub fn builder(&self) -> Result<EmulatorBuilder, String> {
        let faults = Faults {
            error_500: self.fail_500,
            error_503: self.fail_503,
            rate_limit: self.fail_429,
            reset: self.fail_reset,
            slow: self.fail_slow,
            slow_ms: u64::try_from(self.slow_delay.as_millis()).unwrap_or(u64::MAX),
            job_failure: self.fail_job,
            ambiguous_submit: self.fail_ambiguous,
            payment_required: self.fail_402,
            forbidden: self.fail_403,
            unprocessable: self.fail_422,
            ..Faults::default()
        };
        let config = Config {
            api_key: self.api_key.clone(),
            latency: self.latency,
            time_scale: self.time_scale,
            seed: self.seed,
            fixed_ids: self.fixed_ids,
            rate_limit: (self.rate_limit > 0).then_some(self.rate_limit),
            faults,
            webhook_secret: self.webhook_secret.clone(),
            job_ttl: self.job_ttl,
            max_jobs: self.max_jobs,
            max_bytes: self.max_bytes,
            max_active_jobs: self.max_active_jobs,
            dict_as_text: !self.dict_as_object,
            progress: !self.no_progress,
            ..Config::default()
        };
        config.validate()?;
        let mut builder = Emulator::builder().config(config);
        if let Some(path) = &self.directory {
            builder = builder.directory(Directory::from_path(path).map_err(|e| e.to_string())?);
        }
        Ok(builder)
    }

    /// Binds, prints where, and serves until Ctrl-C.
    pub async fn run(&self) -> Result<(), String> {
        let builder = self.builder()?;
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", self.addr))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        {
            // One write, errors ignored: a reader that closed stdout must not stop the server.
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "sixtyfour emulator listening on http://{addr} (x-api-key: {})\ncontrol surface: http://{addr}/_emulator/stats",
                self.api_key
            );
            let _ = out.flush();
        }
        builder
            .serve(listener, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| e.to_string())
    }
}
