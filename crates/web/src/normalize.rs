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

/// Second-level labels under a country code (`acme.co.uk`): the owner's label is the one before.
const SECOND_LEVEL: &[&str] = &["co", "ac", "com", "org", "net", "edu", "gov", "ltd", "plc"];

/// The label of a host that names its owner: the one before the public suffix
/// (`cs.northmere.example` and `www.northmere.ac.uk` are `northmere`).
///
/// ```
/// assert_eq!(sixtyfour_web::normalize::owner_label("https://cs.northmere.example/people/"), "northmere");
/// assert_eq!(sixtyfour_web::normalize::owner_label("acme.co.uk"), "acme");
/// ```
pub fn owner_label(value: &str) -> String {
    let host = host(value);
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    let index = match labels.len() {
        0 => return String::new(),
        1 => 0,
        n if n >= 3 && SECOND_LEVEL.contains(&labels[n - 2]) && labels[n - 1].len() == 2 => n - 3,
        n => n - 2,
    };
    labels[index].to_owned()
}

/// The host of the organisation a URL belongs to: its owner label and public suffix, without
/// subdomains (`https://cs.northmere.example/x` is `northmere.example`).
pub fn owner_host(value: &str) -> String {
    let host = host(value);
    let label = owner_label(&host);
    match host.find(&format!("{label}.")) {
        Some(i) if !label.is_empty() && (i == 0 || host[..i].ends_with('.')) => {
            host[i..].to_owned()
        }
        _ => host,
    }
}

/// Words a product domain adds before or after the company's name (`getacme`, `acmehq`).
const DOMAIN_PREFIXES: &[&str] = &[
    "get", "try", "use", "join", "go", "hello", "meet", "with", "the", "my",
];
const DOMAIN_SUFFIXES: &[&str] = &[
    "hq", "app", "inc", "labs", "io", "team", "co", "group", "global", "online", "tech", "ai",
    "corp", "edu",
];

/// Words left out of a company's initials (`Institute of Technology` is `IT`).
const INITIALS_SKIP: &[&str] = &["of", "and", "the", "for", "de", "at", "in"];

/// True when a domain plausibly belongs to a company: the owner label of the host is the
/// company's name, its first words (four letters or more), either with a usual product prefix
/// or suffix (`getbluefin` for Bluefin Analytics), or the company's initials (`vit-edu` for
/// Vellacourt Institute of Technology).
///
/// ```
/// use sixtyfour_web::normalize::domain_matches_company;
///
/// assert!(domain_matches_company("https://getbluefin.example/", "Bluefin Analytics"));
/// assert!(domain_matches_company("physics.northmere.example", "Northmere University"));
/// assert!(!domain_matches_company("acme.example", "Zeta Labs"));
/// assert!(domain_matches_company("harborview-physio.example", "Harborview Physiotherapy"));
/// assert!(!domain_matches_company("harborview-physio.example", "Harborview Physiotherapy Clinic"));
/// ```
pub fn domain_matches_company(domain: &str, company_name: &str) -> bool {
    let label = owner_label(domain);
    let parts: Vec<String> = label
        .split('-')
        .map(compact)
        .filter(|p| !p.is_empty())
        .collect();
    let label = compact(&label);
    if label.is_empty() {
        return false;
    }
    // The name with legal forms dropped, and as written ("Crumb & Co" is "crumbandco").
    let mut forms: Vec<Vec<String>> = Vec::new();
    for form in [self::company(company_name), text(company_name)] {
        let mut words: Vec<String> = form
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        if words.len() > 1 && words[0] == "the" {
            words.remove(0);
        }
        if !words.is_empty() && !forms.contains(&words) {
            forms.push(words);
        }
    }
    if forms.is_empty() {
        return false;
    }
    let mut names: Vec<String> = Vec::new();
    for words in &forms {
        for k in 1..=words.len() {
            let joined = compact(&words[..k].join(""));
            if (k == words.len() && !joined.is_empty()) || joined.len() >= 4 {
                names.push(joined);
            }
        }
    }
    let fits = |candidate: &str| {
        names.iter().any(|name| {
            candidate == name
                || (name.len() >= 4
                    && (DOMAIN_PREFIXES
                        .iter()
                        .any(|p| candidate.strip_prefix(p) == Some(name.as_str()))
                        || DOMAIN_SUFFIXES
                            .iter()
                            .any(|s| candidate.strip_suffix(s) == Some(name.as_str()))))
        })
    };
    if fits(&label) {
        return true;
    }
    // "harborview-physio" for "Harborview Physiotherapy": each part of a hyphenated label
    // starts the name's word in its place, the first whole, all words covered.
    let shortened = |words: &Vec<String>| {
        parts.len() >= 2
            && parts.len() == words.len()
            && parts[0] == words[0]
            && parts
                .iter()
                .zip(words)
                .all(|(p, w)| p.len() >= 3 && w.starts_with(p.as_str()))
    };
    if forms.iter().any(shortened) {
        return true;
    }
    let initials: String = forms[0]
        .iter()
        .filter(|w| !INITIALS_SKIP.contains(&w.as_str()))
        .filter_map(|w| w.chars().next())
        .collect();
    initials.chars().count() >= 3
        && (label == initials || parts.first().is_some_and(|p| *p == initials))
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
    fn domains_of_companies() {
        for (domain, company, want) in [
            ("https://getbluefin.example/", "Bluefin Analytics", true),
            ("acmehq.example", "Acme", true),
            (
                "https://www.thebytegazette.example/",
                "The Byte Gazette",
                true,
            ),
            ("crumbandco.test", "Crumb & Co", true),
            ("heronworks.test", "Heron Works Robotics", true),
            ("physics.northmere.example", "Northmere University", true),
            (
                "www.vit-edu.example",
                "Vellacourt Institute of Technology",
                true,
            ),
            ("northmere.ac.uk", "Northmere University", true),
            ("getbluefin.example", "Bluefield Labs", false),
            ("cs.northmere.example", "Computer Science Society", false),
            ("vit-edu.example", "Vita Health", false),
            ("get.example", "Get", true),
            ("ab.example", "Abacus", false),
        ] {
            assert_eq!(
                domain_matches_company(domain, company),
                want,
                "{domain} / {company}"
            );
        }
        assert_eq!(owner_label("https://cs.northmere.example/x"), "northmere");
        assert_eq!(
            owner_host("https://cs.northmere.example/x"),
            "northmere.example"
        );
        assert_eq!(owner_host("https://www.acme.co.uk/"), "acme.co.uk");
        assert_eq!(owner_host("localhost"), "localhost");
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
