//! Per-call options: a deadline, a timeout, a poll policy, body options and the endpoint, set
//! for some calls without rebuilding the client ([`Client::with_options`](crate::Client::with_options)).

use std::time::Duration;

use sixtyfour_protocol::{Endpoint, Tier};
use tokio::time::Instant;

use crate::poll::PollPolicy;

/// When a call must end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// This long after the call starts.
    After(Duration),
    /// At this instant, whenever the call starts.
    At(std::time::Instant),
}

impl Deadline {
    /// The instant this deadline falls on for a call that starts at `start`.
    pub(crate) fn instant(self, start: Instant) -> Instant {
        match self {
            Deadline::After(after) => start.checked_add(after).unwrap_or_else(far_future),
            Deadline::At(at) => Instant::from_std(at),
        }
    }
}

/// About thirty years from now: "no deadline" for arithmetic that needs an instant.
pub(crate) fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(30 * 365 * 24 * 3600)
}

/// Options for some calls, over the client's defaults. Unset options keep the client's value.
///
/// The deadline bounds every wait of a call: the rate limiter's queue, back-off before a retry,
/// a server's `Retry-After`, the poll schedule and each HTTP request's own timeout. Body options
/// (`tier`, `max_iterations`, `webhook_url`) win over the request's own values. The endpoint
/// picks the family of paths (enrich-lead or people-intelligence); each call takes its sync or
/// async twin.
///
/// ```
/// use std::time::Duration;
/// use sixtyfour::{Endpoint, RequestOptions, Tier};
///
/// let options = RequestOptions::new()
///     .deadline(Duration::from_secs(30))
///     .timeout(Duration::from_secs(5))
///     .tier(Tier::High)
///     .endpoint(Endpoint::PeopleIntelligence);
/// assert_eq!(options.tier, Some(Tier::High));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct RequestOptions {
    /// The timeout of each HTTP request (submit, poll; the sync endpoint's too).
    pub timeout: Option<Duration>,
    /// When the whole call must end.
    pub deadline: Option<Deadline>,
    /// How often to poll.
    pub poll: Option<PollPolicy>,
    /// The research tier of submitted bodies.
    pub tier: Option<Tier>,
    /// The bound on the agent's iterations of submitted bodies.
    pub max_iterations: Option<u32>,
    /// The webhook URL of submitted bodies.
    pub webhook_url: Option<String>,
    /// The family of submit paths.
    pub endpoint: Option<Endpoint>,
}

impl RequestOptions {
    /// No options: the client's defaults.
    pub fn new() -> Self {
        RequestOptions::default()
    }

    /// The timeout of each HTTP request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The call ends at most this long after it starts.
    pub fn deadline(mut self, after: Duration) -> Self {
        self.deadline = Some(Deadline::After(after));
        self
    }

    /// The call ends at this instant at the latest (the same instant for every call made
    /// with these options: a deadline for a whole run).
    pub fn deadline_at(mut self, at: std::time::Instant) -> Self {
        self.deadline = Some(Deadline::At(at));
        self
    }

    /// How often to poll.
    pub fn poll_policy(mut self, poll: PollPolicy) -> Self {
        self.poll = Some(poll);
        self
    }

    /// The research tier.
    pub fn tier(mut self, tier: Tier) -> Self {
        self.tier = Some(tier);
        self
    }

    /// The bound on the agent's iterations.
    pub fn max_iterations(mut self, n: u32) -> Self {
        self.max_iterations = Some(n);
        self
    }

    /// The URL the service calls when an async job ends.
    pub fn webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_url = Some(url.into());
        self
    }

    /// The family of submit paths: [`Endpoint::EnrichLead`] (the default) or
    /// [`Endpoint::PeopleIntelligence`]; sync or async is the call's choice.
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    /// These options with every option set in `other` taking its value.
    pub fn merge(&self, other: &RequestOptions) -> RequestOptions {
        RequestOptions {
            timeout: other.timeout.or(self.timeout),
            deadline: other.deadline.or(self.deadline),
            poll: other.poll.or(self.poll),
            tier: other.tier.or(self.tier),
            max_iterations: other.max_iterations.or(self.max_iterations),
            webhook_url: other
                .webhook_url
                .clone()
                .or_else(|| self.webhook_url.clone()),
            endpoint: other.endpoint.or(self.endpoint),
        }
    }
}

/// The settings of one call, fixed when it starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call {
    /// When the call started.
    pub start: Instant,
    /// When it must end.
    pub deadline: Instant,
    /// Each request's own timeout (before the deadline shortens it).
    pub timeout: Duration,
    /// The poll schedule.
    pub poll: PollPolicy,
    /// The family of submit paths.
    pub endpoint: Endpoint,
}

impl Call {
    /// Time left before the deadline.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// True once the deadline has passed.
    pub fn expired(&self) -> bool {
        Instant::now() >= self.deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_options_win_and_unset_ones_keep_the_earlier() {
        let base = RequestOptions::new()
            .tier(Tier::Low)
            .timeout(Duration::from_secs(5));
        let merged = base.merge(
            &RequestOptions::new()
                .tier(Tier::High)
                .endpoint(Endpoint::PeopleIntelligence),
        );
        assert_eq!(merged.tier, Some(Tier::High));
        assert_eq!(merged.timeout, Some(Duration::from_secs(5)));
        assert_eq!(merged.endpoint, Some(Endpoint::PeopleIntelligence));
        assert_eq!(merged.deadline, None);
    }

    #[test]
    fn deadlines_fall_on_instants() {
        let start = Instant::now();
        assert_eq!(
            Deadline::After(Duration::from_secs(3)).instant(start),
            start + Duration::from_secs(3)
        );
        let at = std::time::Instant::now() + Duration::from_secs(9);
        assert_eq!(Deadline::At(at).instant(start), Instant::from_std(at));
        // An absurd duration does not overflow.
        assert!(Deadline::After(Duration::MAX).instant(start) > start);
    }
}
