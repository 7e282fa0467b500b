//! `GET /job-status/{task_id}`: the job as its key sees it.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::{App, Caller};
use crate::metrics::bump;
use crate::store::StatusAnswer;

pub(crate) async fn job_status(
    State(app): State<Arc<App>>,
    Extension(Caller(key)): Extension<Caller>,
    task_id: Result<Path<String>, PathRejection>,
) -> Response {
    // A task id that is not UTF-8 names no job.
    let Ok(Path(task_id)) = task_id else {
        bump(&app.engine.metrics.not_found);
        return ApiError::JobNotFound.into_response();
    };
    match app.engine.store.status(&task_id, &key.name).await {
        Ok(Some(view)) => match view.status_body() {
            StatusAnswer::Stored(body) => (
                StatusCode::OK,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response(),
            StatusAnswer::Built(body) => Json(body).into_response(),
        },
        Ok(None) => {
            bump(&app.engine.metrics.not_found);
            ApiError::JobNotFound.into_response()
        }
        Err(err) => {
            tracing::error!(error = %err, task_id, "status not read");
            ApiError::Unavailable("The job store is unavailable; retry later".into())
                .into_response()
        }
    }
}
