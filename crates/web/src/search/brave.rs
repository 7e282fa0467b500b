//! Brave Search's web search API: `GET {base}/res/v1/web/search?q=...` with the
//! `X-Subscription-Token` header; results under `web.results[{url, title, description}]`.

use futures_util::future::BoxFuture;
use serde::Deserialize;

use super::{SearchError, SearchHit, SearchProvider};

/// Brave's public API address.
pub const BRAVE_URL: &str = "https://api.search.brave.com";

/// A Brave Search API client.
#[derive(Clone)]
pub struct Brave {
    base_url: String,
    key: String,
    client: reqwest::Client,
}

impl std::fmt::Debug for Brave {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Brave")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    web: Option<Web>,
}

#[derive(Deserialize)]
struct Web {
    #[serde(default)]
    results: Vec<Hit>,
}

#[derive(Deserialize)]
struct Hit {
    url: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

impl Brave {
    /// A client with this key, at `base_url` (use [`BRAVE_URL`] for the real service).
    pub fn new(
        base_url: impl Into<String>,
        key: impl Into<String>,
        client: reqwest::Client,
    ) -> Brave {
        Brave {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            key: key.into(),
            client,
        }
    }
}

impl SearchProvider for Brave {
    fn name(&self) -> &'static str {
        "brave"
    }

    fn search<'a>(
        &'a self,
        query: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SearchError>> {
        Box::pin(async move {
            let count = limit.clamp(1, 20).to_string();
            let request = self
                .client
                .get(format!("{}/res/v1/web/search", self.base_url))
                .query(&[("q", query), ("count", count.as_str())])
                .header("X-Subscription-Token", &self.key)
                .header("Accept", "application/json");
            let answer: Answer = super::answer_json("brave", request).await?;
            Ok(answer
                .web
                .map(|w| w.results)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|hit| {
                    Some(SearchHit {
                        url: hit.url.filter(|u| u.starts_with("http"))?,
                        title: hit.title.unwrap_or_default(),
                        snippet: hit.description.unwrap_or_default(),
                    })
                })
                .take(limit)
                .collect())
        })
    }
}
