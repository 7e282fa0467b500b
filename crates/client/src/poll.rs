//! How often to ask about a running job: a growing interval, a server's `Retry-After` winning,
//! and a last poll just before the deadline, early enough to finish within it. Pure; the
//! waiting loop is in `wait`.

use std::time::Duration;

/// The polling schedule.
///
/// ```
/// use std::time::Duration;
/// use sixtyfour::poll::{NextPoll, PollPolicy};
///
/// let policy = PollPolicy::default();
/// assert_eq!(policy.interval(1), Duration::from_secs(3));
/// // 4 s left: the 4.5 s step would overshoot, so the last poll goes 1 s before the deadline,
/// // leaving that second for the request itself.
/// assert_eq!(policy.next(2, Duration::from_secs(4), None), NextPoll::Final(Duration::from_secs(3)));
/// // A server's Retry-After wins over the schedule.
/// assert_eq!(policy.next(0, Duration::from_secs(60), Some(Duration::from_secs(7))), NextPoll::After(Duration::from_secs(7)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollPolicy {
    /// The wait before the first poll.
    pub initial: Duration,
    /// Each wait is the previous one times this.
    pub factor: f64,
    /// The longest wait.
    pub max: Duration,
}

impl Default for PollPolicy {
    /// First poll after 2 s, then x1.5 up to 10 s.
    fn default() -> Self {
        PollPolicy {
            initial: Duration::from_secs(2),
            factor: 1.5,
            max: Duration::from_secs(10),
        }
    }
}

/// The next step of a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextPoll {
    /// Sleep this long, then poll.
    After(Duration),
    /// Sleep this long (to just before the deadline), poll one last time, then give up.
    Final(Duration),
    /// The deadline has passed.
    Expired,
}

/// The longest time kept before the deadline for the last poll's own request; a shorter
/// wait keeps a quarter of what is left.
pub const FINAL_POLL_RESERVE: Duration = Duration::from_secs(1);

impl PollPolicy {
    /// The scheduled wait before poll number `n` (from 0).
    pub fn interval(&self, n: u32) -> Duration {
        let grown = self.initial.as_secs_f64() * self.factor.max(1.0).powi(n.min(64) as i32);
        Duration::from_secs_f64(grown.min(self.max.as_secs_f64()).max(0.0))
    }

    /// What to do before poll number `n`, with `remaining` time to the deadline and the
    /// server's `Retry-After`, which always wins over the schedule. When the next poll would
    /// not end before the deadline, the last one goes [`FINAL_POLL_RESERVE`] (or a quarter of
    /// what is left, if less) before it.
    pub fn next(&self, n: u32, remaining: Duration, retry_after: Option<Duration>) -> NextPoll {
        if remaining.is_zero() {
            return NextPoll::Expired;
        }
        let wait = retry_after.unwrap_or_else(|| self.interval(n));
        let reserve = FINAL_POLL_RESERVE.min(remaining / 4);
        if wait >= remaining - reserve {
            NextPoll::Final(remaining - reserve)
        } else {
            NextPoll::After(wait)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn intervals_grow_and_cap() {
        let policy = PollPolicy::default();
        let got: Vec<f64> = (0..7).map(|n| policy.interval(n).as_secs_f64()).collect();
        assert_eq!(got, [2.0, 3.0, 4.5, 6.75, 10.0, 10.0, 10.0]);
    }

    /// Drives the schedule with a simulated clock until the deadline, as the client's loop does.
    fn schedule(
        policy: &PollPolicy,
        deadline: Duration,
        retry_after: &[Option<Duration>],
    ) -> Vec<(f64, &'static str)> {
        let mut clock = Duration::ZERO;
        let mut out = Vec::new();
        for n in 0.. {
            let hint = retry_after.get(n as usize).copied().flatten();
            match policy.next(n, deadline.saturating_sub(clock), hint) {
                NextPoll::After(wait) => {
                    clock += wait;
                    out.push((clock.as_secs_f64(), "poll"));
                }
                NextPoll::Final(wait) => {
                    clock += wait;
                    out.push((clock.as_secs_f64(), "final"));
                    break;
                }
                NextPoll::Expired => break,
            }
        }
        out
    }

    #[test]
    fn schedule_table_with_a_simulated_clock() {
        let policy = PollPolicy::default();
        assert_eq!(
            schedule(&policy, secs(20.0), &[]),
            [
                (2.0, "poll"),
                (5.0, "poll"),
                (9.5, "poll"),
                (16.25, "poll"),
                (19.0625, "final")
            ]
        );
        // Retry-After wins, even when it is longer or shorter than the schedule.
        assert_eq!(
            schedule(&policy, secs(20.0), &[Some(secs(7.0)), Some(secs(0.5))]),
            [
                (7.0, "poll"),
                (7.5, "poll"),
                (12.0, "poll"),
                (18.75, "poll"),
                (19.6875, "final")
            ]
        );
        // A deadline shorter than the first interval gives one final poll, a quarter of the
        // time before the deadline.
        assert_eq!(schedule(&policy, secs(1.0), &[]), [(0.75, "final")]);
        assert_eq!(policy.next(0, Duration::ZERO, None), NextPoll::Expired);
    }

    /// The client README's figure: 2,000 jobs of 200 ms at concurrency 100 take 40 s with the
    /// default policy, each polled once, 2 s after its submit. Simulated: each of the 100
    /// slots runs its 20 jobs one after another, each job polled on the schedule until done.
    #[test]
    fn the_default_policy_spends_40_s_on_the_readme_batch() {
        let policy = PollPolicy::default();
        let latency = secs(0.2);
        let (jobs, concurrency) = (2_000, 100);
        let mut slot_clock = vec![Duration::ZERO; concurrency];
        let mut polls = 0;
        for job in 0..jobs {
            let slot = job % concurrency;
            let mut waited = Duration::ZERO;
            for n in 0.. {
                match policy.next(n, secs(20.0 * 60.0) - waited, None) {
                    NextPoll::After(wait) | NextPoll::Final(wait) => waited += wait,
                    NextPoll::Expired => unreachable!("a 200 ms job outlived the deadline"),
                }
                polls += 1;
                if waited >= latency {
                    break;
                }
            }
            slot_clock[slot] += waited;
        }
        let wall = slot_clock.into_iter().max().unwrap();
        assert_eq!(wall, secs(40.0));
        assert_eq!(polls, jobs);
    }
}
