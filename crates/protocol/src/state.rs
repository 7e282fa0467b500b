//! `JobState`: where an async job is, read leniently (any case, known synonyms) with a fallback
//! for states this crate does not know, so that a new state on the server never breaks a poller.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A job's state.
///
/// ```
/// use sixtyfour_protocol::JobState;
///
/// assert_eq!(JobState::parse("COMPLETED"), JobState::Completed);
/// assert_eq!(JobState::parse("warming_up"), JobState::Unknown("warming_up".into()));
/// assert!(!JobState::parse("queued").is_terminal());
/// assert_eq!(serde_json::to_string(&JobState::Processing)?, "\"processing\"");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JobState {
    /// Accepted, not started.
    Pending,
    /// Waiting for a worker.
    Queued,
    /// Running.
    Processing,
    /// Finished with a result.
    Completed,
    /// Finished with an error.
    Failed,
    /// Stopped before finishing.
    Cancelled,
    /// Any other state, as received; waited on like a running one.
    Unknown(String),
}

impl JobState {
    /// Reads a status string: trimmed, any case, with the synonyms other products use.
    pub fn parse(status: &str) -> Self {
        match status.trim().to_ascii_lowercase().as_str() {
            "pending" => JobState::Pending,
            "queued" => JobState::Queued,
            "processing" | "running" | "in_progress" => JobState::Processing,
            "completed" | "complete" | "succeeded" | "success" => JobState::Completed,
            "failed" | "error" => JobState::Failed,
            "cancelled" | "canceled" => JobState::Cancelled,
            _ => JobState::Unknown(status.to_owned()),
        }
    }

    /// True once the job will not change again.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            JobState::Completed | JobState::Failed | JobState::Cancelled
        )
    }

    /// The canonical spelling (an unknown state keeps its own).
    pub fn as_str(&self) -> &str {
        match self {
            JobState::Pending => "pending",
            JobState::Queued => "queued",
            JobState::Processing => "processing",
            JobState::Completed => "completed",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
            JobState::Unknown(other) => other,
        }
    }
}

impl Default for JobState {
    /// A job just accepted.
    fn default() -> Self {
        JobState::Pending
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for JobState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for JobState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = JobState;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a job state string")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<JobState, E> {
                Ok(JobState::parse(v))
            }
        }

        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_parse_case_insensitively_with_a_fallback() {
        let rows = [
            ("pending", JobState::Pending),
            ("PENDING", JobState::Pending),
            (" Processing ", JobState::Processing),
            ("running", JobState::Processing),
            ("queued", JobState::Queued),
            ("QUEUED", JobState::Queued),
            ("COMPLETED", JobState::Completed),
            ("Failed", JobState::Failed),
            ("canceled", JobState::Cancelled),
            ("CANCELLED", JobState::Cancelled),
            ("warming_up", JobState::Unknown("warming_up".into())),
            ("", JobState::Unknown(String::new())),
        ];
        for (text, state) in rows {
            assert_eq!(JobState::parse(text), state, "{text:?}");
        }
        assert!(!JobState::Unknown("x".into()).is_terminal());
        assert!(JobState::Cancelled.is_terminal());
        assert!(!JobState::Processing.is_terminal());
    }

    #[test]
    fn serde_uses_canonical_names() {
        for state in [
            JobState::Pending,
            JobState::Queued,
            JobState::Processing,
            JobState::Completed,
            JobState::Failed,
            JobState::Cancelled,
            JobState::Unknown("paused".into()),
        ] {
            let text = serde_json::to_string(&state).unwrap();
            assert_eq!(serde_json::from_str::<JobState>(&text).unwrap(), state);
        }
        assert!(serde_json::from_str::<JobState>("1").is_err());
    }
}
