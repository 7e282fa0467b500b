//! What can stop a ledger as a whole (a row's own failure is a [`RowError`](crate::RowError)).

use std::path::PathBuf;

use crate::binding::BindingChange;
use crate::identity::DuplicateRow;
use crate::lock::LockError;
use crate::store::StoreError;

/// A ledger could not be opened, fed or run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// Another process holds the ledger.
    #[error("{0}")]
    Locked(#[from] LockError),
    /// The ledger file could not be read or written.
    #[error("ledger {}: {source}", path.display())]
    Store {
        /// The ledger file.
        path: PathBuf,
        /// What failed.
        source: StoreError,
    },
    /// The ledger belongs to another server or API key.
    #[error(
        "the ledger {} was used with {}: its task ids and results belong there, so it is not used for this run. To start afresh for this server and key, use another ledger file (--journal OTHER); to move this one on purpose, rebind it (--rebind): finished rows are kept, and rows whose jobs live on the old binding become unknown",
        path.display(),
        change.describe_for_message()
    )]
    BindingChanged {
        /// The ledger file.
        path: PathBuf,
        /// What differs.
        change: BindingChange,
    },
    /// The ledger belongs to an in-process emulator and this run to a server, or the other way
    /// round: an emulator's answers are made up, so such a ledger is never moved, even with
    /// `rebind`.
    #[error(
        "the ledger {} was used with {}, and this run uses {}: an emulator's answers are made up, so a ledger never moves between an emulator and a server (not even with --rebind). Use another ledger file (--journal OTHER), or delete this one if its rows are not needed",
        path.display(),
        change.old_server,
        change.new_server
    )]
    EmulatorAndServer {
        /// The ledger file.
        path: PathBuf,
        /// What differs.
        change: BindingChange,
    },
    /// Two rows of the input cannot be told apart.
    #[error("{0}")]
    Duplicate(#[from] DuplicateRow),
    /// A row of the input is not a usable lead.
    #[error("{at}: {message}")]
    BadInput {
        /// Where (`line 7`, `row 3`).
        at: String,
        /// What is wrong.
        message: String,
    },
    /// The ledger was asked for something that does not fit it.
    #[error("{message}")]
    Usage {
        /// What and why.
        message: String,
    },
}

impl BindingChange {
    fn describe_for_message(&self) -> String {
        let old = (self.old_server != self.new_server).then(|| self.old_server.to_string());
        match (old, self.key_changed) {
            (Some(old), true) => format!(
                "{old} and another API key (this run: {} with a different API key)",
                self.new_server
            ),
            (Some(old), false) => format!("{old} (this run: {})", self.new_server),
            (None, _) => "another API key (this run uses a different API key)".to_owned(),
        }
    }
}
