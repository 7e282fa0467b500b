//! `ServeArgs` end to end, in-process over HTTP on 127.0.0.1: the web researcher over the
//! repository's fixture web (answers, `field_confidence`, the research plan), online through a
//! fake SearXNG, fake pages and a scripted OpenAI-compatible model (robots.txt for the
//! configured user agent, the model's key and citations), cancellation at shutdown putting a
//! web job back in the queue, flags that cannot work, and finished jobs expiring after
//! `--job-ttl`.

mod common;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clap::Parser;
use common::{TempDir, key_entry, wait_for, write};
use serde_json::{Value, json};
use sixtyfour_protocol::{EnrichBody, TaskId, TaskType};
use sixtyfour_server::researcher::{
    CancellationToken, Progress, ResearchError, ResearchJob, Researcher, WebAdapter,
};
use sixtyfour_server::store::{JobStore, SqliteStore, Stage};
use sixtyfour_server::{RunningServer, ServeArgs};
use sixtyfour_web::eval::same_value;
use sixtyfour_web::{FieldKind, WebConfig, WebResearcher};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: ServeArgs,
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web/fixtures")
}

fn serve_args(dir: &TempDir, extra: &[&str]) -> Result<ServeArgs, clap::Error> {
    let keys = dir.path("keys.toml");
    let store = format!("sqlite:{}", dir.path("jobs.db").display());
    let mut argv = vec![
        "serve".to_owned(),
        "--addr".into(),
        "127.0.0.1:0".into(),
        "--keys".into(),
        keys.display().to_string(),
        "--store".into(),
        store,
        "--poll-interval".into(),
        "50ms".into(),
    ];
    argv.extend(extra.iter().map(|s| (*s).to_owned()));
    Cli::try_parse_from(argv).map(|cli| cli.args)
}

async fn start(args: &ServeArgs) -> RunningServer {
    let server = args.build().await.unwrap();
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

    async fn submit(&self, body: &Value) -> String {
        let response = self
            .http
            .post(format!("{}/enrich-lead-async", self.base))
            .header("x-api-key", "sk-web")
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        body["task_id"].as_str().unwrap().to_owned()
    }

    async fn status(&self, task_id: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{}/job-status/{task_id}", self.base))
            .header("x-api-key", "sk-web")
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn wait_state(&self, task_id: &str, state: &str) -> Value {
        wait_for(
            &format!("{task_id} {state}"),
            Duration::from_secs(120),
            || async move {
                let (_, body) = self.status(task_id).await;
                (body["status"] == state).then_some(body)
            },
        )
        .await
    }
}

fn keyed_dir(name: &str) -> TempDir {
    let dir = TempDir::new(name);
    write(&dir.path("keys.toml"), &key_entry("web", "sk-web", ""));
    dir
}

fn truth() -> Vec<Value> {
    std::fs::read_to_string(fixtures().join("truth.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn fields() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join("fields.json")).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_web_jobs_answer_from_the_fixture_with_field_confidence() {
    let dir = keyed_dir("offline-web");
    let web = fixtures().join("web");
    let args = serve_args(
        &dir,
        &[
            "--researcher",
            "web",
            "--offline-web",
            web.to_str().unwrap(),
        ],
    )
    .unwrap();
    let server = start(&args).await;
    let api = Api::new(&server);
    let cases = truth();
    // A person the web knows well, and one it does not know at all.
    let known = &cases[1];
    let unknown = &cases[0];
    assert_eq!(unknown["expected"], json!({}));

    let known_id = api
        .submit(&json!({"lead_info": known["lead_info"], "struct": fields(), "research_plan": "Their current role at the company"}))
        .await;
    let unknown_id = api
        .submit(&json!({"lead_info": unknown["lead_info"], "struct": fields()}))
        .await;
    let done = api.wait_state(&known_id, "completed").await;
    let result = &done["result"];
    for field in ["name", "email", "title", "company", "linkedin"] {
        assert_eq!(
            result["structured_data"][field], known["expected"][field],
            "{field}: {result}"
        );
    }
    // The same values written another way (a trailing slash, the city alone), as the
    // evaluation compares them.
    for (field, kind) in [
        ("website", FieldKind::Website),
        ("github_url", FieldKind::Github),
        ("location", FieldKind::Location),
    ] {
        assert!(
            same_value(
                kind,
                known["expected"][field].as_str().unwrap(),
                result["structured_data"][field].as_str().unwrap()
            ),
            "{field}: {result}"
        );
    }
    for (field, confidence) in result["field_confidence"].as_object().unwrap() {
        match result["structured_data"][field].as_str() {
            Some("") | None => assert_eq!(confidence, &Value::Null, "{field}"),
            Some(_) => assert!(
                (40..=100).contains(&confidence.as_u64().unwrap()),
                "{field}: {confidence}"
            ),
        }
    }
    assert_eq!(
        result["field_confidence"].as_object().unwrap().len(),
        fields().as_object().unwrap().len()
    );
    assert!(!result["references"].as_object().unwrap().is_empty());
    assert!(result["confidence_score"].as_f64().unwrap() > 5.0);
    assert_eq!(result["findings"], json!([]));

    let done = api.wait_state(&unknown_id, "completed").await;
    let result = &done["result"];
    for field in ["email", "title", "linkedin", "website", "location"] {
        assert_eq!(result["structured_data"][field], "", "{field}: {result}");
        assert_eq!(result["field_confidence"][field], Value::Null, "{field}");
    }
    assert_eq!(result["references"], json!({}));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_adapter_reports_progress() {
    let web = WebResearcher::new(WebConfig::offline(fixtures().join("web"))).unwrap();
    let researcher = WebAdapter::new(web);
    let cases = truth();
    let case = &cases[2];
    let body: EnrichBody = serde_json::from_value(json!({
        "lead_info": case["lead_info"],
        "struct": {"email": "The individual's email address"},
    }))
    .unwrap();
    let job = ResearchJob {
        task_id: TaskId::new("t-progress").unwrap(),
        run: 1,
        task_type: TaskType::EnrichLead,
        body: Arc::new(body),
        meta: Arc::default(),
    };
    let progress = Progress::detached();
    let result = researcher
        .research(&job, &progress, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(result.structured_data["email"], case["expected"]["email"]);
    let (processed, total) = progress.get();
    assert_eq!((processed, total), (25, 25), "the page budget and deciding");

    // A cancelled call never starts.
    let cancel = CancellationToken::new();
    cancel.cancel();
    assert_eq!(
        researcher
            .research(&job, &Progress::detached(), &cancel)
            .await
            .unwrap_err(),
        ResearchError::Cancelled
    );
}

/// A model request as received: the `Authorization` header and the JSON body.
type ModelRequest = (Option<String>, Value);

/// What the fake web saw: (path, user agent) per request, the search queries, the model
/// requests.
#[derive(Clone, Default)]
struct Seen {
    requests: Arc<Mutex<Vec<(String, String)>>>,
    queries: Arc<Mutex<Vec<String>>>,
    llm: Arc<Mutex<Vec<ModelRequest>>>,
    base: Arc<Mutex<String>>,
    hang_search: bool,
}

async fn searxng(
    State(seen): State<Seen>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    seen.queries
        .lock()
        .unwrap()
        .push(q.get("q").cloned().unwrap_or_default());
    if seen.hang_search {
        return std::future::pending::<Response>().await;
    }
    let base = seen.base.lock().unwrap().clone();
    axum::Json(json!({"results": [
        {"url": format!("{base}/team/"), "title": "Team | Quill Works", "content": "Ada Quill, CTO"},
        {"url": format!("{base}/private/drafts"), "title": "Ada Quill draft", "content": "Ada Quill, Quill Works, CEO"}
    ]}))
    .into_response()
}

async fn completions(State(seen): State<Seen>, headers: HeaderMap, body: String) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    seen.llm.lock().unwrap().push((auth, body));
    let base = seen.base.lock().unwrap().clone();
    let content = json!({
        "title": {"value": "Chief Technology Officer", "source_url": format!("{base}/team/")},
        "location": {"value": null, "source_url": null},
        "hobby": {"value": "sailing", "source_url": format!("{base}/team/")},
        "pet": {"value": "a cat", "source_url": "https://invented.example/"},
        "socials": {"value": {"mastodon": "@ada@quill.example"}, "source_url": format!("{base}/team/")},
    });
    axum::Json(json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": content.to_string()}}]}))
        .into_response()
}

async fn page(State(seen): State<Seen>, headers: HeaderMap, uri: axum::http::Uri) -> Response {
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    seen.requests
        .lock()
        .unwrap()
        .push((uri.path().to_owned(), agent));
    let html =
        |body: &str| ([(header::CONTENT_TYPE, "text/html")], body.to_owned()).into_response();
    match uri.path() {
        "/robots.txt" => (
            [(header::CONTENT_TYPE, "text/plain")],
            "User-agent: acme-research\nDisallow: /private/\n\nUser-agent: *\nDisallow:\n",
        )
            .into_response(),
        "/team/" => html(
            r#"<html><head><title>Team | Quill Works</title></head><body><h1>Team</h1>
            <div class="p"><h3>Ada Quill</h3><p>Chief Technology Officer</p><p>Lisbon, Portugal</p><p>Sails on weekends.</p><a href="mailto:ada@quillworks.example">mail</a></div>
            <div class="p"><h3>Bo Lind</h3><p>CEO</p></div></body></html>"#,
        ),
        "/plan/notes" => {
            html("<html><head><title>Notes</title></head><body><p>Nothing here.</p></body></html>")
        }
        "/private/drafts" => html("<p>Ada Quill, CEO of Quill Works</p>"),
        _ => (StatusCode::NOT_FOUND, "").into_response(),
    }
}

async fn fake_web(hang_search: bool) -> (String, Seen) {
    let seen = Seen {
        hang_search,
        ..Seen::default()
    };
    let router = Router::new()
        .route("/search", axum::routing::get(searxng))
        .route("/v1/chat/completions", axum::routing::post(completions))
        .fallback(page)
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    *seen.base.lock().unwrap() = base.clone();
    (base, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_jobs_search_fetch_politely_and_ask_the_model() {
    let (base, seen) = fake_web(false).await;
    let dir = keyed_dir("online-web");
    let llm = format!("{base}/v1");
    // CARGO_PKG_NAME is set by cargo for the test: it stands for the key variable.
    let args = serve_args(
        &dir,
        &[
            "--researcher",
            "web",
            "--searxng-url",
            &base,
            "--user-agent",
            "acme-research/1.0 (+https://acme.example/bot)",
            "--llm-base-url",
            &llm,
            "--llm-model",
            "test-model",
            "--llm-key-env",
            "CARGO_PKG_NAME",
        ],
    )
    .unwrap();
    let server = start(&args).await;
    let api = Api::new(&server);
    let id = api
        .submit(&json!({
            "lead_info": {"name": "Ada Quill", "email": "ada@quillworks.example"},
            "struct": {
                "title": "The individual's job title",
                "location": "The individual's location",
                "hobby": "What they do for fun",
                "pet": "Their pet",
                "socials": {"type": "dict", "description": "Their social profiles"},
            },
            "research_plan": format!("Start with {base}/plan/notes"),
        }))
        .await;
    // A second job on the same site, at the same time.
    let other = api
        .submit(&json!({"lead_info": {"name": "Bo Lind", "company": "Quill Works"}, "struct": {"title": "The individual's job title"}}))
        .await;
    let done = api.wait_state(&id, "completed").await;
    api.wait_state(&other, "completed").await;
    let data = &done["result"]["structured_data"];
    assert_eq!(data["title"], "Chief Technology Officer", "{done}");
    assert_eq!(data["location"], "Lisbon, Portugal");
    assert_eq!(data["hobby"], "sailing", "the model's cited value: {done}");
    assert_eq!(
        data["pet"], "",
        "a value citing a page never read is dropped"
    );
    assert_eq!(
        data["socials"], "{\"mastodon\":\"@ada@quill.example\"}",
        "dict fields as JSON text, as the live API sends them"
    );
    assert!(
        done["result"]["field_confidence"]["hobby"]
            .as_u64()
            .is_some(),
        "{done}"
    );

    let requests = seen.requests.lock().unwrap().clone();
    let paths: Vec<&str> = requests.iter().map(|(p, _)| p.as_str()).collect();
    assert!(
        paths.contains(&"/plan/notes"),
        "the plan's URL is read: {paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p.starts_with("/private/")),
        "robots.txt keeps the configured user agent out: {paths:?}"
    );
    assert_eq!(paths.first(), Some(&"/robots.txt"), "robots.txt first");
    assert_eq!(
        paths.iter().filter(|p| **p == "/robots.txt").count(),
        1,
        "the jobs of one server read a site's robots.txt once: {paths:?}"
    );
    for (path, agent) in &requests {
        assert_eq!(
            agent, "acme-research/1.0 (+https://acme.example/bot)",
            "{path}"
        );
    }
    assert!(
        seen.queries
            .lock()
            .unwrap()
            .iter()
            .any(|q| q.contains("Ada Quill")),
        "the lead is searched for"
    );
    let llm = seen.llm.lock().unwrap().clone();
    assert_eq!(llm.len(), 2, "one model request per job");
    let llm: Vec<ModelRequest> = llm
        .into_iter()
        .filter(|(_, body)| body.to_string().contains("hobby"))
        .collect();
    assert_eq!(llm.len(), 1);
    assert_eq!(llm[0].0.as_deref(), Some("Bearer sixtyfour-server"));
    assert_eq!(llm[0].1["model"], "test-model");
    assert!(
        llm[0].1["response_format"]["json_schema"]["schema"]["properties"]
            .get("hobby")
            .is_some()
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_cancels_web_research_and_puts_the_job_back() {
    let (base, seen) = fake_web(true).await;
    let dir = keyed_dir("web-shutdown");
    let args = serve_args(
        &dir,
        &[
            "--researcher",
            "web",
            "--searxng-url",
            &base,
            "--fetch-timeout",
            "2s",
        ],
    )
    .unwrap();
    let server = start(&args).await;
    let api = Api::new(&server);
    let id = api
        .submit(&json!({"lead_info": {"name": "Ada Quill", "company": "Quill Works"}, "struct": {"title": "Job title"}}))
        .await;
    let running = api.wait_state(&id, "processing").await;
    assert_eq!(running["processed_items"], 0, "{running}");
    assert_eq!(running["total_items"], 25, "{running}");
    wait_for("the search", Duration::from_secs(60), || async {
        (!seen.queries.lock().unwrap().is_empty()).then_some(())
    })
    .await;
    // The search never answers: only cancellation ends the job's run.
    tokio::time::timeout(Duration::from_secs(60), server.shutdown())
        .await
        .expect("shutdown does not wait for the hanging search");
    let store = SqliteStore::open(dir.path("jobs.db")).unwrap();
    assert_eq!(
        store.status(&id, "web").await.unwrap().unwrap().stage,
        Stage::Queued
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_adapter_answers_cancellation_while_research_waits() {
    let (base, seen) = fake_web(true).await;
    let mut config = WebConfig::default();
    config.search.searxng_url = Some(base);
    let researcher = WebAdapter::new(WebResearcher::new(config).unwrap());
    let body: EnrichBody = serde_json::from_value(
        json!({"lead_info": {"name": "Ada Quill"}, "struct": {"title": "Job title"}}),
    )
    .unwrap();
    let job = ResearchJob {
        task_id: TaskId::new("t-cancel").unwrap(),
        run: 1,
        task_type: TaskType::EnrichLead,
        body: Arc::new(body),
        meta: Arc::default(),
    };
    let cancel = CancellationToken::new();
    let call = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            researcher
                .research(&job, &Progress::detached(), &cancel)
                .await
        })
    };
    wait_for("the search", Duration::from_secs(60), || async {
        (!seen.queries.lock().unwrap().is_empty()).then_some(())
    })
    .await;
    cancel.cancel();
    let outcome = tokio::time::timeout(Duration::from_secs(60), call)
        .await
        .expect("the call ends although the search never answers")
        .unwrap();
    assert_eq!(outcome.unwrap_err(), ResearchError::Cancelled);
}

#[tokio::test]
async fn flags_that_cannot_work_are_refused_with_their_reason() {
    let dir = keyed_dir("web-refusals");
    let missing = dir.path("no-such-web");
    let rows: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--researcher", "web"], "needs somewhere to search"),
        (
            vec![
                "--researcher",
                "web",
                "--offline-web",
                missing.to_str().unwrap(),
            ],
            "no-such-web",
        ),
        (
            vec!["--offline-web", "x"],
            "--offline-web is only read by --researcher web",
        ),
        (
            vec![
                "--researcher",
                "web",
                "--offline-web",
                "x",
                "--directory",
                "d.jsonl",
            ],
            "--directory is only read by --researcher directory",
        ),
        (
            vec![
                "--researcher",
                "web",
                "--searxng-url",
                "http://127.0.0.1:9",
                "--llm-base-url",
                "http://127.0.0.1:9/v1",
                "--llm-model",
                "m",
                "--llm-key-env",
                "SIXTYFOUR_SURELY_UNSET_LLM_KEY",
            ],
            "SIXTYFOUR_SURELY_UNSET_LLM_KEY",
        ),
        (
            vec!["--researcher", "web", "--searxng-url", "not a url"],
            "not a url",
        ),
    ];
    for (extra, want) in rows {
        let args = serve_args(&dir, &extra).unwrap();
        let err = match args.build().await {
            Ok(_) => panic!("{extra:?} was accepted"),
            Err(err) => err.to_string(),
        };
        assert!(err.contains(want), "{extra:?}: {err}");
    }
    // Flags clap refuses by itself.
    for extra in [
        vec!["--offline-web", "x", "--searxng-url", "http://127.0.0.1:9"],
        vec!["--llm-model", "m"],
        vec!["--brave-url", "http://127.0.0.1:9"],
        vec!["--page-budget", "0"],
    ] {
        assert!(serve_args(&dir, &extra).is_err(), "{extra:?}");
    }
}

#[tokio::test]
async fn finished_jobs_are_dropped_after_the_job_ttl() {
    let dir = keyed_dir("ttl");
    let args = serve_args(&dir, &["--job-ttl", "1s"]).unwrap();
    let server = start(&args).await;
    let api = Api::new(&server);
    let id = api
        .submit(&json!({"lead_info": {"email": "rafael.nunez@lanternfish.example"}, "struct": {"title": "Job title"}}))
        .await;
    api.wait_state(&id, "completed").await;
    wait_for("the job to expire", Duration::from_secs(60), || async {
        let (status, body) = api.status(&id).await;
        (status == StatusCode::NOT_FOUND).then_some(body)
    })
    .await;
    server.shutdown().await;
}
