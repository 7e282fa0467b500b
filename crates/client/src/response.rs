//! What comes back: a job's status, the untyped [`Enrichment`] (cast by the request's types,
//! with the raw answer beside it), the typed [`Enriched<T>`], and [`Response<T>`] for the
//! status code and headers of an answer.

use std::ops::Deref;

use reqwest::header::HeaderMap;
use serde_json::{Map, Value};
use sixtyfour_casting::{Enrich, FieldError, cast, cast_record, decode, resolve};
use sixtyfour_protocol::{EnrichResult, JobState, JobStatusBody, TaskId, TaskType};

use crate::error::Error;
use crate::request::EnrichRequest;

/// One answer of `GET /job-status/{task_id}`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
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
    /// What kind of job it is, when reported.
    pub task_type: Option<TaskType>,
}

impl JobStatus {
    /// The answer about `task_id` from its wire body (a status read elsewhere, a test double).
    ///
    /// ```
    /// use sixtyfour::{JobState, JobStatus, TaskId};
    ///
    /// let body = serde_json::from_str(r#"{"status": "processing", "processed_items": 2, "total_items": 5}"#)?;
    /// let status = JobStatus::from_body(TaskId::new("t-1")?, body);
    /// assert_eq!((status.state, status.processed_items), (JobState::Processing, Some(2)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_body(task_id: TaskId, body: JobStatusBody) -> Self {
        JobStatus {
            task_id,
            state: body.status,
            result: body.result,
            error: body.error,
            processed_items: body.processed_items,
            total_items: body.total_items,
            task_type: body.task_type,
        }
    }
}

/// An untyped enrichment: `structured_data` cast by the request's resolved types (a `dict`
/// sent back as JSON text is an object, `"1,200"` for an `int` is 1200), with the answer as
/// received beside it.
///
/// ```
/// use serde_json::json;
/// use sixtyfour::{EnrichRequest, EnrichResult, Enrichment, Schema};
///
/// let schema = Schema::from_json(&json!({
///     "employees": {"description": "Employees at the company", "type": "int"},
///     "offices": {"description": "Offices by city", "type": "dict"},
/// }))?;
/// let request = EnrichRequest::from_lead(&json!({"company": "Lanternfish Labs"}), schema)?;
/// let answer: EnrichResult = serde_json::from_value(json!({
///     "structured_data": {"employees": "1,200", "offices": "{\"Portland\": 2}"}
/// }))?;
///
/// let enrichment = Enrichment::new(answer, &request, None);
/// assert_eq!(enrichment.data["employees"], 1200);
/// assert_eq!(enrichment.data["offices"], json!({"Portland": 2}));
/// assert_eq!(enrichment.result.structured_data["employees"], "1,200"); // as received
/// assert!(enrichment.cast_errors.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Enrichment {
    /// The job that produced it, when it ran asynchronously.
    pub task_id: Option<TaskId>,
    /// `structured_data` cast by the request's types; a value that could not be cast is kept
    /// as received and listed in `cast_errors`.
    pub data: Map<String, Value>,
    /// The fields whose value did not fit their type.
    pub cast_errors: Vec<FieldError>,
    /// The answer as received.
    pub result: EnrichResult,
}

impl Enrichment {
    /// Casts `result` for the request it answers.
    pub fn new(result: EnrichResult, request: &EnrichRequest, task_id: Option<TaskId>) -> Self {
        let resolution = resolve(request.schema(), request.lead_info());
        let (data, cast_errors) = match cast_record(&result.structured_data, &resolution) {
            Ok(data) => (data, Vec::new()),
            Err(failed) => {
                // Cast what can be cast; keep the rest as received.
                let mut data = result.structured_data.clone();
                for field in &resolution {
                    match data.get_mut(field.name) {
                        Some(value) => {
                            if let Ok(cast) = cast(value, field.field_type) {
                                *value = cast;
                            }
                        }
                        None => {
                            data.insert(field.name.to_owned(), Value::Null);
                        }
                    }
                }
                (data, failed.issues)
            }
        };
        Enrichment {
            task_id,
            data,
            cast_errors,
            result,
        }
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
    /// The answer as received.
    pub raw: EnrichResult,
}

impl<T: Enrich> Enriched<T> {
    /// Decodes a result for the lead it was about. When it does not fit `T`, the error
    /// ([`Error::Cast`]) keeps the task id and the whole answer.
    ///
    /// ```
    /// use sixtyfour::{Enrich, EnrichResult, Enriched, Error};
    ///
    /// #[derive(Debug, serde::Deserialize, Enrich)]
    /// struct Size {
    ///     /// Employees at the company
    ///     employees: u32,
    /// }
    ///
    /// let result: EnrichResult = serde_json::from_value(serde_json::json!({
    ///     "notes": "Found on the company website.",
    ///     "structured_data": {"employees": "1,200"},
    ///     "confidence_score": 8.5
    /// }))?;
    /// let lead = serde_json::Map::new();
    /// assert_eq!(Enriched::<Size>::from_result(result.clone(), &lead, None)?.data.employees, 1200);
    ///
    /// let mut odd = result;
    /// odd.structured_data.insert("employees".into(), "many".into());
    /// let err = Enriched::<Size>::from_result(odd, &lead, None).unwrap_err();
    /// assert_eq!(err.result().map(|r| &r.structured_data["employees"]), Some(&"many".into()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_result(
        raw: EnrichResult,
        lead_info: &Map<String, Value>,
        task_id: Option<TaskId>,
    ) -> Result<Self, Error> {
        match decode::<T>(&raw.structured_data, lead_info) {
            Ok(data) => Ok(Enriched {
                data,
                notes: raw.notes.clone(),
                references: raw.references.clone(),
                confidence_score: raw.confidence_score,
                task_id,
                raw,
            }),
            Err(source) => Err(Error::Cast {
                task_id,
                result: Box::new(raw),
                source,
            }),
        }
    }
}

/// A value with the status code and headers of the answer it came from.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let emulator = sixtyfour_emulator::Emulator::builder().spawn().await?;
/// # let client = sixtyfour::Client::for_emulator(&emulator)?;
/// let schema = sixtyfour::Schema::builder().describe("title", "The individual's job title").build()?;
/// let request = sixtyfour::EnrichRequest::from_lead(&serde_json::json!({"email": "rafael.nunez@lanternfish.example"}), schema)?;
/// let answer = client.submit_response(&request).await?;
/// assert_eq!(answer.status(), 200);
/// assert!(answer.headers().contains_key("content-type"));
/// let task_id = answer.into_inner();
/// # let _ = task_id;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Response<T> {
    value: T,
    status: u16,
    headers: HeaderMap,
}

impl<T> Response<T> {
    pub(crate) fn new(value: T, status: u16, headers: HeaderMap) -> Self {
        Response {
            value,
            status,
            headers,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The answer's headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The value.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The value, status and headers.
    pub fn into_parts(self) -> (T, u16, HeaderMap) {
        (self.value, self.status, self.headers)
    }
}

impl<T> Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use sixtyfour_casting::Schema;

    #[test]
    fn values_that_do_not_fit_are_kept_and_listed() {
        let schema = Schema::from_json(&json!({
            "age": {"type": "int"},
            "active": {"type": "bool"},
            "city": "City"
        }))
        .unwrap();
        let request = EnrichRequest::from_lead(&json!({"name": "Ada"}), schema).unwrap();
        let result: EnrichResult = serde_json::from_value(json!({
            "structured_data": {"age": "thirty", "active": "yes", "name": "Ada"}
        }))
        .unwrap();
        let enrichment = Enrichment::new(result, &request, None);
        assert_eq!(
            Value::Object(enrichment.data.clone()),
            json!({"age": "thirty", "active": true, "name": "Ada", "city": null})
        );
        assert_eq!(enrichment.cast_errors.len(), 1);
        assert_eq!(enrichment.cast_errors[0].path, "age");
    }
}
