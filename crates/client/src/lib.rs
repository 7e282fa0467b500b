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
//! use sixtyfour::{Client, Enrich};
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
//! let client = Client::for_emulator(&emulator)?; // the `emulator` feature
//!
//! let lead = serde_json::json!({"name": "Rafael Núñez", "company": "Lanternfish Labs"});
//! let enriched = client.enrich::<Lead>(&lead).await?;
//! assert_eq!(enriched.data.title, "CEO & Co-Founder");
//! assert_eq!(enriched.data.email.as_deref(), Some("rafael.nunez@lanternfish.example"));
//! assert_eq!(enriched.confidence_score, Some(7.5));
//! # Ok(())
//! # }
//! ```
//!
//! Against the real API, `Client::from_env()` reads `SIXTYFOUR_API_KEY` (and an optional
//! `SIXTYFOUR_BASE_URL`). The key is kept as a secret: no `Debug`, error or log line shows it.
//!
//! # The pieces
//!
//! - [`Client::submit`], [`Client::job_status`], [`Client::wait`]: keep a [`TaskId`] and resume
//!   after a restart; [`Client::enrich_raw`] and [`Client::enrich`] put them together, and
//!   [`Client::enrich_sync`] uses the sync endpoint.
//! - [`Client::with_options`] and [`RequestOptions`]: a deadline, a timeout, a poll policy,
//!   body options and the endpoint for some calls, without rebuilding the client;
//!   [`Client::people_intelligence`] for the people-intelligence paths.
//! - [`Client::enrich_all`]: a stream of results with bounded concurrency, and a
//!   [`BatchHandle`] that keeps the task ids of submitted jobs.
//! - [`PollPolicy`], [`RetryPolicy`], [`RateLimit`]: how often to poll, when to retry (the pure
//!   [`retry::decide`]), and the request budget shared by all calls.
//! - [`Error`]: one enum; [`Error::task_id`] gives the job to resume where there is one, and
//!   [`Error::is_maybe_submitted`], [`Error::is_not_sent`], [`Error::is_account_level`] and
//!   [`Error::is_definite`] say what a failure means for the job.
//! - [`webhook`]: signature checks and parsing for completion callbacks.
//! - [`prelude`]: the common imports in one line.
//!
//! # Features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `rustls` | yes | TLS through rustls (no system library) |
//! | `native-tls` | no | TLS through the platform's library |
//! | `emulator` | no | `Client::for_emulator`, for tests against `sixtyfour-emulator` |
//! | `blocking` | no | `sixtyfour::blocking`, a synchronous facade for scripts |
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

mod batch;
#[cfg(feature = "blocking")]
pub mod blocking;
mod client;
mod config;
#[cfg(feature = "emulator")]
mod emulator;
mod error;
mod options;
pub mod poll;
pub mod prelude;
mod rate_limit;
mod request;
mod response;
pub mod retry;
pub mod scheduler;
mod transport;
mod wait;
pub mod webhook;

pub use batch::{Batch, BatchHandle, Unfinished};
pub use client::Client;
pub use config::{
    API_KEY_ENV, BASE_URL_ENV, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_BYTES,
    ERROR_BODY_BYTES,
};
#[cfg(feature = "emulator")]
pub use emulator::EMULATOR_POLL;
pub use error::{ApiErrorKind, Error};
pub use options::{Deadline, RequestOptions};
pub use poll::PollPolicy;
pub use rate_limit::RateLimit;
pub use request::EnrichRequest;
pub use reqwest::header::HeaderMap;
pub use response::{Enriched, Enrichment, JobStatus, Response};
pub use retry::RetryPolicy;
pub use secrecy::SecretString;
pub use sixtyfour_casting::{
    CastError, Choice, Choices, DecodeError, DecodeIssue, Enrich, EnrichField, FieldError,
    FieldInfo, FieldSpec, FieldType, Plan, Problem, Schema, SchemaError, Shape, TypeSource, decode,
    decode_owned, decode_slice, decode_str,
};
pub use sixtyfour_protocol::{
    Endpoint, EnrichResult, JobState, TaskId, TaskIdError, TaskType, Tier, error_message,
};

/// The casting rules, for direct use.
pub use sixtyfour_casting as casting;
/// The wire format: bodies, answers, error shapes, webhook events and signatures.
pub use sixtyfour_protocol as protocol;

#[doc(hidden)]
pub use sixtyfour_casting::__private;

/// The README's code blocks, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}

/// The workspace README's code blocks, compiled as doctests of this crate, the one they use.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
mod workspace_readme {}

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
