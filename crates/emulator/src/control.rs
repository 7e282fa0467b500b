//! The control surface under `/_emulator/`, served beside the API without a key: counters,
//! the job log, reset, fault probabilities and scripts.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use sixtyfour_server::ApiError;

use crate::Shared;
use crate::faults::{Endpoint, Faults, Outcome};

type AppState = State<Arc<Shared>>;

pub(crate) fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/_emulator/stats", get(stats))
        .route("/_emulator/jobs", get(jobs))
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/faults", get(get_faults).post(set_faults))
        .route("/_emulator/script", post(set_script))
        .with_state(shared)
}

async fn stats(State(shared): AppState) -> Response {
    Json(shared.stats()).into_response()
}

async fn jobs(State(shared): AppState) -> Response {
    Json(shared.hook.job_log()).into_response()
}

async fn reset(State(shared): AppState) -> Response {
    shared.reset();
    Json(serde_json::json!({"reset": true})).into_response()
}

async fn get_faults(State(shared): AppState) -> Response {
    Json(shared.hook.faults()).into_response()
}

async fn set_faults(State(shared): AppState, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(faults) => faults,
        Err(err) => {
            return ApiError::BadRequest(format!("Invalid fault settings: {err}")).into_response();
        }
    };
    match shared.hook.set_faults(faults) {
        Ok(()) => Json(faults).into_response(),
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
            shared.hook.script(request.endpoint, outcomes);
            Json(serde_json::json!({"queued": queued})).into_response()
        }
        Err(message) => ApiError::BadRequest(message).into_response(),
    }
}
