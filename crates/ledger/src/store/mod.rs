//! Storage of a ledger's rows and facts behind one small trait: SQLite today
//! ([`SqliteStore`]), a shared SQL database later. Every method commits before it returns,
//! and [`Store::mark_submitting`] is durable before it returns (the request leaves after it).

mod sqlite;

pub use sqlite::{Durability, SqliteStore};

use crate::identity::RowKey;
use crate::state::{ErrorClass, RowState};

/// The message of a store that another connection holds.
pub(crate) const BUSY: &str = "another process has the file open";

/// How a sync refused rows named to be sent again (a usage mistake, not a storage failure).
pub(crate) const RESEND_REFUSED: &str = "cannot resubmit as asked";

/// A row's storage id.
pub type RowId = i64;

/// A storage failure: the message says what and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    /// What went wrong.
    pub message: String,
}

impl StoreError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
        }
    }
}

/// One row of the current input, as the ledger hands it to [`Store::sync`].
#[derive(Debug, Clone, PartialEq)]
pub struct SyncRow {
    /// The hash of the request body.
    pub content_hash: String,
    /// The caller's key.
    pub key: RowKey,
    /// The lead as JSON text.
    pub lead: String,
    /// 1-based position in the input.
    pub position: u64,
    /// Line in the input file, when there is one.
    pub line: Option<u64>,
}

/// Which rows to send again, asked for by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resend {
    /// Rows whose failure is definite.
    pub failed: bool,
    /// Rows whose outcome is unknown (a job may exist: they may be paid twice).
    pub unknown: UnknownRows,
}

/// Which `unknown` rows to send again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum UnknownRows {
    /// None.
    #[default]
    None,
    /// Every one in the current input.
    All,
    /// These, by position in the current input or by id.
    Named(Vec<RowRef>),
}

/// A row named by the user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RowRef {
    /// Its 1-based position in the current input.
    Position(u64),
    /// Its id (the id column's value).
    Id(String),
}

impl std::fmt::Display for RowRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowRef::Position(n) => write!(f, "row {n}"),
            RowRef::Id(id) => write!(f, "id {id}"),
        }
    }
}

/// What a sync found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncCounts {
    /// Rows of the input.
    pub rows: u64,
    /// Rows never seen before.
    pub new: u64,
    /// Definitely failed rows put back to `pending` by [`Resend::failed`].
    pub resent_failed: u64,
    /// Unknown rows put back to `pending` by [`Resend::unknown`].
    pub resent_unknown: u64,
    /// Rows of the ledger not in this input (kept).
    pub vanished: u64,
}

/// What [`Store::sync`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synced {
    /// The counts.
    pub counts: SyncCounts,
    /// The rows of the input per state, after the resends.
    pub states: Counts,
    /// The lead (JSON text) of the first row in input order that a run would submit.
    pub first_pending_lead: Option<String>,
}

/// What opening found and changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// Rows left `submitting` by a stopped run become `unknown`.
    Interrupted,
    /// The ledger belongs to an in-process emulator whose jobs died with it: rows whose job
    /// lived there (`submitting`, `submitted`, `unknown`) go back to `pending`.
    EmulatorRestarted,
    /// The ledger moved to another server or key: rows whose job lives on the old one
    /// (`submitting`, `submitted`) become `unknown`.
    Rebound,
}

/// A row change recorded after a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The submit answered with a task id.
    Submitted {
        /// The task id.
        task_id: String,
    },
    /// The job finished with an answer.
    Completed {
        /// The raw answer (the job's `result` object) as JSON text.
        raw_answer: String,
        /// `structured_data` cast by the request's resolved types, as JSON text.
        cast_answer: Option<String>,
        /// Why the cast failed, when it did (the raw answer is kept).
        cast_error: Option<String>,
    },
    /// A definite failure.
    Failed {
        /// The message.
        error: String,
    },
    /// A job may exist; its task id or its answer is unknown.
    Unknown {
        /// Why.
        class: ErrorClass,
        /// In words.
        reason: String,
    },
    /// Back to `pending`: the request provably did not start a job.
    Pending {
        /// Why.
        class: ErrorClass,
        /// In words.
        reason: String,
    },
    /// Still `submitted`, with a note on why the wait ended.
    Waiting {
        /// Why.
        class: ErrorClass,
        /// In words.
        note: String,
    },
}

impl Change {
    /// The state the row is in after the change.
    pub fn state(&self) -> RowState {
        match self {
            Change::Submitted { .. } | Change::Waiting { .. } => RowState::Submitted,
            Change::Completed { .. } => RowState::Completed,
            Change::Failed { .. } => RowState::Failed,
            Change::Unknown { .. } => RowState::Unknown,
            Change::Pending { .. } => RowState::Pending,
        }
    }
}

/// A row that needs the API in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Work {
    /// The row.
    pub id: RowId,
    /// Its position in the current input.
    pub position: u64,
    /// Its key.
    pub key: RowKey,
    /// `Pending` (to submit) or `Submitted` (to wait for).
    pub state: RowState,
    /// The task id of a submitted row.
    pub task_id: Option<String>,
}

/// A stored row, whole.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRow {
    /// Storage id.
    pub id: RowId,
    /// The hash of the request body.
    pub content_hash: String,
    /// The caller's key.
    pub key: RowKey,
    /// The lead as JSON text.
    pub lead: String,
    /// The sync that last saw it.
    pub generation: u64,
    /// Its latest position in the input.
    pub position: u64,
    /// Its latest line in the input file.
    pub line: Option<u64>,
    /// Where it is.
    pub state: RowState,
    /// The task id, once known (kept after the job ends).
    pub task_id: Option<String>,
    /// The raw answer, once completed.
    pub raw_answer: Option<String>,
    /// The cast answer (`structured_data`), once completed and cast.
    pub cast_answer: Option<String>,
    /// Why the cast failed.
    pub cast_error: Option<String>,
    /// The last error or note.
    pub error: Option<String>,
    /// Its class.
    pub error_class: Option<ErrorClass>,
    /// Submits started for this row (each committed `submitting`).
    pub attempts: u32,
    /// Milliseconds since the Unix epoch: first seen, last changed.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

/// Rows of the current input per state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Not sent.
    pub pending: u64,
    /// Being submitted (only during a run).
    pub submitting: u64,
    /// Submitted, job running.
    pub submitted: u64,
    /// Finished with an answer.
    pub completed: u64,
    /// Failed definitely.
    pub failed: u64,
    /// Outcome unknown.
    pub unknown: u64,
}

impl Counts {
    /// All rows.
    pub fn total(&self) -> u64 {
        self.pending
            + self.submitting
            + self.submitted
            + self.completed
            + self.failed
            + self.unknown
    }

    /// Rows in `state`.
    pub fn get(&self, state: RowState) -> u64 {
        match state {
            RowState::Pending => self.pending,
            RowState::Submitting => self.submitting,
            RowState::Submitted => self.submitted,
            RowState::Completed => self.completed,
            RowState::Failed => self.failed,
            RowState::Unknown => self.unknown,
        }
    }

    /// Adds one row in `state`.
    pub fn add(&mut self, state: RowState) {
        *self.slot(state) += 1;
    }

    /// Sets the number of rows in `state`.
    pub fn set(&mut self, state: RowState, n: u64) {
        *self.slot(state) = n;
    }

    fn slot(&mut self, state: RowState) -> &mut u64 {
        match state {
            RowState::Pending => &mut self.pending,
            RowState::Submitting => &mut self.submitting,
            RowState::Submitted => &mut self.submitted,
            RowState::Completed => &mut self.completed,
            RowState::Failed => &mut self.failed,
            RowState::Unknown => &mut self.unknown,
        }
    }
}

/// The storage of one ledger.
pub trait Store: Send {
    /// A fact about the ledger (format, binding, generation).
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Records facts, all in one commit.
    fn set_meta(&mut self, entries: &[(&str, &str)]) -> Result<(), StoreError>;
    /// True when some row ever reached a server (a job or a result exists): the binding then
    /// matters.
    fn has_jobs(&self) -> Result<bool, StoreError>;
    /// Repairs what a stopped run left, or moves rows for a new binding; returns rows changed.
    fn recover(&mut self, recovery: Recovery, note: &str) -> Result<u64, StoreError>;
    /// Records the rows of the input as generation `generation`, in one transaction: new rows
    /// are added `pending`, known rows get their new position; then `resend` is applied. An
    /// `Err(())` from `rows` (bad input) or `commit == false` (a dry run) rolls it all back.
    fn sync(
        &mut self,
        generation: u64,
        rows: &mut dyn Iterator<Item = Result<SyncRow, ()>>,
        resend: &Resend,
        commit: bool,
    ) -> Result<Synced, StoreError>;
    /// The rows of generation `generation` that need the API: submitted ones first, then
    /// pending ones, each in input order.
    fn work(&self, generation: u64) -> Result<Vec<Work>, StoreError>;
    /// Marks pending rows `submitting` and counts the attempt, durably.
    fn mark_submitting(&mut self, ids: &[RowId]) -> Result<(), StoreError>;
    /// Records what a request brought.
    fn record(&mut self, id: RowId, change: &Change) -> Result<(), StoreError>;
    /// One row.
    fn row(&self, id: RowId) -> Result<StoredRow, StoreError>;
    /// The rows other than `except` that hold `task_id` (a server that hands an id out
    /// twice).
    fn task_id_holders(&self, task_id: &str, except: RowId) -> Result<Vec<StoredRow>, StoreError>;
    /// The rows of generation `generation` in input order.
    fn rows(
        &self,
        generation: u64,
        visit: &mut dyn FnMut(StoredRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// The rows not in generation `generation` (kept from earlier inputs).
    fn vanished(
        &self,
        generation: u64,
        visit: &mut dyn FnMut(StoredRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// The rows of generation `generation` per state.
    fn counts(&self, generation: u64) -> Result<Counts, StoreError>;
}
