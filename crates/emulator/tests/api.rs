//! The emulator over real HTTP on 127.0.0.1: every status code and body shape, the job life
//! cycle, determinism, the reference's casting examples, directory matching, rate limits,
//! every fault kind, scripts, the control surface, expiry and webhooks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sixtyfour_emulator::{Directory, Emulator, EmulatorHandle, Endpoint, Faults, Latency, Outcome};
use sixtyfour_protocol::{
    ErrorBody, JobState, JobStatusBody, Submitted, TaskId, WebhookEvent, event_id, signature,
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn emulator(latency_ms: u64) -> EmulatorHandle {
    Emulator::builder()
        .latency(Latency::Fixed(ms(latency_ms)))
        .spawn()
        .await
        .unwrap()
}

struct Api {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl Api {
    fn new(emulator: &EmulatorHandle) -> Self {
        Api {
            http: reqwest::Client::new(),
            base: emulator.base_url(),
            key: emulator.api_key().to_owned(),
        }
    }

    async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("x-api-key", &self.key)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn status(&self, task_id: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{}/job-status/{task_id}", self.base))
            .header("x-api-key", &self.key)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A control-surface request (no API key): GET without a body, POST with one
    /// (`Value::Null` for an empty POST).
    async fn control(&self, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let url = format!("{}/_emulator{path}", self.base);
        let request = match body {
            None => self.http.get(url),
            Some(Value::Null) => self.http.post(url),
            Some(body) => self.http.post(url).json(&body),
        };
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn wait(&self, task_id: &str) -> Value {
        wait_for(&format!("job {task_id} to finish"), || async move {
            let (_, body) = self.status(task_id).await;
            (body["status"] == "completed" || body["status"] == "failed").then_some(body)
        })
        .await
    }

    async fn post_raw(
        &self,
        path: &str,
        content_type: Option<&str>,
        body: &str,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("x-api-key", &self.key)
            .body(body.to_owned());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn enrich(&self, body: &Value) -> Value {
        let (status, submitted) = self.post("/enrich-lead-async", body).await;
        assert_eq!(status, StatusCode::OK, "{submitted}");
        let done = self.wait(submitted["task_id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "completed", "{done}");
        done["result"].clone()
    }
}

/// Polls `check` every 10 ms until it yields a value; panics after 30 s (a generous bound: the
/// wait ends as soon as the state is observed).
async fn wait_for<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(ms(10)).await;
    }
}

fn reference_struct() -> Value {
    json!({
        "name": "The individual's full name",
        "email": "The individual's email address",
        "phone": "The individual's phone number",
        "company": "The company the individual is associated with",
        "title": "The individual's job title",
        "linkedin": "LinkedIn URL for the person",
        "website": "Company website URL",
        "location": "The individual's location and/or company location",
        "industry": "Industry the person operates in",
        "github_url": "url for their github profile",
        "github_notes": "Take detailed notes on their github profile."
    })
}

#[tokio::test]
async fn authentication_is_required() {
    let emulator = emulator(0).await;
    let http = reqwest::Client::new();
    let url = format!("{}/enrich-lead-async", emulator.base_url());
    let body = json!({"lead_info": {"name": "A"}, "struct": {"email": "Email"}});
    let missing = http.post(&url).json(&body).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    let missing: Value = missing.json().await.unwrap();
    assert_eq!(missing["error"], "Unauthorized");
    assert!(missing["message"].as_str().unwrap().contains("x-api-key"));
    let wrong = http
        .post(&url)
        .header("x-api-key", "nope")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let status = http
        .get(format!("{}/job-status/x", emulator.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), StatusCode::UNAUTHORIZED);
    let stats = emulator.stats();
    assert_eq!(stats.unauthorized, 3);
    assert_eq!(stats.jobs_created, 0);
}

#[tokio::test]
async fn bad_requests_name_the_problem() {
    let emulator = emulator(0).await;
    let api = Api::new(&emulator);
    let cases = [
        (json!([1]), "must be a JSON object"),
        (json!({"struct": {"a": "b"}}), "`lead_info` is required"),
        (
            json!({"lead_info": "Ada", "struct": {"a": "b"}}),
            "`lead_info` must be an object",
        ),
        (
            json!({"lead_info": {}, "struct": {"a": "b"}}),
            "Invalid lead information: the lead has no facts",
        ),
        (
            json!({"lead_info": {"name": "  "}, "struct": {"a": "b"}}),
            "Invalid lead information",
        ),
        (
            json!({"lead_info": {"name": "Ada"}}),
            "`struct` is required",
        ),
        (
            json!({"lead_info": {"name": "Ada"}, "struct": ["email"]}),
            "the struct must be a JSON object",
        ),
        (
            json!({"lead_info": {"name": "Ada"}, "struct": {}}),
            "`struct` is empty",
        ),
        (
            json!({"lead_info": {"name": "Ada"}, "struct": {"age": {"type": "number"}}}),
            "field `age`: unknown type `number`",
        ),
        (
            json!({"lead_info": {"name": "Ada"}, "struct": {"a": "b"}, "research_plan": 5}),
            "`research_plan`: invalid type",
        ),
        (
            json!({"lead_info": {"name": "Ada"}, "struct": {"a": "b"}, "tier": "ultra"}),
            "unknown tier `ultra`: expected one of low, medium, high, xhigh",
        ),
        (
            json!({"lead_info": {"name": "Ada"}, "struct": {"a": "b"}, "max_iterations": 0}),
            "`max_iterations` must be at least 1",
        ),
        (
            json!({"lead_info": {"name": "Ada"}, "struct": {"a": "b"}, "max_iterations": -1}),
            "`max_iterations`: invalid value",
        ),
        (
            json!({"lead_info": {"name": "Ada"}, "struct": {"a": "b"}, "max_iterations": "3"}),
            "`max_iterations`: invalid type",
        ),
        (
            json!({"lead_info": {"name": "Ada"}, "struct": {"a": "b"}, "webhook_url": "ftp://hooks.example/x"}),
            "`webhook_url` must be an http:// or https:// URL",
        ),
        (
            json!({"lead_info": {"name": "Ada"}, "struct": {"a": "b"}, "webhook_url": 7}),
            "`webhook_url`: invalid type",
        ),
    ];
    for (body, expected) in cases {
        for path in [
            "/enrich-lead-async",
            "/enrich-lead",
            "/people-intelligence-async",
        ] {
            let (status, answer) = api.post(path, &body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            let parsed: ErrorBody = serde_json::from_value(answer.clone()).unwrap();
            assert!(matches!(parsed, ErrorBody::Message { .. }), "{answer}");
            assert_eq!(answer["error"], "Bad Request");
            let message = answer["message"].as_str().unwrap();
            assert!(
                message.contains(expected),
                "{message} should contain {expected}"
            );
        }
    }
    let (_, unknown_type) = api
        .post(
            "/enrich-lead-async",
            &json!({"lead_info": {"n": 1}, "struct": {"age": {"type": "number"}}}),
        )
        .await;
    assert!(
        unknown_type["message"]
            .as_str()
            .unwrap()
            .contains("\"list[bool]\"")
    );

    let good = r#"{"lead_info": {"name": "Ada"}, "struct": {"email": "Email"}}"#;
    let (status, raw) = api
        .post_raw("/enrich-lead-async", Some("application/json"), "{not json")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(raw["message"].as_str().unwrap().contains("not valid JSON"));
    // The content type must say JSON, whatever the body.
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let (status, answer) = api.post_raw("/enrich-lead-async", content_type, good).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{content_type:?}");
        assert_eq!(
            answer,
            json!({"error": "Bad Request", "message": "Content-Type must be application/json"})
        );
    }
    let (status, _) = api
        .post_raw(
            "/enrich-lead-async",
            Some("application/json; charset=utf-8"),
            good,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    emulator.reset();

    let huge = json!({"lead_info": {"name": "x".repeat(1 << 20)}, "struct": {"a": "b"}});
    let (status, answer) = api.post("/enrich-lead-async", &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer["error"], "Payload Too Large");

    let (status, answer) = api.status("no-such-task").await;
    assert_eq!(
        (status, answer),
        (StatusCode::NOT_FOUND, json!({"detail": "Job not found"}))
    );

    // Error bodies are JSON in the reference's shapes on every path, even odd ones.
    let odd = [
        (
            "GET",
            "/nowhere",
            StatusCode::NOT_FOUND,
            json!({"detail": "Not Found"}),
        ),
        (
            "GET",
            "/job-status/",
            StatusCode::NOT_FOUND,
            json!({"detail": "Not Found"}),
        ),
        (
            "GET",
            "/job-status/a/b",
            StatusCode::NOT_FOUND,
            json!({"detail": "Not Found"}),
        ),
        (
            "GET",
            "/job-status/%FF%FE",
            StatusCode::NOT_FOUND,
            json!({"detail": "Job not found"}),
        ),
        (
            "GET",
            "/enrich-lead",
            StatusCode::METHOD_NOT_ALLOWED,
            json!({"detail": "Method Not Allowed"}),
        ),
        (
            "DELETE",
            "/job-status/x",
            StatusCode::METHOD_NOT_ALLOWED,
            json!({"detail": "Method Not Allowed"}),
        ),
    ];
    for (method, path, status, body) in odd {
        let response = api
            .http
            .request(method.parse().unwrap(), format!("{}{path}", api.base))
            .header("x-api-key", &api.key)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{method} {path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "{method} {path}"
        );
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            body,
            "{method} {path}"
        );
    }

    assert_eq!(emulator.stats().jobs_created, 0);
    assert_eq!(emulator.stats().total_submits(), 0);
}

#[tokio::test]
async fn without_progress_a_job_is_pending_until_it_ends() {
    // 1.2 s of latency, polled every 50 ms: never `processing`, never a count, then the answer.
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(ms(1_200)))
        .progress(false)
        .spawn()
        .await
        .unwrap();
    let api = Api::new(&emulator);
    let body = json!({"lead_info": {"email": "rafael.nunez@lanternfish.example"}, "struct": reference_struct()});
    let (status, submitted) = api.post("/enrich-lead-async", &body).await;
    assert_eq!(status, StatusCode::OK);
    let submitted: Submitted = serde_json::from_value(submitted).unwrap();
    let task_id = submitted.task_id.to_string();
    let submitted_at = std::time::Instant::now();
    let pending = json!({"status": "pending", "processed_items": 0, "total_items": 0, "task_type": "enrich_lead"});
    let mut last_pending = None;
    let done = loop {
        let asked = submitted_at.elapsed();
        let (_, body) = api.status(&task_id).await;
        if body["status"] == "completed" {
            break body;
        }
        assert_eq!(body, pending);
        last_pending = Some(asked);
        assert!(asked < Duration::from_secs(60), "the job never ended");
        tokio::time::sleep(ms(50)).await;
    };
    // Still pending past the half of its latency, where a job with progress is processing.
    let last_pending = last_pending.expect("seen pending");
    assert!(last_pending > ms(600), "{last_pending:?}");
    assert_eq!(done["result"]["structured_data"]["name"], "Rafael Núñez");
}

#[tokio::test]
async fn jobs_go_pending_processing_completed() {
    // 4 s of latency: pending for the first 2 s (the first poll is made well inside them),
    // then processing with progress, then completed. Each later step is awaited as observed.
    let emulator = emulator(4_000).await;
    let api = Api::new(&emulator);
    let body = json!({"lead_info": {"email": "rafael.nunez@lanternfish.example"}, "struct": reference_struct()});
    let (status, submitted) = api.post("/enrich-lead-async", &body).await;
    assert_eq!(status, StatusCode::OK);
    let submitted: Submitted = serde_json::from_value(submitted).unwrap();
    assert_eq!(submitted.status, JobState::Pending);
    let task_id = submitted.task_id.to_string();
    assert_eq!(task_id.len(), 36);

    let (_, first) = api.status(&task_id).await;
    assert_eq!(
        first,
        json!({"status": "pending", "processed_items": 0, "total_items": 0, "task_type": "enrich_lead"})
    );
    assert_eq!(emulator.stats().in_flight, 1);
    // Processing: progress over the 11 fields asked for, never going back.
    let seen = &std::cell::RefCell::new(Vec::new());
    let polls = &std::cell::Cell::new(1u64);
    let (api, task_id) = (&api, task_id.as_str());
    let done = wait_for("the job to complete", || async move {
        polls.set(polls.get() + 1);
        let (_, body) = api.status(task_id).await;
        let parsed: JobStatusBody = serde_json::from_value(body.clone()).unwrap();
        match parsed.status {
            JobState::Processing => {
                assert_eq!(parsed.total_items, Some(11), "{body}");
                seen.borrow_mut().push(parsed.processed_items.unwrap());
                None
            }
            JobState::Completed => Some(body),
            JobState::Pending => {
                assert!(seen.borrow().is_empty(), "pending after processing: {body}");
                None
            }
            other => panic!("unexpected state {other}: {body}"),
        }
    })
    .await;
    let seen = seen.borrow();
    assert!(!seen.is_empty(), "the job was never seen processing");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert!(seen.iter().all(|n| *n < 11), "{seen:?}");
    assert_eq!(done["status"], "completed");
    assert_eq!(done["task_type"], "enrich_lead");
    let result = &done["result"];
    assert_eq!(result["findings"], json!([]));
    let data = result["structured_data"].as_object().unwrap();
    let keys: Vec<&str> = data.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "name",
            "email",
            "phone",
            "company",
            "title",
            "linkedin",
            "website",
            "location",
            "industry",
            "github_url",
            "github_notes",
        ]
    );
    assert_eq!(data["name"], "Rafael Núñez");
    assert_eq!(data["title"], "CEO & Co-Founder");
    assert_eq!(data["company"], "Lanternfish Labs");
    assert_eq!(data["github_url"], "");
    // Matched by email, 9 of 11 fields found (no GitHub): 10 x 1.0 x (0.4 + 0.6 x 9/11).
    assert_eq!(result["confidence_score"], json!(8.9));
    assert!(
        result["notes"]
            .as_str()
            .unwrap()
            .contains("Matched by email address")
    );
    assert!(
        result["references"]
            .as_object()
            .unwrap()
            .contains_key("https://www.linkedin.example/in/rafaelnunez")
    );

    let stats = emulator.stats();
    assert_eq!(stats.submits.enrich_lead_async, 1);
    assert_eq!(stats.jobs_created, 1);
    assert_eq!(stats.jobs_completed, 1);
    assert_eq!(stats.status_polls, polls.get());
    assert_eq!(stats.in_flight, 0);
    assert_eq!(stats.max_in_flight, 1);
}

#[tokio::test]
async fn sync_endpoint_and_aliases_answer_when_done() {
    let emulator = emulator(20).await;
    let api = Api::new(&emulator);
    let body = json!({"lead_info": {"linkedin": "linkedin.example/in/rafaelnunez/"}, "struct": {"email": "Email"}, "research_plan": "Check LinkedIn."});
    let (status, sync) = api.post("/enrich-lead", &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        sync["structured_data"]["email"],
        "rafael.nunez@lanternfish.example"
    );
    let (status, people) = api.post("/people-intelligence", &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(people, sync);
    let (status, submitted) = api.post("/people-intelligence-async", &body).await;
    assert_eq!(status, StatusCode::OK);
    let done = api.wait(submitted["task_id"].as_str().unwrap()).await;
    assert_eq!(done["result"], sync);
    let submits = emulator.stats().submits;
    assert_eq!(
        (
            submits.enrich_lead,
            submits.people_intelligence,
            submits.people_intelligence_async
        ),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn same_request_same_answer() {
    let first = Emulator::builder()
        .seed(9)
        .fixed_ids(true)
        .latency(Latency::Range(ms(1), ms(5)))
        .spawn()
        .await
        .unwrap();
    let second = Emulator::builder()
        .seed(9)
        .fixed_ids(true)
        .latency(Latency::Range(ms(1), ms(5)))
        .spawn()
        .await
        .unwrap();
    let body = json!({"lead_info": {"name": "rafael nunez", "company": "LANTERNFISH LABS"}, "struct": reference_struct()});
    let a = Api::new(&first);
    let b = Api::new(&second);
    let (_, task_a) = a.post("/enrich-lead-async", &body).await;
    let (_, task_b) = b.post("/enrich-lead-async", &body).await;
    assert_eq!(task_a["task_id"], task_b["task_id"]);
    let answer = a.wait(task_a["task_id"].as_str().unwrap()).await;
    assert_eq!(answer, b.wait(task_b["task_id"].as_str().unwrap()).await);
    assert_eq!(a.enrich(&body).await, answer["result"]);
    assert!(
        answer["result"]["notes"]
            .as_str()
            .unwrap()
            .contains("Matched by name and company")
    );
}

fn custom_directory() -> Directory {
    Directory::from_jsonl(concat!(
        r#"{"name": "Ada Quill", "company": "Lanternfish", "email": "ada@lanternfish.example", "location": "New York", "age": "30", "is_verified": "Yes", "score": "95.5", "active": "False", "count": "42", "skills": "[\"Rust\", \"SQL\"]", "job_title": "CTO", "sources": {"https://lanternfish.example/team": "Team page"}}"#,
        "\n",
        r#"{"name": "Bo Brandt", "company": "Kestrel", "linkedin": "https://www.linkedin.example/in/bo", "github_url": "https://github.example/bo", "github_notes": "Writes Go.", "title": "Head of Sales", "website": "https://kestrel.example"}"#,
    ))
    .unwrap()
}

async fn custom_emulator() -> EmulatorHandle {
    Emulator::builder()
        .latency(Latency::Fixed(ms(1)))
        .directory(custom_directory())
        .spawn()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_reference_casting_examples() {
    let emulator = custom_emulator().await;
    let api = Api::new(&emulator);

    // Type override: the explicit str wins over the input's int; is_active passes through.
    let result = api
        .enrich(&json!({
            "lead_info": {"age": 30, "is_active": true},
            "struct": {"age": {"type": "str"}, "location": "Current location"}
        }))
        .await;
    assert_eq!(result["structured_data"]["age"], "30");
    assert_eq!(result["structured_data"]["is_active"], true);
    assert_eq!(
        result["structured_data"]["location"], "",
        "an unknown lead: nothing found"
    );

    // The same with a lead the directory knows: the reference's exact output.
    let result = api
        .enrich(&json!({
            "lead_info": {"email": "ada@lanternfish.example", "age": 30, "is_active": true},
            "struct": {"age": {"type": "str"}, "location": "Current location"}
        }))
        .await;
    assert_eq!(
        result["structured_data"],
        json!({"age": "30", "location": "New York", "email": "ada@lanternfish.example", "is_active": true})
    );

    // Explicit type definitions.
    let result = api
        .enrich(&json!({
            "lead_info": {"email": "ada@lanternfish.example"},
            "struct": {
                "age": {"description": "Person's age", "type": "int"},
                "is_verified": {"description": "Status", "type": "bool"}
            }
        }))
        .await;
    assert_eq!(result["structured_data"]["age"], json!(30));
    assert_eq!(result["structured_data"]["is_verified"], json!(true));

    // Inference from example values.
    let result = api
        .enrich(&json!({
            "lead_info": {"email": "ada@lanternfish.example"},
            "struct": {"score": 95.5, "active": false, "count": 42, "skills": ["x"]}
        }))
        .await;
    let data = &result["structured_data"];
    assert_eq!(
        (&data["score"], &data["active"], &data["count"]),
        (&json!(95.5), &json!(false), &json!(42))
    );
    assert!(data["score"].is_f64());
    assert_eq!(data["skills"], json!(["Rust", "SQL"]));
}

#[tokio::test]
async fn matching_aliases_and_keywords() {
    let emulator = custom_emulator().await;
    let api = Api::new(&emulator);
    let fields = json!({
        "work_email": "Where to write to them",
        "position": "What they do",
        "profile": "Take detailed notes on their GitHub profile",
        "home": "Their company's homepage",
        "gh": "URL of their GitHub",
        "dept": "Something nobody knows",
        "age": {"type": "int"}
    });
    let by_github = api
        .enrich(&json!({"lead_info": {"github": "http://github.example/BO/"}, "struct": fields}))
        .await;
    let data = &by_github["structured_data"];
    assert_eq!(data["position"], "Head of Sales");
    assert_eq!(data["profile"], "Writes Go.");
    assert_eq!(data["home"], "https://kestrel.example");
    assert_eq!(data["gh"], "https://github.example/bo");
    assert_eq!(data["dept"], "");
    assert_eq!(data["age"], Value::Null);
    assert_eq!(data["work_email"], "");
    assert!(
        by_github["notes"]
            .as_str()
            .unwrap()
            .contains("Matched by GitHub URL")
    );
    assert!(
        by_github["notes"]
            .as_str()
            .unwrap()
            .contains("Not found: work_email, dept, age")
    );
    assert_eq!(by_github["references"].as_object().unwrap().len(), 3);

    let by_linkedin = api.enrich(&json!({"lead_info": {"linkedin_url": "LINKEDIN.example/in/bo"}, "struct": {"email_address": "Email"}})).await;
    assert!(
        by_linkedin["notes"]
            .as_str()
            .unwrap()
            .contains("LinkedIn URL")
    );

    let ada = api.enrich(&json!({"lead_info": {"name": " ADA  quill", "company_name": "lanternfish"}, "struct": {"job_title": "Title", "email_address": "Email"}})).await;
    assert_eq!(ada["structured_data"]["job_title"], "CTO");
    assert_eq!(
        ada["structured_data"]["email_address"],
        "ada@lanternfish.example"
    );

    let nobody = api.enrich(&json!({"lead_info": {"name": "Nobody Atall"}, "struct": {"email": "Email", "age": {"type": "int"}}})).await;
    assert_eq!(
        nobody["structured_data"],
        json!({"email": "", "age": null, "name": "Nobody Atall"})
    );
    assert_eq!(nobody["confidence_score"], json!(0.5));
    assert!(
        nobody["notes"]
            .as_str()
            .unwrap()
            .starts_with("No public profile matched")
    );
    assert_eq!(nobody["references"], json!({}));
    assert!(
        ada["confidence_score"].as_f64().unwrap() > nobody["confidence_score"].as_f64().unwrap()
    );
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    // 5 per minute, a real minute: the sixth request of a burst is refused whatever the pace
    // of the machine (refilling is tested with a simulated clock in the limiter's own tests).
    let emulator = Emulator::builder()
        .rate_limit(Some(5))
        .latency(Latency::Fixed(ms(0)))
        .spawn()
        .await
        .unwrap();
    let api = Api::new(&emulator);
    for _ in 0..5 {
        assert_eq!(api.status("x").await.0, StatusCode::NOT_FOUND);
    }
    let limited = api
        .http
        .get(format!("{}/job-status/x", api.base))
        .header("x-api-key", &api.key)
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    // One token every 12 s; Retry-After in whole seconds, and no other, undocumented header.
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=12).contains(&retry_after), "{retry_after}");
    assert!(limited.headers().get("retry-after-ms").is_none());
    let body: ErrorBody = limited.json().await.unwrap();
    assert_eq!(
        body,
        ErrorBody::new(
            "Too Many Requests",
            "Rate limit exceeded for this API key; wait before retrying"
        )
    );
    assert!(!body.is_active_job_limit());
    // Submits share the budget.
    let (status, _) = api
        .post(
            "/enrich-lead-async",
            &json!({"lead_info": {"name": "A"}, "struct": {"e": "E"}}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let stats = emulator.stats();
    assert_eq!((stats.rate_limited, stats.jobs_created), (2, 0));
}

#[tokio::test]
async fn a_time_scale_of_zero_is_refused() {
    for scale in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let err = Emulator::builder()
            .time_scale(scale)
            .spawn()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("time scale"), "{err}");
    }
    assert!(Emulator::builder().time_scale(0.001).spawn().await.is_ok());
}

#[tokio::test]
async fn every_fault_kind() {
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(ms(5)))
        .faults(Faults {
            slow_ms: 10_000,
            ..Faults::default()
        })
        .spawn()
        .await
        .unwrap();
    let api = Api::new(&emulator);
    let body = json!({"lead_info": {"email": "rafael.nunez@lanternfish.example"}, "struct": {"title": "Title"}});

    emulator.script(
        Endpoint::Submit,
        [Outcome::Error500, Outcome::Error503, Outcome::RateLimit],
    );
    assert_eq!(
        api.post("/enrich-lead-async", &body).await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        api.post("/enrich-lead-async", &body).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        api.post("/enrich-lead-async", &body).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(emulator.stats().jobs_created, 0);

    // The ambiguous one: the job exists although the answer is 500.
    emulator.script(Endpoint::Submit, [Outcome::AmbiguousSubmit]);
    let (status, answer) = api.post("/enrich-lead-async", &body).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(answer["error"], "Internal Server Error");
    assert_eq!(emulator.stats().jobs_created, 1);

    // A reset: headers arrive, the body never does; the job was created.
    emulator.script(Endpoint::Submit, [Outcome::Reset]);
    let response = api
        .http
        .post(format!("{}/enrich-lead-async", api.base))
        .header("x-api-key", &api.key)
        .json(&body)
        .send()
        .await;
    let failed = match response {
        Ok(response) => response.bytes().await.is_err(),
        Err(_) => true,
    };
    assert!(failed, "a reset must fail the request");
    assert_eq!(emulator.stats().jobs_created, 2);

    // Slow: held 10 s, past a client's 1 s timeout.
    emulator.script(Endpoint::Status, [Outcome::Slow]);
    let slow = api
        .http
        .get(format!("{}/job-status/x", api.base))
        .header("x-api-key", &api.key)
        .timeout(Duration::from_secs(1))
        .send()
        .await;
    assert!(slow.unwrap_err().is_timeout());

    // A job that fails.
    emulator.script(Endpoint::Submit, [Outcome::JobFailure]);
    let (_, submitted) = api.post("/enrich-lead-async", &body).await;
    let done = api.wait(submitted["task_id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "failed");
    assert!(done["error"].as_str().unwrap().contains("failed"));
    emulator.script(Endpoint::Sync, [Outcome::JobFailure]);
    assert_eq!(
        api.post("/enrich-lead", &body).await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );

    let faults = emulator.stats().faults;
    assert_eq!(
        (
            faults.error_500,
            faults.error_503,
            faults.rate_limit,
            faults.ambiguous_submit,
            faults.reset,
            faults.slow,
            faults.job_failure
        ),
        (1, 1, 1, 1, 1, 1, 2)
    );

    // The account-level refusals and the 422 list, each in the reference's shape; no job.
    let jobs_before = emulator.stats().jobs_created;
    emulator.script(
        Endpoint::Submit,
        [
            Outcome::PaymentRequired,
            Outcome::Forbidden,
            Outcome::Unprocessable,
            Outcome::ActiveJobLimit,
        ],
    );
    let (status, answer) = api.post("/enrich-lead-async", &body).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(answer["error"], "Payment Required");
    let (status, answer) = api.post("/enrich-lead-async", &body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(answer["error"], "Forbidden");
    let (status, answer) = api.post("/enrich-lead-async", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer,
        json!({"detail": [{"loc": ["body", "lead_info"], "msg": "Field required", "type": "missing"}]})
    );
    let limited = api
        .http
        .post(format!("{}/enrich-lead-async", api.base))
        .header("x-api-key", &api.key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().get("retry-after").is_none());
    assert!(
        limited
            .json::<ErrorBody>()
            .await
            .unwrap()
            .is_active_job_limit()
    );
    assert_eq!(emulator.stats().jobs_created, jobs_before);

    // Probabilities: always 503 on polls, never on submits.
    emulator
        .set_faults(Faults {
            error_503: 1.0,
            ..Faults::default()
        })
        .unwrap();
    for _ in 0..5 {
        assert_eq!(api.status("x").await.0, StatusCode::SERVICE_UNAVAILABLE);
    }
    let faults = emulator.stats().faults;
    assert_eq!(
        (
            faults.payment_required,
            faults.forbidden,
            faults.unprocessable,
            faults.active_job_limit,
            faults.error_503
        ),
        (1, 1, 1, 1, 6)
    );
    assert!(
        emulator
            .set_faults(Faults {
                error_503: 2.0,
                ..Faults::default()
            })
            .is_err()
    );
}

#[tokio::test]
async fn random_faults_follow_their_probability_and_seed() {
    let run = |seed| async move {
        let emulator = Emulator::builder()
            .seed(seed)
            .faults(Faults {
                error_500: 0.3,
                ..Faults::default()
            })
            .spawn()
            .await
            .unwrap();
        let api = Api::new(&emulator);
        let mut codes = Vec::new();
        for _ in 0..200 {
            codes.push(api.status("x").await.0.as_u16());
        }
        codes
    };
    let first = run(5).await;
    assert_eq!(first, run(5).await);
    let errors = first.iter().filter(|c| **c == 500).count();
    assert!((35..=85).contains(&errors), "{errors} of 200");
}

#[tokio::test]
async fn control_surface_over_http() {
    let emulator = emulator(0).await;
    let api = Api::new(&emulator);
    let (_, faults) = api.control("/faults", None).await;
    assert_eq!(faults["error_500"], 0.0);
    let (status, _) = api
        .control("/faults", Some(json!({"error_500": 1.0})))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(api.status("x").await.0, StatusCode::INTERNAL_SERVER_ERROR);
    let (status, _) = api
        .control("/faults", Some(json!({"error_501": 1.0})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, _) = api.control("/reset", Some(Value::Null)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(api.status("x").await.0, StatusCode::NOT_FOUND);

    let script = json!({"endpoint": "status", "outcomes": ["503", "500", "ok"]});
    let (_, queued) = api.control("/script", Some(script)).await;
    assert_eq!(queued, json!({"queued": 3}));
    let codes = [
        api.status("x").await.0,
        api.status("x").await.0,
        api.status("x").await.0,
    ];
    assert_eq!(
        codes,
        [
            StatusCode::SERVICE_UNAVAILABLE,
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::NOT_FOUND
        ]
    );
    let teapot = json!({"endpoint": "status", "outcomes": ["teapot"]});
    let (status, _) = api.control("/script", Some(teapot)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (_, stats) = api.control("/stats", None).await;
    assert_eq!(stats["status_polls"], 4);
    assert_eq!(stats["faults"]["error_503"], 1);
    assert_eq!(stats["faults"]["error_500"], 1);
    assert_eq!(stats["not_found"], 2);

    // Every short name a script accepts, over HTTP, with the status each one answers.
    let named = [
        ("402", StatusCode::PAYMENT_REQUIRED),
        ("403", StatusCode::FORBIDDEN),
        ("422", StatusCode::UNPROCESSABLE_ENTITY),
        ("429", StatusCode::TOO_MANY_REQUESTS),
        ("429-active", StatusCode::TOO_MANY_REQUESTS),
        ("fail", StatusCode::OK),
        ("ambiguous", StatusCode::INTERNAL_SERVER_ERROR),
    ];
    let outcomes: Vec<&str> = named.iter().map(|(name, _)| *name).collect();
    let (_, queued) = api
        .control(
            "/script",
            Some(json!({"endpoint": "submit", "outcomes": outcomes})),
        )
        .await;
    assert_eq!(queued, json!({"queued": named.len()}));
    let lead = json!({"lead_info": {"name": "Ada"}, "struct": {"email": "Email"}});
    let mut failing = None;
    for (name, status) in named {
        let (got, answer) = api.post("/enrich-lead-async", &lead).await;
        assert_eq!(got, status, "{name}: {answer}");
        if name == "fail" {
            failing = answer["task_id"].as_str().map(str::to_owned);
        }
    }
    let failed = api.wait(&failing.unwrap()).await;
    assert_eq!(failed["status"], "failed");
}

#[tokio::test]
async fn finished_jobs_expire_and_the_store_has_a_cap() {
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(ms(0)))
        .job_ttl(Duration::from_secs(3))
        .max_jobs(2)
        .spawn()
        .await
        .unwrap();
    let api = Api::new(&emulator);
    let body = json!({"lead_info": {"name": "A"}, "struct": {"email": "Email"}});
    let (_, first) = api.post("/enrich-lead-async", &body).await;
    let first = first["task_id"].as_str().unwrap().to_owned();
    assert_eq!(api.status(&first).await.1["status"], "completed");
    wait_for("the finished job to expire", || {
        let (api, first) = (&api, first.as_str());
        async move { (api.status(first).await.0 == StatusCode::NOT_FOUND).then_some(()) }
    })
    .await;
    assert_eq!(emulator.stats().jobs_expired, 1);

    let slow = Emulator::builder()
        .latency(Latency::Fixed(Duration::from_secs(600)))
        .max_jobs(2)
        .spawn()
        .await
        .unwrap();
    let api = Api::new(&slow);
    assert_eq!(
        api.post("/enrich-lead-async", &body).await.0,
        StatusCode::OK
    );
    assert_eq!(
        api.post("/enrich-lead-async", &body).await.0,
        StatusCode::OK
    );
    let (status, full) = api.post("/enrich-lead-async", &body).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(full["error"], "Service Unavailable");
    assert!(full["message"].as_str().unwrap().contains("Too many jobs"));
    assert_eq!(slow.job_count(), 2);
}

#[tokio::test]
async fn memory_is_bounded_by_bytes_oldest_finished_first() {
    // Room for about four results of this size.
    let lead = |i: usize| json!({"lead_info": {"name": format!("Lead {i}"), "bio": "x".repeat(20_000)}, "struct": {"email": "Email"}});
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(ms(0)))
        .max_bytes(90_000)
        .spawn()
        .await
        .unwrap();
    let api = Api::new(&emulator);
    let mut ids = Vec::new();
    for i in 0..10 {
        let (status, submitted) = api.post("/enrich-lead-async", &lead(i)).await;
        assert_eq!(status, StatusCode::OK, "{submitted}");
        ids.push(submitted["task_id"].as_str().unwrap().to_owned());
    }
    let stats = emulator.stats();
    assert_eq!(stats.max_bytes, 90_000);
    assert!(stats.bytes_held <= 90_000, "{stats:?}");
    assert!(stats.bytes_held > 60_000, "{stats:?}");
    assert_eq!(stats.jobs_evicted + stats.jobs_held, 10, "{stats:?}");
    assert!(stats.jobs_evicted >= 5, "{stats:?}");
    // The oldest went first: the newest is there, the first is gone.
    assert_eq!(api.status(&ids[9]).await.0, StatusCode::OK);
    assert_eq!(api.status(&ids[0]).await.0, StatusCode::NOT_FOUND);
    let (_, over_http) = api.control("/stats", None).await;
    assert_eq!(over_http["max_bytes"], 90_000);
    assert_eq!(over_http["jobs_evicted"], stats.jobs_evicted);

    // Running jobs cannot be evicted: a submit that cannot fit is refused with 503.
    let running = Emulator::builder()
        .latency(Latency::Fixed(Duration::from_secs(600)))
        .max_bytes(90_000)
        .spawn()
        .await
        .unwrap();
    let api = Api::new(&running);
    let mut refused = None;
    for i in 0..10 {
        let (status, answer) = api.post("/enrich-lead-async", &lead(i)).await;
        if status != StatusCode::OK {
            refused = Some((i, status, answer));
            break;
        }
    }
    let (at, status, answer) = refused.expect("the byte cap refuses a submit");
    assert!((3..=5).contains(&at), "refused at submit {at}");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer["error"], "Service Unavailable");
    assert_eq!(running.stats().jobs_evicted, 0);
}

#[tokio::test]
async fn the_active_job_limit_is_a_429_of_its_own() {
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(Duration::from_secs(600)))
        .max_active_jobs(Some(2))
        .spawn()
        .await
        .unwrap();
    let api = Api::new(&emulator);
    let body = json!({"lead_info": {"name": "A"}, "struct": {"email": "Email"}});
    for _ in 0..2 {
        assert_eq!(
            api.post("/enrich-lead-async", &body).await.0,
            StatusCode::OK
        );
    }
    let refused = api
        .http
        .post(format!("{}/enrich-lead-async", api.base))
        .header("x-api-key", &api.key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().get("retry-after").is_none());
    let body_of: ErrorBody = refused.json().await.unwrap();
    assert_eq!(body_of, ErrorBody::active_job_limit(2));
    // Polls are not limited by it.
    assert_eq!(api.status("x").await.0, StatusCode::NOT_FOUND);
    let stats = emulator.stats();
    assert_eq!(
        (
            stats.active_job_limited,
            stats.rate_limited,
            stats.jobs_created
        ),
        (1, 0, 2)
    );

    // Finished jobs free their place.
    let quick = Emulator::builder()
        .latency(Latency::Fixed(ms(0)))
        .max_active_jobs(Some(1))
        .spawn()
        .await
        .unwrap();
    let api = Api::new(&quick);
    for _ in 0..3 {
        assert_eq!(
            api.post("/enrich-lead-async", &body).await.0,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn task_ids_differ_across_emulators_unless_fixed() {
    let body = json!({"lead_info": {"name": "A"}, "struct": {"email": "Email"}});
    let mut ids = std::collections::HashSet::new();
    for _ in 0..3 {
        let emulator = Emulator::builder().seed(7).spawn().await.unwrap();
        let api = Api::new(&emulator);
        for _ in 0..5 {
            let (_, submitted) = api.post("/enrich-lead-async", &body).await;
            assert!(ids.insert(submitted["task_id"].as_str().unwrap().to_owned()));
        }
    }
    let fixed = |seed| async move {
        let emulator = Emulator::builder()
            .seed(seed)
            .fixed_ids(true)
            .spawn()
            .await
            .unwrap();
        let (_, submitted) = Api::new(&emulator)
            .post(
                "/enrich-lead-async",
                &json!({"lead_info": {"name": "A"}, "struct": {"email": "Email"}}),
            )
            .await;
        submitted["task_id"].as_str().unwrap().to_owned()
    };
    assert_eq!(fixed(7).await, fixed(7).await);
    assert_ne!(fixed(7).await, fixed(8).await);
}

#[tokio::test]
async fn the_job_log_lists_each_submit_with_its_lead() {
    let emulator = emulator(0).await;
    let api = Api::new(&emulator);
    let mut expected = Vec::new();
    for name in ["Ada", "Bo", "Cy"] {
        let lead = json!({"name": name});
        let (_, submitted) = api
            .post(
                "/enrich-lead-async",
                &json!({"lead_info": lead, "struct": {"email": "Email"}}),
            )
            .await;
        expected.push((submitted["task_id"].as_str().unwrap().to_owned(), lead));
    }
    // A refused submit is not in the log.
    api.post(
        "/enrich-lead-async",
        &json!({"lead_info": {}, "struct": {"e": "E"}}),
    )
    .await;
    let (_, sync) = api
        .post(
            "/enrich-lead",
            &json!({"lead_info": {"name": "Di"}, "struct": {"email": "Email"}}),
        )
        .await;
    assert!(sync["structured_data"].is_object());
    let jobs = emulator.jobs();
    assert_eq!(jobs.len(), 4);
    for (record, (task_id, lead)) in jobs.iter().zip(&expected) {
        assert_eq!(&record.task_id, task_id);
        assert_eq!(&Value::Object(record.lead_info.clone()), lead);
    }
    assert_eq!(jobs[3].lead_info["name"], "Di");
    let (_, over_http) = api.control("/jobs", None).await;
    assert_eq!(over_http["dropped"], 0);
    assert_eq!(over_http["jobs"][1]["task_id"], expected[1].0.as_str());
    assert_eq!(over_http["jobs"][1]["lead_info"], expected[1].1);
    emulator.reset();
    assert!(emulator.jobs().is_empty());
}

#[tokio::test]
async fn dict_fields_come_back_as_json_text_unless_asked_otherwise() {
    let directory = || {
        Directory::from_jsonl(r#"{"name": "Ada Quill", "company": "Lanternfish", "email": "ada@lanternfish.example", "social": {"x": "@ada", "github": "adaq"}}"#).unwrap()
    };
    let body = json!({"lead_info": {"email": "ada@lanternfish.example"}, "struct": {"social": {"type": "dict"}, "name": "Full name"}});
    let strict = Emulator::builder()
        .latency(Latency::Fixed(ms(0)))
        .directory(directory())
        .spawn()
        .await
        .unwrap();
    let as_text = Api::new(&strict).enrich(&body).await;
    let text = as_text["structured_data"]["social"].as_str().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(text).unwrap(),
        json!({"x": "@ada", "github": "adaq"})
    );
    assert_eq!(as_text["structured_data"]["name"], "Ada Quill");
    let loose = Emulator::builder()
        .latency(Latency::Fixed(ms(0)))
        .directory(directory())
        .dict_as_text(false)
        .spawn()
        .await
        .unwrap();
    let as_object = Api::new(&loose).enrich(&body).await;
    assert_eq!(
        as_object["structured_data"]["social"],
        json!({"x": "@ada", "github": "adaq"})
    );
}

type Delivery = (axum::http::HeaderMap, Vec<u8>);

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Delivery>>>);

async fn receiver(refuse_first: usize) -> (String, Received) {
    use axum::routing::post;
    let received = Received::default();
    let log = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let log = log.clone();
                async move {
                    let mut all = log.0.lock().unwrap();
                    all.push((headers, body.to_vec()));
                    if all.len() <= refuse_first {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::OK
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

#[tokio::test]
async fn webhooks_are_signed_and_retried() {
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(ms(5)))
        .time_scale(0.01)
        .webhook_secret("whsec_emulator")
        .spawn()
        .await
        .unwrap();
    let api = Api::new(&emulator);
    let (url, received) = receiver(1).await;
    let (_, submitted) = api
        .post("/enrich-lead-async", &json!({"lead_info": {"email": "rafael.nunez@lanternfish.example"}, "struct": {"title": "Title"}, "webhook_url": url}))
        .await;
    let task_id = submitted["task_id"].as_str().unwrap().to_owned();
    wait_for("two webhook deliveries", || {
        let received = received.clone();
        async move { (received.0.lock().unwrap().len() >= 2).then_some(()) }
    })
    .await;
    let deliveries = received.0.lock().unwrap().clone();
    assert_eq!(
        deliveries.len(),
        2,
        "one refused attempt, then one accepted"
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for (attempt, (headers, body)) in deliveries.iter().enumerate() {
        assert_eq!(
            headers["sixtyfour-delivery-attempt"],
            (attempt + 1).to_string().as_str()
        );
        let signature_header = headers["sixtyfour-signature"].to_str().unwrap();
        assert_eq!(
            signature::verify(b"whsec_emulator", signature_header, body, now),
            Ok(())
        );
        assert_eq!(
            signature::verify(b"wrong", signature_header, body, now),
            Err(signature::SignatureError::Mismatch)
        );
        let mut tampered = body.clone();
        tampered.push(b' ');
        assert!(signature::verify(b"whsec_emulator", signature_header, &tampered, now).is_err());
    }
    assert_eq!(
        deliveries[0].0["sixtyfour-event-id"],
        deliveries[1].0["sixtyfour-event-id"]
    );
    assert_eq!(
        deliveries[0].0["sixtyfour-event-id"],
        event_id(&TaskId::new(task_id.clone()).unwrap(), 1).as_str()
    );
    let callback: Value = serde_json::from_slice(&deliveries[1].1).unwrap();
    assert_eq!(callback["task_id"], task_id.as_str());
    assert_eq!(callback["status"], "completed");
    assert_eq!(callback["task_type"], "enrich_lead");
    assert_eq!(
        callback["result"]["structured_data"]["title"],
        "CEO & Co-Founder"
    );
    let stats = emulator.stats();
    assert_eq!(
        (stats.webhooks_delivered, stats.webhook_attempts_failed),
        (1, 1)
    );
}

#[tokio::test]
async fn webhook_event_ids_are_unique_per_job() {
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(ms(0)))
        .spawn()
        .await
        .unwrap();
    let api = Api::new(&emulator);
    let (url, received) = receiver(0).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (_, submitted) = api
            .post("/enrich-lead-async", &json!({"lead_info": {"name": format!("Lead {i}")}, "struct": {"email": "Email"}, "webhook_url": url}))
            .await;
        tasks.push(submitted["task_id"].as_str().unwrap().to_owned());
    }
    wait_for("20 webhook deliveries", || {
        let received = received.clone();
        async move { (received.0.lock().unwrap().len() >= 20).then_some(()) }
    })
    .await;
    let deliveries = received.0.lock().unwrap().clone();
    let mut ids = std::collections::HashSet::new();
    for (headers, body) in &deliveries {
        let event: WebhookEvent = serde_json::from_slice(body).unwrap();
        let id = headers["sixtyfour-event-id"].to_str().unwrap();
        assert_eq!(id, event_id(&event.task_id, 1));
        assert!(ids.insert(id.to_owned()), "event id {id} repeated");
        assert!(tasks.contains(&event.task_id.to_string()));
    }
}
