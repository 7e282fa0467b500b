//! Research jobs end to end: online through SearXNG and Brave fakes on 127.0.0.1 serving both
//! the search API and the pages; offline over the fixture web with no socket opened; robots.txt
//! traps; cancellation and progress.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::future::BoxFuture;
use serde_json::json;
use sixtyfour_casting::Schema;
use sixtyfour_web::fetch::{OfflineTransport, RawResponse, Transport, TransportError};
use sixtyfour_web::offline::OfflineWeb;
use sixtyfour_web::search::{Brave, LocalIndex, SearchChain, SearchError, SearchProvider, Searxng};
use sixtyfour_web::{CancelFlag, FetchLimits, Job, Stage, WebConfig, WebError, WebResearcher};

fn schema() -> Schema {
    Schema::from_json(&json!({
        "email": "The individual's email address",
        "title": "The individual's job title",
        "company": "The company the individual is associated with",
        "location": "The individual's location",
        "website": "Company website URL",
    }))
    .unwrap()
}

fn job(lead: serde_json::Value) -> Job {
    Job {
        lead_info: lead.as_object().unwrap().clone(),
        schema: schema(),
        research_plan: None,
    }
}

#[derive(Clone, Default)]
struct Hits {
    search: Arc<AtomicUsize>,
    brave: Arc<AtomicUsize>,
    any: Arc<AtomicUsize>,
    queries: Arc<Mutex<Vec<String>>>,
    base: Arc<Mutex<String>>,
}

async fn searxng(
    State(h): State<Hits>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    h.search.fetch_add(1, Ordering::SeqCst);
    h.any.fetch_add(1, Ordering::SeqCst);
    if q.get("format").map(String::as_str) != Some("json") {
        return (StatusCode::FORBIDDEN, "json only").into_response();
    }
    h.queries
        .lock()
        .unwrap()
        .push(q.get("q").cloned().unwrap_or_default());
    let base = h.base.lock().unwrap().clone();
    axum::Json(json!({"query": q.get("q"), "results": [
        {"url": format!("{base}/team/"), "title": "Team | Quill Works", "content": "Ada Quill, CTO"},
        {"url": format!("{base}/elsewhere"), "title": "Unrelated", "content": "nothing"},
        {"title": "no url"}
    ]}))
    .into_response()
}

async fn brave(
    State(h): State<Hits>,
    headers: HeaderMap,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    h.brave.fetch_add(1, Ordering::SeqCst);
    h.any.fetch_add(1, Ordering::SeqCst);
    if headers
        .get("x-subscription-token")
        .and_then(|v| v.to_str().ok())
        != Some("brave-key")
    {
        return (StatusCode::UNAUTHORIZED, "bad token").into_response();
    }
    let base = h.base.lock().unwrap().clone();
    axum::Json(json!({"query": {"original": q.get("q")}, "web": {"results": [
        {"url": format!("{base}/team/"), "title": "Team | Quill Works", "description": "Ada Quill"}
    ]}}))
    .into_response()
}

async fn page(State(h): State<Hits>, uri: axum::http::Uri) -> Response {
    h.any.fetch_add(1, Ordering::SeqCst);
    let html =
        |body: &str| ([(header::CONTENT_TYPE, "text/html")], body.to_owned()).into_response();
    match uri.path() {
        "/robots.txt" => (
            [(header::CONTENT_TYPE, "text/plain")],
            "User-agent: *\nDisallow: /private/\n",
        )
            .into_response(),
        "/team/" => html(
            r#"<html><head><title>Team | Quill Works</title></head><body><h1>Team</h1>
            <div class="p"><h3>Ada Quill</h3><p>Chief Technology Officer</p><p>Lisbon, Portugal</p><a href="mailto:ada@quillworks.example">mail</a></div>
            <div class="p"><h3>Bo Lind</h3><p>CEO</p></div></body></html>"#,
        ),
        "/elsewhere" => html("<p>Nothing about anyone.</p>"),
        _ => (StatusCode::NOT_FOUND, "").into_response(),
    }
}

async fn web_server(failing_searxng: bool) -> (String, Hits) {
    let hits = Hits::default();
    let mut router = Router::new().route("/res/v1/web/search", get(brave));
    router = if failing_searxng {
        router.route(
            "/search",
            get(|State(h): State<Hits>| async move {
                h.any.fetch_add(1, Ordering::SeqCst);
                (StatusCode::INTERNAL_SERVER_ERROR, "down")
            }),
        )
    } else {
        router.route("/search", get(searxng))
    };
    let router = router.fallback(page).with_state(hits.clone());
    let base = common::serve(router).await;
    *hits.base.lock().unwrap() = base.clone();
    (base, hits)
}

fn online(base: &str) -> WebConfig {
    let mut config = WebConfig::default();
    config.search.searxng_url = Some(base.to_owned());
    config.search.brave_key = Some("brave-key".into());
    config.search.brave_url = Some(base.to_owned());
    config.fetch.host_delay = std::time::Duration::ZERO;
    config
}

#[tokio::test]
async fn online_research_through_searxng() {
    let (base, hits) = web_server(false).await;
    let researcher = WebResearcher::new(online(&base)).unwrap();
    let answer = researcher
        .research(
            &job(json!({"name": "Ada Quill", "company": "Quill Works"})),
            &|_| {},
            &CancelFlag::new(),
        )
        .await
        .unwrap();
    assert_eq!(answer.structured_data["title"], "Chief Technology Officer");
    assert_eq!(answer.structured_data["email"], "ada@quillworks.example");
    assert_eq!(answer.structured_data["location"], "Lisbon, Portugal");
    assert!(answer.references.contains_key(&format!("{base}/team/")));
    assert!(
        !answer.references.contains_key(&format!("{base}/elsewhere")),
        "only pages that support a value"
    );
    assert!(hits.search.load(Ordering::SeqCst) > 0);
    assert_eq!(
        hits.brave.load(Ordering::SeqCst),
        0,
        "SearXNG answered, Brave is not asked"
    );
    assert!(
        hits.queries
            .lock()
            .unwrap()
            .iter()
            .any(|q| q == "\"Ada Quill\" \"Quill Works\"")
    );
}

#[tokio::test]
async fn brave_answers_when_searxng_fails() {
    let (base, hits) = web_server(true).await;
    let researcher = WebResearcher::new(online(&base)).unwrap();
    let answer = researcher
        .research(
            &job(json!({"name": "Ada Quill", "company": "Quill Works"})),
            &|_| {},
            &CancelFlag::new(),
        )
        .await
        .unwrap();
    assert!(hits.brave.load(Ordering::SeqCst) > 0);
    assert_eq!(answer.structured_data["title"], "Chief Technology Officer");
    assert!(
        answer.notes.contains("searxng: HTTP 500"),
        "{}",
        answer.notes
    );
}

#[tokio::test]
async fn providers_report_what_went_wrong() {
    let (base, _) = web_server(true).await;
    let client = reqwest::Client::new();
    let err = Searxng::new(base.clone(), client.clone())
        .search("x", 5)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SearchError::Status {
            provider: "searxng",
            status: 500
        }
    );
    let err = Brave::new(base.clone(), "wrong", client.clone())
        .search("x", 5)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SearchError::Status {
            provider: "brave",
            status: 401
        }
    );
    let hits = Brave::new(base.clone(), "brave-key", client.clone())
        .search("x", 5)
        .await
        .unwrap();
    assert_eq!(hits[0].url, format!("{base}/team/"));
    assert_eq!(hits[0].snippet, "Ada Quill");
    // A page that is not the JSON API.
    let err = Searxng::new(format!("{base}/team"), client)
        .search("x", 5)
        .await;
    assert!(err.is_err());
}

#[tokio::test]
async fn offline_mode_opens_no_socket() {
    let (base, hits) = web_server(false).await;
    let mut config = online(&base);
    config.offline_web = Some(common::fixture().join("web"));
    let researcher = WebResearcher::new(config).unwrap();
    let truth = std::fs::read_to_string(common::fixture().join("truth.jsonl")).unwrap();
    let mut answered = 0;
    for line in truth.lines().take(6) {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let answer = researcher
            .research(&job(case["lead_info"].clone()), &|_| {}, &CancelFlag::new())
            .await
            .unwrap();
        answered += answer
            .structured_data
            .values()
            .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
            .count();
    }
    assert!(answered > 0, "the offline web answered");
    assert_eq!(
        hits.any.load(Ordering::SeqCst),
        0,
        "nothing reached the configured online services"
    );
}

/// The offline web, recording every URL asked for.
struct Recording {
    inner: OfflineTransport,
    urls: Mutex<Vec<String>>,
}

impl Transport for Recording {
    fn get<'a>(
        &'a self,
        url: &'a str,
        limits: &'a FetchLimits,
    ) -> BoxFuture<'a, Result<RawResponse, TransportError>> {
        self.urls.lock().unwrap().push(url.to_owned());
        self.inner.get(url, limits)
    }
}

#[tokio::test]
async fn robots_txt_keeps_the_drafts_unread() {
    let web = OfflineWeb::open(common::fixture().join("web")).unwrap();
    let index = LocalIndex::build(&web).unwrap();
    let transport = Arc::new(Recording {
        inner: OfflineTransport::new(web.clone()),
        urls: Mutex::new(Vec::new()),
    });
    let mut drafts = Vec::new();
    for entry in std::fs::read_dir(common::fixture().join("web/technews.example/drafts")).unwrap() {
        drafts.push(
            entry
                .unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".html")
                .to_owned(),
        );
    }
    assert!(!drafts.is_empty());
    let researcher = WebResearcher::from_parts(
        WebConfig::offline(common::fixture().join("web")),
        SearchChain::new(vec![Arc::new(index)]),
        transport.clone(),
    )
    .unwrap();
    for slug in &drafts {
        let name: Vec<String> = slug
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        let answer = researcher
            .research(
                &job(json!({"name": name.join(" ")})),
                &|_| {},
                &CancelFlag::new(),
            )
            .await
            .unwrap();
        assert_ne!(answer.structured_data["title"], "Chief Happiness Officer");
    }
    let urls = transport.urls.lock().unwrap();
    assert!(
        urls.iter()
            .any(|u| u.ends_with("technews.example/robots.txt"))
    );
    assert!(!urls.iter().any(|u| u.contains("/drafts/")), "{urls:#?}");
}

#[tokio::test]
async fn progress_and_cancellation() {
    let researcher = WebResearcher::new(WebConfig::offline(common::fixture().join("web"))).unwrap();
    let truth = std::fs::read_to_string(common::fixture().join("truth.jsonl")).unwrap();
    let case: serde_json::Value = serde_json::from_str(truth.lines().nth(1).unwrap()).unwrap();
    let job = job(case["lead_info"].clone());

    let seen = Mutex::new(Vec::new());
    researcher
        .research(&job, &|p| seen.lock().unwrap().push(p), &CancelFlag::new())
        .await
        .unwrap();
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.last().unwrap().stage, Stage::Done);
    assert!(
        seen.iter()
            .any(|p| p.stage == Stage::Fetching && p.pages_fetched > 0)
    );
    assert!(
        seen.windows(2)
            .all(|w| w[0].pages_fetched <= w[1].pages_fetched)
    );
    assert!(seen.iter().all(|p| p.pages_fetched <= p.page_budget));

    let cancel = CancelFlag::new();
    cancel.cancel();
    assert!(matches!(
        researcher.research(&job, &|_| {}, &cancel).await,
        Err(WebError::Cancelled)
    ));

    // Cancelled from the progress callback once the first page is read.
    let cancel = CancelFlag::new();
    let result = researcher
        .research(
            &job,
            &|p| {
                if p.pages_fetched > 0 {
                    cancel.cancel()
                }
            },
            &cancel,
        )
        .await;
    assert!(matches!(result, Err(WebError::Cancelled)));
}

#[tokio::test]
async fn bad_settings_are_named() {
    let mut config = WebConfig::default();
    config.search.searxng_url = Some("not a url".into());
    assert!(matches!(
        WebResearcher::new(config),
        Err(WebError::BadUrl {
            what: "SearXNG",
            ..
        })
    ));
    let err = WebResearcher::new(WebConfig::offline("/definitely/not/here")).unwrap_err();
    assert!(err.to_string().contains("/definitely/not/here"), "{err}");
}

#[test]
fn jobs_can_run_on_any_tokio_worker() {
    fn assert_send<T: Send>(_: &T) {}
    fn assert_shareable<T: Send + Sync + Clone + 'static>() {}
    assert_shareable::<WebResearcher>();
    let researcher =
        WebResearcher::new(WebConfig::offline(common::handwritten().join("web"))).unwrap();
    let job = job(json!({"name": "Marta Ilves"}));
    let cancel = CancelFlag::new();
    let progress = |_: sixtyfour_web::Progress| {};
    let future = researcher.research(&job, &progress, &cancel);
    assert_send(&future);
}

#[tokio::test]
async fn an_oversized_search_answer_is_refused_not_held() {
    // A search service whose JSON never ends: 64 MiB of whitespace before anything.
    let app = Router::new().route(
        "/search",
        get(|| async {
            let chunk = axum::body::Bytes::from(vec![b' '; 1024 * 1024]);
            let chunks = futures_util::stream::iter(
                (0..64).map(move |_| Ok::<_, std::convert::Infallible>(chunk.clone())),
            );
            axum::body::Body::from_stream(chunks)
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let err = Searxng::new(base, reqwest::Client::new())
        .search("x", 5)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SearchError::Decode {
            provider: "searxng",
            message: format!(
                "the answer is over {} bytes",
                sixtyfour_web::search::MAX_ANSWER_BYTES
            ),
        }
    );
}
