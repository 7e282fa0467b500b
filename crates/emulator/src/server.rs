//! The HTTP surface: the API paths, the control surface under `/_emulator/`, and the shared
//! state behind them. Decisions live in the other modules; this one reads requests and writes
//! responses, every body through the protocol types.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;
use sixtyfour_casting::Schema;
use sixtyfour_protocol::{
    API_KEY_HEADER, Endpoint as ApiPath, EnrichBody, EnrichResult, JobState, JobStatusBody,
    Submitted, TaskId, TaskType, WebhookEvent, event_id,
};

use crate::config::Config;
use crate::directory::Directory;
use crate::errors::ApiError;
use crate::faults::{Endpoint, Faults, Outcome, Phase as FaultPhase, Script, decide};
use crate::jobs::{Ending, Job, JobStore, Phase, Settled};
use crate::rate_limit::RateLimiter;
use crate::research::research;
use crate::rng::{self, Stream};
use crate::stats::{Counters, JobLog, JobRecord, Stats, StoreView};
use crate::webhook::{self, Delivery};

/// Bodies over this size are refused with 413.
pub const MAX_BODY: usize = 1 << 20;

/// The most accepted submits `GET /_emulator/jobs` keeps; older ones are dropped first.
pub const JOB_LOG_CAP: usize = 100_000;

/// The most bytes of `lead_info` the job log keeps; older entries are dropped first.
pub const JOB_LOG_MAX_BYTES: usize = 64 << 20;

/// The accepted submits, newest last, bounded by [`JOB_LOG_CAP`] and [`JOB_LOG_MAX_BYTES`].
#[derive(Debug, Default)]
struct Log {
    records: VecDeque<(JobRecord, usize)>,
    bytes: usize,
    dropped: u64,
}

impl Log {
    fn push(&mut self, record: JobRecord, size: usize) {
        self.records.push_back((record, size));
        self.bytes += size;
        while self.records.len() > JOB_LOG_CAP || self.bytes > JOB_LOG_MAX_BYTES {
            match self.records.pop_front() {
                Some((_, size)) => {
                    self.bytes -= size;
                    self.dropped += 1;
                }
                None => break,
            }
        }
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
    log: Mutex<Log>,
    /// Mixed into the seed for task ids; zero with `fixed_ids`.
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
        let jobs = JobStore::new(
            config.scaled(config.job_ttl),
            config.max_jobs,
            config.max_bytes,
        );
        Shared {
            faults: Mutex::new(config.faults),
            script: Mutex::new(Script::default()),
            jobs: Mutex::new(jobs),
            log: Mutex::new(Log::default()),
            id_salt: if config.fixed_ids { 0 } else { rng::entropy() },
            limiter: Self::limiter(&config),
            job_seq: AtomicU64::new(0),
            fault_seq: AtomicU64::new(0),
            generation: AtomicU64::new(0),
            http: reqwest::Client::new(),
            directory: Arc::new(directory),
            counters: Arc::new(Counters::default()),
            config,
        }
    }

    fn limiter(config: &Config) -> Option<Mutex<RateLimiter>> {
        let window = config.scaled(Duration::from_secs(60));
        config
            .rate_limit
            .filter(|limit| *limit > 0)
            .map(|limit| Mutex::new(RateLimiter::new(limit, window)))
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
        *lock(&self.log) = Log::default();
        lock(&self.script).clear();
        *lock(&self.faults) = self.config.faults;
        if let (Some(limiter), Some(fresh)) = (&self.limiter, Self::limiter(&self.config)) {
            *lock(limiter) = fresh.into_inner().unwrap_or_else(|p| p.into_inner());
        }
        self.counters.reset(0);
    }

    /// Jobs kept in the store.
    pub fn job_count(&self) -> usize {
        lock(&self.jobs).len()
    }

    /// The accepted submits kept, oldest first, and how many older ones were dropped.
    pub fn job_log(&self) -> JobLog {
        let log = lock(&self.log);
        JobLog {
            jobs: log.records.iter().map(|(r, _)| r.clone()).collect(),
            dropped: log.dropped,
        }
    }

    /// Counts what the store saw finish or drop.
    fn settle(&self, settled: Settled) {
        let c = &self.counters;
        c.add_n(|c| &c.jobs_completed, settled.completed);
        c.add_n(|c| &c.jobs_failed, settled.failed);
        c.add_n(|c| &c.jobs_expired, settled.expired);
        c.add_n(|c| &c.jobs_evicted, settled.evicted);
    }

    /// The counters now, with the store's view brought up to date.
    pub fn stats(&self) -> Stats {
        let view = {
            let mut jobs = lock(&self.jobs);
            let settled = jobs.sweep(Instant::now());
            self.settle(settled);
            StoreView {
                in_flight: jobs.running() as u64,
                bytes_held: jobs.bytes() as u64,
                max_bytes: jobs.max_bytes() as u64,
                jobs_held: jobs.len() as u64,
            }
        };
        self.counters.snapshot(view)
    }
}

type AppState = State<Arc<Shared>>;

/// The whole router: API paths, control surface, JSON 404 and 405.
pub fn router(shared: Arc<Shared>) -> Router {
    let mut router = Router::new();
    for path in ApiPath::ALL {
        router = router.route(path.path(), submit_route(path));
    }
    router
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

fn submit_route(path: ApiPath) -> axum::routing::MethodRouter<Arc<Shared>> {
    post(
        move |State(shared): AppState, headers: HeaderMap, body: Body| {
            submit(shared, headers, body, path)
        },
    )
}

fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    (status, Json(body)).into_response()
}

async fn not_found(State(shared): AppState) -> Response {
    shared.counters.add(|c| &c.not_found);
    ApiError::NoRoute.into_response()
}

async fn method_not_allowed() -> Response {
    ApiError::MethodNotAllowed.into_response()
}

/// The refusal an outcome of the `Before` phase answers.
fn refusal(shared: &Shared, outcome: Outcome) -> Option<ApiError> {
    Some(match outcome {
        Outcome::Error500 => ApiError::Internal("The server hit an unexpected error".into()),
        Outcome::Error503 => ApiError::Unavailable("The service is temporarily unavailable".into()),
        Outcome::RateLimit => ApiError::RateLimited(shared.config.scaled(Duration::from_secs(1))),
        Outcome::PaymentRequired => ApiError::PaymentRequired,
        Outcome::Forbidden => {
            ApiError::Forbidden("The requested tier is not enabled for this API key".into())
        }
        Outcome::Unprocessable => ApiError::lead_info_missing(),
        Outcome::ActiveJobLimit => {
            ApiError::ActiveJobLimit(shared.config.max_active_jobs.map_or(1, u64::from))
        }
        _ => return None,
    })
}

/// Authentication, rate limit and the fault decision, in that order. `Ok` carries the outcome
/// still to apply during or after the work.
fn gate(shared: &Shared, headers: &HeaderMap, endpoint: Endpoint) -> Result<Outcome, ApiError> {
    shared.counters.add(|c| &c.requests);
    let key = match headers.get(API_KEY_HEADER).map(HeaderValue::to_str) {
        None => Err(ApiError::MissingKey),
        Some(Ok(key)) if key == shared.config.api_key => Ok(key),
        Some(_) => Err(ApiError::WrongKey),
    }
    .inspect_err(|_| shared.counters.add(|c| &c.unauthorized))?;
    if endpoint == Endpoint::Status {
        shared.counters.add(|c| &c.status_polls);
    }
    if let Some(limiter) = &shared.limiter {
        if let Err(wait) = lock(limiter).check(key, Instant::now()) {
            shared.counters.add(|c| &c.rate_limited);
            return Err(ApiError::RateLimited(wait));
        }
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
    match outcome.kind().map(|kind| kind.phase) {
        Some(FaultPhase::Before) => Err(refusal(shared, outcome)
            .unwrap_or_else(|| ApiError::Internal("unhandled fault".into()))),
        _ => Ok(outcome),
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

/// True for `application/json` and `application/<x>+json`, with any parameters.
pub fn is_json_content_type(value: Option<&HeaderValue>) -> bool {
    let Some(text) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mime = text
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// A request accepted for work.
struct Submission {
    body: EnrichBody,
    schema: Schema,
}

/// Reads and checks a submit: the body's size, its content type, its JSON shape (as
/// `EnrichBody`), then the checks both sides share (`EnrichBody::check`).
fn validate(headers: &HeaderMap, body: Body) -> Result<Submission, ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(MAX_BODY)
        } else {
            ApiError::BadRequest(rejection.body_text())
        }
    })?;
    if !is_json_content_type(headers.get(header::CONTENT_TYPE)) {
        return Err(ApiError::BadRequest(
            "Content-Type must be application/json".into(),
        ));
    }
    let value: Value = serde_json::from_slice(&body).map_err(|err| {
        ApiError::BadRequest(format!("The request body is not valid JSON: {err}"))
    })?;
    let Value::Object(fields) = &value else {
        return Err(ApiError::BadRequest(
            "The request body must be a JSON object".into(),
        ));
    };
    if matches!(fields.get("lead_info"), None | Some(Value::Null)) {
        return Err(ApiError::BadRequest(
            "Invalid lead information: `lead_info` is required".into(),
        ));
    }
    let body: EnrichBody = serde_path_to_error::deserialize(value).map_err(|err| {
        let at = err.path().to_string();
        let inner = err.into_inner();
        let message = match at.as_str() {
            "lead_info" => "Invalid lead information: `lead_info` must be an object".to_owned(),
            "struct" => format!("Invalid struct: {inner}"),
            _ => format!("`{at}`: {inner}"),
        };
        ApiError::BadRequest(message)
    })?;
    body.check()
        .map_err(|err| ApiError::BadRequest(err.to_string()))?;
    let schema = body.fields.clone().unwrap_or_default();
    Ok(Submission { body, schema })
}

/// The result of a lead: researched from the directory, `dict` fields as text if configured.
fn answer(shared: &Shared, submission: &Submission) -> EnrichResult {
    let found = research(
        &shared.directory,
        &submission.body.lead_info,
        &submission.schema,
    );
    let mut result = found.to_result();
    if shared.config.dict_as_text {
        crate::research::dicts_as_text(
            &mut result.structured_data,
            &submission.schema,
            &submission.body.lead_info,
        );
    }
    result
}

/// The job's ending and its fully written status body.
fn ending(result: Result<&EnrichResult, &str>, task_type: &TaskType) -> Ending {
    match result {
        Ok(result) => {
            let status = JobStatusBody::completed(result.clone(), task_type.clone());
            Ending::Completed(Bytes::from(serde_json::to_vec(&status).unwrap_or_default()))
        }
        Err(message) => Ending::Failed(message.to_owned()),
    }
}

const FAILURE: &str = "Research agent failed: the lead's sources could not be reached";

/// Creates the job and schedules its webhook; the result is the job and, for a completed
/// one, its result.
fn create_job(
    shared: &Arc<Shared>,
    submission: &Submission,
    path: ApiPath,
    fail: bool,
) -> Result<(Arc<Job>, Option<EnrichResult>), ApiError> {
    let seq = shared.job_seq.fetch_add(1, Ordering::Relaxed);
    let seed = shared.config.seed;
    let id = rng::uuid(seed ^ shared.id_salt, Stream::TaskId, seq);
    let task_id = TaskId::new(id.clone()).map_err(|e| ApiError::Internal(e.to_string()))?;
    let latency = shared.config.scaled(shared.config.latency.pick(rng::unit(
        seed,
        Stream::Latency,
        seq,
    )));
    let task_type = path.task_type();
    let result = (!fail).then(|| answer(shared, submission));
    let now = Instant::now();
    let job = Arc::new(Job {
        id: id.clone(),
        created: now,
        ready_at: now + latency,
        ending: ending(result.as_ref().ok_or(FAILURE), &task_type),
        total_items: submission.schema.len() as u64,
        task_type: task_type.clone(),
    });
    {
        let mut jobs = lock(&shared.jobs);
        let settled = jobs.sweep(now);
        shared.settle(settled);
        if let Some(limit) = shared.config.max_active_jobs {
            if jobs.running() as u64 >= u64::from(limit) {
                shared.counters.add(|c| &c.active_job_limited);
                return Err(ApiError::ActiveJobLimit(u64::from(limit)));
            }
        }
        let settled = jobs.insert(Arc::clone(&job), now).map_err(|_| {
            ApiError::Unavailable(
                "Too many jobs in progress: the job store is full; retry later".into(),
            )
        })?;
        shared.settle(settled);
        shared.counters.job_started(jobs.running() as u64);
    }
    let lead_info = submission.body.lead_info.clone();
    let size = lead_info
        .iter()
        .map(|(k, v)| k.len() + v.to_string().len())
        .sum::<usize>()
        + id.len();
    lock(&shared.log).push(
        JobRecord {
            task_id: id.clone(),
            lead_info,
        },
        size,
    );
    if let Some(url) = submission.body.webhook_url.clone() {
        let event = match &result {
            Some(result) => WebhookEvent::completed(task_id.clone(), task_type, result.clone()),
            None => WebhookEvent::failed(task_id.clone(), task_type, FAILURE),
        };
        let delivery = Delivery {
            url,
            body: serde_json::to_vec(&event).unwrap_or_default(),
            event_id: event_id(&task_id, 1),
            secret: shared.config.webhook_secret.clone(),
            attempts: shared.config.webhook_attempts,
            backoff: shared
                .config
                .scaled(Duration::from_secs(1))
                .max(Duration::from_millis(10)),
        };
        let generation = shared.generation.load(Ordering::SeqCst);
        let shared = Arc::clone(shared);
        let ready_at = job.ready_at;
        tokio::spawn(async move {
            tokio::time::sleep_until(ready_at.into()).await;
            if shared.generation.load(Ordering::SeqCst) == generation {
                webhook::deliver(shared.http.clone(), delivery, Arc::clone(&shared.counters)).await;
            }
        });
    }
    Ok((job, result))
}

fn counter(path: ApiPath) -> fn(&Counters) -> &AtomicU64 {
    match path {
        ApiPath::EnrichLead => |c| &c.submits_sync,
        ApiPath::EnrichLeadAsync => |c| &c.submits_async,
        ApiPath::PeopleIntelligence => |c| &c.submits_people_sync,
        _ => |c| &c.submits_people_async,
    }
}

type Body = Result<Bytes, BytesRejection>;

fn count_refusal(shared: &Shared, error: &ApiError) {
    if matches!(
        error,
        ApiError::BadRequest(_) | ApiError::PayloadTooLarge(_)
    ) {
        shared.counters.add(|c| &c.bad_requests);
    }
}

/// Every submit path: gate, validate, count, create the job, then answer at once (async) or
/// when the job ends (sync).
async fn submit(shared: Arc<Shared>, headers: HeaderMap, body: Body, path: ApiPath) -> Response {
    let endpoint = if path.is_async() {
        Endpoint::Submit
    } else {
        Endpoint::Sync
    };
    let outcome = match gate(&shared, &headers, endpoint) {
        Ok(outcome) => outcome,
        Err(error) => return error.into_response(),
    };
    let submission = match validate(&headers, body) {
        Ok(submission) => submission,
        Err(error) => {
            count_refusal(&shared, &error);
            return error.into_response();
        }
    };
    let (job, result) = match create_job(&shared, &submission, path, outcome == Outcome::JobFailure)
    {
        Ok(created) => created,
        Err(error) => return error.into_response(),
    };
    shared.counters.add(counter(path));
    let response = if path.is_async() {
        if outcome == Outcome::AmbiguousSubmit {
            return ApiError::Internal("The server hit an unexpected error".into()).into_response();
        }
        let task_id = match TaskId::new(job.id.clone()) {
            Ok(id) => id,
            Err(err) => return ApiError::Internal(err.to_string()).into_response(),
        };
        json_response(StatusCode::OK, &Submitted::new(task_id))
    } else {
        tokio::time::sleep_until(job.ready_at.into()).await;
        match (&job.ending, result) {
            (Ending::Completed(_), Some(result)) => json_response(StatusCode::OK, &result),
            (Ending::Failed(message), _) => ApiError::Internal(message.clone()).into_response(),
            (Ending::Completed(_), None) => {
                ApiError::Internal("the job has no result".into()).into_response()
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
    task_id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    let outcome = match gate(&shared, &headers, Endpoint::Status) {
        Ok(outcome) => outcome,
        Err(error) => return error.into_response(),
    };
    let now = Instant::now();
    // A task id that is not UTF-8 names no job.
    let job = match &task_id {
        Ok(Path(task_id)) => lock(&shared.jobs).get(task_id, now),
        Err(_) => None,
    };
    let response = match job {
        None => {
            shared.counters.add(|c| &c.not_found);
            ApiError::JobNotFound.into_response()
        }
        Some(job) => status_body(&job, job.phase(now)),
    };
    deliver_with(&shared, outcome, response).await
}

fn status_body(job: &Job, phase: Phase) -> Response {
    let task_type = job.task_type.clone();
    match (phase, &job.ending) {
        (Phase::Completed, Ending::Completed(status)) => raw_json(StatusCode::OK, status.clone()),
        (Phase::Failed, Ending::Failed(error)) => json_response(
            StatusCode::OK,
            &JobStatusBody::failed(error.as_str(), task_type),
        ),
        (Phase::Processing(done), _) => json_response(
            StatusCode::OK,
            &JobStatusBody::running(JobState::Processing, done, job.total_items, task_type),
        ),
        _ => json_response(
            StatusCode::OK,
            &JobStatusBody::running(JobState::Pending, 0, 0, task_type),
        ),
    }
}

async fn stats(State(shared): AppState) -> Response {
    json_response(StatusCode::OK, &shared.stats())
}

async fn jobs(State(shared): AppState) -> Response {
    json_response(StatusCode::OK, &shared.job_log())
}

async fn reset(State(shared): AppState) -> Response {
    shared.reset();
    json_response(StatusCode::OK, &serde_json::json!({"reset": true}))
}

async fn get_faults(State(shared): AppState) -> Response {
    json_response(StatusCode::OK, &shared.faults())
}

async fn set_faults(State(shared): AppState, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(faults) => faults,
        Err(err) => {
            return ApiError::BadRequest(format!("Invalid fault settings: {err}")).into_response();
        }
    };
    match shared.set_faults(faults) {
        Ok(()) => json_response(StatusCode::OK, &faults),
        Err(message) => ApiError::BadRequest(message).into_response(),
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
            return ApiError::BadRequest(format!(
                "Expected {{\"endpoint\": \"submit\"|\"sync\"|\"status\", \"outcomes\": [...]}}: {err}"
            ))
            .into_response();
        }
    };
    let outcomes: Result<Vec<Outcome>, String> =
        request.outcomes.iter().map(|o| o.parse()).collect();
    match outcomes {
        Ok(outcomes) => {
            let queued = outcomes.len();
            shared.script(request.endpoint, outcomes);
            json_response(StatusCode::OK, &serde_json::json!({"queued": queued}))
        }
        Err(message) => ApiError::BadRequest(message).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        let rows = [
            (Some("application/json"), true),
            (Some("application/json; charset=utf-8"), true),
            (Some("Application/JSON"), true),
            (Some("application/problem+json"), true),
            (Some("text/plain"), false),
            (Some("application/jsonp"), false),
            (None, false),
        ];
        for (value, ok) in rows {
            let header = value.map(HeaderValue::from_static);
            assert_eq!(is_json_content_type(header.as_ref()), ok, "{value:?}");
        }
    }
}
