//! Waiting for a job: poll on the policy's schedule until the job ends or the call's deadline
//! passes. A deadline returns the task id so the wait can resume, here or after a restart.

use std::time::Duration;

use sixtyfour_protocol::{EnrichResult, JobState, TaskId};
use tracing::Instrument;

use crate::client::Client;
use crate::error::Error;
use crate::options::Call;
use crate::poll::NextPoll;

/// The least time between a poll that failed and the next one.
const MIN_GAP_AFTER_FAILURE: Duration = Duration::from_millis(50);

impl Client {
    /// Waits for a job within the call's deadline (the client's default, 20 minutes, unless
    /// [`RequestOptions::deadline`](crate::RequestOptions::deadline) says otherwise).
    ///
    /// Polls follow the poll policy; a server's `Retry-After` wins; a last poll goes just
    /// before the deadline. Past it, [`Error::Deadline`] carries the task id and the job keeps
    /// running. A poll that fails after its own retries (a transport error, a 5xx, a 429) does
    /// not end the wait; a refusal that asking again cannot fix (404, 401, an unreadable body)
    /// does.
    pub async fn wait(&self, task_id: &TaskId) -> Result<EnrichResult, Error> {
        let call = self.call();
        self.wait_within(task_id, &call).await
    }

    /// Waits at most `deadline` for a job (see [`wait`](Client::wait)).
    pub async fn wait_for(
        &self,
        task_id: &TaskId,
        deadline: Duration,
    ) -> Result<EnrichResult, Error> {
        self.with_options(crate::RequestOptions::new().deadline(deadline))
            .wait(task_id)
            .await
    }

    pub(crate) async fn wait_within(
        &self,
        task_id: &TaskId,
        call: &Call,
    ) -> Result<EnrichResult, Error> {
        let span = tracing::debug_span!("wait", task_id = %task_id);
        async {
            let mut last_state = JobState::Pending;
            let mut hint = None;
            for n in 0.. {
                let last = match call.poll.next(n, call.remaining(), hint) {
                    NextPoll::After(wait) => {
                        tokio::time::sleep(wait).await;
                        false
                    }
                    NextPoll::Final(wait) => {
                        tokio::time::sleep(wait).await;
                        true
                    }
                    NextPoll::Expired => break,
                };
                let answer = match self.poll_once(task_id, call).await {
                    Ok(answer) => answer,
                    // The job is still there: the deadline bounds how long to keep asking.
                    Err(err) if err.is_transient() => {
                        tracing::debug!(task_id = %task_id, error = %err, "poll failed; waiting on");
                        if last || call.expired() {
                            break;
                        }
                        // The schedule's next step, never less than a floor: a zero poll
                        // interval must not turn failures into a busy loop.
                        hint = Some(call.poll.interval(n + 1).max(MIN_GAP_AFTER_FAILURE));
                        continue;
                    }
                    Err(err) => return Err(err),
                };
                hint = answer.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| {
                    crate::retry::retry_after(v.to_str().ok(), std::time::SystemTime::now())
                });
                let status = answer.into_inner();
                match status.state {
                    JobState::Completed => {
                        return status.result.ok_or_else(|| Error::Decode {
                            path: "result".into(),
                            message: "a completed job came without its result".into(),
                            body: String::new(),
                        });
                    }
                    JobState::Failed | JobState::Cancelled => {
                        let message = status
                            .error
                            .unwrap_or_else(|| format!("the job ended {}", status.state));
                        return Err(Error::JobFailed {
                            task_id: task_id.clone(),
                            message,
                        });
                    }
                    other => last_state = other,
                }
                if last {
                    break;
                }
            }
            Err(Error::Deadline {
                task_id: task_id.clone(),
                waited: call.start.elapsed(),
                last_state,
            })
        }
        .instrument(span)
        .await
    }
}
