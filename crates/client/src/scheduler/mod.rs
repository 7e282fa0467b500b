//! The scheduler of a batch: one request budget for its submits and its polls, and the
//! decisions of what to spend it on. Pure: it never waits and never sends; the caller (the
//! ledger's run, or any loop of your own) asks it for the next [`Action`], makes the request,
//! and tells it what came back, with the time passed in, so that every decision is tested with a
//! simulated clock.
//!
//! What it decides:
//!
//! - **Which request goes next.** Requests are paced at a share of the key's rate
//!   ([`SchedulerConfig::utilization`]), so the client's own limiter never queues; a poll that
//!   is due goes before a submit.
//! - **When to poll each job.** It learns the batch's latency distribution from what polls and
//!   callbacks saw (interval-censored: a job ended between its last "running" answer and the
//!   "done" one; right-censored while it runs), and what progress readings
//!   (`processed_items / total_items`) say about the time left. Each job's next poll minimises
//!   the expected detection lag plus `lambda` per poll over the rest of its life, where `lambda`
//!   is the price of a poll that meets the lag target ([`LagTarget`]) on a new job, raised when
//!   due polls wait for the budget. With little traffic (a single call, a small batch, a low
//!   ceiling: the budget pays for the client's [`PollPolicy`] for every job), jobs are polled on
//!   that schedule, as a lone `wait` is.
//! - **How many jobs to keep in flight.** As many as the budget sustains (Little's law from the
//!   learned latency and polls per job), at most [`SchedulerConfig::max_in_flight`], and at most
//!   the server's limit on active jobs once a submit was refused for it (raised by one after a
//!   whole turnover without a refusal).
//! - **With callbacks**, a job is polled only when its callback is late: the plan counts lag only
//!   for the share of jobs whose callback never came, learned as callbacks and polls find jobs
//!   done, and while most callbacks come no job is polled before the age at which a missing
//!   callback is as likely as a running job (the learned 99th percentile when one callback in a
//!   hundred is missed). If callbacks stop (a receiver that is down), that share grows and
//!   polling takes over. A callback without a result (unsigned) has its job polled at once.
//!
//! ```
//! use std::time::Duration;
//! use sixtyfour::scheduler::{Action, PollAnswer, Reading, Scheduler, SchedulerConfig};
//! use sixtyfour::RateLimit;
//! use tokio::time::Instant;
//!
//! let start = Instant::now();
//! let config = SchedulerConfig::new(Some(RateLimit::per_minute(500)));
//! let mut scheduler = Scheduler::new(config, start);
//! // Two rows to send: the budget lets both go at once.
//! assert_eq!(scheduler.next_action(start, 2), Action::Submit(2));
//! let answered = start + Duration::from_millis(300);
//! let job = scheduler.submit_accepted(start, answered);
//! scheduler.submit_refused(false);
//! // With one job in flight, its first poll follows the client's poll policy: 2 s after the
//! // submit answered.
//! let at = answered + Duration::from_secs(2);
//! assert_eq!(scheduler.next_action(answered, 0), Action::Wait(at));
//! assert_eq!(scheduler.next_action(at, 0), Action::Poll(job));
//! let running = PollAnswer::Running { reading: Reading::NoProgress, retry_after: None };
//! scheduler.poll_done(job, at, at, running);
//! ```

mod budget;
mod concurrency;
mod latency;
mod plan;
mod progress;
#[cfg(test)]
mod simulation;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use tokio::time::Instant;

use crate::poll::PollPolicy;
use crate::rate_limit::RateLimit;
use budget::Bucket;
pub use concurrency::SAFE_MAX_IN_FLIGHT;
use concurrency::{ActiveLimit, sustained};
use latency::LatencyModel;
use plan::{Costs, Outlook, Plan, lambda_for_lag, plan};
use progress::ProgressModel;
pub use progress::Reading;

/// How late a finished job may be seen, on average.
///
/// The default is a third of the batch's median latency, at most 30 s: about 30 s on the
/// API's minutes-long jobs, and proportionally less on short ones.
///
/// ```
/// use std::time::Duration;
/// use sixtyfour::scheduler::LagTarget;
///
/// let target = LagTarget::default();
/// assert_eq!(target.for_median(Duration::from_secs(180)), Duration::from_secs(30));
/// assert_eq!(target.for_median(Duration::from_secs(6)), Duration::from_secs(2));
/// assert_eq!(LagTarget::fixed(Duration::from_secs(45)).for_median(Duration::from_secs(6)), Duration::from_secs(45));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LagTarget {
    /// The target never exceeds this.
    pub at_most: Duration,
    /// The target as a share of the median latency, when it is lower.
    pub share_of_median: Option<f64>,
}

impl Default for LagTarget {
    fn default() -> Self {
        LagTarget {
            at_most: Duration::from_secs(30),
            share_of_median: Some(1.0 / 3.0),
        }
    }
}

impl LagTarget {
    /// The same target whatever the latency.
    pub fn fixed(lag: Duration) -> Self {
        LagTarget {
            at_most: lag,
            share_of_median: None,
        }
    }

    /// The target for a batch whose median latency is `median`.
    pub fn for_median(&self, median: Duration) -> Duration {
        match self.share_of_median {
            Some(share) if share.is_finite() && share > 0.0 => {
                self.at_most.min(median.mul_f64(share.min(1e6)))
            }
            _ => self.at_most,
        }
    }
}

/// Whether job ends also arrive as callbacks (webhooks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Callbacks {
    /// No callbacks: every end is found by a poll.
    #[default]
    None,
    /// Signed callbacks carry the result: a job is polled only when its callback is late.
    Results,
    /// Unsigned callbacks only say a job ended: each one asks for a poll at once, which reads
    /// the result; other polls only when a callback is late.
    Hints,
}

/// How a [`Scheduler`] works.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SchedulerConfig {
    /// The key's request budget (the client's rate limit); `None` for no limit.
    pub rate_limit: Option<RateLimit>,
    /// The share of the budget the scheduler spends (default 0.95), leaving room for the
    /// client's own retries.
    pub utilization: f64,
    /// The most jobs in flight at once (default [`SAFE_MAX_IN_FLIGHT`]): a ceiling, not a
    /// target.
    pub max_in_flight: usize,
    /// The most requests under way at once (default 64), so that a server's `Retry-After`
    /// pause holds back a bounded queue.
    pub max_requests: usize,
    /// The detection lag aimed at when the budget is tight.
    pub lag_target: LagTarget,
    /// The most often a job is polled (the client's poll policy): the schedule of a job when
    /// the budget is ample, and the floor under every other.
    pub floor: PollPolicy,
    /// The longest a job is followed (default 20 minutes): its last poll is then.
    pub horizon: Duration,
    /// Whether ends also arrive as callbacks.
    pub callbacks: Callbacks,
}

impl SchedulerConfig {
    /// The defaults, for a key with this budget.
    pub fn new(rate_limit: Option<RateLimit>) -> Self {
        SchedulerConfig {
            rate_limit,
            utilization: 0.95,
            max_in_flight: SAFE_MAX_IN_FLIGHT,
            max_requests: 64,
            lag_target: LagTarget::default(),
            floor: PollPolicy::default(),
            horizon: Duration::from_secs(20 * 60),
            callbacks: Callbacks::None,
        }
    }

    /// The same configuration on a clock running `factor` times as fast (0.01: a minute is
    /// 600 ms), for simulations against an emulator with the same time scale: the rate's
    /// period, the poll floor, the horizon and the lag target's cap are multiplied by it.
    pub fn time_scaled(mut self, factor: f64) -> Self {
        let factor = if factor.is_finite() && factor > 0.0 {
            factor
        } else {
            1.0
        };
        let scale =
            |d: Duration| Duration::try_from_secs_f64(d.as_secs_f64() * factor).unwrap_or(d);
        if let Some(limit) = &mut self.rate_limit {
            limit.per = scale(limit.per);
        }
        self.floor.initial = scale(self.floor.initial);
        self.floor.max = scale(self.floor.max);
        self.horizon = scale(self.horizon);
        self.lag_target.at_most = scale(self.lag_target.at_most);
        self
    }
}

/// A job, as the scheduler names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(u64);

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Poll this job now.
    Poll(JobId),
    /// Send this many submits now (their rows' intent recorded first).
    Submit(usize),
    /// Nothing before this instant (unless a request answers or a callback arrives).
    Wait(Instant),
    /// Nothing until a request answers, a callback arrives or rows come.
    Idle,
}

/// What a poll brought.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PollAnswer {
    /// Still running (pending or processing).
    Running {
        /// Its progress.
        reading: Reading,
        /// The server's `Retry-After`, which wins.
        retry_after: Option<Duration>,
    },
    /// The job ended (completed or failed): the caller records it.
    Ended,
    /// The poll failed and can be tried again (transport error, 5xx, 429).
    Failed,
    /// The job cannot be followed further (gone, unreadable, refused): the caller records why.
    Dropped,
}

/// After a poll: when the job is polled next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// At this instant.
    At(Instant),
    /// Never: it ran past the horizon, and the caller leaves it for later.
    GiveUp,
    /// It ended or was dropped.
    Done,
}

/// How a job's end was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// By a poll.
    Poll,
    /// By a signed callback.
    Callback,
}

/// What the scheduler did and learned so far.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SchedulerStats {
    /// Submits sent.
    pub submits: u64,
    /// Polls sent.
    pub polls: u64,
    /// Jobs whose end was seen.
    pub ended: u64,
    /// Of which by a callback.
    pub by_callback: u64,
    /// Jobs in flight now (submits under way included).
    pub in_flight: usize,
    /// The jobs in flight the budget sustains now, within the ceilings.
    pub target_in_flight: usize,
    /// The median latency learned, once there is enough to learn from.
    pub median_latency: Option<Duration>,
    /// The lag aimed at.
    pub lag_target: Option<Duration>,
    /// What a poll is worth now, in seconds of lag.
    pub poll_price: Option<Duration>,
    /// Polls per ended job, recent average.
    pub polls_per_job: f64,
    /// The estimated detection lag of ended jobs, recent average.
    pub estimated_lag: Duration,
    /// How long due polls waited for the budget, recent average.
    pub poll_delay: Duration,
    /// True while the budget pays for the client's poll policy for every job.
    pub ample_budget: bool,
    /// The server's limit on active jobs, once a submit was refused for it.
    pub active_job_limit: Option<usize>,
    /// The share of ends expected to come by callback.
    pub callback_share: f64,
}

/// The share of the budget polls take before anything is learned, while rows wait (a quarter
/// of it when callbacks are expected).
const SCOUT_SHARE: f64 = 1.0 / 3.0;
/// How far a planned poll is moved, as a share of the wait before it, at most.
const JITTER: f64 = 0.15;
/// The share of jobs whose first poll goes anywhere before the planned one.
const EXPLORE: f64 = 0.1;

/// A spread value in `[-1, 1)` for poll `n` of job `id` (a fixed sequence, so that runs
/// repeat).
fn dither(id: JobId, n: u32) -> f64 {
    let mut z =
        id.0.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(n).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 31)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 29;
    ((z >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
}

/// The age from which a job whose callback has not come is polled, while most callbacks come
/// (`lost`, the share that does not, under a half): where a missing callback has become at
/// least as likely as a job still running, `F(t) = 1 / (1 + lost)` (the learned 99th
/// percentile when one callback in a hundred is missed). Zero while callbacks are not trusted.
fn late_age(model: &LatencyModel, lost: f64) -> f64 {
    if lost < 0.5 {
        model.quantile(1.0 / (1.0 + lost.max(0.0)))
    } else {
        0.0
    }
}

/// Ended jobs needed before the learned latency is used.
const READY_AFTER: u64 = 8;
/// Weight of one ended job in the recent averages.
const RECENT: f64 = 0.02;

#[derive(Debug, Clone)]
struct Job {
    /// When its submit left.
    submitted: Instant,
    polls: u32,
    /// Readings (age, reading), oldest first.
    readings: Vec<(f64, Reading)>,
    /// The age at which it was last known running.
    last_running: f64,
    due: Option<Instant>,
    polling: bool,
    /// Submitted by an earlier run: its age is unknown.
    resumed: bool,
    /// Its first poll was planned from the learned latency.
    planned: bool,
    /// The age at which a callback (without a result) said it ended.
    hinted: Option<f64>,
}

/// Ends seen by callback and by poll, decayed, for the share of ends a callback reports.
#[derive(Debug, Clone, Copy)]
struct Trust {
    callbacks: f64,
    misses: f64,
}

impl Trust {
    /// The share of ends whose callback does not come; a prior of 4 callbacks to 1 miss.
    fn lost(&self) -> f64 {
        (self.misses + 1.0) / (self.callbacks + self.misses + 5.0)
    }

    fn note(&mut self, callback: bool) {
        self.callbacks *= 0.99;
        self.misses *= 0.99;
        if callback {
            self.callbacks += 1.0;
        } else {
            self.misses += 1.0;
        }
    }
}

/// The scheduler of one batch; see the module documentation.
#[derive(Debug, Clone)]
pub struct Scheduler {
    config: SchedulerConfig,
    bucket: Bucket,
    /// The share of the budget polls may take before anything is learned.
    scouts: Bucket,
    /// Submits at the rate the budget sustains, once latency is learned.
    pace: Bucket,
    pressure: f64,
    pressure_at: Instant,
    model: LatencyModel,
    progress: ProgressModel,
    jobs: HashMap<JobId, Job>,
    due: BTreeSet<(Instant, JobId)>,
    next_id: u64,
    submitting: usize,
    requests: usize,
    active: ActiveLimit,
    trust: Trust,
    /// The price of a poll that meets the lag target on a new job, once the model is ready.
    lambda: Option<f64>,
    /// The plan of a new job at that price.
    fresh: Option<Plan>,
    /// The most jobs in flight and rows waiting seen at once: the size of the work.
    work: usize,
    since_refit: u64,
    submits: u64,
    polls: u64,
    ended: u64,
    by_callback: u64,
    /// Polls per ended job whose polls were planned from the learned latency, recent average.
    polls_per_job: f64,
    planned_ended: u64,
    lag_estimate: f64,
    poll_delay: f64,
    /// No request before this instant (a server's `Retry-After` for the key).
    paused_until: Option<Instant>,
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn duration(s: f64) -> Duration {
    Duration::try_from_secs_f64(s.max(0.0)).unwrap_or(Duration::MAX)
}

impl Scheduler {
    /// A scheduler starting at `now`.
    pub fn new(config: SchedulerConfig, now: Instant) -> Scheduler {
        let model = LatencyModel::new(secs(config.horizon).max(1e-2));
        Scheduler {
            bucket: Bucket::new(config.rate_limit, config.utilization, now),
            scouts: Bucket::new(
                config.rate_limit,
                config.utilization
                    * match config.callbacks {
                        Callbacks::None => SCOUT_SHARE,
                        Callbacks::Results | Callbacks::Hints => SCOUT_SHARE / 4.0,
                    },
                now,
            ),
            pace: Bucket::new(config.rate_limit, config.utilization, now),
            pressure: 1.0,
            pressure_at: now,
            model,
            progress: ProgressModel::default(),
            jobs: HashMap::new(),
            due: BTreeSet::new(),
            next_id: 0,
            submitting: 0,
            requests: 0,
            active: ActiveLimit::default(),
            trust: Trust {
                callbacks: 0.0,
                misses: 0.0,
            },
            lambda: None,
            fresh: None,
            work: 0,
            since_refit: 0,
            submits: 0,
            polls: 0,
            ended: 0,
            by_callback: 0,
            polls_per_job: 0.0,
            planned_ended: 0,
            lag_estimate: 0.0,
            poll_delay: 0.0,
            paused_until: None,
            config,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SchedulerConfig {
        &self.config
    }

    fn ready(&self) -> bool {
        self.model.finished() >= READY_AFTER
    }

    fn lost(&self) -> f64 {
        match self.config.callbacks {
            Callbacks::None => 1.0,
            Callbacks::Results | Callbacks::Hints => self.trust.lost(),
        }
    }

    /// Jobs in flight, submits under way included.
    pub fn in_flight(&self) -> usize {
        self.jobs.len() + self.submitting
    }

    /// True while the budget pays for the poll policy of every job the batch can have in
    /// flight (its size so far, within the ceilings) plus their submits: then jobs are polled
    /// on that schedule.
    fn ample(&self) -> bool {
        let Some(rate) = self.bucket.rate() else {
            return true;
        };
        if self.config.callbacks != Callbacks::None {
            return false;
        }
        let mut jobs = self.work.max(1).min(self.config.max_in_flight.max(1));
        if let Some(limit) = self.active.limit() {
            jobs = jobs.min(limit);
        }
        let per_job = 1.0 / secs(self.config.floor.max).max(1e-6)
            + if self.ready() {
                1.0 / self.model.mean().max(1e-6)
            } else {
                0.0
            };
        jobs as f64 * per_job <= rate
    }

    /// The jobs in flight the budget sustains, within the ceilings: Little's law with the
    /// polls a new job is planned to need at the lag target.
    pub fn target_in_flight(&self) -> usize {
        let mut target = self.config.max_in_flight.max(1);
        if let Some(limit) = self.active.limit() {
            target = target.min(limit);
        }
        if let (Some(polls), false) = (self.polls_per_new_job(), self.ample()) {
            let lag = self.lag_target_secs().unwrap_or(0.0);
            target = target.min(sustained(
                self.bucket.rate(),
                polls,
                self.model.mean() + lag,
            ));
        }
        target
    }

    /// The polls a new job needs: as planned, or as measured over the jobs planned from the
    /// learned latency when that is fewer (progress readings save polls the plan of a new job
    /// cannot foresee).
    fn polls_per_new_job(&self) -> Option<f64> {
        let planned = self.fresh?.polls;
        Some(if self.planned_ended >= 32 {
            self.polls_per_job.min(planned)
        } else {
            planned
        })
    }

    fn lag_target_secs(&self) -> Option<f64> {
        self.ready().then(|| {
            secs(
                self.config
                    .lag_target
                    .for_median(duration(self.model.quantile(0.5))),
            )
        })
    }

    /// Advances the clock: budget, pressure. The budget is behind when a poll planned from the
    /// learned latency is late and no token is left.
    fn tick(&mut self, now: Instant, rows: usize) {
        self.bucket.refill(now);
        self.scouts.refill(now);
        self.repace(now);
        self.work = self.work.max(self.in_flight() + rows);
        let elapsed = secs(now.saturating_duration_since(self.pressure_at));
        self.pressure_at = self.pressure_at.max(now);
        let interval = self.bucket.interval().unwrap_or(0.0);
        // Behind: polls wait for the budget long enough to add to the lag noticeably.
        let target = self.lag_target_secs().unwrap_or(0.0);
        let behind = self.lambda.is_some() && self.poll_delay > 0.5 * target;
        let tau = (40.0 * interval).max(2.0 * target);
        self.pressure = budget::pressure(self.pressure, behind, elapsed, tau);
    }

    /// True when a poll planned from the learned latency is overdue by more than a tenth of the
    /// lag target (or two requests' worth of budget, if more).
    fn late(&self, now: Instant) -> bool {
        let interval = self.bucket.interval().unwrap_or(0.0);
        let allowed = (2.0 * interval).max(0.1 * self.lag_target_secs().unwrap_or(0.0));
        self.lambda.is_some()
            && self
                .due
                .first()
                .is_some_and(|(due, _)| secs(now.saturating_duration_since(*due)) > allowed + 1e-3)
    }

    /// The next thing to do, with `rows` rows ready to submit.
    ///
    /// A due poll goes first. Submits go while there is room under the target in flight and no
    /// poll is late; once latency is learned they are paced at the rate the budget sustains
    /// (`rate / (1 + polls per job)`), or sent when the budget would otherwise go unused, so
    /// that their polls come due evenly. Before anything is learned, a batch that keeps the
    /// budget busy polls with a third of it, the oldest due job first.
    pub fn next_action(&mut self, now: Instant, rows: usize) -> Action {
        self.tick(now, rows);
        if let Some(until) = self.paused_until {
            if now < until {
                return Action::Wait(until);
            }
            self.paused_until = None;
        }
        if self.requests >= self.config.max_requests.max(1) {
            return Action::Idle;
        }
        let room = self.target_in_flight().saturating_sub(self.in_flight());
        let available = self.bucket.available();
        let learned = self.lambda.is_some() && !self.ample();
        let scouting = self.lambda.is_none() && !self.ample() && rows > 0 && room > 0;
        let candidate = match (scouting, self.due.first().copied()) {
            (_, None) => None,
            (_, Some((due, _))) if due > now => None,
            (false, first) => first,
            (true, Some(_)) => self
                .due
                .range(..=(now, JobId(u64::MAX)))
                .min_by_key(|(_, id)| *id)
                .copied(),
        };
        let poll_ok = candidate.is_some() && (!scouting || self.scouts.available() >= 1);
        let want_submit = rows > 0 && room > 0 && !self.late(now);
        let paced = !learned || self.pace.available() >= 1 || self.bucket.is_full();
        if available >= 1 {
            if let (Some((due, id)), true) = (candidate, poll_ok) {
                if scouting {
                    self.scouts.take(1);
                }
                self.poll_delay +=
                    RECENT * (secs(now.saturating_duration_since(due)) - self.poll_delay);
                self.due.remove(&(due, id));
                if let Some(job) = self.jobs.get_mut(&id) {
                    job.due = None;
                    job.polling = true;
                }
                self.bucket.take(1);
                self.requests += 1;
                self.polls += 1;
                return Action::Poll(id);
            }
            if want_submit && paced {
                let mut n = rows
                    .min(room)
                    .min(available)
                    .min(self.config.max_requests.saturating_sub(self.requests));
                if learned {
                    n = n.min(self.pace.available().max(1));
                }
                let n = n.max(1);
                self.bucket.take(n);
                self.pace.take(n);
                self.requests += n;
                self.submitting += n;
                self.submits += n as u64;
                return Action::Submit(n);
            }
        }
        // Nothing now: wake for the first of what could go next.
        let mut wake: Option<Instant> = self.due.first().map(|(due, _)| *due).filter(|d| *d > now);
        let mut sooner = |at: Instant| {
            let at = at.max(now + Duration::from_micros(1));
            wake = Some(wake.map_or(at, |w| w.min(at)));
        };
        if available == 0 && (candidate.is_some() || want_submit) {
            sooner(self.bucket.next_token());
        }
        if candidate.is_some() && !poll_ok {
            sooner(self.scouts.next_token());
        }
        if want_submit && !paced {
            sooner(self.pace.next_token());
        }
        match wake {
            Some(at) => Action::Wait(at),
            None => Action::Idle,
        }
    }

    /// A submit sent at `sent` got a task id at `now`: the job starts.
    pub fn submit_accepted(&mut self, sent: Instant, now: Instant) -> JobId {
        self.submitting = self.submitting.saturating_sub(1);
        self.requests = self.requests.saturating_sub(1);
        let id = self.add(Job {
            submitted: sent,
            polls: 0,
            readings: Vec::new(),
            last_running: 0.0,
            due: None,
            polling: false,
            resumed: false,
            planned: false,
            hinted: None,
        });
        self.schedule(id, now, None);
        id
    }

    /// The server asked the key to wait (a 429's `Retry-After`): no request of the batch, submit
    /// or poll, goes before `until`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sixtyfour::scheduler::{Action, Scheduler, SchedulerConfig};
    /// use tokio::time::Instant;
    ///
    /// let start = Instant::now();
    /// let mut scheduler = Scheduler::new(SchedulerConfig::new(None), start);
    /// let until = start + Duration::from_secs(30);
    /// scheduler.pause_until(until);
    /// assert_eq!(scheduler.next_action(start, 10), Action::Wait(until));
    /// assert_eq!(scheduler.next_action(until, 10), Action::Submit(10));
    /// ```
    pub fn pause_until(&mut self, until: Instant) {
        self.paused_until = Some(self.paused_until.map_or(until, |at| at.max(until)));
    }

    /// A submit ended without a job (refused, not sent, unknown): `active_limit` when it was
    /// refused for the key's limit on active jobs, which lowers the ceiling until jobs end.
    pub fn submit_refused(&mut self, active_limit: bool) {
        self.submitting = self.submitting.saturating_sub(1);
        self.requests = self.requests.saturating_sub(1);
        if active_limit {
            self.active.refused(self.jobs.len());
        }
    }

    /// A job submitted by an earlier run (its age unknown): polled at once, then on the poll
    /// policy.
    pub fn resumed(&mut self, now: Instant) -> JobId {
        let id = self.add(Job {
            submitted: now,
            polls: 0,
            readings: Vec::new(),
            last_running: 0.0,
            due: None,
            polling: false,
            resumed: true,
            planned: false,
            hinted: None,
        });
        self.set_due(id, now);
        self.work = self.work.max(self.in_flight());
        id
    }

    fn add(&mut self, job: Job) -> JobId {
        let id = JobId(self.next_id);
        self.next_id += 1;
        self.jobs.insert(id, job);
        id
    }

    fn set_due(&mut self, id: JobId, at: Instant) {
        if let Some(job) = self.jobs.get_mut(&id) {
            if let Some(old) = job.due.take() {
                self.due.remove(&(old, id));
            }
            job.due = Some(at);
            self.due.insert((at, id));
        }
    }

    /// When job `id` is polled next, seen running at `now` (`None`: past the horizon).
    fn schedule(
        &mut self,
        id: JobId,
        now: Instant,
        retry_after: Option<Duration>,
    ) -> Option<Instant> {
        let ample = self.ample();
        let ready = self.ready();
        let lost = self.lost();
        let pressure = self.pressure;
        let horizon = secs(self.config.horizon);
        let floor = self.config.floor;
        let lambda = self.lambda;
        let job = self.jobs.get_mut(&id)?;
        if job.polls == 0 {
            job.planned = !(ample || job.resumed || !ready) && lambda.is_some();
        }
        let job = &*job;
        let age = secs(now.saturating_duration_since(job.submitted));
        if job.polls > 0 && age >= horizon {
            return None;
        }
        let gap = floor.interval(job.polls);
        let at = match (ample || job.resumed || !ready, lambda) {
            // A callback said it ended: the poll that reads the result goes at once.
            _ if job.hinted.is_some() => now,
            (false, Some(lambda)) => {
                let outlook = Outlook::build(
                    &self.model,
                    &self.progress,
                    &job.readings,
                    job.last_running,
                    secs(gap) + (age - job.last_running).max(0.0),
                );
                match outlook {
                    Some(outlook) => {
                        let costs = Costs {
                            lambda: lambda * pressure,
                            lost,
                            first_gap: secs(gap) + (age - job.last_running).max(0.0),
                            later_gap: secs(floor.max),
                        };
                        let next = plan(&outlook, &costs).next;
                        // Polls of different jobs at slightly different ages, so that the
                        // latency between two planned ages can be learned at all; and a few
                        // first polls anywhere before the planned one, so that the latencies of
                        // jobs that end before it are learned too (not while most ends come
                        // by callback, which tell the latency exactly).
                        let spread = next - job.last_running;
                        let explore = job.polls == 0
                            && lost > 0.5
                            && dither(id, u32::MAX) < 2.0 * EXPLORE - 1.0;
                        let next = if explore {
                            job.last_running + spread * 0.5 * (1.0 + dither(id, u32::MAX - 1))
                        } else {
                            next + JITTER * spread * dither(id, job.polls)
                        };
                        job.submitted + duration(next.max(late_age(&self.model, lost)))
                    }
                    None => job.submitted + duration(horizon),
                }
            }
            _ => {
                // The poll policy, stretched by the trust in callbacks.
                let stretch = if ample { 1.0 } else { 1.0 / lost.max(1e-3) };
                now + gap.mul_f64(stretch.min(1e6))
            }
        };
        let latest = job.submitted + duration(horizon);
        let mut at = at.max(now + gap).min(latest.max(now));
        if let Some(wait) = retry_after {
            at = at.max(now + wait);
        }
        self.set_due(id, at);
        Some(at)
    }

    /// What a poll of job `id`, sent at `sent`, brought at `now`.
    pub fn poll_done(
        &mut self,
        id: JobId,
        sent: Instant,
        now: Instant,
        answer: PollAnswer,
    ) -> Next {
        self.requests = self.requests.saturating_sub(1);
        let Some(job) = self.jobs.get_mut(&id) else {
            return Next::Done;
        };
        job.polling = false;
        job.polls += 1;
        match answer {
            PollAnswer::Running {
                reading,
                retry_after,
            } => {
                let age = secs(sent.saturating_duration_since(job.submitted));
                if !job.resumed {
                    job.last_running = job.last_running.max(age);
                    if job.readings.len() < 16 {
                        job.readings.push((age, reading));
                    }
                }
                match self.schedule(id, now, retry_after) {
                    Some(at) => Next::At(at),
                    None => {
                        self.forget(id);
                        Next::GiveUp
                    }
                }
            }
            PollAnswer::Ended => {
                self.ended(id, now, Seen::Poll);
                Next::Done
            }
            PollAnswer::Failed => {
                let gap = self.config.floor.interval(job.polls);
                let at = now + gap.mul_f64(self.pressure);
                self.set_due(id, at);
                Next::At(at)
            }
            PollAnswer::Dropped => {
                self.forget(id);
                Next::Done
            }
        }
    }

    /// Job `id` ended, seen at `now` by a poll or a callback.
    pub fn ended(&mut self, id: JobId, now: Instant, seen: Seen) {
        let Some(job) = self.jobs.remove(&id) else {
            return;
        };
        if let Some(due) = job.due {
            self.due.remove(&(due, id));
        }
        // A poll still under way for it finds the job gone when it answers.
        self.active.ended();
        self.ended += 1;
        if seen == Seen::Callback {
            self.by_callback += 1;
        }
        if self.config.callbacks != Callbacks::None {
            self.trust
                .note(seen == Seen::Callback || job.hinted.is_some());
        }
        if job.planned {
            let weight = RECENT.max(1.0 / (self.planned_ended + 1) as f64);
            self.polls_per_job += weight * (f64::from(job.polls) - self.polls_per_job);
            self.planned_ended += 1;
        }
        if job.resumed {
            return;
        }
        let hi = secs(now.saturating_duration_since(job.submitted));
        let lo = match seen {
            Seen::Callback => job.last_running.max(hi * 0.999),
            Seen::Poll => job.last_running.min(hi),
        };
        self.model.record(lo, hi);
        let lag = match (seen, job.hinted) {
            (Seen::Callback, _) => 0.0,
            (Seen::Poll, Some(hinted)) => (hi - hinted).max(0.0),
            (Seen::Poll, None) => {
                // Where it ended between its last two polls, as its readings tell.
                let end = Outlook::build(&self.model, &self.progress, &job.readings, lo, 0.0)
                    .and_then(|outlook| outlook.mean_end_by(hi))
                    .unwrap_or_else(|| self.model.conditional_mean(lo, hi));
                (hi - end).max(0.0)
            }
        };
        self.lag_estimate += RECENT * (lag - self.lag_estimate);
        // Its readings, at latencies spread over what it may have been.
        const POINTS: usize = 8;
        for k in 0..POINTS {
            let at = self
                .model
                .conditional_quantile(lo, hi, (k as f64 + 0.5) / POINTS as f64);
            for (age, reading) in &job.readings {
                self.progress.learn(*age, *reading, at, 1.0 / POINTS as f64);
            }
        }
        self.since_refit += 1;
        let every = (self.model.finished() / 20).clamp(4, 200);
        let first = self.lambda.is_none() && self.ready();
        if (!self.ready() && self.model.finished() > 0) || self.since_refit >= every || first {
            self.refit(now);
        }
        if first && self.lambda.is_some() {
            // The schedules made before anything was learned are replaced, and the waits of
            // polls rationed until now are forgotten.
            self.poll_delay = 0.0;
            self.pressure = 1.0;
            self.replan(now);
        }
    }

    /// A callback said job `id` ended, without its result (an unsigned callback): it is polled
    /// at once.
    pub fn hint(&mut self, id: JobId, now: Instant) {
        if let Some(job) = self.jobs.get_mut(&id) {
            let age = secs(now.saturating_duration_since(job.submitted));
            job.hinted.get_or_insert(age);
            if !job.polling {
                self.set_due(id, now);
            }
        }
    }

    /// Job `id` is no longer followed (dropped, or the run stops): nothing is learned from it.
    pub fn forget(&mut self, id: JobId) {
        if let Some(job) = self.jobs.remove(&id)
            && let Some(due) = job.due
        {
            self.due.remove(&(due, id));
        }
    }

    /// Plans every waiting job again.
    fn replan(&mut self, now: Instant) {
        let waiting: Vec<JobId> = self
            .jobs
            .iter()
            .filter(|(_, job)| !job.polling && !job.resumed && job.due.is_some())
            .map(|(id, _)| *id)
            .collect();
        for id in waiting {
            if self.schedule(id, now, None).is_none() {
                // Past the horizon: its next poll is the last.
                self.set_due(id, now);
            }
        }
    }

    /// Re-estimates the latency and the price of a poll.
    fn refit(&mut self, now: Instant) {
        self.since_refit = 0;
        // A running job's latency is past the age it was last seen running at; with callbacks,
        // past its age now, since no callback came (were only polled jobs counted, the early
        // estimate of a batch with callbacks would favour its fast jobs, the only ones ended).
        let callbacks = self.config.callbacks != Callbacks::None;
        let running: Vec<f64> = self
            .jobs
            .values()
            .filter(|job| !job.resumed)
            .map(|job| {
                if callbacks && job.hinted.is_none() {
                    secs(now.saturating_duration_since(job.submitted)).max(job.last_running)
                } else {
                    job.last_running
                }
            })
            .filter(|age| *age > 0.0)
            .collect();
        self.model.refit(running);
        if !self.ready() {
            return;
        }
        let floor = self.config.floor;
        let Some(outlook) = Outlook::build(
            &self.model,
            &ProgressModel::default(),
            &[],
            0.0,
            secs(floor.initial),
        ) else {
            return;
        };
        let costs = Costs {
            lambda: 0.0,
            lost: 1.0,
            first_gap: secs(floor.initial),
            later_gap: secs(floor.max),
        };
        let median = self.model.quantile(0.5).max(1e-6);
        let target = self.lag_target_secs().unwrap_or(median / 3.0);
        let lambda = lambda_for_lag(&outlook, costs, target, median * 1e-4, median * 1e3);
        self.lambda = Some(lambda);
        self.fresh = Some(plan(
            &outlook,
            &Costs {
                lambda,
                lost: self.lost(),
                ..costs
            },
        ));
        self.repace(now);
    }

    /// Paces submits at the rate the budget sustains, plus what fills the gap to the target in
    /// flight over the age of a new job's first poll (when the submits of now start to cost
    /// polls).
    fn repace(&mut self, now: Instant) {
        let (Some(rate), Some(polls), Some(fresh)) =
            (self.bucket.rate(), self.polls_per_new_job(), self.fresh)
        else {
            return;
        };
        let steady = rate / (1.0 + polls.max(0.0));
        let gap = self.target_in_flight().saturating_sub(self.in_flight()) as f64;
        let first_poll = fresh.next.max(1e-3);
        self.pace
            .set_rate(Some((steady + gap / first_poll).min(rate)), now);
    }

    /// What it did and learned so far.
    pub fn stats(&self) -> SchedulerStats {
        let ready = self.ready();
        SchedulerStats {
            submits: self.submits,
            polls: self.polls,
            ended: self.ended,
            by_callback: self.by_callback,
            in_flight: self.in_flight(),
            target_in_flight: self.target_in_flight(),
            median_latency: ready.then(|| duration(self.model.quantile(0.5))),
            lag_target: self.lag_target_secs().map(duration),
            poll_price: self.lambda.map(|l| duration(l * self.pressure)),
            polls_per_job: self.polls_per_job,
            estimated_lag: duration(self.lag_estimate),
            poll_delay: duration(self.poll_delay),
            ample_budget: self.ample(),
            active_job_limit: self.active.limit(),
            callback_share: 1.0 - self.lost(),
        }
    }
}
