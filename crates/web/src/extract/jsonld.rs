//! schema.org JSON-LD: `Person` objects (also inside `ProfilePage.mainEntity`, `@graph` and
//! arrays, at any depth), the site's `Organization`, and the page date (`dateModified`, else
//! `datePublished`); and plain JSON (a JSON document, or a page's JSON data block) whose
//! objects describe people by their keys (`fullName`, `role`, `city`, `links.linkedin`).

use scraper::{Html, Selector};
use serde_json::Value;

use super::links::profile_kind;
use super::{Fact, Record, Source};
use crate::fields::FieldKind;

/// What the JSON-LD of a page says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// One record per `Person`.
    pub people: Vec<Record>,
    /// The first top-level organisation's name.
    pub org_name: Option<String>,
    /// Its URL.
    pub org_url: Option<String>,
    /// Its place (`address`, `location`).
    pub org_location: Option<String>,
    /// The newest `dateModified`, else the newest `datePublished`, as `yyyymmdd`.
    pub date: Option<u32>,
}

/// Reads every `<script type="application/ld+json">` block of a page.
pub fn read_document(document: &Html) -> Found {
    let mut found = Found::default();
    let Ok(selector) = Selector::parse(
        r#"script[type="application/ld+json"], script[type="application/ld+json; charset=utf-8"]"#,
    ) else {
        return found;
    };
    let mut modified = None;
    let mut published = None;
    for script in document.select(&selector) {
        let text: String = script.text().collect();
        let Ok(value) = serde_json::from_str::<Value>(text.trim()) else {
            continue;
        };
        walk(&value, &mut found, &mut modified, &mut published, 0, false);
    }
    found.date = modified.or(published);
    found
}

/// People in a page's other JSON data blocks (`<script type="application/json">`, a static
/// export's page data such as `__NEXT_DATA__`): plain objects with person keys, at any depth.
pub fn read_data_scripts(document: &Html) -> Vec<Record> {
    let Ok(selector) = Selector::parse("script[type]") else {
        return Vec::new();
    };
    let mut people = Vec::new();
    for script in document.select(&selector) {
        let kind = script
            .value()
            .attr("type")
            .unwrap_or("")
            .to_ascii_lowercase();
        let kind = kind.split(';').next().unwrap_or("").trim();
        if !matches!(kind, "application/json" | "text/json") {
            continue;
        }
        let text: String = script.text().collect();
        let Ok(value) = serde_json::from_str::<Value>(text.trim()) else {
            continue;
        };
        people.extend(read_value(&value).people);
    }
    people
}

/// Reads a JSON document the same way.
pub fn read_value(value: &Value) -> Found {
    let mut found = Found::default();
    let (mut modified, mut published) = (None, None);
    walk(value, &mut found, &mut modified, &mut published, 0, false);
    found.date = modified.or(published);
    found
}

fn types(object: &serde_json::Map<String, Value>) -> Vec<String> {
    match object.get("@type") {
        Some(Value::String(t)) => vec![t.to_ascii_lowercase()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_ascii_lowercase)
            .collect(),
        _ => Vec::new(),
    }
}

const ORGANIZATIONS: &[&str] = &[
    "organization",
    "corporation",
    "localbusiness",
    "ngo",
    "educationalorganization",
    "newsmediaorganization",
    "onlinebusiness",
    "company",
    "collegeoruniversity",
    "governmentorganization",
    "medicalorganization",
    "researchorganization",
    "sportsorganization",
    "newsorganization",
];

fn walk(
    value: &Value,
    found: &mut Found,
    modified: &mut Option<u32>,
    published: &mut Option<u32>,
    depth: usize,
    inside_person: bool,
) {
    if depth > 24 {
        return;
    }
    match value {
        Value::Array(items) => {
            for item in items {
                walk(item, found, modified, published, depth + 1, inside_person);
            }
        }
        Value::Object(object) => {
            for (key, slot) in [
                ("dateModified", &mut *modified),
                ("datePublished", &mut *published),
            ] {
                if let Some(date) = object
                    .get(key)
                    .and_then(Value::as_str)
                    .and_then(|d| super::dates::parse(d, true))
                {
                    *slot = Some(slot.map_or(date, |old: u32| old.max(date)));
                }
            }
            let kinds = types(object);
            if kinds.iter().any(|t| t == "person") {
                found.people.push(person(object));
                return;
            }
            if kinds.is_empty()
                && !inside_person
                && let Some(record) = plain_person(object)
            {
                found.people.push(record);
                return;
            }
            if !inside_person
                && found.org_name.is_none()
                && kinds.iter().any(|t| ORGANIZATIONS.contains(&t.as_str()))
            {
                found.org_name = text(object.get("name"));
                found.org_url = text(object.get("url"));
                found.org_location =
                    location(object.get("address")).or_else(|| location(object.get("location")));
            }
            for (key, child) in object {
                if key.starts_with('@') && key != "@graph" {
                    continue;
                }
                walk(child, found, modified, published, depth + 1, inside_person);
            }
        }
        _ => {}
    }
}

/// A string, or the `name` of an object, or the first of an array.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Object(o) => text(o.get("name")),
        Value::Array(items) => items.iter().find_map(|v| text(Some(v))),
        _ => None,
    }
}

fn all_texts(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(|v| text(Some(v))).collect(),
        Some(other) => text(Some(other)).into_iter().collect(),
        None => Vec::new(),
    }
}

fn location(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Array(items) => items.iter().find_map(|v| location(Some(v))),
        Value::Object(o) => {
            if let Some(address) = o.get("address") {
                return location(Some(address));
            }
            let parts: Vec<String> = ["addressLocality", "addressRegion", "addressCountry"]
                .iter()
                .filter_map(|k| text(o.get(*k)))
                .collect();
            if parts.is_empty() {
                text(o.get("name"))
            } else {
                Some(parts.join(", "))
            }
        }
        _ => None,
    }
}

fn person(object: &serde_json::Map<String, Value>) -> Record {
    let mut record = Record::default();
    let fact = |kind, value: String| Fact::new(kind, value, Source::JsonLd);
    let name = text(object.get("name")).or_else(|| {
        match (
            text(object.get("givenName")),
            text(object.get("familyName")),
        ) {
            (Some(g), Some(f)) => Some(format!("{g} {f}")),
            _ => None,
        }
    });
    if let Some(name) = name {
        record.push(fact(FieldKind::Name, name));
    }
    for email in all_texts(object.get("email")) {
        if let Some(email) = super::emails::decode(&email) {
            record.push(fact(FieldKind::Email, email));
        }
    }
    for phone in all_texts(object.get("telephone")) {
        record.push(fact(FieldKind::Phone, phone));
    }
    for title in all_texts(object.get("jobTitle")) {
        record.push(fact(FieldKind::Title, title));
    }
    if record.first(FieldKind::Title).is_none() {
        for title in all_texts(object.get("hasOccupation")) {
            record.push(fact(FieldKind::Title, title));
        }
    }
    for key in ["worksFor", "affiliation"] {
        let items: Vec<&Value> = match object.get(key) {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(other) => vec![other],
            None => Vec::new(),
        };
        for item in items {
            let (org, role_name, ended) = match item {
                Value::Object(o)
                    if o.contains_key("roleName")
                        || types(o).iter().any(|t| t.ends_with("role")) =>
                {
                    let inner = o.get("worksFor").or_else(|| o.get("affiliation"));
                    (
                        inner.cloned(),
                        text(o.get("roleName")),
                        o.get("endDate")
                            .and_then(Value::as_str)
                            .is_some_and(|d| !d.trim().is_empty()),
                    )
                }
                other => (Some(other.clone()), None, false),
            };
            if let Some(org) = &org {
                if let Some(name) = text(Some(org)) {
                    record.push(Fact::new(FieldKind::Company, name, Source::JsonLd).former(ended));
                }
                if let Some(url) = org.as_object().and_then(|o| text(o.get("url"))) {
                    record.push(fact(FieldKind::Website, url).former(ended));
                }
            }
            if let Some(role) = role_name {
                record.push(fact(FieldKind::Title, role).former(ended));
            }
        }
    }
    for key in ["address", "homeLocation", "workLocation"] {
        if let Some(place) = location(object.get(key)) {
            record.push(fact(FieldKind::Location, place));
            break;
        }
    }
    let mut urls = all_texts(object.get("sameAs"));
    urls.extend(all_texts(object.get("url")));
    for url in urls {
        match profile_kind(&url) {
            Some(kind) => record.push(fact(kind, url)),
            None => {
                if is_root(&url) {
                    record.push(fact(FieldKind::PersonalWebsite, url));
                }
            }
        }
    }
    record
}

/// A JSON object that is not schema.org but describes a person by plain keys
/// (`{"full_name": ..., "position": ..., "employer": ..., "contact": {"email": ...}}`).
fn plain_person(object: &serde_json::Map<String, Value>) -> Option<Record> {
    let mut record = Record::default();
    let read = |object: &serde_json::Map<String, Value>, record: &mut Record| {
        for (key, value) in object {
            let label = key.replace(['_', '-'], " ");
            let Some(kind) =
                super::vocab::label_kind(&label).or_else(|| match label.to_lowercase().as_str() {
                    "jobtitle" | "job" | "headline" => Some(FieldKind::Title),
                    "fullname" | "display name" | "displayname" => Some(FieldKind::Name),
                    _ => None,
                })
            else {
                continue;
            };
            let Some(text) = value.as_str().map(str::trim).filter(|t| !t.is_empty()) else {
                continue;
            };
            if kind == FieldKind::Name {
                record.push(Fact::new(FieldKind::Name, text, Source::JsonLd));
            } else {
                let mut facts = super::prose::labelled_fact(kind, text);
                for fact in &mut facts {
                    fact.source = Source::JsonLd;
                }
                record.extend(facts);
            }
        }
    };
    read(object, &mut record);
    if record.first(FieldKind::Name).is_none() {
        let part = |keys: &[&str]| {
            object.iter().find_map(|(k, v)| {
                let k = k.to_lowercase().replace(['_', '-', ' '], "");
                keys.contains(&k.as_str())
                    .then(|| v.as_str().map(str::trim))
                    .flatten()
                    .filter(|t| !t.is_empty())
            })
        };
        if let (Some(first), Some(last)) = (
            part(&["firstname", "givenname", "first"]),
            part(&["lastname", "familyname", "surname", "last"]),
        ) {
            record.push(Fact::new(
                FieldKind::Name,
                format!("{first} {last}"),
                Source::JsonLd,
            ));
        }
    }
    for value in object.values() {
        if let Value::Object(inner) = value
            && !inner.contains_key("@type")
        {
            read(inner, &mut record);
        }
    }
    let named = record
        .first(FieldKind::Name)
        .is_some_and(|n| crate::lead::NameMatcher::new(n).is_some());
    (named && record.facts.len() >= 2).then_some(record)
}

fn is_root(url: &str) -> bool {
    url::Url::parse(url)
        .is_ok_and(|u| matches!(u.path(), "" | "/") && matches!(u.scheme(), "http" | "https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: &str) -> Found {
        read_document(&Html::parse_document(&format!(
            r#"<html><head><script type="application/ld+json">{json}</script></head><body></body></html>"#
        )))
    }

    #[test]
    fn person_with_everything() {
        let found = doc(
            r#"{"@context":"https://schema.org","@type":"ProfilePage","dateModified":"2024-02-01",
            "mainEntity":{"@type":"Person","name":"Ada Quill","email":"mailto:ada@quill.example","jobTitle":"CTO",
            "worksFor":{"@type":"Organization","name":"Quill Works","url":"https://quill.example/"},
            "address":{"@type":"PostalAddress","addressLocality":"Lisbon","addressCountry":"Portugal"},
            "sameAs":["https://www.linkedin.com/in/adaquill","https://github.com/adaq","https://ada.test/"]}}"#,
        );
        assert_eq!(found.date, Some(20240201));
        let record = &found.people[0];
        assert_eq!(record.first(FieldKind::Name), Some("Ada Quill"));
        assert_eq!(record.first(FieldKind::Email), Some("ada@quill.example"));
        assert_eq!(record.first(FieldKind::Title), Some("CTO"));
        assert_eq!(record.first(FieldKind::Company), Some("Quill Works"));
        assert_eq!(
            record.first(FieldKind::Website),
            Some("https://quill.example/")
        );
        assert_eq!(record.first(FieldKind::Location), Some("Lisbon, Portugal"));
        assert_eq!(
            record.first(FieldKind::Linkedin),
            Some("https://www.linkedin.com/in/adaquill")
        );
        assert_eq!(
            record.first(FieldKind::Github),
            Some("https://github.com/adaq")
        );
        assert_eq!(
            record.first(FieldKind::PersonalWebsite),
            Some("https://ada.test/")
        );
    }

    #[test]
    fn graphs_arrays_and_organizations() {
        let found = doc(r#"{"@context":"https://schema.org","@graph":[
            {"@type":"Organization","name":"Quill Works","url":"https://quill.example/"},
            {"@type":["Person"],"givenName":"Bo","familyName":"Lind","jobTitle":["Designer"]},
            [{"@type":"Person","name":"Cy Moss","worksFor":[{"@type":"EmployeeRole","roleName":"Engineer","endDate":"2020","worksFor":{"name":"Old Co"}},"New Co"]}]
        ]}"#);
        assert_eq!(found.org_name.as_deref(), Some("Quill Works"));
        assert_eq!(found.people.len(), 2);
        assert_eq!(found.people[0].first(FieldKind::Name), Some("Bo Lind"));
        let cy = &found.people[1];
        assert_eq!(cy.first(FieldKind::Company), Some("New Co"));
        assert!(
            cy.values(FieldKind::Company)
                .any(|f| f.value == "Old Co" && f.former)
        );
        assert!(cy.values(FieldKind::Title).all(|f| f.former));
    }

    #[test]
    fn plain_json_people() {
        let found = read_value(
            &serde_json::json!({"id": 4, "full_name": "Priya Nair", "position": "Head of Analytics",
            "employer": "Tarnwell", "city": "Pune", "contact": {"email": "priya@tarnwell.example"}}),
        );
        let r = &found.people[0];
        assert_eq!(r.first(FieldKind::Title), Some("Head of Analytics"));
        assert_eq!(r.first(FieldKind::Company), Some("Tarnwell"));
        assert_eq!(r.first(FieldKind::Location), Some("Pune"));
        assert_eq!(r.first(FieldKind::Email), Some("priya@tarnwell.example"));
        assert!(
            read_value(&serde_json::json!({"name": "Widget", "price": 3}))
                .people
                .is_empty()
        );
    }

    #[test]
    fn broken_json_is_skipped() {
        assert_eq!(doc("{not json"), Found::default());
        assert_eq!(doc("[1, \"x\", null]"), Found::default());
    }
}
