//! Injected faults: one table of fault kinds, from which the probabilities (`Faults`), the
//! outcomes (`Outcome`), their counters (`FaultCounts`), script names and the random decision
//! are all made; and scripts that fix the next outcomes exactly ("fail, fail, then succeed").

use std::collections::VecDeque;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Which requests a fault kind can strike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every API request.
    Any,
    /// Requests that create a job (sync and async submits).
    Submits,
    /// Async submits only.
    AsyncSubmits,
}

impl Scope {
    fn allows(self, endpoint: Endpoint) -> bool {
        match self {
            Scope::Any => true,
            Scope::Submits => endpoint != Endpoint::Status,
            Scope::AsyncSubmits => endpoint == Endpoint::Submit,
        }
    }
}

/// When a fault strikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Instead of the work: an error answer, nothing created.
    Before,
    /// On the job: it is created and ends `failed`.
    Job,
    /// After the work: the job exists, the answer is spoiled.
    After,
}

/// One kind of fault: its outcome, its names, where and when it strikes.
#[derive(Debug, Clone, Copy)]
pub struct FaultKind {
    /// The outcome it forces.
    pub outcome: Outcome,
    /// Its name in `Faults`, `FaultCounts` and scripts.
    pub name: &'static str,
    /// Other names a script may use.
    pub aliases: &'static [&'static str],
    /// Which requests it can strike.
    pub scope: Scope,
    /// When it strikes.
    pub phase: Phase,
}

/// Declares the fault kinds once; every list below is generated from this one.
macro_rules! fault_kinds {
    ($(
        $variant:ident, $field:ident, [$($alias:literal),*], $scope:ident, $phase:ident, $what:literal;
    )*) => {
        /// What happens to one request.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Outcome {
            /// Served normally.
            Ok,
            $(
                #[doc = $what]
                $variant,
            )*
        }

        /// Probabilities, each from 0 to 1, of each fault per request.
        #[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Default)]
        #[serde(default, deny_unknown_fields)]
        pub struct Faults {
            $(
                #[doc = concat!("Probability of: ", $what)]
                pub $field: f64,
            )*
            /// How long a slow response is held, in real milliseconds.
            pub slow_ms: u64,
        }

        /// Injected faults per kind.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
        #[serde(default)]
        #[non_exhaustive]
        pub struct FaultCounts {
            $(
                #[doc = concat!("How many times: ", $what)]
                pub $field: u64,
            )*
        }

        /// Every fault kind, in the order the random decision walks them.
        pub const KINDS: &[FaultKind] = &[
            $(FaultKind {
                outcome: Outcome::$variant,
                name: stringify!($field),
                aliases: &[$($alias),*],
                scope: Scope::$scope,
                phase: Phase::$phase,
            },)*
        ];

        impl Faults {
            /// The probability of one outcome (0 for `Ok`).
            pub fn probability(&self, outcome: Outcome) -> f64 {
                match outcome {
                    Outcome::Ok => 0.0,
                    $(Outcome::$variant => self.$field,)*
                }
            }
        }

        impl FaultCounts {
            /// The counter of one outcome (`None` for `Ok`).
            pub fn get_mut(&mut self, outcome: Outcome) -> Option<&mut u64> {
                match outcome {
                    Outcome::Ok => None,
                    $(Outcome::$variant => Some(&mut self.$field),)*
                }
            }

            /// The count of one outcome (0 for `Ok`).
            pub fn get(&self, outcome: Outcome) -> u64 {
                match outcome {
                    Outcome::Ok => 0,
                    $(Outcome::$variant => self.$field,)*
                }
            }
        }
    };
}

fault_kinds! {
    Error500, error_500, ["500"], Any, Before, "a 500 before any work.";
    Error503, error_503, ["503"], Any, Before, "a 503 before any work.";
    RateLimit, rate_limit, ["429"], Any, Before, "a 429 (rate limit, with `Retry-After`) before any work.";
    PaymentRequired, payment_required, ["402"], Any, Before, "a 402 (out of credits) before any work.";
    Forbidden, forbidden, ["403"], Any, Before, "a 403 (tier not enabled) before any work.";
    Unprocessable, unprocessable, ["422"], Any, Before, "a 422 with a validation list before any work.";
    ActiveJobLimit, active_job_limit, ["429-active"], Submits, Before, "a submit refused with 429 for too many active jobs.";
    Reset, reset, [], Any, After, "the connection dropped after the headers (a submit's job is created first).";
    Slow, slow, [], Any, After, "the response held back for `slow_ms` (a submit's job is created first).";
    JobFailure, job_failure, ["fail"], Submits, Job, "a submitted job that ends `failed`.";
    AmbiguousSubmit, ambiguous_submit, ["ambiguous"], AsyncSubmits, After, "a submit that creates the job and still answers 500.";
}

impl Outcome {
    /// The table entry of a fault (`None` for `Ok`).
    pub fn kind(self) -> Option<&'static FaultKind> {
        KINDS.iter().find(|kind| kind.outcome == self)
    }

    /// Its position in [`KINDS`] (`None` for `Ok`).
    pub fn index(self) -> Option<usize> {
        KINDS.iter().position(|kind| kind.outcome == self)
    }
}

impl Faults {
    /// Checks that every probability is in `[0, 1]` and that they add up to at most 1.
    pub fn validate(&self) -> Result<(), String> {
        let mut total = 0.0;
        for kind in KINDS {
            let p = self.probability(kind.outcome);
            if !(0.0..=1.0).contains(&p) {
                return Err(format!(
                    "fault probability `{}` must be between 0 and 1, got {p}",
                    kind.name
                ));
            }
            total += p;
        }
        if total > 1.0 + 1e-9 {
            return Err(format!(
                "fault probabilities add up to {total}, more than 1"
            ));
        }
        Ok(())
    }
}

impl FromStr for Outcome {
    type Err = String;

    /// `ok`, a kind's name (`error_500`, `job_failure`...) or one of its short names
    /// (`500`, `402`, `422`, `429-active`, `fail`, `ambiguous`...).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        if wanted == "ok" {
            return Ok(Outcome::Ok);
        }
        KINDS
            .iter()
            .find(|kind| kind.name == wanted || kind.aliases.contains(&wanted.as_str()))
            .map(|kind| kind.outcome)
            .ok_or_else(|| {
                let names: Vec<&str> = std::iter::once("ok")
                    .chain(
                        KINDS
                            .iter()
                            .map(|k| k.aliases.first().copied().unwrap_or(k.name)),
                    )
                    .collect();
                format!(
                    "unknown outcome `{}`: expected one of {}",
                    s.trim(),
                    names.join(", ")
                )
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
        outcome.kind().is_none_or(|kind| kind.scope.allows(self))
    }
}

/// The random decision: walk the kinds this endpoint allows, accumulating probability, against
/// one draw in `[0, 1)`.
pub fn decide(faults: &Faults, endpoint: Endpoint, draw: f64) -> Outcome {
    let mut edge = 0.0;
    for kind in KINDS {
        let p = faults.probability(kind.outcome);
        if kind.scope.allows(endpoint) && p > 0.0 {
            edge += p;
            if draw < edge {
                return kind.outcome;
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
    fn every_kind_has_a_field_a_counter_and_a_name() {
        for kind in KINDS {
            let outcome = kind.outcome;
            assert_eq!(kind.name.parse::<Outcome>(), Ok(outcome));
            for alias in kind.aliases {
                assert_eq!(alias.parse::<Outcome>(), Ok(outcome), "{alias}");
            }
            // The probability field and the counter are the kind's own.
            let faults: Faults =
                serde_json::from_value(serde_json::json!({kind.name: 0.5})).unwrap();
            assert_eq!(faults.probability(outcome), 0.5);
            let mut counts = FaultCounts::default();
            *counts.get_mut(outcome).unwrap() += 1;
            assert_eq!(serde_json::to_value(counts).unwrap()[kind.name], 1);
            assert_eq!(KINDS[outcome.index().unwrap()].name, kind.name);
        }
        let names: std::collections::HashSet<_> = KINDS.iter().map(|k| k.name).collect();
        assert_eq!(names.len(), KINDS.len());
        let err = "teapot".parse::<Outcome>().unwrap_err();
        assert!(err.contains("402") && err.contains("422"), "{err}");
    }

    #[test]
    fn scopes_table() {
        let rows = [
            (Outcome::JobFailure, Endpoint::Status, false),
            (Outcome::JobFailure, Endpoint::Sync, true),
            (Outcome::AmbiguousSubmit, Endpoint::Sync, false),
            (Outcome::AmbiguousSubmit, Endpoint::Submit, true),
            (Outcome::ActiveJobLimit, Endpoint::Status, false),
            (Outcome::Forbidden, Endpoint::Status, true),
            (Outcome::Ok, Endpoint::Status, true),
        ];
        for (outcome, endpoint, allowed) in rows {
            assert_eq!(
                endpoint.allows(outcome),
                allowed,
                "{outcome:?} {endpoint:?}"
            );
        }
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
        assert!(
            Faults {
                forbidden: f64::NAN,
                ..Faults::default()
            }
            .validate()
            .is_err()
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
    }
}
