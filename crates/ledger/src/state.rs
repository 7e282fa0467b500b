//! Where a row is in its life, and why.
//!
//! ```text
//! pending ──(committed before the request leaves)──> submitting ──> submitted(task id) ──> completed
//!    ^                                                  │                 │          └──> failed (definite)
//!    └── not sent: refused connection, 429, 401/402/403 ┘                 └──> unknown (job gone)
//!                                       unknown <── may have reached the server, no task id
//! ```
//!
//! A row found `submitting` when a ledger is opened was cut off mid-submit: it becomes
//! `unknown`. `unknown` rows are sent again only when asked by name; `failed` rows only when
//! their failure is definite (no job exists, or the job itself ended `failed`).

use std::fmt;

/// A row's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RowState {
    /// Not sent (or provably never reached the server).
    Pending,
    /// Committed just before its submit left; only seen during a run or after a crash.
    Submitting,
    /// Submitted; the task id is known; the job runs.
    Submitted,
    /// Finished with an answer.
    Completed,
    /// Finished with a definite failure.
    Failed,
    /// A job may exist, but its task id or its answer is unknown.
    Unknown,
}

impl RowState {
    /// The stored and printed name.
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Pending => "pending",
            RowState::Submitting => "submitting",
            RowState::Submitted => "submitted",
            RowState::Completed => "completed",
            RowState::Failed => "failed",
            RowState::Unknown => "unknown",
        }
    }

    /// Reads a stored name.
    pub fn parse(text: &str) -> Option<RowState> {
        Some(match text {
            "pending" => RowState::Pending,
            "submitting" => RowState::Submitting,
            "submitted" => RowState::Submitted,
            "completed" => RowState::Completed,
            "failed" => RowState::Failed,
            "unknown" => RowState::Unknown,
            _ => return None,
        })
    }

    /// True when a run has nothing more to do for the row.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RowState::Completed | RowState::Failed | RowState::Unknown
        )
    }
}

impl fmt::Display for RowState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a row is where it is, when that needs saying (stored beside the message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// Failed, and no job exists or the job ended `failed`: safe to send again.
    Definite,
    /// The submit may have reached the server and gave no readable task id.
    MaybeSubmitted,
    /// The run stopped while the row was being submitted.
    Interrupted,
    /// The job existed and the server no longer knows it.
    Gone,
    /// The job finished and its answer could not be read.
    UnreadableAnswer,
    /// The ledger was moved to another server or key while the job ran on the old one.
    Rebound,
    /// The request provably never left; it is sent again by the next run.
    NotSent,
    /// The account refused the request (401, 402, 403); the run stopped submitting.
    Account,
    /// The server asked to slow down and the retries ran out.
    RateLimited,
    /// The job was still running when the run stopped waiting.
    StillRunning,
    /// The job was lost with an in-process emulator; sent again (nothing is billed offline).
    EmulatorRestarted,
    /// The server gave this row's job a task id that another row of the ledger already held (a
    /// server that hands ids out again, such as a restarted emulator with fixed ids): the id
    /// cannot tell the two jobs apart, so neither row takes an answer through it.
    ReusedTaskId,
}

impl ErrorClass {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Definite => "definite",
            ErrorClass::MaybeSubmitted => "maybe-submitted",
            ErrorClass::Interrupted => "interrupted",
            ErrorClass::Gone => "gone",
            ErrorClass::UnreadableAnswer => "unreadable-answer",
            ErrorClass::Rebound => "rebound",
            ErrorClass::NotSent => "not-sent",
            ErrorClass::Account => "account",
            ErrorClass::RateLimited => "rate-limited",
            ErrorClass::StillRunning => "still-running",
            ErrorClass::EmulatorRestarted => "emulator-restarted",
            ErrorClass::ReusedTaskId => "reused-task-id",
        }
    }

    /// Reads a stored name.
    pub fn parse(text: &str) -> Option<ErrorClass> {
        [
            ErrorClass::Definite,
            ErrorClass::MaybeSubmitted,
            ErrorClass::Interrupted,
            ErrorClass::Gone,
            ErrorClass::UnreadableAnswer,
            ErrorClass::Rebound,
            ErrorClass::NotSent,
            ErrorClass::Account,
            ErrorClass::RateLimited,
            ErrorClass::StillRunning,
            ErrorClass::EmulatorRestarted,
            ErrorClass::ReusedTaskId,
        ]
        .into_iter()
        .find(|class| class.as_str() == text)
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for state in [
            RowState::Pending,
            RowState::Submitting,
            RowState::Submitted,
            RowState::Completed,
            RowState::Failed,
            RowState::Unknown,
        ] {
            assert_eq!(RowState::parse(state.as_str()), Some(state));
        }
        assert_eq!(RowState::parse("done"), None);
        for class in [
            ErrorClass::Definite,
            ErrorClass::Gone,
            ErrorClass::EmulatorRestarted,
            ErrorClass::ReusedTaskId,
        ] {
            assert_eq!(ErrorClass::parse(class.as_str()), Some(class));
        }
        assert_eq!(ErrorClass::parse("x"), None);
    }
}
