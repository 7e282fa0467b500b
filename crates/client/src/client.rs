//! `Client`: configuration, the HTTP calls with their retries, waiting, and batches.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::stream::{self, Stream, StreamExt};
use reqwest::header::{HeaderMap, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sixtyfour_casting::Enrich;
use tokio::time::Instant;
use tracing::Instrument;

use crate::error::Error;
use crate::poll::{NextPoll, PollPolicy};
use crate::rate_limit::{RateLimit, RateLimiter};
use crate::request::EnrichRequest;
use crate::response::{EnrichResult, Enriched, JobState, JobStatus, TaskId};
use crate::retry::{AttemptOutcome, Decision, RequestKind, RetryPolicy, decide, retry_after};

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.sixtyfour.ai";
/// The environment variable holding the API key.
pub const API_KEY_ENV: &str = "SIXTYFOUR_API_KEY";
/// The environment variable that overrides the base URL.
pub const BASE_URL_ENV: &str = "SIXTYFOUR_BASE_URL";

/// A client for the enrich-lead API. Cheap to clone: clones share one connection pool and one
/// rate limiter.
///
/// ```no_run
/// # async fn run() -> Result<(), sixtyfour::Error> {
/// use sixtyfour::{Client, Enrich};
///
/// #[derive(Debug, serde::Deserialize, Enrich)]
/// struct Lead {
///     /// The individual's job title
///     title: String,
///     /// The individual's email address
///     email: Option<String>,
/// }
///
/// let client = Client::from_env()?;
/// let lead = serde_json::json!({"name": "Mara Quill", "company": "Lanternfish Labs"});
/// let enriched = client.enrich::<Lead>(&lead).await?;
/// println!("{} ({:?})", enriched.data.title, enriched.confidence_score);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    api_key: String,
    base_url: String,
    timeout: Duration,
    sync_timeout: Duration,
    poll: PollPolicy,
    retry: RetryPolicy,
    deadline: Duration,
    limiter: Option<RateLimiter>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("api_key", &"<redacted>")
            .field("timeout", &self.inner.timeout)
            .field("poll", &self.inner.poll)
            .field("retry", &self.inner.retry)
            .field("deadline", &self.inner.deadline)
            .field(
                "rate_limit",
                &self.inner.limiter.as_ref().map(RateLimiter::limit),
            )
            .finish()
    }
}

/// Configures a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use sixtyfour::{Client, PollPolicy, RateLimit, RetryPolicy};
///
/// let client = Client::builder()
///     .api_key("sk-test")
///     .base_url("http://127.0.0.1:8064/")
///     .timeout(Duration::from_secs(30))
///     .poll_policy(PollPolicy { initial: Duration::from_secs(5), factor: 2.0, max: Duration::from_secs(30) })
///     .retry_policy(RetryPolicy { max_attempts: 4, ..RetryPolicy::default() })
///     .rate_limit(Some(RateLimit::per_minute(300)))
///     .deadline(Duration::from_secs(15 * 60))
///     .user_agent("crm-sync/2.1")
///     .build()?;
/// assert_eq!(client.base_url(), "http://127.0.0.1:8064");
/// assert!(!format!("{client:?}").contains("sk-test"));
/// # Ok::<(), sixtyfour::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "call .build() to get the client"]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: String,
    timeout: Duration,
    sync_timeout: Duration,
    connect_timeout: Duration,
    poll: PollPolicy,
    retry: RetryPolicy,
    deadline: Duration,
    rate_limit: Option<RateLimit>,
    user_agent: String,
    http: Option<reqwest::Client>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            api_key: None,
            base_url: DEFAULT_BASE_URL.into(),
            timeout: Duration::from_secs(60),
            sync_timeout: Duration::from_secs(16 * 60),
            connect_timeout: Duration::from_secs(10),
            poll: PollPolicy::default(),
            retry: RetryPolicy::default(),
            deadline: Duration::from_secs(20 * 60),
            rate_limit: Some(RateLimit::per_minute(500)),
            user_agent: format!("sixtyfour-rust/{}", env!("CARGO_PKG_VERSION")),
            http: None,
        }
    }
}

impl ClientBuilder {
    /// The API key (required).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Another server, such as a local emulator (default `https://api.sixtyfour.ai`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The timeout of each submit or poll request (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The timeout of a sync enrichment, which holds the connection until the job ends
    /// (default 16 minutes; the API asks for at least 15).
    pub fn sync_timeout(mut self, timeout: Duration) -> Self {
        self.sync_timeout = timeout;
        self
    }

    /// How long to wait for a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How often to poll a running job.
    pub fn poll_policy(mut self, poll: PollPolicy) -> Self {
        self.poll = poll;
        self
    }

    /// When to retry a failed request.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How long `wait` and `enrich` wait for a job before returning `Error::Deadline`
    /// (default 20 minutes).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The request budget shared by every call of this client (default 500 per minute);
    /// `None` turns it off, for a self-hosted server.
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.rate_limit = limit;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = agent.into();
        self
    }

    /// A `reqwest::Client` of your own (its timeouts and agent are then yours to set).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The client, or what is missing.
    pub fn build(self) -> Result<Client, Error> {
        let api_key = self
            .api_key
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| Error::Config {
                message: format!("no API key: set {API_KEY_ENV} or call .api_key(...)"),
            })?;
        let base_url = self.base_url.trim().trim_end_matches('/').to_owned();
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            return Err(Error::Config {
                message: format!(
                    "the base URL must start with https:// or http://, got `{base_url}`"
                ),
            });
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .user_agent(self.user_agent)
                .connect_timeout(self.connect_timeout)
                .build()
                .map_err(|source| Error::Transport { source })?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                api_key,
                base_url,
                timeout: self.timeout,
                sync_timeout: self.sync_timeout,
                poll: self.poll,
                retry: self.retry,
                deadline: self.deadline,
                limiter: self.rate_limit.map(RateLimiter::new),
            }),
        })
    }
}

/// Errors after which asking again later can succeed.
fn is_transient(err: &Error) -> bool {
    matches!(
        err,
        Error::Transport { .. }
            | Error::Api {
                kind: crate::error::ApiErrorKind::Server | crate::error::ApiErrorKind::RateLimited,
                ..
            }
    )
}

/// A random value in `[0, 1)` for back-off jitter.
fn jitter() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// A response that arrived whole.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn retry_after(&self) -> Option<Duration> {
        let text = |name: &str| {
            self.headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        retry_after(
            text("retry-after-ms"),
            text("retry-after"),
            SystemTime::now(),
        )
    }

    fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let mut deserializer = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|err| Error::Decode {
            path: err.path().to_string(),
            message: err.inner().to_string(),
            body: String::from_utf8_lossy(&self.body).into_owned(),
        })
    }
}

#[derive(serde::Deserialize)]
struct Submitted {
    task_id: String,
}

#[derive(serde::Deserialize)]
struct StatusBody {
    status: String,
    #[serde(default)]
    result: Option<Value>,
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    processed_items: Option<u64>,
    #[serde(default)]
    total_items: Option<u64>,
}

impl Client {
    /// A client for the production API with every default.
    ///
    /// ```
    /// let client = sixtyfour::Client::new("sk-live-...")?;
    /// assert_eq!(client.base_url(), sixtyfour::DEFAULT_BASE_URL);
    /// # Ok::<(), sixtyfour::Error>(())
    /// ```
    pub fn new(api_key: impl Into<String>) -> Result<Self, Error> {
        Client::builder().api_key(api_key).build()
    }

    /// A client from `SIXTYFOUR_API_KEY` and, when set, `SIXTYFOUR_BASE_URL`.
    pub fn from_env() -> Result<Self, Error> {
        let key = std::env::var(API_KEY_ENV).map_err(|_| Error::Config {
            message: format!("{API_KEY_ENV} is not set"),
        })?;
        let mut builder = Client::builder().api_key(key);
        if let Ok(url) = std::env::var(BASE_URL_ENV)
            && !url.trim().is_empty()
        {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The server this client talks to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Sends one request with the retry policy for its kind.
    async fn send(
        &self,
        kind: RequestKind,
        timeout: Duration,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Answer, Error> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Some(limiter) = &self.inner.limiter {
                limiter.acquire().await;
            }
            let result = build()
                .header("x-api-key", &self.inner.api_key)
                .timeout(timeout)
                .send()
                .await;
            let (outcome, answer, failure) = match result {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    match response.bytes().await {
                        Ok(body) => {
                            let answer = Answer {
                                status,
                                headers,
                                body: body.to_vec(),
                            };
                            let outcome = AttemptOutcome::Status {
                                status,
                                retry_after: answer.retry_after(),
                            };
                            (outcome, Some(answer), None)
                        }
                        Err(err) => (AttemptOutcome::Interrupted, None, Some(err)),
                    }
                }
                Err(err) if err.is_connect() => (AttemptOutcome::NotSent, None, Some(err)),
                Err(err) => (AttemptOutcome::Interrupted, None, Some(err)),
            };
            match decide(&self.inner.retry, kind, outcome, attempt, jitter()) {
                Decision::Retry(delay) => {
                    tracing::debug!(?kind, ?outcome, attempt, ?delay, "retrying");
                    tokio::time::sleep(delay).await;
                }
                Decision::Stop => {
                    return match (answer, failure) {
                        (Some(answer), _) if (200..300).contains(&answer.status) => Ok(answer),
                        (Some(answer), _) => Err(Error::from_response(answer.status, &answer.body)),
                        (None, Some(source)) => Err(Error::Transport { source }),
                        (None, None) => Err(Error::Config {
                            message: "no response and no error".into(),
                        }),
                    };
                }
                Decision::Ambiguous => {
                    let cause = match (&answer, &failure) {
                        (Some(answer), _) => format!(
                            "the service answered {}: {}",
                            answer.status,
                            crate::error::error_message(&String::from_utf8_lossy(&answer.body))
                        ),
                        (None, Some(err)) if err.is_timeout() => {
                            "no answer before the timeout".into()
                        }
                        (None, Some(err)) => format!("the connection failed after sending: {err}"),
                        (None, None) => "unknown".into(),
                    };
                    return Err(Error::MaybeSubmitted { cause });
                }
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.base_url)
    }

    /// Starts an async job; keep the task id to resume later.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = sixtyfour_emulator::Emulator::builder().spawn().await?;
    /// # let client = sixtyfour::Client::builder().api_key(emulator.api_key()).base_url(emulator.base_url())
    /// #     .poll_policy(sixtyfour::PollPolicy { initial: std::time::Duration::from_millis(20), factor: 1.5, max: std::time::Duration::from_millis(200) })
    /// #     .build()?;
    /// use sixtyfour::{EnrichRequest, JobState, Schema, TaskId};
    ///
    /// let schema = Schema::builder().describe("title", "The individual's job title").build()?;
    /// let request = EnrichRequest::from_lead(&serde_json::json!({"email": "rafael.nunez@lanternfish.example"}), schema)?;
    /// let task_id = client.submit(&request).await?;
    /// let saved = task_id.to_string(); // store it anywhere
    ///
    /// // Later, possibly in another process:
    /// let task_id = TaskId::from(saved);
    /// let status = client.job_status(&task_id).await?;
    /// assert!(matches!(status.state, JobState::Pending | JobState::Processing | JobState::Completed));
    /// let result = client.wait(&task_id).await?;
    /// assert_eq!(result.structured_data["title"], "CEO & Co-Founder");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// A submit is retried only when no job can have started (the connection never opened,
    /// or a 429). After an ambiguous failure it returns [`Error::MaybeSubmitted`].
    pub async fn submit(&self, request: &EnrichRequest) -> Result<TaskId, Error> {
        request.validate()?;
        let span = tracing::debug_span!("submit", task_id = tracing::field::Empty);
        async {
            let body = request.to_json();
            let url = self.url("/enrich-lead-async");
            let http = &self.inner.http;
            let answer = self
                .send(RequestKind::Submit, self.inner.timeout, || {
                    http.post(&url).json(&body)
                })
                .await?;
            let submitted: Submitted = answer.json()?;
            tracing::Span::current().record("task_id", submitted.task_id.as_str());
            tracing::debug!("submitted");
            Ok(TaskId(submitted.task_id))
        }
        .instrument(span)
        .await
    }

    /// Asks once (with retries) where a job is.
    pub async fn job_status(&self, task_id: &TaskId) -> Result<JobStatus, Error> {
        self.poll_once(task_id).await.map(|(status, _)| status)
    }

    async fn poll_once(&self, task_id: &TaskId) -> Result<(JobStatus, Option<Duration>), Error> {
        let url = self.url(&format!("/job-status/{}", task_id.as_str()));
        let http = &self.inner.http;
        let answer = self
            .send(RequestKind::Poll, self.inner.timeout, || http.get(&url))
            .instrument(tracing::debug_span!("poll", task_id = %task_id))
            .await?;
        let body: StatusBody = answer.json()?;
        let state = JobState::parse(&body.status);
        let result = match (&state, body.result) {
            (JobState::Completed, Some(result)) => Some(EnrichResult::from_value(result).map_err(
                |err| Error::Decode {
                    path: format!("result.{}", err.path()),
                    message: err.inner().to_string(),
                    body: String::from_utf8_lossy(&answer.body).into_owned(),
                },
            )?),
            _ => None,
        };
        let error = body.error.map(|e| match e {
            Value::String(s) => s,
            other => other.to_string(),
        });
        tracing::debug!(task_id = %task_id, state = %state, "polled");
        let status = JobStatus {
            task_id: task_id.clone(),
            state,
            result,
            error,
            processed_items: body.processed_items,
            total_items: body.total_items,
        };
        Ok((status, answer.retry_after()))
    }

    /// Waits for a job with the client's deadline (see [`wait_for`](Client::wait_for)).
    pub async fn wait(&self, task_id: &TaskId) -> Result<EnrichResult, Error> {
        self.wait_for(task_id, self.inner.deadline).await
    }

    /// Polls a job until it ends or `deadline` passes. A last poll is made at the deadline;
    /// past it, [`Error::Deadline`] carries the task id and the job keeps running.
    pub async fn wait_for(
        &self,
        task_id: &TaskId,
        deadline: Duration,
    ) -> Result<EnrichResult, Error> {
        let span = tracing::debug_span!("wait", task_id = %task_id);
        async {
            let start = Instant::now();
            let mut last_state = JobState::Pending;
            let mut hint = None;
            for n in 0.. {
                let remaining = deadline.saturating_sub(start.elapsed());
                let last = match self.inner.poll.next(n, remaining, hint) {
                    NextPoll::After(wait) => {
                        tokio::time::sleep(wait).await;
                        false
                    }
                    NextPoll::Final(wait) => {
                        tokio::time::sleep(wait).await;
                        true
                    }
                    NextPoll::Expired => true,
                };
                let (status, retry_after) = match self.poll_once(task_id).await {
                    Ok(answer) => answer,
                    // A poll that failed after its own retries does not end the wait: the job
                    // is still there, and the deadline bounds how long to keep asking.
                    Err(err) if is_transient(&err) && !last => {
                        tracing::debug!(task_id = %task_id, error = %err, "poll failed; waiting on");
                        hint = None;
                        continue;
                    }
                    Err(err) => return Err(err),
                };
                hint = retry_after;
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
                            task_id: task_id.0.clone(),
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
                task_id: task_id.0.clone(),
                waited: start.elapsed(),
                last_state,
            })
        }
        .instrument(span)
        .await
    }

    /// Submits and waits: the untyped path. An error after the submit carries the task id.
    pub async fn enrich_raw(
        &self,
        request: &EnrichRequest,
    ) -> Result<(TaskId, EnrichResult), Error> {
        let task_id = self.submit(request).await?;
        match self.wait(&task_id).await {
            Ok(result) => Ok((task_id, result)),
            Err(err @ (Error::JobFailed { .. } | Error::Deadline { .. })) => Err(err),
            Err(err) => Err(Error::Waiting {
                task_id: task_id.0,
                source: Box::new(err),
            }),
        }
    }

    /// Enriches one lead into `T`: submits the fields of `T`, waits, decodes.
    pub async fn enrich<T: Enrich>(&self, lead: &impl Serialize) -> Result<Enriched<T>, Error> {
        let request = EnrichRequest::for_type::<T>(lead)?;
        self.enrich_request::<T>(&request).await
    }

    /// Like [`enrich`](Client::enrich) for a request built by hand (a plan, a tier...).
    pub async fn enrich_request<T: Enrich>(
        &self,
        request: &EnrichRequest,
    ) -> Result<Enriched<T>, Error> {
        let (task_id, result) = self.enrich_raw(request).await?;
        Ok(Enriched::from_result(
            result,
            request.lead_info(),
            Some(task_id),
        )?)
    }

    /// The sync endpoint: one request held open until the job ends (with the long sync
    /// timeout). Prefer the async path in production.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = sixtyfour_emulator::Emulator::builder().spawn().await?;
    /// # let client = sixtyfour::Client::builder().api_key(emulator.api_key()).base_url(emulator.base_url()).build()?;
    /// let schema = sixtyfour::Schema::builder().describe("company", "The company they work for").build()?;
    /// let request = sixtyfour::EnrichRequest::from_lead(&serde_json::json!({"email": "rafael.nunez@lanternfish.example"}), schema)?;
    /// let result = client.enrich_sync(&request).await?;
    /// assert_eq!(result.structured_data["company"], "Lanternfish Labs");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn enrich_sync(&self, request: &EnrichRequest) -> Result<EnrichResult, Error> {
        request.validate()?;
        let body = request.to_json();
        let url = self.url("/enrich-lead");
        let http = &self.inner.http;
        let answer = self
            .send(RequestKind::Submit, self.inner.sync_timeout, || {
                http.post(&url).json(&body)
            })
            .instrument(tracing::debug_span!("enrich_sync"))
            .await?;
        let value: Value = answer.json()?;
        EnrichResult::from_value(value).map_err(|err| Error::Decode {
            path: err.path().to_string(),
            message: err.inner().to_string(),
            body: String::from_utf8_lossy(&answer.body).into_owned(),
        })
    }

    /// Enriches many leads with at most `concurrency` jobs in flight, yielding
    /// `(index, result)` as jobs finish.
    ///
    /// ```no_run
    /// # async fn run(client: sixtyfour::Client, requests: Vec<sixtyfour::EnrichRequest>) {
    /// use futures_util::StreamExt;
    ///
    /// let mut results = client.enrich_all(requests, 50);
    /// while let Some((index, result)) = results.next().await {
    ///     match result {
    ///         Ok((task_id, answer)) => println!("{index}: {task_id} {:?}", answer.confidence_score),
    ///         Err(err) => eprintln!("{index}: {err}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn enrich_all<I>(
        &self,
        requests: I,
        concurrency: usize,
    ) -> impl Stream<Item = (usize, Result<(TaskId, EnrichResult), Error>)> + Send + 'static
    where
        I: IntoIterator<Item = EnrichRequest>,
        I::IntoIter: Send + 'static,
    {
        let client = self.clone();
        stream::iter(requests.into_iter().enumerate())
            .map(move |(index, request)| {
                let client = client.clone();
                async move { (index, client.enrich_raw(&request).await) }
            })
            .buffer_unordered(concurrency.max(1))
    }
}
