//! The crate users add: describe the fields you want as a Rust type, enrich a lead, get the type
//! back.
//!
//! # Describing the fields: `#[derive(Enrich)]`
//!
//! A struct with named fields is the request's `struct` payload: each field is one value to
//! collect, described by its doc comment (or `#[enrich(desc = "...")]`), typed by its Rust type.
//! `String` fields are sent as plain descriptions; other types add the API type
//! (`u32` is `int`, `Vec<String>` is `list[str]`, a nested `Enrich` struct is `dict`).
//! `Option` fields accept a blank or missing answer as `None`.
//!
//! # A whole call, offline
//!
//! The emulator (`sixtyfour-emulator`) answers like the API from fictional profiles, so this
//! example runs as it stands:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use sixtyfour::{Client, Enrich, PollPolicy};
//!
//! #[derive(Debug, serde::Deserialize, Enrich)]
//! struct Lead {
//!     /// The individual's job title
//!     title: String,
//!     /// The individual's email address
//!     email: Option<String>,
//!     /// Years of professional experience
//!     years_experience: Option<u32>,
//! }
//!
//! let emulator = sixtyfour_emulator::Emulator::builder().spawn().await?;
//! let client = Client::builder()
//!     .api_key(emulator.api_key())
//!     .base_url(emulator.base_url())
//!     .poll_policy(PollPolicy { initial: Duration::from_millis(20), factor: 1.5, max: Duration::from_millis(200) })
//!     .build()?;
//!
//! let lead = serde_json::json!({"name": "Rafael Núñez", "company": "Lanternfish Labs"});
//! let enriched = client.enrich::<Lead>(&lead).await?;
//! assert_eq!(enriched.data.title, "CEO & Co-Founder");
//! assert_eq!(enriched.data.email.as_deref(), Some("rafael.nunez@lanternfish.example"));
//! assert!(enriched.confidence_score.unwrap_or_default() > 5.0);
//! # Ok(())
//! # }
//! ```
//!
//! Against the real API, `Client::from_env()` reads `SIXTYFOUR_API_KEY` (and an optional
//! `SIXTYFOUR_BASE_URL`).
//!
//! # The pieces
//!
//! - [`Client::submit`], [`Client::job_status`], [`Client::wait`]: keep a [`TaskId`] and resume
//!   after a restart; [`Client::enrich_raw`] and [`Client::enrich`] put them together.
//! - [`Client::enrich_all`]: a stream of results with bounded concurrency.
//! - [`PollPolicy`], [`RetryPolicy`], [`RateLimit`]: how often to poll, when to retry (the pure
//!   [`retry::decide`]), and the request budget shared by all calls.
//! - [`Error`]: one enum; [`Error::task_id`] gives the job to resume where there is one.
//! - [`webhook`]: signature checks and parsing for completion callbacks.
//!
//! The derive's schema, from the example above:
//!
//! ```
//! use sixtyfour::Enrich;
//!
//! #[derive(Debug, serde::Deserialize, Enrich)]
//! struct Lead {
//!     /// The individual's email address
//!     email: String,
//!     /// Number of employees at their company
//!     company_size: Option<u32>,
//! }
//!
//! assert_eq!(
//!     Lead::schema().to_json(),
//!     serde_json::json!({
//!         "email": "The individual's email address",
//!         "company_size": {"description": "Number of employees at their company", "type": "int"},
//!     })
//! );
//! ```

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod client;
mod error;
pub mod poll;
mod rate_limit;
mod request;
mod response;
pub mod retry;
pub mod webhook;

pub use client::{API_KEY_ENV, BASE_URL_ENV, Client, ClientBuilder, DEFAULT_BASE_URL};
pub use error::{ApiErrorKind, Error, error_message};
pub use poll::PollPolicy;
pub use rate_limit::RateLimit;
pub use request::{EnrichRequest, Tier};
pub use response::{EnrichResult, Enriched, JobState, JobStatus, TaskId};
pub use retry::RetryPolicy;
pub use sixtyfour_casting::{
    CastError, Choice, Choices, DecodeError, DecodeIssue, Enrich, EnrichField, FieldInfo,
    FieldSpec, FieldType, Plan, Problem, Schema, SchemaError, Shape, TypeSource, decode,
    decode_owned, decode_slice, decode_str,
};

/// The casting rules, for direct use.
pub use sixtyfour_casting as casting;

#[doc(hidden)]
pub use sixtyfour_casting::__private;

#[cfg(doctest)]
mod attribute_examples {
    //! ```
    //! use serde::Deserialize;
    //! use sixtyfour::{decode, Enrich};
    //!
    //! #[derive(Debug, Deserialize, Enrich)]
    //! #[serde(rename_all = "camelCase")]
    //! #[enrich(research_plan = "Check the company website first.")]
    //! struct Lead {
    //!     /// The individual's job title
    //!     job_title: String,
    //!     #[enrich(desc = "Programming languages on their GitHub", type = "list[str]")]
    //!     languages: Vec<String>,
    //!     #[enrich(rename = "headcount", desc = "Employees at their company")]
    //!     company_size: Option<u32>,
    //!     #[enrich(skip)]
    //!     #[serde(default)]
    //!     crm_id: u64,
    //! }
    //!
    //! assert_eq!(
    //!     Lead::schema().names().collect::<Vec<_>>(),
    //!     ["jobTitle", "languages", "headcount"]
    //! );
    //! let answer = serde_json::json!({"jobTitle": "CTO", "languages": "rust", "headcount": "1,200"});
    //! let lead: Lead = decode(answer.as_object().unwrap(), &Default::default())?;
    //! assert_eq!((lead.languages, lead.company_size), (vec!["rust".to_string()], Some(1200)));
    //! # Ok::<(), sixtyfour::DecodeError>(())
    //! ```
}
