//! OpenGraph and other `<meta>` tags: the site name, the page's title as a "Name - Title -
//! Company | Site" line, profile names, places, descriptions and dates.

use scraper::{Html, Selector};

use super::{Fact, Source, vocab};
use crate::fields::FieldKind;

/// What a page's meta tags say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetaTags {
    /// `og:site_name`.
    pub site_name: Option<String>,
    /// `og:title` (or `twitter:title`).
    pub og_title: Option<String>,
    /// Descriptions (`og:description`, `description`, `twitter:description`).
    pub descriptions: Vec<String>,
    /// Facts about the page's subject (used when the page is about the lead).
    pub facts: Vec<Fact>,
    /// The page's date (modified, else published) as `yyyymmdd`.
    pub date: Option<u32>,
}

/// Reads the `<meta>` tags of a page.
pub fn read(document: &Html) -> MetaTags {
    let mut out = MetaTags::default();
    let Ok(selector) = Selector::parse("meta[content]") else {
        return out;
    };
    let mut modified = None;
    let mut published = None;
    let mut first = None;
    let mut last = None;
    let mut place: Vec<String> = Vec::new();
    for tag in document.select(&selector) {
        let key = tag
            .value()
            .attr("property")
            .or_else(|| tag.value().attr("name"))
            .or_else(|| tag.value().attr("itemprop"))
            .unwrap_or("")
            .to_ascii_lowercase();
        let Some(content) = tag
            .value()
            .attr("content")
            .map(str::trim)
            .filter(|c| !c.is_empty())
        else {
            continue;
        };
        match key.as_str() {
            "og:site_name" | "application-name" => {
                out.site_name.get_or_insert_with(|| content.to_owned());
            }
            "og:title" | "twitter:title" => {
                out.og_title.get_or_insert_with(|| content.to_owned());
            }
            "og:description" | "description" | "twitter:description"
                if !out.descriptions.iter().any(|d| d == content) =>
            {
                out.descriptions.push(content.to_owned());
            }
            "profile:first_name" => first = Some(content.to_owned()),
            "profile:last_name" => last = Some(content.to_owned()),
            "og:locality" | "geo.placename" | "og:region" | "og:country-name"
            | "profile:location" => {
                place.push(content.to_owned());
            }
            "article:modified_time" | "og:updated_time" | "dcterms.modified" | "last-modified" => {
                modified = modified.max(super::dates::parse(content, true));
            }
            "article:published_time" | "date" | "dcterms.date" | "dc.date" | "pubdate" => {
                published = published.max(super::dates::parse(content, true));
            }
            "email" | "contact:email" => {
                if let Some(email) = super::emails::decode(content) {
                    out.facts
                        .push(Fact::new(FieldKind::Email, email, Source::Meta));
                }
            }
            _ => {}
        }
    }
    out.date = modified.or(published);
    if let (Some(f), Some(l)) = (first, last) {
        out.facts
            .push(Fact::new(FieldKind::Name, format!("{f} {l}"), Source::Meta));
    }
    if !place.is_empty() {
        out.facts.push(Fact::new(
            FieldKind::Location,
            place.join(", "),
            Source::Meta,
        ));
    }
    if let Some(title) = out.og_title.clone() {
        out.facts
            .extend(title_parts(&title, out.site_name.as_deref()));
    }
    out
}

/// Facts of a "Name - Title - Company | Site" title: the parts after the name, a title-like
/// one as the title, then a following one as the company (never the site's own name).
pub fn title_parts(title: &str, site_name: Option<&str>) -> Vec<Fact> {
    let joined = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let parts = split_parts(&joined);
    let mut out = Vec::new();
    let mut saw_title = false;
    for part in parts.iter().skip(1) {
        let part = part.trim();
        let platform = ["linkedin", "github", "twitter", "profile", "home"]
            .iter()
            .any(|p| part.eq_ignore_ascii_case(p));
        if part.is_empty() || platform || site_name.is_some_and(|s| s.eq_ignore_ascii_case(part)) {
            continue;
        }
        if !saw_title && vocab::looks_like_title(part) {
            if let Some((t, c)) = super::prose::split_title_company(part) {
                out.push(Fact::new(FieldKind::Title, t, Source::Meta));
                if let Some(c) = c {
                    out.push(Fact::new(FieldKind::Company, c, Source::Meta));
                }
            }
            saw_title = true;
        } else if saw_title
            && !vocab::is_known_place(part)
            && part.chars().next().is_some_and(char::is_uppercase)
        {
            out.push(Fact::new(FieldKind::Company, part, Source::Meta));
            break;
        }
    }
    out
}

/// Splits a title line at ` | `, ` - `, en and em dashes, middle dots.
pub fn split_parts(line: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = line;
    let separators = [
        " | ",
        " - ",
        " \u{2013} ",
        " \u{2014} ",
        " \u{00b7} ",
        " :: ",
    ];
    loop {
        let next = separators
            .iter()
            .filter_map(|s| rest.find(s).map(|i| (i, s.len())))
            .min();
        match next {
            Some((i, len)) => {
                parts.push(&rest[..i]);
                rest = &rest[i + len..];
            }
            None => {
                parts.push(rest);
                return parts;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn og_tags() {
        let doc = Html::parse_document(
            r#"<head><meta property="og:title" content="Ada Quill - Chief Technology Officer - Quill Works | LinkedIn">
            <meta property="og:site_name" content="LinkedIn">
            <meta name="description" content="CTO at Quill Works. Lisbon.">
            <meta property="profile:first_name" content="Ada"><meta property="profile:last_name" content="Quill">
            <meta property="og:locality" content="Lisbon"><meta property="og:country-name" content="Portugal">
            <meta property="article:published_time" content="2021-04-01"><meta property="article:modified_time" content="2023-04-01">
            </head>"#,
        );
        let tags = read(&doc);
        assert_eq!(tags.site_name.as_deref(), Some("LinkedIn"));
        assert_eq!(tags.date, Some(20230401));
        assert_eq!(tags.descriptions, vec!["CTO at Quill Works. Lisbon."]);
        let got: Vec<(FieldKind, &str)> = tags
            .facts
            .iter()
            .map(|f| (f.kind, f.value.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (FieldKind::Name, "Ada Quill"),
                (FieldKind::Location, "Lisbon, Portugal"),
                (FieldKind::Title, "Chief Technology Officer"),
                (FieldKind::Company, "Quill Works"),
            ]
        );
    }

    #[test]
    fn title_lines() {
        let facts = title_parts("Bo Lind | Staff Engineer at Fern Labs", None);
        let got: Vec<&str> = facts.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(got, vec!["Staff Engineer", "Fern Labs"]);
        assert!(title_parts("Bo Lind", None).is_empty());
        assert!(title_parts("Bo Lind - Lisbon", None).is_empty());
    }
}
