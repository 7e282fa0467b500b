//! Canonical forms of values (text, emails, URLs, company names, places), shared by matching,
//! deciding and evaluation so that all three agree on when two values are "the same".

/// Lower case, `&` read as "and", punctuation dropped, white space collapsed.
///
/// ```
/// assert_eq!(sixtyfour_web::normalize::text("  VP, Research & Development "), "vp research and development");
/// ```
pub fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut space = true;
    for c in value.chars() {
        if c == '&' {
            if !space {
                out.push(' ');
            }
            out.push_str("and ");
            space = true;
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            space = false;
        } else if c == '\'' || c == '\u{2019}' || c == '.' {
            // "O'Neil" and "Ph.D." stay one word.
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    out.trim_end().to_owned()
}

/// Letters and digits only, lower case: `Acme-Robotics.` and `acme robotics` agree.
pub fn compact(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// An email address trimmed, without `mailto:` and query, lower-cased.
pub fn email(value: &str) -> String {
    let value = value.trim();
    let value = value
        .strip_prefix("mailto:")
        .or_else(|| value.strip_prefix("MAILTO:"))
        .unwrap_or(value);
    let value = value.split('?').next().unwrap_or(value);
    value.trim().to_lowercase()
}

/// True when the text looks like one email address.
pub fn is_email(value: &str) -> bool {
    let value = value.trim();
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && value
            .chars()
            .all(|c| c.is_alphanumeric() || "@._%+-".contains(c))
}

/// A URL with no scheme, no `www.`, no query or fragment and no trailing slash, lower-cased:
/// `https://www.Example.test/a/?x=1` and `http://example.test/a` agree.
///
/// ```
/// assert_eq!(
///     sixtyfour_web::normalize::url("https://www.LinkedIn.com/in/ada-quill/"),
///     "linkedin.com/in/ada-quill"
/// );
/// ```
pub fn url(value: &str) -> String {
    let value = value.trim();
    let rest = match value.find("://") {
        Some(i) => &value[i + 3..],
        None => value,
    };
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let rest = rest.to_lowercase();
    let rest = rest.strip_prefix("www.").unwrap_or(&rest);
    let rest = rest.trim_end_matches('/');
    let rest = rest
        .strip_suffix("/index.html")
        .or_else(|| rest.strip_suffix("/index.htm"))
        .unwrap_or(rest)
        .trim_end_matches('/');
    // `/in/ada.html` and `/in/ada` are the same page of a fixture web.
    rest.strip_suffix(".html")
        .or_else(|| rest.strip_suffix(".htm"))
        .filter(|r| r.contains('/'))
        .unwrap_or(rest)
        .to_owned()
}

/// The host of a URL (or of a bare domain), lower-cased, without `www.` and port.
pub fn host(value: &str) -> String {
    let normalized = url(value);
    let host = normalized.split('/').next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    host.split(':').next().unwrap_or(host).to_owned()
}

/// Legal-form words ignored when comparing company names.
const LEGAL_FORMS: &[&str] = &[
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "limited",
    "gmbh",
    "corp",
    "corporation",
    "co",
    "plc",
    "sa",
    "ag",
    "bv",
    "oy",
    "ab",
    "srl",
    "pty",
    "llp",
    "company",
];

/// A company name without legal form or a leading "the": `The Acme Co., Inc.` is `acme`.
///
/// ```
/// assert_eq!(sixtyfour_web::normalize::company("Lanternfish Labs, Inc."), "lanternfish labs");
/// ```
pub fn company(value: &str) -> String {
    let text = text(value);
    let mut words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    while words.len() > 1 && words.last().is_some_and(|w| LEGAL_FORMS.contains(w)) {
        words.pop();
    }
    if words.len() > 1 && words[0] == "the" {
        words.remove(0);
    }
    words.join(" ")
}

/// True when two company names name the same company: equal without legal form, or one is the
/// other's leading words (`Acme` and `Acme Robotics`), or equal once spaces are dropped.
pub fn same_company(a: &str, b: &str) -> bool {
    let (a, b) = (company(a), company(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b || a.replace(' ', "") == b.replace(' ', "") {
        return true;
    }
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    long.starts_with(short.as_str()) && long.as_bytes().get(short.len()) == Some(&b' ')
}

/// True when a domain plausibly belongs to a company: its first label, compacted, equals the
/// company name compacted or starts with it (`acme-robotics.example` for "Acme Robotics").
pub fn domain_matches_company(domain: &str, company_name: &str) -> bool {
    let host = host(domain);
    let label = compact(host.split('.').next().unwrap_or(""));
    let name = compact(&self::company(company_name));
    let first_word = self::company(company_name)
        .split(' ')
        .next()
        .map(compact)
        .unwrap_or_default();
    !label.is_empty()
        && !name.is_empty()
        && (label == name || (first_word.len() >= 4 && label == first_word))
}

/// The city of a location: its first comma-separated part, as [`text`].
///
/// ```
/// assert_eq!(sixtyfour_web::normalize::city("Lisbon, Portugal"), "lisbon");
/// ```
pub fn city(value: &str) -> String {
    text(value.split([',', '(', '/', '|']).next().unwrap_or(value))
}

/// Free-mail domains, whose addresses say nothing about an employer.
const FREEMAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "icloud.com",
    "me.com",
    "proton.me",
    "protonmail.com",
    "aol.com",
    "gmx.de",
    "gmx.net",
    "mail.com",
    "fastmail.com",
    "hey.com",
    "yandex.ru",
    "zoho.com",
];

/// True for addresses at a free-mail provider.
pub fn is_freemail(domain: &str) -> bool {
    let domain = domain.trim().to_lowercase();
    FREEMAIL.contains(&domain.as_str())
}

/// The domain of an email address, if it has one.
pub fn email_domain(address: &str) -> Option<String> {
    let address = email(address);
    let (_, domain) = address.rsplit_once('@')?;
    (!domain.is_empty()).then(|| domain.to_owned())
}

/// A phone number's digits (and a leading `+`), for comparison.
pub fn phone(value: &str) -> String {
    let value = value.trim();
    let mut out: String = value.chars().filter(char::is_ascii_digit).collect();
    if value.starts_with('+') {
        out.insert(0, '+');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms() {
        for (input, want) in [
            ("  Chief Technology Officer ", "chief technology officer"),
            ("VP, R&D", "vp r and d"),
            ("O'Neil", "oneil"),
            ("Head of  Data\n", "head of data"),
            ("", ""),
        ] {
            assert_eq!(text(input), want, "{input:?}");
        }
    }

    #[test]
    fn urls_agree_across_spellings() {
        for (a, b) in [
            ("https://www.example.test/", "http://example.test"),
            ("https://example.test/team/index.html", "example.test/team/"),
            ("https://GitHub.com/Ada", "github.com/ada/"),
            ("https://x.test/a?utm=1#top", "x.test/a"),
            (
                "https://www.linkedin.com/in/ada.html",
                "linkedin.com/in/ada",
            ),
        ] {
            assert_eq!(url(a), url(b), "{a} vs {b}");
        }
        assert_ne!(url("https://x.test/a"), url("https://x.test/b"));
        assert_eq!(host("https://www.acme.example:8443/x"), "acme.example");
    }

    #[test]
    fn companies() {
        for (a, b, same) in [
            ("Acme Robotics", "acme robotics inc.", true),
            ("The Acme Co.", "Acme", true),
            ("Acme", "Acme Robotics", true),
            ("Acme Foods", "Acme Robotics", false),
            ("BlueFern", "Blue Fern", true),
            ("Globex", "Initech", false),
            ("", "Acme", false),
        ] {
            assert_eq!(same_company(a, b), same, "{a} vs {b}");
        }
        assert!(domain_matches_company(
            "https://www.acme-robotics.example/",
            "Acme Robotics"
        ));
        assert!(domain_matches_company(
            "lanternfish.example",
            "Lanternfish Labs"
        ));
        assert!(!domain_matches_company("acme.example", "Zeta Labs"));
    }

    #[test]
    fn emails_and_phones() {
        assert_eq!(
            email(" MAILTO:Ada@Quill.Example?subject=hi"),
            "ada@quill.example"
        );
        assert!(is_email("ada.q+x@quill.example"));
        assert!(!is_email("ada@quill"));
        assert!(!is_email("not an email"));
        assert_eq!(
            email_domain("ada@quill.example").as_deref(),
            Some("quill.example")
        );
        assert!(is_freemail("Gmail.com"));
        assert_eq!(phone("+1 (415) 555-0100"), "+14155550100");
        assert_eq!(city("San Francisco, California, USA"), "san francisco");
    }
}
