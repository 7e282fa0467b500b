//! The directory of fictional profiles the directory researcher answers from, and how a lead is
//! matched to one: by email, LinkedIn or GitHub URL, else by name and company.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

const BUILTIN: &str = include_str!("../../data/directory.jsonl");

/// One person's attributes and the sources that back them.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Flat attributes: `name`, `email`, `title`... and anything else.
    pub attributes: Map<String, Value>,
    /// Source URL to description.
    pub sources: Map<String, Value>,
}

impl Profile {
    /// The attribute's text under `key` or a synonym, if it has a non-blank one.
    pub fn text(&self, key: &str) -> Option<&str> {
        lookup(&self.attributes, key).and_then(Value::as_str)
    }
}

/// How a lead was matched to a profile, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    /// The lead's email address.
    Email,
    /// The lead's LinkedIn URL.
    LinkedIn,
    /// The lead's GitHub URL.
    GitHub,
    /// The lead's name together with its company.
    NameAndCompany,
}

impl MatchKind {
    /// How much a match of this kind is trusted, from 0 to 1.
    pub fn strength(self) -> f64 {
        match self {
            MatchKind::Email => 1.0,
            MatchKind::LinkedIn => 0.95,
            MatchKind::GitHub => 0.9,
            MatchKind::NameAndCompany => 0.75,
        }
    }

    /// Words for the notes.
    pub fn describe(self) -> &'static str {
        match self {
            MatchKind::Email => "email address",
            MatchKind::LinkedIn => "LinkedIn URL",
            MatchKind::GitHub => "GitHub URL",
            MatchKind::NameAndCompany => "name and company",
        }
    }
}

/// A line of a directory file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DirectoryError {
    /// The file could not be read.
    #[error("cannot read the directory file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A line is not a JSON object.
    #[error("directory line {line}: {message}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Names that mean the same attribute, canonical name first. Used for profile keys, lead keys
/// and requested field names alike.
pub const ALIASES: &[&[&str]] = &[
    &["email", "email_address", "work_email", "e_mail", "mail"],
    &["phone", "phone_number", "mobile", "telephone", "tel"],
    &["title", "job_title", "position", "role", "job"],
    &["linkedin", "linkedin_url", "linkedin_profile"],
    &[
        "company",
        "company_name",
        "organization",
        "organisation",
        "employer",
    ],
    &["website", "company_website", "homepage", "url", "domain"],
    &["location", "city", "address", "based_in"],
    &["industry", "sector", "vertical"],
    &["github_url", "github", "github_profile"],
    &["github_notes", "github_summary"],
    &["name", "full_name", "person_name"],
];

/// The first non-blank value under `key` or one of its synonyms.
pub fn lookup<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
    let blank = |v: &&Value| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty());
    if let Some(value) = map.get(key).filter(|v| !blank(v)) {
        return Some(value);
    }
    ALIASES
        .iter()
        .find(|group| group.contains(&key))
        .and_then(|group| group.iter().find_map(|k| map.get(*k).filter(|v| !blank(v))))
}

/// Profiles with lookup indexes.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    profiles: Vec<Profile>,
    by_email: HashMap<String, usize>,
    by_linkedin: HashMap<String, usize>,
    by_github: HashMap<String, usize>,
    by_name_company: HashMap<(String, String), usize>,
}

impl Directory {
    /// The built-in sample: 70 fictional people at 14 fictional companies (`.example` domains).
    pub fn builtin() -> Self {
        // The sample is part of the crate and checked by its tests.
        Self::from_jsonl(BUILTIN).unwrap_or_default()
    }

    /// Reads a JSON Lines directory file.
    pub fn from_path(path: &Path) -> Result<Self, DirectoryError> {
        let text = std::fs::read_to_string(path).map_err(|source| DirectoryError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_jsonl(&text)
    }

    /// Reads JSON Lines text: one object per line (blank lines are skipped), a flat map of
    /// attributes with an optional `"sources": {url: description}`.
    pub fn from_jsonl(text: &str) -> Result<Self, DirectoryError> {
        let mut profiles = Vec::new();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let line_error = |message: String| DirectoryError::Line {
                line: index + 1,
                message,
            };
            let value: Value = serde_json::from_str(line).map_err(|e| line_error(e.to_string()))?;
            let Value::Object(mut attributes) = value else {
                return Err(line_error("expected a JSON object".into()));
            };
            let sources = match attributes.shift_remove("sources") {
                None | Some(Value::Null) => Map::new(),
                Some(Value::Object(sources)) => sources,
                Some(_) => {
                    return Err(line_error(
                        "`sources` must be an object of url to description".into(),
                    ));
                }
            };
            profiles.push(Profile {
                attributes,
                sources,
            });
        }
        Ok(Self::from_profiles(profiles))
    }

    /// Indexes profiles; on a repeated key the first profile wins.
    pub fn from_profiles(profiles: Vec<Profile>) -> Self {
        let mut directory = Directory {
            profiles,
            ..Directory::default()
        };
        for (index, profile) in directory.profiles.iter().enumerate() {
            if let Some(email) = profile.text("email") {
                directory
                    .by_email
                    .entry(normalize_email(email))
                    .or_insert(index);
            }
            if let Some(url) = profile.text("linkedin") {
                directory
                    .by_linkedin
                    .entry(normalize_url(url))
                    .or_insert(index);
            }
            if let Some(url) = profile.text("github_url") {
                directory
                    .by_github
                    .entry(normalize_url(url))
                    .or_insert(index);
            }
            if let (Some(name), Some(company)) = (profile.text("name"), profile.text("company")) {
                directory
                    .by_name_company
                    .entry((normalize_text(name), normalize_text(company)))
                    .or_insert(index);
            }
        }
        directory
    }

    /// How many profiles there are.
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    /// Every profile, in file order.
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// The profile a lead matches, and how.
    pub fn find(&self, lead: &Map<String, Value>) -> Option<(&Profile, MatchKind)> {
        let first = |key: &str| lookup(lead, key).and_then(Value::as_str);
        let hit = first("email")
            .and_then(|email| self.by_email.get(&normalize_email(email)))
            .map(|i| (*i, MatchKind::Email))
            .or_else(|| {
                first("linkedin")
                    .and_then(|url| self.by_linkedin.get(&normalize_url(url)))
                    .map(|i| (*i, MatchKind::LinkedIn))
            })
            .or_else(|| {
                first("github_url")
                    .and_then(|url| self.by_github.get(&normalize_url(url)))
                    .map(|i| (*i, MatchKind::GitHub))
            })
            .or_else(|| {
                let name = normalize_text(first("name")?);
                let company = normalize_text(first("company")?);
                self.by_name_company
                    .get(&(name, company))
                    .map(|i| (*i, MatchKind::NameAndCompany))
            })?;
        self.profiles.get(hit.0).map(|profile| (profile, hit.1))
    }
}

fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Scheme, `www.`, trailing slashes and case do not matter.
pub fn normalize_url(url: &str) -> String {
    let lower = url.trim().to_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    rest.trim_end_matches('/').to_owned()
}

/// Case, accents and runs of white space do not matter.
pub fn normalize_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars().flat_map(char::to_lowercase) {
            match fold_accent(c) {
                Some(plain) => out.push_str(plain),
                None => out.push(c),
            }
        }
    }
    out
}

/// The unaccented spelling of common Latin letters with diacritics.
fn fold_accent(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => "i",
        'ł' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'ř' => "r",
        'ś' | 'š' | 'ş' => "s",
        'ť' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builtin_sample_is_large_and_fictional() {
        let directory = Directory::builtin();
        assert_eq!(directory.len(), 70, "the READMEs say 70 people");
        let companies: std::collections::BTreeSet<_> = directory
            .profiles()
            .iter()
            .filter_map(|p| p.text("company"))
            .collect();
        assert_eq!(companies.len(), 14, "the READMEs say 14 companies");
        for profile in directory.profiles() {
            let email = profile.text("email").unwrap_or_default();
            assert!(email.ends_with(".example"), "{email}");
            for url in profile.sources.keys() {
                assert!(url.contains(".example/"), "{url}");
            }
        }
    }

    #[test]
    fn normalisation_table() {
        assert_eq!(
            normalize_url("HTTPS://www.LinkedIn.example/in/Ada/"),
            "linkedin.example/in/ada"
        );
        assert_eq!(
            normalize_url("linkedin.example/in/ada"),
            "linkedin.example/in/ada"
        );
        assert_eq!(normalize_text("  José   NÚÑEZ "), "jose nunez");
        assert_eq!(normalize_text("Zoë Straße"), "zoe strasse");
    }

    #[test]
    fn matching_prefers_identifiers_over_names() {
        let directory = Directory::from_jsonl(concat!(
            r#"{"name": "Ada Quill", "company": "Lanternfish", "email": "ada@l.example", "linkedin": "https://www.linkedin.example/in/ada", "github_url": "https://github.example/ada"}"#,
            "\n\n",
            r#"{"name": "Bo Brandt", "company": "Kestrel", "email": "bo@k.example"}"#,
        ))
        .unwrap();
        let lead = |v: Value| v.as_object().cloned().unwrap();
        let kind = |v: Value| {
            directory
                .find(&lead(v))
                .map(|(p, k)| (p.text("name").unwrap_or_default().to_owned(), k))
        };
        assert_eq!(
            kind(json!({"email": " ADA@l.example "})),
            Some(("Ada Quill".into(), MatchKind::Email))
        );
        assert_eq!(
            kind(json!({"linkedin_url": "linkedin.example/in/ada/"})),
            Some(("Ada Quill".into(), MatchKind::LinkedIn))
        );
        assert_eq!(
            kind(json!({"github": "http://github.example/ADA"})),
            Some(("Ada Quill".into(), MatchKind::GitHub))
        );
        assert_eq!(
            kind(json!({"name": "bo  BRANDT", "company_name": "kestrel"})),
            Some(("Bo Brandt".into(), MatchKind::NameAndCompany))
        );
        assert_eq!(
            kind(json!({"email": "nobody@x.example", "name": "Bo Brandt", "company": "Kestrel"})),
            Some(("Bo Brandt".into(), MatchKind::NameAndCompany))
        );
        assert_eq!(kind(json!({"name": "Bo Brandt"})), None);

        // Synonyms work on the profile's side too.
        let other = Directory::from_jsonl(r#"{"full_name": "Cy Dorn", "company_name": "Orbit", "work_email": "cy@orbit.example", "linkedin_url": "https://linkedin.example/in/cy"}"#).unwrap();
        let find = |v: Value| other.find(&lead(v)).map(|(_, k)| k);
        assert_eq!(
            find(json!({"email": "cy@orbit.example"})),
            Some(MatchKind::Email)
        );
        assert_eq!(
            find(json!({"linkedin": "linkedin.example/in/cy"})),
            Some(MatchKind::LinkedIn)
        );
        assert_eq!(
            find(json!({"name": "Cy Dorn", "company": "Orbit"})),
            Some(MatchKind::NameAndCompany)
        );
    }

    #[test]
    fn bad_lines_name_their_number() {
        let err = Directory::from_jsonl("{\"name\": \"a\"}\n[1]\n").unwrap_err();
        assert_eq!(err.to_string(), "directory line 2: expected a JSON object");
    }
}
