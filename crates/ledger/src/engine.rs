//! The dispatch loop: takes the rows of the current input that need the API, marks each batch
//! `submitting` durably before its requests leave, records every outcome, and drains on any
//! stop (a halt, an interrupt, the deadline, a store failure): no new rows, waits cut short,
//! submits under way allowed to settle and recorded. Everything runs inside the caller's
//! future, so dropping it (a crash, in effect) leaves only what the ledger already holds.
//!
//! Two loops share the row steps ([`submit_change`], [`wait_change`]): over an [`Api`] that can
//! poll a job once (the client's), the [`scheduled`] loop spends one request budget on submits
//! and polls; over any other, each row is submitted and waited for on its own, at most
//! [`RunOptions::max_in_flight`] at once.
//!
//! [`Api`]: crate::api::Api

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt};
use serde_json::{Map, Value};
use sixtyfour::{EnrichResult, Schema, TaskId};
use sixtyfour_casting::{cast_record, resolve};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::api::{KeyCheck, SubmitOutcome, WaitOutcome};
use crate::error::LedgerError;
use crate::identity::RowKey;
use crate::ledger::Ledger;
use crate::run::{Event, Halt, RunOptions, RunReport, StopReason, Unrecorded};
use crate::state::{ErrorClass, RowState};
use crate::store::{Change, RowId, Work};

mod scheduled;

/// The change a submit outcome makes to its row.
pub(crate) fn submit_change(outcome: &SubmitOutcome) -> Change {
    match outcome {
        SubmitOutcome::Accepted { task_id } => Change::Submitted {
            task_id: task_id.as_str().to_owned(),
        },
        SubmitOutcome::MaybeSubmitted { reason } => Change::Unknown {
            class: ErrorClass::MaybeSubmitted,
            reason: format!(
                "{reason} (a job may exist: --resubmit-unknown sends it again, which may pay twice)"
            ),
        },
        SubmitOutcome::NotSent { reason } | SubmitOutcome::PastDeadline { reason } => {
            Change::Pending {
                class: ErrorClass::NotSent,
                reason: format!("not sent: {reason}"),
            }
        }
        SubmitOutcome::AccountRefused { reason, .. } => Change::Pending {
            class: ErrorClass::Account,
            reason: format!("not sent: {reason}"),
        },
        SubmitOutcome::RateLimited { reason } | SubmitOutcome::ActiveJobLimit { reason } => {
            Change::Pending {
                class: ErrorClass::RateLimited,
                reason: format!("not sent: {reason}"),
            }
        }
        SubmitOutcome::Rejected { reason, .. } => Change::Failed {
            error: reason.clone(),
        },
    }
}

/// The change a wait outcome makes to its row; a completed answer is kept raw and cast by the
/// request's resolved types (a cast failure is recorded beside the raw answer).
pub(crate) fn wait_change(
    outcome: &WaitOutcome,
    schema: &Schema,
    lead: &Map<String, Value>,
) -> Change {
    match outcome {
        WaitOutcome::Completed { result } => completed_change(result, schema, lead),
        WaitOutcome::JobFailed { reason } => Change::Failed {
            error: format!("the job failed: {reason}"),
        },
        WaitOutcome::Gone { reason } => Change::Unknown {
            class: ErrorClass::Gone,
            reason: reason.clone(),
        },
        WaitOutcome::Unreadable { reason } => Change::Unknown {
            class: ErrorClass::UnreadableAnswer,
            reason: format!("the job ended and its answer could not be read: {reason}"),
        },
        WaitOutcome::StillRunning { reason } => Change::Waiting {
            class: ErrorClass::StillRunning,
            note: reason.clone(),
        },
        WaitOutcome::AccountRefused { reason, .. } => Change::Waiting {
            class: ErrorClass::Account,
            note: reason.clone(),
        },
    }
}

fn completed_change(result: &EnrichResult, schema: &Schema, lead: &Map<String, Value>) -> Change {
    // The answer as received: the protocol type keeps every key it does not name, so writing
    // it back loses nothing.
    let raw = Value::Object(result.to_map());
    let resolution = resolve(schema, lead);
    let (cast_answer, cast_error) = match cast_record(&result.structured_data, &resolution) {
        Ok(map) => (Some(Value::Object(map).to_string()), None),
        Err(err) => (None, Some(err.to_string())),
    };
    Change::Completed {
        raw_answer: raw.to_string(),
        cast_answer,
        cast_error,
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Flags {
    /// No new rows.
    stop_new: bool,
    /// Waits end at once.
    cancel_waits: bool,
    /// Submits under way are cut off.
    cancel_submits: bool,
}

/// What the rows in flight and the loop share.
struct Control {
    flags: watch::Sender<Flags>,
    halt: Mutex<Option<Halt>>,
    failure: Mutex<Option<String>>,
    unrecorded: Mutex<Vec<Unrecorded>>,
    interrupted: AtomicBool,
    deadline_passed: AtomicBool,
    submits: AtomicU64,
    /// Rows that ended this run unfinished or unknown.
    left: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Control {
    fn new() -> Self {
        Control {
            flags: watch::channel(Flags::default()).0,
            halt: Mutex::new(None),
            failure: Mutex::new(None),
            unrecorded: Mutex::new(Vec::new()),
            interrupted: AtomicBool::new(false),
            deadline_passed: AtomicBool::new(false),
            submits: AtomicU64::new(0),
            left: AtomicU64::new(0),
        }
    }

    fn flags(&self) -> Flags {
        *self.flags.borrow()
    }

    fn update(&self, change: impl FnOnce(&mut Flags)) {
        self.flags.send_modify(change);
    }

    fn halt(&self, halt: Halt) {
        lock(&self.halt).get_or_insert(halt);
        self.update(|f| f.stop_new = true);
    }

    fn fail(&self, message: String) {
        lock(&self.failure).get_or_insert(message);
        self.update(|f| {
            f.stop_new = true;
            f.cancel_waits = true;
        });
    }

    fn interrupt(&self) {
        self.interrupted.store(true, Ordering::SeqCst);
        self.update(|f| {
            f.stop_new = true;
            f.cancel_waits = true;
        });
    }

    fn deadline(&self) {
        self.deadline_passed.store(true, Ordering::SeqCst);
        self.update(|f| f.stop_new = true);
    }

    async fn until(&self, mut condition: impl FnMut(&Flags) -> bool) {
        let mut rx = self.flags.subscribe();
        if rx.wait_for(|f| condition(f)).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Everything a row step needs.
struct Cx<'a> {
    ledger: &'a Ledger,
    options: &'a RunOptions,
    control: &'a Control,
    settled: Option<&'a mpsc::UnboundedSender<(RowId, RowKey)>>,
}

impl Cx<'_> {
    fn emit(&self, event: Event) {
        if let Some(sink) = &self.options.events {
            sink(&event);
        }
    }

    /// Records a change; on failure the run stops and what was lost is kept for the report.
    fn record(&self, work: &Work, change: &Change) -> bool {
        match self.ledger.store().record(work.id, change) {
            Ok(()) => true,
            Err(err) => {
                let what = match change {
                    Change::Submitted { task_id } => format!("task id {task_id}"),
                    other => format!("state {}", other.state()),
                };
                lock(&self.control.unrecorded).push(Unrecorded {
                    position: work.position,
                    what,
                });
                self.control.fail(err.to_string());
                false
            }
        }
    }

    fn settle(&self, work: &Work, state: RowState) {
        if state != RowState::Completed && state != RowState::Failed {
            self.control.left.fetch_add(1, Ordering::Relaxed);
        }
        self.emit(Event::Settled {
            position: work.position,
            state,
        });
        if state.is_final()
            && let Some(settled) = self.settled
        {
            let _ = settled.send((work.id, work.key.clone()));
        }
    }

    /// A task id the server handed out before, to another row of this ledger (a server that
    /// hands ids out again, such as a restarted emulator with fixed ids): the id now names this
    /// row's job, so the rows that still wait on it, or that finished through it after this
    /// row's submit began, may hold another lead's answer. They become `unknown` (their task id
    /// kept) before this row records the id, so that no crash leaves two rows waiting on one
    /// id. False when the store failed (this row then stays `submitting`, `unknown` to the
    /// next run, and its task id is reported).
    fn release_reused(&self, work: &Work, task_id: &TaskId, marked_at: i64) -> bool {
        let holders = self
            .ledger
            .store()
            .task_id_holders(task_id.as_str(), work.id);
        let result = holders.and_then(|holders| {
                for holder in holders {
                    let suspect = holder.state == RowState::Submitted
                        || (matches!(holder.state, RowState::Completed | RowState::Failed)
                            && holder.updated_at >= marked_at);
                    if !suspect {
                        continue;
                    }
                    let change = Change::Unknown {
                        class: ErrorClass::ReusedTaskId,
                        reason: format!(
                            "the server gave this row's task id {task_id} to another job too (row {}), so an answer through it may be another lead's; this row's own job may exist (--resubmit-unknown sends it again, which may pay twice)",
                            work.position
                        ),
                    };
                    self.ledger.store().record(holder.id, &change)?;
                    tracing::warn!(%task_id, row = work.position, other = holder.position, "a task id was handed out twice");
                }
                Ok(())
            });
        match result {
            Ok(()) => true,
            Err(err) => {
                lock(&self.control.unrecorded).push(Unrecorded {
                    position: work.position,
                    what: format!("task id {task_id}"),
                });
                self.control.fail(err.to_string());
                false
            }
        }
    }

    fn account_refused(&self, status: u16, reason: &str, before_any_submit: bool) {
        if !self.options.halt_on_account_error {
            return;
        }
        let first = lock(&self.control.halt).is_none();
        self.control.halt(Halt {
            status,
            reason: reason.to_owned(),
            before_any_submit,
        });
        if first {
            self.emit(Event::Halted {
                status,
                reason: reason.to_owned(),
            });
        }
    }
}

/// One row: submit (when pending) and wait, recording each step.
async fn row_step(cx: &Cx<'_>, work: Work) {
    // Read after the `submitting` mark: `updated_at` is when the mark was made.
    let row = match cx.ledger.store().row(work.id) {
        Ok(row) => row,
        Err(err) => {
            cx.control.fail(err.to_string());
            return;
        }
    };
    if work.state == RowState::Submitted && row.state != RowState::Submitted {
        // Its task id went to another row's job since the run began.
        cx.settle(&work, row.state);
        return;
    }
    let marked_at = row.updated_at;
    let lead = match serde_json::from_str::<Value>(&row.lead) {
        Ok(Value::Object(lead)) => lead,
        _ => Map::new(),
    };
    let task_id = match (&work.state, &work.task_id) {
        (RowState::Submitted, Some(task_id)) => {
            cx.emit(Event::Resuming {
                position: work.position,
                task_id: task_id.clone(),
            });
            match TaskId::new(task_id.as_str()) {
                Ok(task_id) => task_id,
                Err(err) => {
                    let reason = format!(
                        "the journal holds a task id that cannot be valid ({err}); the job cannot be followed"
                    );
                    let change = Change::Unknown {
                        class: ErrorClass::Gone,
                        reason,
                    };
                    if cx.record(&work, &change) {
                        cx.settle(&work, change.state());
                    }
                    return;
                }
            }
        }
        _ => {
            let request = cx.ledger.template.request(lead.clone());
            cx.emit(Event::Submitting {
                position: work.position,
            });
            let outcome = tokio::select! {
                outcome = cx.ledger.api.submit(&request, cx.options.deadline) => outcome,
                () = cx.control.until(|f| f.cancel_submits) => SubmitOutcome::MaybeSubmitted {
                    reason: "the run was interrupted while the submit was under way".into(),
                },
            };
            let change = submit_change(&outcome);
            if let SubmitOutcome::Accepted { task_id } = &outcome
                && !cx.release_reused(&work, task_id, marked_at)
            {
                return;
            }
            if !cx.record(&work, &change) {
                return;
            }
            match outcome {
                SubmitOutcome::Accepted { task_id } => {
                    cx.emit(Event::Submitted {
                        position: work.position,
                        task_id: task_id.as_str().to_owned(),
                    });
                    task_id
                }
                SubmitOutcome::AccountRefused { status, reason } => {
                    cx.account_refused(status, &reason, false);
                    cx.settle(&work, RowState::Pending);
                    return;
                }
                SubmitOutcome::PastDeadline { .. } => {
                    if cx.options.deadline.is_some() {
                        cx.control.deadline();
                    }
                    cx.settle(&work, RowState::Pending);
                    return;
                }
                _ => {
                    cx.settle(&work, change.state());
                    return;
                }
            }
        }
    };
    if cx.control.flags().cancel_waits {
        cx.settle(&work, RowState::Submitted);
        return;
    }
    let limit = Instant::now() + cx.options.job_timeout;
    let until = cx.options.deadline.map_or(limit, |d| d.min(limit));
    // The client ends a wait a little before its bound so that its last poll fits; a job
    // still running then was stopped by the run's deadline, not by its own time limit.
    let bound_by_deadline = cx.options.deadline == Some(until);
    let outcome = tokio::select! {
        outcome = cx.ledger.api.wait(&task_id, until) => outcome,
        () = cx.control.until(|f| f.cancel_waits) => {
            cx.settle(&work, RowState::Submitted);
            return;
        }
    };
    // The row may have left `submitted` meanwhile (its task id was handed to another row):
    // an answer through that id is then nobody's.
    match cx.ledger.store().row(work.id) {
        Ok(row)
            if row.state != RowState::Submitted
                || row.task_id.as_deref() != Some(task_id.as_str()) =>
        {
            cx.settle(&work, row.state);
            return;
        }
        Ok(_) => {}
        Err(err) => {
            cx.control.fail(err.to_string());
            return;
        }
    }
    let change = wait_change(&outcome, cx.ledger.template.schema(), &lead);
    if !cx.record(&work, &change) {
        return;
    }
    match &outcome {
        WaitOutcome::AccountRefused { status, reason } => {
            cx.account_refused(*status, reason, false);
        }
        WaitOutcome::StillRunning { .. } if bound_by_deadline => cx.control.deadline(),
        _ => {}
    }
    cx.settle(&work, change.state());
}

async fn changed(rx: &mut Option<watch::Receiver<bool>>) -> bool {
    match rx {
        Some(receiver) => match receiver.changed().await {
            Ok(()) => *receiver.borrow(),
            Err(_) => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

async fn sleep_or_never(sleep: &mut Option<Pin<Box<tokio::time::Sleep>>>) {
    match sleep {
        Some(sleep) => sleep.as_mut().await,
        None => std::future::pending().await,
    }
}

/// Runs the work of the current input; see the module documentation.
pub(crate) async fn dispatch(
    ledger: &Ledger,
    options: &RunOptions,
    settled: Option<mpsc::UnboundedSender<(RowId, RowKey)>>,
) -> Result<RunReport, LedgerError> {
    let generation = ledger.generation;
    let (work, before) = {
        let store = ledger.store();
        let work = store
            .work(generation)
            .map_err(|source| ledger.store_error(source))?;
        let counts = store
            .counts(generation)
            .map_err(|source| ledger.store_error(source))?;
        (work, counts)
    };
    let control = Control::new();
    let cx = Cx {
        ledger,
        options,
        control: &control,
        settled: settled.as_ref(),
    };
    let to_submit = work.iter().filter(|w| w.state == RowState::Pending).count() as u64;
    cx.emit(Event::Started {
        rows: before.total(),
        finished: before.completed + before.failed + before.unknown,
        to_submit,
        to_wait: work.len() as u64 - to_submit,
    });
    let mut stop = options.stop.as_ref().map(crate::run::StopSignal::subscribe);
    if options
        .stop
        .as_ref()
        .is_some_and(crate::run::StopSignal::is_interrupted)
    {
        control.interrupt();
    }
    let mut queue: VecDeque<Work> = work.into();

    // A request that costs nothing, before the first submit: a refused key stops the run
    // before anything is paid.
    if options.check_key && to_submit > 0 && !control.flags().stop_new {
        let check = tokio::select! {
            check = ledger.api.check_key(options.deadline) => Some(check),
            _ = changed(&mut stop) => None,
        };
        match check {
            Some(KeyCheck::Refused { status, reason }) if options.halt_on_account_error => {
                cx.account_refused(status, &reason, true);
                queue.clear();
            }
            Some(KeyCheck::Refused { reason, .. } | KeyCheck::Inconclusive { reason }) => {
                tracing::debug!(%reason, "key check inconclusive; going on");
            }
            Some(_) => {}
            None => control.interrupt(),
        }
    }

    let scheduling = if options.schedule {
        ledger.api.scheduling()
    } else {
        None
    };
    if let Some(scheduling) = scheduling {
        scheduled::run(&cx, options, &mut queue, &mut stop, scheduling).await;
    } else {
        per_row(&cx, options, &mut queue, &mut stop).await;
    }
    // Submits and waits are cut off at the deadline by themselves; the loop may not have seen
    // the instant pass.
    if options.deadline.is_some_and(|d| Instant::now() >= d)
        && (!queue.is_empty() || control.left.load(Ordering::Relaxed) > 0)
    {
        control.deadline_passed.store(true, Ordering::SeqCst);
    }
    let counts = ledger.store().counts(generation);
    let failure = lock(&control.failure).clone();
    let counts = match (counts, &failure) {
        (Ok(counts), _) => counts,
        (Err(err), None) => return Err(ledger.store_error(err)),
        (Err(_), Some(_)) => before,
    };
    let report = RunReport {
        counts,
        submits: control.submits.load(Ordering::Relaxed),
        halted: lock(&control.halt).clone(),
        interrupted: control.interrupted.load(Ordering::SeqCst),
        deadline_passed: control.deadline_passed.load(Ordering::SeqCst),
        store_failure: failure,
        unrecorded: lock(&control.unrecorded).clone(),
    };
    *lock(&ledger.last_report) = Some(report.clone());
    Ok(report)
}

/// Says once why the run is draining.
fn say_draining(cx: &Cx<'_>) {
    let control = cx.control;
    let reason = if control.failure.lock().map(|f| f.is_some()).unwrap_or(true) {
        StopReason::StoreFailed
    } else if control.interrupted.load(Ordering::SeqCst) {
        StopReason::Interrupted
    } else if control.deadline_passed.load(Ordering::SeqCst) {
        StopReason::Deadline
    } else {
        StopReason::Halted
    };
    cx.emit(Event::Draining { reason });
}

/// Each row submitted and waited for on its own, at most [`RunOptions::max_in_flight`] at once
/// (16 unless set).
async fn per_row(
    cx: &Cx<'_>,
    options: &RunOptions,
    queue: &mut VecDeque<Work>,
    stop: &mut Option<watch::Receiver<bool>>,
) {
    let control = cx.control;
    let ledger = cx.ledger;
    let max = options.max_in_flight.unwrap_or(16).max(1);
    let mut running = FuturesUnordered::new();
    let mut grace: Option<Pin<Box<tokio::time::Sleep>>> = None;
    let mut deadline = options
        .deadline
        .map(|d| Box::pin(tokio::time::sleep_until(d)));
    let mut draining_said = false;
    loop {
        // Take rows while there is room and nothing says stop.
        while !control.flags().stop_new && running.len() < max {
            let Some(head) = queue.front() else { break };
            let now = Instant::now();
            if options.deadline.is_some_and(|d| now >= d) {
                control.deadline();
                break;
            }
            if head.state == RowState::Submitted {
                if let Some(work) = queue.pop_front() {
                    running.push(row_step(cx, work));
                }
                continue;
            }
            if options
                .deadline
                .is_some_and(|d| now + options.submit_margin >= d)
            {
                control.deadline();
                break;
            }
            let room = max - running.len();
            let mut batch = Vec::with_capacity(room);
            while batch.len() < room && queue.front().is_some_and(|w| w.state == RowState::Pending)
            {
                if let Some(work) = queue.pop_front() {
                    batch.push(work);
                }
            }
            let ids: Vec<RowId> = batch.iter().map(|w| w.id).collect();
            // The mark is on disk before any of these requests leaves.
            if let Err(err) = ledger.store().mark_submitting(&ids) {
                control.fail(err.to_string());
                break;
            }
            control
                .submits
                .fetch_add(ids.len() as u64, Ordering::Relaxed);
            for work in batch {
                running.push(row_step(cx, work));
            }
        }
        let flags = control.flags();
        if flags.stop_new && !draining_said && !running.is_empty() {
            draining_said = true;
            say_draining(cx);
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            _ = running.next() => {
                // Take every row that is already done, so that the next batch of
                // `submitting` marks shares one synced commit.
                while let Some(Some(())) = running.next().now_or_never() {}
            }
            interrupted = changed(stop) => {
                if interrupted && !control.interrupted.load(Ordering::SeqCst) {
                    control.interrupt();
                    grace = Some(Box::pin(tokio::time::sleep(options.drain_grace)));
                }
            }
            () = sleep_or_never(&mut grace) => {
                grace = None;
                control.update(|f| f.cancel_submits = true);
            }
            () = sleep_or_never(&mut deadline) => {
                deadline = None;
                control.deadline();
            }
        }
    }
}

/// The future of one run, boxed.
pub(crate) type Dispatch<'a> =
    Pin<Box<dyn Future<Output = Result<RunReport, LedgerError>> + Send + 'a>>;

impl Ledger {
    /// Runs the current input: submits its pending rows and waits for its submitted ones, with
    /// at most [`RunOptions::max_in_flight`] jobs at once, until every row is settled or the
    /// run stops (see [`RunReport`]). Over the client's API a scheduler spends the key's
    /// request budget on submits and polls (see [`RunOptions::schedule`]). Feed an input with
    /// [`sync`](Ledger::sync) first.
    pub async fn dispatch(&self, options: &RunOptions) -> Result<RunReport, LedgerError> {
        dispatch(self, options, None).await
    }

    pub(crate) fn dispatch_boxed<'a>(
        &'a self,
        options: &'a RunOptions,
        settled: mpsc::UnboundedSender<(RowId, RowKey)>,
    ) -> Dispatch<'a> {
        Box::pin(dispatch(self, options, Some(settled)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_for_outcomes() {
        let rows = [
            (
                SubmitOutcome::Accepted {
                    task_id: TaskId::new("t").unwrap(),
                },
                RowState::Submitted,
                None,
            ),
            (
                SubmitOutcome::MaybeSubmitted {
                    reason: "502".into(),
                },
                RowState::Unknown,
                Some(ErrorClass::MaybeSubmitted),
            ),
            (
                SubmitOutcome::NotSent {
                    reason: "refused".into(),
                },
                RowState::Pending,
                Some(ErrorClass::NotSent),
            ),
            (
                SubmitOutcome::PastDeadline {
                    reason: "Retry-After past the deadline".into(),
                },
                RowState::Pending,
                Some(ErrorClass::NotSent),
            ),
            (
                SubmitOutcome::AccountRefused {
                    status: 401,
                    reason: "key".into(),
                },
                RowState::Pending,
                Some(ErrorClass::Account),
            ),
            (
                SubmitOutcome::RateLimited {
                    reason: "429".into(),
                },
                RowState::Pending,
                Some(ErrorClass::RateLimited),
            ),
            (
                SubmitOutcome::Rejected {
                    status: 400,
                    reason: "bad".into(),
                },
                RowState::Failed,
                None,
            ),
        ];
        for (outcome, state, class) in rows {
            let change = submit_change(&outcome);
            assert_eq!(change.state(), state, "{outcome:?}");
            let got = match &change {
                Change::Unknown { class, .. } | Change::Pending { class, .. } => Some(*class),
                _ => None,
            };
            assert_eq!(got, class, "{outcome:?}");
        }
    }

    #[test]
    fn a_completed_answer_is_kept_raw_and_cast() {
        let schema = Schema::from_json(&json!({
            "employees": {"description": "Company size", "type": "int"},
            "profile": {"description": "Profile", "type": "dict"},
        }))
        .unwrap();
        let raw = json!({"notes": "n", "structured_data": {"employees": "1,200", "profile": "{\"a\": 1}"}, "findings": [], "references": {}, "confidence_score": 7.5});
        let result = serde_json::from_value::<EnrichResult>(raw.clone()).unwrap();
        let outcome = WaitOutcome::Completed {
            result: Box::new(result),
        };
        match wait_change(&outcome, &schema, &Map::new()) {
            Change::Completed {
                raw_answer,
                cast_answer,
                cast_error,
            } => {
                assert_eq!(serde_json::from_str::<Value>(&raw_answer).unwrap(), raw);
                assert_eq!(
                    serde_json::from_str::<Value>(&cast_answer.unwrap()).unwrap(),
                    json!({"employees": 1200, "profile": {"a": 1}})
                );
                assert_eq!(cast_error, None);
            }
            other => panic!("{other:?}"),
        }
        // A value that does not fit is recorded beside the raw answer, which is kept.
        let bad = serde_json::from_value::<EnrichResult>(
            json!({"structured_data": {"employees": "many"}}),
        )
        .unwrap();
        match wait_change(
            &WaitOutcome::Completed {
                result: Box::new(bad),
            },
            &schema,
            &Map::new(),
        ) {
            Change::Completed {
                raw_answer,
                cast_answer,
                cast_error,
            } => {
                assert!(raw_answer.contains("many"));
                assert_eq!(cast_answer, None);
                assert!(cast_error.unwrap().contains("employees"));
            }
            other => panic!("{other:?}"),
        }
        let rows = [
            (
                WaitOutcome::JobFailed { reason: "x".into() },
                RowState::Failed,
            ),
            (WaitOutcome::Gone { reason: "x".into() }, RowState::Unknown),
            (
                WaitOutcome::Unreadable { reason: "x".into() },
                RowState::Unknown,
            ),
            (
                WaitOutcome::StillRunning { reason: "x".into() },
                RowState::Submitted,
            ),
            (
                WaitOutcome::AccountRefused {
                    status: 401,
                    reason: "x".into(),
                },
                RowState::Submitted,
            ),
        ];
        for (outcome, state) in rows {
            assert_eq!(wait_change(&outcome, &schema, &Map::new()).state(), state);
        }
    }
}
