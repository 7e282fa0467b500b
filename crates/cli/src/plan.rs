//! A run plan: every flag and file checked and turned into one value before anything else
//! happens, so that a usage mistake costs nothing and leaves no file behind.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use sixtyfour::{PollPolicy, RateLimit, Schema};
use sixtyfour_ledger::{Resend, RowRef, Template, UnknownRows};

use crate::args::EnrichArgs;
use crate::exit::CliError;
use crate::input::{Format, ReadOptions, Source};
use crate::output::{OutputFormat, Target};
use crate::paths::{self, Role};

/// Where requests go.
#[derive(Debug, Clone)]
pub enum ServerPlan {
    /// An emulator started inside this process, with this job latency.
    Emulator(Option<sixtyfour_emulator::Latency>),
    /// The API, or another server.
    Api {
        /// The base URL, when not the default.
        base_url: Option<String>,
        /// The key.
        api_key: String,
    },
}

/// Everything `sixtyfour enrich` will do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The leads.
    pub source: Source,
    /// How to read them.
    pub read: ReadOptions,
    /// What every request asks.
    pub template: Template,
    /// The fields, in order (the CSV output's columns).
    pub fields: Vec<String>,
    /// Where results go.
    pub output: Target,
    /// In which format.
    pub output_format: OutputFormat,
    /// The journal.
    pub journal: PathBuf,
    /// Where requests go.
    pub server: ServerPlan,
    /// How often to poll.
    pub poll: PollPolicy,
    /// The client's request budget.
    pub rate_limit: Option<RateLimit>,
    /// Jobs in flight.
    pub jobs: usize,
    /// Bound on the whole run.
    pub deadline: Option<Duration>,
    /// Bound on one job's wait.
    pub job_timeout: Duration,
    /// Rows to send again.
    pub resend: Resend,
    /// Move a journal bound elsewhere.
    pub rebind: bool,
    /// No progress display.
    pub quiet: bool,
    /// Status line period.
    pub status_every: Duration,
    /// List vanished rows.
    pub verbose: bool,
}

/// Reads and checks the `struct` payload file.
pub fn load_fields(path: &Path) -> Result<Schema, CliError> {
    let bad = |message: String| CliError::Usage(message);
    let text = std::fs::read_to_string(path).map_err(|e| {
        bad(format!(
            "cannot read the fields file {}: {e}",
            path.display()
        ))
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        bad(format!(
            "{}: line {}: not valid JSON: {e}",
            path.display(),
            e.line()
        ))
    })?;
    let schema = Schema::from_json(&value).map_err(|e| bad(format!("{}: {e}", path.display())))?;
    if schema.is_empty() {
        return Err(bad(format!(
            "{}: the fields object is empty: name at least one field to collect",
            path.display()
        )));
    }
    Ok(schema)
}

fn default_output(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("leads");
    input.with_file_name(format!("{stem}.enriched.jsonl"))
}

/// The journal beside an output: its name with `.journal.sqlite` appended.
pub fn default_journal(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".journal.sqlite");
    PathBuf::from(name)
}

/// Reads `--resubmit-unknown[=ROWS]`.
pub fn unknown_rows(value: Option<&str>, ids: bool) -> Result<UnknownRows, CliError> {
    let Some(value) = value else {
        return Ok(UnknownRows::None);
    };
    if value.trim().is_empty() {
        return Ok(UnknownRows::All);
    }
    let mut rows = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if ids {
            rows.push(RowRef::Id(part.to_owned()));
        } else {
            let n: u64 = part.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                CliError::Usage(format!(
                    "--resubmit-unknown: `{part}` is not a row number (the output's `row`); with --id-column, name ids"
                ))
            })?;
            rows.push(RowRef::Position(n));
        }
    }
    Ok(UnknownRows::Named(rows))
}

impl Plan {
    /// Checks every flag and file; nothing is written.
    pub fn from_args(args: &EnrichArgs) -> Result<Plan, CliError> {
        let format = match args.input_format {
            Some(format) => format,
            None => Format::from_path(&args.input).ok_or_else(|| {
                CliError::Usage(format!(
                    "cannot tell the format of {}: name it .csv or .jsonl, or pass --input-format",
                    args.input.display()
                ))
            })?,
        };
        if args.jobs == 0 {
            return Err(CliError::Usage("-j must be at least 1".into()));
        }
        let schema = load_fields(&args.fields)?;
        let fields: Vec<String> = schema.names().map(str::to_owned).collect();
        let mut template = Template::new(schema);
        if let Some(plan) = &args.research_plan {
            template = template.research_plan(plan.clone());
        }
        let output_path = args
            .output
            .clone()
            .unwrap_or_else(|| default_output(&args.input));
        let output_format = OutputFormat::from_path(&output_path);
        let journal = args
            .journal
            .clone()
            .unwrap_or_else(|| default_journal(&output_path));
        let server = if args.emulator {
            ServerPlan::Emulator(args.emulator_latency)
        } else {
            ServerPlan::Api {
                base_url: args.base_url.clone().filter(|u| !u.trim().is_empty()),
                api_key: crate::key::api_key(args.api_key_file.as_deref())?,
            }
        };
        let local = args.emulator;
        let mut poll = if local {
            PollPolicy {
                initial: Duration::from_millis(50),
                factor: 1.5,
                max: Duration::from_millis(500),
            }
        } else {
            PollPolicy::default()
        };
        if let Some(initial) = args.poll_initial {
            poll.initial = initial;
        }
        if let Some(max) = args.poll_max {
            poll.max = max;
        }
        let rate_limit = match args.rate_limit {
            Some(0) => None,
            Some(n) => Some(RateLimit::per_minute(n)),
            None if local => None,
            None => Some(RateLimit::per_minute(500)),
        };
        let resend = Resend {
            failed: args.retry_failed,
            unknown: unknown_rows(args.resubmit_unknown.as_deref(), args.id_column.is_some())?,
        };
        let plan = Plan {
            source: Source::File(args.input.clone()),
            read: ReadOptions {
                format,
                delimiter: b',',
                id_column: args.id_column.clone(),
                limit: None,
            },
            template,
            fields,
            output: Target::File(output_path),
            output_format,
            journal,
            server,
            poll,
            rate_limit,
            jobs: args.jobs,
            deadline: args.deadline,
            job_timeout: args.job_timeout,
            resend,
            rebind: args.rebind,
            quiet: args.quiet,
            status_every: args.status_every,
            verbose: args.verbose,
        };
        plan.check_paths()?;
        Ok(plan)
    }

    /// The output and the journal can be written and are not the input or each other.
    pub fn check_paths(&self) -> Result<(), CliError> {
        let input = match &self.source {
            Source::File(path) => {
                if !path.is_file() {
                    return Err(CliError::Usage(format!(
                        "cannot read the input {}: {}",
                        path.display(),
                        if path.is_dir() {
                            "it is a directory"
                        } else {
                            "no such file"
                        }
                    )));
                }
                Some((path.as_path(), paths::identity(path)))
            }
            #[cfg(test)]
            Source::Stdin(_) => None,
        };
        let mut targets = Vec::new();
        let Target::File(path) = &self.output;
        targets.push((Role::Output, paths::facts(path, true)));
        targets.push((
            Role::Companion,
            paths::facts(&Target::temporary(path), false),
        ));
        targets.push((Role::Journal, paths::facts(&self.journal, true)));
        for suffix in [".lock", "-wal", "-shm", "-journal"] {
            let mut name = self.journal.as_os_str().to_owned();
            name.push(suffix);
            targets.push((Role::Companion, paths::facts(Path::new(&name), false)));
        }
        paths::check(input, &targets)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resubmit_lists() {
        assert_eq!(unknown_rows(None, false).unwrap(), UnknownRows::None);
        assert_eq!(unknown_rows(Some(""), false).unwrap(), UnknownRows::All);
        assert_eq!(
            unknown_rows(Some("3, 7"), false).unwrap(),
            UnknownRows::Named(vec![RowRef::Position(3), RowRef::Position(7)])
        );
        assert_eq!(
            unknown_rows(Some("crm-1,crm-2"), true).unwrap(),
            UnknownRows::Named(vec![RowRef::Id("crm-1".into()), RowRef::Id("crm-2".into())])
        );
        assert!(
            unknown_rows(Some("x"), false)
                .unwrap_err()
                .to_string()
                .contains("not a row number")
        );
        assert!(unknown_rows(Some("0"), false).is_err());
    }
}
