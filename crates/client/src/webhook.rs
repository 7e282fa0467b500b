//! Receiving completion callbacks: checking their signature and reading their body.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::Value;

pub use sixtyfour_protocol::signature::{
    ATTEMPT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, SignatureError, TOLERANCE_SECS,
};

use crate::response::{EnrichResult, JobState, TaskId};

/// Checks a delivery's `Sixtyfour-Signature` header against the raw body: any `v1` may match
/// (secrets rotate), the timestamp must be within 300 s of `now`, and the comparison is
/// constant-time. Verify the raw bytes before parsing them.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use sixtyfour::webhook::{verify, SignatureError};
///
/// let body = br#"{"task_id":"t1","status":"completed","task_type":"enrich_lead","result":{}}"#;
/// let sent = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let header = sixtyfour::protocol::signature::signature_header(b"whsec_1", 1_700_000_000, body);
/// assert!(verify(b"whsec_1", &header, body, sent + Duration::from_secs(5)).is_ok());
/// assert_eq!(verify(b"whsec_2", &header, body, sent), Err(SignatureError::Mismatch));
/// ```
pub fn verify(
    secret: &[u8],
    signature_header: &str,
    raw_body: &[u8],
    now: SystemTime,
) -> Result<(), SignatureError> {
    let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    sixtyfour_protocol::signature::verify(secret, signature_header, raw_body, now)
}

/// A completion callback.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// The job.
    pub task_id: TaskId,
    /// How it ended.
    pub state: JobState,
    /// `enrich_lead` for this API.
    pub task_type: String,
    /// The result, when it completed.
    pub result: Option<EnrichResult>,
    /// The error, when it failed.
    pub error: Option<String>,
}

#[derive(Deserialize)]
struct Body {
    task_id: String,
    status: String,
    #[serde(default)]
    task_type: String,
    #[serde(default)]
    result: Option<Value>,
    #[serde(default)]
    error: Option<Value>,
}

/// Reads a callback body (after [`verify`]).
///
/// ```
/// use sixtyfour::JobState;
///
/// let event = sixtyfour::webhook::parse_event(
///     br#"{"task_id": "t-1", "status": "failed", "task_type": "enrich_lead", "error": "no sources"}"#,
/// )?;
/// assert_eq!((event.state, event.error.as_deref()), (JobState::Failed, Some("no sources")));
/// # Ok::<(), sixtyfour::Error>(())
/// ```
pub fn parse_event(raw_body: &[u8]) -> Result<WebhookEvent, crate::Error> {
    let decode_error = |path: String, message: String| crate::Error::Decode {
        path,
        message,
        body: String::from_utf8_lossy(raw_body).into_owned(),
    };
    let mut deserializer = serde_json::Deserializer::from_slice(raw_body);
    let body: Body = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|err| decode_error(err.path().to_string(), err.inner().to_string()))?;
    let result = match body.result {
        Some(value) if !value.is_null() => {
            Some(EnrichResult::from_value(value).map_err(|err| {
                decode_error(format!("result.{}", err.path()), err.inner().to_string())
            })?)
        }
        _ => None,
    };
    Ok(WebhookEvent {
        task_id: TaskId(body.task_id),
        state: JobState::parse(&body.status),
        task_type: body.task_type,
        result,
        error: body
            .error
            .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_owned)),
    })
}
