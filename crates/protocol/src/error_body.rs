//! The three shapes of an error body: `{"error", "message"}`, `{"detail": "..."}`, and the
//! validation list `{"detail": [{"loc", "msg", "type"}]}` (422).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The most characters of a non-JSON error body kept in a message.
pub const MAX_MESSAGE_CHARS: usize = 300;

/// The `error` of a 429 that refuses a submit because the key has too many jobs running, as
/// opposed to too many requests: waiting for jobs to finish helps, slowing down does not.
pub const ACTIVE_JOB_LIMIT_ERROR: &str = "Too Many Active Jobs";

/// An error body in one of the API's three shapes.
///
/// ```
/// use sixtyfour_protocol::ErrorBody;
///
/// let body = ErrorBody::parse(br#"{"detail": [{"loc": ["body", "lead_info"], "msg": "field required", "type": "missing"}]}"#);
/// assert_eq!(body.map(|b| b.message()).as_deref(), Some("body.lead_info: field required"));
///
/// let written = serde_json::to_string(&ErrorBody::new("Bad Request", "Invalid lead information"))?;
/// assert_eq!(written, r#"{"error":"Bad Request","message":"Invalid lead information"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ErrorBody {
    /// `{"error": "Bad Request", "message": "Invalid lead information"}`; the message may be
    /// absent.
    Message {
        /// The short reason.
        error: String,
        /// The details.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// `{"detail": "Job not found"}`.
    Detail {
        /// The message.
        detail: String,
    },
    /// `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`.
    Validation {
        /// One entry per invalid part of the request.
        detail: Vec<ValidationIssue>,
    },
}

/// One entry of a validation list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ValidationIssue {
    /// Where: `["body", "lead_info"]`, `["body", "struct", 0]`.
    #[serde(default)]
    pub loc: Vec<LocPart>,
    /// What is wrong.
    #[serde(default)]
    pub msg: String,
    /// A machine-readable kind (`missing`, `type_error`...).
    #[serde(rename = "type", default)]
    pub kind: String,
}

/// One step of a validation location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LocPart {
    /// A key.
    Key(String),
    /// An index.
    Index(u64),
}

impl ValidationIssue {
    /// An issue at `loc` (keys joined by dots when shown).
    pub fn new(loc: Vec<LocPart>, msg: impl Into<String>, kind: impl Into<String>) -> Self {
        ValidationIssue {
            loc,
            msg: msg.into(),
            kind: kind.into(),
        }
    }
}

impl ErrorBody {
    /// The `{"error", "message"}` shape.
    pub fn new(error: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorBody::Message {
            error: error.into(),
            message: Some(message.into()),
        }
    }

    /// The `{"detail": "..."}` shape.
    pub fn detail(detail: impl Into<String>) -> Self {
        ErrorBody::Detail {
            detail: detail.into(),
        }
    }

    /// The 429 body of a submit refused because `limit` jobs of the key are still running.
    ///
    /// ```
    /// use sixtyfour_protocol::ErrorBody;
    ///
    /// let body = serde_json::to_vec(&ErrorBody::active_job_limit(50))?;
    /// assert!(ErrorBody::parse(&body).is_some_and(|b| b.is_active_job_limit()));
    /// assert!(!ErrorBody::new("Too Many Requests", "Rate limit exceeded").is_active_job_limit());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn active_job_limit(limit: u64) -> Self {
        ErrorBody::new(
            ACTIVE_JOB_LIMIT_ERROR,
            format!(
                "This API key already has {limit} jobs running, its limit; submit again when one finishes"
            ),
        )
    }

    /// True for the body of [`ErrorBody::active_job_limit`].
    pub fn is_active_job_limit(&self) -> bool {
        matches!(self, ErrorBody::Message { error, .. } if error == ACTIVE_JOB_LIMIT_ERROR)
    }

    /// Reads a body in one of the three shapes; `None` for anything else.
    pub fn parse(body: &[u8]) -> Option<ErrorBody> {
        serde_json::from_slice(body).ok()
    }

    /// One line for a person: `Bad Request: Invalid lead information`, `Job not found`,
    /// `body.lead_info: field required; body.struct.0: not a dict`.
    pub fn message(&self) -> String {
        match self {
            ErrorBody::Message {
                error,
                message: Some(message),
            } if !message.starts_with(error.as_str()) => format!("{error}: {message}"),
            ErrorBody::Message {
                message: Some(message),
                ..
            } => message.clone(),
            ErrorBody::Message { error, .. } => error.clone(),
            ErrorBody::Detail { detail } => detail.clone(),
            ErrorBody::Validation { detail } if detail.is_empty() => "invalid request".into(),
            ErrorBody::Validation { detail } => detail
                .iter()
                .map(|issue| {
                    let location = issue
                        .loc
                        .iter()
                        .map(|part| match part {
                            LocPart::Key(key) => key.clone(),
                            LocPart::Index(i) => i.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(".");
                    let msg = if issue.msg.is_empty() {
                        "invalid"
                    } else {
                        &issue.msg
                    };
                    if location.is_empty() {
                        msg.to_owned()
                    } else {
                        format!("{location}: {msg}")
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// The message of any error body: one of the three shapes, else the body's text shortened to
/// [`MAX_MESSAGE_CHARS`] characters.
///
/// ```
/// use sixtyfour_protocol::error_message;
///
/// assert_eq!(error_message(br#"{"detail": "Job not found"}"#), "Job not found");
/// assert_eq!(error_message(b"upstream connect error"), "upstream connect error");
/// assert_eq!(error_message(b""), "no error message");
/// ```
pub fn error_message(body: &[u8]) -> String {
    if let Some(parsed) = ErrorBody::parse(body) {
        return parsed.message();
    }
    // A JSON object with an unexpected shape: look for the usual keys before giving up.
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
        for key in ["message", "error", "detail"] {
            if let Some(Value::String(text)) = map.get(key) {
                return shorten(text);
            }
        }
    }
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        "no error message".into()
    } else {
        shorten(trimmed)
    }
}

/// At most [`MAX_MESSAGE_CHARS`] characters, with `…` when cut.
pub fn shorten(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(MAX_MESSAGE_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_shapes_and_the_rest() {
        let long = "x".repeat(400);
        let rows: [(&[u8], String); 9] = [
            (
                br#"{"error": "Bad Request", "message": "Invalid lead information"}"#,
                "Bad Request: Invalid lead information".into(),
            ),
            (
                br#"{"error": "Not Found", "message": "Not Found: no such job"}"#,
                "Not Found: no such job".into(),
            ),
            (br#"{"detail": "Job not found"}"#, "Job not found".into()),
            (
                br#"{"detail": [{"loc": ["body", "lead_info"], "msg": "field required", "type": "value_error.missing"}, {"loc": ["body", "struct", 0], "msg": "not a dict", "type": "type_error"}]}"#,
                "body.lead_info: field required; body.struct.0: not a dict".into(),
            ),
            (br#"{"error": "Unauthorized"}"#, "Unauthorized".into()),
            (br#"{"message": "odd shape", "code": 3}"#, "odd shape".into()),
            (b"upstream connect error", "upstream connect error".into()),
            (b"  ", "no error message".into()),
            (long.as_bytes(), format!("{}…", "x".repeat(300))),
        ];
        for (body, want) in rows {
            assert_eq!(
                error_message(body),
                want,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        assert_eq!(error_message(&[0xff, 0xfe]), "\u{fffd}\u{fffd}");
    }

    #[test]
    fn shapes_round_trip() {
        let bodies = [
            ErrorBody::new("Payment Required", "Out of credits"),
            ErrorBody::detail("Job not found"),
            ErrorBody::Validation {
                detail: vec![ValidationIssue::new(
                    vec![LocPart::Key("body".into()), LocPart::Index(0)],
                    "field required",
                    "missing",
                )],
            },
        ];
        for body in bodies {
            let text = serde_json::to_vec(&body).unwrap();
            assert_eq!(ErrorBody::parse(&text), Some(body));
        }
    }
}
