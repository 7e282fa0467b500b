//! The `web` researcher: [`sixtyfour_web::WebResearcher`] behind the server's [`Researcher`]
//! trait. The job's lead, `struct` and research plan go in; the web answer comes out as the
//! protocol's [`EnrichResult`] with its `field_confidence`; the web's progress (pages read of
//! the page budget) becomes the job's `processed_items`/`total_items`; the server's
//! cancellation raises the web's flag; a web error ends the job `failed` with its message.
//!
//! The dependency points one way: the server depends on `sixtyfour-web` (behind its `web`
//! feature), the web crate knows nothing of the server.
//!
//! Research parses pages, which is CPU work between its awaits. On a multi-threaded runtime
//! each job therefore runs on a blocking thread (driven by the same runtime's I/O and timers),
//! so that parsing never holds up the threads that answer HTTP requests; a panic there ends the
//! job `failed` instead of leaving it leased.

use async_trait::async_trait;
use sixtyfour_protocol::EnrichResult;
use sixtyfour_web::{CancelFlag, Job, Stage, WebAnswer, WebError, WebResearcher};
use tokio_util::sync::CancellationToken;

use super::{Progress, ResearchError, ResearchJob, Researcher, dicts_as_text};

/// The web researcher as a server [`Researcher`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use sixtyfour_protocol::{EnrichBody, TaskId, TaskType};
/// use sixtyfour_server::researcher::{CancellationToken, Progress, ResearchJob, Researcher, WebAdapter};
/// use sixtyfour_web::{WebConfig, WebResearcher};
///
/// let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/fixtures/web");
/// let researcher = WebAdapter::new(WebResearcher::new(WebConfig::offline(web))?);
/// let body: EnrichBody = serde_json::from_str(
///     r#"{"lead_info": {"name": "Kaia Kestrel", "company": "Ironbark Logistics"},
///         "struct": {"email": "The individual's email address"}}"#,
/// )?;
/// let job = ResearchJob {
///     task_id: TaskId::new("t-1")?,
///     run: 1,
///     task_type: TaskType::EnrichLead,
///     body: Arc::new(body),
///     meta: Arc::default(),
/// };
/// let result = researcher.research(&job, &Progress::detached(), &CancellationToken::new()).await?;
/// assert_eq!(result.structured_data["email"], "kaia.kestrel@ironbark.example");
/// assert!(result.field_confidence.unwrap()["email"] >= Some(80));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct WebAdapter {
    inner: WebResearcher,
    dict_as_text: bool,
}

impl WebAdapter {
    /// Serves `inner`'s answers, `dict` fields as objects.
    pub fn new(inner: WebResearcher) -> Self {
        WebAdapter {
            inner,
            dict_as_text: false,
        }
    }

    /// Answers `dict` fields as JSON text, as the live API does.
    pub fn dict_as_text(mut self, as_text: bool) -> Self {
        self.dict_as_text = as_text;
        self
    }

    /// The web researcher.
    pub fn inner(&self) -> &WebResearcher {
        &self.inner
    }
}

/// The web's job for a server job: the lead, the `struct` and the research plan.
pub fn web_job(job: &ResearchJob) -> Job {
    Job {
        lead_info: job.lead_info().clone(),
        schema: job.fields().clone(),
        research_plan: job.research_plan().map(str::to_owned),
    }
}

/// A web progress report as (processed, total) items: one item per page of the budget and one
/// for deciding, all done when the job is.
pub fn progress_items(progress: sixtyfour_web::Progress) -> (u64, u64) {
    let budget = u64::try_from(progress.page_budget).unwrap_or(u64::MAX - 1);
    let total = budget.saturating_add(1);
    if progress.stage == Stage::Done {
        return (total, total);
    }
    let fetched = u64::try_from(progress.pages_fetched).unwrap_or(u64::MAX);
    (fetched.min(budget), total)
}

/// The protocol's result for a web answer (`field_confidence` kept; a confidence outside 0-100
/// or not a number reads as unknown).
pub fn to_result(answer: WebAnswer) -> EnrichResult {
    let mut result = EnrichResult::new(answer.structured_data);
    result.notes = answer.notes;
    result.references = answer.references;
    result.confidence_score = Some(answer.confidence_score).filter(|s| s.is_finite());
    result.field_confidence = Some(
        answer
            .field_confidence
            .into_iter()
            .map(|(field, value)| {
                let percent = value
                    .as_u64()
                    .filter(|c| *c <= 100)
                    .and_then(|c| u8::try_from(c).ok());
                (field, percent)
            })
            .collect(),
    );
    result
}

/// What a web error means for the job: cancellation puts it back in the queue, anything else
/// ends it `failed` with the error's message.
pub fn research_error(error: WebError) -> ResearchError {
    match error {
        WebError::Cancelled => ResearchError::Cancelled,
        other => ResearchError::Failed(format!("Web research failed: {other}")),
    }
}

/// Raises the web's flag when the server's call is dropped (a time limit, a lost lease, a
/// shutdown), so that research left on a blocking thread stops at its next step.
struct RaiseOnDrop(CancelFlag);

impl Drop for RaiseOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

#[async_trait]
impl Researcher for WebAdapter {
    async fn research(
        &self,
        job: &ResearchJob,
        progress: &Progress,
        cancel: &CancellationToken,
    ) -> Result<EnrichResult, ResearchError> {
        if cancel.is_cancelled() {
            return Err(ResearchError::Cancelled);
        }
        let web_job = web_job(job);
        let flag = CancelFlag::new();
        let _raise = RaiseOnDrop(flag.clone());
        let researcher = self.inner.clone();
        let reporter = progress.clone();
        let run_flag = flag.clone();
        let run = async move {
            let report = move |p: sixtyfour_web::Progress| {
                let (processed, total) = progress_items(p);
                reporter.report(processed, total);
            };
            researcher.research(&web_job, &report, &run_flag).await
        };
        let outcome = match tokio::runtime::Handle::try_current() {
            Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                let task = tokio::task::spawn_blocking(move || handle.block_on(run));
                tokio::select! {
                    joined = task => joined.map_err(|e| {
                        ResearchError::Failed(format!("Web research stopped unexpectedly: {e}"))
                    })?,
                    () = cancel.cancelled() => return Err(ResearchError::Cancelled),
                }
            }
            _ => {
                tokio::select! {
                    outcome = run => outcome,
                    () = cancel.cancelled() => return Err(ResearchError::Cancelled),
                }
            }
        };
        let mut result = to_result(outcome.map_err(research_error)?);
        if self.dict_as_text {
            dicts_as_text(&mut result.structured_data, job.fields(), job.lead_info());
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn report(stage: Stage, pages_fetched: usize, page_budget: usize) -> sixtyfour_web::Progress {
        sixtyfour_web::Progress {
            stage,
            pages_fetched,
            page_budget,
        }
    }

    #[test]
    fn progress_table() {
        let rows = [
            (report(Stage::Searching, 0, 24), (0, 25)),
            (report(Stage::Fetching, 7, 24), (7, 25)),
            (report(Stage::Fetching, 30, 24), (24, 25)),
            (report(Stage::AskingModel, 24, 24), (24, 25)),
            (report(Stage::Deciding, 12, 24), (12, 25)),
            (report(Stage::Done, 12, 24), (25, 25)),
            (report(Stage::Done, 0, 0), (1, 1)),
            (report(Stage::Searching, 0, 0), (0, 1)),
        ];
        for (progress, want) in rows {
            assert_eq!(progress_items(progress), want, "{progress:?}");
        }
    }

    #[test]
    fn errors_table() {
        assert_eq!(
            research_error(WebError::Cancelled),
            ResearchError::Cancelled
        );
        let failed = research_error(WebError::MissingKey("LLM_KEY".into()));
        assert_eq!(
            failed,
            ResearchError::Failed(
                "Web research failed: the language model key variable LLM_KEY is not set (or not valid UTF-8)"
                    .into()
            )
        );
        let failed = research_error(WebError::Http("no TLS roots".into()));
        assert!(
            matches!(&failed, ResearchError::Failed(m) if m.contains("no TLS roots")),
            "{failed:?}"
        );
    }

    /// A real answer (the type cannot be built outside its crate), its parts then replaced.
    async fn answer() -> WebAnswer {
        let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/fixtures/web");
        let researcher = WebResearcher::new(sixtyfour_web::WebConfig::offline(web)).unwrap();
        let job = Job {
            lead_info: serde_json::Map::new(),
            schema: sixtyfour_casting::Schema::default(),
            research_plan: None,
        };
        researcher
            .research(&job, &|_| {}, &CancelFlag::new())
            .await
            .unwrap()
    }

    fn object(value: Value) -> serde_json::Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[tokio::test]
    async fn answers_become_results_with_field_confidence() {
        let mut answer = answer().await;
        answer.notes = "Found.".into();
        answer.structured_data = object(json!({"title": "CTO", "email": "", "extra": 1}));
        answer.references = object(json!({"https://quill.example/team/": "title"}));
        answer.confidence_score = 8.5;
        answer.field_confidence =
            object(json!({"title": 91, "email": null, "odd": 250, "text": "high"}));
        let result = to_result(answer);
        assert_eq!(result.notes, "Found.");
        assert_eq!(result.structured_data["title"], "CTO");
        assert_eq!(result.structured_data["extra"], 1);
        assert_eq!(result.references["https://quill.example/team/"], "title");
        assert_eq!(result.confidence_score, Some(8.5));
        let confidence = result.field_confidence.clone().unwrap();
        assert_eq!(
            confidence.into_iter().collect::<Vec<_>>(),
            [
                ("title".to_owned(), Some(91)),
                ("email".to_owned(), None),
                ("odd".to_owned(), None),
                ("text".to_owned(), None),
            ]
        );
        let wire = serde_json::to_value(&result).unwrap();
        assert_eq!(wire["findings"], json!([]));
        assert_eq!(wire["field_confidence"]["title"], 91);
        assert_eq!(wire["field_confidence"]["email"], Value::Null);
    }
}
