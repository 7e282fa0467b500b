//! Deciding each field from the records of the fetched pages: who is the lead, which value each
//! source supports, how much, and how sure the answer is. Pure functions; no I/O.
//!
//! # Who is the lead
//!
//! Every record is matched against what is known of the lead ([`MatchLevel`]): a shared email
//! address is strongest, then a shared LinkedIn or GitHub URL (or the page *is* that profile),
//! then the name with the company (the record's company, the company of the site whose team
//! page it is on, or the company's own domain), then the name alone. A record with the lead's
//! name at *another* company is a namesake: it is never used, and while one exists, records
//! matched by the name alone are not used either. Emails, profile URLs and (when the lead gave
//! none) the company found in strongly matched records are learned, and every record is matched
//! again with them.
//!
//! # Which value wins
//!
//! Each page supports a value with the weight of its best candidate: match level x source kind
//! x recency x authority. Recency: a page dated a year or more before the newest dated page
//! that speaks to the field counts half, a page within the year 0.85, an undated one 0.8 (when
//! some page is dated). Authority: the company's own site counts 1.25 for title, company, email
//! and location; a profile page 1.1 for title and location; the person's own site 1.1 for email.
//! A value a page calls former ("previously", "formerly", an ended date range) loses half the
//! weight that page gives to any current candidate of the same value. The value with the most
//! support wins.
//!
//! # How sure
//!
//! `field_confidence` starts from the best match level behind the winner (email 90, profile 86,
//! name and company 76, name only 45), gains 4 per further agreeing page (at most 12), loses by
//! the share of support that went to other values, and 8 when only prose supports it. Below
//! [`MIN_CONFIDENCE`] a field stays empty.

use std::collections::{BTreeMap, HashSet};

use crate::extract::{Fact, PageFacts, Record, Source};
use crate::fields::FieldKind;
use crate::lead::{Lead, NameMatcher};
use crate::normalize;

/// Fields whose confidence would be lower than this stay empty.
pub const MIN_CONFIDENCE: u8 = 40;

/// How strongly a record is tied to the lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchLevel {
    /// The lead's name and nothing else ties them.
    NameOnly,
    /// The lead's name at the lead's company.
    NameAndCompany,
    /// A shared LinkedIn or GitHub URL.
    Profile,
    /// A shared email address.
    Email,
}

impl MatchLevel {
    /// The weight a record of this level gives its facts.
    pub fn weight(self) -> f64 {
        match self {
            MatchLevel::Email => 1.0,
            MatchLevel::Profile => 0.95,
            MatchLevel::NameAndCompany => 0.8,
            MatchLevel::NameOnly => 0.4,
        }
    }

    /// The confidence a value has when this is its best support.
    pub fn base_confidence(self) -> f64 {
        match self {
            MatchLevel::Email => 90.0,
            MatchLevel::Profile => 86.0,
            MatchLevel::NameAndCompany => 76.0,
            MatchLevel::NameOnly => 45.0,
        }
    }

    /// Words for notes.
    pub fn describe(self) -> &'static str {
        match self {
            MatchLevel::Email => "email address",
            MatchLevel::Profile => "profile URL",
            MatchLevel::NameAndCompany => "name and company",
            MatchLevel::NameOnly => "name only",
        }
    }
}

/// The weight of a source kind.
pub fn source_weight(source: Source) -> f64 {
    match source {
        Source::JsonLd | Source::Microdata | Source::Link => 1.0,
        Source::Labelled => 0.95,
        Source::Meta | Source::Card => 0.85,
        Source::Prose => 0.75,
        Source::Site => 0.7,
        Source::Llm => 0.6,
    }
}

/// What is known of the lead, growing as strong records are found.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    matcher: Option<NameMatcher>,
    emails: HashSet<String>,
    profiles: HashSet<String>,
    company: Option<String>,
    domain: Option<String>,
    former_companies: Vec<String>,
    /// True when the lead's own records call the company the lead gave a past one.
    company_former: bool,
}

impl Identity {
    /// What the lead itself says.
    pub fn from_lead(lead: &Lead) -> Identity {
        let mut identity = Identity {
            matcher: lead.name_matcher(),
            company: lead.company.clone(),
            domain: lead.domain.clone(),
            ..Identity::default()
        };
        identity
            .emails
            .extend(lead.email.iter().map(|e| normalize::email(e)));
        identity.profiles.extend(
            [&lead.linkedin, &lead.github]
                .into_iter()
                .flatten()
                .map(|u| normalize::url(u)),
        );
        identity
    }

    /// True when only the name is known: no company, domain, address or profile.
    fn name_only(&self) -> bool {
        self.company.is_none()
            && self.domain.is_none()
            && self.emails.is_empty()
            && self.profiles.is_empty()
    }

    fn company_matches(&self, company: &str) -> bool {
        self.company
            .as_deref()
            .is_some_and(|c| normalize::same_company(c, company))
            || self
                .domain
                .as_deref()
                .is_some_and(|d| normalize::domain_matches_company(d, company))
    }
}

/// The outcome of matching one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// The record is the lead, this strongly.
    Lead(MatchLevel),
    /// The record has the lead's name but is someone else (another company, another address).
    Namesake,
    /// Nothing ties the record to the lead.
    Unrelated,
}

/// The company a record places its person at: its own current company fact, else the company
/// of the site whose team page it is on.
pub fn record_company<'a>(record: &'a Record, page: &'a PageFacts) -> Option<&'a str> {
    record
        .values(FieldKind::Company)
        .find(|f| !f.former && f.source != Source::Site)
        .map(|f| f.value.as_str())
        .or_else(|| {
            page.site
                .team_page
                .then_some(page.site.org_name.as_deref())
                .flatten()
                .filter(|org| !own_brand(org, record))
        })
}

/// A site named for the person ("Juno Castellanos Illustration" on Juno Castellanos's own
/// site) is their own practice, not a company they work at.
fn own_brand(org: &str, record: &Record) -> bool {
    let org = normalize::text(org);
    record.values(FieldKind::Name).any(|name| {
        let name = normalize::text(&name.value);
        name.contains(' ') && (org == name || org.starts_with(&format!("{name} ")))
    })
}

/// Matches one record of one page against the identity.
pub fn match_record(identity: &Identity, record: &Record, page: &PageFacts) -> Match {
    let emails: Vec<String> = record
        .values(FieldKind::Email)
        .map(|f| normalize::email(&f.value))
        .collect();
    if emails.iter().any(|e| identity.emails.contains(e)) {
        return Match::Lead(MatchLevel::Email);
    }
    let own_page = record.whole_page && identity.profiles.contains(&normalize::url(&page.url));
    let profiles = record
        .facts
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Linkedin | FieldKind::Github))
        .any(|f| identity.profiles.contains(&normalize::url(&f.value)));
    if own_page || profiles {
        return Match::Lead(MatchLevel::Profile);
    }
    let Some(matcher) = &identity.matcher else {
        return Match::Unrelated;
    };
    let named = record
        .values(FieldKind::Name)
        .any(|f| matcher.is_name(&f.value) || matcher.mentioned_in(&f.value));
    if !named {
        return Match::Unrelated;
    }
    // Another work address, or another profile of the same kind, is someone else.
    let other_work_email = emails.iter().any(|e| {
        let domain = normalize::email_domain(e).unwrap_or_default();
        !normalize::is_freemail(&domain)
            && identity
                .domain
                .as_deref()
                .is_some_and(|d| normalize::host(d) != domain)
            && !identity.emails.is_empty()
    });
    let other_profile = record.facts.iter().any(|f| {
        f.kind == FieldKind::Linkedin
            && identity.profiles.iter().any(|p| p.contains("linkedin.com"))
            && !identity.profiles.contains(&normalize::url(&f.value))
    });
    let host = normalize::host(&page.url);
    let on_company_site = identity
        .domain
        .as_deref()
        .is_some_and(|d| normalize::host(d) == host)
        || identity
            .company
            .as_deref()
            .is_some_and(|c| normalize::domain_matches_company(&host, c));
    // The person moved on: the record calls the lead's company a past one.
    let moved_on = record
        .values(FieldKind::Company)
        .any(|f| f.former && identity.company_matches(&f.value));
    if moved_on && !other_work_email && !other_profile {
        return Match::Lead(MatchLevel::NameAndCompany);
    }
    match record_company(record, page) {
        Some(company) if identity.company.is_some() || identity.domain.is_some() => {
            if identity.company_matches(company)
                || on_company_site
                    && record
                        .values(FieldKind::Company)
                        .all(|f| f.source == Source::Site)
            {
                if other_work_email || other_profile {
                    Match::Namesake
                } else {
                    Match::Lead(MatchLevel::NameAndCompany)
                }
            } else {
                Match::Namesake
            }
        }
        _ if other_work_email || other_profile => Match::Namesake,
        _ if on_company_site => Match::Lead(MatchLevel::NameAndCompany),
        _ => Match::Lead(MatchLevel::NameOnly),
    }
}

/// One record that counts as the lead.
#[derive(Debug, Clone, Copy)]
pub struct Accepted<'a> {
    /// The page it is on.
    pub page: &'a PageFacts,
    /// The record.
    pub record: &'a Record,
    /// How strongly it is the lead.
    pub level: MatchLevel,
}

/// Everything decided about who the lead is on the pages.
#[derive(Debug, Clone)]
pub struct Matching<'a> {
    /// Every page read.
    pub pages: &'a [PageFacts],
    /// Records used, with their level.
    pub accepted: Vec<Accepted<'a>>,
    /// How many namesake records were set aside.
    pub namesakes: usize,
    /// The identity after learning.
    pub identity: Identity,
}

impl Matching<'_> {
    /// The best level of any accepted record.
    pub fn best_level(&self) -> Option<MatchLevel> {
        self.accepted.iter().map(|a| a.level).max()
    }

    /// The lead's company, as given or learned.
    pub fn identity_company(&self) -> Option<&str> {
        self.identity.company.as_deref()
    }
}

/// True when the page is the home page of the company (its site names the company, or its
/// domain does).
pub fn is_company_home(page: &PageFacts, company: &str) -> bool {
    let root =
        url::Url::parse(&page.url).is_ok_and(|u| matches!(u.path(), "" | "/" | "/index.html"));
    // A subdomain's home is a department's or a product's, not the company's.
    let owner = normalize::host(&page.url) == normalize::owner_host(&page.url);
    root && owner
        && (page
            .site
            .org_name
            .as_deref()
            .is_some_and(|o| normalize::same_company(o, company))
            || normalize::domain_matches_company(&page.url, company))
}

/// Matches every record of every page, learning from the strong ones, then matching again.
pub fn match_pages<'a>(lead: &Lead, pages: &'a [PageFacts]) -> Matching<'a> {
    let mut identity = Identity::from_lead(lead);
    let first = run_matching(&identity, pages);
    // Learn from strong records: addresses, profiles, and the company when the lead gave none.
    let mut companies: BTreeMap<String, (String, f64)> = BTreeMap::new();
    for accepted in &first.0 {
        if accepted.level < MatchLevel::NameAndCompany {
            continue;
        }
        for fact in &accepted.record.facts {
            match fact.kind {
                FieldKind::Email
                    if accepted.level >= MatchLevel::Profile
                        || accepted.record.whole_page
                        || fact.source != Source::Card =>
                {
                    identity.emails.insert(normalize::email(&fact.value));
                }
                FieldKind::Linkedin | FieldKind::Github => {
                    identity.profiles.insert(normalize::url(&fact.value));
                }
                _ => {}
            }
        }
        let strong_enough = accepted.level >= MatchLevel::Profile
            || (accepted.level >= MatchLevel::NameAndCompany && identity.domain.is_some());
        if strong_enough && let Some(company) = record_company(accepted.record, accepted.page) {
            let entry = companies
                .entry(normalize::company(company))
                .or_insert_with(|| (company.to_owned(), 0.0));
            entry.1 += accepted.level.weight();
        }
    }
    if identity.company.is_none()
        && let Some((_, (company, _))) =
            companies.into_iter().max_by(|a, b| a.1.1.total_cmp(&b.1.1))
    {
        identity.company = Some(company);
    }
    if identity.domain.is_none() {
        identity.domain = identity
            .emails
            .iter()
            .filter_map(|e| normalize::email_domain(e))
            .find(|d| {
                !normalize::is_freemail(d)
                    && identity
                        .company
                        .as_deref()
                        .is_some_and(|c| normalize::domain_matches_company(d, c))
            });
    }
    // Companies the lead's own records call former: a record there is the lead's past, not a
    // namesake.
    for accepted in &first.0 {
        for fact in accepted
            .record
            .values(FieldKind::Company)
            .filter(|f| f.former)
        {
            identity.former_companies.push(fact.value.clone());
        }
    }
    // The company the lead gave is a past one when strong records call it former and none
    // says it is current: the records' current company is the lead's now.
    if let Some(given) = identity.company.clone() {
        let strong = || {
            first
                .0
                .iter()
                .filter(|a| a.level >= MatchLevel::NameAndCompany)
        };
        let calls_former = |a: &&Accepted<'_>| {
            a.record
                .values(FieldKind::Company)
                .any(|f| f.former && normalize::same_company(&f.value, &given))
        };
        let former_count = strong().filter(calls_former).count();
        // A profile's career history is the authority on which role is past.
        let former_on_profile = strong().filter(calls_former).any(|a| {
            a.record.whole_page && crate::extract::links::profile_kind(&a.page.url).is_some()
        });
        let current_count = strong()
            .filter(|a| {
                a.record.values(FieldKind::Company).any(|f| {
                    !f.former
                        && f.source != Source::Site
                        && normalize::same_company(&f.value, &given)
                })
            })
            .count();
        if former_count > 0 && (former_on_profile || former_count > current_count) {
            identity.company_former = true;
            let now = strong()
                .filter(|a| {
                    a.record
                        .values(FieldKind::Company)
                        .any(|f| f.former && normalize::same_company(&f.value, &given))
                })
                .find_map(|a| {
                    a.record
                        .values(FieldKind::Company)
                        .find(|f| !f.former && f.source != Source::Site)
                        .map(|f| f.value.clone())
                });
            if let Some(now) = now {
                identity.former_companies.push(given);
                identity.company = Some(now);
                identity.company_former = false;
                identity.domain = identity.domain.take().filter(|d| {
                    identity
                        .company
                        .as_deref()
                        .is_some_and(|c| normalize::domain_matches_company(d, c))
                });
            }
        }
    }
    let (mut accepted, mut namesakes) = run_matching(&identity, pages);
    if identity.name_only() {
        let ambiguous = ambiguous_people(&accepted, &identity.former_companies);
        if ambiguous {
            namesakes += accepted.len();
        }
    }
    if namesakes > 0 {
        accepted.retain(|a| a.level > MatchLevel::NameOnly);
    }
    Matching {
        pages,
        accepted,
        namesakes,
        identity,
    }
}

/// True when records matched by the name alone describe different people: one places the
/// person at a company and another at a different one (neither a past company of the lead, on
/// different sites), or, without a company on one side, they place them in different towns
/// and share no title.
fn ambiguous_people(accepted: &[Accepted<'_>], former: &[String]) -> bool {
    struct Sketch {
        company: Option<String>,
        title: Option<String>,
        place: Option<String>,
        host: String,
    }
    let sketches: Vec<Sketch> = accepted
        .iter()
        .filter(|a| a.level == MatchLevel::NameOnly)
        .map(|a| Sketch {
            company: record_company(a.record, a.page)
                .filter(|c| !former.iter().any(|f| normalize::same_company(f, c)))
                .map(normalize::company),
            title: a.record.first(FieldKind::Title).map(title_key),
            place: a.record.first(FieldKind::Location).map(normalize::city),
            host: normalize::owner_host(&a.page.url),
        })
        .collect();
    let differ =
        |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(x), Some(y)) if x != y);
    sketches.iter().enumerate().any(|(i, a)| {
        // Two names of one organisation (a lab and its university) share a domain.
        sketches[i + 1..]
            .iter()
            .any(|b| match (&a.company, &b.company) {
                (Some(x), Some(y)) => !normalize::same_company(x, y) && a.host != b.host,
                // Without a company on one side: other places, and no title in common.
                (Some(_), None) | (None, Some(_)) | (None, None) => {
                    differ(&a.place, &b.place)
                        && a.host != b.host
                        && !matches!((&a.title, &b.title), (Some(x), Some(y)) if x == y)
                }
            })
    })
}

fn run_matching<'a>(identity: &Identity, pages: &'a [PageFacts]) -> (Vec<Accepted<'a>>, usize) {
    let mut accepted = Vec::new();
    let mut namesakes = 0;
    for page in pages {
        for record in &page.records {
            match match_record(identity, record, page) {
                Match::Lead(level) => accepted.push(Accepted {
                    page,
                    record,
                    level,
                }),
                Match::Namesake => {
                    let past = record_company(record, page).is_some_and(|c| {
                        identity
                            .former_companies
                            .iter()
                            .any(|f| normalize::same_company(f, c))
                    });
                    if !past {
                        namesakes += 1;
                    }
                }
                Match::Unrelated => {}
            }
        }
    }
    (accepted, namesakes)
}

/// One candidate value of a field.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The value as written.
    pub value: String,
    /// The page it is on.
    pub url: String,
    /// The page's date.
    pub date: Option<u32>,
    /// The match level of its record.
    pub level: MatchLevel,
    /// Its source kind.
    pub source: Source,
    /// True when the page calls it former.
    pub former: bool,
    /// Authority of the page for this field (1.0 neutral).
    pub authority: f64,
}

/// The key two values of a kind agree on.
pub fn value_key(kind: FieldKind, value: &str) -> String {
    match kind {
        FieldKind::Email => normalize::email(value),
        FieldKind::Linkedin
        | FieldKind::Github
        | FieldKind::Website
        | FieldKind::PersonalWebsite => normalize::url(value),
        FieldKind::Domain => normalize::host(value),
        FieldKind::Company => normalize::company(value),
        FieldKind::Location => normalize::city(value),
        FieldKind::Phone => normalize::phone(value),
        FieldKind::Title => title_key(value),
        _ => normalize::text(value),
    }
}

/// Common spelled-out titles and their short forms, compared as one.
const TITLE_SYNONYMS: &[(&str, &str)] = &[
    ("chief executive officer", "ceo"),
    ("chief technology officer", "cto"),
    ("chief technical officer", "cto"),
    ("chief financial officer", "cfo"),
    ("chief operating officer", "coo"),
    ("chief marketing officer", "cmo"),
    ("chief information officer", "cio"),
    ("chief product officer", "cpo"),
    ("chief revenue officer", "cro"),
    ("chief people officer", "cpo"),
    ("chief data officer", "cdo"),
    ("chief information security officer", "ciso"),
    ("chief executive", "ceo"),
    ("senior vice president", "svp"),
    ("executive vice president", "evp"),
    ("vice president", "vp"),
    ("cofounder", "co founder"),
    ("senior", "sr"),
];

/// A title's comparison key: [`normalize::text`], short forms for common long ones, "of"
/// dropped after "VP"/"Head"/"Director".
pub fn title_key(value: &str) -> String {
    let mut key = format!(" {} ", normalize::text(value).replace('-', " "));
    for (long, short) in TITLE_SYNONYMS {
        key = key.replace(&format!(" {long} "), &format!(" {short} "));
    }
    for head in ["vp", "svp", "evp", "director", "head", "manager"] {
        key = key.replace(&format!(" {head} of "), &format!(" {head} "));
    }
    // Word order does not matter: "Co-Founder & CEO" is "CEO & Co-Founder".
    let mut words: Vec<&str> = key.split_whitespace().filter(|w| *w != "and").collect();
    words.sort_unstable();
    words.join(" ")
}

/// The roles a title joins with "and", "&" or "/" ("Founder & CEO" is `ceo`, `founder`), each
/// by its [`title_key`].
pub fn title_parts(value: &str) -> Vec<String> {
    let mut parts: Vec<String> = value
        .split(['&', '/', ','])
        .flat_map(|p| p.split(" and "))
        .map(title_key)
        .filter(|k| !k.is_empty())
        .collect();
    parts.sort();
    parts.dedup();
    parts
}

/// One field's decision.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecision {
    /// The value, when one is answered.
    pub value: Option<String>,
    /// 0-100.
    pub confidence: u8,
    /// Pages supporting the value.
    pub sources: Vec<String>,
    /// Competing values that lost, for the notes.
    pub rejected: Vec<String>,
}

/// Decides one field from its candidates (pure: the scoring of the module docs).
pub fn decide_field(kind: FieldKind, candidates: &[Candidate]) -> FieldDecision {
    let newest = candidates.iter().filter_map(|c| c.date).max();
    let any_dated = newest.is_some();
    let weight = |c: &Candidate| {
        let recency = match (c.date, newest) {
            (Some(d), Some(n)) if n >= d + 10_000 => 0.5,
            (Some(d), Some(n)) if n > d => 0.85,
            (Some(_), _) => 1.0,
            (None, _) if any_dated => 0.8,
            (None, _) => 1.0,
        };
        c.level.weight() * source_weight(c.source) * recency * c.authority
    };
    // key -> (display, per-page support, best level, sources, prose only)
    struct Group {
        display: (String, f64),
        pages: BTreeMap<String, f64>,
        against: BTreeMap<String, f64>,
        best_level: Option<MatchLevel>,
        only_prose: bool,
        only_site: bool,
        forms: BTreeMap<String, f64>,
        own_names: HashSet<String>,
    }
    // "Northmere" and "Northmere University" are one company: shorter names join the longest
    // name they are a form of.
    let keys: Vec<String> = candidates
        .iter()
        .map(|c| value_key(kind, &c.value))
        .collect();
    let canonical = |key: &str| -> String {
        if kind != FieldKind::Company {
            return key.to_owned();
        }
        // The longer name with the most support, when several extend this one.
        let mut longer: BTreeMap<&str, usize> = BTreeMap::new();
        for k in keys
            .iter()
            .filter(|k| k.len() > key.len() && normalize::same_company(k, key))
        {
            *longer.entry(k.as_str()).or_default() += 1;
        }
        longer
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.len().cmp(&a.0.len())))
            .map_or_else(|| key.to_owned(), |(k, _)| k.to_owned())
    };
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for c in candidates {
        let key = canonical(&value_key(kind, &c.value));
        if key.is_empty() {
            continue;
        }
        let w = weight(c);
        let group = groups.entry(key).or_insert_with(|| Group {
            display: (c.value.clone(), 0.0),
            pages: BTreeMap::new(),
            against: BTreeMap::new(),
            best_level: None,
            only_prose: true,
            only_site: true,
            forms: BTreeMap::new(),
            own_names: HashSet::new(),
        });
        if c.former {
            let slot = group.against.entry(c.url.clone()).or_default();
            *slot = slot.max(w);
            continue;
        }
        let slot = group.pages.entry(c.url.clone()).or_default();
        *slot = slot.max(w);
        group.best_level = group.best_level.max(Some(c.level));
        group.only_prose &= matches!(c.source, Source::Prose | Source::Llm);
        group.only_site &= c.source == Source::Site;
        // The form with the most support is shown; a place in its fullest form on a tie.
        if matches!(c.source, Source::Site | Source::JsonLd | Source::Microdata) {
            group.own_names.insert(c.value.clone());
        }
        let form = group.forms.entry(c.value.clone()).or_default();
        *form += w;
        let form = *form;
        let better_display = form > group.display.1 + 1e-9
            || (kind == FieldKind::Location
                && (form - group.display.1).abs() < 1e-9
                && c.value.len() > group.display.0.len());
        if better_display {
            group.display = (c.value.clone(), form);
        }
    }
    // A company is shown in its fullest form ("Northmere University" over "Northmere") when
    // that form is how its own site names it, or has at least half the support of the best.
    if kind == FieldKind::Company {
        for group in groups.values_mut() {
            let best = group.forms.values().copied().fold(0.0, f64::max);
            if let Some((form, support)) = group
                .forms
                .iter()
                .filter(|(f, s)| **s >= 0.5 * best || group.own_names.contains(*f))
                .max_by_key(|(f, _)| f.len())
            {
                group.display = (form.clone(), *support);
            }
        }
    }
    let mut scored: Vec<(f64, &Group)> = groups
        .values()
        .filter(|g| !g.pages.is_empty())
        .map(|g| {
            let support: f64 = g.pages.values().sum();
            // A page that says outright that a value is past outweighs pages that only
            // imply it (a company inherited from the site a name is on).
            let factor = if g.only_site { 1.0 } else { 0.5 };
            let against: f64 = g
                .against
                .iter()
                .map(|(url, w)| {
                    if g.pages.contains_key(url) {
                        0.0
                    } else {
                        factor * w
                    }
                })
                .sum();
            ((support - against).max(0.0), g)
        })
        .collect();
    // A title that is part of another ("CEO" of "Founder & CEO") agrees with it: its support
    // counts for the fuller title too.
    if kind == FieldKind::Title {
        let keys: Vec<(Vec<String>, f64)> = scored
            .iter()
            .map(|(support, g)| (title_parts(&g.display.0), *support))
            .collect();
        for (i, (support, _)) in scored.iter_mut().enumerate() {
            let (mine, _) = &keys[i];
            let extra: f64 = keys
                .iter()
                .enumerate()
                .filter(|(j, (theirs, _))| {
                    *j != i && theirs.len() < mine.len() && theirs.iter().all(|p| mine.contains(p))
                })
                .map(|(_, (_, s))| *s)
                .sum();
            *support += extra;
        }
    }
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| a.1.display.0.cmp(&b.1.display.0))
    });
    let Some((best_support, best)) = scored.first() else {
        return FieldDecision {
            value: None,
            confidence: 0,
            sources: Vec::new(),
            rejected: Vec::new(),
        };
    };
    if *best_support <= 0.0 {
        return FieldDecision {
            value: None,
            confidence: 0,
            sources: Vec::new(),
            rejected: scored.iter().map(|(_, g)| g.display.0.clone()).collect(),
        };
    }
    let best_parts = title_parts(&best.display.0);
    let others: f64 = scored
        .iter()
        .skip(1)
        .filter(|(_, g)| {
            // Parts of the winning title agree with it.
            let parts = title_parts(&g.display.0);
            kind != FieldKind::Title || !parts.iter().all(|p| best_parts.contains(p))
        })
        .map(|(s, _)| s)
        .sum();
    let share = best_support / (best_support + others);
    let mut confidence = best.best_level.map_or(0.0, MatchLevel::base_confidence);
    confidence += (4.0 * (best.pages.len() as f64 - 1.0)).min(12.0);
    confidence -= (1.0 - share) * 60.0;
    if best.only_prose {
        confidence -= 8.0;
    }
    // The company's place stands in for the person's: less sure than a place said of them.
    if kind == FieldKind::Location && best.only_site {
        confidence -= 14.0;
    }
    let confidence = confidence.clamp(0.0, 100.0).round() as u8;
    let value = (confidence >= MIN_CONFIDENCE).then(|| best.display.0.clone());
    FieldDecision {
        sources: if value.is_some() {
            best.pages.keys().cloned().collect()
        } else {
            Vec::new()
        },
        value,
        confidence,
        rejected: scored
            .iter()
            .skip(1)
            .map(|(_, g)| g.display.0.clone())
            .collect(),
    }
}

/// The authority of a page for a field: the company's own site, a profile page, the person's
/// own site.
pub fn authority(kind: FieldKind, page: &PageFacts, record: &Record, identity: &Identity) -> f64 {
    let host = normalize::host(&page.url);
    let company_site = identity
        .domain
        .as_deref()
        .is_some_and(|d| normalize::host(d) == host)
        || identity.company.as_deref().is_some_and(|c| {
            normalize::domain_matches_company(&host, c)
                || page
                    .site
                    .org_name
                    .as_deref()
                    .is_some_and(|o| normalize::same_company(o, c))
                    && page.site.team_page
        });
    let profile_page = host.ends_with("linkedin.com") || host == "github.com";
    match kind {
        FieldKind::Title | FieldKind::Company | FieldKind::Email | FieldKind::Location
            if company_site =>
        {
            1.25
        }
        FieldKind::Title | FieldKind::Location if profile_page => 1.1,
        FieldKind::Email if record.whole_page && !profile_page => 1.1,
        _ => 1.0,
    }
}

/// The candidates of one kind from the accepted records (for the website, also from the
/// company's site and the email's domain).
pub fn candidates(kind: FieldKind, matching: &Matching<'_>) -> Vec<Candidate> {
    let identity = &matching.identity;
    let mut out = Vec::new();
    let mut push = |accepted: &Accepted<'_>, fact: &Fact, value: String| {
        out.push(Candidate {
            value,
            url: accepted.page.url.clone(),
            date: accepted.page.date,
            level: accepted.level,
            source: fact.source,
            former: fact.former,
            authority: authority(kind, accepted.page, accepted.record, identity),
        });
    };
    for accepted in &matching.accepted {
        let wanted = match kind {
            FieldKind::Domain => FieldKind::Website,
            other => other,
        };
        for fact in accepted.record.values(wanted) {
            if kind == FieldKind::Location {
                push(
                    accepted,
                    fact,
                    crate::extract::vocab::tidy_place(&fact.value),
                );
                continue;
            }
            // An address in a card, or on a page tied by the name alone, must fit the person:
            // their name in it, or their company's domain.
            if kind == FieldKind::Email
                && (fact.source == Source::Card || accepted.level == MatchLevel::NameOnly)
                && !email_fits(&fact.value, identity)
            {
                continue;
            }
            push(accepted, fact, fact.value.clone());
        }
        if kind == FieldKind::Company
            && accepted
                .record
                .values(FieldKind::Company)
                .all(|f| f.former || f.source == Source::Site)
        {
            let host = normalize::host(&accepted.page.url);
            let on_own_site = identity.company.as_deref().filter(|c| {
                normalize::domain_matches_company(&host, c)
                    || identity
                        .domain
                        .as_deref()
                        .is_some_and(|d| normalize::host(d) == host)
            });
            if let Some(org) = record_company(accepted.record, accepted.page).or(on_own_site) {
                let fact = Fact::new(FieldKind::Company, org, Source::Site);
                push(accepted, &fact, org.to_owned());
            }
        }
        if matches!(kind, FieldKind::Website | FieldKind::Domain)
            && !identity.company_former
            && accepted.level >= MatchLevel::NameAndCompany
            && accepted.page.site.team_page
            && let Some(org) = accepted.page.site.org_name.as_deref()
            && identity
                .company
                .as_deref()
                .is_some_and(|c| normalize::same_company(c, org))
        {
            // A subdomain (a department's or a product's site) is not the company's website.
            let site = accepted.page.site.org_url.clone().or_else(|| {
                (normalize::host(&accepted.page.url) == normalize::owner_host(&accepted.page.url))
                    .then(|| origin(&accepted.page.url))
            });
            if let Some(site) = site {
                let fact = Fact::new(FieldKind::Website, site.clone(), Source::Site);
                push(accepted, &fact, site);
            }
        }
    }
    if matches!(kind, FieldKind::Website | FieldKind::Domain)
        && !identity.company_former
        && let (Some(company), Some(level)) = (identity.company.as_deref(), matching.best_level())
    {
        for page in matching
            .pages
            .iter()
            .filter(|p| is_company_home(p, company))
        {
            out.push(Candidate {
                value: page
                    .site
                    .org_url
                    .clone()
                    .unwrap_or_else(|| origin(&page.url)),
                url: page.url.clone(),
                date: page.date,
                level,
                source: Source::Site,
                former: false,
                authority: 1.0,
            });
        }
    }
    if kind == FieldKind::Location
        && out.iter().all(|c| c.former)
        && let Some(candidate) = company_location(matching)
    {
        out.push(candidate);
    }
    if matches!(kind, FieldKind::Website | FieldKind::Domain) && !identity.company_former {
        let email_domain = out_email_domain(matching);
        if let Some((domain, level, url)) = email_domain {
            out.push(Candidate {
                value: format!("https://{domain}/"),
                url,
                date: None,
                level,
                source: Source::Site,
                former: false,
                authority: 1.0,
            });
        }
    }
    out
}

/// The place of the lead's company, for a lead no page places (the field asks for the
/// person's "and/or company location"): the place the company's own page gives on the very
/// page that lists the lead (a directory's footer address, an about page's "headquartered
/// in"), one candidate, from the pages that agree most. A company's place stated only on
/// other pages is not taken for the person's.
fn company_location(matching: &Matching<'_>) -> Option<Candidate> {
    if matching.identity.company_former {
        return None;
    }
    let mut places: BTreeMap<String, (String, String, MatchLevel, usize)> = BTreeMap::new();
    for accepted in &matching.accepted {
        let page = accepted.page;
        let Some(place) = page.site.location.as_deref() else {
            continue;
        };
        let Some(company) = record_company(accepted.record, page) else {
            continue;
        };
        let ours = page
            .site
            .org_name
            .as_deref()
            .is_some_and(|o| normalize::same_company(o, company));
        if !ours || accepted.record.whole_page {
            continue;
        }
        let entry = places
            .entry(normalize::city(place))
            .or_insert_with(|| (place.to_owned(), page.url.clone(), accepted.level, 0));
        entry.2 = entry.2.max(accepted.level);
        entry.3 += 1;
    }
    let (value, url, level, _) = places.into_values().max_by_key(|(_, _, _, n)| *n)?;
    Some(Candidate {
        value,
        url,
        date: None,
        level,
        source: Source::Site,
        former: false,
        authority: 1.0,
    })
}

/// The domain of the lead's work email, when it belongs to the company.
fn out_email_domain(matching: &Matching<'_>) -> Option<(String, MatchLevel, String)> {
    let identity = &matching.identity;
    let company = identity.company.as_deref()?;
    for accepted in &matching.accepted {
        for fact in accepted.record.values(FieldKind::Email) {
            if let Some(domain) = normalize::email_domain(&fact.value)
                && !normalize::is_freemail(&domain)
                && normalize::domain_matches_company(&domain, company)
            {
                return Some((domain, accepted.level, accepted.page.url.clone()));
            }
        }
    }
    None
}

fn origin(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| format!("{}://{}/", u.scheme(), u.host_str().unwrap_or("")))
        .unwrap_or_default()
}

/// True when an address plausibly is the lead's: its local part holds their first or last
/// name or initials, or it is at their company's domain.
pub fn email_fits(address: &str, identity: &Identity) -> bool {
    let address = normalize::email(address);
    let local = address
        .split('@')
        .next()
        .unwrap_or("")
        .replace(['.', '_', '-', '+'], "");
    let domain = normalize::email_domain(&address).unwrap_or_default();
    let by_name = identity.matcher.as_ref().is_some_and(|m| {
        let initial = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
        local.contains(m.first())
            || local.contains(m.last())
            || local == format!("{}{}", initial(m.first()), m.last())
            || local == format!("{}{}", m.first(), initial(m.last()))
    });
    let by_domain = identity
        .domain
        .as_deref()
        .is_some_and(|d| normalize::host(d) == domain);
    by_name || by_domain
}

#[cfg(test)]
#[path = "decide/tests.rs"]
mod tests;
