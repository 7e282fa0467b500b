//! `sixtyfour enrich`: a thin shell over the journal. Plan (every flag, file and row checked),
//! open the journal, record the input, run it, write the output from the journal, report.

use std::sync::Arc;

use sixtyfour_ledger::{Ledger, RunOptions, StopSignal, SyncOptions};
use tokio::time::Instant;

use crate::args::EnrichArgs;
use crate::exit::{CliError, Exit};
use crate::input;
use crate::output::Writer;
use crate::plan::Plan;
use crate::progress::{Counters, Progress};
use crate::report;
use crate::server;

/// Runs `sixtyfour enrich`.
pub async fn enrich(args: EnrichArgs) -> Result<Exit, CliError> {
    let started = Instant::now();
    let plan = Plan::from_args(&args)?;
    let survey = input::check(&plan.source, &plan.read, &plan.template)?;
    let connection = server::connect(&plan).await?;
    let mut ledger = Ledger::open(
        &plan.journal,
        &connection.client,
        plan.template.clone(),
        connection.open.clone(),
    )?;
    if !plan.quiet {
        report::opened(ledger.opened(), &plan.journal.display().to_string());
    }
    // Ready before the first submit: the first Ctrl-C drains, a second one quits at once.
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
        .max_in_flight(plan.jobs)
        .job_timeout(plan.job_timeout)
        .stop(stop);
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
    ledger.rows(|row| {
        writer
            .row(&row)
            .map_err(|e| sixtyfour_ledger::LedgerError::Usage {
                message: format!("cannot write the output {}: {e}", plan.output.name()),
            })
    })?;
    let written = writer
        .finish()
        .map_err(|source| output_error(&plan, source))?;
    drop(ledger);
    drop(connection);
    let exit = Exit::for_run(&run, &written);
    report::summary(&run, &written, elapsed, &plan.output.name(), exit);
    Ok(exit)
}

fn output_error(plan: &Plan, source: std::io::Error) -> CliError {
    CliError::Output {
        path: match &plan.output {
            crate::output::Target::File(path) => path.clone(),
        },
        source,
    }
}

/// First Ctrl-C: stop taking rows and let the requests in flight settle. Second: quit now
/// (rows cut off mid-submit are `unknown` to the next run, never sent twice).
fn ctrl_c(stop: StopSignal) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        eprintln!(
            "stopping: no new rows; letting requests in flight settle (Ctrl-C again to quit at once)"
        );
        stop.interrupt();
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "quitting at once: rows cut off mid-submit will be `unknown` to the next run"
            );
            std::process::exit(i32::from(Exit::Interrupted.code()));
        }
    });
}
