//! Conformance for answers the emulator never sends: a small fake server on 127.0.0.1 answers
//! each status code and body shape the live API may send, and each one decodes or yields the
//! right typed error. Also: what the client sends (paths, body options) and the untyped result
//! cast by the request's types.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sixtyfour::{
    ApiErrorKind, Client, Endpoint, Enrich, EnrichRequest, Error, JobState, RequestOptions,
    RetryPolicy, Schema, TaskId, Tier,
};

/// What the fake server answers, and what it was sent.
#[derive(Default)]
struct Script {
    /// (status, content type, body) for the next requests; the last one repeats.
    answers: Vec<Reply>,
    /// (method, path, body) of every request.
    seen: Vec<(String, String, Vec<u8>)>,
}

type Shared = Arc<Mutex<Script>>;

/// (status, content type, body).
type Reply = (u16, &'static str, Vec<u8>);

async fn fake() -> (String, Shared) {
    let script: Shared = Arc::default();
    let state = Arc::clone(&script);
    let app = axum::Router::new().fallback(move |method: Method, uri: Uri, body: Bytes| {
        let state = Arc::clone(&state);
        async move {
            let mut script = state.lock().unwrap();
            script
                .seen
                .push((method.to_string(), uri.path().to_owned(), body.to_vec()));
            let (status, content_type, body) = if script.answers.len() > 1 {
                script.answers.remove(0)
            } else {
                script.answers.first().cloned().unwrap_or((
                    500,
                    "text/plain",
                    b"no answer scripted".to_vec(),
                ))
            };
            let mut response: Response = (
                StatusCode::from_u16(status).unwrap(),
                [
                    (header::CONTENT_TYPE, content_type),
                    (header::HeaderName::from_static("x-request-id"), "req-42"),
                ],
                body,
            )
                .into_response();
            if (300..400).contains(&status) {
                response.headers_mut().insert(
                    header::LOCATION,
                    "https://elsewhere.example/x".parse().unwrap(),
                );
            }
            response
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, script)
}

fn answer(script: &Shared, answers: Vec<Reply>) {
    script.lock().unwrap().answers = answers;
}

fn json_answer(status: u16, body: Value) -> Reply {
    (status, "application/json", body.to_string().into_bytes())
}

fn client(base: &str) -> Client {
    Client::builder()
        .api_key("k")
        .base_url(base)
        // No retries; a 429 without Retry-After pauses the client for 10 ms, not 60 s.
        .retry_policy(RetryPolicy {
            rate_limited_delay: std::time::Duration::from_millis(10),
            ..RetryPolicy::none()
        })
        .rate_limit(None)
        .poll_policy(sixtyfour::EMULATOR_POLL)
        .build()
        .unwrap()
}

#[tokio::test]
async fn loose_success_bodies_decode() {
    let (base, script) = fake().await;
    let client = client(&base);
    let id = TaskId::new("t-1").unwrap();

    answer(
        &script,
        vec![json_answer(
            200,
            json!({"status": "completed", "result": {
                "notes": null, "structured_data": null, "references": [], "confidence_score": "9.5"
            }}),
        )],
    );
    let status = client.job_status(&id).await.unwrap();
    assert_eq!(status.state, JobState::Completed);
    let result = status.result.unwrap();
    assert_eq!(result.notes, "");
    assert!(result.structured_data.is_empty());
    assert!(result.references.is_empty());
    assert_eq!(result.confidence_score, Some(9.5));

    answer(
        &script,
        vec![json_answer(
            200,
            json!({"status": "PROCESSING", "processed_items": 0.0, "total_items": "1", "task_type": "enrich_lead"}),
        )],
    );
    let status = client.job_status(&id).await.unwrap();
    assert_eq!(
        (status.state, status.processed_items, status.total_items),
        (JobState::Processing, Some(0), Some(1))
    );

    answer(
        &script,
        vec![json_answer(
            200,
            json!({"status": "completed", "result": {"structured_data": "{\"a\": 1}", "references": ["https://a.example"]}}),
        )],
    );
    let result = client.wait(&id).await.unwrap();
    assert_eq!(Value::Object(result.structured_data), json!({"a": 1}));
    assert_eq!(
        Value::Object(result.references),
        json!({"https://a.example": ""})
    );

    answer(&script, vec![json_answer(200, json!({"status": "paused"}))]);
    let status = client.job_status(&id).await.unwrap();
    assert_eq!(status.state, JobState::Unknown("paused".into()));
}

#[tokio::test]
async fn every_status_code_and_error_shape_yields_its_typed_error() {
    let (base, script) = fake().await;
    let client = client(&base);
    let id = TaskId::new("t-1").unwrap();
    let rows: Vec<(Reply, ApiErrorKind, &str)> = vec![
        (
            json_answer(
                400,
                json!({"error": "Bad Request", "message": "Invalid lead information"}),
            ),
            ApiErrorKind::BadRequest,
            "Bad Request: Invalid lead information",
        ),
        (
            json_answer(401, json!({"detail": "Invalid API key"})),
            ApiErrorKind::Unauthorized,
            "Invalid API key",
        ),
        (
            json_answer(
                402,
                json!({"error": "Payment Required", "message": "Out of credits"}),
            ),
            ApiErrorKind::PaymentRequired,
            "Payment Required: Out of credits",
        ),
        (
            json_answer(
                403,
                json!({"detail": "The xhigh tier is not enabled for this key"}),
            ),
            ApiErrorKind::Forbidden,
            "The xhigh tier is not enabled for this key",
        ),
        (
            json_answer(404, json!({"detail": "Job not found"})),
            ApiErrorKind::NotFound,
            "Job not found",
        ),
        (
            json_answer(
                422,
                json!({"detail": [{"loc": ["body", "lead_info"], "msg": "field required", "type": "missing"}]}),
            ),
            ApiErrorKind::Validation,
            "body.lead_info: field required",
        ),
        (
            json_answer(
                429,
                json!({"error": "Too Many Active Jobs", "message": "wait"}),
            ),
            ApiErrorKind::RateLimited,
            "Too Many Active Jobs: wait",
        ),
        (
            (500, "text/plain", b"upstream connect error".to_vec()),
            ApiErrorKind::Server,
            "upstream connect error",
        ),
        (
            (502, "text/plain", vec![0xff, 0xfe, b'x']),
            ApiErrorKind::Server,
            "\u{fffd}\u{fffd}x",
        ),
        (
            (503, "text/html", b"<html>down</html>".to_vec()),
            ApiErrorKind::Server,
            "<html>down</html>",
        ),
        (
            (418, "text/plain", Vec::new()),
            ApiErrorKind::Other,
            "no error message",
        ),
    ];
    for (reply, kind, message) in rows {
        let status = reply.0;
        answer(&script, vec![reply]);
        let err = client.job_status(&id).await.unwrap_err();
        match &err {
            Error::Api {
                status: got,
                kind: got_kind,
                message: got_message,
                ..
            } => {
                assert_eq!((*got, *got_kind), (status, kind));
                assert_eq!(got_message, message);
            }
            other => panic!("{status}: {other:?}"),
        }
        assert_eq!(err.status(), Some(status));
        assert_eq!(
            err.headers().and_then(|h| h.get("x-request-id")).unwrap(),
            "req-42"
        );
        assert_eq!(
            err.is_account_level(),
            matches!(status, 401..=403),
            "{status}"
        );
    }

    // Success codes with bodies that are not a status.
    for (reply, path) in [
        ((200, "text/plain", b"ok".to_vec()), ""),
        (json_answer(200, json!({"status": 5})), ""),
        (
            json_answer(200, json!({"status": "completed", "result": "done"})),
            "",
        ),
    ] {
        answer(&script, vec![reply]);
        let err = client.job_status(&id).await.unwrap_err();
        assert!(
            matches!(&err, Error::Decode { path: p, .. } if p == path || p == "."),
            "{err:?}"
        );
    }

    // A redirect.
    answer(&script, vec![(302, "text/plain", Vec::new())]);
    let err = client.job_status(&id).await.unwrap_err();
    assert!(
        matches!(&err, Error::Redirect { status: 302, location: Some(l) } if l == "https://elsewhere.example/x"),
        "{err:?}"
    );
}

#[tokio::test]
async fn submit_answers_and_what_is_sent() {
    let (base, script) = fake().await;
    let client = client(&base);
    let schema = Schema::builder()
        .describe("email", "The individual's email address")
        .build()
        .unwrap();
    let request = EnrichRequest::from_lead(&json!({"name": "Mara Quill"}), schema)
        .unwrap()
        .tier(Tier::Low);

    // Options reach the body and pick the path; the answer's status and headers are there.
    answer(
        &script,
        vec![json_answer(
            200,
            json!({"task_id": "pi-1", "status": "pending"}),
        )],
    );
    let options = RequestOptions::new()
        .tier(Tier::High)
        .max_iterations(4)
        .webhook_url("https://hooks.example/done")
        .endpoint(Endpoint::PeopleIntelligence);
    let submitted = client
        .with_options(options)
        .submit_response(&request)
        .await
        .unwrap();
    assert_eq!(submitted.status(), 200);
    assert_eq!(submitted.headers()["x-request-id"], "req-42");
    assert_eq!(submitted.as_str(), "pi-1");
    let (method, path, body) = script.lock().unwrap().seen.last().cloned().unwrap();
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("POST", "/people-intelligence-async")
    );
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        body,
        json!({
            "lead_info": {"name": "Mara Quill"},
            "struct": {"email": "The individual's email address"},
            "max_iterations": 4,
            "tier": "high",
            "webhook_url": "https://hooks.example/done"
        })
    );

    // Without options: the request's own tier, the enrich-lead path.
    client.submit(&request).await.unwrap();
    let (_, path, body) = script.lock().unwrap().seen.last().cloned().unwrap();
    assert_eq!(path, "/enrich-lead-async");
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["tier"],
        "low"
    );

    // Unreadable 2xx submit answers: a job may exist.
    for reply in [
        json_answer(200, json!({"task_id": 5, "status": "pending"})),
        json_answer(201, json!({"status": "pending"})),
        (200, "text/plain", b"accepted".to_vec()),
        json_answer(200, json!({"task_id": "two words"})),
    ] {
        answer(&script, vec![reply]);
        let err = client.submit(&request).await.unwrap_err();
        assert!(err.is_maybe_submitted(), "{err:?}");
    }
    // Refusals: no job, and the classification says which.
    for (status, account, definite) in [
        (400, false, true),
        (401, true, true),
        (402, true, true),
        (422, false, true),
        (429, false, false),
    ] {
        answer(&script, vec![json_answer(status, json!({"detail": "no"}))]);
        let err = client.submit(&request).await.unwrap_err();
        assert!(!err.is_maybe_submitted(), "{status}");
        assert_eq!(
            (err.is_account_level(), err.is_definite()),
            (account, definite),
            "{status}"
        );
    }
    // 5xx after sending a submit: ambiguous.
    answer(&script, vec![json_answer(500, json!({"detail": "oops"}))]);
    assert!(
        client
            .submit(&request)
            .await
            .unwrap_err()
            .is_maybe_submitted()
    );
}

#[tokio::test]
async fn the_untyped_result_is_cast_by_the_requests_types_and_keeps_the_raw_answer() {
    let (base, script) = fake().await;
    let client = client(&base);
    let schema = Schema::from_json(&json!({
        "employees": {"description": "Employees at the company", "type": "int"},
        "offices": {"description": "Offices by city", "type": "dict"},
        "public": {"description": "Listed on a stock exchange", "type": "bool"},
        "age": "Age of the company",
    }))
    .unwrap();
    // `age` takes its type from the lead: an int.
    let request =
        EnrichRequest::from_lead(&json!({"company": "Lanternfish Labs", "age": 7}), schema)
            .unwrap();
    let result = json!({
        "notes": "n",
        "structured_data": {"employees": "1,200", "offices": "{\"Portland\": 2}", "public": "No", "age": "12", "company": "Lanternfish Labs"},
        "confidence_score": 8
    });
    answer(
        &script,
        vec![
            json_answer(200, json!({"task_id": "t-7", "status": "pending"})),
            json_answer(200, json!({"status": "completed", "result": result})),
        ],
    );
    let enrichment = client.enrich_raw(&request).await.unwrap();
    assert_eq!(enrichment.task_id.as_ref().map(TaskId::as_str), Some("t-7"));
    assert_eq!(
        Value::Object(enrichment.data.clone()),
        json!({"employees": 1200, "offices": {"Portland": 2}, "public": false, "age": 12, "company": "Lanternfish Labs"})
    );
    assert!(enrichment.cast_errors.is_empty());
    assert_eq!(enrichment.result.structured_data["employees"], "1,200");
    assert_eq!(enrichment.result.confidence_score, Some(8.0));

    // The sync endpoint gives the same, from one answer.
    answer(&script, vec![json_answer(200, result.clone())]);
    let sync = client.enrich_sync_response(&request).await.unwrap();
    assert_eq!(sync.status(), 200);
    assert_eq!(sync.data, enrichment.data);
    let (_, path, _) = script.lock().unwrap().seen.last().cloned().unwrap();
    assert_eq!(path, "/enrich-lead");
}

#[allow(dead_code)]
#[derive(Debug, serde::Deserialize, Enrich)]
struct Company {
    /// Employees at the company
    employees: u32,
    /// Listed on a stock exchange
    public: bool,
}

#[tokio::test]
async fn a_typed_call_whose_answer_does_not_fit_keeps_the_task_id_and_the_answer() {
    let (base, script) = fake().await;
    let client = client(&base);
    let result =
        json!({"notes": "paid for", "structured_data": {"employees": "lots", "public": "maybe"}});
    answer(
        &script,
        vec![
            json_answer(200, json!({"task_id": "t-9", "status": "pending"})),
            json_answer(200, json!({"status": "completed", "result": result})),
        ],
    );
    let err = client
        .enrich::<Company>(&json!({"company": "Lanternfish Labs"}))
        .await
        .unwrap_err();
    let Error::Cast {
        task_id,
        result: kept,
        source,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(task_id.as_ref().map(TaskId::as_str), Some("t-9"));
    assert_eq!(kept.notes, "paid for");
    assert_eq!(kept.structured_data["employees"], "lots");
    assert_eq!(source.issues.len(), 2);
    assert_eq!(err.task_id().map(TaskId::as_str), Some("t-9"));
    assert!(err.to_string().contains("job t-9"), "{err}");

    // The same through the sync endpoint (no task id there).
    answer(&script, vec![json_answer(200, result)]);
    let err = client
        .enrich_sync::<Company>(&json!({"company": "Lanternfish Labs"}))
        .await
        .unwrap_err();
    assert_eq!(err.result().map(|r| r.notes.as_str()), Some("paid for"));
}
