//! Names on the wire: paths, header names and task types.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::task_id::TaskId;

/// The header carrying the API key.
pub const API_KEY_HEADER: &str = "x-api-key";
/// The header that carries a webhook delivery's signature.
pub const SIGNATURE_HEADER: &str = "Sixtyfour-Signature";
/// The header that carries a webhook delivery's de-duplication key.
pub const EVENT_ID_HEADER: &str = "Sixtyfour-Event-Id";
/// The header that counts a webhook's delivery attempts from 1.
pub const ATTEMPT_HEADER: &str = "Sixtyfour-Delivery-Attempt";

/// The prefix of the job-status path; the task id follows, percent-encoded.
pub const JOB_STATUS_PREFIX: &str = "/job-status/";

/// `GET /job-status/{task_id}` for this id, percent-encoded.
///
/// ```
/// use sixtyfour_protocol::{job_status_path, TaskId};
///
/// assert_eq!(job_status_path(&TaskId::new("t-1")?), "/job-status/t-1");
/// assert_eq!(job_status_path(&TaskId::new("a/../b")?), "/job-status/a%2F..%2Fb");
/// # Ok::<(), sixtyfour_protocol::TaskIdError>(())
/// ```
pub fn job_status_path(task_id: &TaskId) -> String {
    format!("{JOB_STATUS_PREFIX}{}", task_id.path_segment())
}

/// The four paths that start work; they all take the same body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST /enrich-lead`: holds the connection until the job ends.
    EnrichLead,
    /// `POST /enrich-lead-async`: answers a task id at once.
    EnrichLeadAsync,
    /// `POST /people-intelligence`: the newer sync path.
    PeopleIntelligence,
    /// `POST /people-intelligence-async`: the newer async path.
    PeopleIntelligenceAsync,
}

impl Endpoint {
    /// Every submit path.
    pub const ALL: [Endpoint; 4] = [
        Endpoint::EnrichLead,
        Endpoint::EnrichLeadAsync,
        Endpoint::PeopleIntelligence,
        Endpoint::PeopleIntelligenceAsync,
    ];

    /// The path.
    ///
    /// ```
    /// use sixtyfour_protocol::Endpoint;
    ///
    /// assert_eq!(Endpoint::EnrichLeadAsync.path(), "/enrich-lead-async");
    /// assert!(Endpoint::PeopleIntelligenceAsync.is_async());
    /// ```
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::EnrichLead => "/enrich-lead",
            Endpoint::EnrichLeadAsync => "/enrich-lead-async",
            Endpoint::PeopleIntelligence => "/people-intelligence",
            Endpoint::PeopleIntelligenceAsync => "/people-intelligence-async",
        }
    }

    /// True for the paths that answer a task id at once.
    pub fn is_async(self) -> bool {
        matches!(
            self,
            Endpoint::EnrichLeadAsync | Endpoint::PeopleIntelligenceAsync
        )
    }

    /// The sync or async twin of this path.
    pub fn with_async(self, asynchronous: bool) -> Endpoint {
        match (self, asynchronous) {
            (Endpoint::EnrichLead | Endpoint::EnrichLeadAsync, false) => Endpoint::EnrichLead,
            (Endpoint::EnrichLead | Endpoint::EnrichLeadAsync, true) => Endpoint::EnrichLeadAsync,
            (Endpoint::PeopleIntelligence | Endpoint::PeopleIntelligenceAsync, false) => {
                Endpoint::PeopleIntelligence
            }
            (Endpoint::PeopleIntelligence | Endpoint::PeopleIntelligenceAsync, true) => {
                Endpoint::PeopleIntelligenceAsync
            }
        }
    }

    /// The `task_type` the job's status reports.
    pub fn task_type(self) -> TaskType {
        match self {
            Endpoint::EnrichLead | Endpoint::EnrichLeadAsync => TaskType::EnrichLead,
            Endpoint::PeopleIntelligence | Endpoint::PeopleIntelligenceAsync => {
                TaskType::PeopleIntelligence
            }
        }
    }

    /// The endpoint of a path, if it is one.
    pub fn from_path(path: &str) -> Option<Endpoint> {
        Endpoint::ALL.into_iter().find(|e| e.path() == path)
    }
}

/// What kind of work a job is (`task_type` in status bodies and webhook events).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskType {
    /// `enrich_lead`.
    EnrichLead,
    /// `people_intelligence`.
    PeopleIntelligence,
    /// Any other, as received.
    Other(String),
}

impl TaskType {
    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            TaskType::EnrichLead => "enrich_lead",
            TaskType::PeopleIntelligence => "people_intelligence",
            TaskType::Other(other) => other,
        }
    }

    /// Reads a task type; unknown ones are kept.
    pub fn parse(text: &str) -> TaskType {
        match text.trim().to_ascii_lowercase().as_str() {
            "enrich_lead" => TaskType::EnrichLead,
            "people_intelligence" => TaskType::PeopleIntelligence,
            _ => TaskType::Other(text.to_owned()),
        }
    }
}

impl fmt::Display for TaskType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TaskType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TaskType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(TaskType::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_paths() {
        for endpoint in Endpoint::ALL {
            assert_eq!(Endpoint::from_path(endpoint.path()), Some(endpoint));
            assert!(endpoint.with_async(true).is_async());
            assert!(!endpoint.with_async(false).is_async());
            assert_eq!(endpoint.with_async(true).task_type(), endpoint.task_type());
        }
        assert_eq!(Endpoint::from_path("/enrich-lead/"), None);
        assert_eq!(
            Endpoint::PeopleIntelligence.task_type().as_str(),
            "people_intelligence"
        );
        assert_eq!(TaskType::parse("ENRICH_LEAD"), TaskType::EnrichLead);
        assert_eq!(TaskType::parse("x").as_str(), "x");
    }
}
