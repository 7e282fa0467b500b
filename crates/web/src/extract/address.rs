//! Postal addresses: the town of an address written over lines or comma parts ("Kings Road,
//! Norwich NR4 7TJ, United Kingdom", "1 Congress Street, Boston, MA 02114", "Torstrasse 101,
//! 10119 Berlin").

use std::sync::LazyLock;

use regex::Regex;

use super::vocab::is_known_place;

/// A town followed by a British postcode (`Norwich NR4 7TJ`).
static TOWN_POSTCODE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^(?P<town>[A-Z][A-Za-z'\-]+(?: [A-Z][A-Za-z'\-]+){0,2})\s+[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$").ok()
});

/// A postal code then a town (`10119 Berlin`, `75008 Paris`).
static CODE_TOWN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^\d{4,5}\s+(?P<town>[A-Z][A-Za-z'\-]+(?: [A-Z][A-Za-z'\-]+){0,2})$").ok()
});

/// A state or province code with a postal code, after the town's part (`MA 02114`,
/// `ON M5V 2T6`).
static STATE_CODE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^[A-Z]{2}\s+(?:\d{5}(?:-\d{4})?|[A-Z]\d[A-Z]\s?\d[A-Z]\d)$").ok()
});

fn matches(regex: &LazyLock<Option<Regex>>, text: &str) -> bool {
    regex.as_ref().is_some_and(|r| r.is_match(text))
}

fn town(regex: &LazyLock<Option<Regex>>, text: &str) -> Option<String> {
    regex
        .as_ref()?
        .captures(text)?
        .name("town")
        .map(|m| m.as_str().to_owned())
}

/// True when a part of an address reads as a street line, a building or a room.
fn is_street(part: &str) -> bool {
    part.chars().any(|c| c.is_ascii_digit())
        || part.split_whitespace().any(|w| {
            matches!(
                w.to_lowercase().trim_matches(['.', ',']),
                "street"
                    | "st"
                    | "road"
                    | "rd"
                    | "avenue"
                    | "ave"
                    | "lane"
                    | "way"
                    | "drive"
                    | "boulevard"
                    | "blvd"
                    | "building"
                    | "room"
                    | "floor"
                    | "suite"
                    | "square"
                    | "place"
                    | "strasse"
                    | "straße"
                    | "campus"
                    | "hall"
            )
        })
}

/// The town of an address, when one of its parts (lines or comma parts) shows it: the part
/// before a state and postal code, a town with a postal code, or a known place that is not a
/// street line.
///
/// ```
/// use sixtyfour_web::extract::address::town_of;
///
/// assert_eq!(town_of("Kings Road\nNorwich NR4 7TJ\nUnited Kingdom").as_deref(), Some("Norwich"));
/// assert_eq!(town_of("1 Congress Street, Boston, MA 02114").as_deref(), Some("Boston"));
/// assert_eq!(town_of("Kings Building 2.14"), None);
/// ```
pub fn town_of(address: &str) -> Option<String> {
    let parts: Vec<&str> = address
        .split(['\n', ','])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    for (i, part) in parts.iter().enumerate() {
        if matches(&STATE_CODE, part)
            && let Some(previous) = i.checked_sub(1).map(|j| parts[j])
            && !is_street(previous)
        {
            return Some(previous.to_owned());
        }
        if let Some(town) = town(&TOWN_POSTCODE, part).or_else(|| town(&CODE_TOWN, part)) {
            return Some(town);
        }
    }
    parts
        .iter()
        .find(|p| !is_street(p) && p.split_whitespace().count() <= 3 && is_known_place(p))
        .map(|p| (*p).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn towns_of_addresses() {
        for (address, want) in [
            (
                "Department of Computer Science, Northmere University, Kings Road, Norwich NR4 7TJ, United Kingdom",
                Some("Norwich"),
            ),
            (
                "Fenwick Health, Inc. · 1 Congress Street\nBoston, MA 02114",
                Some("Boston"),
            ),
            ("Torstrasse 101\n10119 Berlin\nGermany", Some("Berlin")),
            ("100 King St W, Toronto, ON M5X 1A9", Some("Toronto")),
            ("Lisbon, Portugal", Some("Lisbon")),
            ("Physics Building, room 114", None),
            ("Kings Building 2.14", None),
            ("", None),
        ] {
            assert_eq!(town_of(address).as_deref(), want, "{address}");
        }
    }
}
