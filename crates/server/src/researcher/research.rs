//! The "research agent": a pure function from a lead, a schema and the directory to the
//! answer the API returns. Same request, same answer.

use serde_json::{Map, Value, json};
use sixtyfour_casting::{FieldSpec, FieldType, Schema, cast, resolve};
use sixtyfour_protocol::EnrichResult;

use super::directory::{Directory, MatchKind, Profile, lookup};

/// The body of a completed enrichment.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// A summary of what was found and how the lead was matched.
    pub notes: String,
    /// Every schema field, cast, then the `lead_info` keys outside the schema.
    pub structured_data: Map<String, Value>,
    /// Source URL to description.
    pub references: Map<String, Value>,
    /// 0 to 10.
    pub confidence_score: f64,
}

impl Answer {
    /// The result as the protocol types it.
    pub fn to_result(&self) -> EnrichResult {
        let mut result = EnrichResult::new(self.structured_data.clone());
        result.notes = self.notes.clone();
        result.references = self.references.clone();
        result.confidence_score = Some(self.confidence_score);
        result
    }

    /// The JSON the API returns.
    pub fn to_json(&self) -> Value {
        json!({
            "notes": self.notes,
            "structured_data": self.structured_data,
            "findings": [],
            "references": self.references,
            "confidence_score": self.confidence_score,
        })
    }
}

/// Keywords of a description, tried in order, and the profile key each points to.
const KEYWORDS: &[(&[&str], &str)] = &[
    (&["email", "e-mail"], "email"),
    (&["phone", "telephone", "mobile"], "phone"),
    (&["linkedin"], "linkedin"),
    (&["website", "homepage", "domain"], "website"),
    (&["industry", "sector"], "industry"),
    (&["location", "city", "based"], "location"),
    (&["title", "role", "position"], "title"),
    (&["company", "employer", "organization"], "company"),
    (&["skill"], "skills"),
    (&["experience"], "years_experience"),
    (&["seniority"], "seniority"),
    (&["age"], "age"),
    (&["name"], "name"),
];

/// Researches one lead.
pub fn research(directory: &Directory, lead_info: &Map<String, Value>, schema: &Schema) -> Answer {
    let matched = directory.find(lead_info);
    let resolution = resolve(schema, lead_info);
    let mut structured_data = Map::with_capacity(schema.len() + lead_info.len());
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for (field, resolved) in schema.iter().zip(&resolution) {
        let (name, spec) = field;
        let raw = matched
            .and_then(|(profile, _)| profile_value(profile, name, spec))
            .or_else(|| lead_info.get(name).filter(|v| !v.is_null()));
        let value = raw
            .and_then(|raw| cast(raw, resolved.field_type).ok())
            .filter(|value| !is_blank(value));
        match value {
            Some(value) => {
                found.push(name);
                structured_data.insert(name.to_owned(), value);
            }
            None => {
                missing.push(name);
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
    let notes = notes(matched, &found, &missing);
    let references = matched
        .map(|(profile, _)| references(profile))
        .unwrap_or_default();
    let confidence_score = confidence(matched.map(|(_, kind)| kind), found.len(), schema.len());
    Answer {
        notes,
        structured_data,
        references,
        confidence_score,
    }
}

/// Writes every `dict` field's object as JSON text, as the live API does (`{"k": 1}` becomes
/// `"{\"k\":1}"`); other fields and nulls are left alone.
///
/// ```
/// use serde_json::json;
/// use sixtyfour_casting::Schema;
/// use sixtyfour_server::researcher::dicts_as_text;
///
/// let schema = Schema::from_json(&json!({"social": {"type": "dict"}, "name": "Name"}))?;
/// let mut data = json!({"social": {"x": "@ada"}, "name": "Ada"}).as_object().cloned().unwrap();
/// dicts_as_text(&mut data, &schema, &serde_json::Map::new());
/// assert_eq!(data["social"], "{\"x\":\"@ada\"}");
/// assert_eq!(data["name"], "Ada");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn dicts_as_text(
    data: &mut Map<String, Value>,
    schema: &Schema,
    lead_info: &Map<String, Value>,
) {
    for resolved in &resolve(schema, lead_info) {
        if resolved.field_type != FieldType::Dict {
            continue;
        }
        if let Some(value) = data.get_mut(resolved.name)
            && value.is_object()
        {
            *value = Value::String(value.to_string());
        }
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// A field is filled from the profile key of the same name or a synonym, else by a keyword of
/// its description.
fn profile_value<'p>(profile: &'p Profile, field: &str, spec: &FieldSpec) -> Option<&'p Value> {
    let get = |key: &str| lookup(&profile.attributes, key);
    if let Some(value) = get(field) {
        return Some(value);
    }
    let normalized: String = field
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if let Some(value) = get(&normalized) {
        return Some(value);
    }
    let description = spec.description()?.to_lowercase();
    let words: Vec<&str> = description
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    let mentions = |keyword: &str| words.iter().any(|word| word.starts_with(keyword));
    if mentions("github") {
        let key = if ["note", "detail", "summar", "describ"]
            .iter()
            .any(|k| mentions(k))
        {
            "github_notes"
        } else {
            "github_url"
        };
        return get(key);
    }
    KEYWORDS
        .iter()
        .find(|(keywords, _)| keywords.iter().any(|k| mentions(k)))
        .and_then(|(_, key)| get(key))
}

fn references(profile: &Profile) -> Map<String, Value> {
    if !profile.sources.is_empty() {
        return profile.sources.clone();
    }
    let name = profile.text("name").unwrap_or("this person");
    let mut refs = Map::new();
    for (key, what) in [
        ("linkedin", "LinkedIn profile"),
        ("website", "Company website"),
        ("github_url", "GitHub profile"),
    ] {
        if let Some(url) = profile.text(key) {
            refs.insert(url.to_owned(), Value::String(format!("{what} of {name}.")));
        }
    }
    refs
}

fn notes(matched: Option<(&Profile, MatchKind)>, found: &[&str], missing: &[&str]) -> String {
    let total = found.len() + missing.len();
    let Some((profile, kind)) = matched else {
        return format!(
            "No public profile matched this lead by email, LinkedIn URL, GitHub URL or name and company. None of the {total} requested fields could be confirmed from research; values given in the lead were kept."
        );
    };
    let who = profile.text("name").unwrap_or("The lead");
    let mut notes = who.to_string();
    if let Some(title) = profile.text("title") {
        notes.push_str(&format!(" is {title}"));
        if let Some(company) = profile.text("company") {
            notes.push_str(&format!(" at {company}"));
        }
    }
    if let Some(location) = profile.text("location") {
        notes.push_str(&format!(", based in {location}"));
    }
    notes.push_str(&format!(". Matched by {}.", kind.describe()));
    notes.push_str(&format!(
        " Found {} of {total} requested fields",
        found.len()
    ));
    if found.is_empty() {
        notes.push('.');
    } else {
        notes.push_str(&format!(": {}.", found.join(", ")));
    }
    if !missing.is_empty() {
        notes.push_str(&format!(" Not found: {}.", missing.join(", ")));
    }
    notes
}

/// Grows with the strength of the match and the share of fields filled; low when unmatched.
pub fn confidence(kind: Option<MatchKind>, found: usize, total: usize) -> f64 {
    let Some(kind) = kind else {
        return 0.5;
    };
    let share = if total == 0 {
        0.0
    } else {
        found as f64 / total as f64
    };
    (10.0 * kind.strength() * (0.4 + 0.6 * share) * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_table() {
        assert_eq!(confidence(None, 3, 3), 0.5);
        assert_eq!(confidence(Some(MatchKind::Email), 10, 10), 10.0);
        assert_eq!(confidence(Some(MatchKind::Email), 0, 10), 4.0);
        assert_eq!(confidence(Some(MatchKind::NameAndCompany), 5, 10), 5.3);
        assert!(
            confidence(Some(MatchKind::LinkedIn), 8, 10)
                > confidence(Some(MatchKind::NameAndCompany), 8, 10)
        );
        assert!(
            confidence(Some(MatchKind::Email), 9, 10) > confidence(Some(MatchKind::Email), 3, 10)
        );
    }
}
