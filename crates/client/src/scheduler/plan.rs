//! When to poll a job: the decision, a pure function of what is known about its end.
//!
//! A job's outlook is the distribution of its latency given everything seen so far: the batch's
//! learned distribution, cut at the age of its last "still running" answer and weighed by what
//! its progress readings say. A poll costs `lambda` (seconds of detection lag that one request
//! is worth, set by the budget); a finished job not yet seen costs the seconds until it is.
//! The plan minimises the expected sum over the whole future of the job (a dynamic programme
//! over candidate poll ages), and the first poll of that plan is the decision. When callbacks
//! are expected, only the share `lost` of the jobs whose callback never comes costs lag, so
//! polls move out to the ages where a missing callback has become likely.

use super::latency::LatencyModel;
use super::progress::{ProgressModel, Reading};
use std::cmp::Ordering;

/// Pieces an outlook is cut into (about).
const PIECES: usize = 160;
/// Tail mass left out of an outlook.
const TAIL: f64 = 1e-6;

/// The distribution of a job's latency past `edges[0]`: `mass[k]` in `(edges[k], edges[k+1]]`,
/// summing to 1.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outlook {
    pub edges: Vec<f64>,
    pub mass: Vec<f64>,
}

impl Outlook {
    /// The outlook of a job last seen running at age `start` with these readings (age,
    /// reading), or `None` when it has outlived everything the model covers. `first_gap`,
    /// when inside, becomes an edge, so that the earliest allowed poll is a candidate.
    pub fn build(
        model: &LatencyModel,
        progress: &ProgressModel,
        readings: &[(f64, Reading)],
        start: f64,
        first_gap: f64,
    ) -> Option<Outlook> {
        let grid = model.grid();
        let start = start.max(0.0);
        if start >= grid.end() {
            return None;
        }
        let weight = |t: f64| -> f64 {
            readings
                .iter()
                .map(|(age, reading)| progress.likelihood(*reading, age / t))
                .product()
        };
        // Coarse pass over the model's bins, to find where the mass is.
        let first_bin = grid.bin_of(start);
        let mut coarse = Vec::with_capacity(grid.bins() - first_bin);
        for k in first_bin..grid.bins() {
            let (a, b) = (grid.edge(k).max(start), grid.edge(k + 1));
            if b <= a {
                coarse.push((k, a, b, 0.0));
                continue;
            }
            let m = model.mass_between(a, b) * weight(0.5 * (a + b));
            coarse.push((k, a, b, m));
        }
        let total: f64 = coarse.iter().map(|c| c.3).sum();
        if total.partial_cmp(&0.0) != Some(Ordering::Greater) || !total.is_finite() {
            return None;
        }
        // Drop the far tail.
        let mut cumulative = 0.0;
        let mut last = coarse.len() - 1;
        for (i, c) in coarse.iter().enumerate() {
            cumulative += c.3;
            if cumulative >= total * (1.0 - TAIL) {
                last = i;
                break;
            }
        }
        let used = &coarse[..=last];
        let nonempty = used.iter().filter(|c| c.3 > 0.0).count().max(1);
        let split = PIECES.div_ceil(nonempty).clamp(1, 64);
        let mut edges = vec![start];
        let gap_edge = start + first_gap;
        for &(_, a, b, m) in used {
            let pieces = if m > 0.0 { split } else { 1 };
            for i in 1..=pieces {
                let edge = a + (b - a) * i as f64 / pieces as f64;
                let previous = *edges.last().unwrap_or(&start);
                if gap_edge > previous && gap_edge < edge {
                    edges.push(gap_edge);
                }
                edges.push(edge);
            }
        }
        edges.dedup_by(|b, a| *b <= *a);
        let mut mass = Vec::with_capacity(edges.len() - 1);
        for pair in edges.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            mass.push(model.mass_between(a, b) * weight(0.5 * (a + b)));
        }
        let total: f64 = mass.iter().sum();
        if total.partial_cmp(&0.0) != Some(Ordering::Greater) || !total.is_finite() {
            return None;
        }
        mass.iter_mut().for_each(|m| *m /= total);
        Some(Outlook { edges, mass })
    }

    /// The expected end of the job given that it ended by age `by`, or `None` when the outlook
    /// puts no mass there.
    pub fn mean_end_by(&self, by: f64) -> Option<f64> {
        let (mut mass, mut moment) = (0.0, 0.0);
        for (pair, m) in self.edges.windows(2).zip(&self.mass) {
            let (a, b) = (pair[0], pair[1].min(by));
            if b <= a {
                break;
            }
            let share = m * (b - a) / (pair[1] - pair[0]);
            mass += share;
            moment += share * 0.5 * (a + b);
        }
        (mass > 0.0 && moment.is_finite()).then(|| moment / mass)
    }
}

/// The costs of a plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Costs {
    /// What one poll is worth, in seconds of detection lag.
    pub lambda: f64,
    /// The share of finished jobs whose end only a poll can show (1 without callbacks).
    pub lost: f64,
    /// The least wait before the next poll.
    pub first_gap: f64,
    /// The least wait between the polls after it.
    pub later_gap: f64,
}

/// The best plan from an outlook.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Plan {
    /// The age of the next poll.
    pub next: f64,
    /// The expected number of polls from here on.
    pub polls: f64,
    /// The expected detection lag, over all jobs (zero for those a callback reports).
    pub lag: f64,
}

/// The plan minimising `lambda × polls + lag` over the outlook (see the module documentation).
pub(crate) fn plan(outlook: &Outlook, costs: &Costs) -> Plan {
    let Outlook { edges, mass } = outlook;
    let n = mass.len();
    let lost = costs.lost.clamp(0.0, 1.0);
    // survive[i]: mass past edge i; prefix sums of mass and of mass × midpoint.
    let mut survive = vec![0.0; n + 1];
    for i in (0..n).rev() {
        survive[i] = survive[i + 1] + mass[i];
    }
    let mut p = vec![0.0; n + 1];
    let mut q = vec![0.0; n + 1];
    for i in 0..n {
        p[i + 1] = p[i] + mass[i];
        q[i + 1] = q[i] + mass[i] * 0.5 * (edges[i] + edges[i + 1]);
    }
    // The cost of polling at edge j when last seen running at edge i: the poll (if still
    // waiting then) and the lag of the jobs that ended in between without a callback.
    let step = |i: usize, j: usize| -> (f64, f64) {
        let waiting = survive[j] + lost * (survive[i] - survive[j]);
        let lag = lost * (edges[j] * (p[j] - p[i]) - (q[j] - q[i]));
        (waiting, lag.max(0.0))
    };
    let mut value = vec![0.0; n + 1];
    let mut choice = vec![n; n + 1];
    for i in (0..n).rev() {
        let gap = if i == 0 {
            costs.first_gap
        } else {
            costs.later_gap
        };
        let mut best = f64::INFINITY;
        let mut best_j = n;
        for j in i + 1..=n {
            if j < n && edges[j] - edges[i] < gap * (1.0 - 1e-9) {
                continue;
            }
            let (waiting, lag) = step(i, j);
            let cost = costs.lambda * waiting + lag + value[j];
            if cost < best {
                best = cost;
                best_j = j;
            }
        }
        value[i] = best;
        choice[i] = best_j;
    }
    let (mut polls, mut lag) = (0.0, 0.0);
    let mut i = 0;
    while i < n {
        let j = choice[i];
        let (waiting, l) = step(i, j);
        polls += waiting;
        lag += l;
        i = j;
    }
    Plan {
        next: edges[choice[0].min(n)],
        polls,
        lag,
    }
}

/// The `lambda` whose plan for a new job expects `target` seconds of lag, searched between
/// `low` and `high` (the nearer end when the target is out of reach).
pub(crate) fn lambda_for_lag(
    outlook: &Outlook,
    costs: Costs,
    target: f64,
    low: f64,
    high: f64,
) -> f64 {
    let lag_at = |lambda: f64| plan(outlook, &Costs { lambda, ..costs }).lag;
    let (mut lo, mut hi) = (low.max(1e-9).ln(), high.max(low * 2.0).ln());
    if lag_at(lo.exp()) >= target {
        return lo.exp();
    }
    if lag_at(hi.exp()) <= target {
        return hi.exp();
    }
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        if lag_at(mid.exp()) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi)).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A uniform outlook on `(a, b]` in `n` pieces.
    fn uniform(a: f64, b: f64, n: usize) -> Outlook {
        Outlook {
            edges: (0..=n).map(|i| a + (b - a) * i as f64 / n as f64).collect(),
            mass: vec![1.0 / n as f64; n],
        }
    }

    fn costs(lambda: f64) -> Costs {
        Costs {
            lambda,
            lost: 1.0,
            first_gap: 0.0,
            later_gap: 0.0,
        }
    }

    #[test]
    fn one_poll_at_the_end_when_polls_are_dear() {
        let outlook = uniform(60.0, 300.0, 240);
        let plan = plan(&outlook, &costs(1e6));
        assert_eq!(plan.next, 300.0);
        assert!((plan.polls - 1.0).abs() < 1e-9);
        // Uniform on 60..300 polled at 300: 120 s of lag on average.
        assert!((plan.lag - 120.0).abs() < 0.5, "{}", plan.lag);
    }

    #[test]
    fn cheap_polls_buy_little_lag() {
        let outlook = uniform(60.0, 300.0, 240);
        let plan = plan(&outlook, &costs(0.01));
        assert!(plan.next <= 62.0, "{}", plan.next);
        assert!(plan.lag < 1.0, "{}", plan.lag);
        // The best even spacing for a density f is about sqrt(2 lambda / f): 2.2 s here.
        assert!(plan.polls > 50.0, "{}", plan.polls);
    }

    /// The arithmetic of evenly spaced polls on a uniform latency over 60..300 s: spacing `d`
    /// gives about `0.5 + 120 / d` polls a job and `d / 2` of lag; the plan does at least as
    /// well.
    #[test]
    fn the_plan_beats_even_spacing_for_the_same_polls() {
        let outlook = uniform(60.0, 300.0, 480);
        for lambda in [5.0, 20.0, 60.0] {
            let best = plan(&outlook, &costs(lambda));
            // Even spacing d from 60 s with the same number of polls.
            let d = 120.0 / (best.polls - 0.5).max(0.1);
            let even_lag = d / 2.0;
            assert!(
                best.lag <= even_lag + 0.5,
                "lambda {lambda}: {best:?} vs lag {even_lag} at spacing {d}"
            );
        }
    }

    #[test]
    fn the_first_gap_is_respected() {
        let outlook = uniform(0.0, 10.0, 100);
        let plan = plan(
            &outlook,
            &Costs {
                first_gap: 2.0,
                ..costs(0.001)
            },
        );
        assert!(plan.next >= 2.0 - 1e-9 && plan.next < 2.2, "{}", plan.next);
    }

    #[test]
    fn callbacks_move_polls_to_the_tail() {
        let outlook = uniform(60.0, 300.0, 240);
        let polling = plan(&outlook, &costs(20.0));
        let trusting = plan(
            &outlook,
            &Costs {
                lost: 0.02,
                ..costs(20.0)
            },
        );
        assert!(trusting.next > 250.0, "{trusting:?}");
        assert!(
            trusting.polls < 0.5 * polling.polls,
            "{trusting:?} {polling:?}"
        );
    }

    #[test]
    fn lambda_is_found_for_a_lag_target() {
        let outlook = uniform(60.0, 300.0, 480);
        let lambda = lambda_for_lag(&outlook, costs(0.0), 30.0, 1e-3, 1e4);
        let plan = plan(&outlook, &costs(lambda));
        assert!((plan.lag - 30.0).abs() < 1.0, "{plan:?}");
        // The arithmetic: about 2.5 polls a job for 30 s of lag without progress.
        assert!(plan.polls > 2.0 && plan.polls < 3.0, "{plan:?}");
        // Out of reach: the nearest end.
        assert!((lambda_for_lag(&outlook, costs(0.0), 1e6, 1.0, 10.0) - 10.0).abs() < 1e-9);
    }

    #[test]
    fn the_mean_end_is_taken_over_what_came_before() {
        let outlook = uniform(60.0, 300.0, 240);
        let rows = [(300.0, 180.0), (120.0, 90.0), (61.0, 60.5), (400.0, 180.0)];
        for (by, mean) in rows {
            let got = outlook.mean_end_by(by).expect("mass before");
            assert!((got - mean).abs() < 1e-6, "by {by}: {got}");
        }
        assert_eq!(outlook.mean_end_by(60.0), None);
    }

    #[test]
    fn a_narrow_outlook_is_polled_once_at_its_end() {
        // Progress said the job ends between 130 and 134 s.
        let outlook = uniform(130.0, 134.0, 40);
        let plan = plan(&outlook, &costs(20.0));
        assert!((plan.next - 134.0).abs() < 1e-9);
        assert!((plan.lag - 2.0).abs() < 0.05);
    }
}
