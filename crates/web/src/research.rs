//! One research job end to end: plan, search, fetch, extract, follow the lead's own links,
//! ask the model (when configured), decide. Progress is reported after every page and at each
//! stage; cancellation is checked between steps.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::StreamExt;
use serde_json::{Map, Value};
use sixtyfour_casting::Schema;

use crate::answer::{self, JobLog, WebAnswer};
use crate::config::WebConfig;
use crate::decide::{self, MatchLevel};
use crate::error::WebError;
use crate::extract::{self, PageFacts};
use crate::fetch::{Fetcher, Hosts, HttpTransport, OfflineTransport, Page, Transport};
use crate::fields::{FieldKind, schema_kinds};
use crate::lead::Lead;
use crate::llm::LlmClient;
use crate::normalize;
use crate::offline::OfflineWeb;
use crate::plan;
use crate::search::{
    Brave, LocalIndex, SearchChain, SearchHit, SearchProvider, Searxng, brave::BRAVE_URL,
};

/// One job: the lead, the fields wanted, and an optional plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// What is known of the person.
    pub lead_info: Map<String, Value>,
    /// The fields to answer.
    pub schema: Schema,
    /// Guidance: URLs in it are read first, its words are searched with the name.
    pub research_plan: Option<String>,
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// Running the search queries.
    Searching,
    /// Reading pages.
    Fetching,
    /// Asking the language model.
    AskingModel,
    /// Deciding the fields.
    Deciding,
    /// Finished.
    Done,
}

/// A progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The stage.
    pub stage: Stage,
    /// Page requests made so far.
    pub pages_fetched: usize,
    /// The job's page budget.
    pub page_budget: usize,
}

/// A shared flag that cancels a job (checked between steps).
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// A flag not yet raised.
    pub fn new() -> CancelFlag {
        CancelFlag::default()
    }

    /// Raises the flag: the job stops at its next step with [`WebError::Cancelled`].
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// True once raised.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    fn check(&self) -> Result<(), WebError> {
        if self.is_cancelled() {
            Err(WebError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// Page requests kept back from the search results for the lead's own links.
const FOLLOW_RESERVE: usize = 4;
/// Pages read at once.
const CONCURRENCY: usize = 4;

/// The web researcher: shareable across jobs. Each job gets its own fetcher, cache and page
/// budget; all jobs (and clones) share the per-host gates and pace and the robots.txt files, so
/// a site sees one polite client however many jobs run.
#[derive(Clone)]
pub struct WebResearcher {
    config: WebConfig,
    search: SearchChain,
    transport: Arc<dyn Transport>,
    llm: Option<LlmClient>,
    hosts: Arc<Hosts>,
}

fn hosts_for(config: &WebConfig) -> Arc<Hosts> {
    Arc::new(Hosts::new(
        config.fetch.per_host_concurrency,
        config.fetch.crawl_delay_cap.max(config.fetch.host_delay),
    ))
}

impl std::fmt::Debug for WebResearcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebResearcher")
            .field("config", &self.config)
            .field("search", &self.search)
            .finish_non_exhaustive()
    }
}

impl WebResearcher {
    /// A researcher for a configuration. In offline mode the web is the directory (its index is
    /// built now) and no search provider or network transport is created.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use serde_json::json;
    /// use sixtyfour_web::{CancelFlag, Job, WebConfig, WebResearcher};
    ///
    /// let dir = std::env::temp_dir().join(format!("sixtyfour-web-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(dir.join("quill.example/team"))?;
    /// std::fs::write(dir.join("quill.example/team/index.html"), r#"<title>Team | Quill Works</title>
    ///   <div class="p"><h3>Ada Quill</h3><p>Chief Technology Officer</p><a href="mailto:ada@quill.example">mail</a></div>
    ///   <div class="p"><h3>Bo Lind</h3><p>CEO</p></div>"#)?;
    ///
    /// let researcher = WebResearcher::new(WebConfig::offline(&dir))?;
    /// let job = Job {
    ///     lead_info: json!({"name": "Ada Quill", "company": "Quill Works"}).as_object().unwrap().clone(),
    ///     schema: sixtyfour_casting::Schema::from_json(&json!({"title": "Job title", "email": "Email"}))?,
    ///     research_plan: None,
    /// };
    /// let answer = researcher.research(&job, &|_| {}, &CancelFlag::new()).await?;
    /// assert_eq!(answer.structured_data["title"], "Chief Technology Officer");
    /// assert_eq!(answer.structured_data["email"], "ada@quill.example");
    /// let result = answer.to_json();
    /// assert_eq!(result["findings"], json!([]));
    /// assert!(result["field_confidence"]["title"].as_u64() >= Some(80));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(config: WebConfig) -> Result<WebResearcher, WebError> {
        let llm = config.llm.clone().map(LlmClient::new).transpose()?;
        if let Some(dir) = &config.offline_web {
            let web = OfflineWeb::open(dir)?;
            let index = LocalIndex::build(&web)?;
            return Ok(WebResearcher {
                search: SearchChain::new(vec![Arc::new(index)]),
                transport: Arc::new(OfflineTransport::new(web)),
                hosts: hosts_for(&config),
                config,
                llm,
            });
        }
        let http = reqwest::Client::builder()
            .user_agent(config.fetch.user_agent.clone())
            .timeout(config.fetch.timeout)
            .build()
            .map_err(|e| WebError::Http(e.to_string()))?;
        let mut providers: Vec<Arc<dyn SearchProvider>> = Vec::new();
        if let Some(base) = &config.search.searxng_url {
            check_url("SearXNG", base)?;
            providers.push(Arc::new(Searxng::new(base.clone(), http.clone())));
        }
        if let Some(key) = &config.search.brave_key {
            let base = config
                .search
                .brave_url
                .clone()
                .unwrap_or_else(|| BRAVE_URL.to_owned());
            check_url("Brave", &base)?;
            providers.push(Arc::new(Brave::new(base, key.clone(), http.clone())));
        }
        Ok(WebResearcher {
            transport: Arc::new(HttpTransport::new(&config.fetch)?),
            search: SearchChain::new(providers),
            hosts: hosts_for(&config),
            config,
            llm,
        })
    }

    /// A researcher over given parts (a custom search chain or transport).
    pub fn from_parts(
        config: WebConfig,
        search: SearchChain,
        transport: Arc<dyn Transport>,
    ) -> Result<WebResearcher, WebError> {
        let llm = config.llm.clone().map(LlmClient::new).transpose()?;
        Ok(WebResearcher {
            hosts: hosts_for(&config),
            config,
            search,
            transport,
            llm,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &WebConfig {
        &self.config
    }

    /// Researches one lead.
    pub async fn research(
        &self,
        job: &Job,
        progress: &(dyn Fn(Progress) + Send + Sync),
        cancel: &CancelFlag,
    ) -> Result<WebAnswer, WebError> {
        let fetcher = Fetcher::shared(
            self.transport.clone(),
            self.config.fetch.clone(),
            self.hosts.clone(),
        );
        let budget = self.config.fetch.page_budget;
        let report = |stage: Stage| {
            progress(Progress {
                stage,
                pages_fetched: fetcher.counts().requests,
                page_budget: budget,
            })
        };
        let mut lead = Lead::from_map(&job.lead_info);
        let kinds: Vec<FieldKind> = schema_kinds(&job.schema)
            .into_iter()
            .map(|(_, k)| k)
            .collect();
        let mut state = JobState::default();

        // Round one: what the lead says.
        cancel.check()?;
        self.round(
            &fetcher,
            &lead,
            &kinds,
            job,
            &mut state,
            budget.saturating_sub(FOLLOW_RESERVE + 2),
            &report,
            cancel,
        )
        .await?;
        let mut facts = extract_all(&state.pages, &lead);

        // Round two: what strong matches taught (a name for an email-only lead, the company).
        let learned = learn(&lead, &facts);
        if learned != lead {
            lead = learned;
            self.round(
                &fetcher,
                &lead,
                &kinds,
                job,
                &mut state,
                budget.saturating_sub(FOLLOW_RESERVE),
                &report,
                cancel,
            )
            .await?;
            facts = extract_all(&state.pages, &lead);
        }

        // The lead's own links found on pages about them.
        let follow = follow_links(&lead, &facts, &state.seen);
        self.read(&fetcher, follow, &mut state, &report, cancel)
            .await?;

        // The company's own site, when the website is wanted and no page of it was read.
        if kinds
            .iter()
            .any(|k| matches!(k, FieldKind::Website | FieldKind::Domain))
        {
            let facts_now = extract_all(&state.pages, &lead);
            let matching = decide::match_pages(&lead, &facts_now);
            if let Some(company) = matching.identity_company().map(str::to_owned)
                && !facts_now
                    .iter()
                    .any(|p| decide::is_company_home(p, &company))
            {
                cancel.check()?;
                let (hits, errors) = self
                    .search
                    .search(
                        &format!("\"{company}\""),
                        self.config.search.results_per_query,
                    )
                    .await;
                state
                    .log
                    .search_errors
                    .extend(errors.iter().map(ToString::to_string));
                let homes: Vec<String> = hits
                    .iter()
                    .filter(|h| {
                        normalize::domain_matches_company(&h.url, &company)
                            || h.title.to_lowercase().contains(&company.to_lowercase())
                    })
                    .filter_map(|h| url::Url::parse(&h.url).ok())
                    .map(|u| format!("{}://{}/", u.scheme(), u.host_str().unwrap_or("")))
                    .take(2)
                    .collect();
                self.read(&fetcher, homes, &mut state, &report, cancel)
                    .await?;
            }
        }
        facts = extract_all(&state.pages, &lead);

        let mut claims = Vec::new();
        if let Some(llm) = &self.llm
            && !facts.is_empty()
        {
            cancel.check()?;
            report(Stage::AskingModel);
            match llm
                .extract(
                    &job.lead_info,
                    &job.schema,
                    job.research_plan.as_deref(),
                    &facts,
                )
                .await
            {
                Ok((found, uncited)) => {
                    claims = found;
                    state.log.uncited_claims = uncited;
                }
                Err(e) => state.log.llm_error = Some(e.to_string()),
            }
        }

        cancel.check()?;
        report(Stage::Deciding);
        let counts = fetcher.counts();
        state.log.pages_read = facts.len();
        state.log.requests = (counts.requests, counts.budget);
        let answer = answer::assemble(
            &job.lead_info,
            &lead,
            &job.schema,
            &facts,
            &claims,
            &state.log,
        );
        report(Stage::Done);
        Ok(answer)
    }

    /// Plans from the lead, runs the queries not run yet, and reads the best new pages, up to
    /// `limit` requests in all.
    #[allow(clippy::too_many_arguments)]
    async fn round(
        &self,
        fetcher: &Fetcher,
        lead: &Lead,
        kinds: &[FieldKind],
        job: &Job,
        state: &mut JobState,
        limit: usize,
        report: &(dyn Fn(Stage) + Send + Sync),
        cancel: &CancelFlag,
    ) -> Result<(), WebError> {
        let plan = plan::plan(
            lead,
            kinds,
            job.research_plan.as_deref(),
            self.config.search.max_queries,
        );
        report(Stage::Searching);
        let mut ranked: Vec<(f64, usize, String)> = Vec::new();
        let mut order = 0usize;
        for query in &plan.queries {
            if state.queries.contains(query) {
                continue;
            }
            state.queries.push(query.clone());
            cancel.check()?;
            let (hits, errors) = self
                .search
                .search(query, self.config.search.results_per_query)
                .await;
            state
                .log
                .search_errors
                .extend(errors.iter().map(ToString::to_string));
            for (rank, hit) in hits.iter().enumerate() {
                let score = hit_score(lead, kinds, hit, rank);
                match ranked
                    .iter_mut()
                    .find(|(_, _, u)| normalize::url(u) == normalize::url(&hit.url))
                {
                    Some(entry) => entry.0 += score * 0.5,
                    None => {
                        ranked.push((score, order, hit.url.clone()));
                        order += 1;
                    }
                }
            }
        }
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let room = limit.saturating_sub(fetcher.counts().requests).max(1);
        let urls: Vec<String> = plan
            .seeds
            .iter()
            .cloned()
            .chain(
                ranked
                    .into_iter()
                    .filter(|(s, _, _)| *s > 0.0)
                    .map(|(_, _, u)| u),
            )
            .filter(|u| !state.seen.contains(&normalize::url(u)))
            .take(room)
            .collect();
        self.read(fetcher, urls, state, report, cancel).await
    }

    /// Reads pages (at most [`CONCURRENCY`] at once), keeping them in plan order.
    async fn read(
        &self,
        fetcher: &Fetcher,
        urls: Vec<String>,
        state: &mut JobState,
        report: &(dyn Fn(Stage) + Send + Sync),
        cancel: &CancelFlag,
    ) -> Result<(), WebError> {
        report(Stage::Fetching);
        let urls: Vec<String> = urls
            .into_iter()
            .filter(|u| state.seen.insert(normalize::url(u)))
            .collect();
        let mut results: Vec<(usize, Result<Arc<Page>, String>)> =
            futures_util::stream::iter(urls.into_iter().enumerate())
                .map(|(i, url): (usize, String)| async move {
                    if cancel.is_cancelled() {
                        return (i, Err("cancelled".to_owned()));
                    }
                    let outcome = fetcher.fetch(&url).await;
                    report(Stage::Fetching);
                    (i, outcome.map_err(|e| format!("{url}: {e}")))
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
        cancel.check()?;
        results.sort_by_key(|(i, _)| *i);
        for (_, result) in results {
            match result {
                Ok(page) => {
                    state.seen.insert(normalize::url(&page.final_url));
                    if !state.pages.iter().any(|p| p.final_url == page.final_url) {
                        state.pages.push(page);
                    }
                }
                Err(e) => state.log.skipped.push(e),
            }
        }
        Ok(())
    }
}

/// What one job has done so far.
#[derive(Default)]
struct JobState {
    pages: Vec<Arc<Page>>,
    seen: HashSet<String>,
    queries: Vec<String>,
    log: JobLog,
}

fn extract_all(pages: &[Arc<Page>], lead: &Lead) -> Vec<PageFacts> {
    pages.iter().map(|p| extract::extract(p, lead)).collect()
}

/// The lead with what strongly matched records add: the name (for a lead given by email or
/// profile only) and the company.
pub fn learn(lead: &Lead, facts: &[PageFacts]) -> Lead {
    let matching = decide::match_pages(lead, facts);
    let mut out = lead.clone();
    if out.name.is_none() {
        let mut names: Vec<(String, usize)> = Vec::new();
        for accepted in matching
            .accepted
            .iter()
            .filter(|a| a.level >= MatchLevel::Profile)
        {
            for fact in accepted.record.values(FieldKind::Name) {
                if crate::NameMatcher::new(&fact.value).is_none() {
                    continue;
                }
                match names.iter_mut().find(|(n, _)| n == &fact.value) {
                    Some(entry) => entry.1 += 1,
                    None => names.push((fact.value.clone(), 1)),
                }
            }
        }
        names.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
        out.name = names.into_iter().next().map(|(n, _)| n);
    }
    if out.company.is_none() {
        out.company = matching.identity_company().map(str::to_owned).or_else(|| {
            let candidates = decide::candidates(FieldKind::Company, &matching);
            let decision = decide::decide_field(FieldKind::Company, &candidates);
            decision.value.filter(|_| decision.confidence >= 70)
        });
    }
    out
}

/// Profile and personal-site links of records strongly tied to the lead, not read yet.
fn follow_links(lead: &Lead, facts: &[PageFacts], seen: &HashSet<String>) -> Vec<String> {
    let matching = decide::match_pages(lead, facts);
    let mut follow: Vec<String> = Vec::new();
    for accepted in matching
        .accepted
        .iter()
        .filter(|a| a.level >= MatchLevel::NameAndCompany)
    {
        for fact in &accepted.record.facts {
            if matches!(
                fact.kind,
                FieldKind::Linkedin | FieldKind::Github | FieldKind::PersonalWebsite
            ) && !fact.former
                && !seen.contains(&normalize::url(&fact.value))
                && !follow
                    .iter()
                    .any(|f| normalize::url(f) == normalize::url(&fact.value))
            {
                follow.push(fact.value.clone());
            }
        }
    }
    follow
}

fn check_url(what: &'static str, url: &str) -> Result<(), WebError> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        _ => Err(WebError::BadUrl {
            what,
            url: url.to_owned(),
        }),
    }
}

/// How promising a search hit is for the lead: its title and snippet name them, their company
/// or their email; its host is a profile site the fields ask for; earlier ranks count more.
pub fn hit_score(lead: &Lead, kinds: &[FieldKind], hit: &SearchHit, rank: usize) -> f64 {
    let text = format!("{} {} {}", hit.title, hit.snippet, hit.url);
    let lower = text.to_lowercase();
    let mut score = 1.0 / (rank as f64 + 1.0);
    if lead.name_matcher().is_some_and(|m| m.mentioned_in(&text)) {
        score += 3.0;
    }
    if lead.email.as_deref().is_some_and(|e| lower.contains(e)) {
        score += 4.0;
    }
    if lead
        .company
        .as_deref()
        .is_some_and(|c| lower.contains(&c.to_lowercase()))
    {
        score += 1.5;
    }
    if lead.domain.as_deref().is_some_and(|d| lower.contains(d)) {
        score += 1.5;
    }
    let host = normalize::host(&hit.url);
    if (host.ends_with("linkedin.com") && kinds.contains(&FieldKind::Linkedin))
        || (host == "github.com" && kinds.contains(&FieldKind::Github))
    {
        score += 0.5;
    }
    if lead.name_matcher().is_some()
        && !lead.name_matcher().is_some_and(|m| m.mentioned_in(&text))
        && !lead.email.as_deref().is_some_and(|e| lower.contains(e))
    {
        score -= 1.0;
    }
    score
}
