//! The latency distribution of a batch, learned online from what polls and callbacks saw.
//!
//! A poll never sees a job finish: it sees "still running" at one age and "done" at a later
//! one, so each finished job says only that its latency lies in an interval (interval
//! censoring), and each running job that its latency exceeds the age of its last poll (right
//! censoring). Counting only finished jobs would learn a distribution biased towards fast jobs
//! early in a batch. The estimate here is the nonparametric maximum-likelihood one for such
//! data (Turnbull's self-consistency iteration), on a logarithmic grid of ages, with a weak
//! log-uniform prior worth one job so that no age is ever impossible. The prior reaches twice
//! the oldest age seen, not the horizon: early in a batch the mass of the running jobs is put
//! just past their ages rather than spread over the next twenty minutes.

use std::cmp::Ordering;
use std::collections::VecDeque;

/// Ages in seconds on a logarithmic grid: bin 0 is `[0, lo]`, bin `k` is
/// `(lo·r^(k-1), lo·r^k]`, the last bin ends at `hi`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Grid {
    lo: f64,
    ln_ratio: f64,
    bins: usize,
}

impl Grid {
    /// A grid from `lo` to `hi` seconds whose bins are about `ratio` wide (at most 1,000 bins).
    pub fn new(lo: f64, hi: f64, ratio: f64) -> Grid {
        let lo = if lo.is_finite() && lo > 0.0 { lo } else { 1e-3 };
        let hi = if hi.is_finite() && hi > lo * 2.0 {
            hi
        } else {
            lo * 2.0
        };
        let span = (hi / lo).ln();
        let bins = ((span / ratio.max(1.000_1).ln()).ceil() as usize + 1).clamp(8, 1_000);
        Grid {
            lo,
            ln_ratio: span / (bins - 1) as f64,
            bins,
        }
    }

    pub fn bins(&self) -> usize {
        self.bins
    }

    /// The lower edge of bin `k` (`edge(bins)` is the end of the grid).
    pub fn edge(&self, k: usize) -> f64 {
        if k == 0 {
            0.0
        } else {
            self.lo * (self.ln_ratio * (k - 1) as f64).exp()
        }
    }

    /// The end of the grid: the longest latency it represents.
    pub fn end(&self) -> f64 {
        self.edge(self.bins)
    }

    /// The bin holding age `t` (ages past the end fall in the last bin).
    pub fn bin_of(&self, t: f64) -> usize {
        if t.partial_cmp(&self.lo) != Some(Ordering::Greater) {
            return 0;
        }
        let k = ((t / self.lo).ln() / self.ln_ratio).ceil();
        if k.is_finite() {
            (k.max(1.0) as usize).min(self.bins - 1)
        } else {
            self.bins - 1
        }
    }

    /// The share of bin `k` inside `(lo, hi]`.
    fn overlap(&self, k: usize, lo: f64, hi: f64) -> f64 {
        let (a, b) = (self.edge(k), self.edge(k + 1));
        let width = b - a;
        if width <= 0.0 {
            return 0.0;
        }
        ((hi.min(b) - lo.max(a)) / width).clamp(0.0, 1.0)
    }
}

/// What is known of one job's latency: it lies in `(lo, hi]` (`hi` infinite while it runs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Censored {
    pub lo: f64,
    pub hi: f64,
}

/// An interval in grid terms: bins `first..=last`, the end bins counted in part.
#[derive(Debug, Clone, Copy)]
struct Span {
    first: usize,
    last: usize,
    w_first: f64,
    w_last: f64,
}

impl Span {
    fn of(grid: &Grid, interval: Censored) -> Span {
        let hi = interval.hi.min(grid.end());
        let lo = interval.lo.max(0.0);
        if hi.partial_cmp(&lo) != Some(Ordering::Greater) {
            // A point (or an interval past the grid): the bin holding it, whole.
            let k = grid.bin_of(interval.hi.min(grid.end()).max(lo));
            return Span {
                first: k,
                last: k,
                w_first: 1.0,
                w_last: 1.0,
            };
        }
        let mut first = grid.bin_of(lo);
        // `lo` on a bin's upper edge: the interval starts in the next bin.
        if grid.overlap(first, lo, hi) <= 0.0 && first + 1 < grid.bins() {
            first += 1;
        }
        let last = grid.bin_of(hi).max(first);
        // A sliver of a bin still counts a little, so that the span is never weightless.
        let w_first = grid.overlap(first, lo, hi).max(1e-6);
        let w_last = grid.overlap(last, lo, hi).max(1e-6);
        Span {
            first,
            last,
            w_first,
            w_last,
        }
    }

    /// The probability of the span under `p` (with `prefix[k]` the sum of `p[..k]`).
    fn mass(&self, p: &[f64], prefix: &[f64]) -> f64 {
        if self.first == self.last {
            return p[self.first] * self.w_first;
        }
        p[self.first] * self.w_first
            + (prefix[self.last] - prefix[self.first + 1])
            + p[self.last] * self.w_last
    }
}

/// How many finished jobs the estimate remembers (the newest).
pub(crate) const WINDOW: usize = 4_096;

/// The prior's weight, in jobs.
const PRIOR_WEIGHT: f64 = 1.0;

/// The smoothing kernel over neighbouring bins (about 3% of an age apart).
const SMOOTHING: [f64; 5] = [0.1, 0.2, 0.4, 0.2, 0.1];

/// Self-consistency iterations per refit (warm-started from the previous estimate).
const ITERATIONS: usize = 30;

/// The learned distribution of job latency, in seconds.
#[derive(Debug, Clone)]
pub(crate) struct LatencyModel {
    grid: Grid,
    /// Probability of each bin.
    p: Vec<f64>,
    /// `prefix[k]` = sum of `p[..k]`.
    prefix: Vec<f64>,
    finished: VecDeque<Censored>,
    /// Finished jobs ever recorded.
    total_finished: u64,
}

impl LatencyModel {
    /// An estimate over ages up to `horizon` seconds (the longest a job is followed).
    pub fn new(horizon: f64) -> LatencyModel {
        let grid = Grid::new(1e-3, horizon.max(1e-2), 1.03);
        let p = vec![1.0 / grid.bins() as f64; grid.bins()];
        let mut model = LatencyModel {
            grid,
            p,
            prefix: Vec::new(),
            finished: VecDeque::new(),
            total_finished: 0,
        };
        model.rebuild_prefix();
        model
    }

    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// Finished jobs ever recorded.
    pub fn finished(&self) -> u64 {
        self.total_finished
    }

    /// A finished job: its latency was more than `lo` and at most `hi` seconds.
    pub fn record(&mut self, lo: f64, hi: f64) {
        let (lo, hi) = (lo.max(0.0), hi.max(0.0));
        if !hi.is_finite() {
            return;
        }
        self.finished.push_back(Censored { lo: lo.min(hi), hi });
        if self.finished.len() > WINDOW {
            self.finished.pop_front();
        }
        self.total_finished += 1;
    }

    /// Re-estimates from the finished jobs and `running` (the age of each running job's last
    /// "still running" answer).
    pub fn refit(&mut self, running: impl IntoIterator<Item = f64>) {
        let running_ages: Vec<f64> = running.into_iter().filter(|age| *age > 0.0).collect();
        let spans: Vec<Span> = self
            .finished
            .iter()
            .copied()
            .chain(running_ages.iter().map(|&lo| Censored {
                lo,
                hi: f64::INFINITY,
            }))
            .map(|c| Span::of(&self.grid, c))
            .collect();
        let n = spans.len() as f64;
        let bins = self.grid.bins();
        // The prior reaches twice the oldest age seen (the longest it could matter to).
        let oldest = self
            .finished
            .iter()
            .map(|c| c.hi)
            .chain(running_ages.iter().copied())
            .fold(0.0f64, f64::max);
        let reach = if oldest > 0.0 {
            (self.grid.bin_of(2.0 * oldest) + 1).min(bins)
        } else {
            bins
        };
        let prior_in = PRIOR_WEIGHT / reach as f64;
        let mut coefficient = vec![0.0; bins];
        let mut next = vec![0.0; bins];
        let mut diff = vec![0.0; bins + 1];
        for _ in 0..ITERATIONS {
            coefficient.iter_mut().for_each(|c| *c = 0.0);
            diff.iter_mut().for_each(|d| *d = 0.0);
            for span in &spans {
                let mass = span.mass(&self.p, &self.prefix);
                if mass.partial_cmp(&0.0) != Some(Ordering::Greater) {
                    continue;
                }
                let f = 1.0 / mass;
                coefficient[span.first] += f * span.w_first;
                if span.last != span.first {
                    coefficient[span.last] += f * span.w_last;
                    if span.last > span.first + 1 {
                        diff[span.first + 1] += f;
                        diff[span.last] -= f;
                    }
                }
            }
            let mut running = 0.0;
            for k in 0..bins {
                running += diff[k];
                let expected = self.p[k] * (coefficient[k] + running);
                let prior = if k < reach { prior_in } else { prior_in * 1e-9 };
                next[k] = (expected + prior) / (n + PRIOR_WEIGHT);
            }
            // Smoothing after each step (EMS): the estimate of interval-censored data otherwise
            // piles its mass on a few ages (where many intervals end), which would then draw
            // every poll there.
            for k in 0..bins {
                let mut sum = 0.0;
                let mut weight = 0.0;
                for (offset, w) in (-2isize..=2).zip(SMOOTHING) {
                    if let Some(value) = usize::try_from(k as isize + offset)
                        .ok()
                        .and_then(|j| next.get(j))
                    {
                        sum += w * value;
                        weight += w;
                    }
                }
                self.p[k] = sum / weight;
            }
            self.rebuild_prefix();
        }
    }

    fn rebuild_prefix(&mut self) {
        let total: f64 = self.p.iter().sum();
        if total > 0.0 && (total - 1.0).abs() > 1e-12 {
            self.p.iter_mut().for_each(|p| *p /= total);
        }
        self.prefix.clear();
        self.prefix.push(0.0);
        let mut sum = 0.0;
        for p in &self.p {
            sum += p;
            self.prefix.push(sum);
        }
    }

    /// P(latency <= t).
    pub fn cdf(&self, t: f64) -> f64 {
        if t.partial_cmp(&0.0) != Some(Ordering::Greater) {
            return 0.0;
        }
        if t >= self.grid.end() {
            return 1.0;
        }
        let k = self.grid.bin_of(t);
        let share = self.grid.overlap(k, 0.0, t);
        (self.prefix[k] + self.p[k] * share).clamp(0.0, 1.0)
    }

    /// The age below which a share `q` of jobs finish.
    pub fn quantile(&self, q: f64) -> f64 {
        let q = q.clamp(0.0, 1.0);
        let k = self.prefix.partition_point(|s| *s < q).saturating_sub(1);
        let k = k.min(self.grid.bins() - 1);
        let (a, b) = (self.grid.edge(k), self.grid.edge(k + 1));
        let within = if self.p[k] > 0.0 {
            ((q - self.prefix[k]) / self.p[k]).clamp(0.0, 1.0)
        } else {
            0.0
        };
        a + (b - a) * within
    }

    /// The mean latency.
    pub fn mean(&self) -> f64 {
        (0..self.grid.bins())
            .map(|k| self.p[k] * 0.5 * (self.grid.edge(k) + self.grid.edge(k + 1)))
            .sum()
    }

    /// The mean latency of jobs whose latency lies in `(lo, hi]` (the middle of the interval
    /// when the estimate puts no weight there).
    pub fn conditional_mean(&self, lo: f64, hi: f64) -> f64 {
        let hi = hi.min(self.grid.end());
        if hi.partial_cmp(&lo) != Some(Ordering::Greater) {
            return hi.max(0.0);
        }
        let (mut mass, mut moment) = (0.0, 0.0);
        for k in self.grid.bin_of(lo)..=self.grid.bin_of(hi) {
            let (a, b) = (self.grid.edge(k).max(lo), self.grid.edge(k + 1).min(hi));
            if b <= a {
                continue;
            }
            let m = self.p[k] * self.grid.overlap(k, a, b);
            mass += m;
            moment += m * 0.5 * (a + b);
        }
        if mass > 0.0 {
            moment / mass
        } else {
            0.5 * (lo + hi)
        }
    }

    /// The age below which a share `q` of the jobs whose latency lies in `(lo, hi]` finish
    /// (spread evenly over the interval when the estimate puts no weight there).
    pub fn conditional_quantile(&self, lo: f64, hi: f64, q: f64) -> f64 {
        let hi = hi.min(self.grid.end());
        if hi.partial_cmp(&lo) != Some(Ordering::Greater) {
            return hi.max(0.0);
        }
        let (a, b) = (self.cdf(lo), self.cdf(hi));
        if b - a > 1e-12 {
            self.quantile(a + (b - a) * q.clamp(0.0, 1.0)).clamp(lo, hi)
        } else {
            lo + (hi - lo) * q.clamp(0.0, 1.0)
        }
    }

    /// The probability of `(a, b]`.
    pub fn mass_between(&self, a: f64, b: f64) -> f64 {
        (self.cdf(b) - self.cdf(a)).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic spread of draws in [0, 1).
    fn draws(n: usize) -> impl Iterator<Item = f64> {
        (0..n).map(move |i| (i as f64 + 0.5) / n as f64)
    }

    #[test]
    fn grid_bins_cover_ages_in_order() {
        let grid = Grid::new(1e-3, 1200.0, 1.03);
        assert!(grid.bins() > 400 && grid.bins() < 500, "{}", grid.bins());
        assert_eq!(grid.bin_of(0.0), 0);
        assert_eq!(grid.bin_of(1e-3), 0);
        assert!((grid.end() - 1200.0).abs() < 1e-6);
        for t in [0.002, 0.5, 1.0, 59.9, 60.0, 299.0, 1199.0] {
            let k = grid.bin_of(t);
            assert!(
                grid.edge(k) < t && t <= grid.edge(k + 1) * (1.0 + 1e-12),
                "{t} in bin {k}"
            );
        }
        assert_eq!(grid.bin_of(1e9), grid.bins() - 1);
        assert_eq!(grid.bin_of(f64::NAN), 0);
    }

    #[test]
    fn exact_latencies_give_their_distribution() {
        // Latencies uniform on 60..300 s, seen exactly (as callbacks see them).
        let mut model = LatencyModel::new(1200.0);
        for u in draws(2_000) {
            let latency = 60.0 + 240.0 * u;
            model.record(latency, latency);
        }
        model.refit([]);
        let median = model.quantile(0.5);
        assert!((median - 180.0).abs() < 6.0, "median {median}");
        assert!((model.quantile(0.95) - 288.0).abs() < 8.0);
        assert!((model.mean() - 180.0).abs() < 6.0, "mean {}", model.mean());
        // The smoothing spreads the edges by a bin or two (3% of an age each).
        assert!(model.cdf(59.0) < 0.01, "{}", model.cdf(59.0));
        assert!(model.cdf(310.0) > 0.99, "{}", model.cdf(310.0));
    }

    #[test]
    fn interval_censored_polls_recover_the_distribution() {
        // Each job polled every 40 s: all we learn is the 40 s window it finished in. The
        // midpoints would be biased by the poll phase; the estimate is not.
        let mut model = LatencyModel::new(1200.0);
        for (i, u) in draws(3_000).enumerate() {
            let latency = 60.0 + 240.0 * u;
            let phase = (i % 7) as f64 * 5.0;
            let polls = (1..).map(|n| phase + 40.0 * n as f64);
            let hi = polls.clone().find(|t| *t >= latency).unwrap();
            model.record((hi - 40.0).max(0.0), hi);
        }
        model.refit([]);
        assert!(
            (model.quantile(0.5) - 180.0).abs() < 10.0,
            "{}",
            model.quantile(0.5)
        );
        assert!(
            (model.quantile(0.1) - 84.0).abs() < 12.0,
            "{}",
            model.quantile(0.1)
        );
        assert!(
            (model.quantile(0.9) - 276.0).abs() < 12.0,
            "{}",
            model.quantile(0.9)
        );
    }

    #[test]
    fn running_jobs_keep_early_estimates_from_favouring_fast_jobs() {
        // 100 s into a batch of 60..300 s jobs submitted at once: the finished ones are the fast
        // ones. Without the running jobs the median would look like 80 s.
        let mut finished_only = LatencyModel::new(1200.0);
        let mut with_running = LatencyModel::new(1200.0);
        let mut running = Vec::new();
        for u in draws(400) {
            let latency = 60.0 + 240.0 * u;
            if latency <= 100.0 {
                finished_only.record(latency - 5.0, latency);
                with_running.record(latency - 5.0, latency);
            } else {
                running.push(100.0);
            }
        }
        finished_only.refit([]);
        with_running.refit(running);
        assert!(finished_only.quantile(0.5) < 100.0);
        // Half the jobs are known to take more than 100 s.
        assert!(with_running.cdf(100.0) < 0.2, "{}", with_running.cdf(100.0));
    }

    #[test]
    fn quantiles_and_conditional_means_agree_with_the_cdf() {
        let mut model = LatencyModel::new(600.0);
        for u in draws(1_000) {
            let latency = 10.0 + 20.0 * u;
            model.record(latency, latency);
        }
        model.refit([]);
        for q in [0.1, 0.25, 0.5, 0.75, 0.9] {
            let t = model.quantile(q);
            assert!((model.cdf(t) - q).abs() < 1e-6, "q {q} t {t}");
        }
        let m = model.conditional_mean(10.0, 20.0);
        assert!((m - 15.0).abs() < 0.5, "{m}");
        // Outside the data: the middle of the interval.
        assert!((model.conditional_mean(500.0, 600.0) - 550.0).abs() < 5.0);
        // The bins at either end reach a little past the data.
        assert!(model.mass_between(9.0, 32.0) > 0.99);
    }

    #[test]
    fn an_empty_model_is_the_log_uniform_prior() {
        let model = LatencyModel::new(1000.0);
        // Half the mass below the geometric middle of 1 ms and 1000 s.
        assert!(
            (model.quantile(0.5) - 1.0).abs() < 0.1,
            "{}",
            model.quantile(0.5)
        );
        assert_eq!(model.finished(), 0);
    }
}
