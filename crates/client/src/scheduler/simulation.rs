//! The scheduler's decisions as a whole, on a simulated clock: a simulated server (latency
//! drawn from a distribution, progress reported like the emulator's or not at all, callbacks
//! delivered or lost, an optional active-job limit) answers the scheduler's requests, and the
//! run is measured the way the benchmark measures the real one: steady throughput, polls per
//! job, mean detection lag.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use tokio::time::Instant;

use super::*;

/// SplitMix64: a seeded draw in [0, 1).
struct Draws(u64);

impl Draws {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Clone, Copy)]
enum Shape {
    Uniform(f64, f64),
    /// Median and 95th percentile.
    LogNormal(f64, f64),
}

impl Shape {
    fn draw(self, u: f64) -> f64 {
        match self {
            Shape::Uniform(a, b) => a + (b - a) * u,
            Shape::LogNormal(median, p95) => {
                let sigma = (p95 / median).ln() / 1.644_853_626_951_472_2;
                median * (sigma * normal_quantile(u.clamp(1e-9, 1.0 - 1e-9))).exp()
            }
        }
    }
}

/// The standard normal quantile (Acklam's approximation, good to 1e-9).
fn normal_quantile(p: f64) -> f64 {
    let a = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383_577_518_672_69e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    let b = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    let c = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    let d = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let low = 0.02425;
    let tail = |q: f64| {
        (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0)
    };
    if p < low {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - low {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0)
    }
}

#[derive(Clone, Copy)]
struct Setup {
    rows: usize,
    shape: Shape,
    /// The emulator's progress: pending for the first half, then 11 fields counted.
    progress: bool,
    per_minute: u32,
    callbacks: Callbacks,
    /// The share of callbacks delivered.
    delivered: f64,
    active_limit: Option<usize>,
    max_in_flight: usize,
    seed: u64,
}

impl Setup {
    fn new(rows: usize, shape: Shape) -> Setup {
        Setup {
            rows,
            shape,
            progress: true,
            per_minute: 500,
            callbacks: Callbacks::None,
            delivered: 1.0,
            active_limit: None,
            max_in_flight: SAFE_MAX_IN_FLIGHT,
            seed: 13,
        }
    }
}

#[derive(Debug)]
struct Report {
    /// Jobs a minute between 10% and 90% of the ends.
    per_minute: f64,
    /// Jobs started a minute, from the first submit to the last one accepted: the steady pace
    /// (a batch too short for its latency spread never shows it between 10% and 90% of its
    /// ends: 2,000 jobs started at 475 a minute with latencies uniform on 60-300 s show
    /// about 355 there).
    start_per_minute: f64,
    polls_per_job: f64,
    /// Mean seconds between a job's end and its detection.
    lag: f64,
    most_in_flight: usize,
    refused: usize,
    wall: f64,
}

/// Request round trips, in seconds.
const SUBMIT_TRIP: f64 = 0.2;
const POLL_TRIP: f64 = 0.05;

enum Event {
    Submitted {
        sent: f64,
        latency: f64,
    },
    Refused,
    Polled {
        id: JobId,
        sent: f64,
        answer: PollAnswer,
    },
    Callback {
        id: JobId,
    },
}

fn reading(progress: bool, share: f64) -> Reading {
    if !progress || share < 0.5 {
        return Reading::NoProgress;
    }
    let done = ((share - 0.5) / 0.5 * 11.0).floor().min(10.0);
    Reading::Fraction(done / 11.0)
}

fn run(setup: Setup) -> Report {
    let start = Instant::now();
    let at = |t: f64| start + Duration::from_secs_f64(t);
    let mut config = SchedulerConfig::new(Some(RateLimit::per_minute(setup.per_minute)));
    config.callbacks = setup.callbacks;
    config.max_in_flight = setup.max_in_flight;
    let mut scheduler = Scheduler::new(config, start);
    let mut draws = Draws(setup.seed);
    let mut events: BTreeMap<(u64, u64), Event> = BTreeMap::new();
    let mut seq = 0u64;
    let key = |t: f64, seq: &mut u64| {
        *seq += 1;
        ((t * 1e6) as u64, *seq)
    };
    // The server's view: each job's start and latency.
    let mut jobs: HashMap<JobId, (f64, f64)> = HashMap::new();
    let mut ends: Vec<f64> = Vec::new();
    let mut lags: Vec<f64> = Vec::new();
    let mut rows = setup.rows;
    let mut now = 0.0;
    let mut most = 0;
    let mut refused = 0;
    let mut active = 0usize;
    let mut last_start = 0.0f64;
    let mut stuck = 0;
    let trace = std::env::var_os("SCHEDULER_TRACE").is_some();
    let mut traced = 0.0;
    loop {
        if trace && now >= traced {
            traced += 30.0;
            let st = scheduler.stats();
            eprintln!(
                "   model q10={:.0} q50={:.0} q90={:.0} q99={:.0} fresh={:?} progress_ready={} lambda={:?} true_lag={:.1}",
                scheduler.model.quantile(0.1),
                scheduler.model.quantile(0.5),
                scheduler.model.quantile(0.9),
                scheduler.model.quantile(0.99),
                scheduler.fresh,
                scheduler.progress.ready(),
                scheduler.lambda,
                lags.iter().rev().take(50).sum::<f64>() / lags.len().clamp(1, 50) as f64
            );
            eprintln!(
                "t={now:.0} rows={rows} flight={} target={} ended={} polls={} median={:?} lag_target={:?} price={:?} pressure={:.2} delay={:?} est_lag={:?} ppj={:.2}",
                st.in_flight,
                st.target_in_flight,
                st.ended,
                st.polls,
                st.median_latency.map(|d| d.as_secs()),
                st.lag_target.map(|d| d.as_secs_f32()),
                st.poll_price.map(|d| d.as_secs_f32()),
                scheduler.pressure,
                st.poll_delay,
                st.estimated_lag.as_secs_f32(),
                st.polls_per_job
            );
        }
        // Take every action due now.
        let wake = loop {
            match scheduler.next_action(at(now), rows) {
                Action::Poll(id) => {
                    let (started, latency) = jobs[&id];
                    let server = now + POLL_TRIP / 2.0;
                    let age = server - started;
                    let answer = if age >= latency {
                        PollAnswer::Ended
                    } else {
                        PollAnswer::Running {
                            reading: reading(setup.progress, age / latency),
                            retry_after: None,
                        }
                    };
                    events.insert(
                        key(now + POLL_TRIP, &mut seq),
                        Event::Polled {
                            id,
                            sent: now,
                            answer,
                        },
                    );
                }
                Action::Submit(n) => {
                    for _ in 0..n {
                        rows -= 1;
                        if setup.active_limit.is_some_and(|limit| active >= limit) {
                            events.insert(key(now + SUBMIT_TRIP, &mut seq), Event::Refused);
                        } else {
                            active += 1;
                            let latency = setup.shape.draw(draws.next());
                            events.insert(
                                key(now + SUBMIT_TRIP, &mut seq),
                                Event::Submitted { sent: now, latency },
                            );
                        }
                    }
                }
                Action::Wait(until) => break Some(secs(until.duration_since(start))),
                Action::Idle => break None,
            }
        };
        most = most.max(scheduler.in_flight());
        let next_event = events.keys().next().map(|(t, _)| *t as f64 / 1e6);
        let next = match (wake, next_event) {
            (Some(w), Some(e)) => w.min(e).max(now),
            (Some(w), None) => w.max(now),
            (None, Some(e)) => e.max(now),
            (None, None) => break,
        };
        stuck = if next <= now { stuck + 1 } else { 0 };
        assert!(
            stuck < 10_000,
            "the scheduler asks to wait until now, again and again, at {now}"
        );
        now = next;
        while let Some(entry) = events.first_entry() {
            if entry.key().0 as f64 / 1e6 > now + 1e-9 {
                break;
            }
            match entry.remove() {
                Event::Submitted { sent, latency } => {
                    let id = scheduler.submit_accepted(at(sent), at(now));
                    let started = sent + SUBMIT_TRIP / 2.0;
                    last_start = last_start.max(sent);
                    jobs.insert(id, (started, latency));
                    if setup.callbacks != Callbacks::None && draws.next() < setup.delivered {
                        events.insert(
                            key(started + latency + 0.01, &mut seq),
                            Event::Callback { id },
                        );
                    }
                }
                Event::Refused => {
                    rows += 1;
                    refused += 1;
                    scheduler.submit_refused(true);
                }
                Event::Polled { id, sent, answer } => {
                    if !jobs.contains_key(&id) {
                        scheduler.poll_done(id, at(sent), at(now), answer);
                        continue;
                    }
                    let next = scheduler.poll_done(id, at(sent), at(now), answer);
                    if next == Next::Done || next == Next::GiveUp {
                        let (started, latency) = jobs.remove(&id).unwrap_or_default();
                        active -= 1;
                        ends.push(started + latency);
                        lags.push(now - (started + latency));
                        assert_ne!(next, Next::GiveUp, "a job was given up");
                    }
                }
                Event::Callback { id } => {
                    if let Some((started, latency)) = jobs.remove(&id) {
                        active -= 1;
                        match setup.callbacks {
                            Callbacks::Results => {
                                scheduler.ended(id, at(now), Seen::Callback);
                                ends.push(started + latency);
                                lags.push(now - (started + latency));
                            }
                            _ => {
                                jobs.insert(id, (started, latency));
                                active += 1;
                                scheduler.hint(id, at(now));
                            }
                        }
                    }
                }
            }
        }
        if rows == 0 && jobs.is_empty() && events.is_empty() && scheduler.in_flight() == 0 {
            break;
        }
        assert!(now < 1e6, "the simulation does not end");
    }
    assert_eq!(ends.len(), setup.rows, "every job ended and was seen");
    if trace {
        // Lag by latency decile.
        let mut by: Vec<(f64, f64)> = ends.iter().zip(&lags).map(|(e, l)| (*e, *l)).collect();
        by.sort_by(|a, b| a.0.total_cmp(&b.0));
        for chunk in by.chunks(by.len().div_ceil(10).max(1)) {
            let mean = chunk.iter().map(|c| c.1).sum::<f64>() / chunk.len() as f64;
            eprintln!(
                "ended by {:.0}: mean lag {mean:.1}",
                chunk.last().map_or(0.0, |c| c.0)
            );
        }
    }
    let mut seen_at: Vec<f64> = ends.iter().zip(&lags).map(|(e, l)| e + l).collect();
    seen_at.sort_by(f64::total_cmp);
    let (a, b) = (seen_at[setup.rows / 10], seen_at[setup.rows * 9 / 10]);
    let stats = scheduler.stats();
    Report {
        per_minute: (setup.rows * 8 / 10) as f64 / (b - a) * 60.0,
        start_per_minute: setup.rows.saturating_sub(1) as f64 / last_start.max(1e-9) * 60.0,
        polls_per_job: stats.polls as f64 / setup.rows as f64,
        lag: lags.iter().sum::<f64>() / lags.len() as f64,
        most_in_flight: most,
        refused,
        wall: now,
    }
}

#[test]
fn polling_with_progress_meets_the_goals() {
    for shape in [Shape::Uniform(60.0, 300.0), Shape::LogNormal(120.0, 300.0)] {
        let report = run(Setup::new(1_500, shape));
        eprintln!("progress: {report:?}");
        assert!(report.per_minute >= 150.0, "{report:?}");
        assert!(report.polls_per_job <= 2.5, "{report:?}");
        assert!(report.lag <= 30.0, "{report:?}");
    }
}

#[test]
fn polling_without_progress_holds_the_lag() {
    let report = run(Setup {
        progress: false,
        ..Setup::new(1_500, Shape::Uniform(60.0, 300.0))
    });
    eprintln!("no progress: {report:?}");
    // Without progress the lag target holds, at more polls a job (the arithmetic:
    // about 2.5 polls for 30 s of lag), so fewer jobs a minute.
    assert!(report.lag <= 33.0, "{report:?}");
    assert!(report.polls_per_job <= 3.2, "{report:?}");
    assert!(report.per_minute >= 110.0, "{report:?}");
}

#[test]
fn callbacks_leave_the_budget_to_submits() {
    let report = run(Setup {
        callbacks: Callbacks::Results,
        ..Setup::new(2_000, Shape::Uniform(60.0, 300.0))
    });
    eprintln!("callbacks: {report:?}");
    assert!(report.start_per_minute >= 440.0, "{report:?}");
    // Polled only past the learned 99th percentile: the few jobs that run that long.
    assert!(report.polls_per_job < 0.06, "{report:?}");
    assert!(report.lag < 1.0, "{report:?}");
}

#[test]
fn lost_callbacks_fall_back_to_polling() {
    let report = run(Setup {
        callbacks: Callbacks::Results,
        delivered: 0.0,
        ..Setup::new(600, Shape::Uniform(60.0, 300.0))
    });
    eprintln!("receiver down: {report:?}");
    // Every job is still seen, by polls, with a bounded lag.
    assert!(report.lag <= 60.0, "{report:?}");
    assert!(report.polls_per_job <= 4.0, "{report:?}");
}

#[test]
fn unsigned_callbacks_cost_one_poll_each() {
    let report = run(Setup {
        callbacks: Callbacks::Hints,
        ..Setup::new(1_000, Shape::Uniform(60.0, 300.0))
    });
    eprintln!("hints: {report:?}");
    assert!(report.polls_per_job <= 1.15, "{report:?}");
    // The poll a callback asks for goes first, once the poll floor's 2 s since the last poll
    // have passed.
    assert!(report.lag <= 4.0, "{report:?}");
}

#[test]
fn an_active_job_limit_is_learned_not_fought() {
    let report = run(Setup {
        active_limit: Some(20),
        ..Setup::new(300, Shape::Uniform(6.0, 30.0))
    });
    eprintln!("active limit: {report:?}");
    assert!(report.most_in_flight <= 24, "{report:?}");
    assert!(report.refused >= 1, "{report:?}");
    // One refusal to learn the limit, and a few to find that it did not grow.
    assert!(report.refused <= 20, "{report:?}");
}

#[test]
fn a_ceiling_is_kept() {
    let report = run(Setup {
        max_in_flight: 16,
        ..Setup::new(100, Shape::Uniform(6.0, 30.0))
    });
    assert!(report.most_in_flight <= 16, "{report:?}");
}

/// One job: polled on the client's poll policy, so its lag is that schedule's.
#[test]
fn a_single_job_is_polled_as_a_lone_wait_would_be() {
    let policy = PollPolicy::default();
    for latency in [1.0, 7.0, 45.0, 100.0, 290.0] {
        let report = run(Setup::new(1, Shape::Uniform(latency, latency)));
        // The lone wait: each poll 2, 3, 4.5... s after the previous answer.
        let mut t = SUBMIT_TRIP + secs(policy.interval(0));
        let mut n = 1;
        while t + POLL_TRIP / 2.0 < latency + SUBMIT_TRIP / 2.0 {
            t += POLL_TRIP + secs(policy.interval(n));
            n += 1;
        }
        let today = t + POLL_TRIP - (latency + SUBMIT_TRIP / 2.0);
        assert!(
            report.lag <= today + 1e-6,
            "latency {latency}: {report:?} against {today}"
        );
        assert!(report.wall < latency + 15.0);
    }
}
