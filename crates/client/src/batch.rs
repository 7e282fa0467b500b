//! Batches: many requests as a stream of results with bounded concurrency, and a handle that
//! keeps the task ids of submitted jobs whose results were not handed out yet, so that
//! dropping the stream loses no paid job.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use sixtyfour_protocol::TaskId;

use crate::client::Client;
use crate::error::Error;
use crate::request::EnrichRequest;
use crate::response::Enrichment;

/// A request of a batch that has not been handed out by the stream yet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unfinished {
    /// Its index in the batch.
    pub index: usize,
    /// The job, once the submit answered; `None` while the submit is in flight (after the
    /// stream is dropped: it may or may not have started a job).
    pub task_id: Option<TaskId>,
}

/// Shared record of a batch's requests between submit and hand-out.
#[derive(Debug, Clone, Default)]
pub struct BatchHandle {
    open: Arc<Mutex<BTreeMap<usize, Option<TaskId>>>>,
}

impl BatchHandle {
    /// The requests submitted (or being submitted) whose results the stream has not handed
    /// out, by index. Usable after the stream is dropped: wait for each task id with
    /// [`Client::wait`] to collect the results already paid for.
    pub fn unfinished(&self) -> Vec<Unfinished> {
        self.lock()
            .iter()
            .map(|(index, task_id)| Unfinished {
                index: *index,
                task_id: task_id.clone(),
            })
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<usize, Option<TaskId>>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn submitting(&self, index: usize) {
        self.lock().insert(index, None);
    }

    fn submitted(&self, index: usize, task_id: &TaskId) {
        self.lock().insert(index, Some(task_id.clone()));
    }

    fn handed_out(&self, index: usize) {
        self.lock().remove(&index);
    }
}

/// The stream of [`Client::enrich_all`]: `(index, result)` in completion order.
#[must_use = "a batch does nothing until its stream is polled"]
pub struct Batch {
    inner: BoxStream<'static, (usize, Result<Enrichment, Error>)>,
    handle: BatchHandle,
}

impl Batch {
    /// The handle that lists submitted jobs not handed out yet; it outlives the stream.
    pub fn handle(&self) -> BatchHandle {
        self.handle.clone()
    }
}

impl Stream for Batch {
    type Item = (usize, Result<Enrichment, Error>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.inner.poll_next_unpin(cx);
        if let Poll::Ready(Some((index, _))) = &polled {
            self.handle.handed_out(*index);
        }
        polled
    }
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("unfinished", &self.handle.unfinished().len())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Enriches many leads with at most `concurrency` jobs in flight, yielding
    /// `(index, result)` as jobs finish. Each request is one [`enrich_raw`](Client::enrich_raw)
    /// call with its own deadline.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = sixtyfour_emulator::Emulator::builder().spawn().await?;
    /// # let client = sixtyfour::Client::for_emulator(&emulator)?;
    /// use sixtyfour::prelude::*;
    ///
    /// let schema = Schema::builder().describe("title", "The individual's job title").build()?;
    /// let requests = ["rafael.nunez@lanternfish.example", "nobody@nowhere.example"]
    ///     .into_iter()
    ///     .map(|email| EnrichRequest::from_lead(&serde_json::json!({"email": email}), schema.clone()))
    ///     .collect::<Result<Vec<_>, _>>()?;
    /// let mut results = client.enrich_all(requests, 50);
    /// let handle = results.handle();
    /// while let Some((index, result)) = results.next().await {
    ///     let enrichment = result?;
    ///     println!("{index}: {:?} {}", enrichment.task_id, enrichment.data["title"]);
    /// }
    /// assert!(handle.unfinished().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// Dropping the stream stops the batch; jobs already submitted go on at the server.
    /// [`Batch::handle`] lists them ([`BatchHandle::unfinished`]) so their results can still be
    /// collected with [`Client::wait`]. This is a stream, not a durable batch: a crash loses
    /// the handle with the process. Durable, exactly-once batches that survive crashes and
    /// restarts (every submit recorded before it is sent) are the job of the `sixtyfour-ledger`
    /// crate, which is built on this client.
    pub fn enrich_all<I>(&self, requests: I, concurrency: usize) -> Batch
    where
        I: IntoIterator<Item = EnrichRequest>,
        I::IntoIter: Send + 'static,
    {
        let client = self.clone();
        let handle = BatchHandle::default();
        let tracker = handle.clone();
        let inner = stream::iter(requests.into_iter().enumerate())
            .map(move |(index, request)| {
                let client = client.clone();
                let tracker = tracker.clone();
                async move {
                    let call = client.call();
                    tracker.submitting(index);
                    let result = match client.submit_within(&request, &call).await {
                        Ok(answer) => {
                            let task_id = answer.into_inner();
                            tracker.submitted(index, &task_id);
                            client.wait_after_submit(task_id, &request, &call).await
                        }
                        Err(err) => {
                            if !err.is_maybe_submitted() {
                                // No job was started: nothing to keep track of.
                                tracker.handed_out(index);
                            }
                            Err(err)
                        }
                    };
                    (index, result)
                }
            })
            .buffer_unordered(concurrency.max(1))
            .boxed();
        Batch { inner, handle }
    }
}
