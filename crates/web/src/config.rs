//! Settings of the researcher: where it searches, how it fetches, and the optional language
//! model. Defaults are the product; every figure in the README is measured with them.

use std::path::PathBuf;
use std::time::Duration;

/// Limits of the fetcher (per job).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FetchLimits {
    /// The `User-Agent` sent, also the name looked for in robots.txt.
    pub user_agent: String,
    /// Largest body read, in bytes; longer bodies are cut.
    pub max_bytes: usize,
    /// Time limit of one request.
    pub timeout: Duration,
    /// Redirect hops followed per fetch.
    pub max_redirects: usize,
    /// Page requests per job (robots.txt and cache hits not counted).
    pub page_budget: usize,
    /// Requests in flight to one host at once.
    pub per_host_concurrency: usize,
    /// Least time between two requests to one host.
    pub host_delay: Duration,
    /// Highest `Crawl-delay` honoured.
    pub crawl_delay_cap: Duration,
}

impl Default for FetchLimits {
    fn default() -> Self {
        FetchLimits {
            user_agent: format!("sixtyfour-web/{}", env!("CARGO_PKG_VERSION")),
            max_bytes: 2 * 1024 * 1024,
            timeout: Duration::from_secs(15),
            max_redirects: 5,
            page_budget: 24,
            per_host_concurrency: 2,
            host_delay: Duration::from_millis(500),
            crawl_delay_cap: Duration::from_secs(10),
        }
    }
}

/// An OpenAI-compatible chat-completions endpoint.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LlmConfig {
    /// The base URL; requests go to `{base_url}/chat/completions`.
    pub base_url: String,
    /// The model name sent.
    pub model: String,
    /// The environment variable holding the API key (none sent when `None`).
    pub key_env: Option<String>,
    /// Time limit of one request.
    pub timeout: Duration,
    /// Attempts after the first on a timeout, 429, 5xx or malformed answer.
    pub retries: usize,
    /// Pause before a retry (doubled each time).
    pub backoff: Duration,
    /// Characters of page text sent per page.
    pub max_chars_per_page: usize,
    /// Pages sent at most.
    pub max_pages: usize,
}

impl LlmConfig {
    /// An endpoint and model with the default limits.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> LlmConfig {
        LlmConfig {
            base_url: base_url.into(),
            model: model.into(),
            key_env: None,
            timeout: Duration::from_secs(60),
            retries: 2,
            backoff: Duration::from_millis(500),
            max_chars_per_page: 6_000,
            max_pages: 8,
        }
    }

    /// Names the environment variable that holds the key.
    pub fn key_env(mut self, name: impl Into<String>) -> LlmConfig {
        self.key_env = Some(name.into());
        self
    }
}

/// Where searches go. Its `Debug` output never shows the Brave key.
#[derive(Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct SearchConfig {
    /// A SearXNG instance's base URL (its JSON API must be enabled).
    pub searxng_url: Option<String>,
    /// Brave Search's API key (tried after SearXNG).
    pub brave_key: Option<String>,
    /// Brave's base URL (`https://api.search.brave.com` unless changed for tests).
    pub brave_url: Option<String>,
    /// Results read per query.
    pub results_per_query: usize,
    /// Queries run per job at most.
    pub max_queries: usize,
}

impl std::fmt::Debug for SearchConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchConfig")
            .field("searxng_url", &self.searxng_url)
            .field("brave_key", &self.brave_key.as_ref().map(|_| "<redacted>"))
            .field("brave_url", &self.brave_url)
            .field("results_per_query", &self.results_per_query)
            .field("max_queries", &self.max_queries)
            .finish()
    }
}

/// Everything the researcher needs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebConfig {
    /// Online search providers (ignored in offline mode).
    pub search: SearchConfig,
    /// Fetch limits.
    pub fetch: FetchLimits,
    /// The optional language model.
    pub llm: Option<LlmConfig>,
    /// When set, the web is this directory: fetches are read from it and searches run over it;
    /// nothing else is reached.
    pub offline_web: Option<PathBuf>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            search: SearchConfig {
                results_per_query: 8,
                max_queries: 8,
                ..SearchConfig::default()
            },
            fetch: FetchLimits::default(),
            llm: None,
            offline_web: None,
        }
    }
}

impl WebConfig {
    /// The offline configuration over a fixture web directory: no host delay (nothing is
    /// reached over a network), everything else as the defaults.
    pub fn offline(dir: impl Into<PathBuf>) -> WebConfig {
        let mut config = WebConfig {
            offline_web: Some(dir.into()),
            ..WebConfig::default()
        };
        config.fetch.host_delay = Duration::ZERO;
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_brave_key() {
        let mut config = WebConfig::default();
        config.search.brave_key = Some("brave-secret-123".into());
        let shown = format!("{config:?}");
        assert!(!shown.contains("brave-secret-123"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        config.search.brave_key = None;
        assert!(!format!("{config:?}").contains("<redacted>"));
    }
}
