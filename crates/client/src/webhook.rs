//! Receiving completion callbacks: checking their signature and reading their body (the
//! protocol's [`WebhookEvent`]).

use std::time::{SystemTime, UNIX_EPOCH};

pub use sixtyfour_protocol::WebhookEvent;
pub use sixtyfour_protocol::signature::{
    ATTEMPT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, SignatureError, TOLERANCE_SECS,
};

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

/// Reads a callback body (after [`verify`]).
///
/// ```
/// use sixtyfour::JobState;
///
/// let event = sixtyfour::webhook::parse_event(
///     br#"{"task_id": "t-1", "status": "failed", "task_type": "enrich_lead", "error": "no sources"}"#,
/// )?;
/// assert_eq!((event.status, event.error.as_deref()), (JobState::Failed, Some("no sources")));
/// # Ok::<(), sixtyfour::Error>(())
/// ```
pub fn parse_event(raw_body: &[u8]) -> Result<WebhookEvent, crate::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(raw_body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| crate::Error::Decode {
        path: err.path().to_string(),
        message: err.inner().to_string(),
        body: sixtyfour_protocol::shorten(&String::from_utf8_lossy(raw_body)),
    })
}
