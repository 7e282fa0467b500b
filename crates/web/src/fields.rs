//! What a requested field means: a [`FieldKind`] read from the field's name and description.
//!
//! The researcher only answers fields whose meaning it knows (or, with a language model, fields
//! the model answers with a citation); everything else stays empty.

use sixtyfour_casting::Schema;

/// The meaning of one field, as far as the deterministic extractors are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FieldKind {
    /// The person's full name.
    Name,
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// The current job title.
    Title,
    /// The current employer.
    Company,
    /// Where the person is based (a city, optionally with region and country).
    Location,
    /// The person's LinkedIn profile URL.
    Linkedin,
    /// The person's GitHub profile URL.
    Github,
    /// The company's website URL.
    Website,
    /// The company's domain name, without scheme.
    Domain,
    /// The person's own site (blog, homepage).
    PersonalWebsite,
    /// The company's industry.
    Industry,
    /// Nothing the extractors know how to answer.
    Other,
}

impl FieldKind {
    /// A short lower-case name, used in notes and reports.
    pub fn label(self) -> &'static str {
        match self {
            FieldKind::Name => "name",
            FieldKind::Email => "email",
            FieldKind::Phone => "phone",
            FieldKind::Title => "title",
            FieldKind::Company => "company",
            FieldKind::Location => "location",
            FieldKind::Linkedin => "linkedin",
            FieldKind::Github => "github",
            FieldKind::Website => "website",
            FieldKind::Domain => "domain",
            FieldKind::PersonalWebsite => "personal website",
            FieldKind::Industry => "industry",
            FieldKind::Other => "other",
        }
    }
}

/// Field names (normalised to `a_b` form) with a fixed meaning.
const NAMES: &[(&str, FieldKind)] = &[
    ("name", FieldKind::Name),
    ("full_name", FieldKind::Name),
    ("fullname", FieldKind::Name),
    ("person_name", FieldKind::Name),
    ("email", FieldKind::Email),
    ("e_mail", FieldKind::Email),
    ("email_address", FieldKind::Email),
    ("work_email", FieldKind::Email),
    ("business_email", FieldKind::Email),
    ("phone", FieldKind::Phone),
    ("phone_number", FieldKind::Phone),
    ("telephone", FieldKind::Phone),
    ("mobile", FieldKind::Phone),
    ("title", FieldKind::Title),
    ("job_title", FieldKind::Title),
    ("position", FieldKind::Title),
    ("role", FieldKind::Title),
    ("jobtitle", FieldKind::Title),
    ("company", FieldKind::Company),
    ("company_name", FieldKind::Company),
    ("employer", FieldKind::Company),
    ("organization", FieldKind::Company),
    ("organisation", FieldKind::Company),
    ("location", FieldKind::Location),
    ("city", FieldKind::Location),
    ("based_in", FieldKind::Location),
    ("linkedin", FieldKind::Linkedin),
    ("linkedin_url", FieldKind::Linkedin),
    ("linkedin_profile", FieldKind::Linkedin),
    ("github", FieldKind::Github),
    ("github_url", FieldKind::Github),
    ("github_profile", FieldKind::Github),
    ("website", FieldKind::Website),
    ("company_website", FieldKind::Website),
    ("company_url", FieldKind::Website),
    ("domain", FieldKind::Domain),
    ("company_domain", FieldKind::Domain),
    ("personal_website", FieldKind::PersonalWebsite),
    ("personal_site", FieldKind::PersonalWebsite),
    ("homepage", FieldKind::PersonalWebsite),
    ("blog", FieldKind::PersonalWebsite),
    ("industry", FieldKind::Industry),
    ("sector", FieldKind::Industry),
];

/// Words that make a field free text (notes, summaries), which no extractor answers.
const FREE_TEXT: &[&str] = &[
    "note",
    "notes",
    "summary",
    "summarize",
    "summarise",
    "describe",
    "detailed",
    "details",
    "bio",
    "biography",
    "explain",
];

/// Keywords looked for in a field's name words, then its description, in this order.
const KEYWORDS: &[(&[&str], FieldKind)] = &[
    (&["email", "e-mail", "mail"], FieldKind::Email),
    (&["phone", "telephone", "mobile"], FieldKind::Phone),
    (&["linkedin"], FieldKind::Linkedin),
    (&["github"], FieldKind::Github),
    (&["domain"], FieldKind::Domain),
    (&["homepage", "blog"], FieldKind::PersonalWebsite),
    (&["website", "site", "url"], FieldKind::Website),
    (&["industry", "sector"], FieldKind::Industry),
    (&["location", "city", "based"], FieldKind::Location),
    (&["title", "role", "position", "job"], FieldKind::Title),
    (
        &["company", "employer", "organization", "organisation"],
        FieldKind::Company,
    ),
    (&["name"], FieldKind::Name),
];

/// The meaning of a field from its name and description.
///
/// An exact name wins (`email`, `job_title`, `linkedin_url`...); then keywords of the name's
/// words; then keywords of the description. A field asking for free text ("notes", "summary")
/// is [`FieldKind::Other`]. A "website" described as personal is the person's own site.
///
/// ```
/// use sixtyfour_web::{field_kind, FieldKind};
///
/// assert_eq!(field_kind("email", None), FieldKind::Email);
/// assert_eq!(field_kind("contact", Some("The individual's email address")), FieldKind::Email);
/// assert_eq!(field_kind("github_notes", Some("Take detailed notes on their github profile.")), FieldKind::Other);
/// assert_eq!(field_kind("website", Some("Company website URL")), FieldKind::Website);
/// assert_eq!(field_kind("site", Some("Their personal website or blog")), FieldKind::PersonalWebsite);
/// ```
pub fn field_kind(name: &str, description: Option<&str>) -> FieldKind {
    let normalized = normalize_name(name);
    let name_words: Vec<&str> = normalized.split('_').filter(|w| !w.is_empty()).collect();
    let description = description.unwrap_or("").to_lowercase();
    let description_words: Vec<&str> = description
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    let free_text = |words: &[&str]| words.iter().any(|w| FREE_TEXT.contains(w));
    if free_text(&name_words) || free_text(&description_words) {
        return FieldKind::Other;
    }
    let personal = description_words
        .iter()
        .any(|w| matches!(*w, "personal" | "own" | "blog" | "homepage" | "portfolio"));
    let company = description_words
        .iter()
        .any(|w| matches!(*w, "company" | "company's" | "employer" | "organization"));
    let refine = |kind: FieldKind| match kind {
        FieldKind::Website if personal && !company => FieldKind::PersonalWebsite,
        other => other,
    };
    if let Some((_, kind)) = NAMES.iter().find(|(n, _)| *n == normalized) {
        return refine(*kind);
    }
    let by_keywords = |words: &[&str]| {
        KEYWORDS
            .iter()
            .find(|(keys, _)| keys.iter().any(|k| words.iter().any(|w| w == k)))
            .map(|(_, kind)| *kind)
    };
    if let Some(kind) = by_keywords(&name_words) {
        return refine(kind);
    }
    match by_keywords(&description_words) {
        Some(kind) => refine(kind),
        None => FieldKind::Other,
    }
}

/// Lower case, every run of other characters turned into one `_`.
fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// Every schema field with its meaning, in schema order.
pub fn schema_kinds(schema: &Schema) -> Vec<(String, FieldKind)> {
    schema
        .iter()
        .map(|(name, spec)| (name.to_owned(), field_kind(name, spec.description())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_names_and_descriptions() {
        let table: &[(&str, Option<&str>, FieldKind)] = &[
            ("name", Some("The individual's full name"), FieldKind::Name),
            (
                "email",
                Some("The individual's email address"),
                FieldKind::Email,
            ),
            ("Work Email", None, FieldKind::Email),
            (
                "phone",
                Some("The individual's phone number"),
                FieldKind::Phone,
            ),
            (
                "company",
                Some("The company the individual is associated with"),
                FieldKind::Company,
            ),
            (
                "title",
                Some("The individual's job title"),
                FieldKind::Title,
            ),
            (
                "linkedin",
                Some("LinkedIn URL for the person"),
                FieldKind::Linkedin,
            ),
            ("website", Some("Company website URL"), FieldKind::Website),
            (
                "location",
                Some("The individual's location and/or company location"),
                FieldKind::Location,
            ),
            (
                "industry",
                Some("Industry the person operates in"),
                FieldKind::Industry,
            ),
            (
                "github_url",
                Some("url for their github profile"),
                FieldKind::Github,
            ),
            (
                "github_notes",
                Some("Take detailed notes on their github profile."),
                FieldKind::Other,
            ),
            ("x", Some("Where is the person based?"), FieldKind::Location),
            ("current_role", None, FieldKind::Title),
            ("employer_name", None, FieldKind::Company),
            (
                "homepage",
                Some("Their personal homepage"),
                FieldKind::PersonalWebsite,
            ),
            (
                "website",
                Some("The person's own website"),
                FieldKind::PersonalWebsite,
            ),
            ("company_domain", None, FieldKind::Domain),
            (
                "favourite_colour",
                Some("Their favourite colour"),
                FieldKind::Other,
            ),
            ("age", Some("Person's age"), FieldKind::Other),
        ];
        for (name, description, want) in table {
            assert_eq!(
                field_kind(name, *description),
                *want,
                "{name} / {description:?}"
            );
        }
    }
}
