//! A SearXNG instance's JSON API: `GET {base}/search?q=...&format=json`, results
//! `[{url, title, content}]`.

use futures_util::future::BoxFuture;
use serde::Deserialize;

use super::{SearchError, SearchHit, SearchProvider};

/// A SearXNG instance (its `json` output format must be enabled in its settings).
#[derive(Debug, Clone)]
pub struct Searxng {
    base_url: String,
    client: reqwest::Client,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    results: Vec<Hit>,
}

#[derive(Deserialize)]
struct Hit {
    url: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    content: Option<String>,
}

impl Searxng {
    /// A client for the instance at `base_url`.
    pub fn new(base_url: impl Into<String>, client: reqwest::Client) -> Searxng {
        Searxng {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            client,
        }
    }
}

impl SearchProvider for Searxng {
    fn name(&self) -> &'static str {
        "searxng"
    }

    fn search<'a>(
        &'a self,
        query: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SearchError>> {
        Box::pin(async move {
            let request = self
                .client
                .get(format!("{}/search", self.base_url))
                .query(&[("q", query), ("format", "json")]);
            let answer: Answer = super::answer_json("searxng", request).await?;
            Ok(answer
                .results
                .into_iter()
                .filter_map(|hit| {
                    Some(SearchHit {
                        url: hit.url.filter(|u| u.starts_with("http"))?,
                        title: hit.title.unwrap_or_default(),
                        snippet: hit.content.unwrap_or_default(),
                    })
                })
                .take(limit)
                .collect())
        })
    }
}
