//! The answer of one job ([`WebAnswer`]) and its assembly from the pages' facts: each field
//! decided, cast to its resolved type, explained in the notes, and backed by references.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use sixtyfour_casting::{FieldType, Schema, cast, resolve};

use crate::decide::{self, Candidate, FieldDecision, MatchLevel, Matching};
use crate::extract::{PageFacts, Source};
use crate::fields::{FieldKind, field_kind};
use crate::lead::Lead;
use crate::normalize;

/// The result of one research job, in the API's terms.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebAnswer {
    /// What was found, how the lead was matched, what was set aside.
    pub notes: String,
    /// Every schema field, cast to its type (blank or null when nothing supports a value), then
    /// the `lead_info` keys outside the schema, unchanged.
    pub structured_data: Map<String, Value>,
    /// Page URL to what it supports; only pages that support an answered value.
    pub references: Map<String, Value>,
    /// 0-10: the strength of the match and the share of fields answered.
    pub confidence_score: f64,
    /// Field name to 0-100, or null for a field left empty.
    pub field_confidence: Map<String, Value>,
}

impl WebAnswer {
    /// The API's result object: `notes`, `structured_data`, `findings` (always empty),
    /// `references`, `confidence_score`, `field_confidence`.
    pub fn to_json(&self) -> Value {
        json!({
            "notes": self.notes,
            "structured_data": self.structured_data,
            "findings": [],
            "references": self.references,
            "confidence_score": self.confidence_score,
            "field_confidence": self.field_confidence,
        })
    }

    /// The confidence of one field, when it was answered.
    pub fn confidence_of(&self, field: &str) -> Option<u8> {
        self.field_confidence
            .get(field)
            .and_then(Value::as_u64)
            .and_then(|c| u8::try_from(c).ok())
    }
}

/// A value the language model gave for a field, citing a page that was fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// The field name.
    pub field: String,
    /// The value.
    pub value: Value,
    /// The cited page.
    pub url: String,
}

/// What the job did, for the notes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobLog {
    /// Pages read.
    pub pages_read: usize,
    /// Page requests made and the budget.
    pub requests: (usize, usize),
    /// Searches that failed, with why.
    pub search_errors: Vec<String>,
    /// Pages that could not be read, with why.
    pub skipped: Vec<String>,
    /// The language model's problem, if it had one.
    pub llm_error: Option<String>,
    /// Claims of the language model dropped for citing an unfetched page.
    pub uncited_claims: usize,
}

/// Assembles the answer of one job from the facts of its pages and the model's claims.
pub fn assemble(
    lead_info: &Map<String, Value>,
    lead: &Lead,
    schema: &Schema,
    pages: &[PageFacts],
    claims: &[Claim],
    log: &JobLog,
) -> WebAnswer {
    let matching = decide::match_pages(lead, pages);
    let resolution = resolve(schema, lead_info);
    let best = matching.best_level();

    let mut structured_data = Map::new();
    let mut field_confidence = Map::new();
    let mut supports: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut found = Vec::new();
    let mut missing = Vec::new();
    let mut conflicts = Vec::new();
    let mut answerable = 0usize;

    for (field, resolved) in schema.iter().zip(&resolution) {
        let (name, spec) = field;
        let kind = field_kind(name, spec.description());
        let field_claims: Vec<&Claim> = claims.iter().filter(|c| c.field == name).collect();
        if kind != FieldKind::Other || !field_claims.is_empty() {
            answerable += 1;
        }
        let decision = decide_one(kind, &field_claims, &matching, lead, pages);
        let value = decision.value.as_ref().and_then(|raw| {
            let cast_value = cast(raw, resolved.field_type).ok()?;
            (!is_blank(&cast_value)).then_some(cast_value)
        });
        match value {
            Some(value) => {
                found.push(name.to_owned());
                for url in &decision.sources {
                    supports
                        .entry(url.clone())
                        .or_default()
                        .push(name.to_owned());
                }
                field_confidence.insert(name.to_owned(), json!(decision.confidence));
                structured_data.insert(name.to_owned(), value);
                if !decision.rejected.is_empty() {
                    conflicts.push(format!(
                        "{name} ({} set aside)",
                        decision.rejected.join(", ")
                    ));
                }
            }
            None => {
                missing.push(name.to_owned());
                field_confidence.insert(name.to_owned(), Value::Null);
                let empty = if resolved.field_type == FieldType::Str {
                    Value::String(String::new())
                } else {
                    Value::Null
                };
                structured_data.insert(name.to_owned(), empty);
            }
        }
    }
    for (key, value) in lead_info {
        if !schema.contains(key) {
            structured_data.insert(key.clone(), value.clone());
        }
    }

    let mut references = Map::new();
    for (url, fields) in &supports {
        let title = pages
            .iter()
            .find(|p| &p.url == url)
            .map(|p| p.title.trim().to_owned())
            .filter(|t| !t.is_empty());
        let what = format!("supports {}", fields.join(", "));
        let text = match title {
            Some(title) => format!("{title}: {what}."),
            None => format!("{}.", capitalize(&what)),
        };
        references.insert(url.clone(), Value::String(text));
    }

    let confidence_score = score(best, &field_confidence, found.len(), answerable);
    let notes = notes(
        lead,
        &structured_data,
        &matching,
        &found,
        &missing,
        &conflicts,
        log,
    );
    WebAnswer {
        notes,
        structured_data,
        references,
        confidence_score,
        field_confidence,
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// The decision of one field: deterministic candidates plus the model's cited claims.
fn decide_one(
    kind: FieldKind,
    claims: &[&Claim],
    matching: &Matching<'_>,
    lead: &Lead,
    pages: &[PageFacts],
) -> DecisionOut {
    let page_level = |url: &str| {
        matching
            .accepted
            .iter()
            .filter(|a| normalize::url(&a.page.url) == normalize::url(url))
            .map(|a| a.level)
            .max()
    };
    if kind == FieldKind::Other {
        // Only the model answers these, and only from a page tied to the lead.
        let Some(claim) = claims.iter().find(|c| page_level(&c.url).is_some()) else {
            return DecisionOut::empty();
        };
        let level = page_level(&claim.url).unwrap_or(MatchLevel::NameOnly);
        let confidence = (level.base_confidence() * 0.7).round() as u8;
        if confidence < decide::MIN_CONFIDENCE {
            return DecisionOut::empty();
        }
        return DecisionOut {
            value: Some(claim.value.clone()),
            confidence,
            sources: vec![claim.url.clone()],
            rejected: Vec::new(),
        };
    }
    let mut candidates = decide::candidates(kind, matching);
    for claim in claims {
        let Some(text) = claim_text(&claim.value) else {
            continue;
        };
        let date = pages
            .iter()
            .find(|p| normalize::url(&p.url) == normalize::url(&claim.url))
            .and_then(|p| p.date);
        candidates.push(Candidate {
            value: text,
            url: claim.url.clone(),
            date,
            level: page_level(&claim.url).unwrap_or(MatchLevel::NameOnly),
            source: Source::Llm,
            former: false,
            authority: 1.0,
        });
    }
    let mut decision: FieldDecision = decide::decide_field(kind, &candidates);
    if kind == FieldKind::Domain {
        decision.value = decision.value.map(|w| normalize::host(&w));
    }
    if decision.value.is_none() && matching.best_level() >= Some(MatchLevel::NameAndCompany) {
        let given = match kind {
            FieldKind::Name => lead.name.clone(),
            FieldKind::Email => lead.email.clone(),
            FieldKind::Linkedin => lead.linkedin.clone(),
            FieldKind::Github => lead.github.clone(),
            _ => None,
        };
        if let Some(given) = given {
            decision = FieldDecision {
                value: Some(given),
                confidence: 60,
                sources: Vec::new(),
                rejected: Vec::new(),
            };
        }
    }
    if kind == FieldKind::Name {
        decision.value = decision.value.map(|n| crate::lead::display_name(&n));
    }
    DecisionOut {
        value: decision.value.map(Value::String),
        confidence: decision.confidence,
        sources: decision.sources,
        rejected: decision.rejected,
    }
}

fn claim_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

struct DecisionOut {
    value: Option<Value>,
    confidence: u8,
    sources: Vec<String>,
    rejected: Vec<String>,
}

impl DecisionOut {
    fn empty() -> DecisionOut {
        DecisionOut {
            value: None,
            confidence: 0,
            sources: Vec::new(),
            rejected: Vec::new(),
        }
    }
}

/// The overall score (0-10): the mean confidence of the answered fields, scaled by the share of
/// answerable fields answered; 0 when no page matched the lead.
pub fn score(
    best: Option<MatchLevel>,
    field_confidence: &Map<String, Value>,
    found: usize,
    answerable: usize,
) -> f64 {
    if best.is_none() || found == 0 {
        return 0.0;
    }
    let values: Vec<f64> = field_confidence
        .values()
        .filter_map(Value::as_f64)
        .collect();
    let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
    let share = found as f64 / answerable.max(found).max(1) as f64;
    (mean / 10.0 * (0.5 + 0.5 * share) * 10.0).round() / 10.0
}

fn notes(
    lead: &Lead,
    data: &Map<String, Value>,
    matching: &Matching<'_>,
    found: &[String],
    missing: &[String],
    conflicts: &[String],
    log: &JobLog,
) -> String {
    let who = lead
        .name
        .clone()
        .or_else(|| lead.email.clone())
        .unwrap_or_else(|| "The lead".into());
    let mut notes = String::new();
    match matching.best_level() {
        None => {
            notes.push_str(&format!(
                "No page read could be tied to {who} by email, profile URL, or name and company, so no field is answered."
            ));
        }
        Some(level) => {
            let text = |kind: FieldKind| {
                data.iter()
                    .find(|(k, _)| field_kind(k, None) == kind)
                    .and_then(|(_, v)| v.as_str())
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            notes.push_str(&who);
            match (text(FieldKind::Title), text(FieldKind::Company)) {
                (Some(t), Some(c)) => notes.push_str(&format!(" is {t} at {c}")),
                (Some(t), None) => notes.push_str(&format!(" is {t}")),
                (None, Some(c)) => notes.push_str(&format!(" works at {c}")),
                (None, None) => {}
            }
            if let Some(place) = text(FieldKind::Location) {
                notes.push_str(&format!(", based in {place}"));
            }
            let pages: std::collections::BTreeSet<&str> = matching
                .accepted
                .iter()
                .map(|a| a.page.url.as_str())
                .collect();
            notes.push_str(&format!(
                ". Matched by {} on {} page{}.",
                level.describe(),
                pages.len(),
                if pages.len() == 1 { "" } else { "s" }
            ));
        }
    }
    if !found.is_empty() {
        notes.push_str(&format!(" Found: {}.", found.join(", ")));
    }
    if !missing.is_empty() {
        notes.push_str(&format!(" Not found: {}.", missing.join(", ")));
    }
    if matching.namesakes > 0 {
        notes.push_str(&format!(
            " Set aside {} record{} of someone with the same name elsewhere.",
            matching.namesakes,
            if matching.namesakes == 1 { "" } else { "s" }
        ));
    }
    if !conflicts.is_empty() {
        notes.push_str(&format!(" Conflicting values: {}.", conflicts.join("; ")));
    }
    notes.push_str(&format!(
        " Read {} page{} ({} of {} requests).",
        log.pages_read,
        if log.pages_read == 1 { "" } else { "s" },
        log.requests.0,
        log.requests.1
    ));
    if !log.skipped.is_empty() {
        notes.push_str(&format!(
            " {} page{} could not be read (robots.txt, errors, content type).",
            log.skipped.len(),
            if log.skipped.len() == 1 { "" } else { "s" }
        ));
    }
    if !log.search_errors.is_empty() {
        notes.push_str(&format!(
            " Search problems: {}.",
            log.search_errors.join("; ")
        ));
    }
    if let Some(error) = &log.llm_error {
        notes.push_str(&format!(" Language model: {error}."));
    }
    if log.uncited_claims > 0 {
        notes.push_str(&format!(
            " Dropped {} model value{} citing no fetched page.",
            log.uncited_claims,
            if log.uncited_claims == 1 { "" } else { "s" }
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{Fact, Record, Site};

    fn pages() -> Vec<PageFacts> {
        let card = Record {
            facts: vec![
                Fact::new(FieldKind::Name, "Ada Quill", Source::Card),
                Fact::new(FieldKind::Title, "CTO", Source::Card),
                Fact::new(FieldKind::Email, "ada@quillworks.example", Source::Link),
                Fact::new(FieldKind::Location, "Lisbon, Portugal", Source::Card),
            ],
            whole_page: false,
        };
        vec![PageFacts {
            url: "https://quillworks.example/team/".into(),
            title: "Team | Quill Works".into(),
            site: Site {
                org_name: Some("Quill Works".into()),
                org_url: None,
                team_page: true,
                location: None,
            },
            records: vec![card],
            ..PageFacts::default()
        }]
    }

    #[test]
    fn an_answer_with_types_references_and_pass_through() {
        let lead_info = json!({"name": "Ada Quill", "company": "Quill Works", "crm_id": 7});
        let schema = Schema::from_json(&json!({
            "title": "The individual's job title",
            "email": "Email",
            "company": "Company",
            "website": "Company website URL",
            "location": "City",
            "phone": "Phone number",
            "github_notes": "Take detailed notes on their github profile.",
            "is_ceo": {"type": "bool", "description": "Is the person the CEO?"}
        }))
        .unwrap();
        let answer = assemble(
            lead_info.as_object().unwrap(),
            &Lead::from_map(lead_info.as_object().unwrap()),
            &schema,
            &pages(),
            &[],
            &JobLog::default(),
        );
        let data = &answer.structured_data;
        assert_eq!(data["title"], "CTO");
        assert_eq!(data["email"], "ada@quillworks.example");
        assert_eq!(data["company"], "Quill Works");
        assert_eq!(data["website"], "https://quillworks.example/");
        assert_eq!(data["location"], "Lisbon, Portugal");
        assert_eq!(data["phone"], "");
        assert_eq!(data["github_notes"], "");
        assert_eq!(data["is_ceo"], Value::Null);
        assert_eq!(data["crm_id"], 7);
        assert!(answer.confidence_of("title").unwrap() >= 80);
        assert_eq!(answer.field_confidence["phone"], Value::Null);
        assert_eq!(answer.references.len(), 1);
        assert!(
            answer.references["https://quillworks.example/team/"]
                .as_str()
                .unwrap()
                .contains("title")
        );
        assert!(answer.confidence_score > 5.0 && answer.confidence_score <= 10.0);
        let json = answer.to_json();
        assert_eq!(json["findings"], json!([]));
        assert!(
            answer.notes.contains("Ada Quill is CTO at Quill Works"),
            "{}",
            answer.notes
        );
    }

    #[test]
    fn nothing_found_means_nothing_answered() {
        let lead_info = json!({"name": "Nobody Known", "email": "nobody@nowhere.example"});
        let schema = Schema::from_json(&json!({"email": "Email", "title": "Title"})).unwrap();
        let answer = assemble(
            lead_info.as_object().unwrap(),
            &Lead::from_map(lead_info.as_object().unwrap()),
            &schema,
            &pages(),
            &[],
            &JobLog::default(),
        );
        assert_eq!(answer.structured_data["email"], "");
        assert_eq!(answer.structured_data["title"], "");
        assert!(answer.references.is_empty());
        assert_eq!(answer.confidence_score, 0.0);
    }

    #[test]
    fn claims_answer_unknown_fields_only_from_pages_about_the_lead() {
        let lead_info = json!({"name": "Ada Quill", "company": "Quill Works"});
        let schema = Schema::from_json(&json!({"hobby": "Their hobby", "years": {"type": "int", "description": "Years at the company"}})).unwrap();
        let claims = vec![
            Claim {
                field: "hobby".into(),
                value: json!("sailing"),
                url: "https://quillworks.example/team/".into(),
            },
            Claim {
                field: "years".into(),
                value: json!("4"),
                url: "https://elsewhere.example/".into(),
            },
        ];
        let answer = assemble(
            lead_info.as_object().unwrap(),
            &Lead::from_map(lead_info.as_object().unwrap()),
            &schema,
            &pages(),
            &claims,
            &JobLog::default(),
        );
        assert_eq!(answer.structured_data["hobby"], "sailing");
        assert_eq!(answer.structured_data["years"], Value::Null);
    }
}
