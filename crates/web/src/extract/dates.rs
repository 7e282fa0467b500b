//! Page dates: ISO dates, `March 3, 2021`, `3 March 2021`, `2021-03`, a bare year; read from
//! `<time datetime>`, and from "Updated / Published / Posted" lines in the text. Dates are
//! compared as `yyyymmdd` numbers (a missing month or day counts as the 1st).

use std::sync::LazyLock;

use regex::Regex;
use scraper::{Html, Selector};

const MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

static ISO: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)(?:-(?P<d>\d\d))?").ok());
static MONTH_FIRST: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(?:(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+)?(?P<y>(?:19|20)\d\d)\b").ok()
});
static DAY_FIRST: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+(?P<y>(?:19|20)\d\d)\b").ok()
});
static YEAR: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b(?P<y>(?:19|20)\d\d)\b").ok());
static LABELLED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:last\s+updated|updated|published|posted|date|modified|as of)\b\s*(?:on)?\s*:?\s*(?P<rest>.{0,40})").ok()
});

fn number(value: Option<regex::Match<'_>>) -> Option<u32> {
    value.and_then(|m| m.as_str().parse().ok())
}

fn month(name: Option<regex::Match<'_>>) -> Option<u32> {
    let name = name?.as_str().to_lowercase();
    MONTHS
        .iter()
        .position(|m| name.starts_with(m))
        .map(|i| i as u32 + 1)
}

fn pack(year: u32, month: u32, day: u32) -> Option<u32> {
    ((1900..=2100).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day))
        .then_some(year * 10_000 + month * 100 + day)
}

/// The first date in the text as `yyyymmdd`; a bare year only when `allow_year`.
pub fn parse(text: &str, allow_year: bool) -> Option<u32> {
    if let Some(c) = ISO.as_ref().and_then(|r| r.captures(text)) {
        return pack(
            number(c.name("y"))?,
            number(c.name("m"))?,
            number(c.name("d")).unwrap_or(1),
        );
    }
    for regex in [DAY_FIRST.as_ref(), MONTH_FIRST.as_ref()]
        .into_iter()
        .flatten()
    {
        if let Some(c) = regex.captures(text) {
            return pack(
                number(c.name("y"))?,
                month(c.name("mon"))?,
                number(c.name("d")).unwrap_or(1),
            );
        }
    }
    if allow_year && let Some(c) = YEAR.as_ref().and_then(|r| r.captures(text)) {
        return pack(number(c.name("y"))?, 1, 1);
    }
    None
}

/// A page's date from `<time datetime>` or an "Updated / Published" line.
pub fn from_page(document: &Html) -> Option<u32> {
    if let Ok(selector) = Selector::parse("time[datetime]") {
        let newest = document
            .select(&selector)
            .filter_map(|t| t.value().attr("datetime").and_then(|d| parse(d, true)))
            .max();
        if newest.is_some() {
            return newest;
        }
    }
    let text = super::html::text_of(document.root_element());
    let labelled = LABELLED.as_ref()?;
    labelled
        .captures_iter(&text)
        .filter_map(|c| c.name("rest").and_then(|r| parse(r.as_str(), true)))
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        for (text, year_ok, want) in [
            ("2023-05-17T10:00:00Z", false, Some(20230517)),
            ("2021-03", false, Some(20210301)),
            ("March 3, 2021", false, Some(20210303)),
            ("Sept. 2019", false, Some(20190901)),
            ("3rd March 2021", false, Some(20210303)),
            ("14 Feb 2020", false, Some(20200214)),
            ("in 2018 we", true, Some(20180101)),
            ("in 2018 we", false, None),
            ("no date", true, None),
            ("2023-13-01", false, None),
        ] {
            assert_eq!(parse(text, year_ok), want, "{text}");
        }
    }

    #[test]
    fn page_dates() {
        let doc = Html::parse_document("<p>Last updated: June 2, 2024</p><p>Posted 2019</p>");
        assert_eq!(from_page(&doc), Some(20240602));
        let doc = Html::parse_document(r#"<time datetime="2022-01-05">Jan 5</time>"#);
        assert_eq!(from_page(&doc), Some(20220105));
        assert_eq!(from_page(&Html::parse_document("<p>nothing</p>")), None);
    }
}
