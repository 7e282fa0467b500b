//! Injected faults: probabilities drawn from the seed, and scripts that fix the next outcomes
//! exactly ("fail, fail, then succeed").

use std::collections::VecDeque;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Probabilities, each from 0 to 1, of each fault per request.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// A 500 on any endpoint, before any work.
    pub error_500: f64,
    /// A 503 on any endpoint, before any work.
    pub error_503: f64,
    /// A 429 on any endpoint, whatever the rate limit.
    pub rate_limit: f64,
    /// The connection dropped after the headers (a submit's job is created first).
    pub reset: f64,
    /// The response held back for `slow_ms` (a submit's job is created first).
    pub slow: f64,
    /// How long a slow response is held, in real milliseconds.
    pub slow_ms: u64,
    /// A submitted job that ends `failed`.
    pub job_failure: f64,
    /// A submit that creates the job and still answers 500.
    pub ambiguous_submit: f64,
}

impl Faults {
    /// Checks that every probability is in `[0, 1]` and that they add up to at most 1 for
    /// each endpoint.
    pub fn validate(&self) -> Result<(), String> {
        let all = [
            ("error_500", self.error_500),
            ("error_503", self.error_503),
            ("rate_limit", self.rate_limit),
            ("reset", self.reset),
            ("slow", self.slow),
            ("job_failure", self.job_failure),
            ("ambiguous_submit", self.ambiguous_submit),
        ];
        for (name, p) in all {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!(
                    "fault probability `{name}` must be between 0 and 1, got {p}"
                ));
            }
        }
        let total: f64 = all.iter().map(|(_, p)| p).sum();
        if total > 1.0 + 1e-9 {
            return Err(format!(
                "fault probabilities add up to {total}, more than 1"
            ));
        }
        Ok(())
    }
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Served normally.
    Ok,
    /// 500 before any work.
    Error500,
    /// 503 before any work.
    Error503,
    /// 429 before any work.
    RateLimit,
    /// Connection dropped mid-response, after the work.
    Reset,
    /// Response held back, after the work.
    Slow,
    /// Submit accepted; the job ends `failed`.
    JobFailure,
    /// Submit creates the job, then answers 500.
    AmbiguousSubmit,
}

impl FromStr for Outcome {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "ok" => Outcome::Ok,
            "500" | "error_500" => Outcome::Error500,
            "503" | "error_503" => Outcome::Error503,
            "429" | "rate_limit" => Outcome::RateLimit,
            "reset" => Outcome::Reset,
            "slow" => Outcome::Slow,
            "fail" | "job_failure" => Outcome::JobFailure,
            "ambiguous" | "ambiguous_submit" => Outcome::AmbiguousSubmit,
            other => {
                return Err(format!(
                    "unknown outcome `{other}`: expected ok, 500, 503, 429, reset, slow, fail or ambiguous"
                ));
            }
        })
    }
}

/// Which requests an outcome or a script applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `POST /enrich-lead-async` and its alias.
    Submit,
    /// `POST /enrich-lead` and its alias.
    Sync,
    /// `GET /job-status/{task_id}`.
    Status,
}

impl Endpoint {
    /// Whether an outcome means anything on this endpoint.
    pub fn allows(self, outcome: Outcome) -> bool {
        match outcome {
            Outcome::JobFailure => self != Endpoint::Status,
            Outcome::AmbiguousSubmit => self == Endpoint::Submit,
            _ => true,
        }
    }
}

/// The random decision: walk the endpoint's faults, accumulating probability, against one draw
/// in `[0, 1)`.
pub fn decide(faults: &Faults, endpoint: Endpoint, draw: f64) -> Outcome {
    let table = [
        (Outcome::Error500, faults.error_500),
        (Outcome::Error503, faults.error_503),
        (Outcome::RateLimit, faults.rate_limit),
        (Outcome::Reset, faults.reset),
        (Outcome::Slow, faults.slow),
        (Outcome::JobFailure, faults.job_failure),
        (Outcome::AmbiguousSubmit, faults.ambiguous_submit),
    ];
    let mut edge = 0.0;
    for (outcome, p) in table {
        if endpoint.allows(outcome) && p > 0.0 {
            edge += p;
            if draw < edge {
                return outcome;
            }
        }
    }
    Outcome::Ok
}

/// Scripted outcomes per endpoint, used before any random draw.
#[derive(Debug, Default)]
pub struct Script {
    submit: VecDeque<Outcome>,
    sync: VecDeque<Outcome>,
    status: VecDeque<Outcome>,
}

impl Script {
    fn queue(&mut self, endpoint: Endpoint) -> &mut VecDeque<Outcome> {
        match endpoint {
            Endpoint::Submit => &mut self.submit,
            Endpoint::Sync => &mut self.sync,
            Endpoint::Status => &mut self.status,
        }
    }

    /// Appends outcomes for the next requests to `endpoint`.
    pub fn push(&mut self, endpoint: Endpoint, outcomes: impl IntoIterator<Item = Outcome>) {
        self.queue(endpoint).extend(outcomes);
    }

    /// The next scripted outcome, if any.
    pub fn next(&mut self, endpoint: Endpoint) -> Option<Outcome> {
        self.queue(endpoint).pop_front()
    }

    /// Forgets every scripted outcome.
    pub fn clear(&mut self) {
        *self = Script::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_table() {
        let faults = Faults {
            error_500: 0.1,
            rate_limit: 0.1,
            job_failure: 0.2,
            ambiguous_submit: 0.1,
            ..Faults::default()
        };
        let rows = [
            (Endpoint::Submit, 0.05, Outcome::Error500),
            (Endpoint::Submit, 0.15, Outcome::RateLimit),
            (Endpoint::Submit, 0.25, Outcome::JobFailure),
            (Endpoint::Submit, 0.45, Outcome::AmbiguousSubmit),
            (Endpoint::Submit, 0.55, Outcome::Ok),
            (Endpoint::Status, 0.05, Outcome::Error500),
            (Endpoint::Status, 0.25, Outcome::Ok),
            (Endpoint::Sync, 0.35, Outcome::JobFailure),
            (Endpoint::Sync, 0.45, Outcome::Ok),
        ];
        for (endpoint, draw, want) in rows {
            assert_eq!(decide(&faults, endpoint, draw), want, "{endpoint:?} {draw}");
        }
        assert_eq!(
            decide(&Faults::default(), Endpoint::Submit, 0.0),
            Outcome::Ok
        );
    }

    #[test]
    fn validation_refuses_impossible_settings() {
        assert!(
            Faults {
                error_500: 1.5,
                ..Faults::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            Faults {
                error_500: 0.6,
                reset: 0.6,
                ..Faults::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            Faults {
                error_500: 0.5,
                reset: 0.5,
                ..Faults::default()
            }
            .validate()
            .is_ok()
        );
    }

    #[test]
    fn scripts_run_in_order_per_endpoint() {
        let mut script = Script::default();
        script.push(
            Endpoint::Submit,
            ["500".parse().unwrap(), "ok".parse().unwrap()],
        );
        assert_eq!(script.next(Endpoint::Status), None);
        assert_eq!(script.next(Endpoint::Submit), Some(Outcome::Error500));
        assert_eq!(script.next(Endpoint::Submit), Some(Outcome::Ok));
        assert_eq!(script.next(Endpoint::Submit), None);
        assert!("teapot".parse::<Outcome>().is_err());
    }
}
