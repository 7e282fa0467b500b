//! The flags of the web researcher (`--researcher web`): where it searches, how politely it
//! fetches, and the optional language model; and the checks that keep them from being given
//! where nothing reads them. They are plain values here; with the `web` feature they become a
//! `sixtyfour_web::WebConfig` (see [`WebArgs::config`]).

use std::path::PathBuf;
use std::time::Duration;

use super::parse_duration;

/// Where the web researcher searches and how it fetches.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct WebArgs {
    /// Answer every fetch of https://HOST/PATH from DIR/HOST/PATH and search over the same
    /// files (a fixture web); nothing else is reached.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["searxng_url", "brave_key_env", "brave_url"])]
    pub offline_web: Option<PathBuf>,
    /// A SearXNG instance (its JSON API enabled), searched first.
    #[arg(long, value_name = "URL")]
    pub searxng_url: Option<String>,
    /// The environment variable that holds a Brave Search API key; Brave is searched after
    /// SearXNG (or alone).
    #[arg(long, value_name = "VAR")]
    pub brave_key_env: Option<String>,
    /// Brave Search's API base URL (default: `https://api.search.brave.com`).
    #[arg(long, value_name = "URL", requires = "brave_key_env")]
    pub brave_url: Option<String>,
    /// Page requests per job (robots.txt and cached pages not counted) [default: 24].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub page_budget: Option<u64>,
    /// The time limit of one page request [default: 15s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub fetch_timeout: Option<Duration>,
    /// The most bytes read of one page; longer pages are cut [default: 2097152].
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1024..))]
    pub max_page_bytes: Option<u64>,
    /// The least time between two requests to one host, raised to a site's Crawl-delay
    /// [default: 500ms; 0 with --offline-web].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub host_delay: Option<Duration>,
    /// Requests in flight to one host at once [default: 2].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=64))]
    pub host_concurrency: Option<u64>,
    /// The User-Agent sent, and the name looked for in robots.txt [default:
    /// sixtyfour-web/VERSION]; a contact URL in it is good manners.
    #[arg(long, value_name = "TEXT")]
    pub user_agent: Option<String>,
    /// The optional language model.
    #[command(flatten)]
    pub llm: LlmArgs,
}

/// An OpenAI-compatible chat-completions endpoint that reads the fetched pages; every value it
/// gives must cite one of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct LlmArgs {
    /// The endpoint's base URL; requests go to {URL}/chat/completions (e.g.
    /// `https://api.openai.com/v1`, or a local server's `/v1`).
    #[arg(long, value_name = "URL", requires = "llm_model")]
    pub llm_base_url: Option<String>,
    /// The model name sent.
    #[arg(long, value_name = "NAME", requires = "llm_base_url")]
    pub llm_model: Option<String>,
    /// The environment variable that holds the endpoint's API key (none is sent without it).
    #[arg(long, value_name = "VAR", requires = "llm_base_url")]
    pub llm_key_env: Option<String>,
    /// The time limit of one model request [default: 60s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "llm_base_url")]
    pub llm_timeout: Option<Duration>,
}

impl WebArgs {
    /// The flags given (as typed on the command line), for refusing them where nothing reads
    /// them.
    pub fn given(&self) -> Vec<&'static str> {
        let flags = [
            (self.offline_web.is_some(), "--offline-web"),
            (self.searxng_url.is_some(), "--searxng-url"),
            (self.brave_key_env.is_some(), "--brave-key-env"),
            (self.brave_url.is_some(), "--brave-url"),
            (self.page_budget.is_some(), "--page-budget"),
            (self.fetch_timeout.is_some(), "--fetch-timeout"),
            (self.max_page_bytes.is_some(), "--max-page-bytes"),
            (self.host_delay.is_some(), "--host-delay"),
            (self.host_concurrency.is_some(), "--host-concurrency"),
            (self.user_agent.is_some(), "--user-agent"),
            (self.llm.llm_base_url.is_some(), "--llm-base-url"),
            (self.llm.llm_model.is_some(), "--llm-model"),
            (self.llm.llm_key_env.is_some(), "--llm-key-env"),
            (self.llm.llm_timeout.is_some(), "--llm-timeout"),
        ];
        flags
            .into_iter()
            .filter_map(|(given, flag)| given.then_some(flag))
            .collect()
    }

    /// Why these flags cannot make a web researcher, if they cannot: with no offline web and no
    /// search provider it could only read the lead's own links, which is not research.
    pub fn problem(&self) -> Option<String> {
        if self.offline_web.is_none() && self.searxng_url.is_none() && self.brave_key_env.is_none()
        {
            return Some(
                "--researcher web needs somewhere to search: --offline-web DIR, --searxng-url URL or --brave-key-env VAR"
                    .into(),
            );
        }
        if self
            .user_agent
            .as_deref()
            .is_some_and(|ua| ua.trim().is_empty())
        {
            return Some("--user-agent must not be blank".into());
        }
        None
    }
}

/// A one-line description of a web researcher's setting, for the readiness line and logs
/// (never a key).
pub fn describe(args: &WebArgs) -> String {
    let mut parts = Vec::new();
    if let Some(dir) = &args.offline_web {
        parts.push(format!("offline web {}", dir.display()));
    }
    if let Some(url) = &args.searxng_url {
        parts.push(format!("SearXNG {url}"));
    }
    if args.brave_key_env.is_some() {
        parts.push("Brave".to_owned());
    }
    if let Some(model) = &args.llm.llm_model {
        parts.push(format!("model {model}"));
    }
    format!("web ({})", parts.join(", "))
}

#[cfg(feature = "web")]
mod config {
    use super::{LlmArgs, WebArgs};
    use crate::ServeError;
    use sixtyfour_web::{LlmConfig, WebConfig};

    impl LlmArgs {
        /// The language model's configuration, when an endpoint is given (its key is read from
        /// the named variable when the researcher is built).
        pub fn config(&self) -> Option<LlmConfig> {
            let (base, model) = (self.llm_base_url.as_ref()?, self.llm_model.as_ref()?);
            let mut config = LlmConfig::new(base.clone(), model.clone());
            if let Some(var) = &self.llm_key_env {
                config = config.key_env(var.clone());
            }
            if let Some(timeout) = self.llm_timeout {
                config.timeout = timeout;
            }
            Some(config)
        }
    }

    impl WebArgs {
        /// The researcher's configuration: the offline web or the search providers, the fetch
        /// limits given over the defaults, and the model. A Brave key variable that is not set
        /// is an error naming it.
        pub fn config(&self) -> Result<WebConfig, ServeError> {
            if let Some(problem) = self.problem() {
                return Err(ServeError::Invalid(problem));
            }
            let mut config = match &self.offline_web {
                Some(dir) => WebConfig::offline(dir),
                None => WebConfig::default(),
            };
            config.search.searxng_url = self.searxng_url.clone();
            if let Some(var) = &self.brave_key_env {
                let key = std::env::var(var)
                    .ok()
                    .filter(|key| !key.trim().is_empty())
                    .ok_or_else(|| {
                        ServeError::Invalid(format!(
                            "--brave-key-env {var}: the variable is not set (or empty, or not UTF-8)"
                        ))
                    })?;
                config.search.brave_key = Some(key);
                config.search.brave_url = self.brave_url.clone();
            }
            let fetch = &mut config.fetch;
            let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
            if let Some(n) = self.page_budget {
                fetch.page_budget = size(n);
            }
            if let Some(timeout) = self.fetch_timeout {
                fetch.timeout = timeout;
            }
            if let Some(n) = self.max_page_bytes {
                fetch.max_bytes = size(n);
            }
            if let Some(delay) = self.host_delay {
                fetch.host_delay = delay;
            }
            if let Some(n) = self.host_concurrency {
                fetch.per_host_concurrency = size(n);
            }
            if let Some(ua) = &self.user_agent {
                fetch.user_agent = ua.trim().to_owned();
            }
            config.llm = self.llm.config();
            Ok(config)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_given_are_named() {
        assert!(WebArgs::default().given().is_empty());
        let args = WebArgs {
            offline_web: Some("web".into()),
            host_delay: Some(Duration::ZERO),
            llm: LlmArgs {
                llm_model: Some("m".into()),
                ..LlmArgs::default()
            },
            ..WebArgs::default()
        };
        assert_eq!(
            args.given(),
            ["--offline-web", "--host-delay", "--llm-model"]
        );
    }

    #[test]
    fn somewhere_to_search_is_required() {
        let rows = [
            (WebArgs::default(), true),
            (
                WebArgs {
                    offline_web: Some("web".into()),
                    ..WebArgs::default()
                },
                false,
            ),
            (
                WebArgs {
                    searxng_url: Some("http://127.0.0.1:8888".into()),
                    ..WebArgs::default()
                },
                false,
            ),
            (
                WebArgs {
                    brave_key_env: Some("BRAVE_API_KEY".into()),
                    ..WebArgs::default()
                },
                false,
            ),
            (
                WebArgs {
                    offline_web: Some("web".into()),
                    user_agent: Some("  ".into()),
                    ..WebArgs::default()
                },
                true,
            ),
        ];
        for (args, refused) in rows {
            assert_eq!(args.problem().is_some(), refused, "{args:?}");
        }
    }

    #[test]
    fn descriptions_name_no_key() {
        let args = WebArgs {
            searxng_url: Some("http://127.0.0.1:8888".into()),
            brave_key_env: Some("BRAVE_API_KEY".into()),
            llm: LlmArgs {
                llm_base_url: Some("http://127.0.0.1:9/v1".into()),
                llm_model: Some("small".into()),
                llm_key_env: Some("LLM_KEY".into()),
                ..LlmArgs::default()
            },
            ..WebArgs::default()
        };
        assert_eq!(
            describe(&args),
            "web (SearXNG http://127.0.0.1:8888, Brave, model small)"
        );
    }

    #[cfg(feature = "web")]
    #[test]
    fn flags_become_the_configuration() {
        let offline = WebArgs {
            offline_web: Some("fixtures/web".into()),
            page_budget: Some(10),
            user_agent: Some(" acme-research (+https://acme.example/bot) ".into()),
            ..WebArgs::default()
        };
        let config = offline.config().unwrap();
        assert_eq!(config.offline_web, Some("fixtures/web".into()));
        assert_eq!(config.fetch.host_delay, Duration::ZERO);
        assert_eq!(config.fetch.page_budget, 10);
        assert_eq!(
            config.fetch.user_agent,
            "acme-research (+https://acme.example/bot)"
        );
        assert!(config.llm.is_none());

        // Online, the defaults are polite unless told otherwise.
        let online = WebArgs {
            searxng_url: Some("http://127.0.0.1:8888".into()),
            llm: LlmArgs {
                llm_base_url: Some("http://127.0.0.1:9/v1".into()),
                llm_model: Some("small".into()),
                llm_key_env: Some("LLM_KEY".into()),
                llm_timeout: Some(Duration::from_secs(5)),
            },
            ..WebArgs::default()
        };
        let config = online.config().unwrap();
        let defaults = sixtyfour_web::FetchLimits::default();
        assert_eq!(config.fetch, defaults);
        assert!(defaults.host_delay >= Duration::from_millis(500));
        assert_eq!(
            config.search.searxng_url.as_deref(),
            Some("http://127.0.0.1:8888")
        );
        let llm = config.llm.unwrap();
        assert_eq!(
            (llm.base_url.as_str(), llm.model.as_str()),
            ("http://127.0.0.1:9/v1", "small")
        );
        assert_eq!(llm.key_env.as_deref(), Some("LLM_KEY"));
        assert_eq!(llm.timeout, Duration::from_secs(5));

        let unset = WebArgs {
            brave_key_env: Some("SIXTYFOUR_SERVER_SURELY_UNSET_BRAVE_KEY".into()),
            ..WebArgs::default()
        };
        let err = unset.config().unwrap_err().to_string();
        assert!(
            err.contains("SIXTYFOUR_SERVER_SURELY_UNSET_BRAVE_KEY"),
            "{err}"
        );
        assert!(WebArgs::default().config().is_err());
    }
}
