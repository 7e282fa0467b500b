//! How many jobs to keep in flight: as many as the budget sustains (Little's law: throughput
//! times the time a job stays), never more than a ceiling, and never more than the server's
//! limit on active jobs once a submit was refused for it.

/// The most jobs in flight at once unless a lower ceiling is given: enough for a budget of
/// 1,000 requests a minute with callbacks and four-minute jobs (16 jobs a second for 250 s).
pub const SAFE_MAX_IN_FLIGHT: usize = 4_000;

/// Slack over the exact figure, so that the budget is not starved by a slightly low estimate.
const HEADROOM: f64 = 1.15;

/// The jobs in flight that keep a budget of `rate` requests a second busy when each job costs
/// one submit and `polls` polls and stays `cycle` seconds (its latency and detection lag);
/// unlimited without a budget.
///
/// ```text
/// rate 8.33/s, 2 polls a job   -> 2.78 jobs/s
/// cycle 200 s                  -> 556 jobs, x1.15 -> 639
/// ```
pub(crate) fn sustained(rate: Option<f64>, polls: f64, cycle: f64) -> usize {
    let Some(rate) = rate else {
        return usize::MAX;
    };
    let per_job = 1.0 + polls.max(0.0);
    let jobs = rate / per_job * cycle.max(0.0) * HEADROOM;
    if jobs.is_finite() {
        (jobs.ceil() as usize).max(1)
    } else {
        usize::MAX
    }
}

/// The server's limit on active jobs, learned from refusals: after a refusal the ceiling is the
/// jobs running then, so a new job goes only when one ends; after as many jobs ended as the
/// ceiling (a whole turnover without a refusal) it is raised by one, to find a limit that grew.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ActiveLimit {
    limit: Option<usize>,
    ended_since: usize,
}

impl ActiveLimit {
    /// A submit was refused with `running` jobs known to run.
    pub fn refused(&mut self, running: usize) {
        self.limit = Some(running.max(1));
        self.ended_since = 0;
    }

    /// A job ended.
    pub fn ended(&mut self) {
        if let Some(limit) = self.limit {
            self.ended_since += 1;
            if self.ended_since >= limit {
                self.limit = Some(limit + 1);
                self.ended_since = 0;
            }
        }
    }

    /// The learned limit, if any.
    pub fn limit(&self) -> Option<usize> {
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn little_table() {
        let rows = [
            (Some(500.0 / 60.0), 2.0, 200.0, 639),
            (Some(500.0 / 60.0), 0.0, 181.0, 1735),
            (Some(10.0), 1.0, 0.0, 1),
            (None, 2.0, 200.0, usize::MAX),
            (Some(f64::INFINITY), 2.0, 200.0, usize::MAX),
        ];
        for (rate, polls, cycle, want) in rows {
            assert_eq!(
                sustained(rate, polls, cycle),
                want,
                "{rate:?} {polls} {cycle}"
            );
        }
    }

    #[test]
    fn a_refusal_caps_until_a_turnover_passes() {
        let mut limit = ActiveLimit::default();
        assert_eq!(limit.limit(), None);
        limit.ended();
        assert_eq!(limit.limit(), None);
        limit.refused(3);
        assert_eq!(limit.limit(), Some(3));
        limit.ended();
        limit.ended();
        assert_eq!(limit.limit(), Some(3));
        limit.ended();
        assert_eq!(limit.limit(), Some(4));
        // Refused again with 4 running: back to 4, and the count starts over.
        limit.refused(4);
        limit.ended();
        assert_eq!(limit.limit(), Some(4));
        limit.refused(0);
        assert_eq!(limit.limit(), Some(1));
    }
}
