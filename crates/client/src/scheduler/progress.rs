//! What a "still running" answer says about when a job will end, learned from the jobs that
//! ended. A status answer may carry `processed_items` / `total_items`; how those grow with time
//! is the server's business (a queue before any progress, steps per field, a burst at the end),
//! so nothing is assumed: the model counts, over finished jobs, which reading was seen at which
//! share of the job's latency (`age / latency`), and gives back the likelihood of a reading for
//! each share. A reading at age `a` then weighs each possible latency `L` by
//! `P(reading | a / L)`. A server that never reports progress teaches it nothing, and the
//! likelihood stays flat.

/// A "still running" answer, as far as timing goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading {
    /// No progress counts (`total_items` absent or 0): pending, or a server that does not say.
    NoProgress,
    /// `processed_items / total_items`, in `[0, 1]`.
    Fraction(f64),
}

impl Reading {
    /// The reading of a status answer's counts.
    ///
    /// ```
    /// use sixtyfour::scheduler::Reading;
    ///
    /// assert_eq!(Reading::from_counts(Some(3), Some(12)), Reading::Fraction(0.25));
    /// assert_eq!(Reading::from_counts(Some(0), Some(0)), Reading::NoProgress);
    /// assert_eq!(Reading::from_counts(None, None), Reading::NoProgress);
    /// assert_eq!(Reading::from_counts(Some(20), Some(10)), Reading::Fraction(1.0));
    /// ```
    pub fn from_counts(processed: Option<u64>, total: Option<u64>) -> Reading {
        match (processed, total) {
            (Some(done), Some(total)) if total > 0 => {
                Reading::Fraction((done as f64 / total as f64).clamp(0.0, 1.0))
            }
            _ => Reading::NoProgress,
        }
    }

    fn class(self) -> usize {
        match self {
            Reading::NoProgress => 0,
            Reading::Fraction(f) => {
                1 + ((f.clamp(0.0, 1.0) * FRACTION_CLASSES as f64) as usize)
                    .min(FRACTION_CLASSES - 1)
            }
        }
    }
}

/// Progress readings are told apart in tenths.
const FRACTION_CLASSES: usize = 10;
const CLASSES: usize = 1 + FRACTION_CLASSES;
/// Shares of a job's latency, in steps of 2.5%.
const SHARE_BINS: usize = 40;
/// Readings worth of the overall frequency of each reading mixed into every share's counts,
/// so that a share seen rarely says little and a reading never rules a latency out entirely.
const SMOOTHING: f64 = 2.0;
/// Neighbouring shares count too, less the further they are.
const KERNEL: [f64; 5] = [0.25, 0.5, 1.0, 0.5, 0.25];
/// Progress readings from finished jobs needed before readings are trusted.
const READY_AFTER: f64 = 24.0;

/// `P(reading | share of the latency elapsed)`, counted over finished jobs.
#[derive(Debug, Clone)]
pub(crate) struct ProgressModel {
    counts: Vec<[f64; CLASSES]>,
    /// Readings learned from, and those with progress counts.
    learned: f64,
    with_progress: f64,
}

impl Default for ProgressModel {
    fn default() -> Self {
        ProgressModel {
            counts: vec![[0.0; CLASSES]; SHARE_BINS],
            learned: 0.0,
            with_progress: 0.0,
        }
    }
}

fn share_bin(share: f64) -> usize {
    ((share.clamp(0.0, 1.0) * SHARE_BINS as f64) as usize).min(SHARE_BINS - 1)
}

impl ProgressModel {
    /// A reading seen at `age` of a job whose latency turned out to be `latency`, counted
    /// `weight` times (a job whose latency is known within an interval is learned from at a
    /// few latencies of that interval, each with its share of the weight).
    pub fn learn(&mut self, age: f64, reading: Reading, latency: f64, weight: f64) {
        if !(latency > 0.0 && age >= 0.0 && weight > 0.0 && weight.is_finite()) {
            return;
        }
        let share = age / latency;
        if share > 1.0 + 1e-9 {
            return;
        }
        self.counts[share_bin(share)][reading.class()] += weight;
        self.learned += weight;
        if matches!(reading, Reading::Fraction(_)) {
            self.with_progress += weight;
        }
    }

    /// True once enough progress readings were learned from to trust them.
    pub fn ready(&self) -> bool {
        self.with_progress >= READY_AFTER
    }

    /// How likely `reading` is at `share` of a job's latency; 1 (no information) until
    /// [`ready`](ProgressModel::ready).
    pub fn likelihood(&self, reading: Reading, share: f64) -> f64 {
        if !self.ready() {
            return 1.0;
        }
        let class = reading.class();
        let centre = share_bin(share) as isize;
        let (mut seen, mut total) = (0.0, 0.0);
        for (offset, weight) in (-2isize..=2).zip(KERNEL) {
            if let Some(row) = usize::try_from(centre + offset)
                .ok()
                .and_then(|k| self.counts.get(k))
            {
                seen += weight * row[class];
                total += weight * row.iter().sum::<f64>();
            }
        }
        let overall = (self.counts.iter().map(|row| row[class]).sum::<f64>() + 0.5)
            / (self.learned + 0.5 * CLASSES as f64);
        (seen + SMOOTHING * overall) / (total + SMOOTHING)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that is pending for the first half of a job and then counts 11 fields.
    fn half_pending(share: f64) -> Reading {
        if share < 0.5 {
            Reading::NoProgress
        } else {
            let done = ((share - 0.5) / 0.5 * 11.0).floor().min(10.0);
            Reading::Fraction(done / 11.0)
        }
    }

    fn trained(reading_at: impl Fn(f64) -> Reading) -> ProgressModel {
        let mut model = ProgressModel::default();
        for job in 0..400 {
            let latency = 60.0 + (job % 240) as f64;
            // Two polls a job, at shares spread over the whole run.
            for share in [
                (job % 40) as f64 / 40.0 + 0.01,
                ((job * 7) % 40) as f64 / 40.0 + 0.02,
            ] {
                model.learn(share * latency, reading_at(share), latency, 1.0);
            }
        }
        model
    }

    #[test]
    fn readings_are_flat_until_learned() {
        let model = ProgressModel::default();
        assert!(!model.ready());
        assert_eq!(model.likelihood(Reading::Fraction(0.5), 0.1), 1.0);
        assert_eq!(model.likelihood(Reading::NoProgress, 0.9), 1.0);
    }

    #[test]
    fn a_learned_reading_points_at_the_share_it_was_seen_at() {
        let model = trained(half_pending);
        assert!(model.ready());
        // "Pending" is likely early and unlikely late.
        assert!(model.likelihood(Reading::NoProgress, 0.2) > 0.8);
        assert!(model.likelihood(Reading::NoProgress, 0.8) < 0.05);
        // 5 of 11 fields done is seen around 73% of the way, not at 45%.
        let at = |share| model.likelihood(Reading::Fraction(5.0 / 11.0), share);
        assert!(at(0.73) > 0.5, "{}", at(0.73));
        assert!(at(0.45) < 0.05, "{}", at(0.45));
        assert!(at(0.95) < 0.05, "{}", at(0.95));
    }

    #[test]
    fn a_server_without_progress_teaches_nothing() {
        let model = trained(|_| Reading::NoProgress);
        assert!(!model.ready());
        assert_eq!(model.likelihood(Reading::NoProgress, 0.5), 1.0);
    }

    #[test]
    fn classes_by_tenths() {
        let rows = [
            (Reading::NoProgress, 0),
            (Reading::Fraction(0.0), 1),
            (Reading::Fraction(0.09), 1),
            (Reading::Fraction(0.1), 2),
            (Reading::Fraction(0.95), 10),
            (Reading::Fraction(1.0), 10),
        ];
        for (reading, class) in rows {
            assert_eq!(reading.class(), class, "{reading:?}");
        }
    }
}
