//! What most programs need, in one import: `use sixtyfour::prelude::*;`.
//!
//! ```
//! use sixtyfour::prelude::*;
//!
//! #[derive(Debug, serde::Deserialize, Enrich)]
//! struct Lead {
//!     /// The individual's job title
//!     title: String,
//! }
//!
//! async fn titles(client: &Client, leads: Vec<EnrichRequest>) -> Vec<Result<Enrichment, Error>> {
//!     // `StreamExt` comes with the prelude, for batches.
//!     client.enrich_all(leads, 20).map(|(_, result)| result).collect().await
//! }
//! ```

pub use crate::{
    Client, Endpoint, Enrich, EnrichRequest, EnrichResult, Enriched, Enrichment, Error, JobState,
    PollPolicy, RateLimit, RequestOptions, RetryPolicy, Schema, TaskId, Tier,
};
pub use futures_util::{Stream, StreamExt};
