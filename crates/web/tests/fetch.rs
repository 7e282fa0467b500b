//! The fetcher against a server on 127.0.0.1: robots.txt, redirects re-checked hop by hop,
//! content types, size cap, page budget, cache, per-host concurrency; and the per-host delay on
//! a paused clock.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::future::BoxFuture;
use sixtyfour_web::FetchLimits;
use sixtyfour_web::fetch::{
    ContentKind, Fetcher, Hosts, HttpTransport, RawResponse, Skip, Transport, TransportError,
};

#[derive(Clone, Default)]
struct Seen {
    paths: Arc<Mutex<Vec<String>>>,
    in_flight: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
}

impl Seen {
    fn saw(&self, path: &str) -> usize {
        self.paths
            .lock()
            .unwrap()
            .iter()
            .filter(|p| *p == path)
            .count()
    }
}

fn html(body: &str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body.to_owned(),
    )
        .into_response()
}

fn redirect(to: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to.to_owned())]).into_response()
}

async fn handler(State(seen): State<Seen>, Path(path): Path<String>) -> Response {
    let path = format!("/{path}");
    seen.paths.lock().unwrap().push(path.clone());
    match path.as_str() {
        "/robots.txt" => (
            [(header::CONTENT_TYPE, "text/plain")],
            "User-agent: *\nDisallow: /private/\n",
        )
            .into_response(),
        "/page" | "/private/x" | "/private/c" => html("<p>hello</p>"),
        "/moved" => (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, "/page")]).into_response(),
        "/a" => redirect("/b"),
        "/b" => redirect("/private/c"),
        "/to-ftp" => redirect("ftp://127.0.0.1/file"),
        "/loop" => redirect("/loop"),
        "/doc.pdf" => ([(header::CONTENT_TYPE, "application/pdf")], vec![b'%'; 10]).into_response(),
        "/data.json" => {
            ([(header::CONTENT_TYPE, "application/json")], "{\"a\": 1}").into_response()
        }
        "/big" => html(&"x".repeat(3 * 1024 * 1024)),
        "/stuck" => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            html("<p>too late</p>")
        }
        p if p.starts_with("/slow/") => {
            let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            seen.most.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(100)).await;
            seen.in_flight.fetch_sub(1, Ordering::SeqCst);
            html("<p>slow</p>")
        }
        _ => (StatusCode::NOT_FOUND, "no").into_response(),
    }
}

async fn server() -> (String, Seen) {
    let seen = Seen::default();
    let router = Router::new()
        .route("/{*path}", get(handler))
        .with_state(seen.clone());
    (common::serve(router).await, seen)
}

fn limits() -> FetchLimits {
    let mut limits = FetchLimits::default();
    limits.host_delay = Duration::ZERO;
    limits.timeout = Duration::from_secs(30);
    limits
}

fn fetcher(limits: FetchLimits) -> Fetcher {
    Fetcher::new(Arc::new(HttpTransport::new(&limits).unwrap()), limits)
}

#[tokio::test]
async fn robots_txt_is_honoured_on_every_hop() {
    let (base, seen) = server().await;
    let f = fetcher(limits());
    assert_eq!(
        f.fetch(&format!("{base}/private/x")).await.unwrap_err(),
        Skip::Robots
    );
    assert_eq!(seen.saw("/private/x"), 0);
    // /a -> /b -> /private/c: the last hop is refused before it is requested.
    assert_eq!(
        f.fetch(&format!("{base}/a")).await.unwrap_err(),
        Skip::Robots
    );
    assert_eq!(seen.saw("/b"), 1);
    assert_eq!(seen.saw("/private/c"), 0);
    assert_eq!(
        seen.saw("/robots.txt"),
        1,
        "robots.txt is read once per job"
    );
}

#[tokio::test]
async fn redirects_are_followed_within_limits() {
    let (base, seen) = server().await;
    let f = fetcher(limits());
    let page = f.fetch(&format!("{base}/moved")).await.unwrap();
    assert_eq!(page.final_url, format!("{base}/page"));
    assert_eq!(page.body, "<p>hello</p>");
    assert_eq!(
        f.fetch(&format!("{base}/to-ftp")).await.unwrap_err(),
        Skip::Refused("a redirect to a scheme other than http(s)")
    );
    assert_eq!(
        f.fetch(&format!("{base}/loop")).await.unwrap_err(),
        Skip::Refused("too many redirects")
    );
    assert_eq!(seen.saw("/loop"), 6, "the first request and five redirects");
    assert_eq!(
        f.fetch(&format!("{base}/nothing")).await.unwrap_err(),
        Skip::Refused("not found")
    );
    assert_eq!(
        f.fetch("file:///etc/passwd").await.unwrap_err(),
        Skip::Scheme
    );
}

#[tokio::test]
async fn only_html_and_json_are_read_and_bodies_are_capped() {
    let (base, _) = server().await;
    let mut small = limits();
    small.max_bytes = 1000;
    let f = fetcher(small);
    assert!(
        matches!(f.fetch(&format!("{base}/doc.pdf")).await.unwrap_err(), Skip::ContentType(t) if t == "application/pdf")
    );
    let json = f.fetch(&format!("{base}/data.json")).await.unwrap();
    assert_eq!(json.kind, ContentKind::Json);
    let big = f.fetch(&format!("{base}/big")).await.unwrap();
    assert!(big.truncated);
    assert_eq!(big.body.len(), 1000);
}

#[tokio::test]
async fn a_page_that_does_not_answer_in_time_is_skipped() {
    let (base, _) = server().await;
    let mut quick = limits();
    quick.timeout = Duration::from_secs(1);
    let f = fetcher(quick);
    assert!(matches!(
        f.fetch(&format!("{base}/stuck")).await.unwrap_err(),
        Skip::Transport(_)
    ));
}

#[tokio::test]
async fn the_budget_and_the_cache() {
    let (base, seen) = server().await;
    let mut two = limits();
    two.page_budget = 2;
    let f = fetcher(two);
    f.fetch(&format!("{base}/page")).await.unwrap();
    f.fetch(&format!("{base}/page")).await.unwrap();
    assert_eq!(
        seen.saw("/page"),
        1,
        "the second read comes from the job's cache"
    );
    f.fetch(&format!("{base}/data.json")).await.unwrap();
    assert_eq!(
        f.fetch(&format!("{base}/slow/1")).await.unwrap_err(),
        Skip::Budget
    );
    assert_eq!(seen.saw("/slow/1"), 0);
    assert_eq!(f.counts().requests, 2);
    assert_eq!(f.counts().budget, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_at_a_time_per_host() {
    let (base, seen) = server().await;
    let mut one = limits();
    one.per_host_concurrency = 1;
    let f = Arc::new(fetcher(one));
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let f = f.clone();
            let url = format!("{base}/slow/{i}");
            tokio::spawn(async move { f.fetch(&url).await.map(|_| ()) })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(seen.most.load(Ordering::SeqCst), 1);
}

/// A transport that records when each request starts, on the (paused) tokio clock.
#[derive(Default)]
struct Clocked {
    starts: Mutex<HashMap<String, Vec<tokio::time::Instant>>>,
    /// How long robots.txt takes to answer.
    robots_delay: Duration,
}

impl Transport for Clocked {
    fn get<'a>(
        &'a self,
        url: &'a str,
        _: &'a FetchLimits,
    ) -> BoxFuture<'a, Result<RawResponse, TransportError>> {
        Box::pin(async move {
            let host = url::Url::parse(url).unwrap().host_str().unwrap().to_owned();
            self.starts
                .lock()
                .unwrap()
                .entry(host)
                .or_default()
                .push(tokio::time::Instant::now());
            if url.ends_with("/robots.txt") {
                tokio::time::sleep(self.robots_delay).await;
            }
            Ok(RawResponse {
                status: 200,
                content_type: Some("text/html".into()),
                body: b"<p>x</p>".to_vec(),
                ..RawResponse::default()
            })
        })
    }
}

#[tokio::test(start_paused = true)]
async fn requests_to_one_host_keep_their_distance() {
    let transport = Arc::new(Clocked::default());
    let mut limits = limits();
    limits.host_delay = Duration::from_secs(2);
    let f = Fetcher::new(transport.clone(), limits);
    for url in [
        "https://a.example/1",
        "https://a.example/2",
        "https://b.example/1",
        "https://a.example/3",
    ] {
        f.fetch(url).await.unwrap();
    }
    let starts = transport.starts.lock().unwrap();
    let a = &starts["a.example"];
    assert_eq!(a.len(), 4, "robots.txt and three pages");
    for pair in a.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_secs(2),
            "{:?}",
            pair[1] - pair[0]
        );
    }
    assert_eq!(starts["b.example"].len(), 2);
}

#[tokio::test(start_paused = true)]
async fn jobs_sharing_hosts_keep_one_pace_and_read_robots_once() {
    // robots.txt answers slowly, so that all three jobs ask for it at once.
    let transport = Arc::new(Clocked {
        robots_delay: Duration::from_secs(1),
        ..Clocked::default()
    });
    let mut limits = limits();
    limits.host_delay = Duration::from_secs(2);
    let hosts = Arc::new(Hosts::new(
        limits.per_host_concurrency,
        Duration::from_secs(10),
    ));
    let jobs: Vec<Arc<Fetcher>> = (0..3)
        .map(|_| {
            Arc::new(Fetcher::shared(
                transport.clone(),
                limits.clone(),
                hosts.clone(),
            ))
        })
        .collect();
    // Three jobs at once, two pages each, all on one host.
    let tasks: Vec<_> = jobs
        .iter()
        .enumerate()
        .flat_map(|(job, f)| {
            (0..2).map(move |page| {
                let f = f.clone();
                tokio::spawn(async move {
                    f.fetch(&format!("https://a.example/{job}/{page}"))
                        .await
                        .map(|_| ())
                })
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let mut sorted = transport.starts.lock().unwrap()["a.example"].clone();
    assert_eq!(sorted.len(), 7, "robots.txt once, then six pages");
    sorted.sort();
    for pair in sorted.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_secs(2),
            "jobs share the host's pace: {:?}",
            pair[1] - pair[0]
        );
    }

    // A fetcher of its own (another researcher) reads robots.txt itself.
    let alone = Fetcher::new(transport.clone(), limits);
    alone.fetch("https://a.example/alone").await.unwrap();
    assert_eq!(transport.starts.lock().unwrap()["a.example"].len(), 9);
}
