//! The HTTP surface: every path of the reference (`/enrich-lead`, `/enrich-lead-async`,
//! `/job-status/{task_id}`, `/people-intelligence`, `/people-intelligence-async`), with
//! authentication and the rate limit in front, the hook after them, and `/healthz` and
//! `/metrics` beside them. Every body goes through the protocol types.

pub mod error;
pub mod hook;
mod status;
mod submit;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value};
use sixtyfour_protocol::{API_KEY_HEADER, Endpoint, JOB_STATUS_PREFIX};

use crate::keys::{KeyEntry, Keys};
use crate::metrics::bump;
use crate::rate_limit::RateLimiter;
use crate::rng::TaskIds;
use crate::worker::Engine;
use error::ApiError;
use hook::{After, Call, Hook, Verdict};

pub use submit::{is_json_content_type, read_submit};

/// Bodies over this size are refused with 413.
pub const MAX_BODY: usize = 1 << 20;

/// What the handlers share.
pub(crate) struct App {
    pub engine: Arc<Engine>,
    /// Fires when the server stops.
    pub stop: tokio_util::sync::CancellationToken,
    pub keys: Arc<Keys>,
    pub limiter: Mutex<RateLimiter>,
    pub ids: TaskIds,
    pub hook: Option<Arc<dyn Hook>>,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub(crate) struct Caller(pub Arc<KeyEntry>);

/// Data the hook attached for the job a submit creates.
#[derive(Debug, Clone, Default)]
pub(crate) struct JobMeta(pub Map<String, Value>);

type AppState = State<Arc<App>>;

/// The router of the API, health and metrics paths.
pub(crate) fn router(app: Arc<App>) -> Router {
    let mut api = Router::new();
    for endpoint in Endpoint::ALL {
        api = api.route(
            endpoint.path(),
            post(
                move |state: AppState,
                      caller: axum::extract::Extension<Caller>,
                      meta: Option<axum::extract::Extension<JobMeta>>,
                      headers: axum::http::HeaderMap,
                      body: Result<Bytes, axum::extract::rejection::BytesRejection>| {
                    submit::submit(state, caller, meta, headers, body, endpoint)
                },
            ),
        );
    }
    api.route("/job-status/{task_id}", get(status::job_status))
        .route_layer(middleware::from_fn_with_state(Arc::clone(&app), hook_layer))
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(&app),
            authenticate,
        ))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(app)
}

fn call_of(path: &str) -> Call {
    match Endpoint::from_path(path) {
        Some(endpoint) => Call::Submit(endpoint),
        None => Call::Status,
    }
}

/// Authentication, then the key's rate limit.
async fn authenticate(State(app): AppState, mut request: Request, next: Next) -> Response {
    let metrics = &app.engine.metrics;
    bump(&metrics.requests);
    let key = match request.headers().get(API_KEY_HEADER) {
        None => Err(ApiError::MissingKey),
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|key| app.keys.current().authenticate(key))
            .ok_or(ApiError::WrongKey),
    };
    let key = match key {
        Ok(key) => key,
        Err(error) => {
            bump(&metrics.unauthorized);
            return error.into_response();
        }
    };
    if request.uri().path().starts_with(JOB_STATUS_PREFIX) {
        bump(&metrics.status_polls);
    }
    if let Some(limit) = key.rate_limit {
        let checked = app.limiter.lock().unwrap_or_else(|p| p.into_inner()).check(
            &key.name,
            limit,
            Instant::now(),
        );
        if let Err(wait) = checked {
            bump(&metrics.rate_limited);
            return ApiError::RateLimited(wait).into_response();
        }
    }
    request.extensions_mut().insert(Caller(key));
    next.run(request).await
}

/// The hook, if any: refuse, or attach job data and change the answer after the handler.
async fn hook_layer(State(app): AppState, mut request: Request, next: Next) -> Response {
    let (Some(hook), Some(Caller(key))) = (&app.hook, request.extensions().get::<Caller>()) else {
        return next.run(request).await;
    };
    let call = call_of(request.uri().path());
    match hook.admit(call, key) {
        Verdict::Refuse(error) => error.into_response(),
        Verdict::Proceed { meta, after } => {
            request.extensions_mut().insert(JobMeta(meta));
            let response = next.run(request).await;
            apply(after, response).await
        }
    }
}

/// Changes an answer as the hook asked; an answer refusing the request itself (400, 413,
/// 422) is left alone, and only a success is replaced.
async fn apply(after: After, response: Response) -> Response {
    let refused = matches!(
        response.status(),
        StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNPROCESSABLE_ENTITY
    );
    if refused {
        return response;
    }
    match after {
        After::Unchanged => response,
        After::Reset => {
            let (parts, _) = response.into_parts();
            let broken = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "connection reset on purpose",
                ))
            });
            Response::from_parts(parts, axum::body::Body::from_stream(broken))
        }
        After::Hold(delay) => {
            tokio::time::sleep(delay).await;
            response
        }
        After::Replace(error) if response.status().is_success() => error.into_response(),
        After::Replace(_) => response,
    }
}

async fn not_found(State(app): AppState) -> Response {
    bump(&app.engine.metrics.not_found);
    ApiError::NoRoute.into_response()
}

async fn method_not_allowed() -> Response {
    ApiError::MethodNotAllowed.into_response()
}

/// `GET /healthz`: 200 when the store answers a lookup, 503 otherwise.
async fn healthz(State(app): AppState) -> Response {
    match app.engine.store.status("healthz", "").await {
        Ok(_) => axum::Json(serde_json::json!({"status": "ok"})).into_response(),
        Err(err) => {
            ApiError::Unavailable(format!("the job store does not answer: {err}")).into_response()
        }
    }
}

/// `GET /metrics` in the Prometheus text format.
async fn metrics(State(app): AppState) -> Response {
    let counts = match app.engine.store.counts().await {
        Ok(counts) => Some(counts),
        Err(err) => {
            tracing::warn!(error = %err, "job counts unavailable for /metrics");
            None
        }
    };
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        {
            let mut text = app.engine.metrics.render(counts);
            text.push_str(&keys_reload_failures(app.keys.failed_reloads()));
            text
        },
    )
        .into_response()
}

/// The keys file's failed reloads in the Prometheus text format.
fn keys_reload_failures(count: u64) -> String {
    format!(
        "# HELP sixtyfour_keys_reload_failures_total Reloads of the keys file that failed; the keys in force stayed.\n\
         # TYPE sixtyfour_keys_reload_failures_total counter\n\
         sixtyfour_keys_reload_failures_total {count}\n"
    )
}

/// How often a sync request re-reads its job when no local finish wakes it (the job may run
/// in another process).
pub(crate) const SYNC_POLL: Duration = Duration::from_millis(500);
