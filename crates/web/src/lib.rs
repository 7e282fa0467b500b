//! A web researcher for the enrich-lead API.

#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod config;
mod error;
pub mod extract;
pub mod fetch;
mod fields;
mod lead;
pub mod normalize;
pub mod offline;
pub mod search;

pub use config::{FetchLimits, LlmConfig, SearchConfig, WebConfig};
pub use error::WebError;
pub use fields::{FieldKind, field_kind, schema_kinds};
pub use lead::{Lead, NameMatcher};
