//! Text: short card lines ("Staff Engineer, Acme Robotics", "Acme — CTO", "Lisbon, Portugal",
//! "Email: ...") and sentences about the lead ("Ada Quill is the CTO of Quill Works", "Quill
//! Works' CTO Ada Quill", "Ada joined Quill Works as its CTO", "She is based in Lisbon").
//!
//! A fact is marked former when its clause says so ("formerly", "previously", "was", a date
//! range that has ended).

use std::sync::LazyLock;

use regex::Regex;

use super::vocab::{self, is_known_place, label_kind, looks_like_title, title_prefix};
use super::{Fact, Source};
use crate::fields::FieldKind;
use crate::lead::{NameMatcher, fold};

/// Words that say a clause is about the past.
const FORMER: &[&str] = &[
    "formerly",
    "previously",
    "former",
    "ex",
    "prior",
    "until",
    "left",
    "earlier",
    "past",
    "once",
    "used",
    "spent",
    "before",
    "alumna",
    "alumnus",
    "alum",
    "retired",
];

static ENDED_RANGE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:19|20)\d\d\s*(?:-|–|—|to|until)\s*(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+)?(?:19|20)\d\d\b").ok()
});

static YEAR: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\b(?:19|20)\d\d\b").ok());

static LABELLED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^\s*(?P<label>[A-Za-z][A-Za-z \-]{1,24}?)\s*[:：]\s*(?P<value>\S.*)$").ok()
});

fn clean(word: &str) -> String {
    fold(word.trim_matches(|c: char| !c.is_alphanumeric())).replace(['\'', '\u{2019}'], "")
}

fn has_former_marker(words: &[&str]) -> bool {
    words.iter().any(|w| {
        let c = clean(w);
        FORMER.contains(&c.as_str()) || w.to_ascii_lowercase().starts_with("ex-")
    })
}

/// True when the text holds a dated range, ended or running to now ("2016 - 2019", "Mar 2022
/// - Present").
pub fn has_date_range(text: &str) -> bool {
    ended_range(text) || (is_current_range(text) && YEAR.as_ref().is_some_and(|r| r.is_match(text)))
}

/// True when the text says a range runs to now ("2021 - Present", "since 2020").
pub fn is_current_range(text: &str) -> bool {
    let lower = text.to_lowercase();
    ["present", "now", "today", "current"]
        .iter()
        .any(|w| lower.contains(w))
}

/// True when the text names a date range that has ended (`2016–2019`).
pub fn ended_range(text: &str) -> bool {
    ENDED_RANGE.as_ref().is_some_and(|r| r.is_match(text))
}

/// Splits "Title at Company" / "Title, Company" / "Title | Company" / "Company — Title" into
/// the title and the company, when the title part reads as a job title.
pub fn split_title_company(text: &str) -> Option<(String, Option<String>)> {
    let text = strip_ranges(text);
    let text = text
        .trim()
        .trim_matches(|c: char| c == ',' || c == '(' || c == ')' || c == ';')
        .trim();
    // "Staff Engineer @acme": a profile bio naming the employer by its handle.
    if let Some((left, handle)) = text.rsplit_once(" @")
        && looks_like_title(left.trim())
        && let Some(handle) = Some(handle.trim_end_matches(['.', ',', ';']))
        && !handle.is_empty()
        && handle.len() <= 39
        && handle
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Some((left.trim().to_owned(), Some(handle.to_owned())));
    }
    for separator in [
        " at ",
        " @ ",
        " with ",
        " | ",
        " \u{2014} ",
        " \u{2013} ",
        " - ",
        " \u{00b7} ",
        ", ",
        " of ",
    ] {
        let Some((left, right)) = text.split_once(separator) else {
            continue;
        };
        let (left, right) = (
            left.trim(),
            right.trim().trim_end_matches(['.', ',']).trim(),
        );
        if separator == " of " {
            // "Head of Sales" is a title; only "CTO of Acme" (a company after "of") splits.
            let words: Vec<&str> = text.split_whitespace().collect();
            let n = title_prefix(&words)?;
            let title = words[..n].join(" ");
            let rest: Vec<&str> = words[n..].to_vec();
            if rest.first().is_some_and(|w| clean(w) == "of") {
                return Some((title, company_span(&rest[1..])));
            }
            return looks_like_title(&title).then_some((title, None));
        }
        if looks_like_title(left) {
            // "Professor, Department of Physics": a unit of the organisation, not its name.
            let unit = right.split_whitespace().next().is_some_and(|w| {
                matches!(
                    clean(w).as_str(),
                    "department"
                        | "school"
                        | "faculty"
                        | "division"
                        | "institute"
                        | "centre"
                        | "center"
                        | "office"
                        | "college"
                        | "dept"
                )
            });
            if unit {
                return Some((left.to_owned(), None));
            }
            if separator == ", "
                && (looks_like_title(right) || right.split_whitespace().all(vocab::is_title_word))
            {
                // "VP, Engineering" is one title.
                return Some((text.to_owned(), None));
            }
            // After "at", a separator standing alone ends the company: "at Acme · Water and
            // sanitation". After a separator the whole part must be the company (below).
            let after_at = matches!(separator, " at " | " @ " | " with ");
            let right_words: Vec<&str> = right
                .split_whitespace()
                .take_while(|w| !(after_at && is_separator_token(w)))
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .collect();
            // After "|", ",", a dash or a dot the whole part must be the company
            // ("Principal Engineer | Distributed systems" names none); after "at" the company
            // may be followed by more words ("at Acme in Berlin").
            let company = company_span(&right_words).filter(|c| {
                matches!(separator, " at " | " @ " | " with ")
                    || c.split_whitespace().count() == right_words.len()
            });
            return Some((left.to_owned(), company));
        }
        if looks_like_title(right)
            && !is_known_place(left)
            && !matches!(separator, " at " | " @ " | " with ")
        {
            let company = company_span(&left.split_whitespace().collect::<Vec<_>>());
            if company.is_some() {
                return Some((right.to_owned(), company));
            }
        }
    }
    // A whole line is a title only when nothing in it separates parts: "aquill) \u{2014} chair;
    // Quill Systems" is a handle, a committee role and a company.
    let parts = text.contains(';')
        || text.matches(')').count() != text.matches('(').count()
        || text.split_whitespace().any(is_separator_token);
    (!parts && looks_like_title(text)).then(|| (text.to_owned(), None))
}

/// A word that only separates parts of a line: `·`, `|`, a dash, `/`, `•`.
fn is_separator_token(word: &str) -> bool {
    matches!(
        word,
        "\u{00b7}" | "|" | "-" | "\u{2013}" | "\u{2014}" | "/" | "\u{2022}" | "//"
    )
}

fn strip_ranges(text: &str) -> String {
    let mut out = text.to_owned();
    if let Some(r) = ENDED_RANGE.as_ref() {
        out = r.replace_all(&out, "").into_owned();
    }
    if let Ok(r) = Regex::new(
        r"(?i)\(?\s*(?:since\s+)?(?:19|20)\d\d\s*(?:-|–|—|to)?\s*(?:present|now|today|current)?\s*\)?",
    ) {
        out = r.replace_all(&out, " ").into_owned();
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Words that cannot start a company name.
const NOT_COMPANY: &[&str] = &[
    "the",
    "a",
    "an",
    "our",
    "their",
    "his",
    "her",
    "its",
    "this",
    "that",
    "today",
    "yesterday",
    "meet",
    "by",
    "and",
    "also",
    "then",
    "now",
    "she",
    "he",
    "they",
    "i",
    "we",
    "in",
    "on",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
];

/// The company name at the start of `words`: capitalised words (with `&`, `and`, `of`, `de`
/// between them), up to six, ending at punctuation. `None` for a place or nothing.
pub fn company_span(words: &[&str]) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, raw) in words.iter().enumerate() {
        let word = raw.trim_start_matches(['(', '"', '\u{201c}']);
        let core = word.trim_end_matches([',', '.', ';', ':', ')', '"', '\u{201d}', '!', '?']);
        let core = core
            .trim_end_matches("'s")
            .trim_end_matches("\u{2019}s")
            .trim_end_matches(['\'', '\u{2019}']);
        if core.is_empty() {
            break;
        }
        let starts_upper = core
            .chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
        let connector = matches!(core, "&" | "and" | "of" | "de" | "for" | "+")
            && i > 0
            && words.get(i + 1).is_some_and(|n| {
                n.chars().next().is_some_and(char::is_uppercase)
                    && !matches!(n.trim_end_matches([',', '.']), "I" | "I'm" | "I\u{2019}m")
            });
        // "The Byte Gazette": a capitalised "The" before capitalised words names a company.
        let proper_the = core == "The"
            && words.get(i + 1).is_some_and(|n| {
                n.chars().next().is_some_and(char::is_uppercase) && !vocab::is_title_word(n)
            });
        if out.is_empty() && NOT_COMPANY.contains(&core.to_lowercase().as_str()) && !proper_the {
            return None;
        }
        if !(starts_upper || connector) || out.len() >= 6 {
            break;
        }
        out.push(core.to_owned());
        let ended = word.len() != core.len() && !matches!(core, "Inc" | "Co" | "Ltd" | "Corp");
        if ended {
            break;
        }
    }
    while out
        .last()
        .is_some_and(|w| matches!(w.as_str(), "&" | "and" | "of" | "de" | "for" | "+"))
    {
        out.pop();
    }
    let name = out.join(" ");
    if name.is_empty() || is_known_place(&name) || vocab::looks_like_title(&name) {
        return None;
    }
    Some(name)
}

/// A place at the start of `words`: capitalised words, optionally one more comma part.
fn place_span(words: &[&str]) -> Option<String> {
    let mut out = String::new();
    let mut commas = 0;
    for (count, raw) in words.iter().enumerate() {
        let core = raw.trim_end_matches([',', '.', ';', ':', ')', '!', '?']);
        if count >= 6 || core.is_empty() || !core.chars().next().is_some_and(char::is_uppercase) {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(core);
        if raw.ends_with(',') && commas == 0 {
            commas += 1;
            out.push(',');
            continue;
        }
        if raw.len() != core.len() {
            break;
        }
    }
    let out = out.trim_end_matches(',').trim().to_owned();
    (!out.is_empty()).then_some(out)
}

/// Phrases that put a person in a place now.
const PLACE_CUES: &[&[&str]] = &[
    &["live", "and", "work", "in"],
    &["work", "and", "live", "in"],
    &["living", "and", "working", "in"],
    &["lives", "and", "works", "in"],
    &["based", "in"],
    &["based", "out", "of"],
    &["lives", "in"],
    &["living", "in"],
    &["located", "in"],
    &["resides", "in"],
    &["live", "in"],
    &["works", "from"],
    &["working", "from"],
    &["relocated", "to"],
    &["moved", "to"],
    &["home", "in"],
];

fn location_in(words: &[&str]) -> Option<String> {
    let lower: Vec<String> = words.iter().map(|w| clean(w)).collect();
    for i in 0..words.len() {
        for cue in PLACE_CUES {
            if lower.len() >= i + cue.len()
                && cue.iter().enumerate().all(|(k, c)| lower[i + k] == *c)
                && let Some(place) = place_span(&words[i + cue.len()..])
            {
                return Some(place);
            }
        }
        if let Some(stem) = words[i]
            .strip_suffix("-based")
            .or_else(|| words[i].strip_suffix("-based,"))
        {
            let mut start = i;
            while start > 0
                && words[start - 1]
                    .chars()
                    .next()
                    .is_some_and(char::is_uppercase)
                && i - start < 3
            {
                start -= 1;
            }
            let mut parts: Vec<&str> = words[start..i].to_vec();
            parts.push(stem);
            let place = parts.join(" ");
            if is_known_place(&place) {
                return Some(place);
            }
        }
    }
    None
}

/// Phrases that put an organisation in a place.
const ORG_PLACE_CUES: &[&[&str]] = &[
    &["headquartered", "in"],
    &["headquarters", "in"],
    &["based", "in"],
    &["located", "in"],
    &["is", "in"],
    &["are", "in"],
    &["offices", "in"],
    &["office", "in"],
    &["team", "in"],
];

/// Where a sentence about an organisation puts it: after "headquartered in", "based in", "is
/// in" (a known place, or a place with its region), or "a Boston, Massachusetts company".
pub fn org_location_in(words: &[&str]) -> Option<String> {
    let lower: Vec<String> = words.iter().map(|w| clean(w)).collect();
    for i in 0..words.len() {
        for cue in ORG_PLACE_CUES {
            if lower.len() >= i + cue.len()
                && cue.iter().enumerate().all(|(k, c)| lower[i + k] == *c)
                && let Some(place) = place_span(&words[i + cue.len()..])
                && is_known_place(&place)
            {
                return Some(place);
            }
        }
        // "is a Boston, Massachusetts company"
        if matches!(lower[i].as_str(), "a" | "an")
            && let Some(place) = place_span(&words[i + 1..])
            && is_known_place(&place)
            && words
                .get(i + 1 + place.split_whitespace().count())
                .is_some_and(|w| {
                    matches!(
                        clean(w).as_str(),
                        "company" | "startup" | "firm" | "business" | "agency" | "studio" | "maker"
                    )
                })
        {
            return Some(place);
        }
    }
    location_in(words).filter(|p| is_known_place(p))
}

/// Head words that are also verbs or plain words ("lead", "head", "partner").
const AMBIGUOUS_HEADS: &[&str] = &[
    "lead",
    "head",
    "chair",
    "partner",
    "advocate",
    "counsel",
    "associate",
    "principal",
    "fellow",
    "owner",
    "agent",
    "operator",
    "executive",
    "intern",
    "buyer",
    "trader",
];

/// Words skipped between a name and the title it is given.
const LEAD_IN: &[&str] = &[
    "is",
    "are",
    "was",
    "has",
    "have",
    "been",
    "had",
    "now",
    "currently",
    "serves",
    "served",
    "serving",
    "works",
    "worked",
    "working",
    "as",
    "became",
    "becomes",
    "remains",
    "the",
    "a",
    "an",
    "our",
    "its",
    "their",
    "his",
    "her",
    "new",
    "current",
    "recently",
    "also",
    "named",
    "appointed",
    "promoted",
    "to",
    "formerly",
    "previously",
    "former",
    "once",
    "still",
    "who",
    "where",
    "acting",
    "company's",
    "companys",
    "firm's",
    "firms",
    "startup's",
    "startups",
    "group's",
    "groups",
    "joins",
    "hired",
    "elected",
    "i",
    "im",
    "am",
    "my",
    "role",
    "position",
    "title",
    "of",
    "in",
    "today",
];

/// Facts of one clause that follows a mention of the lead (or is about them).
fn clause_facts(words: &[&str], former_context: bool, source: Source) -> Vec<Fact> {
    let mut out = Vec::new();
    if words.is_empty() {
        return out;
    }
    let lower: Vec<String> = words.iter().map(|w| clean(w)).collect();
    let recent = lower.iter().any(|w| {
        matches!(
            w.as_str(),
            "named" | "appointed" | "promoted" | "hired" | "elected" | "joined" | "joins" | "now"
        )
    });
    let past_verb = lower.first().is_some_and(|w| {
        matches!(
            w.as_str(),
            "was" | "served" | "worked" | "had" | "spent" | "held"
        )
    }) && !recent;
    let former = former_context
        || past_verb
        || (has_former_marker(words) && !recent)
        || ended_range(&words.join(" "));
    // "joined Acme as its CTO", "works at Acme as CTO"
    if let Some(at) = lower
        .iter()
        .position(|w| matches!(w.as_str(), "joined" | "joins" | "join"))
    {
        let rest = &words[at + 1..];
        if let Some(company) = company_span(rest) {
            out.push(Fact::new(FieldKind::Company, company, source).former(former && !recent));
        }
        if let Some(as_at) = rest.iter().position(|w| clean(w) == "as") {
            let after: Vec<&str> = rest[as_at + 1..]
                .iter()
                .copied()
                .skip_while(|w| LEAD_IN.contains(&clean(w).as_str()))
                .collect();
            if let Some(n) = title_prefix(&after) {
                out.push(
                    Fact::new(FieldKind::Title, trim_title(&after[..n]), source)
                        .former(former && !recent),
                );
            }
        }
        return out;
    }
    if let Some(at) = lower.windows(2).position(|w| {
        matches!(w[0].as_str(), "works" | "worked" | "working")
            && matches!(w[1].as_str(), "at" | "for")
    }) {
        if let Some(company) = company_span(&words[at + 2..]) {
            out.push(Fact::new(FieldKind::Company, company, source).former(former));
        }
        return out;
    }
    // "who leads the design team at Acme": the company, and no title.
    let lead_verb = lower.iter().position(|w| {
        matches!(
            w.as_str(),
            "leads"
                | "lead"
                | "heads"
                | "head"
                | "runs"
                | "run"
                | "manages"
                | "manage"
                | "oversees"
                | "oversee"
                | "directs"
                | "direct"
                | "led"
                | "headed"
                | "ran"
                | "managed"
                | "oversaw"
                | "directed"
        )
    });
    if let Some(verb) = lead_verb
        && lower[..verb].iter().all(|w| {
            matches!(
                w.as_str(),
                "who"
                    | "which"
                    | "currently"
                    | "now"
                    | "also"
                    | "i"
                    | "she"
                    | "he"
                    | "they"
                    | "still"
            )
        })
        && let Some(at) = lower[verb..].iter().position(|w| w == "at")
        && let Some(company) = company_span(&words[verb + at + 1..])
    {
        let past = matches!(
            lower[verb].as_str(),
            "led" | "headed" | "ran" | "managed" | "oversaw" | "directed"
        );
        // "I run engineering at Acme as VP of Engineering"
        if let Some(as_at) = lower[verb..].iter().position(|w| w == "as") {
            let after: Vec<&str> = words[verb + as_at + 1..]
                .iter()
                .copied()
                .skip_while(|w| LEAD_IN.contains(&clean(w).as_str()))
                .collect();
            if let Some(n) = title_prefix(&after) {
                out.push(
                    Fact::new(FieldKind::Title, trim_title(&after[..n]), source)
                        .former(former || past),
                );
            }
        }
        out.push(Fact::new(FieldKind::Company, company, source).former(former || past));
        return out;
    }
    let start = words
        .iter()
        .position(|w| !LEAD_IN.contains(&clean(w).as_str()))
        .unwrap_or(words.len());
    let mut rest = &words[start..];
    // "I lead things as Senior Engineer at Acme": the title after "as".
    let verb_first = rest
        .first()
        .is_some_and(|w| w.chars().next().is_some_and(char::is_lowercase))
        && title_prefix(rest)
            .is_none_or(|n| n == 1 && AMBIGUOUS_HEADS.contains(&clean(rest[0]).as_str()));
    if verb_first && let Some(as_at) = rest.iter().position(|w| clean(w) == "as") {
        let after_as = &rest[as_at + 1..];
        let skip = after_as
            .iter()
            .take_while(|w| LEAD_IN.contains(&clean(w).as_str()))
            .count();
        rest = &after_as[skip..];
    } else if verb_first {
        return out;
    }
    let Some(n) = title_prefix(rest) else {
        // "formerly of Globex": a company with no title.
        if former
            && lower
                .get(start.saturating_sub(1))
                .is_some_and(|w| w == "of")
            && let Some(company) = company_span(rest)
        {
            out.push(Fact::new(FieldKind::Company, company, source).former(true));
        }
        return out;
    };
    let title = trim_title(&rest[..n]);
    out.push(Fact::new(FieldKind::Title, title, source).former(former));
    let after = &rest[n..];
    let ended_title = rest[n - 1].ends_with(['.', ';']);
    if !ended_title
        && let Some(first) = after.first()
        && matches!(clean(first).as_str(), "at" | "of" | "for" | "with" | "")
    {
        if let Some(company) = company_span(&after[1..]) {
            out.push(Fact::new(FieldKind::Company, company, source).former(former));
        }
    } else if rest[n - 1].ends_with(',') && !ended_title {
        // "Ada Quill, CTO, Quill Works"
        if let Some(company) = company_span(after) {
            out.push(Fact::new(FieldKind::Company, company, source).former(former));
        }
    }
    out
}

fn trim_title(words: &[&str]) -> String {
    words
        .join(" ")
        .trim_matches(|c: char| {
            c == ',' || c == '.' || c == ';' || c == ':' || c == '(' || c == ')'
        })
        .trim()
        .to_owned()
}

/// Where the lead is mentioned in a sentence's words: `(start, end)`.
fn mention(words: &[&str], matcher: &NameMatcher, about_lead: bool) -> Option<(usize, usize)> {
    let folded: Vec<String> = words.iter().map(|w| clean(w)).collect();
    // A hyphenated token ("Mori-Whitfield", "Mei-Lin") names by its first and last parts.
    let parts: Vec<Vec<String>> = words.iter().map(|w| crate::lead::name_words(w)).collect();
    let is_first = |i: usize| parts[i].first().is_some_and(|p| p == matcher.first());
    let is_last = |i: usize| parts[i].last().is_some_and(|p| p == matcher.last());
    for (i, part) in parts.iter().enumerate() {
        if is_first(i) {
            if part.len() > 1 && is_last(i) {
                return Some((i, i + 1));
            }
            if let Some(k) = (i + 1..words.len().min(i + 4)).find(|&j| is_last(j)) {
                return Some((i, k + 1));
            }
        }
    }
    // "Okafor, Adaeze N." (a directory's order), with initials, middle names and an honorific
    // after the first name.
    for i in 0..folded.len().saturating_sub(1) {
        if is_last(i) && words[i].ends_with(',') && is_first(i + 1) {
            let mut end = i + 2;
            while end < words.len() && end < i + 4 {
                let word = words[end].trim_matches(['(', ')', ',']);
                let initial = word.trim_end_matches('.').chars().count() == 1
                    && word.chars().next().is_some_and(char::is_uppercase);
                let middle = word.chars().next().is_some_and(char::is_uppercase)
                    && word.chars().all(|c| c.is_alphabetic() || c == '-')
                    && !vocab::is_title_word(word)
                    && !words[end - 1].ends_with([',', ')']);
                if !(initial || middle || crate::lead::is_honorific(word)) {
                    break;
                }
                end += 1;
            }
            return Some((i, end));
        }
    }
    if about_lead
        && let Some(first) = folded.first()
        && matches!(first.as_str(), "he" | "she" | "they" | "i" | "im")
    {
        return Some((0, if first == "im" { 0 } else { 1 }));
    }
    // A surname (or, in a scope about the lead, a first name) alone, when it is not part of a
    // longer proper name ("Quill Works").
    let alone = |i: usize| {
        !words[i].ends_with(|c: char| c.is_alphanumeric())
            || !words
                .get(i + 1)
                .is_some_and(|n| n.chars().next().is_some_and(char::is_uppercase))
    };
    if let Some(i) = (0..folded.len()).find(|&i| is_last(i) && alone(i)) {
        return Some((i, i + 1));
    }
    if about_lead && let Some(i) = (0..folded.len()).find(|&i| is_first(i) && alone(i)) {
        return Some((i, i + 1));
    }
    None
}

/// Facts of one sentence that mentions the lead.
/// "Acme's head of production" at the start of `words`: the company (capitalised words ending
/// in a possessive) and the title after it.
fn possessive_title(words: &[&str]) -> Option<(String, String)> {
    let owner_end = words.iter().take(5).position(|w| {
        let w = w.trim_end_matches([',', '.']);
        w.ends_with("'s")
            || w.ends_with('\'')
            || w.ends_with("\u{2019}s")
            || w.ends_with('\u{2019}')
    })?;
    let owner = &words[..=owner_end];
    if !owner.iter().all(|w| {
        w.chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c == '&')
    }) {
        return None;
    }
    let company = company_span(owner).filter(|c| c.split_whitespace().count() == owner.len())?;
    let rest = &words[owner_end + 1..];
    // The appositive runs to its comma or the sentence's end: "head of production."
    let n = rest
        .iter()
        .position(|w| w.ends_with([',', ';', '.']))
        .map_or(rest.len(), |i| i + 1);
    let n = if n <= 6
        && rest.first().is_some_and(|w| vocab::is_title_word(w))
        && rest[..n].iter().any(|w| vocab::is_title_head(w))
    {
        n
    } else {
        title_prefix(rest)?
    };
    let title = trim_title(&rest[..n]);
    (!title.is_empty()).then_some((company, title))
}

fn sentence_facts(sentence: &str, matcher: &NameMatcher, about_lead: bool) -> Vec<Fact> {
    let words: Vec<&str> = sentence.split_whitespace().collect();
    let Some((start, end)) = mention(&words, matcher, about_lead) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let before = &words[..start];
    let after = &words[end..];
    let former_before = has_former_marker(&before[before.len().saturating_sub(2)..]);

    // "(Staff Engineer, Acme)" right after the name.
    if let Some(first) = after.first()
        && first.starts_with('(')
        && let Some(close) = after.iter().position(|w| w.contains(')'))
    {
        let inside = after[..=close].join(" ");
        let inside = inside.trim_matches(['(', ')', ',', '.']);
        if let Some((title, company)) = split_title_company(inside) {
            out.push(Fact::new(FieldKind::Title, title, Source::Prose).former(former_before));
            if let Some(company) = company {
                out.push(
                    Fact::new(FieldKind::Company, company, Source::Prose).former(former_before),
                );
            }
        } else if let Some(company) = company_span(&inside.split_whitespace().collect::<Vec<_>>())
            .filter(|c| c.split_whitespace().count() == inside.split_whitespace().count())
        {
            // "Priya Nair (Tarnwell)": a company alone in brackets.
            out.push(Fact::new(FieldKind::Company, company, Source::Prose).former(former_before));
        }
    }

    // Title (and company) before the name: "Acme CTO Ada Quill", "Acme's chief scientist, Ada".
    let mut t = before.len();
    while t > 0
        && vocab::is_title_word(before[t - 1])
        && !(t < before.len() && before[t - 1].ends_with(','))
    {
        t -= 1;
    }
    while t < before.len()
        && matches!(
            clean(before[t]).as_str(),
            "and" | "of" | "the" | "for" | "in" | "to" | ""
        )
    {
        t += 1;
    }
    if t < before.len() {
        let title_words = &before[t..];
        if title_words.iter().any(|w| vocab::is_title_head(w)) {
            let title = trim_title(title_words);
            let mut c = t;
            while c > 0
                && (before[c - 1].chars().next().is_some_and(char::is_uppercase)
                    || before[c - 1] == "&")
                && !FORMER.contains(&clean(before[c - 1]).as_str())
                && t - c < 5
            {
                c -= 1;
            }
            let company_words = &before[c..t];
            let possessive = company_words.last().is_some_and(|w| {
                w.ends_with("'s")
                    || w.ends_with('\'')
                    || w.ends_with("\u{2019}s")
                    || w.ends_with('\u{2019}')
            });
            let company =
                company_span(company_words).filter(|_| possessive || company_words.len() <= 3);
            let former = has_former_marker(&before[c.saturating_sub(2)..]);
            if !title.is_empty() && !title.split_whitespace().all(|w| clean(w) == "chief") {
                out.push(Fact::new(FieldKind::Title, title, Source::Prose).former(former));
            }
            if let Some(company) = company {
                out.push(Fact::new(FieldKind::Company, company, Source::Prose).former(former));
            }
        }
    }

    // "Acme has named Ada Quill (as) its CTO": title after, company at the start.
    let announce = before.iter().rposition(|w| {
        matches!(
            clean(w).as_str(),
            "named"
                | "appointed"
                | "promoted"
                | "hired"
                | "welcomes"
                | "welcomed"
                | "announced"
                | "names"
                | "appoints"
                | "promotes"
        )
    });
    if let Some(verb) = announce {
        // The company is the run of capitalised words just before the verb ("... maker Acme
        // has appointed"), after auxiliaries and time words.
        let mut end = verb;
        while end > 0
            && matches!(
                clean(before[end - 1]).as_str(),
                "has"
                    | "have"
                    | "today"
                    | "officially"
                    | "recently"
                    | "formally"
                    | "this"
                    | "week"
                    | "on"
                    | "monday"
                    | "tuesday"
                    | "wednesday"
                    | "thursday"
                    | "friday"
            )
        {
            end -= 1;
        }
        let mut start = end;
        while start > 0
            && end - start < 5
            && (before[start - 1]
                .chars()
                .next()
                .is_some_and(char::is_uppercase)
                || before[start - 1] == "&")
        {
            start -= 1;
        }
        let mut company = None;
        for s in start..end {
            if let Some(c) = company_span(&before[s..end]) {
                company = Some(c);
                break;
            }
        }
        if let Some(company) = company {
            out.push(Fact::new(FieldKind::Company, company, Source::Prose));
        }
        let rest: Vec<&str> = after
            .iter()
            .copied()
            .skip_while(|w| LEAD_IN.contains(&clean(w).as_str()) || w.starts_with(','))
            .collect();
        if let Some(n) = title_prefix(&rest) {
            out.push(Fact::new(
                FieldKind::Title,
                trim_title(&rest[..n]),
                Source::Prose,
            ));
        }
        return out;
    }

    if let Some(place) = location_in(after) {
        out.push(Fact::new(FieldKind::Location, place, Source::Prose));
    }

    // Clauses after the name.
    let mut clause: Vec<&str> = Vec::new();
    let mut first_clause = true;
    let appositive = words[..end].last().is_some_and(|w| w.ends_with(','));
    // "says Ada Quill, Acme's head of production": a possessive company, then the title.
    if appositive && let Some((company, title)) = possessive_title(after) {
        out.push(Fact::new(FieldKind::Company, company, Source::Prose).former(former_before));
        out.push(Fact::new(FieldKind::Title, title, Source::Prose).former(former_before));
        return out;
    }
    let mut previous: Vec<&str> = Vec::new();
    for word in after {
        clause.push(word);
        if word.ends_with(',') || word.ends_with(';') {
            // Keep "CTO, Acme" together in an appositive first clause.
            if first_clause && appositive && clause.len() <= 6 && title_prefix(&clause).is_some() {
                continue;
            }
            flush_clause(
                &mut clause,
                &mut previous,
                first_clause && former_before,
                &mut out,
            );
            first_clause = false;
        }
    }
    flush_clause(
        &mut clause,
        &mut previous,
        first_clause && former_before,
        &mut out,
    );
    // "joined as a Lecturer in 2009 and was promoted to Professor": the later title is the
    // current one.
    let promoted = after.iter().position(|w| {
        matches!(
            clean(w).as_str(),
            "promoted" | "became" | "becoming" | "rose"
        )
    });
    if let Some(at) = promoted {
        let later = &after[at + 1..];
        let later_title = later
            .iter()
            .position(|w| !LEAD_IN.contains(&clean(w).as_str()))
            .and_then(|skip| {
                title_prefix(&later[skip..]).map(|n| trim_title(&later[skip..skip + n]))
            });
        if let Some(later_title) = later_title {
            for fact in out.iter_mut().filter(|f| f.kind == FieldKind::Title) {
                if fact.value != later_title {
                    fact.former = true;
                }
            }
            if !out
                .iter()
                .any(|f| f.kind == FieldKind::Title && f.value == later_title)
            {
                out.push(Fact::new(FieldKind::Title, later_title, Source::Prose));
            }
        }
    }
    out
}

/// Reads one clause after a name into `out`, and keeps it as the clause before the next.
fn flush_clause<'w>(
    clause: &mut Vec<&'w str>,
    previous: &mut Vec<&'w str>,
    former_context: bool,
    out: &mut Vec<Fact>,
) {
    if !clause.is_empty() {
        let facts = clause_facts(clause, former_context, Source::Prose);
        // "at Acme, where I'm a Staff Engineer": the company of the clause before.
        let starts_where = clause.first().is_some_and(|w| clean(w) == "where");
        if starts_where
            && let Some(title) = facts.iter().find(|f| f.kind == FieldKind::Title)
            && let Some(at) = previous
                .iter()
                .rposition(|w| matches!(clean(w).as_str(), "at" | "for"))
            && let Some(company) = company_span(&previous[at + 1..])
        {
            let former = title.former;
            out.push(Fact::new(FieldKind::Company, company, Source::Prose).former(former));
        }
        out.extend(facts);
    }
    *previous = std::mem::take(clause);
}

/// Sentences of a text (split after `.`, `!`, `?` before a capital, abbreviations kept).
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, word) in words.iter().enumerate() {
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
        let ends =
            word.ends_with(['.', '!', '?']) || word.ends_with(".\"") || word.ends_with(".\u{201d}");
        let abbreviation = matches!(
            word.trim_end_matches('.').to_lowercase().as_str(),
            "inc"
                | "co"
                | "ltd"
                | "sr"
                | "jr"
                | "dr"
                | "mr"
                | "mrs"
                | "ms"
                | "st"
                | "corp"
                | "vs"
                | "e.g"
                | "i.e"
                | "u.s"
                | "prof"
                | "no"
        ) || word.len() == 2
            && word.chars().next().is_some_and(char::is_uppercase);
        let next_upper = words.get(i + 1).is_some_and(|n| {
            n.chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || c == '"' || c == '\u{201c}')
        });
        if ends && !abbreviation && next_upper {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The facts of text lines in a scope about (or mentioning) the lead. `about_lead` is true for
/// a card or a page known to be about the lead: then short lines count without the name, and
/// "she"/"he"/"I" sentences are about the lead.
pub fn read_segments(segments: &[String], matcher: &NameMatcher, about_lead: bool) -> Vec<Fact> {
    let mut out = Vec::new();
    let mut skip_next = false;
    for (index, segment) in segments.iter().enumerate() {
        if std::mem::take(&mut skip_next) {
            continue;
        }
        if let Some(caps) = LABELLED.as_ref().and_then(|r| r.captures(segment))
            && let (Some(label), Some(value)) = (caps.name("label"), caps.name("value"))
            && let Some(kind) = label_kind(label.as_str())
        {
            out.extend(labelled_fact(kind, value.as_str()));
            continue;
        }
        // "Location:" on a line of its own, its value on the next one.
        if let Some(label) = segment
            .trim()
            .strip_suffix(':')
            .or_else(|| segment.trim().strip_suffix('：'))
            && let Some(kind) = label_kind(label)
            && let Some(value) = segments.get(index + 1)
        {
            out.extend(labelled_fact(kind, value));
            skip_next = true;
            continue;
        }
        let words: Vec<&str> = segment.split_whitespace().collect();
        let mentions = matcher.mentioned_in(segment);
        if words.len() <= 14 && (about_lead || mentions) {
            let stripped = strip_name(segment, matcher);
            // "Professor Siobhan MacNeill", "Dr Rohan Iyer": a name line, not a title.
            if mentions
                && !stripped.is_empty()
                && stripped
                    .split_whitespace()
                    .all(|w| crate::lead::is_honorific(w.trim_matches(['(', ')', ','])))
            {
                continue;
            }
            let count = stripped.split_whitespace().count();
            // Dots inside an address or a link do not end a sentence.
            let plain: Vec<&str> = stripped
                .split_whitespace()
                .filter(|w| !w.contains('@') && !w.contains("://") && !w.starts_with("www."))
                .collect();
            let inner_punctuation = plain
                .join(" ")
                .trim_end_matches('.')
                .contains(['.', '!', '?']);
            if !stripped.is_empty()
                && count <= 12
                && !inner_punctuation
                && (!stripped.ends_with('.') || count <= 6)
            {
                // A role followed by an ended date range ("Globex", "2016 - 2019") is a past one.
                let own_range = ended_range(segment)
                    || is_current_range(segment)
                    || YEAR.as_ref().is_some_and(|r| r.is_match(segment));
                let ended_after = !own_range
                    && segments
                        .iter()
                        .skip(index + 1)
                        .take(2)
                        .take_while(|s| !looks_like_title(s))
                        .any(|s| ended_range(s) && !is_current_range(s));
                let facts: Vec<Fact> = line_facts(&stripped)
                    .into_iter()
                    .map(|f| {
                        let former = f.former || (ended_after && f.kind != FieldKind::Location);
                        f.former(former)
                    })
                    .collect();
                let found = !facts.is_empty();
                // "Vice President of Research" then "Corvid Labs": a title line and, on the next
                // line, the company alone.
                let title_alone = facts
                    .iter()
                    .find(|f| f.kind == FieldKind::Title)
                    .map(|f| f.former)
                    .filter(|_| !facts.iter().any(|f| f.kind == FieldKind::Company));
                out.extend(facts);
                if let Some(former) = title_alone {
                    let next = segments
                        .get(index + 1)
                        .and_then(|s| company_line(s, matcher));
                    let previous = index
                        .checked_sub(1)
                        .and_then(|i| segments.get(i))
                        .and_then(|s| company_line(s, matcher));
                    if let Some(company) = next.or(previous) {
                        out.push(
                            Fact::new(FieldKind::Company, company, Source::Card).former(former),
                        );
                    }
                }
                if found && !mentions {
                    continue;
                }
            }
        }
        let parts = sentences(segment);
        for sentence in &parts {
            if parts.len() > 1
                && about_lead
                && sentence.split_whitespace().count() <= 8
                && mention(
                    &sentence.split_whitespace().collect::<Vec<_>>(),
                    matcher,
                    false,
                )
                .is_none()
            {
                out.extend(line_facts(sentence.trim_end_matches('.')));
            }
            let mut facts = sentence_facts(sentence, matcher, about_lead);
            // On a page about the person, a sentence without a subject describes them:
            // "Currently Principal Designer at Ferncloud, where ...".
            let sentence_words: Vec<&str> = sentence.split_whitespace().collect();
            if facts.is_empty() && about_lead && mention(&sentence_words, matcher, false).is_none()
            {
                let start = sentence_words
                    .iter()
                    .position(|w| {
                        !matches!(
                            clean(w).as_str(),
                            "currently" | "now" | "today" | "presently"
                        )
                    })
                    .unwrap_or(0);
                if start > 0 && title_prefix(&sentence_words[start..]).is_some() {
                    let clause: Vec<&str> = sentence_words
                        .iter()
                        .copied()
                        .take_while(|w| !w.ends_with([',', ';']))
                        .chain(
                            sentence_words
                                .iter()
                                .copied()
                                .find(|w| w.ends_with([',', ';'])),
                        )
                        .collect();
                    facts = clause_facts(&clause, false, Source::Prose);
                }
            }
            // On a page about the person, "Portrait photographer based in Porto." places them.
            if facts.is_empty()
                && about_lead
                && let Some(place) = location_in(&sentence.split_whitespace().collect::<Vec<_>>())
                && mention(
                    &sentence.split_whitespace().collect::<Vec<_>>(),
                    matcher,
                    false,
                )
                .is_none()
                && !sentence.split_whitespace().next().is_some_and(|w| {
                    matches!(
                        clean(w).as_str(),
                        "we" | "our" | "the" | "they" | "it" | "its"
                    )
                })
            {
                out.push(Fact::new(FieldKind::Location, place, Source::Prose));
            }
            out.extend(facts);
        }
    }
    dedupe(out)
}

/// A line that is only a company name: a few capitalised words, not the lead, not a place, not
/// a title, not a date.
fn company_line(line: &str, matcher: &NameMatcher) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.is_empty()
        || words.len() > 5
        || matcher.mentioned_in(line)
        || ended_range(line)
        || is_current_range(line)
    {
        return None;
    }
    if words.iter().any(|w| w.chars().any(|c| c.is_ascii_digit())) || label_kind(line).is_some() {
        return None;
    }
    const INTERFACE: &[&str] = &[
        "call",
        "email",
        "mail",
        "contact",
        "bio",
        "profile",
        "linkedin",
        "github",
        "website",
        "more",
        "read",
        "view",
        "follow",
        "twitter",
        "phone",
        "message",
        "connect",
        "download",
        "about",
        "home",
        "back",
        "share",
        "talk",
        "session",
        "keynote",
        "speaker",
        "panel",
        "workshop",
        "blog",
        "posts",
        "resume",
        "cv",
        "experience",
        "education",
        "skills",
    ];
    if words.iter().any(|w| INTERFACE.contains(&clean(w).as_str())) {
        return None;
    }
    // "Engineering", "Sales & Marketing": a department, not a company.
    if words.iter().all(|w| vocab::is_title_word(w)) {
        return None;
    }
    company_span(&words).filter(|c| c.split_whitespace().count() == words.len())
}

fn dedupe(facts: Vec<Fact>) -> Vec<Fact> {
    let mut out: Vec<Fact> = Vec::new();
    for fact in facts {
        if !out
            .iter()
            .any(|f| f.kind == fact.kind && f.value == fact.value && f.former == fact.former)
        {
            out.push(fact);
        }
    }
    out
}

/// Words that open a byline ("By", "Words:", "Written by").
const BYLINE_CUES: &[&str] = &[
    "by",
    "words",
    "written",
    "story",
    "text",
    "reporting",
    "report",
    "posted",
    "author",
    "interview",
    "photos",
    "photo",
];

/// A line with the lead's name and the separators around it removed.
fn strip_name(segment: &str, matcher: &NameMatcher) -> String {
    let words: Vec<&str> = segment.split_whitespace().collect();
    let Some((start, end)) = mention(&words, matcher, false) else {
        return segment.trim().to_owned();
    };
    if end - start < 2 {
        return segment.trim().to_owned();
    }
    // "By Ada Quill, Staff Writer": the byline's cue is not part of the line's facts.
    let byline = words[..start]
        .iter()
        .all(|w| BYLINE_CUES.contains(&clean(w).as_str()));
    let mut rest: Vec<&str> = if byline {
        Vec::new()
    } else {
        words[..start].to_vec()
    };
    let last = words[end - 1];
    let tail = last.rfind(char::is_alphanumeric).map_or(last, |i| {
        &last[i + last[i..].chars().next().map_or(1, char::len_utf8)..]
    });
    if !tail.trim_matches([',', ':', '.', ')']).is_empty() {
        rest.push(tail);
    }
    rest.extend(&words[end..]);
    rest.join(" ")
        .trim_matches(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    ',' | ':' | '-' | '|' | '\u{2013}' | '\u{2014}' | '\u{00b7}' | '(' | ')'
                )
        })
        .to_owned()
}

/// The place of a line that is only an office ("Bristol office", "Cardiff Office") or a remote
/// worker's town ("Remote \u{2013} Lisbon", "Remote, Lisbon").
fn office_place(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let place: Vec<&str> = match words.as_slice() {
        [rest @ .., last]
            if matches!(
                clean(last).as_str(),
                "office" | "offices" | "studio" | "campus"
            ) =>
        {
            rest.to_vec()
        }
        [first, rest @ ..]
            if matches!(clean(first).as_str(), "remote" | "hybrid" | "remotely")
                && (first.ends_with([',', ':'])
                    || rest.first().is_some_and(|w| is_separator_token(w))) =>
        {
            rest.iter()
                .copied()
                .skip_while(|w| is_separator_token(w))
                .collect()
        }
        _ => return None,
    };
    let place = place.join(" ");
    let place = place.trim_end_matches(['.', ',']).trim();
    let proper = !place.is_empty()
        && place.split_whitespace().count() <= 4
        && place
            .split_whitespace()
            .all(|w| w.chars().next().is_some_and(char::is_uppercase));
    (proper && vocab::is_known_place(place)).then(|| place.to_owned())
}

/// Facts of a short line: a place, or a title with an optional company.
fn line_facts(line: &str) -> Vec<Fact> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let former = has_former_marker(&words) || ended_range(line);
    let cleaned: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !FORMER.contains(&clean(w).as_str()) || clean(w) == "before")
        .collect();
    let cleaned = cleaned.join(" ");
    let cleaned = cleaned
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .trim();
    let mut out = Vec::new();
    // "Bristol office", "Remote \u{2013} Lisbon": the place is the office's, or where the
    // remote worker is.
    if let Some(place) = office_place(cleaned) {
        out.push(Fact::new(FieldKind::Location, place, Source::Card));
        return out;
    }
    let place = vocab::tidy_place(cleaned);
    let proper = place.split_whitespace().all(|w| {
        w.chars().next().is_some_and(char::is_uppercase)
            || matches!(w, "de" | "of" | "am" | "upon" | "la" | "del")
    });
    if proper
        && place.split_whitespace().count() <= 5
        && is_known_place(&place)
        && !looks_like_title(&place)
    {
        out.push(Fact::new(
            FieldKind::Location,
            place.trim_end_matches('.'),
            Source::Card,
        ));
        return out;
    }
    if let Some(place) = location_in(&cleaned.split_whitespace().collect::<Vec<_>>()) {
        out.push(Fact::new(FieldKind::Location, place, Source::Card));
        return out;
    }
    // "Sales Manager, Stockholm": a place after the last comma.
    let mut cleaned = cleaned;
    if let Some((rest, place)) = cleaned.rsplit_once(", ")
        && is_known_place(place)
        && place
            .split_whitespace()
            .all(|w| w.chars().next().is_some_and(char::is_uppercase))
        && looks_like_title(rest)
    {
        out.push(Fact::new(
            FieldKind::Location,
            place.trim_end_matches('.'),
            Source::Card,
        ));
        cleaned = rest;
    }
    if let Some((title, company)) = split_title_company(cleaned) {
        out.push(Fact::new(FieldKind::Title, title, Source::Card).former(former));
        if let Some(company) = company {
            out.push(Fact::new(FieldKind::Company, company, Source::Card).former(former));
        }
    }
    out
}

/// The fact of a labelled value (`Role: CTO at Acme`, `Email: ada [at] quill [dot] example`).
pub fn labelled_fact(kind: FieldKind, value: &str) -> Vec<Fact> {
    let value = value.trim();
    if value.is_empty() {
        return Vec::new();
    }
    match kind {
        FieldKind::Email => super::emails::decode(value)
            .map(|e| Fact::new(FieldKind::Email, e, Source::Labelled))
            .into_iter()
            .collect(),
        FieldKind::Title => {
            let former = ended_range(value)
                || has_former_marker(&value.split_whitespace().collect::<Vec<_>>());
            match split_title_company(value) {
                Some((title, company)) => {
                    let mut out =
                        vec![Fact::new(FieldKind::Title, title, Source::Labelled).former(former)];
                    if let Some(company) = company {
                        out.push(
                            Fact::new(FieldKind::Company, company, Source::Labelled).former(former),
                        );
                    }
                    out
                }
                None => vec![
                    Fact::new(FieldKind::Title, strip_ranges(value), Source::Labelled)
                        .former(former),
                ],
            }
        }
        FieldKind::Linkedin | FieldKind::Github => {
            let url = if value.starts_with("http") {
                value.to_owned()
            } else {
                format!("https://{}", value.trim_start_matches('@'))
            };
            match super::links::profile_kind(&url) {
                Some(k) => vec![Fact::new(k, url, Source::Labelled)],
                None if kind == FieldKind::Github
                    && !value.contains('/')
                    && !value.contains(' ') =>
                {
                    vec![Fact::new(
                        FieldKind::Github,
                        format!("https://github.com/{}", value.trim_start_matches('@')),
                        Source::Labelled,
                    )]
                }
                None => Vec::new(),
            }
        }
        FieldKind::PersonalWebsite => {
            let url = if value.starts_with("http") {
                value.to_owned()
            } else {
                format!("https://{value}")
            };
            if url::Url::parse(&url).is_ok() && !value.contains(' ') {
                vec![Fact::new(FieldKind::PersonalWebsite, url, Source::Labelled)]
            } else {
                Vec::new()
            }
        }
        FieldKind::Company => company_span(
            &value
                .trim_start_matches('@')
                .split_whitespace()
                .collect::<Vec<_>>(),
        )
        .or_else(|| {
            Some(
                value
                    .trim_start_matches('@')
                    .trim_end_matches('.')
                    .to_owned(),
            )
        })
        .map(|c| Fact::new(FieldKind::Company, c, Source::Labelled).former(ended_range(value)))
        .into_iter()
        .collect(),
        FieldKind::Phone if value.chars().filter(char::is_ascii_digit).count() >= 6 => {
            vec![Fact::new(FieldKind::Phone, value, Source::Labelled)]
        }
        FieldKind::Phone | FieldKind::Name => Vec::new(),
        FieldKind::Location => {
            // "Office: Kings Building 2.14" is a room; an address gives its town.
            let place = if value.contains('\n') || value.chars().any(|c| c.is_ascii_digit()) {
                super::address::town_of(value)
            } else {
                let place = vocab::tidy_place(value.trim_end_matches('.'));
                (place.split_whitespace().count() <= 6).then_some(place)
            };
            place
                .map(|p| Fact::new(FieldKind::Location, p, Source::Labelled))
                .into_iter()
                .collect()
        }
        other => vec![Fact::new(
            other,
            value.trim_end_matches('.'),
            Source::Labelled,
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fact as the tables write it: kind, value, former.
    type Got = (FieldKind, String, bool);

    fn facts(text: &str, about: bool) -> Vec<Got> {
        let m = NameMatcher::new("Ada Quill").unwrap();
        read_segments(&[text.to_owned()], &m, about)
            .into_iter()
            .map(|f| (f.kind, f.value, f.former))
            .collect()
    }

    fn t(value: &str) -> (FieldKind, String, bool) {
        (FieldKind::Title, value.to_owned(), false)
    }
    fn c(value: &str) -> (FieldKind, String, bool) {
        (FieldKind::Company, value.to_owned(), false)
    }
    fn l(value: &str) -> (FieldKind, String, bool) {
        (FieldKind::Location, value.to_owned(), false)
    }
    fn former(mut f: (FieldKind, String, bool)) -> (FieldKind, String, bool) {
        f.2 = true;
        f
    }

    #[test]
    fn sentence_patterns() {
        let table: Vec<(&str, Vec<Got>)> = vec![
            (
                "Ada Quill is the Chief Technology Officer at Quill Works.",
                vec![t("Chief Technology Officer"), c("Quill Works")],
            ),
            (
                "Ada Quill, CTO of Quill Works, said the robots are ready.",
                vec![t("CTO"), c("Quill Works")],
            ),
            (
                "Quill Works CTO Ada Quill spoke first.",
                vec![t("CTO"), c("Quill Works")],
            ),
            (
                "Quill Works' head of research, Ada Quill, spoke.",
                vec![t("head of research"), c("Quill Works")],
            ),
            (
                "Quill Works has named Ada Quill as its new Chief Operating Officer.",
                vec![c("Quill Works"), t("Chief Operating Officer")],
            ),
            (
                "Ada Quill joined Quill Works as VP of Engineering in 2021.",
                vec![c("Quill Works"), t("VP of Engineering")],
            ),
            (
                "Ada Quill was previously a Senior Engineer at Globex.",
                vec![former(t("Senior Engineer")), former(c("Globex"))],
            ),
            (
                "Ada Quill, formerly of Globex, is now Director of Product at Quill Works.",
                vec![
                    former(c("Globex")),
                    t("Director of Product"),
                    c("Quill Works"),
                ],
            ),
            (
                "Ada Quill is based in Lisbon, Portugal.",
                vec![l("Lisbon, Portugal")],
            ),
            ("Ada Quill writes code and rides bikes.", vec![]),
            (
                "A Lisbon-based engineer, Ada Quill writes code.",
                vec![(FieldKind::Title, "engineer".into(), false)],
            ),
            (
                "Ada Quill (Staff Engineer, Quill Works) will talk about robots.",
                vec![t("Staff Engineer"), c("Quill Works")],
            ),
            ("Bo Lind is the CEO of Other Co.", vec![]),
            (
                "Ada Quill, the company's chief technology officer, said so.",
                vec![t("chief technology officer")],
            ),
            (
                "\u{201c}We fire everything here,\u{201d} says Ada Quill, Quill Works\u{2019} head of production.",
                vec![c("Quill Works"), t("head of production")],
            ),
            (
                "The charity Stepwell has promoted Ada Quill to director of operations.",
                vec![c("Stepwell"), t("director of operations")],
            ),
        ];
        for (text, want) in table {
            assert_eq!(facts(text, false), want, "{text}");
        }
    }

    #[test]
    fn card_lines() {
        let table: Vec<(&str, Vec<Got>)> = vec![
            (
                "Staff Engineer, Quill Works",
                vec![t("Staff Engineer"), c("Quill Works")],
            ),
            ("Co-Founder & CEO", vec![t("Co-Founder & CEO")]),
            (
                "Quill Works — Head of Design",
                vec![t("Head of Design"), c("Quill Works")],
            ),
            ("Lisbon, Portugal", vec![l("Lisbon, Portugal")]),
            (
                "Ada Quill — VP Sales at Quill Works",
                vec![t("VP Sales"), c("Quill Works")],
            ),
            (
                "Senior Engineer, Globex (2016–2019)",
                vec![former(t("Senior Engineer")), former(c("Globex"))],
            ),
            (
                "Former CTO at Globex",
                vec![former(t("CTO")), former(c("Globex"))],
            ),
            (
                "Role: Principal Designer",
                vec![(FieldKind::Title, "Principal Designer".into(), false)],
            ),
            (
                "Email: ada [at] quill [dot] example",
                vec![(FieldKind::Email, "ada@quill.example".into(), false)],
            ),
            ("She lives in Porto.", vec![l("Porto")]),
            (
                "I lead things as Senior Software Engineer at Quill Works.",
                vec![t("Senior Software Engineer"), c("Quill Works")],
            ),
            ("Read more", vec![]),
            (
                "Sales Manager, Stockholm",
                vec![l("Stockholm"), t("Sales Manager")],
            ),
            (
                "Executive Director at Quill Works \u{00b7} Water, sanitation and finance",
                vec![t("Executive Director"), c("Quill Works")],
            ),
            ("Bristol office", vec![l("Bristol")]),
            ("Remote \u{2013} Lisbon", vec![l("Lisbon")]),
            ("Ada Quill (@aquill) \u{2014} chair; Quill Works", vec![]),
            ("aquill) \u{2014} chair; Quill Works", vec![]),
            (
                "Staff Engineer @quillworks",
                vec![t("Staff Engineer"), c("quillworks")],
            ),
            ("aquill) \u{2014} chair; Quill Systems", vec![]),
        ];
        for (text, want) in table {
            assert_eq!(facts(text, true), want, "{text}");
        }
    }

    #[test]
    fn splitting_sentences() {
        assert_eq!(
            sentences("Ada joined Acme Inc. in 2020. She is the CTO. Dr. Lind agrees!"),
            vec![
                "Ada joined Acme Inc. in 2020.",
                "She is the CTO.",
                "Dr. Lind agrees!"
            ]
        );
    }
}
