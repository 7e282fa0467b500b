//! Exit codes: every way a command can end, decided in one place ([`Exit::for_run`] for a run
//! that got going, [`CliError::exit`] for everything that stopped it before or outside the rows).

use std::path::PathBuf;

use sixtyfour_ledger::{Counts, LedgerError, LockError, RunReport};

use crate::input::InputError;
use crate::paths::PathError;

/// The exit code table, as `--help` prints it.
pub const TABLE: &str = "Exit codes:
  0    every row completed
  1    some rows failed (see the output's status and error; --retry-failed sends them again)
  2    bad usage or input, or the journal is busy or bound elsewhere (nothing was submitted)
  3    unfinished: rows pending, still running, or unknown (re-run the same command to resume;
       --resubmit-unknown sends unknown rows again, which may pay twice), or past --deadline
  4    stopped by the account: the API refused the key, the credits or the tier (401, 402, 403);
       fix the account and re-run the same command
  5    the journal or the output could not be written (what was recorded is kept)
  130  interrupted (re-run the same command to resume)";

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0.
    Completed,
    /// 1.
    SomeFailed,
    /// 2.
    BadInput,
    /// 3.
    Unfinished,
    /// 4.
    AccountStopped,
    /// 5.
    StorageFailed,
    /// 130.
    Interrupted,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Completed => 0,
            Exit::SomeFailed => 1,
            Exit::BadInput => 2,
            Exit::Unfinished => 3,
            Exit::AccountStopped => 4,
            Exit::StorageFailed => 5,
            Exit::Interrupted => 130,
        }
    }

    /// The code of a run, from its report and the rows the output holds: a storage failure
    /// first, then an interrupt, a halt by the account, unfinished rows, failed rows.
    pub fn for_run(report: &RunReport, written: &Counts) -> Exit {
        if report.store_failure.is_some() {
            Exit::StorageFailed
        } else if report.interrupted {
            Exit::Interrupted
        } else if report.halted.is_some() {
            Exit::AccountStopped
        } else if written.pending + written.submitting + written.submitted + written.unknown > 0 {
            Exit::Unfinished
        } else if written.failed > 0 {
            Exit::SomeFailed
        } else {
            Exit::Completed
        }
    }
}

/// Everything that stops a command outside the rows.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// A flag or a file is not usable.
    #[error("{0}")]
    Usage(String),
    /// The input has a bad row.
    #[error("{0}")]
    Input(#[from] InputError),
    /// A path cannot be used.
    #[error("{0}")]
    Path(#[from] PathError),
    /// The journal refused, or could not be used.
    #[error("{0}")]
    Ledger(#[from] LedgerError),
    /// The output could not be written.
    #[error("cannot write the output {}: {source}", path.display())]
    Output {
        /// Where.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The server could not be reached or started.
    #[error("{0}")]
    Server(String),
}

impl CliError {
    /// The exit code of this error.
    pub fn exit(&self) -> Exit {
        match self {
            CliError::Usage(_) | CliError::Input(_) | CliError::Path(_) => Exit::BadInput,
            CliError::Ledger(error) => match error {
                LedgerError::Store { .. } => Exit::StorageFailed,
                LedgerError::Locked(LockError::Io { .. }) => Exit::StorageFailed,
                _ => Exit::BadInput,
            },
            CliError::Output { .. } => Exit::StorageFailed,
            CliError::Server(_) => Exit::Unfinished,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sixtyfour_ledger::Halt;

    fn counts(pending: u64, submitted: u64, completed: u64, failed: u64, unknown: u64) -> Counts {
        Counts {
            pending,
            submitting: 0,
            submitted,
            completed,
            failed,
            unknown,
        }
    }

    #[test]
    fn run_outcomes() {
        let halt = Halt {
            status: 402,
            reason: "credits".into(),
            before_any_submit: false,
        };
        let report = |f: &dyn Fn(&mut RunReport)| {
            let mut report = RunReport::default();
            f(&mut report);
            report
        };
        let rows = [
            (report(&|_| {}), counts(0, 0, 5, 0, 0), Exit::Completed),
            (report(&|_| {}), counts(0, 0, 4, 1, 0), Exit::SomeFailed),
            (report(&|_| {}), counts(0, 0, 4, 1, 1), Exit::Unfinished),
            (report(&|_| {}), counts(1, 0, 4, 0, 0), Exit::Unfinished),
            (report(&|_| {}), counts(0, 1, 4, 0, 0), Exit::Unfinished),
            (
                report(&|r| r.deadline_passed = true),
                counts(0, 1, 4, 0, 0),
                Exit::Unfinished,
            ),
            (
                report(&|r| r.halted = Some(halt.clone())),
                counts(3, 0, 2, 0, 0),
                Exit::AccountStopped,
            ),
            (
                report(&|r| r.interrupted = true),
                counts(3, 0, 2, 0, 0),
                Exit::Interrupted,
            ),
            (
                report(&|r| {
                    r.interrupted = true;
                    r.store_failure = Some("disk full".into());
                }),
                counts(3, 0, 2, 0, 0),
                Exit::StorageFailed,
            ),
        ];
        for (report, written, want) in rows {
            assert_eq!(
                Exit::for_run(&report, &written),
                want,
                "{report:?} {written:?}"
            );
        }
        let codes: Vec<u8> = [
            Exit::Completed,
            Exit::SomeFailed,
            Exit::BadInput,
            Exit::Unfinished,
            Exit::AccountStopped,
            Exit::StorageFailed,
            Exit::Interrupted,
        ]
        .iter()
        .map(|e| e.code())
        .collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 130]);
        for code in codes {
            assert!(
                TABLE.contains(&format!("\n  {code:<4} ")),
                "{code} is documented"
            );
        }
    }
}
