//! Web search behind one trait: SearXNG's JSON API first, Brave Search's API second, and a
//! local BM25 index over an offline web. A query is plain text where `"quoted words"` are
//! phrases.

pub mod brave;
pub mod index;
pub mod searxng;

use std::sync::Arc;

use futures_util::future::BoxFuture;

pub use brave::Brave;
pub use index::LocalIndex;
pub use searxng::Searxng;

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct SearchHit {
    /// The page's URL.
    pub url: String,
    /// Its title.
    #[serde(default)]
    pub title: String,
    /// A text snippet.
    #[serde(default)]
    pub snippet: String,
}

/// The most bytes a provider's answer may hold. A page of results is a few tens of KiB; a
/// bigger answer is refused once this much was read, so a broken or hostile search service
/// costs bounded memory.
pub const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

/// Sends a provider's request and reads its JSON answer, at most [`MAX_ANSWER_BYTES`] of it:
/// a failed request, an error status, an answer too big or not the expected JSON is an error
/// naming the provider.
pub(crate) async fn answer_json<T: serde::de::DeserializeOwned>(
    provider: &'static str,
    request: reqwest::RequestBuilder,
) -> Result<T, SearchError> {
    let transport = |e: reqwest::Error| SearchError::Transport {
        provider,
        message: e.to_string(),
    };
    let mut response = request.send().await.map_err(transport)?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(SearchError::Status { provider, status });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(SearchError::Decode {
                provider,
                message: format!("the answer is over {MAX_ANSWER_BYTES} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| SearchError::Decode {
        provider,
        message: e.to_string(),
    })
}

/// Why a search failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// The request failed (connection, timeout).
    #[error("{provider}: request failed: {message}")]
    Transport {
        /// The provider's name.
        provider: &'static str,
        /// What failed.
        message: String,
    },
    /// The provider answered with an error status.
    #[error("{provider}: HTTP {status}")]
    Status {
        /// The provider's name.
        provider: &'static str,
        /// The status code.
        status: u16,
    },
    /// The answer was not the expected JSON.
    #[error("{provider}: unreadable answer: {message}")]
    Decode {
        /// The provider's name.
        provider: &'static str,
        /// What was wrong.
        message: String,
    },
}

/// A search engine.
pub trait SearchProvider: Send + Sync {
    /// A short name for notes and errors.
    fn name(&self) -> &'static str;
    /// Up to `limit` results for `query`, best first.
    fn search<'a>(
        &'a self,
        query: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SearchError>>;
}

/// Providers tried in order: the first that answers with results wins; failures are kept for
/// the notes.
#[derive(Clone, Default)]
pub struct SearchChain {
    providers: Vec<Arc<dyn SearchProvider>>,
}

impl std::fmt::Debug for SearchChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.providers.iter().map(|p| p.name()).collect();
        f.debug_struct("SearchChain")
            .field("providers", &names)
            .finish()
    }
}

impl SearchChain {
    /// A chain of these providers, tried in order.
    pub fn new(providers: Vec<Arc<dyn SearchProvider>>) -> SearchChain {
        SearchChain { providers }
    }

    /// True when no provider is configured.
    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    /// The results of the first provider that answers with some, and the failures before it.
    pub async fn search(&self, query: &str, limit: usize) -> (Vec<SearchHit>, Vec<SearchError>) {
        let mut errors = Vec::new();
        for provider in &self.providers {
            match provider.search(query, limit).await {
                Ok(hits) if !hits.is_empty() => return (hits, errors),
                Ok(_) => {}
                Err(e) => errors.push(e),
            }
        }
        (Vec::new(), errors)
    }
}

/// Splits a query into phrases: quoted runs are one phrase each, other words one each.
///
/// ```
/// assert_eq!(
///     sixtyfour_web::search::phrases(r#""Ada Quill" "Quill Works" cto"#),
///     vec!["Ada Quill", "Quill Works", "cto"]
/// );
/// ```
pub fn phrases(query: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = query;
    while let Some(start) = rest.find('"') {
        out.extend(rest[..start].split_whitespace().map(str::to_owned));
        let after = &rest[start + 1..];
        match after.find('"') {
            Some(end) => {
                let phrase = after[..end].trim();
                if !phrase.is_empty() {
                    out.push(phrase.to_owned());
                }
                rest = &after[end + 1..];
            }
            None => {
                rest = after;
            }
        }
    }
    out.extend(rest.split_whitespace().map(str::to_owned));
    out
}
