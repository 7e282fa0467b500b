//! The enrich-lead API's wire format, written once for both sides: the client that calls the
//! API and the servers that answer it (the emulator and `sixtyfour serve`). No I/O.
//!
//! | what | type |
//! |---|---|
//! | the body of every submit path | [`EnrichBody`] (checked by [`EnrichBody::check`]) |
//! | the answer of an async submit | [`Submitted`] |
//! | `GET /job-status/{task_id}` in every state | [`JobStatusBody`], [`JobState`] |
//! | a finished enrichment | [`EnrichResult`] |
//! | error bodies in their three shapes | [`ErrorBody`], [`error_message`] |
//! | completion callbacks | [`WebhookEvent`], [`event_id`], [`signature`] |
//! | names | [`Endpoint`], [`TaskType`], [`Tier`], [`TaskId`], header names |
//!
//! Decoding is lenient where the live API is loose and strict where a value matters:
//!
//! ```
//! use sixtyfour_protocol::{JobState, JobStatusBody};
//!
//! let body: JobStatusBody = serde_json::from_str(r#"{
//!     "status": "completed",
//!     "result": {
//!         "notes": null,
//!         "structured_data": {"title": "CEO & Co-Founder"},
//!         "references": [],
//!         "confidence_score": "9.5"
//!     },
//!     "task_type": "enrich_lead"
//! }"#)?;
//! assert_eq!(body.status, JobState::Completed);
//! let result = body.result.unwrap();
//! assert_eq!(result.structured_data["title"], "CEO & Co-Founder");
//! assert_eq!(result.confidence_score, Some(9.5));
//!
//! // A task id must be a string.
//! assert!(serde_json::from_str::<sixtyfour_protocol::Submitted>(r#"{"task_id": 5}"#).is_err());
//! # Ok::<(), serde_json::Error>(())
//! ```

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod answer;
mod body;
mod error_body;
mod http;
pub mod lenient;
pub mod signature;
mod state;
mod task_id;
mod tier;
mod webhook;

pub use answer::{EnrichResult, JobStatusBody, Submitted};
pub use body::{BODY_FIELDS, BodyError, EnrichBody};
pub use error_body::{
    ACTIVE_JOB_LIMIT_ERROR, ErrorBody, LocPart, MAX_MESSAGE_CHARS, ValidationIssue, error_message,
    shorten,
};
pub use http::{
    API_KEY_HEADER, ATTEMPT_HEADER, EVENT_ID_HEADER, Endpoint, JOB_STATUS_PREFIX, SIGNATURE_HEADER,
    TaskType, job_status_path,
};
pub use state::JobState;
pub use task_id::{MAX_TASK_ID_LEN, TaskId, TaskIdError};
pub use tier::{Tier, UnknownTier};
pub use webhook::{WebhookEvent, event_id};
