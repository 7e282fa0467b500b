//! What a run tells its user on stderr: what opening the journal found, what the input changed,
//! and the summary, whose counts are the rows just written to the output.

use std::time::Duration;

use sixtyfour_ledger::{Counts, Ledger, Opened, RunReport, SyncReport};

use crate::exit::Exit;
use crate::progress::peak_memory_mib;

/// The command that resumes this run, for messages.
pub fn resume_command() -> String {
    let words: Vec<String> = std::env::args()
        .map(|arg| {
            if arg.is_empty()
                || arg
                    .chars()
                    .any(|c| c.is_whitespace() || "'\"$`\\;&|<>()*?!#~".contains(c))
            {
                format!("'{}'", arg.replace('\'', r"'\''"))
            } else {
                arg
            }
        })
        .collect();
    words.join(" ")
}

/// What opening the journal found (what it repaired is said even when `quiet`).
pub fn opened(opened: &Opened, path: &str, quiet: bool) {
    if !opened.created && !quiet {
        eprintln!("resuming from the journal {path}");
    }
    if opened.interrupted > 0 {
        eprintln!(
            "{} rows were being submitted when the last run stopped: they are `unknown` (a job may exist); --resubmit-unknown sends them again, which may pay twice",
            opened.interrupted
        );
    }
    if opened.emulator_resent > 0 {
        eprintln!(
            "{} rows whose jobs were lost with an earlier in-process emulator are sent again (nothing is billed offline)",
            opened.emulator_resent
        );
    }
    if let Some((change, moved)) = &opened.rebound {
        eprintln!(
            "the journal was rebound ({}); {moved} rows whose jobs live on the old binding are now `unknown`",
            change.describe()
        );
    }
}

/// What feeding the input found.
pub fn synced(report: &SyncReport, ledger: &Ledger, verbose: bool) {
    let counts = &report.counts;
    if counts.resent_unknown > 0 {
        eprintln!(
            "{} unknown rows will be submitted again, as asked",
            counts.resent_unknown
        );
    }
    if counts.resent_failed > 0 {
        eprintln!(
            "{} failed rows will be submitted again, as asked",
            counts.resent_failed
        );
    }
    if counts.vanished > 0 {
        eprintln!(
            "{} rows of the journal are not in this input (kept, not deleted){}",
            counts.vanished,
            if verbose {
                ":"
            } else {
                "; --verbose lists them"
            }
        );
        if verbose {
            let _ = ledger.vanished(|row| {
                eprintln!(
                    "  {} ({}): {}, lead {}",
                    row.key,
                    row.line
                        .map(|l| format!("was line {l}"))
                        .unwrap_or_default(),
                    row.state,
                    serde_json::Value::Object(row.lead)
                );
            });
        }
    }
}

/// The summary, and what to do next.
pub fn summary(report: &RunReport, written: &Counts, elapsed: Duration, output: &str, exit: Exit) {
    let memory = peak_memory_mib()
        .map(|m| format!(", peak memory {m:.1} MiB"))
        .unwrap_or_default();
    eprintln!(
        "{} rows: {} completed, {} failed, {} unknown, {} pending, {} still running; {} submits in this run, {:.1} s{memory}; output: {output}",
        written.total(),
        written.completed,
        written.failed,
        written.unknown,
        written.pending + written.submitting,
        written.submitted,
        report.submits,
        elapsed.as_secs_f64(),
    );
    if let Some(failure) = &report.store_failure {
        eprintln!("the journal could not be written: {failure}; what was recorded is kept");
        for lost in &report.unrecorded {
            eprintln!(
                "  row {}: {} could not be recorded",
                lost.position, lost.what
            );
        }
    }
    if let Some(halt) = &report.halted {
        eprintln!(
            "stopped by the account{}: {}",
            if halt.before_any_submit {
                " before any submit"
            } else {
                ""
            },
            halt.reason
        );
        eprintln!(
            "rows not sent stay pending; once the key, credits or tier are fixed, re-run the same command"
        );
    }
    if report.deadline_passed {
        // A run stops for its deadline when it comes, when it is too near for a submit, and
        // when a wait the server asked for would outlast it (which can be long before it).
        eprintln!(
            "stopped by the deadline before every row was done: it came, or a wait the server asked for (Retry-After) or the rate limit would have outlasted it; rows not sent stay pending"
        );
    }
    if written.unknown > 0 {
        eprintln!(
            "{} rows are unknown (a job may exist for them); --resubmit-unknown sends them again, which may pay twice",
            written.unknown
        );
    }
    if written.failed > 0 {
        eprintln!(
            "{} rows failed; --retry-failed sends them again",
            written.failed
        );
    }
    match exit {
        Exit::Interrupted => {
            eprintln!(
                "interrupted: submitted jobs keep running and the journal knows them. Resume with:"
            );
            eprintln!("  {}", resume_command());
        }
        Exit::Unfinished | Exit::AccountStopped | Exit::StorageFailed
            if written.pending + written.submitting + written.submitted > 0 =>
        {
            eprintln!("some rows are unfinished; re-run the same command to resume:");
            eprintln!("  {}", resume_command());
        }
        _ => {}
    }
}
