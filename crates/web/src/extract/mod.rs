//! Deterministic extraction: a fetched page becomes [`PageFacts`], groups of facts
//! ([`Record`]s) each about one person as the page shows them.
//!
//! Structured sources (JSON-LD, microdata) give records for every person they describe. The
//! other sources are read around the lead: the cards, table rows and paragraphs that mention
//! the lead's name, and the whole page when the page is about the lead (its title or heading is
//! the lead's name, or it is the lead's profile). Which records are really the lead is decided
//! later ([`crate::decide`]), from the emails, profile URLs, names and companies they carry.

pub mod address;
pub mod dates;
pub mod emails;
pub mod html;
pub mod jsonld;
pub mod links;
pub mod meta;
pub mod microdata;
pub mod prose;
pub mod tables;
pub mod vocab;

use scraper::{ElementRef, Html, Selector};

use crate::fetch::{ContentKind, Page};
use crate::fields::FieldKind;
use crate::lead::{Lead, NameMatcher};
use crate::normalize;

/// Where a fact was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Source {
    /// A schema.org JSON-LD block.
    JsonLd,
    /// schema.org microdata (`itemscope`/`itemprop`).
    Microdata,
    /// OpenGraph or other `<meta>` tags.
    Meta,
    /// A link (`mailto:`, `tel:`, a profile URL) or the page's own URL.
    Link,
    /// A labelled value: a table cell under a header, a definition list, `Label: value`.
    Labelled,
    /// A short line of a card ("Staff Engineer, Acme").
    Card,
    /// A sentence ("Ada Quill is the CTO of Acme").
    Prose,
    /// Inherited from the site (a company's own team page names its company).
    Site,
    /// The language model, citing a fetched page.
    Llm,
}

/// One value read from a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// What the value is.
    pub kind: FieldKind,
    /// The value as written (cleaned of surrounding white space).
    pub value: String,
    /// Where it was read.
    pub source: Source,
    /// True when the page says it is no longer so ("formerly", "previously", a past date range).
    pub former: bool,
}

impl Fact {
    /// A current fact.
    pub fn new(kind: FieldKind, value: impl Into<String>, source: Source) -> Fact {
        Fact {
            kind,
            value: value.into().trim().to_owned(),
            source,
            former: false,
        }
    }

    /// The same fact, marked as no longer so.
    pub fn former(mut self, former: bool) -> Fact {
        self.former = former;
        self
    }
}

/// Facts about one person as one place on a page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    /// The facts, identity ones (name, email, profile URLs, company) included.
    pub facts: Vec<Fact>,
    /// True when the record is the page as a whole (the page is about this person).
    pub whole_page: bool,
}

impl Record {
    /// The values of one kind (current ones first).
    pub fn values(&self, kind: FieldKind) -> impl Iterator<Item = &Fact> {
        self.facts.iter().filter(move |f| f.kind == kind)
    }

    /// The first current value of a kind.
    pub fn first(&self, kind: FieldKind) -> Option<&str> {
        self.values(kind)
            .find(|f| !f.former)
            .map(|f| f.value.as_str())
    }

    fn push(&mut self, fact: Fact) {
        if fact.value.is_empty() {
            return;
        }
        if !self.facts.contains(&fact) {
            self.facts.push(fact);
        }
    }

    fn extend(&mut self, facts: impl IntoIterator<Item = Fact>) {
        for fact in facts {
            self.push(fact);
        }
    }
}

/// What the site a page is on says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Site {
    /// The organisation the site belongs to (Organization JSON-LD, `og:site_name`, title).
    pub org_name: Option<String>,
    /// The organisation's URL as the site gives it.
    pub org_url: Option<String>,
    /// True when the page lists an organisation's people (a team, people or about page).
    pub team_page: bool,
    /// Where the organisation is, as its own page says (an address, "headquartered in").
    pub location: Option<String>,
}

/// Everything read from one page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageFacts {
    /// The page's URL (after redirects).
    pub url: String,
    /// Its title.
    pub title: String,
    /// Its visible text, for the language model.
    pub text: String,
    /// Its date as `yyyymmdd` (modified, else published), when it has one.
    pub date: Option<u32>,
    /// The site's own organisation.
    pub site: Site,
    /// Records of people.
    pub records: Vec<Record>,
}

/// Reads one page. `lead` guides which parts of unstructured pages are read.
pub fn extract(page: &Page, lead: &Lead) -> PageFacts {
    match page.kind {
        ContentKind::Html => extract_html(&page.final_url, &page.body, lead),
        ContentKind::Json => extract_json_document(&page.final_url, &page.body),
    }
}

/// Reads a JSON document (schema.org objects or plain person objects).
pub fn extract_json_document(url: &str, body: &str) -> PageFacts {
    let (title, text) = html::page_text(ContentKind::Json, body);
    let mut facts = PageFacts {
        url: url.to_owned(),
        title,
        text,
        ..PageFacts::default()
    };
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(body) {
        let found = jsonld::read_value(&value);
        facts.records = found.people;
        facts.date = found.date;
        facts.site.org_name = found.org_name;
        facts.site.org_url = found.org_url;
    }
    facts
}

fn selector(css: &str) -> Option<Selector> {
    Selector::parse(css).ok()
}

/// Reads an HTML page.
pub fn extract_html(url: &str, body: &str, lead: &Lead) -> PageFacts {
    let document = Html::parse_document(body);
    let title = html::title(&document);
    let text = html::lines(&html::text_of(document.root_element())).join("\n");
    let mut out = PageFacts {
        url: url.to_owned(),
        title: title.clone(),
        text,
        ..PageFacts::default()
    };

    let found = jsonld::read_document(&document);
    out.records.extend(found.people);
    out.site.org_name = found.org_name;
    out.site.org_url = found.org_url;
    let mut date = found.date;

    out.records.extend(jsonld::read_data_scripts(&document));
    out.records.extend(microdata::read(&document));

    let tags = meta::read(&document);
    date = date.or(tags.date).or_else(|| dates::from_page(&document));
    out.date = date;
    if out.site.org_name.is_none() {
        // A personal site's title is its owner's name, not an organisation.
        let person = heading_name(&document, &tags);
        out.site.org_name = tags
            .site_name
            .clone()
            .or_else(|| site_from_copyright(&out.text, url))
            .or_else(|| site_from_title(&title, url))
            .filter(|org| {
                person.as_deref() != Some(org.as_str())
                    && !lead.name_matcher().is_some_and(|m| m.is_name(org))
            });
    }
    // A team page, or the home page of an organisation's own site: the people it names work
    // there.
    let home = url::Url::parse(url).is_ok_and(|u| matches!(u.path(), "" | "/" | "/index.html"));
    let own_site = out
        .site
        .org_name
        .as_deref()
        .is_some_and(|o| normalize::domain_matches_company(url, o));
    out.site.team_page = is_team_page(url, &title) || (home && own_site);
    if own_site && let Some(org) = out.site.org_name.clone() {
        out.site.location = found
            .org_location
            .clone()
            .map(|p| vocab::tidy_place(&p))
            .or_else(|| site_location(&document, &out.text, &org, &title));
    }

    let own_profile = [&lead.linkedin, &lead.github, &lead.website]
        .into_iter()
        .flatten()
        .any(|p| normalize::url(p) == normalize::url(url));
    let mut card_ids = Vec::new();
    let mut email_without_name = false;
    // Cards that show the lead's email address, whatever the name.
    if let Some(email) = lead.email.as_deref() {
        for element in email_mentions(&document, email) {
            // In a definition list the term names the person the details are about.
            let definition = std::iter::successors(Some(element), |e| html::parent(*e))
                .find(|e| e.value().name() == "dd");
            let term = definition.and_then(|dd| {
                std::iter::successors(dd.prev_sibling(), |n| n.prev_sibling())
                    .filter_map(ElementRef::wrap)
                    .find(|e| e.value().name() == "dt")
            });
            // The block about the address's owner: a definition, else the nearest repeated
            // block (or short block) whose lines name someone the address fits, else the first
            // one naming anyone.
            let mut scopes = email_scopes(element);
            if let Some(dd) = definition.filter(|_| term.is_some())
                && !scopes.iter().any(|s| s.id() == dd.id())
            {
                scopes.insert(usize::from(!scopes.is_empty()), dd);
            }
            let named: Vec<(ElementRef<'_>, Option<(String, bool)>)> = scopes
                .iter()
                .map(|scope| {
                    let mut segments = html::segments(*scope);
                    if let Some(term) = term {
                        segments.insert(0, html::segments(term).join(" "));
                    }
                    (*scope, name_for_email(&segments, email))
                })
                .collect();
            let chosen = named
                .iter()
                .find(|(_, name)| name.as_ref().is_some_and(|(_, fits)| *fits))
                .or_else(|| named.iter().find(|(_, name)| name.is_some()))
                .map(|(scope, name)| (*scope, name.as_ref().map(|(n, _)| n.clone())));
            let Some((card, name)) = chosen else {
                email_without_name = true;
                continue;
            };
            if card_ids.contains(&card.id()) {
                continue;
            }
            card_ids.push(card.id());
            let mut record = Record::default();
            if let Some(name) = &name {
                record.push(Fact::new(FieldKind::Name, name.clone(), Source::Card));
            }
            record.push(Fact::new(FieldKind::Email, email, Source::Card));
            let matcher = name.as_deref().and_then(NameMatcher::new);
            if let Some(matcher) = &matcher {
                record.extend(scope_facts(card, matcher, url, false));
            } else {
                record.extend(links::read(card, url, false));
            }
            out.records.push(record);
        }
    }
    // The lead's own profile names them even when the lead gave no name; a page showing their
    // address may name them only in its title.
    let page_name = heading_name(&document, &tags).or_else(|| {
        email_without_name
            .then(|| {
                lead.email
                    .as_deref()
                    .and_then(|email| domain_person(&title, email))
                    .or_else(|| title_person(&title))
            })
            .flatten()
    });
    // A page headed by a person's name that shows the lead's email outside any named card is
    // that person's page.
    let email_page = email_without_name && page_name.is_some();
    let matcher = lead.name_matcher().or_else(|| {
        (own_profile || email_page)
            .then(|| page_name.as_deref().and_then(NameMatcher::new))
            .flatten()
    });
    let Some(matcher) = matcher else {
        return out;
    };
    let page_subject = own_profile
        || (email_page && page_name.as_deref().is_some_and(|n| matcher.is_name(n)))
        || is_about(&matcher, &title, &document, &tags, url, lead);
    for mention in mentions(&document, &matcher) {
        match html::card_of(mention) {
            Some(card) if !card_ids.contains(&card.id()) => {
                card_ids.push(card.id());
                let mut record = Record::default();
                record.push(Fact::new(
                    FieldKind::Name,
                    name_as_written(mention, &matcher, lead),
                    Source::Card,
                ));
                record.extend(scope_facts(card, &matcher, url, false));
                apply_group_label(&mut record, card, &out.site);
                out.records.push(record);
            }
            Some(_) => {}
            None if html::section_heading(mention).is_none() => {
                // A byline or author box: the nearest small block around the mention.
                if let Some(block) = html::small_block(mention)
                    && !card_ids.contains(&block.id())
                {
                    card_ids.push(block.id());
                    let mut record = Record::default();
                    record.push(Fact::new(
                        FieldKind::Name,
                        name_as_written(mention, &matcher, lead),
                        Source::Card,
                    ));
                    record.extend(scope_facts(block, &matcher, url, false));
                    out.records.push(record);
                }
            }
            None => {
                // A heading among headings of its level: its section runs to the next one.
                if let Some(heading) = html::section_heading(mention)
                    && !card_ids.contains(&heading.id())
                {
                    card_ids.push(heading.id());
                    let mut record = Record::default();
                    record.push(Fact::new(
                        FieldKind::Name,
                        name_as_written(mention, &matcher, lead),
                        Source::Card,
                    ));
                    let mut segments = html::segments(heading);
                    for element in html::section_of(heading) {
                        record.extend(links::read(element, url, false));
                        record.extend(tables::labelled(element));
                        segments.extend(html::segments(element));
                    }
                    record.extend(
                        emails::in_text(&segments.join("\n"))
                            .into_iter()
                            .map(|e| Fact::new(FieldKind::Email, e, Source::Card)),
                    );
                    record.extend(prose::read_segments(&segments, &matcher, true));
                    out.records.push(record);
                }
            }
        }
    }
    out.records.extend(tables::read(&document, &matcher));
    if page_subject {
        let mut record = Record {
            whole_page: true,
            ..Record::default()
        };
        let name = lead.name.clone().or(page_name).unwrap_or_default();
        record.push(Fact::new(FieldKind::Name, name, Source::Meta));
        // The page shows the lead's address outside any named card: it is theirs.
        if email_page && let Some(email) = &lead.email {
            record.push(Fact::new(FieldKind::Email, email.clone(), Source::Card));
        }
        record.extend(tags.facts.clone());
        // "CEO @ Acme · Lisbon, Portugal · 500+ connections"
        for description in &tags.descriptions {
            let parts: Vec<String> = meta::split_parts(description)
                .iter()
                .map(|p| p.trim().to_owned())
                .collect();
            record.extend(prose::read_segments(&parts, &matcher, true));
        }
        record.extend(links::own_url_facts(url));
        // `<link rel="me">` in the head names the person's other profiles.
        if let Some(head) = selector("head").and_then(|s| document.select(&s).next()) {
            record.extend(links::read(head, url, true));
        }
        if let Some(body) = selector("body").and_then(|s| document.select(&s).next()) {
            record.extend(scope_facts(body, &matcher, url, true));
        }
        out.records.push(record);
    }
    out
}

/// What the label of a card's group says of the person: a title the card lacks ("PhD
/// students"), or that they have left the organisation ("Alumni").
fn apply_group_label(record: &mut Record, card: ElementRef<'_>, site: &Site) {
    let Some(label) = html::group_label(card).and_then(|l| vocab::group_label(&l)) else {
        return;
    };
    match label {
        vocab::GroupLabel::Title(title) if record.first(FieldKind::Title).is_none() => {
            record.push(Fact::new(FieldKind::Title, title, Source::Site));
        }
        vocab::GroupLabel::Title(_) => {}
        vocab::GroupLabel::Former => {
            for fact in &mut record.facts {
                if matches!(fact.kind, FieldKind::Title | FieldKind::Company)
                    && !fact.former
                    && fact.source == Source::Site
                {
                    fact.former = true;
                }
            }
            if let Some(org) = &site.org_name {
                record.push(Fact::new(FieldKind::Company, org.clone(), Source::Site).former(true));
            }
        }
    }
}

/// Elements whose link target or text holds the email address (also obfuscated).
fn email_mentions<'a>(document: &'a Html, email: &str) -> Vec<ElementRef<'a>> {
    let Some(all) = selector("body *") else {
        return Vec::new();
    };
    let email = normalize::email(email);
    // Most pages do not show the address at all: one look at the whole page first.
    let whole = html::text_of(document.root_element());
    let in_links = document
        .root_element()
        .html()
        .to_lowercase()
        .contains(&email);
    // The lead's own address counts even when it reads as a role mailbox (`hello@` on a
    // personal site), which the text reader leaves out.
    let shows =
        |text: &str| text.to_lowercase().contains(&email) || emails::in_text(text).contains(&email);
    if !in_links && !shows(&whole) {
        return Vec::new();
    }
    let has = |element: ElementRef<'_>| shows(&element.text().collect::<String>());
    document
        .select(&all)
        .filter(|e| {
            let href = e.value().attr("href").map(normalize::email);
            href.as_deref() == Some(email.as_str())
                || (has(*e) && !e.children().filter_map(ElementRef::wrap).any(has))
        })
        .collect()
}

/// Words of links and buttons, never part of a name ("Email Kenji", "View Profile").
const INTERFACE_WORDS: &[&str] = &[
    "email", "mail", "contact", "call", "view", "read", "more", "follow", "message", "profile",
    "linkedin", "github", "twitter", "website", "home", "about", "team", "our", "meet", "bio",
    "the", "download", "share", "connect", "visit", "see", "hello", "hi", "welcome", "by",
];

/// A line that reads as a person's name: two to four capitalised words, no title, no place, no
/// link words.
pub fn looks_like_person_name(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    (2..=4).contains(&words.len())
        && words.iter().all(|w| {
            w.chars().next().is_some_and(char::is_uppercase)
                && w.chars()
                    .all(|c| c.is_alphabetic() || c == '-' || c == '\'' || c == '.')
        })
        && !vocab::looks_like_title(line)
        && !vocab::is_known_place(line)
        && !words.iter().any(|w| vocab::is_title_word(w))
        && !words
            .iter()
            .any(|w| INTERFACE_WORDS.contains(&w.trim_end_matches('.').to_lowercase().as_str()))
}

/// The blocks that may be about the owner of an address shown at `element`: its card and the
/// cards around that (up to three), then the nearest short block.
fn email_scopes(element: ElementRef<'_>) -> Vec<ElementRef<'_>> {
    let mut out: Vec<ElementRef<'_>> = Vec::new();
    let mut next = html::card_of(element);
    while let Some(card) = next {
        if out.len() >= 3 {
            break;
        }
        out.push(card);
        next = html::parent(card).and_then(html::card_of);
    }
    if let Some(block) = html::small_block(element)
        && !out.iter().any(|c| c.id() == block.id())
    {
        out.push(block);
    }
    out
}

/// The name of the person an address in these lines belongs to, and whether the address fits
/// it (`kenji@...` and "Kenji Mori-Whitfield"): a line that is a name the address fits, else a
/// name inside a sentence that the address fits ("contact Hamid Farouk, hamid@..."), else the
/// first line that is a name.
pub fn name_for_email(segments: &[String], email: &str) -> Option<(String, bool)> {
    let lines: Vec<&str> = segments
        .iter()
        .map(|s| s.trim_end_matches([',', ';', ':']).trim())
        .filter(|s| looks_like_person_name(s))
        .collect();
    if let Some(line) = lines.iter().find(|l| emails::local_fits_name(email, l)) {
        return Some(((*line).to_owned(), true));
    }
    for segment in segments {
        let words: Vec<&str> = segment.split_whitespace().collect();
        for start in 0..words.len() {
            for len in (2..=4).rev() {
                let Some(window) = words.get(start..start + len) else {
                    continue;
                };
                // Only the last word may end a clause.
                if window[..len - 1]
                    .iter()
                    .any(|w| w.ends_with([',', '.', ';', ':']) && w.len() > 2)
                {
                    continue;
                }
                let candidate = window.join(" ");
                let candidate = candidate.trim_end_matches([',', '.', ';', ':']);
                if looks_like_person_name(candidate) && emails::local_fits_name(email, candidate) {
                    return Some((candidate.to_owned(), true));
                }
            }
        }
    }
    lines.first().map(|l| ((*l).to_owned(), false))
}

/// The name a page's first heading or `og:title` gives (before a separator), when it reads as
/// a person's name.
fn heading_name(document: &Html, tags: &meta::MetaTags) -> Option<String> {
    let heading = selector("h1")
        .and_then(|s| document.select(&s).next())
        .map(|h| html::segments(h).into_iter().next().unwrap_or_default());
    let first_part = |t: &String| {
        meta::split_parts(t)
            .first()
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    [heading, tags.og_title.clone()]
        .iter()
        .flatten()
        .map(first_part)
        .find(|t| looks_like_person_name(t))
}

/// The person a page's title names in one of its parts ("Contact · Seun Adebayo": a personal
/// site's page names its owner).
fn title_person(title: &str) -> Option<String> {
    let parts = meta::split_parts(title);
    if parts.len() < 2 {
        return None;
    }
    parts
        .iter()
        .map(|p| p.trim())
        .find(|p| looks_like_person_name(p))
        .map(str::to_owned)
}

/// The person whose name the address's domain spells, as the page title writes it: on
/// `hello@junocastellanos.example`, "Commissions \u{2014} Juno Castellanos Illustration" names
/// Juno Castellanos (a personal domain names its owner).
fn domain_person(title: &str, email: &str) -> Option<String> {
    let domain = email.rsplit_once('@')?.1;
    let label = normalize::owner_label(domain).replace('-', "");
    if label.len() < 6 {
        return None;
    }
    meta::split_parts(title).iter().find_map(|part| {
        let words: Vec<&str> = part.split_whitespace().collect();
        (2..=words.len().min(4)).find_map(|k| {
            let name = words[..k].join(" ");
            let spelled: String = crate::lead::fold(&name)
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            (spelled == label && looks_like_person_name(&name)).then_some(name)
        })
    })
}

/// The lead's name as the page writes it (with its accents), else as the lead gives it.
fn name_as_written(mention: ElementRef<'_>, matcher: &NameMatcher, lead: &Lead) -> String {
    let text = html::segments(mention).join(" ");
    if matcher.is_name(&text) && looks_like_person_name(&text) {
        return text;
    }
    lead.name.clone().unwrap_or_default()
}

/// The deepest elements whose text mentions the lead.
fn mentions<'a>(document: &'a Html, matcher: &NameMatcher) -> Vec<ElementRef<'a>> {
    let Some(all) = selector("body *") else {
        return Vec::new();
    };
    if !matcher.mentioned_in(&html::text_of(document.root_element())) {
        return Vec::new();
    }
    let mut found = Vec::new();
    for element in document.select(&all) {
        if matches!(
            element.value().name(),
            "script" | "style" | "noscript" | "template"
        ) {
            continue;
        }
        if !matcher.mentioned_in(&html::text_of(element)) {
            continue;
        }
        let child_mentions = element
            .children()
            .filter_map(ElementRef::wrap)
            .any(|child| matcher.mentioned_in(&html::text_of(child)));
        if !child_mentions {
            found.push(element);
        }
    }
    found
}

/// True when the page is about the lead: its title (before a separator), `og:title` or first
/// heading is the lead's name, or the page is the lead's own profile URL.
fn is_about(
    matcher: &NameMatcher,
    title: &str,
    document: &Html,
    tags: &meta::MetaTags,
    url: &str,
    lead: &Lead,
) -> bool {
    let own_profile = [&lead.linkedin, &lead.github, &lead.website]
        .into_iter()
        .flatten()
        .any(|p| normalize::url(p) == normalize::url(url));
    if own_profile {
        return true;
    }
    // "Hi! I'm Wen Ravenscroft.": the person introduces themselves on their own page.
    if introduces(matcher, &html::text_of(document.root_element())) {
        return true;
    }
    let leading = |t: &str| {
        t.split([
            '|', '-', '\u{2013}', '\u{2014}', '\u{00b7}', ',', ':', '(', '/',
        ])
        .next()
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
    };
    let heading = selector("h1")
        .and_then(|s| document.select(&s).next())
        .map(|h| {
            html::text_of(h)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        });
    let texts = [Some(title.to_owned()), tags.og_title.clone(), heading];
    // A profile page (a LinkedIn member, a GitHub user) whose title or heading names the lead.
    if links::profile_kind(url).is_some() && texts.iter().flatten().any(|t| matcher.mentioned_in(t))
    {
        return true;
    }
    texts.into_iter().flatten().any(|t| {
        matcher.is_name(&leading(&t))
            || matcher.is_name(&t)
            || meta::split_parts(&t)
                .iter()
                .any(|part| matcher.is_name(part.trim()))
    })
}

/// True when the text has the person introduce themselves: "I'm Ada Quill", "I am Ada
/// Quill", "My name is Ada Quill" (a first-person page by them).
fn introduces(matcher: &NameMatcher, text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.iter().enumerate().any(|(i, w)| {
        let cue = match w
            .to_lowercase()
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '\u{2019}')
        {
            "i'm" | "i\u{2019}m" | "im" => 1,
            "i" if words
                .get(i + 1)
                .is_some_and(|n| n.eq_ignore_ascii_case("am")) =>
            {
                2
            }
            "name"
                if i > 0
                    && words[i - 1].eq_ignore_ascii_case("my")
                    && words
                        .get(i + 1)
                        .is_some_and(|n| n.eq_ignore_ascii_case("is")) =>
            {
                2
            }
            _ => 0,
        };
        cue > 0 && {
            let rest: Vec<&str> = words.iter().skip(i + cue).take(4).copied().collect();
            // The name right after the cue, up to a middle name or initial.
            (2..=4).any(|n| {
                rest.len() >= n && {
                    let candidate = rest[..n].join(" ");
                    let candidate = candidate.trim_end_matches(|c: char| !c.is_alphanumeric());
                    matcher.is_name(candidate)
                }
            })
        }
    })
}

/// A team page: its URL path or title speaks of a team, people, staff or leadership.
fn is_team_page(url: &str, title: &str) -> bool {
    let path = url::Url::parse(url)
        .map(|u| u.path().to_lowercase())
        .unwrap_or_default();
    let words = [
        "team",
        "people",
        "staff",
        "faculty",
        "directory",
        "authors",
        "contributors",
        "leadership",
        "about",
        "who-we-are",
        "company",
        "management",
        "founders",
        "our-",
    ];
    let starts = [
        "team",
        "our team",
        "meet the team",
        "the team",
        "people",
        "our people",
        "the people",
        "staff",
        "our staff",
        "leadership",
        "about",
        "who we are",
        "management",
        "founders",
        "the crew",
        "crew",
        "company",
    ];
    if links::profile_kind(url).is_some() {
        return false;
    }
    words.iter().any(|w| path.contains(w))
        || meta::split_parts(title).iter().any(|part| {
            let part = part.trim().to_lowercase();
            // "Staff directory" is a team page; "Staff Engineer" is someone's title.
            starts.iter().any(|w| {
                part == *w
                    || part.strip_prefix(&format!("{w} ")).is_some_and(|rest| {
                        !vocab::looks_like_title(rest) && !vocab::looks_like_title(&part)
                    })
            })
        })
}

/// Where an organisation is, from its own page: a sentence about it ("Acme is headquartered
/// in Lisbon", "Our workshop is in Pittsburgh", "Acme is a Boston company"), a postal address
/// in an `<address>` or the footer, or a place in the page title ("Acme — bakery, Portland").
fn site_location(document: &Html, text: &str, org: &str, title: &str) -> Option<String> {
    let org_words = org.split_whitespace().count();
    for line in text.lines() {
        for sentence in prose::sentences(line) {
            let words: Vec<&str> = sentence.split_whitespace().collect();
            if sentence_about_org(&words, org, org_words)
                && let Some(place) = prose::org_location_in(&words)
            {
                return Some(place);
            }
        }
    }
    let blocks = selector("address, footer")
        .map(|s| {
            document
                .select(&s)
                .map(|e| {
                    html::segments(e).join(
                        "
",
                    )
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if let Some(town) = blocks.iter().find_map(|b| address::town_of(b)) {
        return Some(town);
    }
    meta::split_parts(title).iter().skip(1).find_map(|part| {
        let last = part.rsplit(',').next()?.trim();
        (vocab::is_known_place(last) && !normalize::same_company(last, org))
            .then(|| last.to_owned())
    })
}

/// Whether a sentence on an organisation's own page speaks of the organisation: it opens with
/// its name or "we"/"our", or speaks of "our office" ("... from our office in Sheffield"). A
/// sentence without a subject ("Based in Sheffield.") may be a person's, on a team page.
fn sentence_about_org(words: &[&str], org: &str, org_words: usize) -> bool {
    let lower: Vec<String> = words
        .iter()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect();
    let named = normalize::same_company(
        &words
            .iter()
            .take(org_words)
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
        org,
    );
    let first = lower.first().map(String::as_str);
    let ours = lower.windows(2).any(|pair| {
        pair[0] == "our"
            && matches!(
                pair[1].as_str(),
                "office" | "offices" | "headquarters" | "studio" | "workshop" | "team"
            )
    });
    named || matches!(first, Some("we" | "our" | "we're")) || ours
}

/// The site's name from its copyright line (`© 2024 Bluefin Analytics, Inc.`), when that name
/// matches the host (`getbluefin.example`).
fn site_from_copyright(text: &str, url: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let lower = line.to_lowercase();
        let at = ["©", "(c)", "copyright"]
            .iter()
            .filter_map(|mark| lower.find(mark).map(|i| i + mark.len()))
            .min()?;
        let rest = line.get(at..)?;
        let words: Vec<&str> = rest
            .split_whitespace()
            .skip_while(|w| {
                w.chars().all(|c| c.is_ascii_digit() || "-–—,".contains(c))
                    || w.eq_ignore_ascii_case("copyright")
                    || *w == "©"
            })
            .collect();
        let name = prose::company_span(&words)?;
        normalize::domain_matches_company(url, &name).then_some(name)
    })
}

/// The site's name from a title like `Team | Acme Robotics`, when the last part matches the
/// host (`acme-robotics.example`).
fn site_from_title(title: &str, url: &str) -> Option<String> {
    let host = normalize::host(url);
    let words: Vec<&str> = title.split_whitespace().collect();
    let tails = (1..=4.min(words.len())).map(|k| words[words.len() - k..].join(" "));
    title
        .split(['|', '\u{2013}', '\u{2014}', '\u{00b7}'])
        .chain(title.split(" - "))
        .map(|p| p.trim().to_owned())
        .chain(tails)
        .find(|part| !part.is_empty() && normalize::domain_matches_company(&host, part))
}

/// The entries of a dated list in a scope (a profile's experience: each role with its date
/// range): the deepest list items, repeated blocks and rows whose text holds a date range.
fn dated_entries(scope: ElementRef<'_>) -> Vec<ElementRef<'_>> {
    let Some(all) = selector("*") else {
        return Vec::new();
    };
    let dated: Vec<ElementRef<'_>> = scope
        .select(&all)
        .filter(|e| {
            let tag = e.value().name();
            let segments = html::segments(*e);
            // An entry holds a role and its range, not the range alone.
            (tag == "li" || tag == "tr" || (!html::INLINE.contains(&tag) && html::is_repeated(*e)))
                && segments.len() >= 2
                && prose::has_date_range(&segments.join(" "))
        })
        .collect();
    dated
        .iter()
        .filter(|e| {
            !dated
                .iter()
                .any(|inner| inner.id() != e.id() && e.descendants().any(|d| d.id() == inner.id()))
        })
        .copied()
        .collect()
}

/// Facts of a scope (a card, or the whole page when it is about the lead). On a whole page,
/// each entry of a dated list is read on its own: everything in an entry whose range has ended
/// (its title, company and place) is former.
fn scope_facts(
    scope: ElementRef<'_>,
    matcher: &NameMatcher,
    url: &str,
    whole_page: bool,
) -> Vec<Fact> {
    let mut facts = Vec::new();
    facts.extend(links::read(scope, url, whole_page));
    facts.extend(tables::labelled(scope));
    let entries = if whole_page {
        dated_entries(scope)
    } else {
        Vec::new()
    };
    for entry in &entries {
        let segs = html::segments(*entry);
        let text = segs.join(" ");
        let ended = prose::ended_range(&text) && !prose::is_current_range(&text);
        facts.extend(
            prose::read_segments(&segs, matcher, true)
                .into_iter()
                .map(|f| {
                    let former = f.former || ended;
                    f.former(former)
                }),
        );
    }
    let skip: Vec<_> = entries.iter().map(|e| e.id()).collect();
    let segs = html::lines(&html::text_except(scope, &skip));
    facts.extend(
        emails::in_text(&segs.join("\n"))
            .into_iter()
            .map(|e| Fact::new(FieldKind::Email, e, Source::Card)),
    );
    facts.extend(prose::read_segments(&segs, matcher, true));
    facts
}

#[cfg(test)]
mod tests;
