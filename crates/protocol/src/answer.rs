//! What the API answers: the submit answer, job status in every state, and the enrichment
//! result. Decoding is lenient where the live API is loose (nulls, `[]` for maps, numbers as
//! text, floats for counts) and strict where a value matters (a task id is a string, a
//! result's `structured_data` is an object).

use indexmap::IndexMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::http::TaskType;
use crate::lenient;
use crate::state::JobState;
use crate::task_id::TaskId;

/// What a finished enrichment returns (`result` of a completed job, or the sync answer).
///
/// ```
/// use sixtyfour_protocol::EnrichResult;
///
/// // Loose but readable: null notes, `[]` references, a score as text.
/// let result: EnrichResult = serde_json::from_str(r#"{
///     "notes": null,
///     "structured_data": {"email": "saarth@sixtyfour.ai"},
///     "findings": [],
///     "references": [],
///     "confidence_score": "9.5"
/// }"#)?;
/// assert_eq!(result.notes, "");
/// assert_eq!(result.confidence_score, Some(9.5));
/// assert!(result.references.is_empty());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct EnrichResult {
    /// What the agent found, in words (empty when the API sends null).
    pub notes: String,
    /// The fields asked for, plus the lead's keys outside the `struct`.
    pub structured_data: Map<String, Value>,
    /// Deprecated by the API; an empty list today.
    pub findings: Vec<Value>,
    /// Source URL to what it supports.
    pub references: Map<String, Value>,
    /// Overall quality, 0 to 10.
    pub confidence_score: Option<f64>,
    /// Per-field confidence, 0 to 100 or unknown, where the service reports it.
    pub field_confidence: Option<IndexMap<String, Option<u8>>>,
    /// Any other key of the result object, as received.
    pub extra: Map<String, Value>,
}

/// A value of the wrong kind where a value matters.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl EnrichResult {
    /// A result with these fields and nothing else.
    pub fn new(structured_data: Map<String, Value>) -> Self {
        EnrichResult {
            structured_data,
            ..EnrichResult::default()
        }
    }

    /// Reads a result object; the error names the key that could not be read.
    pub fn from_map(mut map: Map<String, Value>) -> Result<Self, String> {
        let notes = map.remove("notes").map_or_else(String::new, lenient::text);
        let structured_data = match map.remove("structured_data") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(data)) => data,
            // Sent as JSON text: read it if it is an object.
            Some(Value::String(text)) => match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(data)) => data,
                _ if text.trim().is_empty() => Map::new(),
                _ => {
                    return Err(
                        "`structured_data`: expected an object, found text that is not a JSON object"
                            .into(),
                    );
                }
            },
            Some(other) => {
                return Err(format!(
                    "`structured_data`: expected an object, found {}",
                    kind(&other)
                ));
            }
        };
        let findings = match map.remove("findings") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items,
            Some(other) => vec![other],
        };
        let references = lenient::references(map.remove("references"));
        let confidence_score = map
            .remove("confidence_score")
            .and_then(|v| lenient::number(&v));
        let field_confidence = match map.remove("field_confidence") {
            Some(Value::Object(entries)) => Some(
                entries
                    .into_iter()
                    .map(|(key, value)| (key, lenient::percent(&value)))
                    .collect(),
            ),
            _ => None,
        };
        Ok(EnrichResult {
            notes,
            structured_data,
            findings,
            references,
            confidence_score,
            field_confidence,
            extra: map,
        })
    }

    /// The result object as the API writes it.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::with_capacity(6 + self.extra.len());
        map.insert("notes".into(), Value::String(self.notes.clone()));
        map.insert(
            "structured_data".into(),
            Value::Object(self.structured_data.clone()),
        );
        map.insert("findings".into(), Value::Array(self.findings.clone()));
        map.insert("references".into(), Value::Object(self.references.clone()));
        map.insert(
            "confidence_score".into(),
            self.confidence_score
                .map_or(Value::Null, lenient::f64_value),
        );
        if let Some(confidence) = &self.field_confidence {
            let entries = confidence
                .iter()
                .map(|(k, v)| (k.clone(), v.map_or(Value::Null, Value::from)))
                .collect();
            map.insert("field_confidence".into(), Value::Object(entries));
        }
        for (key, value) in &self.extra {
            map.entry(key.clone()).or_insert_with(|| value.clone());
        }
        map
    }
}

impl Serialize for EnrichResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_map().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for EnrichResult {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::deserialize(deserializer)?;
        EnrichResult::from_map(map).map_err(serde::de::Error::custom)
    }
}

/// The answer of an async submit: `{"task_id": "...", "status": "pending"}`.
///
/// ```
/// use sixtyfour_protocol::{JobState, Submitted};
///
/// let ok: Submitted = serde_json::from_str(r#"{"task_id": "bdd69815-a1c0", "status": "pending"}"#)?;
/// assert_eq!((ok.task_id.as_str(), ok.status), ("bdd69815-a1c0", JobState::Pending));
/// // A task id must be a string: a number is not read as one.
/// assert!(serde_json::from_str::<Submitted>(r#"{"task_id": 5, "status": "pending"}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Submitted {
    /// The new job.
    pub task_id: TaskId,
    /// Its state, `pending` when the answer does not say.
    #[serde(default = "pending")]
    pub status: JobState,
}

fn pending() -> JobState {
    JobState::Pending
}

impl Submitted {
    /// A fresh job's answer.
    pub fn new(task_id: TaskId) -> Self {
        Submitted {
            task_id,
            status: JobState::Pending,
        }
    }
}

/// One answer of `GET /job-status/{task_id}`, in any state.
///
/// ```
/// use sixtyfour_protocol::{JobState, JobStatusBody};
///
/// let running: JobStatusBody = serde_json::from_str(
///     r#"{"status": "processing", "processed_items": 0.0, "total_items": "1", "task_type": "enrich_lead"}"#,
/// )?;
/// assert_eq!((running.status, running.processed_items, running.total_items), (JobState::Processing, Some(0), Some(1)));
///
/// let failed: JobStatusBody = serde_json::from_str(r#"{"status": "failed", "error": "no sources"}"#)?;
/// assert_eq!(failed.error.as_deref(), Some("no sources"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct JobStatusBody {
    /// Where the job is.
    pub status: JobState,
    /// The result, once completed.
    pub result: Option<EnrichResult>,
    /// The error, once failed.
    pub error: Option<String>,
    /// Progress, when reported.
    pub processed_items: Option<u64>,
    /// Progress, when reported.
    pub total_items: Option<u64>,
    /// What kind of job it is.
    pub task_type: Option<TaskType>,
    /// Any other key, as received.
    pub extra: Map<String, Value>,
}

impl JobStatusBody {
    /// A job not finished yet, with its progress.
    pub fn running(status: JobState, processed: u64, total: u64, task_type: TaskType) -> Self {
        JobStatusBody {
            status,
            processed_items: Some(processed),
            total_items: Some(total),
            task_type: Some(task_type),
            ..JobStatusBody::default()
        }
    }

    /// A completed job.
    pub fn completed(result: EnrichResult, task_type: TaskType) -> Self {
        JobStatusBody {
            status: JobState::Completed,
            result: Some(result),
            task_type: Some(task_type),
            ..JobStatusBody::default()
        }
    }

    /// A failed job.
    pub fn failed(error: impl Into<String>, task_type: TaskType) -> Self {
        JobStatusBody {
            status: JobState::Failed,
            error: Some(error.into()),
            task_type: Some(task_type),
            ..JobStatusBody::default()
        }
    }

    /// Reads a status object; the error names the key that could not be read.
    pub fn from_map(mut map: Map<String, Value>) -> Result<Self, String> {
        let status = match map.remove("status") {
            Some(Value::String(status)) => JobState::parse(&status),
            None => return Err("`status` is missing".into()),
            Some(other) => {
                return Err(format!(
                    "`status`: expected a string, found {}",
                    kind(&other)
                ));
            }
        };
        let result = match map.remove("result") {
            None | Some(Value::Null) => None,
            Some(Value::Object(result)) => {
                Some(EnrichResult::from_map(result).map_err(|e| format!("result.{e}"))?)
            }
            Some(other) => {
                return Err(format!(
                    "`result`: expected an object, found {}",
                    kind(&other)
                ));
            }
        };
        let error = lenient::optional_text(map.remove("error"));
        let processed_items = map
            .remove("processed_items")
            .and_then(|v| lenient::count(&v));
        let total_items = map.remove("total_items").and_then(|v| lenient::count(&v));
        let task_type = match map.remove("task_type") {
            Some(Value::String(text)) => Some(TaskType::parse(&text)),
            _ => None,
        };
        Ok(JobStatusBody {
            status,
            result,
            error,
            processed_items,
            total_items,
            task_type,
            extra: map,
        })
    }

    /// The status object as the API writes it.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::with_capacity(6 + self.extra.len());
        map.insert("status".into(), Value::String(self.status.to_string()));
        if let Some(result) = &self.result {
            map.insert("result".into(), Value::Object(result.to_map()));
        }
        if let Some(error) = &self.error {
            map.insert("error".into(), Value::String(error.clone()));
        }
        if let Some(n) = self.processed_items {
            map.insert("processed_items".into(), Value::from(n));
        }
        if let Some(n) = self.total_items {
            map.insert("total_items".into(), Value::from(n));
        }
        if let Some(task_type) = &self.task_type {
            map.insert("task_type".into(), Value::String(task_type.to_string()));
        }
        for (key, value) in &self.extra {
            map.entry(key.clone()).or_insert_with(|| value.clone());
        }
        map
    }
}

impl Serialize for JobStatusBody {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_map().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for JobStatusBody {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::deserialize(deserializer)?;
        JobStatusBody::from_map(map).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn result(value: Value) -> Result<EnrichResult, String> {
        match value {
            Value::Object(map) => EnrichResult::from_map(map),
            _ => unreachable!(),
        }
    }

    #[test]
    fn loose_results_are_read() {
        let read = result(json!({
            "notes": null,
            "structured_data": null,
            "references": [],
            "confidence_score": "9.5",
            "field_confidence": {"email": 95, "phone": null, "title": "80", "x": 140}
        }))
        .unwrap();
        assert_eq!(read.notes, "");
        assert!(read.structured_data.is_empty());
        assert!(read.references.is_empty());
        assert_eq!(read.confidence_score, Some(9.5));
        let confidence = read.field_confidence.unwrap();
        assert_eq!(confidence["email"], Some(95));
        assert_eq!(confidence["phone"], None);
        assert_eq!(confidence["title"], Some(80));
        assert_eq!(confidence["x"], None);

        let text_data = result(json!({"structured_data": "{\"a\": 1}"})).unwrap();
        assert_eq!(text_data.structured_data["a"], 1);
        assert!(result(json!({"structured_data": 5})).is_err());
        assert!(result(json!({"structured_data": "not json"})).is_err());
        assert!(result(json!({"structured_data": [1]})).is_err());
    }

    #[test]
    fn unknown_keys_survive_a_round_trip() {
        let value = json!({
            "notes": "n",
            "structured_data": {"b": 2, "a": 1},
            "findings": [],
            "references": {"https://x.example": "X"},
            "confidence_score": 7.0,
            "cost": 0.25
        });
        let read: EnrichResult = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(read.extra["cost"], 0.25);
        assert_eq!(serde_json::to_value(&read).unwrap(), value);
    }

    #[test]
    fn status_bodies_in_every_state() {
        let rows = [
            (
                json!({"status": "pending", "processed_items": 0, "total_items": 0, "task_type": "enrich_lead"}),
                JobState::Pending,
            ),
            (json!({"status": "QUEUED"}), JobState::Queued),
            (
                json!({"status": "processing", "processed_items": 0.0}),
                JobState::Processing,
            ),
            (json!({"status": "cancelled"}), JobState::Cancelled),
            (
                json!({"status": "failed", "error": {"code": 7}}),
                JobState::Failed,
            ),
            (
                json!({"status": "completed", "result": {"structured_data": {}}}),
                JobState::Completed,
            ),
            (
                json!({"status": "paused"}),
                JobState::Unknown("paused".into()),
            ),
        ];
        for (value, state) in rows {
            let body: JobStatusBody = serde_json::from_value(value.clone()).unwrap();
            assert_eq!(body.status, state, "{value}");
        }
        let failed: JobStatusBody =
            serde_json::from_value(json!({"status": "failed", "error": {"code": 7}})).unwrap();
        assert_eq!(failed.error.as_deref(), Some("{\"code\":7}"));
        for bad in [
            json!({}),
            json!({"status": 3}),
            json!({"status": "completed", "result": "done"}),
            json!({"status": "completed", "result": {"structured_data": 1}}),
        ] {
            assert!(
                serde_json::from_value::<JobStatusBody>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn constructors_write_the_reference_shapes() {
        assert_eq!(
            serde_json::to_value(JobStatusBody::running(
                JobState::Pending,
                0,
                0,
                TaskType::EnrichLead
            ))
            .unwrap(),
            json!({"status": "pending", "processed_items": 0, "total_items": 0, "task_type": "enrich_lead"})
        );
        assert_eq!(
            serde_json::to_value(JobStatusBody::failed("boom", TaskType::EnrichLead)).unwrap(),
            json!({"status": "failed", "error": "boom", "task_type": "enrich_lead"})
        );
        let done = JobStatusBody::completed(EnrichResult::new(Map::new()), TaskType::EnrichLead);
        let value = serde_json::to_value(&done).unwrap();
        assert_eq!(value["status"], "completed");
        assert_eq!(value["result"]["findings"], json!([]));
        assert_eq!(value["task_type"], "enrich_lead");
        assert_eq!(
            serde_json::from_value::<JobStatusBody>(value).unwrap(),
            done
        );
    }

    #[test]
    fn submit_answers_need_a_string_id() {
        let ok: Submitted = serde_json::from_value(json!({"task_id": "t-1"})).unwrap();
        assert_eq!(ok.status, JobState::Pending);
        for bad in [
            json!({"task_id": 5, "status": "pending"}),
            json!({"status": "pending"}),
            json!({"task_id": "", "status": "pending"}),
            json!({"task_id": null}),
        ] {
            assert!(
                serde_json::from_value::<Submitted>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }
}
