//! The run driven by the client's [`Scheduler`]: one request budget for the submits and the
//! polls of the whole batch. The scheduler decides which request goes next (a poll that is due,
//! or a submit while the budget sustains more jobs in flight); this loop sends it, records what
//! came back with the same row steps as the per-row path ([`submit_change`],
//! [`wait_change`]), and tells the scheduler. Rows are marked `submitting` on disk before
//! their requests leave; every stop (halt, interrupt, deadline, store failure) drains as the
//! per-row path does.
//!
//! - `-j` ([`RunOptions::max_in_flight`]) is a ceiling; by default the scheduler keeps as many
//!   jobs in flight as the budget sustains, at most [`SAFE_MAX_IN_FLIGHT`].
//! - A server's `Retry-After` on a poll holds back every request of the run (the client's rate
//!   limiter holds back every request of the key too).
//! - A submit refused for the key's limit on active jobs leaves its row `pending`, lowers the
//!   scheduler's ceiling to the jobs running, and the row is sent again once one ends.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;

use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt};
use serde_json::{Map, Value};
use sixtyfour::scheduler::{
    Action, JobId, Next, PollAnswer, Reading, SAFE_MAX_IN_FLIGHT, Scheduler, SchedulerConfig, Seen,
};
use sixtyfour::webhook::WebhookEvent;
use sixtyfour::{JobState, TaskId};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::{Cx, changed, sleep_or_never, submit_change, wait_change};
use crate::api::{PollOutcome, Scheduling, SubmitOutcome, WaitOutcome};
use crate::run::RunOptions;
use crate::state::{ErrorClass, RowState};
use crate::store::{Change, Work};

/// A request that answered.
enum Done {
    Submit {
        work: Work,
        lead: Map<String, Value>,
        marked_at: i64,
        sent: Instant,
        outcome: SubmitOutcome,
    },
    Poll {
        id: JobId,
        sent: Instant,
        outcome: PollOutcome,
    },
}

type Request<'a> = Pin<Box<dyn Future<Output = Done> + Send + 'a>>;

/// A job the run follows.
struct Job {
    work: Work,
    task_id: TaskId,
    lead: Map<String, Value>,
    /// When this run began following it.
    since: Instant,
}

/// The scheduler's configuration for a run.
fn config(options: &RunOptions, scheduling: Scheduling) -> SchedulerConfig {
    let mut config = SchedulerConfig::new(scheduling.rate_limit);
    config.max_in_flight = options.max_in_flight.unwrap_or(SAFE_MAX_IN_FLIGHT).max(1);
    config.floor = scheduling.poll;
    config.horizon = options.job_timeout;
    if options.callbacks.is_some() {
        config.callbacks = sixtyfour::scheduler::Callbacks::Results;
    }
    if let Ok(cap) = std::time::Duration::try_from_secs_f64(
        config.lag_target.at_most.as_secs_f64() * options.time_scale,
    ) {
        config.lag_target.at_most = cap;
    }
    config
}

fn lead_of(text: &str) -> Map<String, Value> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(lead)) => lead,
        _ => Map::new(),
    }
}

struct Run<'c, 'a> {
    cx: &'c Cx<'a>,
    options: &'c RunOptions,
    scheduler: Scheduler,
    jobs: HashMap<JobId, Job>,
    /// The jobs by task id, for callbacks.
    by_task: HashMap<String, JobId>,
    /// Callbacks that came before their submit's answer was recorded.
    early: HashMap<String, WaitOutcome>,
    pending: VecDeque<Work>,
}

impl<'c, 'a> Run<'c, 'a> {
    /// Leaves a job to a later run: it stays `submitted`, with `note` recorded when given.
    fn leave(&mut self, id: JobId, note: Option<String>) {
        self.scheduler.forget(id);
        if let Some(job) = self.jobs.remove(&id) {
            self.by_task.remove(job.task_id.as_str());
            if let Some(note) = note {
                let change = Change::Waiting {
                    class: ErrorClass::StillRunning,
                    note,
                };
                if !self.cx.record(&job.work, &change) {
                    return;
                }
            }
            self.cx.settle(&job.work, RowState::Submitted);
        }
    }

    /// Leaves every job not being polled now.
    fn leave_all(&mut self, note: Option<&str>, polling: &[JobId]) {
        let ids: Vec<JobId> = self
            .jobs
            .keys()
            .copied()
            .filter(|id| !polling.contains(id))
            .collect();
        for id in ids {
            self.leave(id, note.map(str::to_owned));
        }
    }

    /// A row submitted by an earlier run, to follow again.
    fn resume(&mut self, work: Work, now: Instant) {
        let row = match self.cx.ledger.store().row(work.id) {
            Ok(row) => row,
            Err(err) => {
                self.cx.control.fail(err.to_string());
                return;
            }
        };
        if row.state != RowState::Submitted {
            // Its task id went to another row's job since the run began.
            self.cx.settle(&work, row.state);
            return;
        }
        let Some(text) = work.task_id.clone() else {
            self.cx.settle(&work, row.state);
            return;
        };
        self.cx.emit(crate::run::Event::Resuming {
            position: work.position,
            task_id: text.clone(),
        });
        match TaskId::new(text) {
            Ok(task_id) => {
                let id = self.scheduler.resumed(now);
                self.by_task.insert(task_id.as_str().to_owned(), id);
                self.jobs.insert(
                    id,
                    Job {
                        work,
                        task_id,
                        lead: lead_of(&row.lead),
                        since: now,
                    },
                );
            }
            Err(err) => {
                let change = Change::Unknown {
                    class: ErrorClass::Gone,
                    reason: format!(
                        "the journal holds a task id that cannot be valid ({err}); the job cannot be followed"
                    ),
                };
                if self.cx.record(&work, &change) {
                    self.cx.settle(&work, change.state());
                }
            }
        }
    }

    /// What a submit brought.
    fn submitted(
        &mut self,
        work: Work,
        lead: Map<String, Value>,
        marked_at: i64,
        sent: Instant,
        outcome: SubmitOutcome,
    ) {
        let cx = self.cx;
        let change = submit_change(&outcome);
        if let SubmitOutcome::Accepted { task_id } = &outcome
            && !cx.release_reused(&work, task_id, marked_at)
        {
            self.scheduler.submit_refused(false);
            return;
        }
        if !cx.record(&work, &change) {
            self.scheduler.submit_refused(false);
            return;
        }
        match outcome {
            SubmitOutcome::Accepted { task_id } => {
                cx.emit(crate::run::Event::Submitted {
                    position: work.position,
                    task_id: task_id.as_str().to_owned(),
                });
                let now = Instant::now();
                let id = self.scheduler.submit_accepted(sent, now);
                if cx.control.flags().cancel_waits {
                    self.scheduler.forget(id);
                    cx.settle(&work, RowState::Submitted);
                } else if self.options.deadline.is_some_and(|d| now >= d) {
                    self.scheduler.forget(id);
                    cx.control.deadline();
                    let change = Change::Waiting {
                        class: ErrorClass::StillRunning,
                        note: still_running("the run's deadline"),
                    };
                    if cx.record(&work, &change) {
                        cx.settle(&work, RowState::Submitted);
                    }
                } else {
                    self.by_task.insert(task_id.as_str().to_owned(), id);
                    let early = self.early.remove(task_id.as_str());
                    let key = task_id.as_str().to_owned();
                    self.jobs.insert(
                        id,
                        Job {
                            work,
                            task_id,
                            lead,
                            since: now,
                        },
                    );
                    if let Some(outcome) = early {
                        self.end_called_back(&key, outcome);
                    }
                }
            }
            SubmitOutcome::ActiveJobLimit { .. } => {
                self.scheduler.submit_refused(true);
                // Sent again once a job ends; with no job of this run to wait for, it is left
                // to a later run.
                if self.jobs.is_empty() || cx.control.flags().stop_new {
                    cx.settle(&work, RowState::Pending);
                } else {
                    self.pending.push_front(Work {
                        state: RowState::Pending,
                        ..work
                    });
                }
            }
            SubmitOutcome::AccountRefused { status, reason } => {
                self.scheduler.submit_refused(false);
                cx.account_refused(status, &reason, false);
                cx.settle(&work, RowState::Pending);
            }
            SubmitOutcome::PastDeadline { .. } => {
                self.scheduler.submit_refused(false);
                if self.options.deadline.is_some() {
                    cx.control.deadline();
                }
                cx.settle(&work, RowState::Pending);
            }
            _ => {
                self.scheduler.submit_refused(false);
                cx.settle(&work, change.state());
            }
        }
    }

    /// What a poll brought.
    fn polled(&mut self, id: JobId, sent: Instant, outcome: PollOutcome) {
        let now = Instant::now();
        let Some(job) = self.jobs.get(&id) else {
            self.scheduler.poll_done(id, sent, now, PollAnswer::Dropped);
            return;
        };
        let timed_out = now.saturating_duration_since(job.since) >= self.options.job_timeout;
        let past_deadline = self.options.deadline.is_some_and(|d| now >= d);
        match outcome {
            PollOutcome::Running { processed, total } => {
                let answer = PollAnswer::Running {
                    reading: Reading::from_counts(processed, total),
                    retry_after: None,
                };
                let next = self.scheduler.poll_done(id, sent, now, answer);
                if past_deadline {
                    self.cx.control.deadline();
                    self.leave(id, Some(still_running("the run's deadline")));
                } else if next == Next::GiveUp || timed_out {
                    self.leave(id, Some(still_running("--job-timeout")));
                }
            }
            PollOutcome::Failed {
                reason,
                retry_after,
            } => {
                if let Some(wait) = retry_after
                    && let Some(until) = now.checked_add(wait)
                {
                    self.scheduler.pause_until(until);
                }
                self.scheduler.poll_done(id, sent, now, PollAnswer::Failed);
                if past_deadline {
                    self.cx.control.deadline();
                    self.leave(id, Some(reason));
                } else if timed_out {
                    self.leave(id, Some(reason));
                }
            }
            PollOutcome::Ended(outcome) => self.ended(id, sent, now, outcome),
        }
    }

    fn ended(&mut self, id: JobId, sent: Instant, now: Instant, outcome: WaitOutcome) {
        let answer = match outcome {
            WaitOutcome::Completed { .. } | WaitOutcome::JobFailed { .. } => PollAnswer::Ended,
            _ => PollAnswer::Dropped,
        };
        self.scheduler.poll_done(id, sent, now, answer);
        self.finish(id, outcome);
    }

    /// A callback: the job's end, with its result.
    fn called_back(&mut self, event: WebhookEvent) {
        let outcome = match (event.status, event.result) {
            (JobState::Completed, Some(result)) => WaitOutcome::Completed {
                result: Box::new(result),
            },
            (JobState::Failed, _) => WaitOutcome::JobFailed {
                reason: event.error.unwrap_or_else(|| "no reason given".into()),
            },
            // Not an end with a result: the job is found by a poll.
            _ => return,
        };
        self.end_called_back(event.task_id.as_str(), outcome);
    }

    /// The end a callback reported for `task_id`.
    fn end_called_back(&mut self, task_id: &str, outcome: WaitOutcome) {
        let Some(&id) = self.by_task.get(task_id) else {
            if self.early.len() < 100_000 {
                self.early.insert(task_id.to_owned(), outcome);
            }
            return;
        };
        self.scheduler.ended(id, Instant::now(), Seen::Callback);
        self.finish(id, outcome);
    }

    /// Records how job `id` ended.
    fn finish(&mut self, id: JobId, outcome: WaitOutcome) {
        let cx = self.cx;
        let Some(job) = self.jobs.remove(&id) else {
            return;
        };
        self.by_task.remove(job.task_id.as_str());
        // The row may have left `submitted` meanwhile (its task id was handed to another
        // row): an answer through that id is then nobody's.
        match cx.ledger.store().row(job.work.id) {
            Ok(row)
                if row.state != RowState::Submitted
                    || row.task_id.as_deref() != Some(job.task_id.as_str()) =>
            {
                cx.settle(&job.work, row.state);
                return;
            }
            Ok(_) => {}
            Err(err) => {
                cx.control.fail(err.to_string());
                return;
            }
        }
        let change = wait_change(&outcome, cx.ledger.template.schema(), &job.lead);
        if !cx.record(&job.work, &change) {
            return;
        }
        if let WaitOutcome::AccountRefused { status, reason } = &outcome {
            cx.account_refused(*status, reason, false);
        }
        cx.settle(&job.work, change.state());
    }
}

fn still_running(bound: &str) -> String {
    format!("still running when {bound} came; a later run waits again")
}

/// Runs `queue` under the scheduler; see the module documentation.
pub(super) async fn run(
    cx: &Cx<'_>,
    options: &RunOptions,
    queue: &mut VecDeque<Work>,
    stop: &mut Option<watch::Receiver<bool>>,
    scheduling: Scheduling,
) {
    let control = cx.control;
    if control.flags().cancel_waits {
        return;
    }
    let start = Instant::now();
    let mut run = Run {
        cx,
        options,
        scheduler: Scheduler::new(config(options, scheduling), start),
        jobs: HashMap::new(),
        by_task: HashMap::new(),
        early: HashMap::new(),
        pending: VecDeque::new(),
    };
    let callbacks = options.callbacks.as_ref().map(crate::Callbacks::events);
    let mut callbacks = match &callbacks {
        Some(events) => Some(events.lock().await),
        None => None,
    };
    for work in queue.drain(..) {
        if work.state == RowState::Submitted {
            if !control.flags().cancel_waits {
                run.resume(work, start);
            }
        } else {
            run.pending.push_back(work);
        }
    }
    let mut submits: FuturesUnordered<Request<'_>> = FuturesUnordered::new();
    let mut polls: FuturesUnordered<Request<'_>> = FuturesUnordered::new();
    let mut polling: Vec<JobId> = Vec::new();
    let mut grace: Option<Pin<Box<tokio::time::Sleep>>> = None;
    let mut deadline = options
        .deadline
        .map(|d| Box::pin(tokio::time::sleep_until(d)));
    let mut draining_said = false;
    let mut waits_cancelled = false;
    loop {
        let flags = control.flags();
        if flags.cancel_waits && !waits_cancelled {
            // Waits end at once: the jobs stay `submitted` for a later run.
            waits_cancelled = true;
            polls = FuturesUnordered::new();
            polling.clear();
            run.leave_all(None, &[]);
        }
        // The requests due now.
        let mut wake = None;
        loop {
            let now = Instant::now();
            let flags = control.flags();
            let mut rows = if flags.stop_new { 0 } else { run.pending.len() };
            if rows > 0
                && let Some(d) = options.deadline
                && now + options.submit_margin >= d
            {
                control.deadline();
                rows = 0;
            }
            if flags.cancel_waits && rows == 0 {
                break;
            }
            match run.scheduler.next_action(now, rows) {
                Action::Submit(n) => {
                    let batch: Vec<Work> = (0..n).filter_map(|_| run.pending.pop_front()).collect();
                    for _ in batch.len()..n {
                        run.scheduler.submit_refused(false);
                    }
                    let ids: Vec<_> = batch.iter().map(|w| w.id).collect();
                    // The mark is on disk before any of these requests leaves.
                    if let Err(err) = cx.ledger.store().mark_submitting(&ids) {
                        control.fail(err.to_string());
                        for _ in &batch {
                            run.scheduler.submit_refused(false);
                        }
                        break;
                    }
                    control
                        .submits
                        .fetch_add(ids.len() as u64, Ordering::Relaxed);
                    for work in batch {
                        // Read after the mark: `updated_at` is when the mark was made.
                        let row = match cx.ledger.store().row(work.id) {
                            Ok(row) => row,
                            Err(err) => {
                                control.fail(err.to_string());
                                run.scheduler.submit_refused(false);
                                continue;
                            }
                        };
                        let lead = lead_of(&row.lead);
                        let request = cx.ledger.template.request(lead.clone());
                        cx.emit(crate::run::Event::Submitting {
                            position: work.position,
                        });
                        let marked_at = row.updated_at;
                        let bound = options.deadline;
                        submits.push(Box::pin(async move {
                            let sent = Instant::now();
                            let outcome = tokio::select! {
                                outcome = cx.ledger.api.submit(&request, bound) => outcome,
                                () = control.until(|f| f.cancel_submits) => SubmitOutcome::MaybeSubmitted {
                                    reason: "the run was interrupted while the submit was under way".into(),
                                },
                            };
                            Done::Submit {
                                work,
                                lead,
                                marked_at,
                                sent,
                                outcome,
                            }
                        }));
                    }
                }
                Action::Poll(id) => {
                    let Some(job) = run.jobs.get(&id) else {
                        run.scheduler.poll_done(id, now, now, PollAnswer::Dropped);
                        continue;
                    };
                    let task_id = job.task_id.clone();
                    let bound = options.deadline;
                    polling.push(id);
                    polls.push(Box::pin(async move {
                        let sent = Instant::now();
                        let outcome = cx.ledger.api.poll(&task_id, bound).await;
                        Done::Poll { id, sent, outcome }
                    }));
                }
                Action::Wait(at) => {
                    wake = Some(at);
                    break;
                }
                Action::Idle => break,
            }
        }
        let flags = control.flags();
        let busy = !submits.is_empty() || !polls.is_empty() || !run.jobs.is_empty();
        if flags.stop_new && !draining_said && busy {
            draining_said = true;
            super::say_draining(cx);
        }
        let rows_left = !flags.stop_new && !run.pending.is_empty();
        if !busy && !rows_left {
            break;
        }
        let mut wake_sleep = wake.map(|at| Box::pin(tokio::time::sleep_until(at)));
        tokio::select! {
            Some(done) = submits.next(), if !submits.is_empty() => {
                handle(&mut run, &mut polling, done);
                while let Some(Some(done)) = submits.next().now_or_never() {
                    handle(&mut run, &mut polling, done);
                }
            }
            Some(done) = polls.next(), if !polls.is_empty() => {
                handle(&mut run, &mut polling, done);
                while let Some(Some(done)) = polls.next().now_or_never() {
                    handle(&mut run, &mut polling, done);
                }
            }
            Some(event) = next_callback(&mut callbacks) => {
                run.called_back(event);
            }
            () = sleep_or_never(&mut wake_sleep) => {}
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
                let note = still_running("the run's deadline");
                run.leave_all(Some(&note), &polling);
            }
        }
    }
    // Rows never taken stay where they are (`pending`); the caller reports them.
    queue.extend(run.pending.drain(..));
}

async fn next_callback(
    events: &mut Option<tokio::sync::MutexGuard<'_, mpsc::UnboundedReceiver<WebhookEvent>>>,
) -> Option<WebhookEvent> {
    match events {
        Some(events) => events.recv().await,
        None => std::future::pending().await,
    }
}

fn handle(run: &mut Run<'_, '_>, polling: &mut Vec<JobId>, done: Done) {
    match done {
        Done::Submit {
            work,
            lead,
            marked_at,
            sent,
            outcome,
        } => run.submitted(work, lead, marked_at, sent, outcome),
        Done::Poll { id, sent, outcome } => {
            polling.retain(|p| *p != id);
            run.polled(id, sent, outcome);
        }
    }
}
