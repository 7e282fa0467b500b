//! Webhook events: the body of a completion callback and its de-duplication id. The
//! signature scheme is in [`crate::signature`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::answer::EnrichResult;
use crate::http::TaskType;
use crate::lenient;
use crate::state::JobState;
use crate::task_id::TaskId;

/// A completion callback: `{task_id, status, task_type, result}` for a completed job,
/// `{task_id, status: "failed", task_type, error}` for a failed one.
///
/// ```
/// use sixtyfour_protocol::{JobState, WebhookEvent};
///
/// let event: WebhookEvent = serde_json::from_str(
///     r#"{"task_id": "t-1", "status": "failed", "task_type": "enrich_lead", "error": "no sources"}"#,
/// )?;
/// assert_eq!((event.status, event.error.as_deref()), (JobState::Failed, Some("no sources")));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// The job.
    pub task_id: TaskId,
    /// How it ended.
    pub status: JobState,
    /// What kind of job it was.
    pub task_type: Option<TaskType>,
    /// The result, when it completed.
    pub result: Option<EnrichResult>,
    /// The error, when it failed.
    pub error: Option<String>,
}

impl WebhookEvent {
    /// The event of a completed job.
    pub fn completed(task_id: TaskId, task_type: TaskType, result: EnrichResult) -> Self {
        WebhookEvent {
            task_id,
            status: JobState::Completed,
            task_type: Some(task_type),
            result: Some(result),
            error: None,
        }
    }

    /// The event of a failed job.
    pub fn failed(task_id: TaskId, task_type: TaskType, error: impl Into<String>) -> Self {
        WebhookEvent {
            task_id,
            status: JobState::Failed,
            task_type: Some(task_type),
            result: None,
            error: Some(error.into()),
        }
    }

    fn from_map(mut map: Map<String, Value>) -> Result<Self, String> {
        let task_id = match map.remove("task_id") {
            Some(Value::String(id)) => TaskId::new(id).map_err(|e| format!("`task_id`: {e}"))?,
            Some(_) => return Err("`task_id`: expected a string".into()),
            None => return Err("`task_id` is missing".into()),
        };
        let status = match map.remove("status") {
            Some(Value::String(status)) => JobState::parse(&status),
            Some(_) => return Err("`status`: expected a string".into()),
            None => return Err("`status` is missing".into()),
        };
        let task_type = match map.remove("task_type") {
            Some(Value::String(text)) => Some(TaskType::parse(&text)),
            _ => None,
        };
        let result = match map.remove("result") {
            None | Some(Value::Null) => None,
            Some(Value::Object(result)) => {
                Some(EnrichResult::from_map(result).map_err(|e| format!("result.{e}"))?)
            }
            Some(_) => return Err("`result`: expected an object".into()),
        };
        Ok(WebhookEvent {
            task_id,
            status,
            task_type,
            result,
            error: lenient::optional_text(map.remove("error")),
        })
    }

    fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::with_capacity(5);
        map.insert("task_id".into(), Value::String(self.task_id.to_string()));
        map.insert("status".into(), Value::String(self.status.to_string()));
        if let Some(task_type) = &self.task_type {
            map.insert("task_type".into(), Value::String(task_type.to_string()));
        }
        if let Some(result) = &self.result {
            map.insert("result".into(), Value::Object(result.to_map()));
        }
        if let Some(error) = &self.error {
            map.insert("error".into(), Value::String(error.clone()));
        }
        map
    }
}

impl Serialize for WebhookEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_map().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for WebhookEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::deserialize(deserializer)?;
        WebhookEvent::from_map(map).map_err(serde::de::Error::custom)
    }
}

/// The `Sixtyfour-Event-Id` of the event that ends run number `run` (from 1) of a job:
/// the same for every delivery attempt of that event, different for every job and run.
///
/// ```
/// use sixtyfour_protocol::{event_id, TaskId};
///
/// let a = TaskId::new("t-1")?;
/// let b = TaskId::new("t-2")?;
/// assert_eq!(event_id(&a, 1), event_id(&a, 1));
/// assert_ne!(event_id(&a, 1), event_id(&b, 1));
/// assert_ne!(event_id(&a, 1), event_id(&a, 2));
/// assert!(event_id(&a, 1).starts_with("evt_"));
/// # Ok::<(), sixtyfour_protocol::TaskIdError>(())
/// ```
pub fn event_id(task_id: &TaskId, run: u32) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"sixtyfour-webhook-event\0");
    hasher.update(task_id.as_str().as_bytes());
    hasher.update(b"\0");
    hasher.update(run.to_be_bytes());
    let digest = hasher.finalize();
    let mut id = String::with_capacity(36);
    id.push_str("evt_");
    for byte in &digest[..16] {
        id.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        id.push(char::from(b"0123456789abcdef"[usize::from(byte & 0x0f)]));
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_round_trip_in_both_shapes() {
        let id = TaskId::new("t-1").unwrap();
        let completed = WebhookEvent::completed(
            id.clone(),
            TaskType::EnrichLead,
            EnrichResult::new(
                json!({"email": "a@b.example"})
                    .as_object()
                    .cloned()
                    .unwrap(),
            ),
        );
        let failed = WebhookEvent::failed(id, TaskType::EnrichLead, "no sources");
        for event in [completed, failed] {
            let text = serde_json::to_string(&event).unwrap();
            assert_eq!(serde_json::from_str::<WebhookEvent>(&text).unwrap(), event);
        }
        for bad in [
            json!({"status": "completed"}),
            json!({"task_id": 1, "status": "completed"}),
            json!({"task_id": "t", "status": 1}),
            json!({"task_id": "t", "status": "completed", "result": []}),
        ] {
            assert!(
                serde_json::from_value::<WebhookEvent>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn event_ids_are_unique_per_job_and_run() {
        let mut seen = std::collections::HashSet::new();
        for job in 0..1000 {
            let id = TaskId::new(format!("job-{job}")).unwrap();
            for run in 1..=3 {
                assert!(seen.insert(event_id(&id, run)));
            }
        }
    }
}
