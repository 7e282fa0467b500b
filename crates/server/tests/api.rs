//! The server in-process over HTTP on 127.0.0.1 with the SQLite store: every refusal a key
//! can meet, the keys file reloaded without a restart, the per-job time limit, a job whose
//! worker died, graceful shutdown, the sync paths, health and metrics.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Receiver, TempDir, key_entry, wait_for, write};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sixtyfour_protocol::{
    EnrichBody, ErrorBody, JobState, JobStatusBody, TaskId, TaskType, event_id,
};
use sixtyfour_server::keys::Keys;
use sixtyfour_server::researcher::{Directory, DirectoryResearcher, Paced, Researcher};
use sixtyfour_server::store::{JobStore, NewJob, SqliteStore, Stage, SubmitLimits, now_millis};
use sixtyfour_server::{RunningServer, Server, ServerConfig, WebhookConfig, WorkerConfig};

fn config(job_timeout: Duration) -> ServerConfig {
    ServerConfig {
        workers: WorkerConfig {
            workers: 4,
            lease: Duration::from_secs(1),
            job_timeout,
            poll_interval: Duration::from_millis(50),
            progress_interval: Duration::ZERO,
            ..WorkerConfig::default()
        },
        webhooks: WebhookConfig {
            backoff: Duration::from_millis(50),
            poll_interval: Duration::from_millis(50),
            ..WebhookConfig::default()
        },
        keys_check_interval: Duration::from_millis(50),
        ..ServerConfig::default()
    }
}

fn directory() -> DirectoryResearcher {
    DirectoryResearcher::new(Directory::builtin())
}

async fn start(
    dir: &TempDir,
    researcher: Arc<dyn Researcher>,
    config: ServerConfig,
) -> RunningServer {
    let server = Server::builder()
        .store(Arc::new(SqliteStore::open(dir.path("jobs.db")).unwrap()))
        .researcher(researcher)
        .keys(Arc::new(Keys::from_file(dir.path("keys.toml")).unwrap()))
        .config(config)
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    server.start(listener).unwrap()
}

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    fn new(server: &RunningServer) -> Self {
        Api {
            http: reqwest::Client::new(),
            base: format!("http://{}", server.addr()),
        }
    }

    async fn post(&self, key: &str, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header("x-api-key", key)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    async fn submit(&self, key: &str, body: &Value) -> (StatusCode, Value) {
        let response = self.post(key, "/enrich-lead-async", body).await;
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn status(&self, key: &str, task_id: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{}/job-status/{task_id}", self.base))
            .header("x-api-key", key)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn wait_state(&self, key: &str, task_id: &str, state: &str) -> Value {
        wait_for(
            &format!("{task_id} {state}"),
            Duration::from_secs(60),
            || async move {
                let (_, body) = self.status(key, task_id).await;
                (body["status"] == state).then_some(body)
            },
        )
        .await
    }
}

fn lead(name: &str) -> Value {
    json!({"lead_info": {"email": "rafael.nunez@lanternfish.example", "name": name}, "struct": {"title": "Job title"}})
}

#[tokio::test]
async fn every_refusal_in_the_reference_shapes() {
    let dir = TempDir::new("refusals");
    let keys = [
        key_entry("plain", "sk-plain", ""),
        key_entry("tiers", "sk-tiers", "tiers = [\"low\", \"medium\"]"),
        key_entry("credits", "sk-credits", "credits = 2"),
        key_entry("active", "sk-active", "max_active_jobs = 1"),
        key_entry("rate", "sk-rate", "rate_limit = 2"),
    ]
    .concat();
    write(&dir.path("keys.toml"), &keys);
    let slow: Arc<dyn Researcher> = Arc::new(Paced::new(directory(), Duration::from_secs(600)));
    let server = start(&dir, slow, config(Duration::from_secs(3600))).await;
    let api = Api::new(&server);

    let missing = api
        .http
        .post(format!("{}/enrich-lead-async", api.base))
        .json(&lead("a"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        missing.json::<Value>().await.unwrap(),
        json!({"error": "Unauthorized", "message": "Missing x-api-key header"})
    );
    let (status, body) = api.submit("sk-nobody", &lead("a")).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"error": "Unauthorized", "message": "Invalid API key"})
        )
    );

    // 403: a tier the key may not use; its own tiers and no tier are fine.
    let mut high = lead("a");
    high["tier"] = json!("high");
    let (status, body) = api.submit("sk-tiers", &high).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "Forbidden");
    assert!(
        body["message"].as_str().unwrap().contains("`high`"),
        "{body}"
    );
    let mut low = lead("a");
    low["tier"] = json!("low");
    assert_eq!(api.submit("sk-tiers", &low).await.0, StatusCode::OK);
    assert_eq!(api.submit("sk-plain", &high).await.0, StatusCode::OK);

    // 402: out of credits after two jobs.
    assert_eq!(api.submit("sk-credits", &lead("a")).await.0, StatusCode::OK);
    assert_eq!(api.submit("sk-credits", &lead("b")).await.0, StatusCode::OK);
    let (status, body) = api.submit("sk-credits", &lead("c")).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(body["error"], "Payment Required");

    // 429 for active jobs, told apart from the rate limit, with no Retry-After.
    assert_eq!(api.submit("sk-active", &lead("a")).await.0, StatusCode::OK);
    let refused = api
        .post("sk-active", "/enrich-lead-async", &lead("b"))
        .await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().get("retry-after").is_none());
    assert_eq!(
        refused.json::<ErrorBody>().await.unwrap(),
        ErrorBody::active_job_limit(1)
    );

    // 429 for the rate limit, with Retry-After.
    assert_eq!(api.status("sk-rate", "x").await.0, StatusCode::NOT_FOUND);
    assert_eq!(api.status("sk-rate", "x").await.0, StatusCode::NOT_FOUND);
    let limited = api
        .http
        .get(format!("{}/job-status/x", api.base))
        .header("x-api-key", "sk-rate")
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    assert!(
        !limited
            .json::<ErrorBody>()
            .await
            .unwrap()
            .is_active_job_limit()
    );

    // A key sees only its own jobs.
    let (_, submitted) = api.submit("sk-plain", &lead("mine")).await;
    let task = submitted["task_id"].as_str().unwrap();
    assert_eq!(api.status("sk-plain", task).await.0, StatusCode::OK);
    assert_eq!(
        api.status("sk-tiers", task).await,
        (StatusCode::NOT_FOUND, json!({"detail": "Job not found"}))
    );
    // 400 and the 404s keep their shapes.
    let (status, body) = api
        .submit("sk-plain", &json!({"lead_info": {}, "struct": {"a": "b"}}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid lead information")
    );
    let nowhere = api
        .http
        .get(format!("{}/nowhere", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        nowhere.json::<Value>().await.unwrap(),
        json!({"detail": "Not Found"})
    );
    server.shutdown().await;
}

#[tokio::test]
async fn the_keys_file_reloads_without_a_restart() {
    let dir = TempDir::new("reload");
    let path = dir.path("keys.toml");
    write(&path, &key_entry("first", "sk-first", ""));
    let server = start(&dir, Arc::new(directory()), config(Duration::from_secs(60))).await;
    let api = Api::new(&server);
    assert_eq!(api.status("sk-first", "x").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        api.status("sk-second", "x").await.0,
        StatusCode::UNAUTHORIZED
    );
    // Replace the file through a rename, as an editor or a deploy would.
    let staged = dir.path("keys.toml.new");
    write(&staged, &key_entry("second", "sk-second", ""));
    std::fs::rename(&staged, &path).unwrap();
    wait_for("the new key", Duration::from_secs(30), || async {
        (api.status("sk-second", "x").await.0 == StatusCode::NOT_FOUND).then_some(())
    })
    .await;
    assert_eq!(
        api.status("sk-first", "x").await.0,
        StatusCode::UNAUTHORIZED
    );
    // A broken file keeps the keys in force: once the server has tried to read it (its failed
    // reloads show in /metrics), the second key still works.
    assert_eq!(reload_failures(&api).await, 0);
    write(&path, "[[keys]\nname =");
    wait_for("a failed reload", Duration::from_secs(30), || async {
        (reload_failures(&api).await > 0).then_some(())
    })
    .await;
    assert_eq!(api.status("sk-second", "x").await.0, StatusCode::NOT_FOUND);
    server.shutdown().await;
}

/// `sixtyfour_keys_reload_failures_total` from `/metrics`.
async fn reload_failures(api: &Api) -> u64 {
    let text = api
        .http
        .get(format!("{}/metrics", api.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix("sixtyfour_keys_reload_failures_total "))
        .and_then(|value| value.parse().ok())
        .expect("the counter is in /metrics")
}

#[tokio::test]
async fn a_job_over_its_time_limit_fails_with_a_message() {
    let dir = TempDir::new("timeout");
    write(&dir.path("keys.toml"), &key_entry("k", "sk", ""));
    let slow: Arc<dyn Researcher> = Arc::new(Paced::new(directory(), Duration::from_secs(600)));
    let server = start(&dir, slow, config(Duration::from_millis(300))).await;
    let api = Api::new(&server);
    let (_, submitted) = api.submit("sk", &lead("a")).await;
    let done = api
        .wait_state("sk", submitted["task_id"].as_str().unwrap(), "failed")
        .await;
    assert_eq!(
        done["error"],
        "Research took longer than the time limit of 0.3 s"
    );
    assert_eq!(done["task_type"], "enrich_lead");
    server.shutdown().await;
}

#[tokio::test]
async fn a_job_whose_worker_died_runs_again_as_a_new_run() {
    let dir = TempDir::new("dead-worker");
    write(&dir.path("keys.toml"), &key_entry("k", "sk", ""));
    let (hook, receiver) = Receiver::start().await;
    // A worker leased the job for one second, then died.
    {
        let store = SqliteStore::open(dir.path("jobs.db")).unwrap();
        let body: EnrichBody = serde_json::from_value(json!({
            "lead_info": {"email": "rafael.nunez@lanternfish.example"},
            "struct": {"title": "Job title"},
            "webhook_url": hook,
        }))
        .unwrap();
        let job = NewJob {
            task_id: TaskId::new("orphan-1").unwrap(),
            key_id: "k".into(),
            task_type: TaskType::EnrichLead,
            body,
            meta: Default::default(),
        };
        store
            .insert(job, SubmitLimits::default(), now_millis())
            .await
            .unwrap();
        let claimed = store
            .claim("dead", 1, now_millis() + 1_000, now_millis())
            .await
            .unwrap();
        assert_eq!(claimed[0].run, 1);
    }
    let server = start(&dir, Arc::new(directory()), config(Duration::from_secs(60))).await;
    let api = Api::new(&server);
    let done = api.wait_state("sk", "orphan-1", "completed").await;
    assert_eq!(
        done["result"]["structured_data"]["title"],
        "CEO & Co-Founder"
    );
    wait_for("the webhook", Duration::from_secs(30), || {
        let receiver = receiver.clone();
        async move { (!receiver.received().is_empty()).then_some(()) }
    })
    .await;
    let delivery = &receiver.received()[0];
    assert_eq!(
        delivery.headers["sixtyfour-event-id"].to_str().unwrap(),
        event_id(&TaskId::new("orphan-1").unwrap(), 2),
        "the second run finished it"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_puts_running_jobs_back_in_the_queue() {
    let dir = TempDir::new("shutdown");
    write(&dir.path("keys.toml"), &key_entry("k", "sk", ""));
    let slow: Arc<dyn Researcher> = Arc::new(Paced::new(directory(), Duration::from_secs(600)));
    let server = start(&dir, slow, config(Duration::from_secs(3600))).await;
    let api = Api::new(&server);
    let (_, submitted) = api.submit("sk", &lead("a")).await;
    let task = submitted["task_id"].as_str().unwrap().to_owned();
    api.wait_state("sk", &task, "processing").await;
    server.shutdown().await;
    let store = SqliteStore::open(dir.path("jobs.db")).unwrap();
    assert_eq!(
        store.status(&task, "k").await.unwrap().unwrap().stage,
        Stage::Queued
    );
    drop(store);
    // The next server finishes it.
    let server = start(&dir, Arc::new(directory()), config(Duration::from_secs(60))).await;
    let api = Api::new(&server);
    let done = api.wait_state("sk", &task, "completed").await;
    assert_eq!(
        done["result"]["structured_data"]["title"],
        "CEO & Co-Founder"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn sync_paths_health_and_metrics() {
    let dir = TempDir::new("sync");
    write(&dir.path("keys.toml"), &key_entry("k", "sk", ""));
    let server = start(&dir, Arc::new(directory()), config(Duration::from_secs(60))).await;
    let api = Api::new(&server);
    for path in ["/enrich-lead", "/people-intelligence"] {
        let response = api.post("sk", path, &lead("a")).await;
        assert_eq!(response.status(), StatusCode::OK);
        let result: Value = response.json().await.unwrap();
        assert_eq!(
            result["structured_data"]["title"], "CEO & Co-Founder",
            "{path}"
        );
        assert_eq!(result["findings"], json!([]));
    }
    let response = api
        .post("sk", "/people-intelligence-async", &lead("a"))
        .await;
    let task: Value = response.json().await.unwrap();
    let done = api
        .wait_state("sk", task["task_id"].as_str().unwrap(), "completed")
        .await;
    let done: JobStatusBody = serde_json::from_value(done).unwrap();
    assert_eq!(
        (done.status, done.task_type),
        (JobState::Completed, Some(TaskType::PeopleIntelligence))
    );

    let health = api
        .http
        .get(format!("{}/healthz", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(
        health.json::<Value>().await.unwrap(),
        json!({"status": "ok"})
    );
    let metrics = api
        .http
        .get(format!("{}/metrics", api.base))
        .send()
        .await
        .unwrap();
    assert!(
        metrics.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = metrics.text().await.unwrap();
    for line in [
        "sixtyfour_jobs{state=\"completed\"} 3",
        "sixtyfour_jobs{state=\"queued\"} 0",
        "sixtyfour_jobs_finished_total{outcome=\"completed\"} 3",
        "sixtyfour_submits_total{path=\"/enrich-lead\"} 1",
        "sixtyfour_research_seconds_count 3",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
    }
    assert!(text.contains("sixtyfour_research_seconds{quantile=\"0.95\"}"));
    server.shutdown().await;
}
