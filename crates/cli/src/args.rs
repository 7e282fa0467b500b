//! The command line: what each subcommand accepts, and nothing else.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use sixtyfour_emulator::{EmulatorArgs, parse_duration};

use crate::exit::TABLE;
use crate::input::Format;

/// The key sources, then the exit codes: the help of commands that call the API.
fn with_key_sources() -> String {
    format!("{KEY_SOURCES}\n\n{TABLE}")
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
    #[command(after_help = with_key_sources())]
    Enrich(EnrichArgs),
    /// Run the enrich-lead API emulator.
    Emulator(EmulatorArgs),
}

/// Where the API key is read from (documented on every command that calls the API).
pub const KEY_SOURCES: &str = "API key, first found of:
  --api-key-file PATH        a file holding the key alone (warned about if others can read it)
  SIXTYFOUR_API_KEY_FILE     the path of such a file
  SIXTYFOUR_API_KEY          the key itself
--emulator needs none.";

/// `sixtyfour enrich`.
#[derive(Debug, Clone, clap::Args)]
pub struct EnrichArgs {
    /// Leads: a CSV with a header (each row's non-empty cells) or JSONL (one object per line).
    pub input: PathBuf,
    /// The `struct` object as JSON: field name to description or {"description", "type"}.
    #[arg(long)]
    pub fields: PathBuf,
    /// Where results go: .jsonl (default) or .csv. Default: INPUT's name with .enriched.jsonl.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Guidance sent with every lead.
    #[arg(long)]
    pub research_plan: Option<String>,
    /// Jobs in flight at once (submits and waits).
    #[arg(short = 'j', long = "jobs", default_value_t = 16)]
    pub jobs: usize,
    /// The journal file, which makes re-runs resume. Default: OUTPUT with .journal.sqlite appended.
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
    /// Requests per minute (0 for no limit). Default 500, or no limit with --emulator.
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// Bound on the whole run: no submit starts after it and every wait ends by it; the rows
    /// left are resumed by the next run (exit 3). Default: none.
    #[arg(long, value_parser = parse_duration)]
    pub deadline: Option<Duration>,
    /// How long one job is waited for before it is left to a later run.
    #[arg(long, default_value = "20m", value_parser = parse_duration)]
    pub job_timeout: Duration,
    /// Another server than the API (also SIXTYFOUR_BASE_URL).
    #[arg(long, env = "SIXTYFOUR_BASE_URL")]
    pub base_url: Option<String>,
    /// Run against an in-process emulator: offline, no API key needed.
    #[arg(long)]
    pub emulator: bool,
    /// A file holding the API key (also SIXTYFOUR_API_KEY_FILE; else SIXTYFOUR_API_KEY).
    #[arg(long, value_name = "PATH", conflicts_with = "emulator")]
    pub api_key_file: Option<PathBuf>,
    /// How long the in-process emulator's jobs take: `300ms`, `2s`, or a range `1s..5s`.
    #[arg(long, requires = "emulator", value_parser = |s: &str| s.parse::<sixtyfour_emulator::Latency>())]
    pub emulator_latency: Option<sixtyfour_emulator::Latency>,
    /// Send again rows whose outcome is unknown (a job may exist: they may be paid twice). Alone:
    /// every unknown row; with =ROWS, only those (row numbers of the output, or ids with
    /// --id-column), comma-separated.
    #[arg(long, value_name = "ROWS", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub resubmit_unknown: Option<String>,
    /// Send again rows that failed definitely (a 4xx, or a job that ended failed).
    #[arg(long)]
    pub retry_failed: bool,
    /// The input's format, when its extension does not say.
    #[arg(long, value_enum)]
    pub input_format: Option<Format>,
    /// The first poll's delay (default 2 s; 50 ms with --emulator).
    #[arg(long, value_parser = parse_duration)]
    pub poll_initial: Option<Duration>,
    /// The longest delay between polls (default 10 s; 500 ms with --emulator).
    #[arg(long, value_parser = parse_duration)]
    pub poll_max: Option<Duration>,
    /// No progress display.
    #[arg(short, long)]
    pub quiet: bool,
    /// How often the status line is printed when stderr is not a terminal.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub status_every: Duration,
    /// Also list the journal's rows that are not in this input.
    #[arg(short, long)]
    pub verbose: bool,
}
