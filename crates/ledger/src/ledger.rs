//! [`Ledger`]: open (lock, binding, recovery), feed an input (row identity by content), and
//! read the rows back in input order.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{Map, Value};
use sixtyfour::{Client, TaskId};

use crate::api::{Api, ClientApi};
use crate::binding::{BindingChange, Server, key_fingerprint, new_salt};
use crate::canonical::hex;
use crate::error::LedgerError;
use crate::identity::{KeyAssigner, RowKey};
use crate::lock::{LedgerLock, LockError};
use crate::run::RunReport;
use crate::state::{ErrorClass, RowState};
use crate::store::{
    Counts, Durability, Recovery, Resend, SqliteStore, Store, StoreError, StoredRow, SyncCounts,
    SyncRow,
};
use crate::template::{Template, request_hash};

/// The format written in every ledger's facts.
pub const FORMAT: &str = "sixtyfour-ledger/1";

/// How to open a ledger: the account it binds to, and what to do when that changed.
#[derive(Clone, Default)]
pub struct OpenOptions {
    api_key: Option<String>,
    in_process_emulator: bool,
    rebind: bool,
    inspect: bool,
    durability: Durability,
}

impl std::fmt::Debug for OpenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenOptions")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("in_process_emulator", &self.in_process_emulator)
            .field("rebind", &self.rebind)
            .field("inspect", &self.inspect)
            .field("durability", &self.durability)
            .finish()
    }
}

impl OpenOptions {
    /// Binds to this API key (only a keyed fingerprint of it is stored).
    pub fn api_key(key: impl Into<String>) -> Self {
        OpenOptions {
            api_key: Some(key.into()),
            ..OpenOptions::default()
        }
    }

    /// The server is an emulator inside this process: its port changes every run and its
    /// jobs die with it, so rows whose job lived in an earlier one are sent again (nothing is
    /// billed offline).
    pub fn in_process_emulator(mut self) -> Self {
        self.in_process_emulator = true;
        self
    }

    /// Moves a ledger bound to another server or key to this one: finished rows are kept,
    /// rows whose jobs live on the old binding become `unknown`. Never between an in-process
    /// emulator and a server ([`LedgerError::EmulatorAndServer`]): the emulator's answers are
    /// made up.
    pub fn rebind(mut self, rebind: bool) -> Self {
        self.rebind = rebind;
        self
    }

    /// Opens to look only (a dry run): the binding is still checked, and nothing is written:
    /// no repair of a stopped run (rows left `submitting` stay so), no new binding. Run nothing
    /// with a ledger opened so.
    pub fn inspect(mut self, inspect: bool) -> Self {
        self.inspect = inspect;
        self
    }

    /// How hard commits insist on the disk (default [`Durability::SubmitsFull`]).
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }
}

/// What opening found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Opened {
    /// The file was created by this open.
    pub created: bool,
    /// Rows found `submitting` (a run stopped mid-submit), now `unknown`.
    pub interrupted: u64,
    /// Rows whose job was lost with an earlier in-process emulator, now `pending` again.
    pub emulator_resent: u64,
    /// The binding changed on purpose (`rebind`): what changed, and the rows now `unknown`.
    pub rebound: Option<(BindingChange, u64)>,
}

/// One lead of an input.
#[derive(Debug, Clone, PartialEq)]
pub struct InputRow {
    /// The lead's facts (`lead_info`).
    pub lead: Map<String, Value>,
    /// The caller's id for the row, when it has one.
    pub id: Option<String>,
    /// Its line in an input file, for messages.
    pub line: Option<u64>,
}

impl InputRow {
    /// A row from any lead that serializes to a JSON object.
    ///
    /// ```
    /// use sixtyfour_ledger::InputRow;
    ///
    /// let row = InputRow::from_lead(&serde_json::json!({"name": "Mara Quill"}))?.with_id("crm-7");
    /// assert_eq!(row.id.as_deref(), Some("crm-7"));
    /// # Ok::<(), sixtyfour_ledger::LedgerError>(())
    /// ```
    pub fn from_lead(lead: &impl Serialize) -> Result<InputRow, LedgerError> {
        match serde_json::to_value(lead) {
            Ok(Value::Object(lead)) => Ok(InputRow::from(lead)),
            Ok(other) => Err(LedgerError::BadInput {
                at: "a lead".into(),
                message: format!("a lead must be a JSON object of facts, not {other}"),
            }),
            Err(err) => Err(LedgerError::BadInput {
                at: "a lead".into(),
                message: format!("the lead could not be serialized: {err}"),
            }),
        }
    }

    /// The same row with the caller's id.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The same row with its line in a file.
    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
}

impl From<Map<String, Value>> for InputRow {
    fn from(lead: Map<String, Value>) -> Self {
        InputRow {
            lead,
            id: None,
            line: None,
        }
    }
}

/// What to do when feeding an input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncOptions {
    /// Rows to send again, asked for by name.
    pub resend: Resend,
    /// Check and count only: nothing is written.
    pub dry_run: bool,
}

/// What feeding an input found.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct SyncReport {
    /// Rows, new rows, rows sent again, rows of earlier inputs.
    pub counts: SyncCounts,
    /// The rows of this input per state, before the run.
    pub states: Counts,
    /// The body of the first request a run would send, if any.
    pub first_request: Option<Value>,
}

/// A row as the ledger holds it, with its answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RowOutcome {
    /// Its key.
    pub key: RowKey,
    /// Its position in the current input (from 1).
    pub position: u64,
    /// Its line in the input file.
    pub line: Option<u64>,
    /// Its state.
    pub state: RowState,
    /// The lead.
    pub lead: Map<String, Value>,
    /// The job, once known.
    pub task_id: Option<TaskId>,
    /// The job's whole answer (the `result` object) as received.
    pub raw_answer: Option<Value>,
    /// `structured_data` cast by the request's resolved types.
    pub cast_answer: Option<Map<String, Value>>,
    /// Why the cast failed (the raw answer is kept).
    pub cast_error: Option<String>,
    /// The last error or note.
    pub error: Option<String>,
    /// Its class.
    pub error_class: Option<ErrorClass>,
    /// Submits started for the row, over all runs.
    pub attempts: u32,
}

impl RowOutcome {
    pub(crate) fn from_stored(row: StoredRow) -> RowOutcome {
        let parse = |text: &str| {
            serde_json::from_str::<Value>(text).unwrap_or_else(|_| Value::String(text.to_owned()))
        };
        RowOutcome {
            key: row.key,
            position: row.position,
            line: row.line,
            state: row.state,
            lead: match parse(&row.lead) {
                Value::Object(lead) => lead,
                _ => Map::new(),
            },
            task_id: row.task_id.and_then(|id| TaskId::new(id).ok()),
            raw_answer: row.raw_answer.as_deref().map(parse),
            cast_answer: row.cast_answer.as_deref().and_then(|t| match parse(t) {
                Value::Object(map) => Some(map),
                _ => None,
            }),
            cast_error: row.cast_error,
            error: row.error,
            error_class: row.error_class,
            attempts: row.attempts,
        }
    }

    /// `structured_data` as the output shows it: the cast answer, else the raw one.
    pub fn structured_data(&self) -> Option<Value> {
        match &self.cast_answer {
            Some(map) => Some(Value::Object(map.clone())),
            None => self
                .raw_answer
                .as_ref()
                .and_then(|raw| raw.get("structured_data").cloned()),
        }
    }
}

/// A durable, exactly-once batch: see the crate documentation.
pub struct Ledger {
    pub(crate) path: PathBuf,
    pub(crate) store: Mutex<Box<dyn Store>>,
    pub(crate) api: Arc<dyn Api>,
    pub(crate) template: Template,
    pub(crate) generation: u64,
    pub(crate) last_report: Mutex<Option<RunReport>>,
    opened: Opened,
    _lock: Option<LedgerLock>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("path", &self.path)
            .field("generation", &self.generation)
            .field("opened", &self.opened)
            .finish_non_exhaustive()
    }
}

/// Refuses a ledger file with more than one name (hard links): SQLite keeps the latest commits
/// in a file named after the path (`<ledger>-wal`) until they are copied into the ledger, so a
/// run killed under one name and resumed under another would not see them, and would submit
/// again rows it already paid for.
fn single_name(path: &Path) -> Result<(), LedgerError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(metadata) = std::fs::metadata(path)
            && metadata.is_file()
            && metadata.nlink() > 1
        {
            return Err(LedgerError::Usage {
                message: format!(
                    "the ledger {} has {} names (hard links): its latest commits live in a file named after one of them (`-wal`), so a run under another name could miss them and pay twice. Keep one name: remove the other links (or copy the file while no run uses it)",
                    path.display(),
                    metadata.nlink()
                ),
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Creates a missing ledger file readable by its owner only: it holds leads and answers, which
/// are personal data (SQLite gives its `-wal` file the same permissions). An existing file
/// keeps its own.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(err),
    }
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Ledger {
    /// Opens (or creates) the ledger at `path` for requests made with `client`: takes the
    /// lock beside it (refused at once, naming the holder, when another process has it, however
    /// the path is spelled), refuses a file with two names (hard links), checks the binding to
    /// the client's server and the key in `options`, and repairs what a stopped run left.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use sixtyfour::{Client, Schema};
    /// use sixtyfour_ledger::{Ledger, OpenOptions};
    ///
    /// let emulator = sixtyfour_emulator::Emulator::builder().spawn().await?;
    /// let client = Client::builder().api_key(emulator.api_key()).base_url(emulator.base_url()).build()?;
    /// let dir = tempfile::tempdir()?;
    /// let schema = Schema::builder().describe("title", "The individual's job title").build()?;
    ///
    /// let ledger = Ledger::open(&dir.path().join("batch.ledger"), &client, &schema, OpenOptions::api_key(emulator.api_key()))?;
    /// // A second opener is refused while the first holds it.
    /// let again = Ledger::open(&dir.path().join("batch.ledger"), &client, &schema, OpenOptions::api_key(emulator.api_key()));
    /// assert!(again.unwrap_err().to_string().contains("in use by process"));
    /// drop(ledger);
    /// # Ok(())
    /// # }
    /// ```
    pub fn open(
        path: &Path,
        client: &Client,
        template: impl Into<Template>,
        options: OpenOptions,
    ) -> Result<Ledger, LedgerError> {
        let server = if options.in_process_emulator {
            Server::InProcessEmulator
        } else {
            Server::url(client.base_url()).map_err(|message| LedgerError::Usage { message })?
        };
        let api: Arc<dyn Api> = Arc::new(ClientApi::new(client.clone()));
        Ledger::open_with(path, api, server, template.into(), options)
    }

    /// Opens a ledger file with any [`Api`] (a test double, another transport).
    pub fn open_with(
        path: &Path,
        api: Arc<dyn Api>,
        server: Server,
        template: Template,
        options: OpenOptions,
    ) -> Result<Ledger, LedgerError> {
        // One lock whatever the spelling: a symlink, `./x/../`, relative or absolute.
        let lock = LedgerLock::acquire(&LedgerLock::path_for(&crate::lock::resolved(path)))?;
        single_name(path)?;
        create_private(path).map_err(|source| LedgerError::Store {
            path: path.to_owned(),
            source: StoreError::new(format!("cannot create the file: {source}")),
        })?;
        let store = SqliteStore::open(path, options.durability).map_err(|source| {
            if source.message == crate::store::BUSY {
                LedgerError::Locked(LockError::HeldByUnknown {
                    path: path.to_owned(),
                })
            } else {
                LedgerError::Store {
                    path: path.to_owned(),
                    source,
                }
            }
        })?;
        Ledger::with_store(
            path,
            Box::new(store),
            Some(lock),
            api,
            server,
            template,
            options,
        )
    }

    /// A ledger over any [`Store`]; `lock` is held until the ledger is dropped.
    pub fn with_store(
        path: &Path,
        mut store: Box<dyn Store>,
        lock: Option<LedgerLock>,
        api: Arc<dyn Api>,
        server: Server,
        template: Template,
        options: OpenOptions,
    ) -> Result<Ledger, LedgerError> {
        let fail = |source: StoreError| LedgerError::Store {
            path: path.to_owned(),
            source,
        };
        let key = match (&options.api_key, options.in_process_emulator) {
            (Some(key), _) => key.clone(),
            (None, true) => String::new(),
            (None, false) => {
                return Err(LedgerError::Usage {
                    message: "a ledger binds to an API key: pass it with OpenOptions::api_key (only a keyed fingerprint is stored)".into(),
                });
            }
        };
        let mut opened = Opened::default();
        match store.meta("format").map_err(fail)? {
            None => {
                let salt = hex(&new_salt().map_err(|message| LedgerError::Usage { message })?);
                let fingerprint = key_fingerprint(salt.as_bytes(), &key);
                let created = unix_seconds().to_string();
                store
                    .set_meta(&[
                        ("format", FORMAT),
                        ("server", &server.stored()),
                        ("key_salt", &salt),
                        ("key_fingerprint", &fingerprint),
                        ("created_at", &created),
                        ("generation", "0"),
                    ])
                    .map_err(fail)?;
                opened.created = true;
            }
            Some(format) if format != FORMAT => {
                return Err(fail(StoreError::new(format!(
                    "written in format `{format}`, which this version does not read"
                ))));
            }
            Some(_) => {
                let stored_server =
                    Server::from_stored(&store.meta("server").map_err(fail)?.unwrap_or_default());
                let salt = store.meta("key_salt").map_err(fail)?.unwrap_or_default();
                let stored_fingerprint = store
                    .meta("key_fingerprint")
                    .map_err(fail)?
                    .unwrap_or_default();
                let fingerprint = key_fingerprint(salt.as_bytes(), &key);
                if let Some(change) = BindingChange::between(
                    &stored_server,
                    &stored_fingerprint,
                    &server,
                    &fingerprint,
                ) {
                    if store.has_jobs().map_err(fail)? {
                        // An in-process emulator's answers are made up: they never become a
                        // server's, and a server's unknown rows never become an emulator's
                        // to send again, whatever `rebind` says.
                        if (stored_server == Server::InProcessEmulator)
                            != (server == Server::InProcessEmulator)
                        {
                            return Err(LedgerError::EmulatorAndServer {
                                path: path.to_owned(),
                                change,
                            });
                        }
                        if !options.rebind || options.inspect {
                            return Err(LedgerError::BindingChanged {
                                path: path.to_owned(),
                                change,
                            });
                        }
                        let note = format!(
                            "the ledger was moved from {} to {}; this row's job lives on the old binding (--resubmit-unknown sends it again here)",
                            change.old_server, change.new_server
                        );
                        let moved = store.recover(Recovery::Rebound, &note).map_err(fail)?;
                        opened.rebound = Some((change, moved));
                    }
                    // No job or result belongs to the old binding (say, a first run refused
                    // by a wrong key): take the new one silently (a dry run writes nothing).
                    if !options.inspect {
                        store
                            .set_meta(&[
                                ("server", &server.stored()),
                                ("key_fingerprint", &fingerprint),
                            ])
                            .map_err(fail)?;
                    }
                }
            }
        }
        if options.inspect {
            // A dry run repairs nothing: rows left `submitting` stay so, and are counted as
            // finished (they will be `unknown`).
        } else if server == Server::InProcessEmulator {
            opened.emulator_resent = store
                .recover(
                    Recovery::EmulatorRestarted,
                    "its job lived in an in-process emulator that has stopped; sent again (nothing is billed offline)",
                )
                .map_err(fail)?;
        } else {
            opened.interrupted = store
                .recover(
                    Recovery::Interrupted,
                    "the run stopped while this row was being submitted: a job may exist (--resubmit-unknown sends it again, which may pay twice)",
                )
                .map_err(fail)?;
        }
        let generation = store
            .meta("generation")
            .map_err(fail)?
            .and_then(|g| g.parse().ok())
            .unwrap_or(0);
        Ok(Ledger {
            path: path.to_owned(),
            store: Mutex::new(store),
            api,
            template,
            generation,
            last_report: Mutex::new(None),
            opened,
            _lock: lock,
        })
    }

    /// What opening found.
    pub fn opened(&self) -> &Opened {
        &self.opened
    }

    /// The ledger file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The request shared by every row.
    pub fn template(&self) -> &Template {
        &self.template
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Box<dyn Store>> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn store_error(&self, source: StoreError) -> LedgerError {
        LedgerError::Store {
            path: self.path.clone(),
            source,
        }
    }

    /// Records the rows of an input, in order, as the ledger's current input: rows seen before
    /// (same content, same key) keep their state and answer; new rows are `pending`; rows of
    /// earlier inputs are kept and counted. Every row is checked first: a row that is not a
    /// usable lead, or two rows that cannot be told apart, refuse the whole input and nothing
    /// is written.
    pub fn sync<I, E>(&mut self, rows: I, options: &SyncOptions) -> Result<SyncReport, LedgerError>
    where
        I: IntoIterator<Item = Result<InputRow, E>>,
        E: Into<LedgerError>,
    {
        let generation = self.generation + 1;
        let mut assigner = KeyAssigner::default();
        let mut failure: Option<LedgerError> = None;
        let template = &self.template;
        let mut position = 0u64;
        let mut iter = rows.into_iter().map(|row| {
            if failure.is_some() {
                return Err(());
            }
            let row = match row {
                Ok(row) => row,
                Err(err) => {
                    failure = Some(err.into());
                    return Err(());
                }
            };
            position += 1;
            let at = match row.line {
                Some(line) => format!("line {line}"),
                None => format!("row {position}"),
            };
            let request = template.request(row.lead.clone());
            if let Err(err) = request.validate() {
                let message = match err {
                    sixtyfour::Error::InvalidRequest { message } => message,
                    other => other.to_string(),
                };
                failure = Some(LedgerError::BadInput { at, message });
                return Err(());
            }
            let hash = request_hash(&request);
            let key = match assigner.assign(&hash, row.id.as_deref(), &at) {
                Ok(key) => key,
                Err(duplicate) => {
                    failure = Some(duplicate.into());
                    return Err(());
                }
            };
            let lead = Value::Object(row.lead).to_string();
            Ok(SyncRow {
                content_hash: hash,
                key,
                lead,
                position,
                line: row.line,
            })
        });
        let result = self
            .store()
            .sync(generation, &mut iter, &options.resend, !options.dry_run);
        drop(iter);
        if let Some(failure) = failure {
            return Err(failure);
        }
        let counts = result.map_err(|source| {
            if source.message.starts_with(crate::store::RESEND_REFUSED) {
                LedgerError::Usage {
                    message: source.message,
                }
            } else {
                self.store_error(source)
            }
        })?;
        if !options.dry_run {
            self.generation = generation;
        }
        let states = counts.states;
        let first_request = counts
            .first_pending_lead
            .as_deref()
            .and_then(|lead| serde_json::from_str::<Value>(lead).ok())
            .and_then(|lead| lead.as_object().cloned())
            .map(|lead| self.template.request(lead).to_json());
        Ok(SyncReport {
            counts: counts.counts,
            states,
            first_request,
        })
    }

    /// The rows of the current input per state.
    pub fn counts(&self) -> Result<Counts, LedgerError> {
        self.store()
            .counts(self.generation)
            .map_err(|source| self.store_error(source))
    }

    /// Visits the rows of the current input in input order.
    pub fn rows(
        &self,
        mut visit: impl FnMut(RowOutcome) -> Result<(), LedgerError>,
    ) -> Result<(), LedgerError> {
        let mut inner: Option<LedgerError> = None;
        let result = self.store().rows(self.generation, &mut |row| {
            visit(RowOutcome::from_stored(row)).map_err(|e| {
                let message = e.to_string();
                inner = Some(e);
                StoreError::new(message)
            })
        });
        if let Some(inner) = inner {
            return Err(inner);
        }
        result.map_err(|source| self.store_error(source))
    }

    /// Visits the rows of earlier inputs that are not in the current one (kept, never
    /// deleted).
    pub fn vanished(&self, mut visit: impl FnMut(RowOutcome)) -> Result<(), LedgerError> {
        self.store()
            .vanished(self.generation, &mut |row| {
                visit(RowOutcome::from_stored(row));
                Ok(())
            })
            .map_err(|source| self.store_error(source))
    }

    /// The report of the last run, once it ended.
    pub fn last_report(&self) -> Option<RunReport> {
        self.last_report
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}
