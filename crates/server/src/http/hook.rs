//! The hook: an optional extension of the HTTP surface, called after authentication and the
//! rate limit and before the handler, that may refuse a request, attach data to the job it
//! creates (handed to the researcher), or change the answer after the work. The emulator's
//! faults and scripts are a hook; a gateway's own checks could be another.

use std::time::Duration;

use serde_json::{Map, Value};
use sixtyfour_protocol::{Endpoint, EnrichBody, TaskId};

use super::error::ApiError;
use crate::keys::KeyEntry;

/// Which API call a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// A submit on this path.
    Submit(Endpoint),
    /// `GET /job-status/{task_id}`.
    Status,
}

/// What becomes of the answer after the handler ran.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum After {
    /// Sent as it is.
    #[default]
    Unchanged,
    /// The headers are sent, then the connection drops.
    Reset,
    /// Held back this long.
    Hold(Duration),
    /// Replaced by this error when the handler succeeded (a submit that created its job and
    /// still answers an error).
    Replace(ApiError),
}

/// The hook's decision on one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Refused with this error; the handler does not run.
    Refuse(ApiError),
    /// Handled, with data for the job a submit creates and a change to the answer.
    Proceed {
        /// Stored with the job and handed to the researcher as `ResearchJob::meta`.
        meta: Map<String, Value>,
        /// What happens to the answer.
        after: After,
    },
}

impl Verdict {
    /// Handled as usual.
    pub fn proceed() -> Self {
        Verdict::Proceed {
            meta: Map::new(),
            after: After::Unchanged,
        }
    }
}

/// An extension of the HTTP surface; see the module documentation.
pub trait Hook: Send + Sync + 'static {
    /// Decides on a request of `key` (already authenticated and within its rate limit).
    fn admit(&self, call: Call, key: &KeyEntry) -> Verdict;

    /// A submit created job `task_id` from `body`.
    fn accepted(&self, task_id: &TaskId, body: &EnrichBody) {
        let _ = (task_id, body);
    }
}
