//! `Client`: the calls of the API (submit, status, the sync endpoint) and the ones built on
//! them (enrich = submit + wait + decode). Waiting is in `wait`, batches in `batch`, the HTTP
//! side in `transport`.

use std::sync::Arc;

use reqwest::Method;
use reqwest::header::HeaderValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sixtyfour_casting::Enrich;
use sixtyfour_protocol::{
    Endpoint, EnrichResult, JobStatusBody, Submitted, TaskId, job_status_path,
};
use tokio::time::Instant;
use tracing::Instrument;

use crate::config::{BASE_URL_ENV, ClientBuilder, Config, key_from_env};
use crate::error::Error;
use crate::options::{Call, RequestOptions};
use crate::poll::PollPolicy;
use crate::rate_limit::RateLimit;
use crate::request::EnrichRequest;
use crate::response::{Enriched, Enrichment, JobStatus, Response};
use crate::retry::RequestKind;
use crate::transport::{Answer, Bounds, Outgoing, Transport};

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
    shared: Arc<Shared>,
    options: RequestOptions,
}

struct Shared {
    transport: Transport,
    config: Config,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let config = &self.shared.config;
        f.debug_struct("Client")
            .field("base_url", &config.base_url)
            .field("api_key", &"<redacted>")
            .field("timeout", &config.timeout)
            .field("poll", &config.poll)
            .field("retry", &config.retry)
            .field("deadline", &config.deadline)
            .field("rate_limit", &self.shared.transport.rate_limit())
            .field("max_response_bytes", &config.max_response_bytes)
            .field("options", &self.options)
            .finish()
    }
}

/// Decodes a success body; the error names the JSON path and keeps the body.
fn decode_body<T: DeserializeOwned>(answer: &Answer) -> Result<T, Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(&answer.body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| Error::Decode {
        path: err.path().to_string(),
        message: err.inner().to_string(),
        body: String::from_utf8_lossy(&answer.body).into_owned(),
    })
}

impl Client {
    pub(crate) fn from_parts(
        http: reqwest::Client,
        api_key: HeaderValue,
        config: Config,
        rate_limit: Option<RateLimit>,
    ) -> Client {
        let transport = Transport::new(http, api_key, rate_limit, config.max_response_bytes);
        Client {
            shared: Arc::new(Shared { transport, config }),
            options: RequestOptions::default(),
        }
    }

    /// A client for the production API with every default.
    ///
    /// ```
    /// let client = sixtyfour::Client::new("sk-live-...")?;
    /// assert_eq!(client.base_url(), sixtyfour::DEFAULT_BASE_URL);
    /// # Ok::<(), sixtyfour::Error>(())
    /// ```
    pub fn new(api_key: impl Into<secrecy::SecretString>) -> Result<Self, Error> {
        Client::builder().api_key(api_key).build()
    }

    /// A client from `SIXTYFOUR_API_KEY` and, when set, `SIXTYFOUR_BASE_URL`.
    pub fn from_env() -> Result<Self, Error> {
        let mut builder = Client::builder().api_key(key_from_env()?);
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
        &self.shared.config.base_url
    }

    /// The request budget shared by every call of this client (and its clones): `None` for
    /// no limit.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.shared.transport.rate_limit()
    }

    /// The poll schedule of this handle's waits.
    pub fn poll_policy(&self) -> PollPolicy {
        self.options.poll.unwrap_or(self.shared.config.poll)
    }

    /// The options this handle applies to its calls.
    pub fn options(&self) -> &RequestOptions {
        &self.options
    }

    /// This client with `options` over its own, for some calls: the same connection pool and
    /// rate limiter, nothing rebuilt.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = sixtyfour_emulator::Emulator::builder().spawn().await?;
    /// # let client = sixtyfour::Client::for_emulator(&emulator)?;
    /// use std::time::Duration;
    /// use sixtyfour::{RequestOptions, Tier};
    ///
    /// let quick = client.with_options(RequestOptions::new().deadline(Duration::from_secs(30)).tier(Tier::Low));
    /// let lead = serde_json::json!({"email": "rafael.nunez@lanternfish.example"});
    /// # #[derive(serde::Deserialize, sixtyfour::Enrich)]
    /// # struct Lead { /// The individual's job title
    /// #     title: String }
    /// let enriched = quick.enrich::<Lead>(&lead).await?;
    /// assert_eq!(enriched.data.title, "CEO & Co-Founder");
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_options(&self, options: RequestOptions) -> Client {
        Client {
            shared: Arc::clone(&self.shared),
            options: self.options.merge(&options),
        }
    }

    /// This client on the people-intelligence paths (`/people-intelligence` and
    /// `/people-intelligence-async`), which take the same body.
    pub fn people_intelligence(&self) -> Client {
        self.with_options(RequestOptions::new().endpoint(Endpoint::PeopleIntelligence))
    }

    /// The settings of a call starting now.
    pub(crate) fn call(&self) -> Call {
        let config = &self.shared.config;
        let start = Instant::now();
        let deadline = self
            .options
            .deadline
            .unwrap_or(crate::options::Deadline::After(config.deadline))
            .instant(start);
        Call {
            start,
            deadline,
            timeout: self.options.timeout.unwrap_or(config.timeout),
            poll: self.options.poll.unwrap_or(config.poll),
            endpoint: self.options.endpoint.unwrap_or(Endpoint::EnrichLead),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.shared.config.base_url)
    }

    pub(crate) async fn send(
        &self,
        request: &Outgoing,
        call: &Call,
        timeout: std::time::Duration,
    ) -> Result<Answer, Error> {
        let bounds = Bounds {
            deadline: call.deadline,
            timeout,
            retry: self.shared.config.retry,
        };
        self.shared.transport.send(request, bounds).await
    }

    /// Starts an async job; keep the task id to resume later.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = sixtyfour_emulator::Emulator::builder().spawn().await?;
    /// # let client = sixtyfour::Client::for_emulator(&emulator)?;
    /// use sixtyfour::{EnrichRequest, JobState, Schema, TaskId};
    ///
    /// let schema = Schema::builder().describe("title", "The individual's job title").build()?;
    /// let request = EnrichRequest::from_lead(&serde_json::json!({"email": "rafael.nunez@lanternfish.example"}), schema)?;
    /// let task_id = client.submit(&request).await?;
    /// let saved = task_id.to_string(); // store it anywhere
    ///
    /// // Later, possibly in another process:
    /// let task_id = TaskId::new(saved)?;
    /// let status = client.job_status(&task_id).await?;
    /// assert!(matches!(status.state, JobState::Pending | JobState::Processing | JobState::Completed));
    /// let result = client.wait(&task_id).await?;
    /// assert_eq!(result.structured_data["title"], "CEO & Co-Founder");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// A submit is retried only when no job can have started (the connection never opened,
    /// or a 429). After a failure that may have started a job it returns
    /// [`Error::MaybeSubmitted`], never anything else: a timeout, a reset, a 5xx, and a 2xx
    /// whose body is not a readable submit answer. Any other error means no job was started
    /// (see [`Error`] for the classification). When the call's deadline comes before a
    /// (re)send, the error is [`Error::NotSent`].
    pub async fn submit(&self, request: &EnrichRequest) -> Result<TaskId, Error> {
        self.submit_response(request)
            .await
            .map(Response::into_inner)
    }

    /// [`submit`](Client::submit), with the answer's status code and headers.
    pub async fn submit_response(
        &self,
        request: &EnrichRequest,
    ) -> Result<Response<TaskId>, Error> {
        let call = self.call();
        self.submit_within(request, &call).await
    }

    pub(crate) async fn submit_within(
        &self,
        request: &EnrichRequest,
        call: &Call,
    ) -> Result<Response<TaskId>, Error> {
        let body = request.encode(&self.options)?;
        let endpoint = call.endpoint.with_async(true);
        let span = tracing::debug_span!(
            "submit",
            path = endpoint.path(),
            task_id = tracing::field::Empty
        );
        async {
            let outgoing = Outgoing {
                method: Method::POST,
                url: self.url(endpoint.path()),
                body: Some(body),
                what: match endpoint {
                    Endpoint::PeopleIntelligenceAsync => "POST /people-intelligence-async",
                    _ => "POST /enrich-lead-async",
                },
                kind: RequestKind::Submit,
            };
            let answer = self.send(&outgoing, call, call.timeout).await?;
            // A 2xx: a job may exist now. An answer that cannot be read must not look like a
            // plain failure, or the request would be sent (and paid for) again.
            let submitted: Submitted = match serde_json::from_slice(&answer.body) {
                Ok(submitted) => submitted,
                Err(err) => {
                    return Err(Error::MaybeSubmitted {
                        cause: format!(
                            "the service answered {} with a body that is not a submit answer ({err}): {}",
                            answer.status,
                            sixtyfour_protocol::shorten(&String::from_utf8_lossy(&answer.body))
                        ),
                    });
                }
            };
            tracing::Span::current().record("task_id", submitted.task_id.as_str());
            tracing::debug!(task_id = %submitted.task_id, "submitted");
            Ok(Response::new(submitted.task_id, answer.status, answer.headers))
        }
        .instrument(span)
        .await
    }

    /// Asks once (with retries) where a job is.
    pub async fn job_status(&self, task_id: &TaskId) -> Result<JobStatus, Error> {
        self.job_status_response(task_id)
            .await
            .map(Response::into_inner)
    }

    /// [`job_status`](Client::job_status), with the answer's status code and headers.
    pub async fn job_status_response(
        &self,
        task_id: &TaskId,
    ) -> Result<Response<JobStatus>, Error> {
        let call = self.call();
        self.poll_once(task_id, &call).await
    }

    pub(crate) async fn poll_once(
        &self,
        task_id: &TaskId,
        call: &Call,
    ) -> Result<Response<JobStatus>, Error> {
        let outgoing = Outgoing {
            method: Method::GET,
            url: self.url(&job_status_path(task_id)),
            body: None,
            what: "GET /job-status",
            kind: RequestKind::Poll,
        };
        let answer = self
            .send(&outgoing, call, call.timeout)
            .instrument(tracing::debug_span!("poll", task_id = %task_id))
            .await?;
        let body: JobStatusBody = decode_body(&answer)?;
        tracing::debug!(task_id = %task_id, state = %body.status, "polled");
        let status = JobStatus::from_body(task_id.clone(), body);
        Ok(Response::new(status, answer.status, answer.headers))
    }

    /// Submits and waits: the untyped path. `structured_data` is cast by the request's types
    /// and the raw answer kept beside it. An error after the submit carries the task id.
    pub async fn enrich_raw(&self, request: &EnrichRequest) -> Result<Enrichment, Error> {
        let call = self.call();
        self.enrich_within(request, &call).await
    }

    pub(crate) async fn enrich_within(
        &self,
        request: &EnrichRequest,
        call: &Call,
    ) -> Result<Enrichment, Error> {
        let task_id = self.submit_within(request, call).await?.into_inner();
        self.wait_after_submit(task_id, request, call).await
    }

    pub(crate) async fn wait_after_submit(
        &self,
        task_id: TaskId,
        request: &EnrichRequest,
        call: &Call,
    ) -> Result<Enrichment, Error> {
        match self.wait_within(&task_id, call).await {
            Ok(result) => Ok(Enrichment::new(result, request, Some(task_id))),
            Err(err @ (Error::JobFailed { .. } | Error::Deadline { .. })) => Err(err),
            Err(err) => Err(Error::Waiting {
                task_id,
                source: Box::new(err),
            }),
        }
    }

    /// Enriches one lead into `T`: submits the fields of `T`, waits, decodes. When the answer
    /// does not fit `T`, [`Error::Cast`] keeps the task id and the answer.
    pub async fn enrich<T: Enrich>(&self, lead: &impl Serialize) -> Result<Enriched<T>, Error> {
        let request = EnrichRequest::for_type::<T>(lead)?;
        self.enrich_request::<T>(&request).await
    }

    /// Like [`enrich`](Client::enrich) for a request built by hand (a plan, a tier...).
    pub async fn enrich_request<T: Enrich>(
        &self,
        request: &EnrichRequest,
    ) -> Result<Enriched<T>, Error> {
        let enrichment = self.enrich_raw(request).await?;
        Enriched::from_result(enrichment.result, request.lead_info(), enrichment.task_id)
    }

    /// The sync endpoint, typed: one request held open until the job ends (with the long sync
    /// timeout). Prefer the async path in production.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = sixtyfour_emulator::Emulator::builder().spawn().await?;
    /// # let client = sixtyfour::Client::for_emulator(&emulator)?;
    /// #[derive(serde::Deserialize, sixtyfour::Enrich)]
    /// struct Work {
    ///     /// The company they work for
    ///     company: String,
    /// }
    ///
    /// let lead = serde_json::json!({"email": "rafael.nunez@lanternfish.example"});
    /// let enriched = client.enrich_sync::<Work>(&lead).await?;
    /// assert_eq!(enriched.data.company, "Lanternfish Labs");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn enrich_sync<T: Enrich>(
        &self,
        lead: &impl Serialize,
    ) -> Result<Enriched<T>, Error> {
        let request = EnrichRequest::for_type::<T>(lead)?;
        self.enrich_sync_request::<T>(&request).await
    }

    /// Like [`enrich_sync`](Client::enrich_sync) for a request built by hand.
    pub async fn enrich_sync_request<T: Enrich>(
        &self,
        request: &EnrichRequest,
    ) -> Result<Enriched<T>, Error> {
        let enrichment = self.enrich_sync_raw(request).await?;
        Enriched::from_result(enrichment.result, request.lead_info(), None)
    }

    /// The sync endpoint, untyped.
    pub async fn enrich_sync_raw(&self, request: &EnrichRequest) -> Result<Enrichment, Error> {
        self.enrich_sync_response(request)
            .await
            .map(Response::into_inner)
    }

    /// [`enrich_sync_raw`](Client::enrich_sync_raw), with the answer's status code and headers.
    pub async fn enrich_sync_response(
        &self,
        request: &EnrichRequest,
    ) -> Result<Response<Enrichment>, Error> {
        let call = self.call();
        let body = request.encode(&self.options)?;
        let endpoint = call.endpoint.with_async(false);
        let outgoing = Outgoing {
            method: Method::POST,
            url: self.url(endpoint.path()),
            body: Some(body),
            what: match endpoint {
                Endpoint::PeopleIntelligence => "POST /people-intelligence",
                _ => "POST /enrich-lead",
            },
            kind: RequestKind::Submit,
        };
        let timeout = self
            .options
            .timeout
            .unwrap_or(self.shared.config.sync_timeout);
        let answer = self
            .send(&outgoing, &call, timeout)
            .instrument(tracing::debug_span!("enrich_sync", path = endpoint.path()))
            .await?;
        let result: EnrichResult = decode_body(&answer)?;
        let enrichment = Enrichment::new(result, request, None);
        Ok(Response::new(enrichment, answer.status, answer.headers))
    }
}
