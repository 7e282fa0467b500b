//! How a run is told what to do (bounds, deadline, halt policy, stop signal, progress events)
//! and what it reports.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::callbacks::Callbacks;
use crate::state::RowState;
use crate::store::Counts;

/// A progress event, for a progress bar or a log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The run begins.
    Started {
        /// Rows of the input.
        rows: u64,
        /// Rows already finished in earlier runs.
        finished: u64,
        /// Rows to submit.
        to_submit: u64,
        /// Submitted rows to wait for.
        to_wait: u64,
    },
    /// A row's submit is about to leave (its `submitting` mark is on disk).
    Submitting {
        /// Its position in the input.
        position: u64,
    },
    /// A row submitted in an earlier run is waited for again.
    Resuming {
        /// Its position in the input.
        position: u64,
        /// The job.
        task_id: String,
    },
    /// A row's submit got a task id.
    Submitted {
        /// Its position in the input.
        position: u64,
        /// The job.
        task_id: String,
    },
    /// A row reached the state it ends this run in.
    Settled {
        /// Its position in the input.
        position: u64,
        /// The state.
        state: RowState,
    },
    /// The account refused a request; no more submits in this run.
    Halted {
        /// The status (401, 402, 403).
        status: u16,
        /// In words.
        reason: String,
    },
    /// The run stopped taking rows and is letting requests in flight settle.
    Draining {
        /// Why.
        reason: StopReason,
    },
}

/// Why a run stopped taking rows before the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// The account refused a request.
    Halted,
    /// [`StopSignal::interrupt`] was called (Ctrl-C).
    Interrupted,
    /// The run's deadline passed.
    Deadline,
    /// The ledger could not be written.
    StoreFailed,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::Halted => "the account refused a request",
            StopReason::Interrupted => "interrupted",
            StopReason::Deadline => "the deadline passed",
            StopReason::StoreFailed => "the ledger could not be written",
        })
    }
}

/// Receives progress events.
pub type EventSink = Arc<dyn Fn(&Event) + Send + Sync>;

/// Stops a run from outside (a Ctrl-C handler): no new rows are taken, waits end at once, and
/// submits already under way get [`RunOptions::drain_grace`] to answer.
///
/// ```
/// use sixtyfour_ledger::StopSignal;
///
/// let stop = StopSignal::new();
/// let handler = stop.clone();
/// assert!(!stop.is_interrupted());
/// handler.interrupt();
/// assert!(stop.is_interrupted());
/// ```
#[derive(Debug, Clone)]
pub struct StopSignal {
    sender: Arc<watch::Sender<bool>>,
}

impl Default for StopSignal {
    fn default() -> Self {
        StopSignal::new()
    }
}

impl StopSignal {
    /// A signal not yet given.
    pub fn new() -> Self {
        StopSignal {
            sender: Arc::new(watch::channel(false).0),
        }
    }

    /// Gives the signal.
    pub fn interrupt(&self) {
        self.sender.send_replace(true);
    }

    /// True once given.
    pub fn is_interrupted(&self) -> bool {
        *self.sender.borrow()
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<bool> {
        self.sender.subscribe()
    }
}

/// How a run goes.
///
/// ```
/// use std::time::Duration;
/// use sixtyfour_ledger::RunOptions;
///
/// let options = RunOptions::default()
///     .max_in_flight(32)
///     .deadline_in(Duration::from_secs(3600))
///     .job_timeout(Duration::from_secs(15 * 60));
/// assert_eq!(options.max_in_flight, Some(32));
/// assert!(options.schedule);
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct RunOptions {
    /// The most jobs in flight at once (submits and waits), at least 1: a ceiling. `None` (the
    /// default): as many as the key's request budget sustains, at most
    /// [`SAFE_MAX_IN_FLIGHT`](sixtyfour::scheduler::SAFE_MAX_IN_FLIGHT), when the run is
    /// scheduled; 16 otherwise.
    pub max_in_flight: Option<usize>,
    /// Drive the run with the client's scheduler when the API can poll a job once (default
    /// true): one request budget for submits and polls, each job polled when it is likely
    /// done, a 429's `Retry-After` holding back every request, a refusal for the key's limit
    /// on active jobs lowering the ceiling. Off, each row is submitted and waited for on its
    /// own.
    pub schedule: bool,
    /// The server's clock as a multiple of real time (an emulator's time scale; default 1):
    /// the scheduler's own fixed durations (the 30 s cap on the lag it aims at) are
    /// multiplied by it. The rate limit, the poll schedule and the timeouts come from the
    /// client and these options, already on that clock.
    pub time_scale: f64,
    /// Completion callbacks received during the run (a scheduled run only): their results are
    /// recorded as they come, and a job is polled only when its callback is late. Submit with
    /// the receiver's URL as the client's `webhook_url`.
    pub callbacks: Option<Callbacks>,
    /// Stop submitting at the first 401, 402 or 403 (default true). Off, every pending row
    /// is tried and refused rows stay `pending`.
    pub halt_on_account_error: bool,
    /// No submit starts after this instant, and every wait ends by it.
    pub deadline: Option<Instant>,
    /// How long one job is waited for before it is left `submitted` for a later run
    /// (default 20 minutes).
    pub job_timeout: Duration,
    /// No submit starts with less than this left before the deadline (default 1 s).
    pub submit_margin: Duration,
    /// After [`StopSignal::interrupt`], how long submits under way may take to answer before
    /// they are cut off and recorded `unknown` (default 10 s).
    pub drain_grace: Duration,
    /// Ask about an impossible task id before the first submit, which costs nothing and stops
    /// the run before any submit when the key is refused (default true).
    pub check_key: bool,
    /// Progress events.
    pub events: Option<EventSink>,
    /// A stop signal.
    pub stop: Option<StopSignal>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            max_in_flight: None,
            schedule: true,
            time_scale: 1.0,
            callbacks: None,
            halt_on_account_error: true,
            deadline: None,
            job_timeout: Duration::from_secs(20 * 60),
            submit_margin: Duration::from_secs(1),
            drain_grace: Duration::from_secs(10),
            check_key: true,
            events: None,
            stop: None,
        }
    }
}

impl fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunOptions")
            .field("max_in_flight", &self.max_in_flight)
            .field("schedule", &self.schedule)
            .field("time_scale", &self.time_scale)
            .field("callbacks", &self.callbacks)
            .field("halt_on_account_error", &self.halt_on_account_error)
            .field("deadline", &self.deadline)
            .field("job_timeout", &self.job_timeout)
            .field("submit_margin", &self.submit_margin)
            .field("drain_grace", &self.drain_grace)
            .field("check_key", &self.check_key)
            .field("events", &self.events.is_some())
            .field("stop", &self.stop)
            .finish()
    }
}

impl RunOptions {
    /// The most jobs in flight at once.
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = Some(n.max(1));
        self
    }

    /// Whether the scheduler drives the run (see [`RunOptions::schedule`](RunOptions#structfield.schedule)).
    pub fn schedule(mut self, schedule: bool) -> Self {
        self.schedule = schedule;
        self
    }

    /// The server's clock as a multiple of real time (see
    /// [`RunOptions::time_scale`](RunOptions#structfield.time_scale)).
    pub fn time_scale(mut self, scale: f64) -> Self {
        if scale.is_finite() && scale > 0.0 {
            self.time_scale = scale;
        }
        self
    }

    /// Completion callbacks for the run (see [`Callbacks`]).
    pub fn callbacks(mut self, callbacks: Callbacks) -> Self {
        self.callbacks = Some(callbacks);
        self
    }

    /// The halt policy for 401, 402 and 403.
    pub fn halt_on_account_error(mut self, halt: bool) -> Self {
        self.halt_on_account_error = halt;
        self
    }

    /// The run's deadline.
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The run's deadline, from now.
    pub fn deadline_in(mut self, duration: Duration) -> Self {
        self.deadline = Instant::now().checked_add(duration);
        self
    }

    /// How long one job is waited for.
    pub fn job_timeout(mut self, timeout: Duration) -> Self {
        self.job_timeout = timeout;
        self
    }

    /// How long submits under way may take after an interrupt.
    pub fn drain_grace(mut self, grace: Duration) -> Self {
        self.drain_grace = grace;
        self
    }

    /// The key check before the first submit.
    pub fn check_key(mut self, check: bool) -> Self {
        self.check_key = check;
        self
    }

    /// Where progress events go.
    pub fn events(mut self, sink: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        self.events = Some(Arc::new(sink));
        self
    }

    /// A stop signal.
    pub fn stop(mut self, stop: StopSignal) -> Self {
        self.stop = Some(stop);
        self
    }
}

/// The account refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Halt {
    /// 401, 402 or 403.
    pub status: u16,
    /// In words.
    pub reason: String,
    /// True when the refusal came from the key check, before any submit.
    pub before_any_submit: bool,
}

/// A task id the ledger could not record (the store failed): printed so it is not lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unrecorded {
    /// The row's position in the input.
    pub position: u64,
    /// What could not be recorded.
    pub what: String,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunReport {
    /// Rows of the input per state after the run.
    pub counts: Counts,
    /// Submits started in this run.
    pub submits: u64,
    /// The account refused a request.
    pub halted: Option<Halt>,
    /// The stop signal was given.
    pub interrupted: bool,
    /// The deadline passed before the work was done.
    pub deadline_passed: bool,
    /// The ledger could not be written; the run stopped.
    pub store_failure: Option<String>,
    /// What could not be recorded.
    pub unrecorded: Vec<Unrecorded>,
}

impl RunReport {
    /// True when every row of the input is finished (completed, failed or unknown).
    pub fn all_finished(&self) -> bool {
        self.counts.pending + self.counts.submitting + self.counts.submitted == 0
    }
}
