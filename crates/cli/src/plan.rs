//! A run plan: every flag and file checked and turned into one value before anything else
//! happens, so that a usage mistake costs nothing and leaves no file behind.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use sixtyfour::{PollPolicy, RateLimit, Schema};
use sixtyfour_ledger::{Resend, RowRef, Template, UnknownRows};

use crate::args::EnrichArgs;
use crate::exit::CliError;
use crate::input::{Format, ReadOptions, Source, sniff_delimiter, sniff_format};
use crate::output::{OutputFormat, Target};
use crate::paths::{self, Role};

/// Where requests go.
#[derive(Clone)]
pub enum ServerPlan {
    /// An emulator started inside this process, with this job latency.
    Emulator(Option<sixtyfour_emulator::Latency>),
    /// The API, or another server.
    Api {
        /// The base URL, when not the default.
        base_url: Option<String>,
        /// The key.
        api_key: String,
        /// The file it was read from, if any (never written by the run).
        key_file: Option<PathBuf>,
    },
}

/// Never shows the key.
impl std::fmt::Debug for ServerPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerPlan::Emulator(latency) => f.debug_tuple("Emulator").field(latency).finish(),
            ServerPlan::Api {
                base_url, key_file, ..
            } => f
                .debug_struct("Api")
                .field("base_url", base_url)
                .field("api_key", &"<redacted>")
                .field("key_file", key_file)
                .finish(),
        }
    }
}

/// Completion callbacks for a run.
#[derive(Clone)]
pub struct Webhook {
    /// The address the receiver listens on.
    pub listen: std::net::SocketAddr,
    /// The URL the server posts to.
    pub url: String,
    /// The signing secret.
    pub secret: Option<String>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("listen", &self.listen)
            .field("url", &self.url)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
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
    /// The fields file (never written by the run).
    pub fields_file: PathBuf,
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
    /// The ceiling on jobs in flight (`None`: what the budget sustains).
    pub jobs: Option<usize>,
    /// Completion callbacks: where to listen, the public URL, the signing secret.
    pub webhook: Option<Webhook>,
    /// Bound on the whole run.
    pub deadline: Option<Duration>,
    /// Bound on one job's wait.
    pub job_timeout: Duration,
    /// Rows to send again.
    pub resend: Resend,
    /// Move a journal bound elsewhere.
    pub rebind: bool,
    /// Check and count only.
    pub dry_run: bool,
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
    let text = read_small(path, "the fields file")?;
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

/// The most bytes read from a small JSON file the user names (the fields, a lead): far more
/// than any `struct` object, and a bound on what a wrong path (`/dev/zero`) can cost.
pub const SMALL_FILE_LIMIT: u64 = 8 << 20;

/// Reads a small text file whole, refusing one larger than [`SMALL_FILE_LIMIT`].
pub fn read_small(path: &Path, what: &str) -> Result<String, CliError> {
    use std::io::Read;
    let unreadable =
        |e: std::io::Error| CliError::Usage(format!("cannot read {what} {}: {e}", path.display()));
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(unreadable)?
        .take(SMALL_FILE_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > SMALL_FILE_LIMIT {
        return Err(CliError::Usage(format!(
            "{what} {} is larger than {} MiB: name the JSON file itself",
            path.display(),
            SMALL_FILE_LIMIT >> 20
        )));
    }
    String::from_utf8(bytes)
        .map_err(|_| CliError::Usage(format!("{what} {} is not UTF-8 text", path.display())))
}

fn default_output(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("leads");
    input.with_file_name(format!("{stem}.enriched.jsonl"))
}

/// The shortest delay between polls: anything less is busy polling.
pub const MIN_POLL: Duration = Duration::from_millis(10);

/// The journal of a run writing to stdout, in the current directory.
pub const STDOUT_JOURNAL: &str = "sixtyfour.journal.sqlite";

/// Checks a poll schedule: no busy polling, a maximum not below the first delay.
pub fn check_poll(initial: Duration, max: Duration) -> Result<(), CliError> {
    if initial < MIN_POLL {
        return Err(CliError::Usage(format!(
            "--poll-initial {initial:?} would poll without pause: give at least {}ms",
            MIN_POLL.as_millis()
        )));
    }
    if max < initial {
        return Err(CliError::Usage(format!(
            "--poll-max {max:?} is shorter than --poll-initial {initial:?}"
        )));
    }
    Ok(())
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
        let stdin = args.input.as_os_str() == "-";
        if args.emulator_latency.is_some() && !args.emulator {
            return Err(CliError::Usage(
                "--emulator-latency sets the in-process emulator's latency: pass --emulator too"
                    .into(),
            ));
        }
        let schema = load_fields(&args.fields)?;
        let fields: Vec<String> = schema.names().map(str::to_owned).collect();
        let mut template = Template::new(schema);
        if let Some(plan) = &args.research_plan {
            template = template.research_plan(plan.clone());
        }
        if let Some(tier) = args.tier {
            template = template.tier(tier.into());
        }
        if let Some(n) = args.max_iterations {
            template = template.max_iterations(n);
        }
        let output = match &args.output {
            Some(path) if path.as_os_str() == "-" => Target::Stdout,
            Some(path) => Target::File(path.clone()),
            None if stdin => Target::Stdout,
            None => Target::File(default_output(&args.input)),
        };
        let output_format = match (&output, args.output_format) {
            (_, Some(format)) => format,
            (Target::File(path), None) => OutputFormat::from_path(path),
            (Target::Stdout, None) => OutputFormat::Jsonl,
        };
        let journal = match (&args.journal, &output) {
            (Some(path), _) => path.clone(),
            (None, Target::File(path)) => default_journal(path),
            (None, Target::Stdout) => PathBuf::from(STDOUT_JOURNAL),
        };
        let server = if args.emulator {
            ServerPlan::Emulator(args.emulator_latency)
        } else {
            let (api_key, key_file) = crate::key::api_key_and_file(args.api_key_file.as_deref())?;
            ServerPlan::Api {
                base_url: args
                    .base_url
                    .clone()
                    .or_else(|| std::env::var(sixtyfour::BASE_URL_ENV).ok())
                    .filter(|u| !u.trim().is_empty()),
                api_key,
                key_file,
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
            poll.max = poll.max.max(initial);
        }
        if let Some(max) = args.poll_max {
            poll.max = max;
        }
        check_poll(poll.initial, poll.max)?;
        if args.status_every < Duration::from_millis(100) {
            return Err(CliError::Usage(
                "--status-every must be at least 100ms".into(),
            ));
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
        let mut plan = Plan {
            source: Source::File(args.input.clone()),
            read: ReadOptions {
                format: Format::Csv,
                delimiter: b',',
                id_column: args.id_column.clone(),
                limit: args.limit,
            },
            template,
            fields_file: args.fields.clone(),
            fields,
            output,
            output_format,
            journal,
            server,
            poll,
            rate_limit,
            jobs: args.jobs.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            webhook: match (args.webhook_listen, &args.webhook_url) {
                (Some(listen), Some(url)) => {
                    if !(url.starts_with("http://") || url.starts_with("https://")) {
                        return Err(CliError::Usage(format!(
                            "--webhook-url {url}: give an http:// or https:// URL"
                        )));
                    }
                    Some(Webhook {
                        listen,
                        url: url.clone(),
                        secret: args.webhook_secret.clone().filter(|s| !s.is_empty()),
                    })
                }
                _ => None,
            },
            deadline: args.deadline,
            job_timeout: args.job_timeout,
            resend,
            rebind: args.rebind,
            dry_run: args.dry_run,
            quiet: args.quiet,
            status_every: args.status_every,
            verbose: args.verbose,
        };
        plan.check_paths()?;
        // Stdin is read once the flags are known to be usable.
        if stdin {
            plan.source = Source::stdin()?;
        }
        let head = plan.source.head(64 * 1024)?;
        plan.read.format = match args.input_format {
            Some(format) => format,
            None if stdin => sniff_format(&head),
            None => Format::from_path(&args.input).ok_or_else(|| {
                CliError::Usage(format!(
                    "cannot tell the format of {}: name it .csv or .jsonl, or pass --input-format",
                    args.input.display()
                ))
            })?,
        };
        plan.read.delimiter = match args.delimiter {
            Some(delimiter) => delimiter,
            None if !stdin
                && args
                    .input
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("tsv")) =>
            {
                b'\t'
            }
            None => sniff_delimiter(&head),
        };
        Ok(plan)
    }

    /// The output and the journal can be written and are not the input, the fields file, the
    /// key file or each other.
    pub fn check_paths(&self) -> Result<(), CliError> {
        let input = match &self.source {
            Source::File(path) if path.as_os_str() == "-" => None,
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
                Some(paths::Reads {
                    what: "the input",
                    path: path.as_path(),
                    id: paths::identity(path),
                })
            }
            Source::Stdin(_) => None,
        };
        let mut reads: Vec<paths::Reads<'_>> = input.into_iter().collect();
        reads.push(paths::Reads {
            what: "the fields file",
            path: &self.fields_file,
            id: paths::identity(&self.fields_file),
        });
        if let ServerPlan::Api {
            key_file: Some(key_file),
            ..
        } = &self.server
        {
            reads.push(paths::Reads {
                what: "the API key file",
                path: key_file,
                id: paths::identity(key_file),
            });
        }
        let mut targets = Vec::new();
        if let Target::File(path) = &self.output {
            targets.push((Role::Output, paths::facts(path, true)));
            targets.push((
                Role::Companion,
                paths::facts(&Target::temporary(path), false),
            ));
        }
        targets.push((Role::Journal, paths::facts(&self.journal, true)));
        for suffix in [".lock", "-wal", "-shm", "-journal"] {
            let mut name = self.journal.as_os_str().to_owned();
            name.push(suffix);
            targets.push((Role::Companion, paths::facts(Path::new(&name), false)));
        }
        paths::check(&reads, &targets)?;
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

    #[cfg(target_os = "linux")]
    #[test]
    fn an_endless_fields_file_is_refused_after_a_bounded_read() {
        let err = load_fields(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(err.contains("is larger than 8 MiB"), "{err}");
        let err = load_fields(Path::new("/nonexistent/fields.json"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot read the fields file"), "{err}");
    }

    #[test]
    fn a_plan_never_shows_the_key() {
        let server = ServerPlan::Api {
            base_url: Some("https://api.example".into()),
            api_key: "sk-live-plan-secret".into(),
            key_file: Some("key.txt".into()),
        };
        let shown = format!("{server:?} {server:#?}");
        assert!(!shown.contains("sk-live-plan-secret"), "{shown}");
        assert!(
            shown.contains("<redacted>") && shown.contains("api.example"),
            "{shown}"
        );
    }

    #[test]
    fn poll_schedules() {
        let ms = Duration::from_millis;
        assert!(check_poll(ms(10), ms(10)).is_ok());
        assert!(check_poll(ms(2000), ms(10_000)).is_ok());
        let rows = [
            (ms(0), ms(0), "would poll without pause"),
            (ms(5), ms(100), "would poll without pause"),
            (ms(500), ms(100), "shorter than --poll-initial"),
        ];
        for (initial, max, want) in rows {
            let err = check_poll(initial, max).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
    }
}
