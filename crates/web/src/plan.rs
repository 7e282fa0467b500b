//! Planning a job: the pages to read first (profile URLs and the site given with the lead,
//! URLs named in the research plan) and the search queries, most telling first.

use crate::fields::FieldKind;
use crate::lead::Lead;

/// What to read and what to search for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// URLs read before any search.
    pub seeds: Vec<String>,
    /// Search queries, best first (`"quoted"` words are phrases).
    pub queries: Vec<String>,
}

/// Words of a research plan that say nothing about where to look.
const STOPWORDS: &[&str] = &[
    "the", "a", "an", "and", "or", "of", "to", "for", "in", "on", "at", "with", "their", "his",
    "her", "its", "this", "that", "find", "look", "check", "search", "please", "also", "any",
    "from", "about", "is", "are", "be", "it", "they", "them", "person", "lead", "use", "if",
    "then", "first", "by", "as", "what", "which", "who", "where", "when", "how", "get", "all",
];

fn https(url: &str) -> String {
    let url = url.trim();
    if url.starts_with("http://") || url.starts_with("https://") {
        url.to_owned()
    } else {
        format!("https://{url}")
    }
}

/// Plans one job from the lead, the kinds of the requested fields and the research plan.
///
/// ```
/// use serde_json::json;
/// use sixtyfour_web::{plan::plan, FieldKind, Lead};
///
/// let lead = Lead::from_map(json!({"name": "Ada Quill", "company": "Quill Works", "email": "ada@quill.example"}).as_object().unwrap());
/// let p = plan(&lead, &[FieldKind::Title, FieldKind::Linkedin], Some("Check https://quill.example/about first"), 8);
/// assert_eq!(p.seeds, vec!["https://quill.example/about"]);
/// assert_eq!(p.queries[0], "\"ada@quill.example\"");
/// assert_eq!(p.queries[1], "\"Ada Quill\" \"Quill Works\"");
/// assert!(p.queries.iter().any(|q| q.contains("linkedin")));
/// ```
pub fn plan(
    lead: &Lead,
    kinds: &[FieldKind],
    research_plan: Option<&str>,
    max_queries: usize,
) -> Plan {
    let mut seeds = Vec::new();
    let mut push_seed = |url: String| {
        if !seeds.contains(&url) {
            seeds.push(url);
        }
    };
    for word in research_plan.unwrap_or("").split_whitespace() {
        let word = word
            .trim_matches(|c: char| matches!(c, ',' | ';' | '(' | ')' | '"' | '\'' | '<' | '>'));
        let word = word.trim_end_matches('.');
        if word.starts_with("http://") || word.starts_with("https://") {
            push_seed(word.to_owned());
        }
    }
    for url in [&lead.linkedin, &lead.github, &lead.website]
        .into_iter()
        .flatten()
    {
        push_seed(https(url));
    }

    let mut queries: Vec<String> = Vec::new();
    let mut push = |q: String| {
        if !q.trim().is_empty() && !queries.contains(&q) {
            queries.push(q);
        }
    };
    let name = lead
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if let Some(email) = &lead.email {
        push(format!("\"{email}\""));
    }
    if let (Some(name), Some(company)) = (name, &lead.company) {
        push(format!("\"{name}\" \"{company}\""));
    }
    if let (Some(name), Some(domain)) = (name, &lead.domain) {
        push(format!("\"{name}\" {domain}"));
    }
    if let Some(name) = name {
        let company = lead
            .company
            .as_deref()
            .map(|c| format!(" \"{c}\""))
            .unwrap_or_default();
        if kinds.contains(&FieldKind::Linkedin) && lead.linkedin.is_none() {
            push(format!("\"{name}\"{company} linkedin"));
        }
        push(format!("\"{name}\""));
        if kinds.contains(&FieldKind::Github) && lead.github.is_none() {
            push(format!("\"{name}\" github"));
        }
        let plan_words: Vec<&str> = research_plan
            .unwrap_or("")
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .filter(|w| {
                w.len() > 2
                    && !STOPWORDS.contains(&w.to_lowercase().as_str())
                    && !w.starts_with("http")
            })
            .take(4)
            .collect();
        if !plan_words.is_empty() {
            push(format!("\"{name}\" {}", plan_words.join(" ")));
        }
    }
    if let (None, Some(linkedin)) = (name, &lead.linkedin) {
        push(format!("\"{}\"", crate::normalize::url(linkedin)));
    }
    queries.truncate(max_queries);
    Plan { seeds, queries }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lead(value: serde_json::Value) -> Lead {
        Lead::from_map(value.as_object().unwrap())
    }

    #[test]
    fn plans() {
        let p = plan(
            &lead(json!({"email": "bo@lind.example"})),
            &[FieldKind::Title],
            None,
            8,
        );
        assert_eq!(p.queries, vec!["\"bo@lind.example\""]);
        assert!(p.seeds.is_empty());

        let p = plan(
            &lead(json!({"name": "Bo Lind", "linkedin": "linkedin.com/in/bolind"})),
            &[FieldKind::Github],
            Some("Focus on conference talks"),
            8,
        );
        assert_eq!(p.seeds, vec!["https://linkedin.com/in/bolind"]);
        assert_eq!(
            p.queries,
            vec![
                "\"Bo Lind\"",
                "\"Bo Lind\" github",
                "\"Bo Lind\" Focus conference talks"
            ]
        );

        let p = plan(
            &lead(
                json!({"name": "Bo Lind", "company": "Lind AB", "website": "https://lind.example"}),
            ),
            &[],
            None,
            2,
        );
        assert_eq!(
            p.queries,
            vec!["\"Bo Lind\" \"Lind AB\"", "\"Bo Lind\" lind.example"]
        );
        assert_eq!(p.seeds, vec!["https://lind.example"]);

        assert_eq!(plan(&Lead::default(), &[], None, 8), Plan::default());
    }
}
