//! What comes back: job states, status bodies, results, and the typed `Enriched<T>`.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sixtyfour_casting::{DecodeError, Enrich, decode};

/// A submitted job's id; keep it to resume waiting after a restart.
///
/// ```
/// use sixtyfour::TaskId;
///
/// let id = TaskId::from("bdd69815-a1c0-480d-bfa5-d5fbb9745893");
/// let stored = serde_json::to_string(&id)?;
/// assert_eq!(stored, "\"bdd69815-a1c0-480d-bfa5-d5fbb9745893\"");
/// assert_eq!(serde_json::from_str::<TaskId>(&stored)?, id);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskId(pub String);

impl TaskId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for TaskId {
    fn from(id: String) -> Self {
        TaskId(id)
    }
}

impl From<&str> for TaskId {
    fn from(id: &str) -> Self {
        TaskId(id.to_owned())
    }
}

/// A job's state. Parsed case-insensitively; a state this crate does not know is kept as
/// `Unknown` and waited on like a running one.
///
/// ```
/// use sixtyfour::JobState;
///
/// assert_eq!(JobState::parse("COMPLETED"), JobState::Completed);
/// assert_eq!(JobState::parse("warming_up"), JobState::Unknown("warming_up".into()));
/// assert!(!JobState::parse("queued").is_terminal());
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
    /// Any other state.
    Unknown(String),
}

impl JobState {
    /// Reads a status string.
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
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            JobState::Pending => "pending",
            JobState::Queued => "queued",
            JobState::Processing => "processing",
            JobState::Completed => "completed",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
            JobState::Unknown(other) => other,
        };
        f.write_str(text)
    }
}

/// One answer of `GET /job-status/{task_id}`.
#[derive(Debug, Clone, PartialEq)]
pub struct JobStatus {
    /// The job.
    pub task_id: TaskId,
    /// Its state.
    pub state: JobState,
    /// The result, once completed.
    pub result: Option<EnrichResult>,
    /// The error, once failed.
    pub error: Option<String>,
    /// Progress, when reported.
    pub processed_items: Option<u64>,
    /// Progress, when reported.
    pub total_items: Option<u64>,
}

/// An untyped enrichment result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EnrichResult {
    /// What the agent found, in words.
    #[serde(default)]
    pub notes: String,
    /// The fields asked for (plus the lead's other keys), cast by the service.
    #[serde(default)]
    pub structured_data: Map<String, Value>,
    /// Source URL to what it backs.
    #[serde(default)]
    pub references: Map<String, Value>,
    /// Overall quality, 0 to 10.
    #[serde(default)]
    pub confidence_score: Option<f64>,
    /// Per-field confidence, 0 to 100, where the service reports it.
    #[serde(default)]
    pub field_confidence: Option<Map<String, Value>>,
    /// The whole result object as received.
    #[serde(skip)]
    pub raw: Value,
}

impl EnrichResult {
    /// Reads a result object, keeping it whole in `raw`.
    pub fn from_value(value: Value) -> Result<Self, serde_path_to_error::Error<serde_json::Error>> {
        let mut result: EnrichResult = serde_path_to_error::deserialize(&value)?;
        result.raw = value;
        Ok(result)
    }

    /// Decodes `structured_data` into `T` (see [`decode`](crate::decode)).
    ///
    /// ```
    /// use sixtyfour::{EnrichResult, Enrich};
    ///
    /// #[derive(serde::Deserialize, Enrich)]
    /// struct Size {
    ///     /// Employees at the company
    ///     employees: u32,
    /// }
    ///
    /// let result = EnrichResult::from_value(serde_json::json!({
    ///     "notes": "Found on the company website.",
    ///     "structured_data": {"employees": "1,200"},
    ///     "references": {},
    ///     "confidence_score": 8.5
    /// }))?;
    /// assert_eq!(result.decode::<Size>(&Default::default())?.employees, 1200);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode<T: Enrich>(&self, lead_info: &Map<String, Value>) -> Result<T, DecodeError> {
        decode(&self.structured_data, lead_info)
    }
}

/// A typed result.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Enriched<T> {
    /// The fields, as `T`.
    pub data: T,
    /// What the agent found, in words.
    pub notes: String,
    /// Source URL to what it backs.
    pub references: Map<String, Value>,
    /// Overall quality, 0 to 10.
    pub confidence_score: Option<f64>,
    /// The task that produced it, when it ran asynchronously.
    pub task_id: Option<TaskId>,
    /// The untyped result, with the raw map.
    pub raw: EnrichResult,
}

impl<T: Enrich> Enriched<T> {
    /// Decodes a result for the lead it was about.
    pub fn from_result(
        raw: EnrichResult,
        lead_info: &Map<String, Value>,
        task_id: Option<TaskId>,
    ) -> Result<Self, DecodeError> {
        let data = raw.decode::<T>(lead_info)?;
        Ok(Enriched {
            data,
            notes: raw.notes.clone(),
            references: raw.references.clone(),
            confidence_score: raw.confidence_score,
            task_id,
            raw,
        })
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
            ("queued", JobState::Queued),
            ("COMPLETED", JobState::Completed),
            ("Failed", JobState::Failed),
            ("canceled", JobState::Cancelled),
            ("warming_up", JobState::Unknown("warming_up".into())),
        ];
        for (text, state) in rows {
            assert_eq!(JobState::parse(text), state);
        }
        assert!(!JobState::Unknown("x".into()).is_terminal());
        assert!(JobState::Cancelled.is_terminal());
    }
}
