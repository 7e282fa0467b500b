//! `sixtyfour enrich`: validate everything, then submit, wait and record each row through the
//! journal with bounded concurrency, then write the output in input order.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sixtyfour::{Client, EnrichRequest, Error, PollPolicy, RateLimit, Schema, TaskId};
use tokio::sync::{Semaphore, watch};

use crate::args::EnrichArgs;
use crate::input::{Format, Records, hex, survey};
use crate::journal::{Journal, RowState, SqliteJournal};
use crate::output::{OutputFormat, Writer};
use crate::progress::{Counters, Progress, peak_memory_mib};

/// How a run ended; each maps to an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every row completed: 0.
    AllCompleted,
    /// Some rows failed: 1.
    SomeFailed,
    /// Bad usage or input: 2.
    BadInput,
    /// Rows left unknown or past the deadline: 3.
    Unfinished,
    /// Stopped by Ctrl-C: 130.
    Interrupted,
}

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Outcome::AllCompleted => 0,
            Outcome::SomeFailed => 1,
            Outcome::BadInput => 2,
            Outcome::Unfinished => 3,
            Outcome::Interrupted => 130,
        }
    }
}

/// A problem that stops the run before or outside the rows.
#[derive(Debug)]
pub struct Fatal {
    /// What to print.
    pub message: String,
    /// How to exit.
    pub outcome: Outcome,
}

fn bad(message: impl Into<String>) -> Fatal {
    Fatal {
        message: message.into(),
        outcome: Outcome::BadInput,
    }
}

type SharedJournal = Arc<Mutex<SqliteJournal>>;

fn lock(journal: &SharedJournal) -> MutexGuard<'_, SqliteJournal> {
    journal
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Everything a row task needs.
struct Context {
    client: Client,
    schema: Schema,
    research_plan: Option<String>,
    journal: SharedJournal,
    counters: Arc<Counters>,
    stop: watch::Receiver<bool>,
    journal_failed: AtomicBool,
}

/// Reads and checks the `struct` payload file.
pub fn load_fields(path: &Path) -> Result<Schema, Fatal> {
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

fn default_journal(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".journal.sqlite");
    PathBuf::from(name)
}

/// The command that resumes this run, for messages.
fn resume_command() -> String {
    let words: Vec<String> = std::env::args()
        .map(|arg| {
            if arg.is_empty()
                || arg
                    .chars()
                    .any(|c| c.is_whitespace() || "'\"$`\\".contains(c))
            {
                format!("'{}'", arg.replace('\'', r"'\''"))
            } else {
                arg
            }
        })
        .collect();
    words.join(" ")
}

/// Runs `sixtyfour enrich`.
pub async fn enrich(args: EnrichArgs) -> Result<Outcome, Fatal> {
    let format = match args.input_format {
        Some(format) => format,
        None => Format::from_path(&args.input).ok_or_else(|| {
            bad(format!(
                "cannot tell the format of {}: name it .csv or .jsonl, or pass --input-format",
                args.input.display()
            ))
        })?,
    };
    if args.jobs == 0 {
        return Err(bad("-j must be at least 1"));
    }
    let schema = load_fields(&args.fields)?;
    let survey =
        survey(&args.input, format).map_err(|e| bad(format!("{}: {e}", args.input.display())))?;
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| default_output(&args.input));
    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| default_journal(&output));

    let mut hasher = Sha256::new();
    hasher.update(b"sixtyfour-enrich-v1\0");
    hasher.update(survey.digest.as_bytes());
    hasher.update(b"\0");
    hasher.update(schema.to_json().to_string().as_bytes());
    hasher.update(b"\0");
    hasher.update(args.research_plan.as_deref().unwrap_or("").as_bytes());
    let fingerprint = hex(&hasher.finalize());

    // The server: an in-process emulator, or the API (or --base-url).
    let emulator = if args.emulator {
        let handle = sixtyfour_emulator::Emulator::builder()
            .spawn()
            .await
            .map_err(|e| bad(format!("cannot start the emulator: {e}")))?;
        eprintln!(
            "using an in-process emulator at {} (no API key needed)",
            handle.base_url()
        );
        Some(handle)
    } else {
        None
    };
    let mut builder = Client::builder();
    let local = emulator.is_some();
    match &emulator {
        Some(handle) => {
            builder = builder
                .api_key(handle.api_key())
                .base_url(handle.base_url())
        }
        None => {
            let key = std::env::var(sixtyfour::API_KEY_ENV).map_err(|_| {
                bad(format!(
                    "set {} (or pass --emulator to run offline)",
                    sixtyfour::API_KEY_ENV
                ))
            })?;
            builder = builder.api_key(key);
            if let Some(url) = &args.base_url {
                builder = builder.base_url(url.clone());
            }
        }
    }
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
    let client = builder
        .poll_policy(poll)
        .rate_limit(rate_limit)
        .deadline(args.deadline)
        .build()
        .map_err(|e| bad(e.to_string()))?;

    // The journal last, so that a usage mistake above leaves no file behind.
    let mut journal = SqliteJournal::open(&journal_path).map_err(|e| bad(e.to_string()))?;
    match journal.fingerprint().map_err(|e| bad(e.to_string()))? {
        None => journal
            .create(&fingerprint, survey.rows)
            .map_err(|e| bad(e.to_string()))?,
        Some(existing) if existing == fingerprint => {
            eprintln!("resuming from the journal {}", journal_path.display());
        }
        Some(_) => {
            return Err(bad(format!(
                "the journal {} belongs to a different run (the input, the fields or the research plan changed): delete it, or pass --journal with another file",
                journal_path.display()
            )));
        }
    }
    let found_submitting = journal
        .recover(args.resubmit_unknown, args.retry_failed)
        .map_err(|e| bad(e.to_string()))?;
    if found_submitting > 0 && !args.resubmit_unknown {
        eprintln!(
            "{found_submitting} rows were being submitted when the last run stopped: they are reported `unknown` (the job may exist); --resubmit-unknown submits them again"
        );
    }

    let before = journal.counts().map_err(|e| bad(e.to_string()))?;
    let already_done = before.completed + before.failed + before.unknown;
    let journal: SharedJournal = Arc::new(Mutex::new(journal));
    let counters = Arc::new(Counters::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let interrupted = Arc::clone(&interrupted);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupted.store(true, Ordering::SeqCst);
                let _ = stop_tx.send(true);
            }
        });
    }
    let context = Arc::new(Context {
        client,
        schema: schema.clone(),
        research_plan: args.research_plan.clone(),
        journal: Arc::clone(&journal),
        counters: Arc::clone(&counters),
        stop: stop_rx.clone(),
        journal_failed: AtomicBool::new(false),
    });

    let progress = Progress::start(survey.rows, already_done, Arc::clone(&counters), args.quiet);
    let permits = Arc::new(Semaphore::new(args.jobs));
    let records = Records::open(&args.input, format).map_err(|e| bad(e.to_string()))?;
    for record in records {
        let record = record.map_err(|e| {
            bad(format!(
                "{}: {e} (the file changed during the run)",
                args.input.display()
            ))
        })?;
        if *stop_rx.borrow() || context.journal_failed.load(Ordering::SeqCst) {
            break;
        }
        let state = lock(&journal)
            .state(record.row)
            .map_err(|e| bad(e.to_string()))?;
        let start = match state {
            RowState::Pending => Start::Submit,
            RowState::Submitted(task_id) => Start::Wait(TaskId::new(task_id).map_err(|e| {
                bad(format!(
                    "the journal holds a task id that cannot be one: {e}"
                ))
            })?),
            _ => continue,
        };
        let mut stop = stop_rx.clone();
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => permit.map_err(|e| bad(e.to_string()))?,
            _ = stop.wait_for(|stopped| *stopped) => break,
        };
        let context = Arc::clone(&context);
        tokio::spawn(async move {
            process_row(&context, record.row, record.lead, start).await;
            drop(permit);
        });
    }
    // Wait for the rows in flight; after Ctrl-C, only briefly (their journal rows stay
    // `submitted`, or `submitting` when cut off mid-submit, and the next run takes them up).
    let all = u32::try_from(args.jobs).unwrap_or(u32::MAX);
    let drained = async {
        let _ = permits.acquire_many(all).await;
    };
    if interrupted.load(Ordering::SeqCst) {
        let _ = tokio::time::timeout(Duration::from_secs(5), drained).await;
    } else {
        let mut stop = stop_rx.clone();
        tokio::select! {
            _ = drained => {}
            _ = stop.wait_for(|stopped| *stopped) => {
                let _ = tokio::time::timeout(Duration::from_secs(5), permits.acquire_many(all)).await;
            }
        }
    }
    let elapsed = progress.finish();
    drop(emulator);

    if context.journal_failed.load(Ordering::SeqCst) {
        return Err(Fatal {
            message: "the journal could not be written; stopped so that no task id is lost".into(),
            outcome: Outcome::Unfinished,
        });
    }
    if interrupted.load(Ordering::SeqCst) {
        eprintln!(
            "interrupted: submitted jobs keep running and the journal knows them. Resume with:"
        );
        eprintln!("  {}", resume_command());
        return Ok(Outcome::Interrupted);
    }

    write_output(
        &args.input,
        format,
        &output,
        &survey.columns,
        &schema,
        &journal,
    )?;
    let counts = lock(&journal).counts().map_err(|e| bad(e.to_string()))?;
    let this_run = counters
        .done
        .load(Ordering::Relaxed)
        .saturating_sub(already_done);
    let rate = this_run as f64 / elapsed.as_secs_f64().max(1e-9);
    let memory = peak_memory_mib()
        .map(|m| format!(", peak memory {m:.1} MiB"))
        .unwrap_or_default();
    eprintln!(
        "{} rows: {} completed, {} failed, {} unknown, {} still running; {this_run} finished in this run in {:.1} s ({rate:.0} rows/s{memory}); output: {}",
        survey.rows,
        counts.completed,
        counts.failed,
        counts.unknown + counts.pending,
        counts.submitted,
        elapsed.as_secs_f64(),
        output.display()
    );
    Ok(if counts.unknown + counts.submitted + counts.pending > 0 {
        eprintln!(
            "some rows are unfinished; re-run the same command to resume:\n  {}",
            resume_command()
        );
        Outcome::Unfinished
    } else if counts.failed > 0 {
        Outcome::SomeFailed
    } else {
        Outcome::AllCompleted
    })
}

enum Start {
    Submit,
    Wait(TaskId),
}

/// One row: submit (journalled first), wait, record.
async fn process_row(context: &Context, row: u64, lead: Map<String, Value>, start: Start) {
    let record = |state: RowState, result: Option<&str>, error: Option<&str>| {
        if let Err(err) = lock(&context.journal).set(row, &state, result, error) {
            eprintln!("error: {err}");
            context.journal_failed.store(true, Ordering::SeqCst);
            return false;
        }
        true
    };
    let counters = &context.counters;
    counters.in_flight.fetch_add(1, Ordering::Relaxed);
    let finish = |bucket: Option<&std::sync::atomic::AtomicU64>| {
        counters.in_flight.fetch_sub(1, Ordering::Relaxed);
        counters.done.fetch_add(1, Ordering::Relaxed);
        if let Some(bucket) = bucket {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
    };
    let task_id = match start {
        Start::Wait(task_id) => task_id,
        Start::Submit => {
            let mut request = EnrichRequest::new(lead, context.schema.clone());
            if let Some(plan) = &context.research_plan {
                request = request.research_plan(plan.clone());
            }
            if !record(RowState::Submitting, None, None) {
                counters.in_flight.fetch_sub(1, Ordering::Relaxed);
                return;
            }
            match context.client.submit(&request).await {
                Ok(task_id) => {
                    if !record(RowState::Submitted(task_id.to_string()), None, None) {
                        counters.in_flight.fetch_sub(1, Ordering::Relaxed);
                        return;
                    }
                    task_id
                }
                Err(err @ Error::MaybeSubmitted { .. }) => {
                    record(RowState::Unknown, None, Some(&err.to_string()));
                    finish(Some(&counters.unknown));
                    return;
                }
                Err(err) => {
                    record(RowState::Failed, None, Some(&err.to_string()));
                    finish(Some(&counters.failed));
                    return;
                }
            }
        }
    };
    let mut stop = context.stop.clone();
    let outcome = tokio::select! {
        outcome = context.client.wait(&task_id) => outcome,
        _ = stop.wait_for(|stopped| *stopped) => {
            counters.in_flight.fetch_sub(1, Ordering::Relaxed);
            return;
        }
    };
    match outcome {
        Ok(result) => {
            record(
                RowState::Completed,
                Some(&serde_json::Value::Object(result.to_map()).to_string()),
                None,
            );
            finish(None);
        }
        Err(Error::JobFailed { message, .. }) => {
            record(RowState::Failed, None, Some(&message));
            finish(Some(&counters.failed));
        }
        Err(err @ Error::Api { status: 404, .. }) => {
            record(
                RowState::Failed,
                None,
                Some(&format!("the job is gone: {err}")),
            );
            finish(Some(&counters.failed));
        }
        Err(err) => {
            // Past the deadline, or lost contact: the job may still finish; the row stays
            // `submitted` so that the next run polls it again.
            record(
                RowState::Submitted(task_id.to_string()),
                None,
                Some(&err.to_string()),
            );
            finish(Some(&counters.unknown));
        }
    }
}

fn write_output(
    input: &Path,
    format: Format,
    output: &Path,
    columns: &[String],
    schema: &Schema,
    journal: &SharedJournal,
) -> Result<(), Fatal> {
    let io = |e: std::io::Error| Fatal {
        message: format!("cannot write {}: {e}", output.display()),
        outcome: Outcome::Unfinished,
    };
    let fields: Vec<String> = schema.names().map(str::to_owned).collect();
    let mut writer = Writer::create(
        output,
        OutputFormat::from_path(output),
        columns.to_vec(),
        fields,
    )
    .map_err(io)?;
    let mut records = Records::open(input, format).map_err(|e| bad(e.to_string()))?;
    let mut failure: Option<String> = None;
    lock(journal)
        .for_each(&mut |row| {
            let record = match records.next() {
                Some(Ok(record)) if record.row == row.row => record,
                _ => {
                    return Err(format!(
                        "the input no longer matches the journal at row {}",
                        row.row
                    ));
                }
            };
            writer.row(&record.lead, &row).map_err(|e| {
                failure = Some(e.to_string());
                e.to_string()
            })
        })
        .map_err(|e| Fatal {
            message: e.to_string(),
            outcome: Outcome::Unfinished,
        })?;
    if let Some(message) = failure {
        return Err(Fatal {
            message,
            outcome: Outcome::Unfinished,
        });
    }
    writer.finish().map_err(io)
}
