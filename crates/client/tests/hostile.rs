//! The client against servers that misbehave on purpose, on 127.0.0.1: redirects to another
//! address, endless and oversized bodies, task ids that would escape their path segment.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::json;
use sixtyfour::{Client, EnrichRequest, Error, RetryPolicy, Schema, TaskId};

/// Serves `app` on 127.0.0.1 and returns its base URL.
async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn client(base: &str) -> Client {
    Client::builder()
        .api_key("sk-test-hostile")
        .base_url(base)
        .retry_policy(RetryPolicy::none())
        .rate_limit(None)
        .build()
        .unwrap()
}

fn request() -> EnrichRequest {
    let schema = Schema::builder()
        .describe("title", "The individual's job title")
        .build()
        .unwrap();
    EnrichRequest::from_lead(&json!({"name": "Mara Quill"}), schema).unwrap()
}

/// Bounds a call that must end by itself.
async fn within<T>(what: &str, call: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(60), call).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not end within 60 s"),
    }
}

/// A body that never ends: 64 KiB chunks forever.
fn endless() -> Body {
    static CHUNK: [u8; 64 * 1024] = [b'x'; 64 * 1024];
    Body::from_stream(futures_util::stream::repeat_with(|| {
        Ok::<_, std::io::Error>(Bytes::from_static(&CHUNK))
    }))
}

#[tokio::test]
async fn redirects_are_reported_and_the_other_host_gets_nothing() {
    let elsewhere_hits = Arc::new(AtomicUsize::new(0));
    let hits = Arc::clone(&elsewhere_hits);
    let elsewhere = serve(axum::Router::new().fallback(move || {
        let hits = Arc::clone(&hits);
        async move {
            hits.fetch_add(1, Ordering::SeqCst);
            axum::Json(json!({"task_id": "stolen", "status": "pending"}))
        }
    }))
    .await;
    let target = format!("{elsewhere}/enrich-lead-async");
    let location = target.clone();
    let redirecting = serve(axum::Router::new().fallback(move || {
        let location = location.clone();
        async move {
            (
                StatusCode::TEMPORARY_REDIRECT,
                [(header::LOCATION, location)],
                "",
            )
        }
    }))
    .await;

    let client = client(&redirecting);
    let err = within("submit", client.submit(&request()))
        .await
        .unwrap_err();
    match &err {
        Error::Redirect { status, location } => {
            assert_eq!(*status, 307);
            assert_eq!(location.as_deref(), Some(target.as_str()));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains(&target), "{err}");
    assert!(
        err.to_string().contains("never goes to another address"),
        "{err}"
    );
    assert!(err.is_definite() && !err.is_maybe_submitted());

    let id = TaskId::new("t-1").unwrap();
    let err = within("poll", client.job_status(&id)).await.unwrap_err();
    assert!(
        matches!(err, Error::Redirect { status: 307, .. }),
        "{err:?}"
    );
    assert_eq!(elsewhere_hits.load(Ordering::SeqCst), 0);
}

/// A 303 See Other answers a request that was handled: after a submit, a job may exist, so it
/// is never a definite failure that a retry of failed rows would send (and pay for) again.
#[tokio::test]
async fn a_submit_answered_see_other_may_have_started_a_job() {
    let posts = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&posts);
    let base = serve(axum::Router::new().fallback(move || {
        let seen = Arc::clone(&seen);
        async move {
            seen.fetch_add(1, Ordering::SeqCst);
            (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, "/job-status/created-elsewhere")],
                "",
            )
        }
    }))
    .await;
    let client = Client::builder()
        .api_key("sk-test-hostile")
        .base_url(&base)
        .rate_limit(None)
        .build()
        .unwrap();
    let err = within("submit", client.submit(&request()))
        .await
        .unwrap_err();
    assert!(err.is_maybe_submitted(), "{err:?}");
    assert!(!err.is_definite() && !err.is_not_sent(), "{err:?}");
    assert!(err.to_string().contains("303"), "{err}");
    assert_eq!(posts.load(Ordering::SeqCst), 1, "never sent again");
    // A poll answered 303 is only a redirect, reported.
    let id = TaskId::new("t-1").unwrap();
    let err = within("poll", client.job_status(&id)).await.unwrap_err();
    assert!(
        matches!(err, Error::Redirect { status: 303, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_endless_status_body_costs_bounded_memory_and_says_how_to_raise_the_cap() {
    let base = serve(axum::Router::new().fallback(|| async {
        Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(endless())
            .unwrap()
    }))
    .await;
    let client = Client::builder()
        .api_key("k")
        .base_url(&base)
        .rate_limit(None)
        .max_response_bytes(1 << 20)
        .build()
        .unwrap();
    let id = TaskId::new("t-1").unwrap();
    let err = within("poll", client.job_status(&id)).await.unwrap_err();
    match &err {
        Error::TooLarge { limit, what } => {
            assert_eq!(*limit, 1 << 20);
            assert_eq!(*what, "GET /job-status");
        }
        other => panic!("{other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("1048576 bytes"), "{message}");
    assert!(message.contains("max_response_bytes"), "{message}");

    // The same answer to a submit: a job may exist, so it is never a plain failure.
    let err = within("submit", client.submit(&request()))
        .await
        .unwrap_err();
    assert!(err.is_maybe_submitted(), "{err:?}");
    assert!(err.to_string().contains("1048576 bytes"), "{err}");
}

#[tokio::test]
async fn a_declared_two_gigabyte_body_is_refused_before_reading() {
    let base = serve(axum::Router::new().fallback(|| async {
        let mut response = Response::new(endless());
        response.headers_mut().insert(
            header::CONTENT_LENGTH,
            HeaderValue::from_static("2147483648"),
        );
        response
    }))
    .await;
    let client = client(&base);
    let err = within("poll", client.job_status(&TaskId::new("t").unwrap()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::TooLarge { limit, .. } if limit == sixtyfour::DEFAULT_MAX_RESPONSE_BYTES),
        "{err:?}"
    );
}

#[tokio::test]
async fn endless_error_bodies_are_cut_and_shortened() {
    let base = serve(axum::Router::new().fallback(|| async {
        Response::builder()
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(endless())
            .unwrap()
    }))
    .await;
    let client = client(&base);
    let err = within("poll", client.job_status(&TaskId::new("t").unwrap()))
        .await
        .unwrap_err();
    match err {
        Error::Api {
            status: 500,
            message,
            body,
            ..
        } => {
            assert!(body.chars().count() <= 301, "{} chars", body.len());
            assert!(message.chars().count() <= 301, "{} chars", message.len());
            assert!(body.ends_with('…'));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn task_ids_are_percent_encoded_in_paths() {
    let paths = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&paths);
    let base = serve(axum::Router::new().fallback(move |uri: Uri| {
        let seen = Arc::clone(&seen);
        async move {
            seen.lock().unwrap().push(uri.path().to_owned());
            axum::Json(json!({"status": "processing"}))
        }
    }))
    .await;
    let client = client(&base);
    for (id, path) in [
        ("a/b", "/job-status/a%2Fb"),
        ("../enrich-lead", "/job-status/..%2Fenrich-lead"),
        ("x?y#z", "/job-status/x%3Fy%23z"),
        ("100%", "/job-status/100%25"),
    ] {
        let status = client.job_status(&TaskId::new(id).unwrap()).await.unwrap();
        assert_eq!(status.task_id.as_str(), id);
        assert_eq!(paths.lock().unwrap().last().map(String::as_str), Some(path));
    }
    // Ids that no API could have given never reach a request.
    for bad in ["", "two words", "é", "..", "line\nbreak"] {
        let err: Error = TaskId::new(bad).unwrap_err().into();
        assert!(err.is_not_sent() && err.is_definite(), "{err}");
        assert!(err.to_string().contains("nothing was sent"), "{err}");
    }
    assert_eq!(paths.lock().unwrap().len(), 4);
}

/// A 2xx submit answer whose task id cannot be valid (`..`, 300 characters, a space, nothing,
/// not a string) started a job whose id is unknown: `MaybeSubmitted`, never a request with it.
#[tokio::test]
async fn a_submit_answered_with_an_impossible_task_id_may_have_started_a_job() {
    let long = "x".repeat(300);
    for id in [
        json!(".."),
        json!(long),
        json!("two words"),
        json!(""),
        json!(7),
    ] {
        let hits = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&hits);
        let answer = json!({"task_id": id, "status": "pending"});
        let base = serve(axum::Router::new().fallback(move || {
            let seen = Arc::clone(&seen);
            let answer = answer.clone();
            async move {
                seen.fetch_add(1, Ordering::SeqCst);
                axum::Json(answer)
            }
        }))
        .await;
        let err = within("submit", client(&base).submit(&request()))
            .await
            .unwrap_err();
        assert!(err.is_maybe_submitted(), "{id}: {err:?}");
        assert_eq!(hits.load(Ordering::SeqCst), 1, "{id}: one request only");
    }
}
