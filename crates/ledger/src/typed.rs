//! A whole batch as a stream: feed the leads, run them, and yield each row once with its
//! outcome, untyped ([`Ledger::run_raw`]) or decoded into the caller's type
//! ([`Ledger::run`]). Rows finished in an earlier run come first, then rows as they finish,
//! then rows the run left unfinished. Dropping the stream stops the run; everything already
//! recorded (task ids included) stays in the ledger for the next one.

use std::collections::VecDeque;

use futures_util::Stream;
use serde_json::Value;
use sixtyfour::{Enrich, EnrichResult, Enriched, TaskId};
use sixtyfour_casting::DecodeError;
use tokio::sync::mpsc;

use crate::engine::Dispatch;
use crate::error::LedgerError;
use crate::identity::RowKey;
use crate::ledger::{InputRow, Ledger, RowOutcome, SyncOptions};
use crate::run::RunOptions;
use crate::state::{ErrorClass, RowState};
use crate::store::{RowId, StoredRow};

/// Why a row of a typed run has no value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RowError {
    /// The job, or the request, failed definitely.
    #[error("failed{}: {message}", task(.task_id))]
    Failed {
        /// The job, when one ran.
        task_id: Option<TaskId>,
        /// Why.
        message: String,
    },
    /// A job may exist and its outcome is unknown.
    #[error("outcome unknown{}: {reason}", task(.task_id))]
    Unknown {
        /// The job, when its id is known.
        task_id: Option<TaskId>,
        /// Why it is unknown.
        class: Option<ErrorClass>,
        /// In words.
        reason: String,
    },
    /// The run ended before the row did; the next run goes on with it.
    #[error("not finished ({state}){}: {reason}", task(.task_id))]
    NotFinished {
        /// `pending` or `submitted`.
        state: RowState,
        /// The job, once submitted.
        task_id: Option<TaskId>,
        /// Why.
        reason: String,
    },
    /// The job completed and its answer does not fit the type; the raw answer and the task id
    /// are here, and kept in the ledger.
    #[error("the answer of job {} does not fit the type: {source}", shown(task_id))]
    Decode {
        /// The job.
        task_id: Option<TaskId>,
        /// The whole answer as received.
        raw: Box<EnrichResult>,
        /// Every field that did not fit.
        source: DecodeError,
    },
    /// The job completed and its answer is not an answer object (kept raw in the ledger).
    #[error("the answer of job {} cannot be read: {message}", shown(task_id))]
    Unreadable {
        /// The job.
        task_id: Option<TaskId>,
        /// The answer as received.
        raw: Value,
        /// Why.
        message: String,
    },
    /// The ledger could not be read.
    #[error("{0}")]
    Ledger(String),
}

fn task(task_id: &Option<TaskId>) -> String {
    task_id
        .as_ref()
        .map(|id| format!(" (job {id})"))
        .unwrap_or_default()
}

impl RowError {
    /// The job this row's error is about, if there is one.
    pub fn task_id(&self) -> Option<&TaskId> {
        match self {
            RowError::Failed { task_id, .. }
            | RowError::Unknown { task_id, .. }
            | RowError::NotFinished { task_id, .. }
            | RowError::Decode { task_id, .. }
            | RowError::Unreadable { task_id, .. } => task_id.as_ref(),
            RowError::Ledger(_) => None,
        }
    }
}

/// A task id for messages, or a note that there is none.
fn shown(task_id: &Option<TaskId>) -> String {
    task_id
        .as_ref()
        .map_or_else(|| "(no task id)".to_owned(), TaskId::to_string)
}

/// A row of a typed run, decoded.
pub fn typed<T: Enrich>(outcome: RowOutcome) -> Result<Enriched<T>, RowError> {
    let reason = || outcome.error.clone().unwrap_or_default();
    match outcome.state {
        RowState::Completed => {
            let task_id = outcome.task_id.clone();
            let raw = outcome.raw_answer.clone().unwrap_or(Value::Null);
            let result = serde_json::from_value::<EnrichResult>(raw.clone()).map_err(|err| {
                RowError::Unreadable {
                    task_id: task_id.clone(),
                    raw,
                    message: err.to_string(),
                }
            })?;
            Enriched::from_result(result.clone(), &outcome.lead, task_id.clone()).map_err(|error| {
                match error {
                    sixtyfour::Error::Cast { source, .. } => RowError::Decode {
                        task_id,
                        raw: Box::new(result),
                        source,
                    },
                    other => RowError::Unreadable {
                        task_id,
                        raw: Value::Object(result.to_map()),
                        message: other.to_string(),
                    },
                }
            })
        }
        RowState::Failed => Err(RowError::Failed {
            task_id: outcome.task_id.clone(),
            message: reason(),
        }),
        RowState::Unknown => Err(RowError::Unknown {
            task_id: outcome.task_id.clone(),
            class: outcome.error_class,
            reason: reason(),
        }),
        state => Err(RowError::NotFinished {
            state,
            task_id: outcome.task_id.clone(),
            reason: outcome
                .error
                .clone()
                .unwrap_or_else(|| "the run ended first".into()),
        }),
    }
}

struct RunState<'a> {
    ledger: &'a Ledger,
    earlier: VecDeque<(RowId, RowKey)>,
    dispatch: Option<Dispatch<'a>>,
    settled: mpsc::UnboundedReceiver<(RowId, RowKey)>,
    leftover: Option<VecDeque<(RowId, RowKey)>>,
}

impl RunState<'_> {
    fn read(&self, (id, key): (RowId, RowKey)) -> (RowKey, Result<RowOutcome, RowError>) {
        let row = self
            .ledger
            .store()
            .row(id)
            .map(RowOutcome::from_stored)
            .map_err(|e| RowError::Ledger(e.to_string()));
        (key, row)
    }

    fn rows_where(&self, keep: impl Fn(&StoredRow) -> bool) -> VecDeque<(RowId, RowKey)> {
        let mut out = VecDeque::new();
        let _ = self
            .ledger
            .store()
            .rows(self.ledger.generation, &mut |row| {
                if keep(&row) {
                    out.push_back((row.id, row.key));
                }
                Ok(())
            });
        out
    }
}

impl Ledger {
    /// Feeds `leads` as the current input and runs it, yielding every row once, untyped.
    ///
    /// The run is driven by polling the stream; dropping it stops the run (rows cut off
    /// mid-submit come back `unknown`, never sent twice). The run's report is then
    /// [`last_report`](Ledger::last_report).
    pub fn run_raw<'a, I>(
        &'a mut self,
        leads: I,
        options: &'a RunOptions,
    ) -> Result<
        impl Stream<Item = (RowKey, Result<RowOutcome, RowError>)> + Send + Unpin + 'a,
        LedgerError,
    >
    where
        I: IntoIterator<Item = InputRow>,
    {
        self.sync(
            leads.into_iter().map(Ok::<_, LedgerError>),
            &SyncOptions::default(),
        )?;
        let ledger: &'a Ledger = self;
        let (sender, settled) = mpsc::unbounded_channel();
        let mut state = RunState {
            ledger,
            earlier: VecDeque::new(),
            dispatch: None,
            settled,
            leftover: None,
        };
        state.earlier = state.rows_where(|row| row.state.is_final());
        state.dispatch = Some(ledger.dispatch_boxed(options, sender));
        Ok(Box::pin(futures_util::stream::unfold(
            state,
            |mut state| async move {
                loop {
                    if let Some(item) = state.earlier.pop_front() {
                        let item = state.read(item);
                        return Some((item, state));
                    }
                    if let Some(dispatch) = state.dispatch.as_mut() {
                        tokio::select! {
                            biased;
                            Some(item) = state.settled.recv() => {
                                let item = state.read(item);
                                return Some((item, state));
                            }
                            _ = dispatch => {
                                state.dispatch = None;
                            }
                        }
                        continue;
                    }
                    if let Ok(item) = state.settled.try_recv() {
                        let item = state.read(item);
                        return Some((item, state));
                    }
                    if state.leftover.is_none() {
                        state.leftover = Some(state.rows_where(|row| !row.state.is_final()));
                    }
                    let next = state.leftover.as_mut().and_then(VecDeque::pop_front);
                    return next.map(|item| (state.read(item), state));
                }
            },
        )))
    }

    /// Feeds `leads` as the current input and runs it, yielding every row once as `T`.
    /// The ledger's template must ask for `T`'s fields.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use futures_util::StreamExt;
    /// use sixtyfour::{Client, Enrich, PollPolicy};
    /// use sixtyfour_ledger::{InputRow, Ledger, OpenOptions, RunOptions, Template};
    ///
    /// #[derive(Debug, serde::Deserialize, Enrich)]
    /// struct Lead {
    ///     /// The individual's job title
    ///     title: String,
    /// }
    ///
    /// let emulator = sixtyfour_emulator::Emulator::builder().spawn().await?;
    /// let client = Client::builder()
    ///     .api_key(emulator.api_key())
    ///     .base_url(emulator.base_url())
    ///     .poll_policy(PollPolicy { initial: std::time::Duration::from_millis(20), factor: 1.5, max: std::time::Duration::from_millis(200) })
    ///     .build()?;
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("leads.ledger");
    /// let leads = || vec![InputRow::from_lead(&serde_json::json!({"email": "rafael.nunez@lanternfish.example"})).unwrap()];
    ///
    /// let mut ledger = Ledger::open(&path, &client, Template::for_type::<Lead>(), OpenOptions::api_key(emulator.api_key()))?;
    /// let options = RunOptions::default();
    /// let mut rows = ledger.run::<Lead, _>(leads(), &options)?;
    /// while let Some((_key, row)) = rows.next().await {
    ///     assert_eq!(row?.data.title, "CEO & Co-Founder");
    /// }
    /// drop(rows);
    /// assert_eq!(ledger.last_report().unwrap().submits, 1);
    ///
    /// // The same leads again: the answer comes from the ledger, nothing is paid twice.
    /// drop(ledger);
    /// let mut ledger = Ledger::open(&path, &client, Template::for_type::<Lead>(), OpenOptions::api_key(emulator.api_key()))?;
    /// let rows: Vec<_> = ledger.run::<Lead, _>(leads(), &options)?.collect().await;
    /// assert_eq!(rows.len(), 1);
    /// assert_eq!(ledger.last_report().unwrap().submits, 0);
    /// assert_eq!(emulator.stats().total_submits(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn run<'a, T, I>(
        &'a mut self,
        leads: I,
        options: &'a RunOptions,
    ) -> Result<
        impl Stream<Item = (RowKey, Result<Enriched<T>, RowError>)> + Send + Unpin + 'a,
        LedgerError,
    >
    where
        T: Enrich + 'a,
        I: IntoIterator<Item = InputRow>,
    {
        if T::schema() != *self.template.schema() {
            return Err(LedgerError::Usage {
                message: format!(
                    "this ledger's template asks for other fields than {}: open it with Template::for_type::<{}>()",
                    std::any::type_name::<T>(),
                    std::any::type_name::<T>()
                ),
            });
        }
        let rows = self.run_raw(leads, options)?;
        Ok(futures_util::StreamExt::map(rows, |(key, row)| {
            (key, row.and_then(typed::<T>))
        }))
    }
}
