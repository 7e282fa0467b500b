//! A web researcher for the enrich-lead API.
//!
//! For one lead (what is known of a person), one `struct` (the fields wanted) and an optional
//! research plan, [`WebResearcher::research`] plans search queries, searches (SearXNG, then
//! Brave, or a local index over an offline web), fetches pages politely (robots.txt, per-host
//! limits, size and time caps, a page budget), extracts candidates deterministically (JSON-LD,
//! microdata, meta tags, links, tables, card lines and sentences; optionally a language model
//! that must cite fetched pages), decides every field by agreement and the strength of the
//! match to the lead, and answers [`WebAnswer`]: notes, structured data cast by the casting
//! crate, references, an overall score and a confidence per field.
//!
//! [`eval::evaluate`] measures the researcher on an offline fixture web with a truth file.
//!
//! The pipeline, one module each: [`plan`] → [`search`] → [`fetch`] (with [`fetch::robots`])
//! → [`extract`] → [`llm`] → [`decide`] → [`answer`]; [`offline`] is the fixture web;
//! [`research`] runs a job.

#![warn(clippy::unwrap_used, clippy::expect_used)]

/// The README's code block, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}

pub mod answer;
pub mod config;
pub mod decide;
mod error;
pub mod eval;
pub mod extract;
pub mod fetch;
mod fields;
pub mod lead;
pub mod llm;
pub mod normalize;
pub mod offline;
pub mod plan;
pub mod research;
pub mod search;

pub use answer::{Claim, WebAnswer};
pub use config::{FetchLimits, LlmConfig, SearchConfig, WebConfig};
pub use error::WebError;
pub use eval::{EvalOptions, EvalReport, evaluate};
pub use fields::{FieldKind, field_kind, schema_kinds};
pub use lead::{Lead, NameMatcher};
pub use research::{CancelFlag, Job, Progress, Stage, WebResearcher};
