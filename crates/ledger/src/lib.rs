//! Durable, exactly-once batches for the enrich-lead API.
//!
//! A paid job must never be submitted twice, never be lost, and never be given to the wrong
//! row, whatever happens to the process: a crash, a `kill -9`, Ctrl-C, a second copy of the
//! same command, a changed input, a wrong key, a server that answers nonsense. A [`Ledger`] is
//! the file that makes it so, shared by the `sixtyfour` CLI and library users:
//!
//! - **Row identity by content.** A row is the SHA-256 of what is sent (the canonical JSON of
//!   the whole body: lead, `struct`, research plan, every other option) plus the caller's key:
//!   an id column, or else the occurrence number of that content in the input. An edited,
//!   reordered or appended input keeps every finished row and submits only rows never sent;
//!   rows that vanished from the input are kept and reported, never deleted.
//! - **Binding.** The ledger records the server's normalized base URL (or "an in-process
//!   emulator") and an HMAC fingerprint of the API key under a random salt (never the key).
//!   Opened against another server or key, it refuses before any request and says what differs
//!   and how to proceed on purpose ([`OpenOptions::rebind`], or another file); it never moves
//!   between an in-process emulator and a server.
//! - **One writer.** Opening takes an OS lock on a file beside the ledger's resolved path,
//!   which names its holder, plus SQLite's exclusive locking mode; a second process is refused
//!   at once, whatever spelling of the path it uses. A ledger file with two names (hard links)
//!   is refused: SQLite keeps the newest commits in a file named after the path.
//! - **One task id, one row.** A task id the server hands out again (a restarted emulator with
//!   fixed ids) makes the rows that waited on it `unknown`, so that no row takes another
//!   lead's answer.
//! - **State before side effect, durably.** A batch of rows is committed `submitting` with
//!   `synchronous = FULL` before their requests leave. A submit that may have reached the
//!   server without a readable task id is `unknown`, sent again only when asked by name; a
//!   definite failure is `failed` and sent again only when asked; a request that provably
//!   never left stays `pending`. 401, 402 and 403 stop new submits at once (a key check that
//!   costs nothing runs before the first submit).
//! - **Drain, then report.** On any stop (a halt, the deadline, [`StopSignal`], a store
//!   failure) no new row is taken, submits under way settle and are recorded, and the
//!   [`RunReport`] says what happened.
//! - **Results are never dropped.** Each answer is stored raw and cast by the request's
//!   resolved types before it is reported; a typed decode failure keeps both and the task id.
//!
//! ```text
//! pending ──> submitting ──> submitted ──> completed | failed | unknown (job gone)
//!    ^   (on disk first)  └─> unknown (maybe sent, no task id)
//!    └── not sent, 429, 401/402/403
//! ```
//!
//! # A typed batch
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::StreamExt;
//! use sixtyfour::{Client, Enrich, PollPolicy};
//! use sixtyfour_ledger::{InputRow, Ledger, OpenOptions, RunOptions, Template};
//!
//! #[derive(Debug, serde::Deserialize, Enrich)]
//! struct Lead {
//!     /// The individual's job title
//!     title: String,
//!     /// The individual's email address
//!     email: Option<String>,
//! }
//!
//! let emulator = sixtyfour_emulator::Emulator::builder().spawn().await?;
//! let client = Client::builder()
//!     .api_key(emulator.api_key())
//!     .base_url(emulator.base_url())
//!     .poll_policy(PollPolicy { initial: std::time::Duration::from_millis(20), factor: 1.5, max: std::time::Duration::from_millis(200) })
//!     .build()?;
//! let dir = tempfile::tempdir()?;
//! let mut ledger = Ledger::open(
//!     &dir.path().join("leads.ledger"),
//!     &client,
//!     Template::for_type::<Lead>(),
//!     OpenOptions::api_key(emulator.api_key()),
//! )?;
//! let leads = [
//!     serde_json::json!({"name": "Rafael Núñez", "company": "Lanternfish Labs"}),
//!     serde_json::json!({"linkedin": "https://linkedin.example/in/tobiashalvorsen"}),
//! ];
//! let rows = leads.iter().map(InputRow::from_lead).collect::<Result<Vec<_>, _>>()?;
//! let options = RunOptions::default().max_in_flight(8);
//! let mut results = ledger.run::<Lead, _>(rows, &options)?;
//! while let Some((key, result)) = results.next().await {
//!     let enriched = result?;
//!     println!("{key}: {} {:?}", enriched.data.title, enriched.task_id);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # The pieces
//!
//! - [`Ledger::open`], [`Ledger::sync`] (feed an input), [`Ledger::dispatch`] (run it),
//!   [`Ledger::rows`] (read it back in input order): what the CLI uses.
//! - [`Ledger::run`] and [`Ledger::run_raw`]: the same as one stream.
//! - [`Api`] and [`ClientApi`]: the calls, classified by [`classify_submit`] and
//!   [`classify_wait`]; [`Store`] and [`SqliteStore`]: the storage.

#![warn(clippy::unwrap_used, clippy::expect_used)]

/// The README's code blocks, compiled as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

mod api;
mod binding;
mod callbacks;
mod canonical;
mod engine;
mod error;
mod identity;
mod ledger;
mod lock;
mod run;
mod state;
pub mod store;
mod template;
mod typed;

pub use api::{
    Api, ApiFuture, ClientApi, KeyCheck, PollOutcome, Scheduling, SubmitCall, SubmitOutcome,
    WaitCall, WaitOutcome, classify_poll, classify_submit, classify_wait,
};
pub use binding::{BindingChange, Server, key_fingerprint, normalize_base_url};
pub use callbacks::Callbacks;
pub use canonical::{canonical_json, content_hash};
pub use error::LedgerError;
pub use identity::{DuplicateRow, KeyAssigner, RowKey};
pub use ledger::{
    FORMAT, InputRow, Ledger, OpenOptions, Opened, RowOutcome, SyncOptions, SyncReport,
};
pub use lock::{Holder, LedgerLock, LockError};
pub use run::{Event, EventSink, Halt, RunOptions, RunReport, StopReason, StopSignal, Unrecorded};
pub use state::{ErrorClass, RowState};
pub use store::{Counts, Durability, Resend, RowRef, SqliteStore, Store, StoreError, UnknownRows};
pub use template::{Template, request_hash};
pub use typed::{RowError, typed};
