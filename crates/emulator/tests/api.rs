//! The emulator over real HTTP on 127.0.0.1: every status code and body shape, the job life
//! cycle, determinism, the reference's casting examples, directory matching, rate limits,
//! every fault kind, scripts, the control surface, expiry and webhooks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sixtyfour_emulator::{Directory, Emulator, EmulatorHandle, Endpoint, Faults, Latency, Outcome};
use sixtyfour_protocol::signature;

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
        for _ in 0..500 {
            let (_, body) = self.status(task_id).await;
            if body["status"] == "completed" || body["status"] == "failed" {
                return body;
            }
            tokio::time::sleep(ms(5)).await;
        }
        panic!("job {task_id} never finished");
    }

    async fn enrich(&self, body: &Value) -> Value {
        let (status, submitted) = self.post("/enrich-lead-async", body).await;
        assert_eq!(status, StatusCode::OK, "{submitted}");
        let done = self.wait(submitted["task_id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "completed", "{done}");
        done["result"].clone()
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
            "`lead_info` is empty",
        ),
        (
            json!({"lead_info": {"name": "Ada"}}),
            "`struct` is required",
        ),
        (
            json!({"lead_info": {"name": "Ada"}, "struct": ["email"]}),
            "`struct` must be an object",
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
            "`research_plan` must be a string",
        ),
        (
            json!({"lead_info": {"name": "Ada"}, "struct": {"a": "b"}, "tier": "ultra"}),
            "`tier` must be one of",
        ),
    ];
    for (body, expected) in cases {
        for path in ["/enrich-lead-async", "/enrich-lead"] {
            let (status, answer) = api.post(path, &body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
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

    let raw = api
        .http
        .post(format!("{}/enrich-lead-async", api.base))
        .header("x-api-key", &api.key)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    let raw: Value = raw.json().await.unwrap();
    assert!(raw["message"].as_str().unwrap().contains("not valid JSON"));

    let huge = json!({"lead_info": {"name": "x".repeat(1 << 20)}, "struct": {"a": "b"}});
    let (status, answer) = api.post("/enrich-lead-async", &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer["error"], "Payload Too Large");

    let (status, answer) = api.status("no-such-task").await;
    assert_eq!(
        (status, answer),
        (StatusCode::NOT_FOUND, json!({"detail": "Job not found"}))
    );

    let lost = api
        .http
        .get(format!("{}/nowhere", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(lost.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        lost.json::<Value>().await.unwrap(),
        json!({"detail": "Not Found"})
    );

    let wrong_method = api
        .http
        .get(format!("{}/enrich-lead", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong_method.json::<Value>().await.is_ok());

    assert_eq!(emulator.stats().jobs_created, 0);
    assert_eq!(emulator.stats().total_submits(), 0);
}

#[tokio::test]
async fn jobs_go_pending_processing_completed() {
    let emulator = emulator(1_000).await;
    let api = Api::new(&emulator);
    let body = json!({"lead_info": {"email": "rafael.nunez@lanternfish.example"}, "struct": reference_struct()});
    let submitted_at = std::time::Instant::now();
    let (status, submitted) = api.post("/enrich-lead-async", &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(submitted["status"], "pending");
    let task_id = submitted["task_id"].as_str().unwrap().to_owned();
    assert_eq!(task_id.len(), 36);

    let (_, first) = api.status(&task_id).await;
    assert_eq!(
        first,
        json!({"status": "pending", "processed_items": 0, "total_items": 0, "task_type": "enrich_lead"})
    );
    // Pending for the first half of the latency, processing for the second.
    tokio::time::sleep(ms(650).saturating_sub(submitted_at.elapsed())).await;
    let (_, second) = api.status(&task_id).await;
    assert_eq!(second["status"], "processing");
    assert_eq!(emulator.stats().in_flight, 1);
    tokio::time::sleep(ms(1_050).saturating_sub(submitted_at.elapsed())).await;
    let (_, done) = api.status(&task_id).await;
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
    let score = result["confidence_score"].as_f64().unwrap();
    assert!((7.0..=10.0).contains(&score), "{score}");
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
    assert_eq!(stats.status_polls, 3);
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
async fn task_ids_differ_between_emulators_with_one_seed_unless_fixed() {
    let body = json!({"lead_info": {"name": "Ada"}, "struct": {"email": "Email"}});
    let mut ids = Vec::new();
    for _ in 0..2 {
        let emulator = Emulator::builder().seed(9).spawn().await.unwrap();
        let (_, submitted) = Api::new(&emulator).post("/enrich-lead-async", &body).await;
        ids.push(submitted["task_id"].as_str().unwrap().to_owned());
    }
    assert_ne!(
        ids[0], ids[1],
        "a restarted emulator must not reuse task ids"
    );
    assert_eq!(ids[0].len(), 36);
}

#[tokio::test]
async fn the_job_log_lists_each_accepted_submit_with_its_lead() {
    let emulator = emulator(0).await;
    let api = Api::new(&emulator);
    let mut task_ids = Vec::new();
    for name in ["Ada", "Bo", "Ada"] {
        let body = json!({"lead_info": {"name": name}, "struct": {"email": "Email"}});
        let (status, submitted) = api.post("/enrich-lead-async", &body).await;
        assert_eq!(status, StatusCode::OK);
        task_ids.push(submitted["task_id"].as_str().unwrap().to_owned());
    }
    // A refused submit (bad body) creates no job and is not listed.
    let (status, _) = api
        .post("/enrich-lead-async", &json!({"lead_info": {"name": "Cy"}}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let jobs = emulator.jobs();
    let listed: Vec<(&str, &Value)> = jobs
        .iter()
        .map(|job| (job.task_id.as_str(), &job.lead_info["name"]))
        .collect();
    assert_eq!(
        listed,
        [
            (task_ids[0].as_str(), &json!("Ada")),
            (task_ids[1].as_str(), &json!("Bo")),
            (task_ids[2].as_str(), &json!("Ada")),
        ]
    );
    let (status, body) = api.control("/jobs", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["dropped"], 0);
    assert_eq!(body["jobs"][1]["task_id"], task_ids[1].as_str());
    assert_eq!(body["jobs"][1]["lead_info"], json!({"name": "Bo"}));
    api.control("/reset", Some(Value::Null)).await;
    assert!(emulator.jobs().is_empty());
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
    assert!(result["structured_data"]["location"].is_string());

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
    // 5 per minute, with a minute scaled to 600 ms.
    let emulator = Emulator::builder()
        .rate_limit(Some(5))
        .time_scale(0.01)
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
    assert_eq!(limited.headers()["retry-after"], "1");
    let wait_ms: u64 = limited.headers()["retry-after-ms"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // At most one request's worth of the 600 ms window (120 ms), less what refilled meanwhile.
    assert!((1..=130).contains(&wait_ms), "{wait_ms}");
    assert_eq!(
        limited.json::<Value>().await.unwrap()["error"],
        "Too Many Requests"
    );
    tokio::time::sleep(ms(wait_ms + 20)).await;
    assert_eq!(api.status("x").await.0, StatusCode::NOT_FOUND);
    assert_eq!(emulator.stats().rate_limited, 1);
}

#[tokio::test]
async fn every_fault_kind() {
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(ms(5)))
        .faults(Faults {
            slow_ms: 400,
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

    // Slow: past a client's timeout.
    emulator.script(Endpoint::Status, [Outcome::Slow]);
    let slow = api
        .http
        .get(format!("{}/job-status/x", api.base))
        .header("x-api-key", &api.key)
        .timeout(ms(100))
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
}

#[tokio::test]
async fn finished_jobs_expire_and_the_store_has_a_cap() {
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(ms(0)))
        .job_ttl(ms(150))
        .max_jobs(2)
        .spawn()
        .await
        .unwrap();
    let api = Api::new(&emulator);
    let body = json!({"lead_info": {"name": "A"}, "struct": {"email": "Email"}});
    let (_, first) = api.post("/enrich-lead-async", &body).await;
    let first = first["task_id"].as_str().unwrap().to_owned();
    assert_eq!(api.status(&first).await.1["status"], "completed");
    tokio::time::sleep(ms(200)).await;
    assert_eq!(api.status(&first).await.0, StatusCode::NOT_FOUND);

    let slow = Emulator::builder()
        .latency(Latency::Fixed(ms(2_000)))
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
    assert!(full["message"].as_str().unwrap().contains("Too many jobs"));
    assert_eq!(slow.job_count(), 2);
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
    for _ in 0..200 {
        if received.0.lock().unwrap().len() >= 2 {
            break;
        }
        tokio::time::sleep(ms(10)).await;
    }
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
