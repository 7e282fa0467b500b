//! The HTTP surface: the API paths, the control surface under `/_emulator/`, and the shared
//! state behind them. Decisions live in the other modules; this one reads requests and writes
//! responses.

// Handlers return a ready `Response` as their error; it is the rejection path, built once.
#![allow(clippy::result_large_err)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sixtyfour_casting::Schema;

use crate::config::Config;
use crate::directory::Directory;
use crate::faults::{Endpoint, Faults, Outcome, Script, decide};
use crate::jobs::{Ending, Job, JobStore, Phase};
use crate::rate_limit::RateLimiter;
use crate::research::research;
use crate::rng::{self, Stream};
use crate::stats::{Counters, JobRecord};
use crate::webhook::{self, Delivery};

/// Bodies over this size are refused with 413.
pub const MAX_BODY: usize = 1 << 20;

/// The most accepted submits `GET /_emulator/jobs` remembers; older ones are dropped first.
pub const JOB_LOG_CAP: usize = 100_000;

/// The accepted submits, newest last, bounded by [`JOB_LOG_CAP`].
#[derive(Debug, Default)]
struct JobLog {
    records: std::collections::VecDeque<JobRecord>,
    dropped: u64,
}

impl JobLog {
    fn push(&mut self, record: JobRecord) {
        if self.records.len() >= JOB_LOG_CAP {
            self.records.pop_front();
            self.dropped += 1;
        }
        self.records.push_back(record);
    }
}

/// Everything the handlers share.
pub struct Shared {
    pub config: Config,
    pub directory: Arc<Directory>,
    pub counters: Arc<Counters>,
    faults: Mutex<Faults>,
    script: Mutex<Script>,
    jobs: Mutex<JobStore>,
    job_log: Mutex<JobLog>,
    /// Mixed into the seed for task ids and event ids; zero with `fixed_ids`.
    id_salt: u64,
    limiter: Option<Mutex<RateLimiter>>,
    job_seq: AtomicU64,
    fault_seq: AtomicU64,
    generation: AtomicU64,
    http: reqwest::Client,
}

/// A poisoned lock only means another request panicked; the data is still consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    pub fn new(config: Config, directory: Directory) -> Self {
        let window = config.scaled(Duration::from_secs(60));
        let limiter = config
            .rate_limit
            .filter(|limit| *limit > 0)
            .map(|limit| Mutex::new(RateLimiter::new(limit, window)));
        let jobs = JobStore::new(config.scaled(config.job_ttl), config.max_jobs);
        Shared {
            faults: Mutex::new(config.faults),
            script: Mutex::new(Script::default()),
            jobs: Mutex::new(jobs),
            job_log: Mutex::new(JobLog::default()),
            id_salt: if config.fixed_ids { 0 } else { rng::entropy() },
            limiter,
            job_seq: AtomicU64::new(0),
            fault_seq: AtomicU64::new(0),
            generation: AtomicU64::new(0),
            http: reqwest::Client::new(),
            directory: Arc::new(directory),
            counters: Arc::new(Counters::default()),
            config,
        }
    }

    /// Replaces the fault probabilities.
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        faults.validate()?;
        *lock(&self.faults) = faults;
        Ok(())
    }

    /// The fault probabilities in force.
    pub fn faults(&self) -> Faults {
        *lock(&self.faults)
    }

    /// Queues exact outcomes for the next requests to an endpoint.
    pub fn script(&self, endpoint: Endpoint, outcomes: impl IntoIterator<Item = Outcome>) {
        lock(&self.script).push(endpoint, outcomes);
    }

    /// Back to the state at start: no jobs, no scripts, the configured faults, zero counters.
    pub fn reset(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        lock(&self.jobs).clear();
        *lock(&self.job_log) = JobLog::default();
        lock(&self.script).clear();
        *lock(&self.faults) = self.config.faults;
        if let Some(limiter) = &self.limiter {
            let window = self.config.scaled(Duration::from_secs(60));
            *lock(limiter) = RateLimiter::new(self.config.rate_limit.unwrap_or(1), window);
        }
        self.counters.in_flight.store(0, Ordering::SeqCst);
        self.counters.reset();
    }

    /// Jobs kept in the store.
    pub fn job_count(&self) -> usize {
        lock(&self.jobs).len()
    }

    /// The accepted submits remembered, oldest first.
    pub fn job_log(&self) -> Vec<JobRecord> {
        lock(&self.job_log).records.iter().cloned().collect()
    }

    /// The seed of id draws: the configured seed with this emulator's salt.
    fn id_seed(&self) -> u64 {
        self.config.seed ^ self.id_salt
    }
}

type AppState = State<Arc<Shared>>;

/// The whole router: API paths, control surface, JSON 404 and 405.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/enrich-lead", submit_route(SubmitPath::EnrichLead))
        .route(
            "/people-intelligence",
            submit_route(SubmitPath::PeopleIntelligence),
        )
        .route(
            "/enrich-lead-async",
            submit_route(SubmitPath::EnrichLeadAsync),
        )
        .route(
            "/people-intelligence-async",
            submit_route(SubmitPath::PeopleIntelligenceAsync),
        )
        .route("/job-status/{task_id}", get(job_status))
        .route("/_emulator/stats", get(stats))
        .route("/_emulator/jobs", get(jobs))
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/faults", get(get_faults).post(set_faults))
        .route("/_emulator/script", post(set_script))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared)
}

fn submit_route(path: SubmitPath) -> axum::routing::MethodRouter<Arc<Shared>> {
    post(
        move |State(shared): AppState, headers: HeaderMap, body: Body| {
            submit(shared, headers, body, path)
        },
    )
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (status, Json(body)).into_response()
}

fn api_error(status: StatusCode, error: &str, message: impl Into<String>) -> Response {
    json_response(status, &json!({"error": error, "message": message.into()}))
}

fn bad_request(shared: &Shared, message: impl Into<String>) -> Response {
    shared.counters.add(|c| &c.bad_requests);
    api_error(StatusCode::BAD_REQUEST, "Bad Request", message)
}

fn too_many(retry_after: Duration) -> Response {
    let mut response = api_error(
        StatusCode::TOO_MANY_REQUESTS,
        "Too Many Requests",
        "Rate limit exceeded for this API key; wait before retrying",
    );
    let secs = retry_after.as_secs_f64().ceil().max(1.0) as u64;
    let millis = retry_after.as_millis().max(1);
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    if let Ok(value) = HeaderValue::from_str(&millis.to_string()) {
        headers.insert("retry-after-ms", value);
    }
    response
}

async fn not_found(State(shared): AppState) -> Response {
    shared.counters.add(|c| &c.not_found);
    json_response(StatusCode::NOT_FOUND, &json!({"detail": "Not Found"}))
}

async fn method_not_allowed() -> Response {
    json_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &json!({"detail": "Method Not Allowed"}),
    )
}

/// Authentication, rate limit and the fault decision, in that order. `Ok` carries the outcome
/// still to apply after the work.
fn gate(shared: &Shared, headers: &HeaderMap, endpoint: Endpoint) -> Result<Outcome, Response> {
    shared.counters.add(|c| &c.requests);
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    let key = match key {
        None => {
            shared.counters.add(|c| &c.unauthorized);
            return Err(api_error(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "Missing x-api-key header",
            ));
        }
        Some(key) if key != shared.config.api_key => {
            shared.counters.add(|c| &c.unauthorized);
            return Err(api_error(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "Invalid API key",
            ));
        }
        Some(key) => key,
    };
    if endpoint == Endpoint::Status {
        shared.counters.add(|c| &c.status_polls);
    }
    if let Some(limiter) = &shared.limiter
        && let Err(wait) = lock(limiter).check(key, Instant::now())
    {
        shared.counters.add(|c| &c.rate_limited);
        return Err(too_many(wait));
    }
    let scripted = lock(&shared.script).next(endpoint);
    let outcome = scripted.unwrap_or_else(|| {
        let n = shared.fault_seq.fetch_add(1, Ordering::Relaxed);
        decide(
            &lock(&shared.faults),
            endpoint,
            rng::unit(shared.config.seed, Stream::Fault, n),
        )
    });
    let outcome = if endpoint.allows(outcome) {
        outcome
    } else {
        Outcome::Ok
    };
    shared.counters.fault(outcome);
    match outcome {
        Outcome::Error500 => Err(api_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            "The server hit an unexpected error",
        )),
        Outcome::Error503 => Err(api_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable",
            "The service is temporarily unavailable",
        )),
        Outcome::RateLimit => Err(too_many(shared.config.scaled(Duration::from_secs(1)))),
        other => Ok(other),
    }
}

/// Applies a fault that strikes after the work: a dropped connection or a held response.
async fn deliver_with(shared: &Shared, outcome: Outcome, response: Response) -> Response {
    match outcome {
        Outcome::Reset => {
            let (parts, _) = response.into_parts();
            let broken = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "connection reset by the emulator",
                ))
            });
            Response::from_parts(parts, axum::body::Body::from_stream(broken))
        }
        Outcome::Slow => {
            let delay = Duration::from_millis(lock(&shared.faults).slow_ms);
            tokio::time::sleep(delay).await;
            response
        }
        _ => response,
    }
}

/// A validated enrichment request.
struct Submission {
    lead_info: Map<String, Value>,
    schema: Schema,
    webhook_url: Option<String>,
}

fn validate(shared: &Shared, body: Body) -> Result<Submission, Response> {
    let body = body.map_err(|rejection| {
        shared.counters.add(|c| &c.bad_requests);
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            api_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Payload Too Large",
                format!("The request body is larger than {MAX_BODY} bytes"),
            )
        } else {
            api_error(
                StatusCode::BAD_REQUEST,
                "Bad Request",
                rejection.body_text(),
            )
        }
    })?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|err| bad_request(shared, format!("The request body is not valid JSON: {err}")))?;
    let Value::Object(mut body) = value else {
        return Err(bad_request(
            shared,
            "The request body must be a JSON object",
        ));
    };
    let lead_info = match body.shift_remove("lead_info") {
        None | Some(Value::Null) => {
            return Err(bad_request(
                shared,
                "Invalid lead information: `lead_info` is required",
            ));
        }
        Some(Value::Object(lead)) if lead.is_empty() => {
            return Err(bad_request(
                shared,
                "Invalid lead information: `lead_info` is empty",
            ));
        }
        Some(Value::Object(lead)) => lead,
        Some(_) => {
            return Err(bad_request(
                shared,
                "Invalid lead information: `lead_info` must be an object",
            ));
        }
    };
    let schema = match body.get("struct") {
        None | Some(Value::Null) => {
            return Err(bad_request(
                shared,
                "`struct` is required: name the fields to collect",
            ));
        }
        Some(Value::Object(fields)) if fields.is_empty() => {
            return Err(bad_request(
                shared,
                "`struct` is empty: name at least one field to collect",
            ));
        }
        Some(payload @ Value::Object(_)) => Schema::from_json(payload)
            .map_err(|err| bad_request(shared, format!("Invalid struct: {err}")))?,
        Some(_) => {
            return Err(bad_request(
                shared,
                "`struct` must be an object of field name to description",
            ));
        }
    };
    match body.get("research_plan") {
        None | Some(Value::Null | Value::String(_)) => {}
        Some(_) => return Err(bad_request(shared, "`research_plan` must be a string")),
    }
    match body.get("max_iterations") {
        None | Some(Value::Null) => {}
        Some(v) if v.as_u64().is_some_and(|n| n > 0) => {}
        Some(_) => {
            return Err(bad_request(
                shared,
                "`max_iterations` must be a positive integer",
            ));
        }
    }
    match body.get("tier") {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) if ["low", "medium", "high", "xhigh"].contains(&t.as_str()) => {}
        Some(_) => {
            return Err(bad_request(
                shared,
                "`tier` must be one of \"low\", \"medium\", \"high\", \"xhigh\"",
            ));
        }
    }
    let webhook_url = match body.get("webhook_url") {
        None | Some(Value::Null) => None,
        Some(Value::String(url)) if url.starts_with("https://") || url.starts_with("http://") => {
            Some(url.clone())
        }
        Some(_) => return Err(bad_request(shared, "`webhook_url` must be an http(s) URL")),
    };
    Ok(Submission {
        lead_info,
        schema,
        webhook_url,
    })
}

/// Creates the job and schedules its end (stats, webhook).
fn create_job(
    shared: &Arc<Shared>,
    submission: Submission,
    fail: bool,
) -> Result<Arc<Job>, Response> {
    let seq = shared.job_seq.fetch_add(1, Ordering::Relaxed);
    let seed = shared.config.seed;
    let id_seed = shared.id_seed();
    let id = rng::uuid(id_seed, Stream::TaskId, seq);
    let latency = shared.config.scaled(shared.config.latency.pick(rng::unit(
        seed,
        Stream::Latency,
        seq,
    )));
    let ending = if fail {
        Ending::Failed("Research agent failed: the lead's sources could not be reached".into())
    } else {
        let answer = research(&shared.directory, &submission.lead_info, &submission.schema);
        Ending::Completed(Bytes::from(answer.to_json().to_string()))
    };
    let now = Instant::now();
    let job = Arc::new(Job {
        id: id.clone(),
        created: now,
        ready_at: now + latency,
        ending,
    });
    let dropped = lock(&shared.jobs)
        .insert(Arc::clone(&job), now)
        .map_err(|_| {
            api_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable",
                "Too many jobs in progress; retry later",
            )
        })?;
    for _ in 0..dropped {
        shared.counters.add(|c| &c.jobs_expired);
    }
    shared.counters.job_started();
    lock(&shared.job_log).push(JobRecord {
        task_id: id.clone(),
        lead_info: submission.lead_info.clone(),
    });
    let generation = shared.generation.load(Ordering::SeqCst);
    let shared = Arc::clone(shared);
    let scheduled = Arc::clone(&job);
    tokio::spawn(async move {
        tokio::time::sleep_until(scheduled.ready_at.into()).await;
        if shared.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        shared
            .counters
            .job_finished(matches!(scheduled.ending, Ending::Failed(_)));
        if let Some(url) = submission.webhook_url {
            let event = shared.job_seq.load(Ordering::Relaxed) ^ seq;
            let delivery = Delivery {
                url,
                body: webhook::body(&scheduled.id, &scheduled.ending)
                    .to_string()
                    .into_bytes(),
                event_id: rng::uuid(id_seed, Stream::EventId, event),
                secret: shared.config.webhook_secret.clone(),
                attempts: shared.config.webhook_attempts,
                backoff: shared
                    .config
                    .scaled(Duration::from_secs(1))
                    .max(Duration::from_millis(10)),
            };
            webhook::deliver(shared.http.clone(), delivery, Arc::clone(&shared.counters)).await;
        }
    });
    Ok(job)
}

/// Which submit path a request came in on.
#[derive(Clone, Copy)]
enum SubmitPath {
    EnrichLead,
    EnrichLeadAsync,
    PeopleIntelligence,
    PeopleIntelligenceAsync,
}

impl SubmitPath {
    fn endpoint(self) -> Endpoint {
        match self {
            SubmitPath::EnrichLead | SubmitPath::PeopleIntelligence => Endpoint::Sync,
            SubmitPath::EnrichLeadAsync | SubmitPath::PeopleIntelligenceAsync => Endpoint::Submit,
        }
    }

    fn counter(self) -> fn(&Counters) -> &AtomicU64 {
        match self {
            SubmitPath::EnrichLead => |c| &c.submits_sync,
            SubmitPath::EnrichLeadAsync => |c| &c.submits_async,
            SubmitPath::PeopleIntelligence => |c| &c.submits_people_sync,
            SubmitPath::PeopleIntelligenceAsync => |c| &c.submits_people_async,
        }
    }
}

type Body = Result<Bytes, BytesRejection>;

/// Every submit path: gate, validate, count, create the job, then answer at once (async) or
/// when the job ends (sync).
async fn submit(shared: Arc<Shared>, headers: HeaderMap, body: Body, path: SubmitPath) -> Response {
    let endpoint = path.endpoint();
    let outcome = match gate(&shared, &headers, endpoint) {
        Ok(outcome) => outcome,
        Err(response) => return response,
    };
    let submission = match validate(&shared, body) {
        Ok(submission) => submission,
        Err(response) => return response,
    };
    shared.counters.add(path.counter());
    let job = match create_job(&shared, submission, outcome == Outcome::JobFailure) {
        Ok(job) => job,
        Err(response) => return response,
    };
    let response = match endpoint {
        Endpoint::Submit if outcome == Outcome::AmbiguousSubmit => {
            return api_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                "The server hit an unexpected error",
            );
        }
        Endpoint::Submit => json_response(
            StatusCode::OK,
            &json!({"task_id": job.id, "status": "pending"}),
        ),
        _ => {
            tokio::time::sleep_until(job.ready_at.into()).await;
            match &job.ending {
                Ending::Completed(result) => raw_json(StatusCode::OK, result.clone()),
                Ending::Failed(message) => api_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal Server Error",
                    message.clone(),
                ),
            }
        }
    };
    deliver_with(&shared, outcome, response).await
}

fn raw_json(status: StatusCode, body: Bytes) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

async fn job_status(
    State(shared): AppState,
    Path(task_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let outcome = match gate(&shared, &headers, Endpoint::Status) {
        Ok(outcome) => outcome,
        Err(response) => return response,
    };
    let now = Instant::now();
    let job = lock(&shared.jobs).get(&task_id, now);
    let response = match job {
        None => {
            shared.counters.add(|c| &c.not_found);
            json_response(StatusCode::NOT_FOUND, &json!({"detail": "Job not found"}))
        }
        Some(job) => status_body(&job, job.phase(now)),
    };
    deliver_with(&shared, outcome, response).await
}

fn status_body(job: &Job, phase: Phase) -> Response {
    match (phase, &job.ending) {
        (Phase::Completed, Ending::Completed(result)) => {
            let mut body = Vec::with_capacity(result.len() + 64);
            body.extend_from_slice(br#"{"status":"completed","result":"#);
            body.extend_from_slice(result);
            body.extend_from_slice(br#","task_type":"enrich_lead"}"#);
            raw_json(StatusCode::OK, Bytes::from(body))
        }
        (Phase::Failed, Ending::Failed(error)) => json_response(
            StatusCode::OK,
            &json!({"status": "failed", "error": error, "task_type": "enrich_lead"}),
        ),
        (phase, _) => {
            let processing = u64::from(phase == Phase::Processing);
            json_response(
                StatusCode::OK,
                &json!({"status": phase.as_str(), "processed_items": 0, "total_items": processing, "task_type": "enrich_lead"}),
            )
        }
    }
}

async fn stats(State(shared): AppState) -> Response {
    json_response(StatusCode::OK, &json!(shared.counters.snapshot()))
}

async fn jobs(State(shared): AppState) -> Response {
    let (jobs, dropped) = {
        let log = lock(&shared.job_log);
        (json!(log.records), log.dropped)
    };
    json_response(StatusCode::OK, &json!({"jobs": jobs, "dropped": dropped}))
}

async fn reset(State(shared): AppState) -> Response {
    shared.reset();
    json_response(StatusCode::OK, &json!({"reset": true}))
}

async fn get_faults(State(shared): AppState) -> Response {
    json_response(StatusCode::OK, &json!(shared.faults()))
}

async fn set_faults(State(shared): AppState, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(faults) => faults,
        Err(err) => {
            return api_error(
                StatusCode::BAD_REQUEST,
                "Bad Request",
                format!("Invalid fault settings: {err}"),
            );
        }
    };
    match shared.set_faults(faults) {
        Ok(()) => json_response(StatusCode::OK, &json!(faults)),
        Err(message) => api_error(StatusCode::BAD_REQUEST, "Bad Request", message),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptRequest {
    endpoint: Endpoint,
    outcomes: Vec<String>,
}

async fn set_script(State(shared): AppState, body: Bytes) -> Response {
    let request: ScriptRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            return api_error(
                StatusCode::BAD_REQUEST,
                "Bad Request",
                format!(
                    "Expected {{\"endpoint\": \"submit\"|\"sync\"|\"status\", \"outcomes\": [...]}}: {err}"
                ),
            );
        }
    };
    let outcomes: Result<Vec<Outcome>, String> =
        request.outcomes.iter().map(|o| o.parse()).collect();
    match outcomes {
        Ok(outcomes) => {
            let queued = outcomes.len();
            shared.script(request.endpoint, outcomes);
            json_response(StatusCode::OK, &json!({"queued": queued}))
        }
        Err(message) => api_error(StatusCode::BAD_REQUEST, "Bad Request", message),
    }
}
