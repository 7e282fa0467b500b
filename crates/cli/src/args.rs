//! The command line: what each subcommand accepts, and nothing else. Flags that cannot go
//! together are refused by clap itself.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use sixtyfour_emulator::EmulatorArgs;

use crate::duration::parse as duration;
use crate::exit::TABLE;
use crate::input::Format;
use crate::output::OutputFormat;

/// Where the API key is read from (documented on every command that calls the API).
pub const KEY_SOURCES: &str = "API key, first found of:
  --api-key-file PATH        a file holding the key alone (warned about if others can read it)
  SIXTYFOUR_API_KEY_FILE     the path of such a file
  SIXTYFOUR_API_KEY          the key itself
--emulator needs none.";

/// The key sources, then the exit codes: the help of `enrich`.
fn enrich_help() -> String {
    format!("{KEY_SOURCES}\n\n{TABLE}")
}

const STATUS_HELP: &str = "Exit codes:
  0    the server answered (the job's state is printed)
  1    no such job (404)
  2    bad usage
  3    the server could not be reached or gave another error
  4    the API refused the key (401, 403)";

const WAIT_HELP: &str = "Exit codes:
  0    the job completed (its result is printed)
  1    the job failed, or there is no such job
  2    bad usage
  3    still running at --deadline, or the server could not be reached
  4    the API refused the key, the credits or the tier (401, 402, 403)";

fn status_help() -> String {
    format!("{KEY_SOURCES}\n\n{STATUS_HELP}")
}

fn wait_help() -> String {
    format!("{KEY_SOURCES}\n\n{WAIT_HELP}")
}

/// Typed lead enrichment: batch jobs against the enrich-lead API, and a local emulator.
#[derive(Debug, Parser)]
#[command(name = "sixtyfour", version, after_help = TABLE)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Enrich every lead of a CSV or JSONL file, exactly once, crash-safe and resumable.
    #[command(after_help = enrich_help())]
    Enrich(Box<EnrichArgs>),
    /// Print where one job is (its state, and its result once completed).
    #[command(after_help = status_help())]
    Status(JobArgs),
    /// Wait for one job and print its result.
    #[command(after_help = wait_help())]
    Wait(WaitArgs),
    /// Print each field of a `struct` file with its resolved type and where the type came from.
    Schema(SchemaArgs),
    /// Run the enrich-lead API emulator.
    Emulator(EmulatorArgs),
    /// Serve the enrich-lead API: keys file, durable job store, workers, webhooks, a researcher.
    #[command(after_help = crate::serve::HELP)]
    Serve(Box<sixtyfour_server::ServeArgs>),
    /// Measure the web researcher on an offline web: precision, recall and calibration per field.
    #[command(after_help = crate::eval::HELP)]
    Eval(crate::eval::EvalArgs),
    /// Print a shell completion script: `sixtyfour completions bash > /etc/bash_completion.d/sixtyfour`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// The research tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TierArg {
    /// Quickest.
    Low,
    /// The middle ground.
    Medium,
    /// Deeper research.
    High,
    /// The deepest research.
    Xhigh,
}

impl From<TierArg> for sixtyfour::Tier {
    fn from(tier: TierArg) -> Self {
        match tier {
            TierArg::Low => sixtyfour::Tier::Low,
            TierArg::Medium => sixtyfour::Tier::Medium,
            TierArg::High => sixtyfour::Tier::High,
            TierArg::Xhigh => sixtyfour::Tier::Xhigh,
        }
    }
}

/// `sixtyfour enrich`.
#[derive(Debug, Clone, clap::Args)]
pub struct EnrichArgs {
    /// Leads: a CSV with a header (each row's non-empty cells) or JSONL (one object per line);
    /// `-` reads stdin.
    pub input: PathBuf,
    /// The `struct` object as JSON: field name to description or {"description", "type"}.
    #[arg(long)]
    pub fields: PathBuf,
    /// Where results go: .jsonl (default) or .csv; `-` writes JSONL to stdout. Default: INPUT's
    /// name with .enriched.jsonl, or stdout when the input is stdin.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// The output's format, when its extension does not say (or for stdout).
    #[arg(long, value_enum)]
    pub output_format: Option<OutputFormat>,
    /// Guidance sent with every lead.
    #[arg(long)]
    pub research_plan: Option<String>,
    /// The research tier of every request.
    #[arg(long, value_enum)]
    pub tier: Option<TierArg>,
    /// A bound on the research agent's iterations for every request (at least 1).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_iterations: Option<u32>,
    /// A ceiling on the jobs in flight at once (submits and waits). Default: as many as the
    /// request budget sustains (submits and polls share the rate limit, and a scheduler polls
    /// each job when it is likely done), at most 4000.
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub jobs: Option<u64>,
    /// Only the first N leads of the input (the whole input is still checked).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    /// Check everything, print the first request and how many jobs would be submitted, and
    /// send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The journal file, which makes re-runs resume. Default: OUTPUT with .journal.sqlite
    /// appended, or sixtyfour.journal.sqlite when the output is stdout.
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Use a journal bound to another server or API key with this one: finished rows are kept,
    /// rows whose jobs live on the old binding become unknown.
    #[arg(long)]
    pub rebind: bool,
    /// The column (CSV) or key (JSONL) that identifies each row. Without it a row is known by
    /// its content (the n-th copy of an identical lead).
    #[arg(long, value_name = "NAME")]
    pub id_column: Option<String>,
    /// The input's format, when its extension does not say (stdin: sniffed).
    #[arg(long, value_enum)]
    pub input_format: Option<Format>,
    /// The CSV delimiter: `,`, `;`, `tab`, or another single character. Default: sniffed from
    /// the header line among `,`, `;` and tab.
    #[arg(long, value_parser = delimiter)]
    pub delimiter: Option<u8>,
    /// Receive completion callbacks on this address during the run (`127.0.0.1:8080`,
    /// `0.0.0.0:8080`): results are recorded as they come and a job is polled only when its
    /// callback is late. Needs --webhook-url.
    #[arg(long, value_name = "ADDR", requires = "webhook_url")]
    pub webhook_listen: Option<std::net::SocketAddr>,
    /// The public URL the server posts callbacks to (it must reach --webhook-listen).
    #[arg(long, value_name = "URL", requires = "webhook_listen")]
    pub webhook_url: Option<String>,
    /// The secret callbacks are signed with (also SIXTYFOUR_WEBHOOK_SECRET); unsigned or wrongly
    /// signed deliveries are refused. Without it deliveries are taken unsigned.
    #[arg(
        long,
        value_name = "SECRET",
        env = "SIXTYFOUR_WEBHOOK_SECRET",
        hide_env_values = true
    )]
    pub webhook_secret: Option<String>,
    /// Requests per minute (0 for no limit). Default 500, or no limit with --emulator.
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// Bound on the whole run (`30m`, `2h`): no submit starts after it and every wait ends by
    /// it; the rows left are resumed by the next run (exit 3). Default: none.
    #[arg(long, value_parser = duration)]
    pub deadline: Option<Duration>,
    /// How long one job is waited for before it is left to a later run.
    #[arg(long, default_value = "20m", value_parser = duration)]
    pub job_timeout: Duration,
    /// Another server than the API (default: SIXTYFOUR_BASE_URL if set, which --emulator
    /// ignores).
    #[arg(long, conflicts_with = "emulator")]
    pub base_url: Option<String>,
    /// Run against an in-process emulator: offline, no API key needed.
    #[arg(long)]
    pub emulator: bool,
    /// How long the in-process emulator's jobs take: `300ms`, `2s`, or a range `1s..5s` (with
    /// --emulator only).
    #[arg(long, value_parser = |s: &str| s.parse::<sixtyfour_emulator::Latency>())]
    pub emulator_latency: Option<sixtyfour_emulator::Latency>,
    /// A file holding the API key (also SIXTYFOUR_API_KEY_FILE; else SIXTYFOUR_API_KEY).
    #[arg(long, value_name = "PATH", conflicts_with = "emulator")]
    pub api_key_file: Option<PathBuf>,
    /// Send again rows whose outcome is unknown (a job may exist: they may be paid twice). Alone:
    /// every unknown row; with =ROWS, only those (row numbers of the output, or ids with
    /// --id-column), comma-separated.
    #[arg(long, value_name = "ROWS", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub resubmit_unknown: Option<String>,
    /// Send again rows that failed definitely (a 4xx, or a job that ended failed).
    #[arg(long)]
    pub retry_failed: bool,
    /// The first poll's delay, at least 10ms (default 2s; 50ms with --emulator).
    #[arg(long, value_parser = duration)]
    pub poll_initial: Option<Duration>,
    /// The longest delay between polls, at least the first (default 10s; 500ms with --emulator).
    #[arg(long, value_parser = duration)]
    pub poll_max: Option<Duration>,
    /// No progress display.
    #[arg(short, long)]
    pub quiet: bool,
    /// How often the status line is printed when stderr is not a terminal.
    #[arg(long, default_value = "5s", value_parser = duration)]
    pub status_every: Duration,
    /// Also list the journal's rows that are not in this input.
    #[arg(short, long)]
    pub verbose: bool,
}

/// `,` `;` `tab` `\t` or one ASCII character.
fn delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        other => match other.as_bytes() {
            [byte] if byte.is_ascii() && !byte.is_ascii_alphanumeric() && *byte != b'"' => {
                Ok(*byte)
            }
            _ => Err(format!(
                "`{other}` is not a delimiter: use `,`, `;`, `tab` or another single punctuation character"
            )),
        },
    }
}

/// How `status` and `wait` reach the API.
#[derive(Debug, Clone, clap::Args)]
pub struct ApiArgs {
    /// Another server than the API.
    #[arg(long, env = "SIXTYFOUR_BASE_URL")]
    pub base_url: Option<String>,
    /// A file holding the API key (also SIXTYFOUR_API_KEY_FILE; else SIXTYFOUR_API_KEY).
    #[arg(long, value_name = "PATH")]
    pub api_key_file: Option<PathBuf>,
}

/// `sixtyfour status`.
#[derive(Debug, Clone, clap::Args)]
pub struct JobArgs {
    /// The task id a submit returned.
    pub task_id: String,
    /// How to reach the API.
    #[command(flatten)]
    pub api: ApiArgs,
}

/// `sixtyfour wait`.
#[derive(Debug, Clone, clap::Args)]
pub struct WaitArgs {
    /// The task id a submit returned.
    pub task_id: String,
    /// How long to wait before giving up (the job goes on).
    #[arg(long, default_value = "20m", value_parser = duration)]
    pub deadline: Duration,
    /// The first poll's delay, at least 10ms.
    #[arg(long, default_value = "2s", value_parser = duration)]
    pub poll_initial: Duration,
    /// The longest delay between polls, at least the first.
    #[arg(long, default_value = "10s", value_parser = duration)]
    pub poll_max: Duration,
    /// How to reach the API.
    #[command(flatten)]
    pub api: ApiArgs,
}

/// `sixtyfour schema`.
#[derive(Debug, Clone, clap::Args)]
pub struct SchemaArgs {
    /// The `struct` object as JSON.
    pub fields: PathBuf,
    /// A lead (a JSON object) whose values decide the type of fields it also names.
    #[arg(long)]
    pub lead: Option<PathBuf>,
}
