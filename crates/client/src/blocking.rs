//! A synchronous facade for scripts (the `blocking` feature): the calls of
//! [`crate::Client`], each run to completion on a small runtime of the facade's own. It must
//! not be used from inside an async runtime (it says so with an error instead of blocking one).
//!
//! ```
//! use sixtyfour::Enrich;
//!
//! #[derive(Debug, serde::Deserialize, Enrich)]
//! struct Lead {
//!     /// The individual's job title
//!     title: String,
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let background = tokio::runtime::Runtime::new()?;
//! # let emulator = background.block_on(sixtyfour_emulator::Emulator::builder().spawn())?;
//! # let async_client = sixtyfour::Client::for_emulator(&emulator)?;
//! // In a script: `sixtyfour::blocking::Client::from_env()?`.
//! let client = sixtyfour::blocking::Client::new(async_client)?;
//! let lead = serde_json::json!({"email": "rafael.nunez@lanternfish.example"});
//! let enriched = client.enrich::<Lead>(&lead)?;
//! assert_eq!(enriched.data.title, "CEO & Co-Founder");
//! # Ok(())
//! # }
//! ```

use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use sixtyfour_casting::Enrich;
use sixtyfour_protocol::{EnrichResult, TaskId};

use crate::error::Error;
use crate::request::EnrichRequest;
use crate::response::{Enriched, Enrichment, JobStatus};

/// The blocking client: cheap to clone, clones share the runtime and the connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    inner: crate::Client,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl Client {
    /// A blocking facade over `client` (its settings and options are kept).
    pub fn new(client: crate::Client) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| Error::Config {
                message: format!("the blocking client's runtime could not start: {err}"),
            })?;
        Ok(Client {
            inner: client,
            runtime: Arc::new(runtime),
        })
    }

    /// A blocking client from `SIXTYFOUR_API_KEY` (and `SIXTYFOUR_BASE_URL`).
    pub fn from_env() -> Result<Self, Error> {
        Client::new(crate::Client::from_env()?)
    }

    /// The async client underneath.
    pub fn async_client(&self) -> &crate::Client {
        &self.inner
    }

    fn run<T>(&self, call: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::Config {
                message: "sixtyfour::blocking::Client was called from inside an async runtime, where it would block it; use sixtyfour::Client there".into(),
            });
        }
        self.runtime.block_on(call)
    }

    /// See [`crate::Client::enrich`].
    pub fn enrich<T: Enrich>(&self, lead: &impl Serialize) -> Result<Enriched<T>, Error> {
        self.run(self.inner.enrich::<T>(lead))
    }

    /// See [`crate::Client::enrich_raw`].
    pub fn enrich_raw(&self, request: &EnrichRequest) -> Result<Enrichment, Error> {
        self.run(self.inner.enrich_raw(request))
    }

    /// See [`crate::Client::enrich_sync`].
    pub fn enrich_sync<T: Enrich>(&self, lead: &impl Serialize) -> Result<Enriched<T>, Error> {
        self.run(self.inner.enrich_sync::<T>(lead))
    }

    /// See [`crate::Client::submit`].
    pub fn submit(&self, request: &EnrichRequest) -> Result<TaskId, Error> {
        self.run(self.inner.submit(request))
    }

    /// See [`crate::Client::job_status`].
    pub fn job_status(&self, task_id: &TaskId) -> Result<JobStatus, Error> {
        self.run(self.inner.job_status(task_id))
    }

    /// See [`crate::Client::wait`].
    pub fn wait(&self, task_id: &TaskId) -> Result<EnrichResult, Error> {
        self.run(self.inner.wait(task_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn inside_a_runtime_it_refuses_instead_of_blocking() {
        let inner = crate::Client::new("k").unwrap();
        // Built outside a runtime in real use; here only the refusal matters.
        let client = std::thread::spawn(move || Client::new(inner).unwrap())
            .join()
            .unwrap();
        let err = client.job_status(&TaskId::new("t").unwrap()).unwrap_err();
        assert!(err.to_string().contains("inside an async runtime"), "{err}");
        std::thread::spawn(move || drop(client)).join().unwrap();
    }
}
