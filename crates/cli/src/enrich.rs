//! `sixtyfour enrich`: a thin shell over the journal. Plan (every flag, file and row checked),
//! open the journal, record the input, run it, write the output from the journal, report.

use std::sync::Arc;

use sixtyfour_ledger::{
    Api, ApiFuture, Callbacks, KeyCheck, Ledger, OpenOptions, RunOptions, Server, SqliteStore,
    StopSignal, SubmitOutcome, SyncOptions, WaitOutcome,
};
use tokio::time::Instant;

use crate::args::EnrichArgs;
use crate::exit::{CliError, Exit};
use crate::input;
use crate::output::Writer;
use crate::plan::{Plan, ServerPlan};
use crate::progress::{Counters, Progress};
use crate::report;
use crate::server;

/// Runs `sixtyfour enrich`.
pub async fn enrich(args: EnrichArgs) -> Result<Exit, CliError> {
    let started = Instant::now();
    let plan = Plan::from_args(&args)?;
    let survey = input::check(&plan.source, &plan.read, &plan.template)?;
    if plan.dry_run {
        return dry_run(&plan, &survey);
    }
    let connection = server::connect(&plan).await?;
    let mut ledger = Ledger::open(
        &plan.journal,
        &connection.client,
        plan.template.clone(),
        connection.open.clone(),
    )?;
    report::opened(
        ledger.opened(),
        &plan.journal.display().to_string(),
        plan.quiet,
    );
    // Ready before the first submit: the first Ctrl-C or SIGTERM drains, a second one quits
    // at once.
    let stop = StopSignal::new();
    ctrl_c(stop.clone());

    let rows = input::rows(&plan.source, &plan.read, survey.digest.clone())?;
    let synced = ledger.sync(
        rows,
        &SyncOptions {
            resend: plan.resend.clone(),
            dry_run: false,
        },
    )?;
    report::synced(&synced, &ledger, plan.verbose);

    let counters = Arc::new(Counters::default());
    let progress = Progress::start(Arc::clone(&counters), plan.quiet, plan.status_every);
    let mut options = RunOptions::default()
        .job_timeout(plan.job_timeout)
        .stop(stop);
    if let Some(jobs) = plan.jobs {
        options = options.max_in_flight(jobs);
    }
    // The receiver runs while the run does (dropped with this function).
    let _receiver = match &plan.webhook {
        Some(webhook) => {
            let callbacks = Callbacks::new(webhook.secret.clone());
            let listener = tokio::net::TcpListener::bind(webhook.listen)
                .await
                .map_err(|e| {
                    CliError::Usage(format!(
                        "--webhook-listen {}: cannot listen there: {e}",
                        webhook.listen
                    ))
                })?;
            let app = callbacks.router();
            options = options.callbacks(callbacks);
            Some(AbortOnDrop(tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            })))
        }
        None => None,
    };
    if let Some(deadline) = plan.deadline {
        options = options.deadline(started + deadline);
    }
    let observer = Arc::clone(&counters);
    options = options.events(move |event| observer.observe(event));
    let run = ledger.dispatch(&options).await?;
    let elapsed = progress.finish();

    let mut writer = Writer::create(
        plan.output.clone(),
        plan.output_format,
        survey.columns.clone(),
        plan.fields.clone(),
        plan.read.id_column.is_some(),
    )
    .map_err(|source| output_error(&plan, source))?;
    let mut write_error: Option<std::io::Error> = None;
    let read = ledger.rows(|row| {
        if write_error.is_none()
            && let Err(err) = writer.row(&row)
        {
            write_error = Some(err);
        }
        Ok(())
    });
    if let Some(err) = write_error {
        return Err(output_error(&plan, err));
    }
    read?;
    let written = writer
        .finish()
        .map_err(|source| output_error(&plan, source))?;
    drop(ledger);
    drop(connection);
    let exit = Exit::for_run(&run, &written);
    report::summary(&run, &written, elapsed, &plan.output.name(), exit);
    Ok(exit)
}

/// Stops a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Everything checked, nothing sent, nothing written: the first request and the counts.
fn dry_run(plan: &Plan, survey: &input::Survey) -> Result<Exit, CliError> {
    let (server, key) = match &plan.server {
        ServerPlan::Emulator(_) => (
            Server::InProcessEmulator,
            sixtyfour_emulator::Config::default().api_key,
        ),
        ServerPlan::Api {
            base_url, api_key, ..
        } => (
            Server::url(base_url.as_deref().unwrap_or(sixtyfour::DEFAULT_BASE_URL))
                .map_err(CliError::Usage)?,
            api_key.clone(),
        ),
    };
    let mut open = OpenOptions::api_key(key).inspect(true);
    if server == Server::InProcessEmulator {
        open = open.in_process_emulator();
    }
    let api: Arc<dyn Api> = Arc::new(SendsNothing);
    let mut ledger = if plan.journal.exists() {
        Ledger::open_with(&plan.journal, api, server, plan.template.clone(), open)?
    } else {
        let store = SqliteStore::in_memory().map_err(|e| CliError::Usage(e.to_string()))?;
        Ledger::with_store(
            &plan.journal,
            Box::new(store),
            None,
            api,
            server,
            plan.template.clone(),
            open,
        )?
    };
    let rows = input::rows(&plan.source, &plan.read, survey.digest.clone())?;
    let report = ledger.sync(
        rows,
        &SyncOptions {
            resend: plan.resend.clone(),
            dry_run: true,
        },
    )?;
    let states = report.states;
    let finished = states.completed + states.failed + states.unknown + states.submitting;
    let summary = serde_json::json!({
        "rows": report.counts.rows,
        "jobs_to_submit": states.pending,
        "jobs_to_wait_for": states.submitted,
        "rows_finished": finished,
        "first_request": report.first_request,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&summary).unwrap_or_else(|_| summary.to_string())
    );
    eprintln!(
        "dry run: {} rows checked; {} jobs would be submitted, {} submitted jobs waited for, {finished} rows already finished; nothing was sent or written",
        report.counts.rows, states.pending, states.submitted
    );
    Ok(Exit::Completed)
}

/// The API of a dry run: it is never called, and would send nothing if it were.
struct SendsNothing;

impl Api for SendsNothing {
    fn submit<'a>(
        &'a self,
        _request: &'a sixtyfour::EnrichRequest,
        _deadline: Option<Instant>,
    ) -> ApiFuture<'a, SubmitOutcome> {
        Box::pin(async {
            SubmitOutcome::NotSent {
                reason: "a dry run sends nothing".into(),
            }
        })
    }

    fn wait<'a>(
        &'a self,
        _task_id: &'a sixtyfour::TaskId,
        _until: Instant,
    ) -> ApiFuture<'a, WaitOutcome> {
        Box::pin(async {
            WaitOutcome::StillRunning {
                reason: "a dry run waits for nothing".into(),
            }
        })
    }

    fn check_key(&self, _deadline: Option<Instant>) -> ApiFuture<'_, KeyCheck> {
        Box::pin(async {
            KeyCheck::Inconclusive {
                reason: "a dry run sends nothing".into(),
            }
        })
    }
}

fn output_error(plan: &Plan, source: std::io::Error) -> CliError {
    CliError::Output {
        path: match &plan.output {
            crate::output::Target::File(path) => path.clone(),
            crate::output::Target::Stdout => "stdout".into(),
        },
        source,
    }
}

/// First Ctrl-C (or SIGTERM, as a scheduler or `timeout` sends): stop taking rows and let the
/// requests in flight settle. Second: quit now (rows cut off mid-submit are `unknown` to the
/// next run, never sent twice). The handlers are in place when this returns, before the first
/// submit.
fn ctrl_c(stop: StopSignal) {
    let mut stops = Stops::register();
    tokio::spawn(async move {
        if !stops.next().await {
            return;
        }
        eprintln!(
            "stopping: no new rows; letting requests in flight settle (Ctrl-C again to quit at once)"
        );
        stop.interrupt();
        if stops.next().await {
            eprintln!(
                "quitting at once: rows cut off mid-submit will be `unknown` to the next run"
            );
            std::process::exit(i32::from(Exit::Interrupted.code()));
        }
    });
}

/// The signals that stop a run, registered at once.
struct Stops {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Stops {
    fn register() -> Stops {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Stops {
                interrupt: signal(SignalKind::interrupt()).ok(),
                terminate: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        Stops {}
    }

    /// True when a stop signal came; false when none can come.
    async fn next(&mut self) -> bool {
        #[cfg(unix)]
        {
            async fn one(signal: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
                match signal {
                    Some(signal) => signal.recv().await,
                    None => std::future::pending().await,
                }
            }
            if self.interrupt.is_none() && self.terminate.is_none() {
                return false;
            }
            tokio::select! {
                got = one(&mut self.interrupt) => got.is_some(),
                got = one(&mut self.terminate) => got.is_some(),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.is_ok()
        }
    }
}
