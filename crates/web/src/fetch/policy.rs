//! The fetcher's decisions as pure functions: which content types are read, what a response
//! status means (page, redirect, failure), where a redirect may go, how long to wait for a host.

use std::time::Duration;

/// What kind of body a fetched page has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentKind {
    /// HTML (or XHTML).
    Html,
    /// JSON (including JSON-LD).
    Json,
}

/// The kind of a `Content-Type` header value, when it is one the researcher reads.
pub fn content_kind(content_type: &str) -> Option<ContentKind> {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "text/html" | "application/xhtml+xml" => Some(ContentKind::Html),
        "application/json" | "application/ld+json" | "text/json" => Some(ContentKind::Json),
        _ => None,
    }
}

/// What to do with one HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A page to read.
    Page,
    /// Follow a redirect to this absolute URL.
    Redirect(String),
    /// Give up, for this reason.
    Refuse(&'static str),
}

/// Decides what a response means: 2xx is a page, 301/302/303/307/308 with a usable `Location`
/// is a redirect (checked for scheme and hop count), anything else is refused.
pub fn next_step(
    current: &url::Url,
    status: u16,
    location: Option<&str>,
    hops_so_far: usize,
    max_redirects: usize,
) -> Step {
    match status {
        200..=299 => Step::Page,
        301 | 302 | 303 | 307 | 308 => {
            if hops_so_far >= max_redirects {
                return Step::Refuse("too many redirects");
            }
            let Some(location) = location.map(str::trim).filter(|l| !l.is_empty()) else {
                return Step::Refuse("a redirect without a Location header");
            };
            let Ok(target) = current.join(location) else {
                return Step::Refuse("a redirect to an unreadable URL");
            };
            if !allowed_scheme(&target) {
                return Step::Refuse("a redirect to a scheme other than http(s)");
            }
            Step::Redirect(target.to_string())
        }
        404 | 410 => Step::Refuse("not found"),
        401 | 403 => Step::Refuse("access denied"),
        429 => Step::Refuse("rate limited"),
        500..=599 => Step::Refuse("server error"),
        _ => Step::Refuse("unexpected status"),
    }
}

/// Only `http` and `https` URLs with a host are fetched.
pub fn allowed_scheme(url: &url::Url) -> bool {
    matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty())
}

/// How long to wait before the next request to a host, given when the last one started.
pub fn wait_before(now: Duration, last_start: Option<Duration>, delay: Duration) -> Duration {
    match last_start {
        Some(last) => (last + delay).saturating_sub(now),
        None => Duration::ZERO,
    }
}

/// The delay between two requests to a host: the configured one, raised to the host's
/// `Crawl-delay`, and never above `cap`.
pub fn host_delay(configured: Duration, crawl_delay: Option<f64>, cap: Duration) -> Duration {
    let asked = crawl_delay
        .filter(|d| d.is_finite() && *d >= 0.0)
        .map(|d| Duration::from_secs_f64(d.min(cap.as_secs_f64())))
        .unwrap_or(Duration::ZERO);
    configured.max(asked).min(cap.max(configured))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        for (header, want) in [
            ("text/html; charset=utf-8", Some(ContentKind::Html)),
            ("TEXT/HTML", Some(ContentKind::Html)),
            ("application/xhtml+xml", Some(ContentKind::Html)),
            ("application/json", Some(ContentKind::Json)),
            (
                "application/ld+json; charset=utf-8",
                Some(ContentKind::Json),
            ),
            ("application/pdf", None),
            ("image/png", None),
            ("text/plain", None),
            ("", None),
        ] {
            assert_eq!(content_kind(header), want, "{header}");
        }
    }

    #[test]
    fn statuses_and_redirects() {
        let here = url::Url::parse("https://a.example/team/").unwrap();
        for (status, location, hops, want) in [
            (200, None, 0, Step::Page),
            (204, None, 0, Step::Page),
            (
                301,
                Some("/about/"),
                0,
                Step::Redirect("https://a.example/about/".into()),
            ),
            (
                302,
                Some("https://b.example/x"),
                2,
                Step::Redirect("https://b.example/x".into()),
            ),
            (
                307,
                Some("jane.html"),
                0,
                Step::Redirect("https://a.example/team/jane.html".into()),
            ),
            (308, Some("/x"), 3, Step::Refuse("too many redirects")),
            (
                301,
                None,
                0,
                Step::Refuse("a redirect without a Location header"),
            ),
            (
                302,
                Some("ftp://a.example/x"),
                0,
                Step::Refuse("a redirect to a scheme other than http(s)"),
            ),
            (
                302,
                Some("file:///etc/passwd"),
                0,
                Step::Refuse("a redirect to a scheme other than http(s)"),
            ),
            (404, None, 0, Step::Refuse("not found")),
            (403, None, 0, Step::Refuse("access denied")),
            (503, None, 0, Step::Refuse("server error")),
            (418, None, 0, Step::Refuse("unexpected status")),
        ] {
            assert_eq!(
                next_step(&here, status, location, hops, 3),
                want,
                "{status} {location:?}"
            );
        }
    }

    #[test]
    fn politeness_delays() {
        let s = Duration::from_secs;
        assert_eq!(wait_before(s(10), None, s(1)), s(0));
        assert_eq!(wait_before(s(10), Some(s(10)), s(1)), s(1));
        assert_eq!(wait_before(s(10), Some(s(5)), s(1)), s(0));
        assert_eq!(host_delay(s(1), None, s(10)), s(1));
        assert_eq!(host_delay(s(1), Some(3.0), s(10)), s(3));
        assert_eq!(host_delay(s(1), Some(3600.0), s(10)), s(10));
        assert_eq!(host_delay(s(1), Some(f64::NAN), s(10)), s(1));
        assert_eq!(
            host_delay(s(0), Some(0.5), s(10)),
            Duration::from_millis(500)
        );
    }
}
