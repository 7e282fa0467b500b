//! Every refusal the API makes, as one enum, and the status, headers and body (in one of the
//! reference's three shapes) each one is answered with.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sixtyfour_protocol::{ErrorBody, LocPart, ValidationIssue};

/// A refusal of the API.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ApiError {
    /// 400: the request is malformed; the message says how.
    BadRequest(String),
    /// 401: no `x-api-key` header.
    MissingKey,
    /// 401: a key that is not accepted.
    WrongKey,
    /// 402: the account has no credits left.
    PaymentRequired,
    /// 403: the key may not use what was asked (a tier).
    Forbidden(String),
    /// 404 `{"detail": "Job not found"}`.
    JobNotFound,
    /// 404 `{"detail": "Not Found"}`: no such path.
    NoRoute,
    /// 405 `{"detail": "Method Not Allowed"}`.
    MethodNotAllowed,
    /// 413: the body is over the size limit.
    PayloadTooLarge(usize),
    /// 422: the validation list.
    Unprocessable(Vec<ValidationIssue>),
    /// 429 with `Retry-After`: too many requests for this key.
    RateLimited(Duration),
    /// 429 without `Retry-After`: the key has `limit` jobs running.
    ActiveJobLimit(u64),
    /// 500.
    Internal(String),
    /// 503.
    Unavailable(String),
}

impl ApiError {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::MissingKey | ApiError::WrongKey => StatusCode::UNAUTHORIZED,
            ApiError::PaymentRequired => StatusCode::PAYMENT_REQUIRED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::JobNotFound | ApiError::NoRoute => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited(_) | ApiError::ActiveJobLimit(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The body, in one of the reference's three shapes.
    pub fn body(&self) -> ErrorBody {
        match self {
            ApiError::BadRequest(message) => ErrorBody::new("Bad Request", message.as_str()),
            ApiError::MissingKey => ErrorBody::new("Unauthorized", "Missing x-api-key header"),
            ApiError::WrongKey => ErrorBody::new("Unauthorized", "Invalid API key"),
            ApiError::PaymentRequired => ErrorBody::new(
                "Payment Required",
                "This account is out of credits; add credits to continue",
            ),
            ApiError::Forbidden(message) => ErrorBody::new("Forbidden", message.as_str()),
            ApiError::JobNotFound => ErrorBody::detail("Job not found"),
            ApiError::NoRoute => ErrorBody::detail("Not Found"),
            ApiError::MethodNotAllowed => ErrorBody::detail("Method Not Allowed"),
            ApiError::PayloadTooLarge(limit) => ErrorBody::new(
                "Payload Too Large",
                format!("The request body is larger than {limit} bytes"),
            ),
            ApiError::Unprocessable(issues) => ErrorBody::Validation {
                detail: issues.clone(),
            },
            ApiError::RateLimited(_) => ErrorBody::new(
                "Too Many Requests",
                "Rate limit exceeded for this API key; wait before retrying",
            ),
            ApiError::ActiveJobLimit(limit) => ErrorBody::active_job_limit(*limit),
            ApiError::Internal(message) => {
                ErrorBody::new("Internal Server Error", message.as_str())
            }
            ApiError::Unavailable(message) => {
                ErrorBody::new("Service Unavailable", message.as_str())
            }
        }
    }

    /// The 422 an injected validation fault answers: `lead_info` reported missing.
    pub fn lead_info_missing() -> Self {
        ApiError::Unprocessable(vec![ValidationIssue::new(
            vec![
                LocPart::Key("body".into()),
                LocPart::Key("lead_info".into()),
            ],
            "Field required",
            "missing",
        )])
    }

    /// `Retry-After` in whole seconds, at least 1, for a rate-limited answer.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            ApiError::RateLimited(wait) => Some(wait.as_secs_f64().ceil().max(1.0) as u64),
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut response = (
            self.status(),
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response();
        if let Some(secs) = self.retry_after_secs() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_shapes() {
        let rows: [(ApiError, u16, &str); 8] = [
            (
                ApiError::BadRequest("x".into()),
                400,
                r#"{"error":"Bad Request","message":"x"}"#,
            ),
            (ApiError::JobNotFound, 404, r#"{"detail":"Job not found"}"#),
            (ApiError::NoRoute, 404, r#"{"detail":"Not Found"}"#),
            (
                ApiError::PaymentRequired,
                402,
                r#"{"error":"Payment Required","message":"This account is out of credits; add credits to continue"}"#,
            ),
            (
                ApiError::lead_info_missing(),
                422,
                r#"{"detail":[{"loc":["body","lead_info"],"msg":"Field required","type":"missing"}]}"#,
            ),
            (
                ApiError::RateLimited(Duration::from_millis(1500)),
                429,
                r#"{"error":"Too Many Requests","message":"Rate limit exceeded for this API key; wait before retrying"}"#,
            ),
            (
                ApiError::Forbidden("no".into()),
                403,
                r#"{"error":"Forbidden","message":"no"}"#,
            ),
            (
                ApiError::MethodNotAllowed,
                405,
                r#"{"detail":"Method Not Allowed"}"#,
            ),
        ];
        for (error, status, body) in rows {
            assert_eq!(error.status().as_u16(), status, "{error:?}");
            assert_eq!(serde_json::to_string(&error.body()).unwrap(), body);
        }
        assert!(ApiError::ActiveJobLimit(3).body().is_active_job_limit());
        assert_eq!(
            ApiError::RateLimited(Duration::from_millis(1500)).retry_after_secs(),
            Some(2)
        );
        assert_eq!(
            ApiError::RateLimited(Duration::ZERO).retry_after_secs(),
            Some(1)
        );
        assert_eq!(ApiError::ActiveJobLimit(3).retry_after_secs(), None);
    }
}
