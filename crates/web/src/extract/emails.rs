//! Email addresses in text, including the usual obfuscations: `name [at] domain [dot] com`,
//! `name(at)domain.com`, `name AT domain DOT com`; HTML entities are already decoded by the
//! parser. Role mailboxes (`info@`, `press@`) are left out.

use std::sync::LazyLock;

use regex::Regex;

use super::vocab::is_role_mailbox;
use crate::normalize;

static PLAIN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b").ok()
});

/// `[at]`, `(at)`, `{at}`, `<at>` with any dot form.
static BRACKETED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let at = r"\s*[\[\(\{<]\s*at\s*[\]\)\}>]\s*";
    let dot = r"(?:\s*[\[\(\{<]\s*dot\s*[\]\)\}>]\s*|\s+dot\s+|\.)";
    Regex::new(&format!(
        r"(?i)\b(?P<local>[a-z0-9][a-z0-9._+-]*){at}(?P<domain>[a-z0-9-]+(?:{dot}[a-z0-9-]+)+)\b"
    ))
    .ok()
});

/// ` at ` only with every dot spelled out (` dot `, `[dot]`): "works at acme.example" is prose.
static SPELLED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let dot = r"(?:\s*[\[\(\{<]\s*dot\s*[\]\)\}>]\s*|\s+dot\s+)";
    Regex::new(&format!(
        r"(?i)\b(?P<local>[a-z0-9][a-z0-9._+-]*)\s+at\s+(?P<domain>[a-z0-9-]+(?:{dot}[a-z0-9-]+)+)\b"
    ))
    .ok()
});

static DOT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\s*[\[\(\{<]\s*dot\s*[\]\)\}>]\s*|\s+dot\s+").ok());

/// Every personal email address in the text, lower-cased, in order of appearance.
pub fn in_text(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |address: String| {
        if normalize::is_email(&address) && !is_role_mailbox(&address) && !out.contains(&address) {
            out.push(address);
        }
    };
    if let Some(plain) = PLAIN.as_ref() {
        for m in plain.find_iter(text) {
            push(normalize::email(m.as_str()));
        }
    }
    if let Some(dot) = DOT.as_ref() {
        for regex in [BRACKETED.as_ref(), SPELLED.as_ref()].into_iter().flatten() {
            for caps in regex.captures_iter(text) {
                let (Some(local), Some(domain)) = (caps.name("local"), caps.name("domain")) else {
                    continue;
                };
                let domain = dot.replace_all(domain.as_str(), ".");
                push(format!("{}@{}", local.as_str(), domain).to_lowercase());
            }
        }
    }
    out
}

/// Decodes one `mailto:` target or obfuscated address, if it is a personal email address.
pub fn decode(value: &str) -> Option<String> {
    let value = normalize::email(value);
    if normalize::is_email(&value) {
        return (!is_role_mailbox(&value)).then_some(value);
    }
    // A labelled address with spaces around its `@` ("ada @ quill.example").
    if let Some((local, domain)) = value.split_once('@')
        && !local.trim().contains(char::is_whitespace)
        && !domain.trim().contains(char::is_whitespace)
    {
        let joined = format!("{}@{}", local.trim(), domain.trim());
        if normalize::is_email(&joined) {
            return (!is_role_mailbox(&joined)).then_some(joined);
        }
    }
    in_text(&value).into_iter().next()
}

/// True when an address's local part names the person: it holds their first or last name
/// (three letters or more), or their initials with the last or first name (`jhalloran`,
/// `adaq`). Honorifics and initials in the name are skipped.
pub fn local_fits_name(address: &str, name: &str) -> bool {
    let address = normalize::email(address);
    let local: String = address
        .split('@')
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    let words: Vec<String> = crate::lead::name_words(name)
        .into_iter()
        .filter(|w| !crate::lead::is_honorific(w))
        .collect();
    let (Some(first), Some(last)) = (words.first(), words.last()) else {
        return false;
    };
    if words.len() < 2 || local.is_empty() {
        return false;
    }
    let initial = |w: &str| w.chars().next().map(String::from).unwrap_or_default();
    let long_enough = |w: &str| w.chars().count() >= 3;
    (long_enough(first) && local.contains(first.as_str()))
        || (long_enough(last) && local.contains(last.as_str()))
        || local == format!("{}{}", initial(first), last)
        || local == format!("{}{}", first, initial(last))
        || words
            .iter()
            .any(|w| long_enough(w) && local.contains(w.as_str()) && w != first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_that_name_a_person() {
        for (address, name, want) in [
            ("kenji@heronworks.test", "Kenji Mori-Whitfield", true),
            ("nadia.pl@gazette.example", "Nadia Petrova-Lund", true),
            ("j.halloran@northmere.example", "Dr James Halloran", true),
            ("aq@quill.example", "Ada Quill", false),
            ("adaq@quill.example", "Ada Quill", true),
            ("press@quill.example", "Ada Quill", false),
            ("hamid@ledgerline.example", "Camille Beauchamp-Ortiz", false),
            ("bo@lind.example", "Bo Lind", false),
            ("lind@lind.example", "Bo Lind", true),
            ("x@y.example", "Cher", false),
        ] {
            assert_eq!(local_fits_name(address, name), want, "{address} / {name}");
        }
    }

    #[test]
    fn obfuscations() {
        for (text, want) in [
            (
                "write to ada@quill.example today",
                vec!["ada@quill.example"],
            ),
            ("ada [at] quill [dot] example", vec!["ada@quill.example"]),
            ("ada(at)quill.example", vec!["ada@quill.example"]),
            ("ada (at) quill (dot) co (dot) uk", vec!["ada@quill.co.uk"]),
            ("ada.q AT quill DOT example", vec!["ada.q@quill.example"]),
            ("ada {at} quill {dot} example", vec!["ada@quill.example"]),
            ("ada at quill dot example", vec!["ada@quill.example"]),
            ("she works at quill.example now", vec![]),
            (
                "Email me at clio.quill [at] glasswing [dot] example",
                vec!["clio.quill@glasswing.example"],
            ),
            ("info@quill.example and press@quill.example", vec![]),
            (
                "Ada@Quill.Example, ada@quill.example",
                vec!["ada@quill.example"],
            ),
        ] {
            assert_eq!(in_text(text), want, "{text}");
        }
        assert_eq!(
            decode("mailto:Ada@Quill.example?subject=x").as_deref(),
            Some("ada@quill.example")
        );
        assert_eq!(decode("mailto:info@quill.example"), None);
        assert_eq!(
            decode("ada.q\u{a0}@\u{a0}quill.example").as_deref(),
            Some("ada.q@quill.example")
        );
        assert_eq!(
            decode("ada [at] quill [dot] example").as_deref(),
            Some("ada@quill.example")
        );
    }
}
