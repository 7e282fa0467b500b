//! The lead: what the caller already knows about the person, read from `lead_info` by key
//! meaning, and the name matcher that decides whether a text names that person.

use serde_json::{Map, Value};

use crate::fields::{FieldKind, field_kind};
use crate::normalize;

/// The known facts of one lead, read from its `lead_info` map.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Lead {
    /// Full name, when given (or built from first and last name).
    pub name: Option<String>,
    /// Current company, when given (also read from a title like `CEO @ Acme`).
    pub company: Option<String>,
    /// Email address, lower-cased.
    pub email: Option<String>,
    /// Job title, when given.
    pub title: Option<String>,
    /// Location, when given.
    pub location: Option<String>,
    /// LinkedIn profile URL.
    pub linkedin: Option<String>,
    /// GitHub profile URL.
    pub github: Option<String>,
    /// A website URL given with the lead (company or personal).
    pub website: Option<String>,
    /// The company's domain: from a non-free-mail email address or the website.
    pub domain: Option<String>,
}

impl Lead {
    /// Reads the known facts from `lead_info`; keys are matched by meaning (`full_name`,
    /// `company_name`, `work_email`, `linkedin_url`...), and URL values are recognised by host.
    ///
    /// ```
    /// use serde_json::json;
    /// use sixtyfour_web::Lead;
    ///
    /// let lead = Lead::from_map(json!({
    ///     "name": "Ada Quill",
    ///     "title": "CTO @ Quill Works",
    ///     "email": "Ada@QuillWorks.example"
    /// }).as_object().unwrap());
    /// assert_eq!(lead.company.as_deref(), Some("Quill Works"));
    /// assert_eq!(lead.domain.as_deref(), Some("quillworks.example"));
    /// ```
    pub fn from_map(lead_info: &Map<String, Value>) -> Lead {
        let mut lead = Lead::default();
        let mut first = None;
        let mut last = None;
        for (key, value) in lead_info {
            let Some(text) = value.as_str().map(str::trim).filter(|t| !t.is_empty()) else {
                continue;
            };
            let key_norm = key.to_lowercase().replace([' ', '-'], "_");
            if matches!(key_norm.as_str(), "first_name" | "firstname" | "given_name") {
                first = Some(text.to_owned());
                continue;
            }
            if matches!(
                key_norm.as_str(),
                "last_name" | "lastname" | "surname" | "family_name"
            ) {
                last = Some(text.to_owned());
                continue;
            }
            let host = normalize::host(text);
            if text.contains("://") || text.starts_with("www.") {
                if host.ends_with("linkedin.com") {
                    lead.linkedin.get_or_insert_with(|| text.to_owned());
                    continue;
                }
                if host == "github.com" {
                    lead.github.get_or_insert_with(|| text.to_owned());
                    continue;
                }
            }
            let slot = match field_kind(key, None) {
                FieldKind::Name => &mut lead.name,
                FieldKind::Company => &mut lead.company,
                FieldKind::Email if normalize::is_email(text) => {
                    lead.email.get_or_insert_with(|| normalize::email(text));
                    continue;
                }
                FieldKind::Title => &mut lead.title,
                FieldKind::Location => &mut lead.location,
                FieldKind::Linkedin => &mut lead.linkedin,
                FieldKind::Github => &mut lead.github,
                FieldKind::Website | FieldKind::Domain | FieldKind::PersonalWebsite => {
                    &mut lead.website
                }
                _ => continue,
            };
            slot.get_or_insert_with(|| text.to_owned());
        }
        if lead.name.is_none() {
            lead.name = match (first, last) {
                (Some(f), Some(l)) => Some(format!("{f} {l}")),
                _ => None,
            };
        }
        if lead.company.is_none()
            && let Some(title) = &lead.title
        {
            let split = title
                .split_once(" @ ")
                .or_else(|| title.split_once(" at "))
                .map(|(_, c)| c.trim().to_owned());
            lead.company = split.filter(|c| !c.is_empty());
        }
        if let Some(title) = &mut lead.title
            && let Some((role, _)) = title.split_once(" @ ")
        {
            *title = role.trim().to_owned();
        }
        lead.domain = lead
            .email
            .as_deref()
            .and_then(normalize::email_domain)
            .filter(|d| !normalize::is_freemail(d))
            .or_else(|| {
                lead.website
                    .as_deref()
                    .map(normalize::host)
                    .filter(|h| !h.is_empty())
            });
        lead
    }

    /// The name matcher for this lead, when it has a usable name (two words or more).
    pub fn name_matcher(&self) -> Option<NameMatcher> {
        self.name.as_deref().and_then(NameMatcher::new)
    }
}

/// Folds common Latin accents to ASCII and lower-cases: `Núñez` is `nunez`.
pub fn fold(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        let folded = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => {
                'a'
            }
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' | 'Ø' => {
                'o'
            }
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ñ' | 'Ñ' => 'n',
            'ç' | 'Ç' => 'c',
            'ý' | 'ÿ' | 'Ý' => 'y',
            'ł' | 'Ł' => 'l',
            'ś' | 'Ś' | 'š' | 'Š' => 's',
            'ž' | 'Ž' | 'ź' | 'ż' => 'z',
            'č' | 'Č' | 'ć' => 'c',
            other => other,
        };
        out.extend(folded.to_lowercase());
    }
    out
}

/// Words of a text for name matching: folded, letters and digits only.
pub fn name_words(value: &str) -> Vec<String> {
    fold(value)
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '\u{2019}'))
        .map(|w| w.replace(['\'', '\u{2019}'], ""))
        .filter(|w| !w.is_empty())
        .collect()
}

/// A person's name as an answer: without honorifics and post-nominals, in "First Last" order
/// (`Okafor, Adaeze N. (Dr)` is `Adaeze N. Okafor`).
///
/// ```
/// assert_eq!(sixtyfour_web::lead::display_name("Dr. Oren Abernathy"), "Oren Abernathy");
/// assert_eq!(sixtyfour_web::lead::display_name("Okafor, Adaeze N."), "Adaeze N. Okafor");
/// ```
pub fn display_name(name: &str) -> String {
    let reordered = match name.split_once(',') {
        Some((last, rest))
            if !rest.contains(',')
                && (1..=2).contains(&last.split_whitespace().count())
                && (1..=4).contains(&rest.split_whitespace().count())
                && !rest.split_whitespace().all(is_honorific) =>
        {
            format!("{} {}", rest.trim(), last.trim())
        }
        _ => name.to_owned(),
    };
    let words: Vec<&str> = reordered
        .split_whitespace()
        .map(|w| w.trim_matches(['(', ')', ',']))
        .filter(|w| !w.is_empty() && !is_honorific(w))
        .collect();
    if words.len() < 2 {
        return name.trim().to_owned();
    }
    words.join(" ")
}

/// Words around a name that are not part of it: honorifics, post-nominals, generations.
pub fn is_honorific(word: &str) -> bool {
    matches!(
        fold(word).trim_matches('.'),
        "dr" | "mr"
            | "mrs"
            | "ms"
            | "mx"
            | "prof"
            | "professor"
            | "jr"
            | "sr"
            | "phd"
            | "dphil"
            | "md"
            | "ii"
            | "iii"
            | "sir"
            | "dame"
    )
}

/// Decides whether a text names the lead: first and last name in order, at most two words
/// apart (middle names and initials), or "Last, First".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameMatcher {
    first: String,
    last: String,
}

impl NameMatcher {
    /// A matcher for a full name; `None` for a single word.
    pub fn new(name: &str) -> Option<NameMatcher> {
        // "Okafor, Adaeze N." is "Adaeze N. Okafor".
        let reordered = match name.split_once(',') {
            Some((last, rest))
                if !rest.contains(',')
                    && (1..=2).contains(&last.split_whitespace().count())
                    && (1..=4).contains(&rest.split_whitespace().count()) =>
            {
                format!("{rest} {last}")
            }
            _ => name.to_owned(),
        };
        let words = name_words(&reordered);
        let words: Vec<&String> = words.iter().filter(|w| !is_honorific(w)).collect();
        if words.len() < 2 {
            return None;
        }
        Some(NameMatcher {
            first: words[0].clone(),
            last: words[words.len() - 1].clone(),
        })
    }

    /// The last name, folded.
    pub fn last(&self) -> &str {
        &self.last
    }

    /// The first name, folded.
    pub fn first(&self) -> &str {
        &self.first
    }

    /// True when the text mentions the person anywhere (also as "Last, First").
    pub fn mentioned_in(&self, text: &str) -> bool {
        self.find(&name_words(text)).is_some() || self.last_comma_first(text)
    }

    /// True when the text has "Last, First" (a directory's order), with the comma.
    fn last_comma_first(&self, text: &str) -> bool {
        let tokens: Vec<&str> = text.split_whitespace().collect();
        tokens.windows(2).any(|pair| {
            pair[0].ends_with(',')
                && name_words(pair[0]).last().is_some_and(|w| *w == self.last)
                && name_words(pair[1])
                    .first()
                    .is_some_and(|w| *w == self.first)
        })
    }

    /// The word position of the first mention in `words`.
    pub fn find(&self, words: &[String]) -> Option<usize> {
        for (i, word) in words.iter().enumerate() {
            if *word == self.first {
                let window = words.iter().skip(i + 1).take(3);
                if window.clone().any(|w| *w == self.last) {
                    return Some(i);
                }
            }
            if *word == self.last
                && words.get(i + 1).is_some_and(|w| *w == self.first)
                && i + 2 >= words.len()
            {
                return Some(i);
            }
        }
        None
    }

    /// True when a text *is* a name of this person: first and last name agree (middle names
    /// and honorifics aside), and nothing else is there.
    pub fn is_name(&self, candidate: &str) -> bool {
        match NameMatcher::new(candidate) {
            Some(other) => other == *self,
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lead(value: Value) -> Lead {
        Lead::from_map(value.as_object().unwrap())
    }

    #[test]
    fn lead_keys_by_meaning() {
        let l = lead(json!({
            "Full Name": "Ada Quill",
            "company_name": "Quill Works",
            "work_email": "ADA@quillworks.example",
            "profile": "https://www.linkedin.com/in/adaquill",
            "gh": "https://github.com/adaq",
            "age": 30
        }));
        assert_eq!(l.name.as_deref(), Some("Ada Quill"));
        assert_eq!(l.company.as_deref(), Some("Quill Works"));
        assert_eq!(l.email.as_deref(), Some("ada@quillworks.example"));
        assert_eq!(
            l.linkedin.as_deref(),
            Some("https://www.linkedin.com/in/adaquill")
        );
        assert_eq!(l.github.as_deref(), Some("https://github.com/adaq"));
        assert_eq!(l.domain.as_deref(), Some("quillworks.example"));
    }

    #[test]
    fn first_and_last_name_and_free_mail() {
        let l = lead(json!({"first_name": "Bo", "last_name": "Lind", "email": "bo@gmail.com"}));
        assert_eq!(l.name.as_deref(), Some("Bo Lind"));
        assert_eq!(l.domain, None);
        let l = lead(json!({"name": "Bo Lind", "website": "https://www.lind.test/"}));
        assert_eq!(l.domain.as_deref(), Some("lind.test"));
    }

    #[test]
    fn name_matching() {
        let m = NameMatcher::new("Rafael Núñez").unwrap();
        for (text, want) in [
            ("Meet Rafael Nunez, our CTO", true),
            ("RAFAEL A. NÚÑEZ joined", true),
            ("Rafael and Maria Núñez", true),
            ("Núñez, Rafael", true),
            ("Rafael Ortega met Ana Núñez and others later", false),
            ("Rafaela Núñez", false),
            ("Nunez", false),
        ] {
            assert_eq!(m.mentioned_in(text), want, "{text}");
        }
        assert!(m.is_name("Dr. Rafael J. Nunez"));
        assert!(m.is_name("Núñez, Rafael A."));
        assert!(m.is_name("Professor Rafael Nunez PhD"));
        assert!(m.mentioned_in("Núñez, Rafael A. – Professor · systems"));
        assert!(!m.mentioned_in("Núñez Rafael Ortega and others"));
        assert!(!m.is_name("Rafael Nunez-Vidal"));
        assert!(NameMatcher::new("Cher").is_none());
    }
}
