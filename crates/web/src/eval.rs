//! Evaluation on an offline fixture web: run the researcher on every lead of a truth file and
//! measure, per field, precision (answered values that are right), recall (expected values
//! found) and the calibration of `field_confidence` (accuracy per band of 20).
//!
//! # The truth file
//!
//! JSON Lines, one `{"lead_info": {...}, "expected": {...}}` per person. A key of `expected`
//! names a field of the `struct`; a missing key or `null` means nothing should be answered, so
//! an answer there counts against precision.
//!
//! # When two values are the same
//!
//! Text is compared trimmed and case-insensitively with punctuation ignored (names with accents
//! folded). Emails are lower-cased. URLs ignore the scheme, `www.`, a trailing slash,
//! `index.html` or `.html`, query and fragment. Locations are compared on the city (the part
//! before the first comma). Company names ignore legal forms (`Inc`, `LLC`, `GmbH`...) and a
//! leading "The". Titles also read common short forms as their long forms (`CTO` is "Chief
//! Technology Officer", `VP` is "Vice President"), ignore "of" after VP, Head, Director and
//! Manager, and ignore "and"/"&" and word order. Phone numbers compare their digits.

use std::fmt;
use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use serde_json::{Map, Value};
use sixtyfour_casting::Schema;

use crate::answer::WebAnswer;
use crate::config::WebConfig;
use crate::decide::title_key;
use crate::error::WebError;
use crate::fields::{FieldKind, field_kind};
use crate::normalize;
use crate::research::{CancelFlag, Job, WebResearcher};

/// The fields the goals are stated over.
pub const GOAL_FIELDS: &[&str] = &[
    "email", "title", "company", "location", "linkedin", "website",
];

/// One line of a truth file.
#[derive(Debug, Clone, PartialEq)]
pub struct TruthCase {
    /// The lead given to the researcher.
    pub lead_info: Map<String, Value>,
    /// The values that should be answered.
    pub expected: Map<String, Value>,
}

/// How to run an evaluation.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EvalOptions {
    /// The researcher's configuration (its offline directory is set by [`evaluate`]).
    pub config: WebConfig,
    /// Leads researched at once.
    pub concurrency: usize,
    /// The fields the overall figures are computed over.
    pub goal_fields: Vec<String>,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            config: WebConfig::default(),
            concurrency: 4,
            goal_fields: GOAL_FIELDS.iter().map(|f| (*f).to_owned()).collect(),
        }
    }
}

/// Counts for one field (or a set of fields).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldStats {
    /// The field name (or a summary label).
    pub field: String,
    /// Values answered.
    pub answered: usize,
    /// Answered values that are right.
    pub right: usize,
    /// Values expected.
    pub expected: usize,
    /// Expected values answered rightly.
    pub found: usize,
}

impl FieldStats {
    /// Answered values that are right (1.0 when nothing was answered).
    pub fn precision(&self) -> f64 {
        if self.answered == 0 {
            1.0
        } else {
            self.right as f64 / self.answered as f64
        }
    }

    /// Expected values found (1.0 when nothing was expected).
    pub fn recall(&self) -> f64 {
        if self.expected == 0 {
            1.0
        } else {
            self.found as f64 / self.expected as f64
        }
    }

    fn add(&mut self, other: &FieldStats) {
        self.answered += other.answered;
        self.right += other.right;
        self.expected += other.expected;
        self.found += other.found;
    }
}

/// Answered values and right ones in one band of `field_confidence`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Band {
    /// Values answered with a confidence in the band.
    pub answered: usize,
    /// Of those, the right ones.
    pub right: usize,
}

impl Band {
    /// The share right (`None` when the band is empty).
    pub fn accuracy(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.right as f64 / self.answered as f64)
    }
}

/// One wrong or missing value, for inspection.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    /// The lead (its name or email).
    pub lead: String,
    /// The field.
    pub field: String,
    /// What was expected.
    pub expected: Option<String>,
    /// What was answered.
    pub got: Option<String>,
    /// The answer's confidence.
    pub confidence: Option<u8>,
}

/// The result of an evaluation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalReport {
    /// Leads researched.
    pub leads: usize,
    /// Per field, in schema order.
    pub fields: Vec<FieldStats>,
    /// Over the goal fields together.
    pub overall: FieldStats,
    /// Calibration bands 0-20, 20-40, 40-60, 60-80, 80-100 (100 in the last), goal fields.
    pub bands: [Band; 5],
    /// Every wrong or missing value.
    pub misses: Vec<Miss>,
}

/// True when an answered value counts as the expected one (see the module docs).
///
/// ```
/// use sixtyfour_web::{eval::same_value, FieldKind};
///
/// assert!(same_value(FieldKind::Website, "https://www.quill.example/", "http://quill.example"));
/// assert!(same_value(FieldKind::Location, "Lisbon, Portugal", "lisbon"));
/// assert!(same_value(FieldKind::Title, "Chief Technology Officer", "CTO"));
/// assert!(same_value(FieldKind::Company, "Quill Works, Inc.", "quill works"));
/// assert!(!same_value(FieldKind::Title, "CTO", "CEO"));
/// ```
pub fn same_value(kind: FieldKind, expected: &str, got: &str) -> bool {
    let (e, g) = (expected.trim(), got.trim());
    if e.is_empty() || g.is_empty() {
        return false;
    }
    match kind {
        FieldKind::Email => normalize::email(e) == normalize::email(g),
        FieldKind::Linkedin
        | FieldKind::Github
        | FieldKind::Website
        | FieldKind::PersonalWebsite => normalize::url(e) == normalize::url(g),
        FieldKind::Domain => normalize::host(e) == normalize::host(g),
        FieldKind::Location => normalize::city(e) == normalize::city(g),
        FieldKind::Company => normalize::company(e) == normalize::company(g),
        FieldKind::Title => title_key(e) == title_key(g),
        FieldKind::Phone => {
            let (a, b) = (normalize::phone(e), normalize::phone(g));
            let tail = |s: &str| s.chars().rev().take(9).collect::<String>();
            a == b || (a.len() >= 9 && b.len() >= 9 && tail(&a) == tail(&b))
        }
        _ => normalize::text(&crate::lead::fold(e)) == normalize::text(&crate::lead::fold(g)),
    }
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Array(items) if items.is_empty() => None,
        other => Some(other.to_string()),
    }
}

/// Reads a truth file.
pub fn read_truth(path: &Path) -> Result<Vec<TruthCase>, WebError> {
    let text = std::fs::read_to_string(path).map_err(|source| WebError::ReadFile {
        path: path.to_owned(),
        source,
    })?;
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: String| WebError::TruthLine {
            path: path.to_owned(),
            line: i + 1,
            message,
        };
        let value: Value = serde_json::from_str(line).map_err(|e| bad(format!("not JSON: {e}")))?;
        let lead_info = value
            .get("lead_info")
            .and_then(Value::as_object)
            .cloned()
            .ok_or_else(|| bad("`lead_info` must be an object".into()))?;
        let expected = match value.get("expected") {
            Some(Value::Object(map)) => map.clone(),
            Some(Value::Null) | None => Map::new(),
            Some(_) => return Err(bad("`expected` must be an object".into())),
        };
        cases.push(TruthCase {
            lead_info,
            expected,
        });
    }
    Ok(cases)
}

/// Reads a fields file (a `struct` payload).
pub fn read_fields(path: &Path) -> Result<Schema, WebError> {
    let text = std::fs::read_to_string(path).map_err(|source| WebError::ReadFile {
        path: path.to_owned(),
        source,
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|e| WebError::Fields {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    Schema::from_json(&value).map_err(|e| WebError::Fields {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Scores one answer against one truth line into the report (pure).
pub fn score_case(
    report: &mut EvalReport,
    schema: &Schema,
    case: &TruthCase,
    answer: &WebAnswer,
    goals: &[String],
) {
    let lead = case
        .lead_info
        .get("name")
        .or_else(|| case.lead_info.get("email"))
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_owned();
    for (name, spec) in schema.iter() {
        let kind = field_kind(name, spec.description());
        let expected = case.expected.get(name).and_then(as_text);
        let got = answer.structured_data.get(name).and_then(as_text);
        let confidence = answer.confidence_of(name);
        let stats = match report.fields.iter_mut().find(|f| f.field == name) {
            Some(stats) => stats,
            None => {
                report.fields.push(FieldStats {
                    field: name.to_owned(),
                    ..FieldStats::default()
                });
                let last = report.fields.len() - 1;
                &mut report.fields[last]
            }
        };
        let right = match (&expected, &got) {
            (Some(e), Some(g)) => same_value(kind, e, g),
            _ => false,
        };
        if got.is_some() {
            stats.answered += 1;
            stats.right += usize::from(right);
        }
        if expected.is_some() {
            stats.expected += 1;
            stats.found += usize::from(right);
        }
        let is_goal = goals.iter().any(|g| g == name);
        if is_goal && got.is_some() {
            let band = usize::from(confidence.unwrap_or(0) / 20).min(4);
            report.bands[band].answered += 1;
            report.bands[band].right += usize::from(right);
        }
        if !right && (expected.is_some() || got.is_some()) {
            report.misses.push(Miss {
                lead: lead.clone(),
                field: name.to_owned(),
                expected,
                got,
                confidence,
            });
        }
    }
}

/// Runs the researcher over every lead of `truth_path` on the offline web `offline_dir`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), sixtyfour_web::WebError> {
/// use std::path::Path;
/// use sixtyfour_web::eval::{evaluate, read_fields, EvalOptions};
///
/// let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
/// let schema = read_fields(&fixtures.join("fields.json"))?;
/// let dir = fixtures.join("handwritten");
/// let report = evaluate(&dir.join("web"), &dir.join("truth.jsonl"), &schema, &EvalOptions::default()).await?;
/// assert_eq!(report.leads, 12);
/// assert!(report.overall.precision() >= 0.95);
/// println!("{report}");
/// # Ok(())
/// # }
/// ```
pub async fn evaluate(
    offline_dir: &Path,
    truth_path: &Path,
    schema: &Schema,
    options: &EvalOptions,
) -> Result<EvalReport, WebError> {
    let cases = read_truth(truth_path)?;
    let mut config = options.config.clone();
    config.offline_web = Some(PathBuf::from(offline_dir));
    config.fetch.host_delay = std::time::Duration::ZERO;
    let researcher = WebResearcher::new(config)?;
    let cancel = CancelFlag::new();
    let leads: Vec<Map<String, Value>> = cases.iter().map(|c| c.lead_info.clone()).collect();
    let answers: Vec<(usize, Result<WebAnswer, WebError>)> =
        futures_util::stream::iter(leads.into_iter().enumerate())
            .map(|(i, lead_info): (usize, Map<String, Value>)| {
                let researcher = &researcher;
                let cancel = &cancel;
                async move {
                    let job = Job {
                        lead_info,
                        schema: schema.clone(),
                        research_plan: None,
                    };
                    (i, researcher.research(&job, &|_| {}, cancel).await)
                }
            })
            .buffer_unordered(options.concurrency.max(1))
            .collect()
            .await;
    let mut answers = answers;
    answers.sort_by_key(|(i, _)| *i);
    let mut report = EvalReport {
        leads: cases.len(),
        ..EvalReport::default()
    };
    for (i, answer) in answers {
        score_case(
            &mut report,
            schema,
            &cases[i],
            &answer?,
            &options.goal_fields,
        );
    }
    let mut overall = FieldStats {
        field: options.goal_fields.join(", "),
        ..FieldStats::default()
    };
    for stats in report
        .fields
        .iter()
        .filter(|f| options.goal_fields.contains(&f.field))
    {
        overall.add(stats);
    }
    report.overall = overall;
    Ok(report)
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} leads", self.leads)?;
        writeln!(
            f,
            "{:<14} {:>8} {:>6} {:>8} {:>6} {:>9} {:>7}",
            "field", "answered", "right", "expected", "found", "precision", "recall"
        )?;
        for s in self.fields.iter().chain(std::iter::once(&self.overall)) {
            let label = if std::ptr::eq(s, &self.overall) {
                "overall"
            } else {
                s.field.as_str()
            };
            writeln!(
                f,
                "{:<14} {:>8} {:>6} {:>8} {:>6} {:>9.3} {:>7.3}",
                label,
                s.answered,
                s.right,
                s.expected,
                s.found,
                s.precision(),
                s.recall()
            )?;
        }
        writeln!(f, "(overall is over {})", self.overall.field)?;
        writeln!(
            f,
            "calibration of field_confidence (answered values right, per band):"
        )?;
        for (i, band) in self.bands.iter().enumerate() {
            let range = format!("{}-{}", i * 20, i * 20 + 20);
            match band.accuracy() {
                Some(a) => writeln!(
                    f,
                    "  {:<7} {:>4} answered  {:>6.3} right",
                    range, band.answered, a
                )?,
                None => writeln!(f, "  {:<7} {:>4} answered       -", range, band.answered)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn comparison_table() {
        for (kind, e, g, want) in [
            (
                FieldKind::Email,
                "Ada@Quill.example",
                "ada@quill.example",
                true,
            ),
            (
                FieldKind::Email,
                "ada@quill.example",
                "bo@quill.example",
                false,
            ),
            (
                FieldKind::Linkedin,
                "https://www.linkedin.com/in/ada/",
                "linkedin.com/in/ada",
                true,
            ),
            (
                FieldKind::Website,
                "https://quill.example",
                "https://quill.example/team",
                false,
            ),
            (FieldKind::Location, "Lisbon", "Lisbon, Portugal", true),
            (FieldKind::Location, "Porto", "Lisbon", false),
            (
                FieldKind::Title,
                "VP of Sales",
                "Vice President, Sales",
                true,
            ),
            (FieldKind::Company, "The Quill Co.", "Quill", true),
            (FieldKind::Phone, "+1 415 555 0100", "(415) 555-0100", true),
            (FieldKind::Other, "  x ", "X", true),
            (FieldKind::Title, "", "", false),
        ] {
            assert_eq!(same_value(kind, e, g), want, "{kind:?} {e} / {g}");
        }
    }

    #[test]
    fn scoring_counts_precision_recall_and_bands() {
        let schema =
            Schema::from_json(&json!({"email": "Email", "title": "Title", "location": "City"}))
                .unwrap();
        let case = TruthCase {
            lead_info: json!({"name": "Ada Quill"}).as_object().unwrap().clone(),
            expected: json!({"email": "ada@q.example", "title": "CTO", "location": null})
                .as_object()
                .unwrap()
                .clone(),
        };
        let answer = WebAnswer {
            notes: String::new(),
            structured_data:
                json!({"email": "ADA@q.example", "title": "CEO", "location": "Lisbon"})
                    .as_object()
                    .unwrap()
                    .clone(),
            references: Map::new(),
            confidence_score: 5.0,
            field_confidence: json!({"email": 95, "title": 50, "location": 10})
                .as_object()
                .unwrap()
                .clone(),
        };
        let mut report = EvalReport::default();
        let goals: Vec<String> = GOAL_FIELDS.iter().map(|s| (*s).to_owned()).collect();
        score_case(&mut report, &schema, &case, &answer, &goals);
        let by = |n: &str| report.fields.iter().find(|f| f.field == n).unwrap().clone();
        assert_eq!(
            (by("email").answered, by("email").right, by("email").found),
            (1, 1, 1)
        );
        assert_eq!(
            (
                by("title").answered,
                by("title").right,
                by("title").expected
            ),
            (1, 0, 1)
        );
        assert_eq!(
            (
                by("location").answered,
                by("location").right,
                by("location").expected
            ),
            (1, 0, 0)
        );
        assert_eq!(
            report.bands[4],
            Band {
                answered: 1,
                right: 1
            }
        );
        assert_eq!(
            report.bands[2],
            Band {
                answered: 1,
                right: 0
            }
        );
        assert_eq!(
            report.bands[0],
            Band {
                answered: 1,
                right: 0
            }
        );
        assert_eq!(report.misses.len(), 2);
    }

    #[test]
    fn truth_file_errors_name_the_line() {
        let path =
            std::env::temp_dir().join(format!("sixtyfour-web-truth-{}.jsonl", std::process::id()));
        std::fs::write(
            &path,
            "{\"lead_info\": {\"name\": \"A B\"}, \"expected\": {}}\n\n{\"lead_info\": 3}\n",
        )
        .unwrap();
        let err = read_truth(&path).unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("lead_info"), "{err}");
        std::fs::remove_file(&path).unwrap();
    }
}
