//! Links: `mailto:` and `tel:` targets, profile URLs (LinkedIn `/in/...`, GitHub users), and
//! links to a personal site (`rel="me"`, or labelled website, homepage, blog).

use scraper::{ElementRef, Selector};

use super::{Fact, Source};
use crate::fields::FieldKind;
use crate::normalize;

/// GitHub paths that are not user profiles.
const GITHUB_RESERVED: &[&str] = &[
    "about",
    "features",
    "topics",
    "orgs",
    "sponsors",
    "login",
    "join",
    "pricing",
    "explore",
    "marketplace",
    "settings",
    "notifications",
    "search",
    "trending",
    "collections",
    "events",
    "enterprise",
    "team",
    "security",
    "site",
    "contact",
    "readme",
    "apps",
];

/// The kind of a profile URL: a LinkedIn member page or a GitHub user page.
///
/// ```
/// use sixtyfour_web::{extract::links::profile_kind, FieldKind};
///
/// assert_eq!(profile_kind("https://www.linkedin.com/in/ada-quill/"), Some(FieldKind::Linkedin));
/// assert_eq!(profile_kind("https://github.com/adaq"), Some(FieldKind::Github));
/// assert_eq!(profile_kind("https://github.com/adaq/some-repo"), None);
/// assert_eq!(profile_kind("https://www.linkedin.com/company/quill"), None);
/// ```
pub fn profile_kind(url: &str) -> Option<FieldKind> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    let host = parsed.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let segments: Vec<&str> = parsed.path().split('/').filter(|s| !s.is_empty()).collect();
    if host.ends_with("linkedin.com") {
        return (segments.len() >= 2 && matches!(segments[0], "in" | "pub"))
            .then_some(FieldKind::Linkedin);
    }
    if host == "github.com" {
        return (segments.len() == 1
            && !GITHUB_RESERVED.contains(&segments[0].to_ascii_lowercase().as_str()))
        .then_some(FieldKind::Github);
    }
    None
}

/// True for hosts that are never a personal site (networks, code hosts, search engines).
pub fn is_platform(host: &str) -> bool {
    let host = host.trim_start_matches("www.");
    [
        "linkedin.com",
        "github.com",
        "twitter.com",
        "x.com",
        "facebook.com",
        "instagram.com",
        "youtube.com",
        "medium.com",
        "gitlab.com",
        "google.com",
        "bing.com",
        "mastodon.social",
        "bsky.app",
        "t.co",
        "wikipedia.org",
    ]
    .iter()
    .any(|p| host == *p || host.ends_with(&format!(".{p}")))
}

/// The absolute form of a link on `page_url`.
fn absolute(page_url: &str, href: &str) -> Option<String> {
    let base = url::Url::parse(page_url).ok()?;
    base.join(href.trim()).ok().map(|u| u.to_string())
}

/// Link facts within a scope.
pub fn read(scope: ElementRef<'_>, page_url: &str, whole_page: bool) -> Vec<Fact> {
    let Ok(selector) = Selector::parse("a[href], link[href][rel]") else {
        return Vec::new();
    };
    let page_host = normalize::host(page_url);
    let mut out = Vec::new();
    for link in scope.select(&selector) {
        let Some(href) = link.value().attr("href") else {
            continue;
        };
        let href = href.trim();
        let lower = href.to_ascii_lowercase();
        if lower.starts_with("mailto:") {
            if let Some(email) = super::emails::decode(href) {
                out.push(Fact::new(FieldKind::Email, email, Source::Link));
            }
            continue;
        }
        if let Some(number) = lower.strip_prefix("tel:") {
            let number = href.get(4..).unwrap_or(number).trim().to_owned();
            if number.chars().filter(char::is_ascii_digit).count() >= 6 {
                out.push(Fact::new(FieldKind::Phone, number, Source::Link));
            }
            continue;
        }
        let Some(target) = absolute(page_url, href) else {
            continue;
        };
        if let Some(kind) = profile_kind(&target) {
            out.push(Fact::new(kind, target, Source::Link));
            continue;
        }
        let host = normalize::host(&target);
        if host.is_empty() || host == page_host && !whole_page || is_platform(&host) {
            continue;
        }
        let rel_me = link
            .value()
            .attr("rel")
            .is_some_and(|r| r.split_whitespace().any(|w| w.eq_ignore_ascii_case("me")));
        let text = link.text().collect::<String>().to_lowercase();
        let label = link.value().attr("aria-label").unwrap_or("").to_lowercase()
            + " "
            + link.value().attr("title").unwrap_or("")
            + " "
            + link.value().attr("class").unwrap_or("");
        let personal_words = [
            "website",
            "homepage",
            "home page",
            "blog",
            "personal site",
            "my site",
            "portfolio",
        ];
        let labelled = personal_words
            .iter()
            .any(|w| text.contains(w) || label.to_lowercase().contains(w));
        let shows_host =
            normalize::url(&text) == normalize::url(&target) && !text.trim().is_empty();
        if (rel_me || labelled || shows_host) && host != page_host {
            out.push(Fact::new(FieldKind::PersonalWebsite, target, Source::Link));
        }
    }
    out
}

/// Facts a page's own URL gives when the page is about the lead: a LinkedIn or GitHub profile,
/// or (for a site's home page) the lead's own site.
pub fn own_url_facts(page_url: &str) -> Vec<Fact> {
    if let Some(kind) = profile_kind(page_url) {
        return vec![Fact::new(kind, page_url, Source::Link)];
    }
    let Ok(parsed) = url::Url::parse(page_url) else {
        return Vec::new();
    };
    let host = parsed.host_str().unwrap_or("").to_ascii_lowercase();
    if matches!(parsed.path(), "" | "/" | "/index.html") && !is_platform(&host) && !host.is_empty()
    {
        return vec![Fact::new(
            FieldKind::PersonalWebsite,
            format!("{}://{}/", parsed.scheme(), host),
            Source::Link,
        )];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    #[test]
    fn link_kinds() {
        let doc = Html::parse_document(
            r#"<div>
              <a href="mailto:ada@quill.example">mail</a>
              <a href="mailto:info@quill.example">general</a>
              <a href="tel:+1 415 555 0100">call</a>
              <a href="https://www.linkedin.com/in/adaquill/">LinkedIn</a>
              <a href="https://github.com/adaq">GitHub</a>
              <a href="https://github.com/adaq/repo">a repo</a>
              <a href="https://ada.test/" rel="me">me</a>
              <a href="https://blog.ada.test/">My blog</a>
              <a href="https://other.example/">a friend</a>
              <a href="/about">about</a>
            </div>"#,
        );
        let facts = read(doc.root_element(), "https://quill.example/team/", false);
        let got: Vec<(FieldKind, &str)> =
            facts.iter().map(|f| (f.kind, f.value.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (FieldKind::Email, "ada@quill.example"),
                (FieldKind::Phone, "+1 415 555 0100"),
                (FieldKind::Linkedin, "https://www.linkedin.com/in/adaquill/"),
                (FieldKind::Github, "https://github.com/adaq"),
                (FieldKind::PersonalWebsite, "https://ada.test/"),
                (FieldKind::PersonalWebsite, "https://blog.ada.test/"),
            ]
        );
    }

    #[test]
    fn own_urls() {
        assert_eq!(
            own_url_facts("https://github.com/adaq")[0].kind,
            FieldKind::Github
        );
        assert_eq!(
            own_url_facts("https://ada.test/")[0].value,
            "https://ada.test/"
        );
        assert!(own_url_facts("https://quill.example/team/ada.html").is_empty());
    }
}
