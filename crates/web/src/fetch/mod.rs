//! Polite page fetching for one job: robots.txt honoured, per-host concurrency and delay, size
//! and time caps, only HTML and JSON, a limited number of redirects (each hop re-checked), a page
//! budget and a cache. The per-host gates and pace and the robots.txt files live in [`Hosts`],
//! which the jobs of one researcher share. The network itself sits behind [`Transport`], so the
//! same fetcher reads the live web ([`HttpTransport`]) or an offline directory
//! ([`OfflineTransport`]).

pub mod hosts;
pub mod policy;
pub mod robots;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::config::FetchLimits;
use crate::offline::OfflineWeb;
pub use hosts::Hosts;
pub use policy::ContentKind;
pub use robots::Robots;

/// One HTTP response as the fetcher needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawResponse {
    /// The status code.
    pub status: u16,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The `Location` header.
    pub location: Option<String>,
    /// The body, at most `max_bytes` long; empty for content types that are not read.
    pub body: Vec<u8>,
    /// True when the body was cut at `max_bytes`.
    pub truncated: bool,
}

/// A transport failure (connection, timeout, unreadable URL).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(pub String);

/// Makes one GET request, following no redirect.
pub trait Transport: Send + Sync {
    /// GETs `url` with the user agent, time limit and size cap of `limits`.
    fn get<'a>(
        &'a self,
        url: &'a str,
        limits: &'a FetchLimits,
    ) -> BoxFuture<'a, Result<RawResponse, TransportError>>;
}

/// True for content types whose body is worth reading (pages, JSON, robots.txt).
fn readable(content_type: Option<&str>) -> bool {
    match content_type {
        Some(ct) => {
            policy::content_kind(ct).is_some()
                || ct.trim().to_ascii_lowercase().starts_with("text/plain")
        }
        None => true,
    }
}

/// The live web over reqwest (rustls), with redirects left to the fetcher.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
}

impl HttpTransport {
    /// A transport with the user agent and time limit of `limits`.
    pub fn new(limits: &FetchLimits) -> Result<HttpTransport, crate::WebError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(limits.user_agent.clone())
            .timeout(limits.timeout)
            .connect_timeout(limits.timeout)
            .build()
            .map_err(|e| crate::WebError::Http(e.to_string()))?;
        Ok(HttpTransport { client })
    }
}

impl Transport for HttpTransport {
    fn get<'a>(
        &'a self,
        url: &'a str,
        limits: &'a FetchLimits,
    ) -> BoxFuture<'a, Result<RawResponse, TransportError>> {
        Box::pin(async move {
            let mut response = self
                .client
                .get(url)
                .header(
                    "accept",
                    "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.1",
                )
                .send()
                .await
                .map_err(|e| TransportError(e.to_string()))?;
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let mut out = RawResponse {
                status: response.status().as_u16(),
                content_type: header("content-type"),
                location: header("location"),
                ..RawResponse::default()
            };
            if !(200..300).contains(&out.status) || !readable(out.content_type.as_deref()) {
                return Ok(out);
            }
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| TransportError(e.to_string()))?
            {
                let room = limits.max_bytes.saturating_sub(out.body.len());
                if chunk.len() > room {
                    out.body.extend_from_slice(&chunk[..room]);
                    out.truncated = true;
                    break;
                }
                out.body.extend_from_slice(&chunk);
            }
            Ok(out)
        })
    }
}

/// The offline web as a transport: every URL is answered from its file, or 404.
#[derive(Debug, Clone)]
pub struct OfflineTransport {
    web: OfflineWeb,
}

impl OfflineTransport {
    /// A transport over this directory.
    pub fn new(web: OfflineWeb) -> OfflineTransport {
        OfflineTransport { web }
    }
}

impl Transport for OfflineTransport {
    fn get<'a>(
        &'a self,
        url: &'a str,
        limits: &'a FetchLimits,
    ) -> BoxFuture<'a, Result<RawResponse, TransportError>> {
        Box::pin(async move {
            match self.web.read(url) {
                Ok(Some((mut body, content_type))) => {
                    let truncated = body.len() > limits.max_bytes;
                    body.truncate(limits.max_bytes);
                    if !readable(Some(content_type)) {
                        body.clear();
                    }
                    Ok(RawResponse {
                        status: 200,
                        content_type: Some(content_type.to_owned()),
                        location: None,
                        body,
                        truncated,
                    })
                }
                Ok(None) => Ok(RawResponse {
                    status: 404,
                    ..RawResponse::default()
                }),
                Err(e) => Err(TransportError(format!("{url}: {e}"))),
            }
        })
    }
}

/// A fetched page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The URL asked for.
    pub url: String,
    /// The URL the content came from, after redirects.
    pub final_url: String,
    /// HTML or JSON.
    pub kind: ContentKind,
    /// The body as text (lossy UTF-8).
    pub body: String,
    /// True when the body was cut at the size cap.
    pub truncated: bool,
}

/// Why a URL was not fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Skip {
    /// The job's page budget is spent.
    #[error("page budget spent")]
    Budget,
    /// robots.txt disallows it.
    #[error("disallowed by robots.txt")]
    Robots,
    /// Not an http(s) URL.
    #[error("not an http(s) URL")]
    Scheme,
    /// Not HTML or JSON.
    #[error("content type {0:?} is not read")]
    ContentType(String),
    /// The server refused, failed, or redirected badly.
    #[error("{0}")]
    Refused(&'static str),
    /// The request failed.
    #[error("transport: {0}")]
    Transport(String),
}

/// Pages fetched and budget, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FetchCounts {
    /// Page requests made (redirect hops included; robots.txt and cache hits not).
    pub requests: usize,
    /// The job's page budget.
    pub budget: usize,
}

#[derive(Default)]
struct State {
    cache: HashMap<String, Result<Arc<Page>, Skip>>,
    /// This job's robots.txt per origin, including answers too uncertain to share.
    robots: HashMap<String, Arc<Robots>>,
    requests: usize,
}

/// The fetcher of one job: polite, budgeted, cached.
pub struct Fetcher {
    transport: Arc<dyn Transport>,
    limits: FetchLimits,
    hosts: Arc<Hosts>,
    state: Mutex<State>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Fetcher {
    /// A fetcher for one job, polite on its own (its hosts are shared with no other job).
    pub fn new(transport: Arc<dyn Transport>, limits: FetchLimits) -> Fetcher {
        let hosts = Arc::new(Hosts::new(
            limits.per_host_concurrency,
            limits.crawl_delay_cap.max(limits.host_delay),
        ));
        Fetcher::shared(transport, limits, hosts)
    }

    /// A fetcher for one job whose per-host gates, pace and robots.txt files are `hosts`,
    /// shared with other jobs (the researcher gives all its jobs the same).
    pub fn shared(
        transport: Arc<dyn Transport>,
        limits: FetchLimits,
        hosts: Arc<Hosts>,
    ) -> Fetcher {
        Fetcher {
            transport,
            limits,
            hosts,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Requests made so far and the budget.
    pub fn counts(&self) -> FetchCounts {
        FetchCounts {
            requests: self.lock().requests,
            budget: self.limits.page_budget,
        }
    }

    /// Fetches a page (from the cache when it was fetched before in this job).
    pub async fn fetch(&self, url: &str) -> Result<Arc<Page>, Skip> {
        if let Some(done) = self.lock().cache.get(url) {
            return done.clone();
        }
        let result = self.fetch_uncached(url).await;
        let mut state = self.lock();
        if let Ok(page) = &result {
            state.cache.insert(page.final_url.clone(), result.clone());
        }
        if result != Err(Skip::Budget) {
            state.cache.insert(url.to_owned(), result.clone());
        }
        result
    }

    async fn fetch_uncached(&self, url: &str) -> Result<Arc<Page>, Skip> {
        let mut current = url::Url::parse(url).map_err(|_| Skip::Scheme)?;
        let mut hops = 0;
        loop {
            if !policy::allowed_scheme(&current) {
                return Err(Skip::Scheme);
            }
            let robots = self.robots_for(&current).await;
            let path = match current.query() {
                Some(q) => format!("{}?{q}", current.path()),
                None => current.path().to_owned(),
            };
            if !robots.allows(&self.limits.user_agent, &path) {
                return Err(Skip::Robots);
            }
            {
                let mut state = self.lock();
                if state.requests >= self.limits.page_budget {
                    return Err(Skip::Budget);
                }
                state.requests += 1;
            }
            let delay = policy::host_delay(
                self.limits.host_delay,
                robots.crawl_delay(&self.limits.user_agent),
                self.limits.crawl_delay_cap,
            );
            let response = self.polite_get(current.as_str(), delay).await?;
            match policy::next_step(
                &current,
                response.status,
                response.location.as_deref(),
                hops,
                self.limits.max_redirects,
            ) {
                policy::Step::Page => {
                    let content_type = response.content_type.clone().unwrap_or_default();
                    let kind = policy::content_kind(&content_type)
                        .ok_or_else(|| Skip::ContentType(content_type.clone()))?;
                    return Ok(Arc::new(Page {
                        url: url.to_owned(),
                        final_url: current.to_string(),
                        kind,
                        body: String::from_utf8_lossy(&response.body).into_owned(),
                        truncated: response.truncated,
                    }));
                }
                policy::Step::Redirect(next) => {
                    hops += 1;
                    current = url::Url::parse(&next).map_err(|_| Skip::Scheme)?;
                }
                policy::Step::Refuse(reason) => return Err(Skip::Refused(reason)),
            }
        }
    }

    /// One GET under the host's gate (concurrency) and delay.
    async fn polite_get(&self, url: &str, delay: Duration) -> Result<RawResponse, Skip> {
        let host = normalize_host(url);
        let gate = self.hosts.gate(&host);
        let _permit = gate
            .acquire_owned()
            .await
            .map_err(|_| Skip::Transport("host gate closed".into()))?;
        let wait = self.hosts.reserve(&host, delay);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        self.transport
            .get(url, &self.limits)
            .await
            .map_err(|e| Skip::Transport(e.0))
    }

    /// The robots.txt of the URL's origin: this job's, else a fresh one another job read,
    /// else fetched. A file or a 4xx is shared with later jobs; a failure or a 5xx (read as
    /// "allow all") counts for this job only, so the next one asks again.
    async fn robots_for(&self, url: &url::Url) -> Arc<Robots> {
        let origin = url.origin().ascii_serialization();
        if let Some(robots) = self.lock().robots.get(&origin) {
            return robots.clone();
        }
        if let Some(robots) = self.hosts.robots(&origin) {
            self.lock().robots.insert(origin, robots.clone());
            return robots;
        }
        let reading = self.hosts.reading(&origin);
        let _reading = reading.lock().await;
        // Another job may have read it while this one waited.
        if let Some(robots) = self.hosts.robots(&origin) {
            self.lock().robots.insert(origin, robots.clone());
            return robots;
        }
        let robots_url = format!("{origin}/robots.txt");
        let (robots, definitive) = match self.polite_get(&robots_url, self.limits.host_delay).await
        {
            Ok(response) if (200..300).contains(&response.status) => (
                Robots::parse(&String::from_utf8_lossy(&response.body)),
                true,
            ),
            Ok(response) if matches!(response.status, 401 | 403) => (Robots::deny_all(), true),
            Ok(response) if (400..500).contains(&response.status) => (Robots::allow_all(), true),
            _ => (Robots::allow_all(), false),
        };
        let robots = Arc::new(robots);
        if definitive {
            self.hosts.keep_robots(&origin, robots.clone());
        }
        self.lock().robots.insert(origin, robots.clone());
        robots
    }
}

fn normalize_host(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default()
}
