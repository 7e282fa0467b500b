//! The language-model path against a scripted OpenAI-compatible server on 127.0.0.1: the
//! request's shape and schema, retries after malformed answers, errors and timeouts, and
//! citations of pages that were not fetched.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use sixtyfour_casting::Schema;
use sixtyfour_web::extract::PageFacts;
use sixtyfour_web::llm::{LlmClient, LlmError};
use sixtyfour_web::{CancelFlag, Job, LlmConfig, WebConfig, WebError, WebResearcher};

/// One scripted answer: a status, a body, and how long to wait first.
#[derive(Clone)]
struct Step {
    status: u16,
    body: Value,
    delay: Duration,
}

/// A request as the server saw it: path, `Authorization` header, JSON body.
type Seen = (String, Option<String>, Value);

#[derive(Clone, Default)]
struct Script {
    steps: Arc<Mutex<VecDeque<Step>>>,
    requests: Arc<Mutex<Vec<Seen>>>,
}

async fn completions(
    State(script): State<Script>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let parsed: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    script
        .requests
        .lock()
        .unwrap()
        .push((uri.path().to_owned(), auth, parsed));
    let step = script.steps.lock().unwrap().pop_front();
    let Some(step) = step else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "script ran out").into_response();
    };
    tokio::time::sleep(step.delay).await;
    (
        StatusCode::from_u16(step.status).unwrap(),
        axum::Json(step.body),
    )
        .into_response()
}

async fn server(steps: Vec<Step>) -> (String, Script) {
    let script = Script::default();
    script.steps.lock().unwrap().extend(steps);
    let router = Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(script.clone());
    (format!("{}/v1", common::serve(router).await), script)
}

fn ok(content: Value) -> Step {
    Step {
        status: 200,
        body: json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": content.to_string()}}]}),
        delay: Duration::ZERO,
    }
}

fn status(code: u16) -> Step {
    Step {
        status: code,
        body: json!({"error": {"message": "nope"}}),
        delay: Duration::ZERO,
    }
}

fn garbage() -> Step {
    Step {
        status: 200,
        body: json!({"choices": [{"message": {"content": "I think the title is CTO."}}]}),
        delay: Duration::ZERO,
    }
}

fn config(base: &str) -> LlmConfig {
    let mut config = LlmConfig::new(base, "test-model").key_env("CARGO_PKG_NAME");
    config.backoff = Duration::from_millis(10);
    config.timeout = Duration::from_secs(2);
    config
}

fn schema() -> Schema {
    Schema::from_json(&json!({"title": "The individual's job title", "hobby": "What they do for fun", "years": {"type": "int", "description": "Years in the job"}})).unwrap()
}

fn pages() -> Vec<PageFacts> {
    vec![PageFacts {
        url: "https://quill.example/team/".into(),
        title: "Team".into(),
        text: "Ada Quill, CTO. Sails on weekends.".into(),
        ..PageFacts::default()
    }]
}

fn answer() -> Value {
    json!({
        "title": {"value": "CTO", "source_url": "https://quill.example/team/"},
        "hobby": {"value": "sailing", "source_url": "https://invented.example/"},
        "years": {"value": null, "source_url": null}
    })
}

#[tokio::test]
async fn the_request_names_the_model_the_key_and_a_schema_from_the_struct() {
    let (base, script) = server(vec![ok(answer())]).await;
    let client = LlmClient::new(config(&base)).unwrap();
    let lead = json!({"name": "Ada Quill"}).as_object().unwrap().clone();
    let (claims, uncited) = client
        .extract(&lead, &schema(), Some("Look at the team page"), &pages())
        .await
        .unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(
        (claims[0].field.as_str(), claims[0].value.clone()),
        ("title", json!("CTO"))
    );
    assert_eq!(uncited, 1, "the hobby cites a page that was not fetched");

    let requests = script.requests.lock().unwrap();
    let (path, auth, body) = &requests[0];
    assert_eq!(path, "/v1/chat/completions");
    assert_eq!(auth.as_deref(), Some("Bearer sixtyfour-web"));
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["messages"][0]["role"], "system");
    let format = &body["response_format"];
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["json_schema"]["strict"], true);
    let sent = &format["json_schema"]["schema"];
    assert_eq!(sent["required"], json!(["title", "hobby", "years"]));
    assert_eq!(sent["additionalProperties"], false);
    assert_eq!(
        sent["properties"]["years"]["properties"]["value"]["type"],
        json!(["integer", "null"])
    );
    assert_eq!(
        sent["properties"]["hobby"]["description"],
        "What they do for fun"
    );
    let user = body["messages"][1]["content"].as_str().unwrap();
    assert!(
        user.contains("https://quill.example/team/")
            && user.contains("Sails on weekends")
            && user.contains("Look at the team page")
    );
}

#[tokio::test]
async fn malformed_answers_errors_and_timeouts_are_retried() {
    let slow = Step {
        delay: Duration::from_secs(30),
        ..ok(answer())
    };
    let (base, script) = server(vec![
        garbage(),
        status(500),
        slow,
        status(429),
        ok(answer()),
    ])
    .await;
    let mut cfg = config(&base);
    cfg.retries = 4;
    let client = LlmClient::new(cfg).unwrap();
    let (claims, _) = client
        .extract(&Default::default(), &schema(), None, &pages())
        .await
        .unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(script.requests.lock().unwrap().len(), 5);
}

#[tokio::test]
async fn retries_end() {
    let (base, script) = server(vec![garbage(), garbage(), garbage(), garbage()]).await;
    let client = LlmClient::new(config(&base)).unwrap();
    let err = client
        .extract(&Default::default(), &schema(), None, &pages())
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Malformed(_)), "{err}");
    assert_eq!(
        script.requests.lock().unwrap().len(),
        3,
        "the first try and two retries"
    );

    let (base, script) = server(vec![status(400), ok(answer())]).await;
    let client = LlmClient::new(config(&base)).unwrap();
    let err = client
        .extract(&Default::default(), &schema(), None, &pages())
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Status { status: 400, .. }), "{err}");
    assert_eq!(
        script.requests.lock().unwrap().len(),
        1,
        "a client error is not retried"
    );
}

#[tokio::test]
async fn a_missing_key_variable_is_named() {
    let cfg =
        LlmConfig::new("http://127.0.0.1:9/v1", "m").key_env("SIXTYFOUR_WEB_SURELY_UNSET_KEY");
    let err = LlmClient::new(cfg).unwrap_err();
    assert!(
        matches!(&err, WebError::MissingKey(name) if name == "SIXTYFOUR_WEB_SURELY_UNSET_KEY"),
        "{err}"
    );
}

#[tokio::test]
async fn research_keeps_only_cited_values_from_fetched_pages() {
    let fixture = common::fixture();
    let truth = std::fs::read_to_string(fixture.join("truth.jsonl")).unwrap();
    let case: Value = serde_json::from_str(truth.lines().nth(1).unwrap()).unwrap();
    let expected_title = case["expected"]["title"].as_str().unwrap().to_owned();

    // The model cites, for the hobby, a page about the lead the job will have read (spelled
    // without its trailing slash); and for the pet, a page nobody fetched.
    let profile = case["expected"]["linkedin"]
        .as_str()
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    let content = json!({
        "title": {"value": expected_title, "source_url": profile},
        "hobby": {"value": "sailing", "source_url": profile},
        "pet": {"value": "a cat", "source_url": "https://invented.example/"},
    });
    let (base, script) = server(vec![ok(content)]).await;
    let mut web = WebConfig::offline(fixture.join("web"));
    web.llm = Some(config(&base));
    let researcher = WebResearcher::new(web).unwrap();
    let schema = Schema::from_json(&json!({"title": "Job title", "hobby": "What they do for fun", "pet": "Their pet", "website": "Company website URL"})).unwrap();
    let job = Job {
        lead_info: case["lead_info"].as_object().unwrap().clone(),
        schema,
        research_plan: None,
    };
    let answer = researcher
        .research(&job, &|_| {}, &CancelFlag::new())
        .await
        .unwrap();
    assert_eq!(answer.structured_data["hobby"], "sailing");
    assert_eq!(answer.structured_data["pet"], "");
    assert_eq!(answer.structured_data["title"], expected_title.as_str());
    assert!(
        answer.notes.contains("Dropped 1 model value"),
        "{}",
        answer.notes
    );
    assert_eq!(script.requests.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_failing_model_leaves_the_deterministic_answer() {
    let (base, _) = server(vec![status(503), status(503), status(503)]).await;
    let fixture = common::fixture();
    let truth = std::fs::read_to_string(fixture.join("truth.jsonl")).unwrap();
    let case: Value = serde_json::from_str(truth.lines().nth(1).unwrap()).unwrap();
    let mut web = WebConfig::offline(fixture.join("web"));
    web.llm = Some(config(&base));
    let researcher = WebResearcher::new(web).unwrap();
    let job = Job {
        lead_info: case["lead_info"].as_object().unwrap().clone(),
        schema: Schema::from_json(&json!({"title": "Job title"})).unwrap(),
        research_plan: None,
    };
    let answer = researcher
        .research(&job, &|_| {}, &CancelFlag::new())
        .await
        .unwrap();
    assert_eq!(answer.structured_data["title"], case["expected"]["title"]);
    assert!(
        answer.notes.contains("Language model: HTTP 503"),
        "{}",
        answer.notes
    );
}
