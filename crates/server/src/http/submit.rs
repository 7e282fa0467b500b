//! The four submit paths: read and check the body, check the key's tier, queue the job (the
//! store checks the key's active-job limit and credits in the same step), then answer the
//! task id at once (async) or the result when the job ends (sync).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sixtyfour_protocol::{Endpoint, EnrichBody, JobState, JobStatusBody, Submitted, TaskId};

use super::error::ApiError;
use super::{App, Caller, JobMeta, MAX_BODY, SYNC_POLL};
use crate::metrics::bump;
use crate::store::{Admission, JobView, NewJob, SubmitLimits, now_millis};

/// True for `application/json` and `application/<x>+json`, with any parameters.
///
/// ```
/// use axum::http::HeaderValue;
/// use sixtyfour_server::is_json_content_type;
///
/// assert!(is_json_content_type(Some(&HeaderValue::from_static("application/json; charset=utf-8"))));
/// assert!(!is_json_content_type(Some(&HeaderValue::from_static("text/plain"))));
/// assert!(!is_json_content_type(None));
/// ```
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

/// Reads a submit as the API does: the body's size, its content type, its JSON shape (as
/// `EnrichBody`), then the checks both sides share (`EnrichBody::check`). The error says what
/// is wrong and where.
pub fn read_submit(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<EnrichBody, ApiError> {
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
    Ok(body)
}

pub(crate) async fn submit(
    State(app): State<Arc<App>>,
    Extension(Caller(key)): Extension<Caller>,
    meta: Option<Extension<JobMeta>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
    endpoint: Endpoint,
) -> Response {
    let metrics = &app.engine.metrics;
    let body = match read_submit(&headers, body) {
        Ok(body) => body,
        Err(error) => {
            bump(&metrics.bad_requests);
            return error.into_response();
        }
    };
    if !key.allows(body.tier) {
        bump(&metrics.forbidden);
        let tier = body.tier.map(|t| t.to_string()).unwrap_or_default();
        let allowed: Vec<String> = key.tiers.iter().flatten().map(|t| t.to_string()).collect();
        return ApiError::Forbidden(format!(
            "The tier `{tier}` is not enabled for this API key (enabled: {})",
            if allowed.is_empty() {
                "none".to_owned()
            } else {
                allowed.join(", ")
            }
        ))
        .into_response();
    }
    let task_id = app.ids.next();
    let job = NewJob {
        task_id: task_id.clone(),
        key_id: key.name.clone(),
        task_type: endpoint.task_type(),
        body: body.clone(),
        meta: meta
            .map(|Extension(JobMeta(meta))| meta)
            .unwrap_or_default(),
    };
    let limits = SubmitLimits {
        max_active: key.max_active_jobs,
        credits: key.credits,
    };
    match app.engine.store.insert(job, limits, now_millis()).await {
        Ok(Admission::Created) => {}
        Ok(Admission::ActiveLimit(limit)) => {
            bump(&metrics.active_job_limited);
            return ApiError::ActiveJobLimit(limit).into_response();
        }
        Ok(Admission::OutOfCredits) => {
            bump(&metrics.out_of_credits);
            return ApiError::PaymentRequired.into_response();
        }
        Ok(Admission::Full) => {
            return ApiError::Unavailable(
                "Too many jobs in progress: the job store is full; retry later".into(),
            )
            .into_response();
        }
        Err(err) => {
            tracing::error!(error = %err, "job not stored");
            return ApiError::Unavailable("The job store is unavailable; retry later".into())
                .into_response();
        }
    }
    bump(metrics.submit_counter(endpoint));
    if let Some(hook) = &app.hook {
        hook.accepted(&task_id, &body);
    }
    app.engine.wake_workers.notify_one();
    tracing::debug!(task_id = %task_id, key = %key.name, path = endpoint.path(), "job queued");
    if endpoint.is_async() {
        return Json(Submitted::new(task_id)).into_response();
    }
    match wait_finished(&app, &task_id, &key.name).await {
        Ok(view) => sync_answer(&view),
        Err(error) => error.into_response(),
    }
}

/// Waits until the job is finished: woken by local finishes, re-reading the store now and
/// then for jobs another process runs.
async fn wait_finished(app: &App, task_id: &TaskId, key_id: &str) -> Result<JobView, ApiError> {
    let mut finished = app.engine.finished.subscribe();
    loop {
        match app.engine.store.status(task_id.as_str(), key_id).await {
            Ok(Some(view)) if view.stage.is_finished() => return Ok(view),
            Ok(Some(_)) => {}
            Ok(None) => {
                return Err(ApiError::Internal(
                    "The job is no longer in the store".into(),
                ));
            }
            Err(err) => {
                tracing::error!(error = %err, "sync job not read");
                return Err(ApiError::Unavailable(
                    "The job store is unavailable; retry later".into(),
                ));
            }
        }
        tokio::select! {
            _ = finished.changed() => {}
            () = tokio::time::sleep(SYNC_POLL) => {}
            () = app.stop.cancelled() => {
                return Err(ApiError::Unavailable(format!(
                    "The server is shutting down; job {task_id} goes on: poll /job-status/{task_id}"
                )));
            }
        }
    }
}

/// The sync answer of a finished job: its result, or 500 with its error.
fn sync_answer(view: &JobView) -> Response {
    let status = view
        .finished_body
        .as_ref()
        .and_then(|body| serde_json::from_slice::<JobStatusBody>(body).ok());
    match status {
        Some(JobStatusBody {
            status: JobState::Completed,
            result: Some(result),
            ..
        }) => Json(result).into_response(),
        Some(JobStatusBody {
            error: Some(error), ..
        }) => ApiError::Internal(error).into_response(),
        _ => ApiError::Internal("The job ended without a result".into()).into_response(),
    }
}
