//! Politeness shared by every job of one researcher: the requests in flight to each host, when
//! the last one started, and each origin's robots.txt (kept for [`ROBOTS_TTL`]). Each job's
//! fetcher keeps its own cache and page budget; the sites it reads see one polite client, not
//! one per job running at the time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::robots::Robots;

/// How long a definitive robots.txt answer (a file, or a 4xx) is reused by later jobs.
pub const ROBOTS_TTL: Duration = Duration::from_secs(3600);

/// Entries kept per table before idle ones are dropped.
const PRUNE_AT: usize = 1024;

/// Per-host gates and pace, and robots.txt per origin, shared by the fetchers of one
/// researcher (see [`super::Fetcher::shared`]).
pub struct Hosts {
    per_host: usize,
    horizon: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    gates: HashMap<String, Arc<Semaphore>>,
    last_start: HashMap<String, Instant>,
    robots: HashMap<String, (Instant, Arc<Robots>)>,
    /// Held while one job reads an origin's robots.txt, so that jobs starting together read
    /// it once.
    reading: HashMap<String, Arc<tokio::sync::Mutex<()>>>,
}

impl std::fmt::Debug for Hosts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("Hosts")
            .field("per_host", &self.per_host)
            .field("hosts", &state.gates.len())
            .field("robots", &state.robots.len())
            .finish()
    }
}

/// When a request to a host may start: `delay` after the last start there, and not before
/// `now`.
///
/// ```
/// use std::time::Duration;
/// use sixtyfour_web::fetch::hosts::next_start;
/// use tokio::time::Instant;
///
/// let now = Instant::now();
/// assert_eq!(next_start(None, Duration::from_secs(2), now), now);
/// assert_eq!(next_start(Some(now), Duration::from_secs(2), now), now + Duration::from_secs(2));
/// let long_ago = now - Duration::from_secs(60);
/// assert_eq!(next_start(Some(long_ago), Duration::from_secs(2), now), now);
/// ```
pub fn next_start(last: Option<Instant>, delay: Duration, now: Instant) -> Instant {
    match last {
        Some(last) => (last + delay).max(now),
        None => now,
    }
}

impl Hosts {
    /// Shared state for fetchers allowing `per_host` requests in flight to one host; pace
    /// entries older than `horizon` (the longest delay honoured) are forgotten when the tables
    /// grow.
    pub fn new(per_host: usize, horizon: Duration) -> Hosts {
        Hosts {
            per_host: per_host.max(1),
            horizon,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The gate of `host` (a semaphore of `per_host` permits).
    pub(crate) fn gate(&self, host: &str) -> Arc<Semaphore> {
        let mut state = self.lock();
        if state.gates.len() >= PRUNE_AT {
            // A gate only this table holds has no request in flight: it can be made again.
            state.gates.retain(|_, gate| Arc::strong_count(gate) > 1);
        }
        let per_host = self.per_host;
        state
            .gates
            .entry(host.to_owned())
            .or_insert_with(|| Arc::new(Semaphore::new(per_host)))
            .clone()
    }

    /// Reserves the next start at `host` for a request `delay` after the previous one; returns
    /// how long to wait for it.
    pub(crate) fn reserve(&self, host: &str, delay: Duration) -> Duration {
        let now = Instant::now();
        let mut state = self.lock();
        if state.last_start.len() >= PRUNE_AT {
            let horizon = self.horizon;
            state.last_start.retain(|_, last| *last + horizon >= now);
        }
        let start = next_start(state.last_start.get(host).copied(), delay, now);
        state.last_start.insert(host.to_owned(), start);
        start - now
    }

    /// The lock to hold while reading `origin`'s robots.txt.
    pub(crate) fn reading(&self, origin: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut state = self.lock();
        if state.reading.len() >= PRUNE_AT {
            state.reading.retain(|_, lock| Arc::strong_count(lock) > 1);
        }
        state.reading.entry(origin.to_owned()).or_default().clone()
    }

    /// The robots.txt of `origin`, when a fresh one is known.
    pub(crate) fn robots(&self, origin: &str) -> Option<Arc<Robots>> {
        let now = Instant::now();
        let state = self.lock();
        state
            .robots
            .get(origin)
            .filter(|(at, _)| now.saturating_duration_since(*at) < ROBOTS_TTL)
            .map(|(_, robots)| robots.clone())
    }

    /// Keeps `origin`'s robots.txt for later jobs.
    pub(crate) fn keep_robots(&self, origin: &str, robots: Arc<Robots>) {
        let now = Instant::now();
        let mut state = self.lock();
        if state.robots.len() >= PRUNE_AT {
            state
                .robots
                .retain(|_, (at, _)| now.saturating_duration_since(*at) < ROBOTS_TTL);
        }
        state.robots.insert(origin.to_owned(), (now, robots));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn reservations_keep_their_distance_and_old_entries_go() {
        let hosts = Hosts::new(2, Duration::from_secs(10));
        let delay = Duration::from_secs(2);
        assert_eq!(hosts.reserve("a.example", delay), Duration::ZERO);
        assert_eq!(hosts.reserve("a.example", delay), delay);
        assert_eq!(hosts.reserve("a.example", delay), delay * 2);
        assert_eq!(hosts.reserve("b.example", delay), Duration::ZERO);

        for i in 0..PRUNE_AT {
            hosts.reserve(&format!("h{i}.example"), delay);
        }
        tokio::time::advance(Duration::from_secs(60)).await;
        hosts.reserve("fresh.example", delay);
        assert_eq!(
            hosts.lock().last_start.len(),
            1,
            "only the fresh entry stays"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn robots_are_reused_for_an_hour() {
        let hosts = Hosts::new(2, Duration::from_secs(10));
        assert!(hosts.robots("https://a.example").is_none());
        hosts.keep_robots("https://a.example", Arc::new(Robots::deny_all()));
        assert!(hosts.robots("https://a.example").is_some());
        tokio::time::advance(ROBOTS_TTL).await;
        assert!(
            hosts.robots("https://a.example").is_none(),
            "stale after the TTL"
        );
    }

    #[test]
    fn idle_gates_are_dropped_when_the_table_grows() {
        let hosts = Hosts::new(1, Duration::from_secs(10));
        let held = hosts.gate("busy.example");
        for i in 0..PRUNE_AT {
            hosts.gate(&format!("h{i}.example"));
        }
        let again = hosts.gate("busy.example");
        assert!(Arc::ptr_eq(&held, &again), "a gate in use is kept");
        assert_eq!(
            hosts.lock().gates.len(),
            2,
            "idle gates dropped: the busy one and the last one made stay"
        );
        assert_eq!(held.available_permits(), 1);
    }
}
