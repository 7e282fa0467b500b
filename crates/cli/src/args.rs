//! The command line.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use sixtyfour_emulator::{EmulatorArgs, parse_duration};

use crate::input::Format;

const EXIT_CODES: &str = "Exit codes:
  0    every row completed
  1    some rows failed (see the output's status and error)
  2    bad usage or input (nothing was submitted)
  3    rows left unknown or past the deadline (re-run the same command to resume)
  130  interrupted (re-run the same command to resume)";

/// Typed lead enrichment: batch jobs against the enrich-lead API, and a local emulator.
#[derive(Debug, Parser)]
#[command(name = "sixtyfour", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Enrich every lead of a CSV or JSONL file, crash-safe and resumable.
    #[command(after_help = EXIT_CODES)]
    Enrich(EnrichArgs),
    /// Run the enrich-lead API emulator.
    Emulator(EmulatorArgs),
}

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
    /// Jobs in flight at once.
    #[arg(short = 'j', long = "jobs", default_value_t = 16)]
    pub jobs: usize,
    /// The journal file. Default: OUTPUT with .journal.sqlite appended.
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Requests per minute (0 for no limit). Default 500, or no limit with --emulator.
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// How long to wait for each job before leaving it to a later run.
    #[arg(long, default_value = "20m", value_parser = parse_duration)]
    pub deadline: Duration,
    /// Another server than the API.
    #[arg(long, env = "SIXTYFOUR_BASE_URL")]
    pub base_url: Option<String>,
    /// Run against an in-process emulator: offline, no API key needed.
    #[arg(long)]
    pub emulator: bool,
    /// Submit again the rows whose submit outcome is unknown (may pay twice for them).
    #[arg(long)]
    pub resubmit_unknown: bool,
    /// Submit again the rows that failed in an earlier run.
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
}
