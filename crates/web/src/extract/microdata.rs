//! schema.org microdata: elements with `itemscope` and a `Person` `itemtype`, their `itemprop`
//! values (nested `worksFor` organisations and `address` places read by their own props).

use scraper::{ElementRef, Html, Selector};

use super::links::profile_kind;
use super::{Fact, Record, Source};
use crate::fields::FieldKind;

/// One record per microdata `Person`.
pub fn read(document: &Html) -> Vec<Record> {
    let Ok(selector) = Selector::parse("[itemscope][itemtype]") else {
        return Vec::new();
    };
    document
        .select(&selector)
        .filter(|e| {
            e.value().attr("itemtype").is_some_and(|t| {
                t.to_ascii_lowercase()
                    .trim_end_matches('/')
                    .ends_with("/person")
            })
        })
        .map(person)
        .collect()
}

/// The value of an `itemprop` element.
fn prop_value(element: ElementRef<'_>) -> String {
    let e = element.value();
    let attr = match e.name() {
        "meta" => e.attr("content"),
        "a" | "link" | "area" => e.attr("href"),
        "img" | "audio" | "video" | "source" => e.attr("src"),
        "time" => e.attr("datetime"),
        "data" | "meter" => e.attr("value"),
        _ => e.attr("content"),
    };
    match attr {
        Some(v) => v.trim().to_owned(),
        None => element
            .text()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// `(prop, element)` pairs of a scope, not descending into nested scopes.
fn props(scope: ElementRef<'_>) -> Vec<(String, ElementRef<'_>)> {
    let mut out = Vec::new();
    collect(scope, &mut out);
    out
}

fn collect<'a>(element: ElementRef<'a>, out: &mut Vec<(String, ElementRef<'a>)>) {
    for child in element.children().filter_map(ElementRef::wrap) {
        if let Some(names) = child.value().attr("itemprop") {
            for name in names.split_whitespace() {
                out.push((name.to_owned(), child));
            }
        }
        if child.value().attr("itemscope").is_none() {
            collect(child, out);
        }
    }
}

fn nested_text(element: ElementRef<'_>, keys: &[&str]) -> Option<String> {
    if element.value().attr("itemscope").is_none() {
        let v = prop_value(element);
        return (!v.is_empty()).then_some(v);
    }
    let inner = props(element);
    let parts: Vec<String> = keys
        .iter()
        .filter_map(|k| {
            inner
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, e)| prop_value(*e))
        })
        .filter(|v| !v.is_empty())
        .collect();
    if parts.is_empty() {
        let v = prop_value(element);
        (!v.is_empty()).then_some(v)
    } else {
        Some(parts.join(", "))
    }
}

fn person(scope: ElementRef<'_>) -> Record {
    let mut record = Record::default();
    let fact = |kind, value: String| Fact::new(kind, value, Source::Microdata);
    let mut given = None;
    let mut family = None;
    for (name, element) in props(scope) {
        match name.as_str() {
            "name" => record.push(fact(FieldKind::Name, prop_value(element))),
            "givenName" => given = Some(prop_value(element)),
            "familyName" => family = Some(prop_value(element)),
            "email" => {
                if let Some(email) = super::emails::decode(&prop_value(element)) {
                    record.push(fact(FieldKind::Email, email));
                }
            }
            "telephone" => record.push(fact(
                FieldKind::Phone,
                prop_value(element).trim_start_matches("tel:").to_owned(),
            )),
            "jobTitle" => record.push(fact(FieldKind::Title, prop_value(element))),
            "worksFor" | "affiliation" => {
                if let Some(org) = nested_text(element, &["name", "legalName"]) {
                    record.push(fact(FieldKind::Company, org));
                }
                if element.value().attr("itemscope").is_some()
                    && let Some(url) = props(element)
                        .into_iter()
                        .find(|(n, _)| n == "url")
                        .map(|(_, e)| prop_value(e))
                {
                    record.push(fact(FieldKind::Website, url));
                }
            }
            "address" | "homeLocation" | "workLocation" => {
                if let Some(place) = nested_text(
                    element,
                    &["addressLocality", "addressRegion", "addressCountry", "name"],
                ) {
                    record.push(fact(FieldKind::Location, place));
                }
            }
            "sameAs" | "url" => {
                let url = prop_value(element);
                if let Some(kind) = profile_kind(&url) {
                    record.push(fact(kind, url));
                }
            }
            _ => {}
        }
    }
    if record.first(FieldKind::Name).is_none()
        && let (Some(g), Some(f)) = (given, family)
    {
        record.push(fact(FieldKind::Name, format!("{g} {f}")));
    }
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_with_nested_scopes() {
        let doc = Html::parse_document(
            r#"<ul>
            <li itemscope itemtype="https://schema.org/Person">
              <span itemprop="name">Ada Quill</span>, <span itemprop="jobTitle">CTO</span>
              <div itemprop="worksFor" itemscope itemtype="https://schema.org/Organization"><span itemprop="name">Quill Works</span><link itemprop="url" href="https://quill.example/"></div>
              <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress"><span itemprop="addressLocality">Lisbon</span></div>
              <a itemprop="email" href="mailto:ada@quill.example">email</a>
              <a itemprop="sameAs" href="https://www.linkedin.com/in/adaquill">in</a>
            </li>
            <li itemscope itemtype="http://schema.org/Person"><meta itemprop="givenName" content="Bo"><meta itemprop="familyName" content="Lind"></li>
            </ul>"#,
        );
        let people = read(&doc);
        assert_eq!(people.len(), 2);
        let ada = &people[0];
        assert_eq!(ada.first(FieldKind::Name), Some("Ada Quill"));
        assert_eq!(ada.first(FieldKind::Title), Some("CTO"));
        assert_eq!(ada.first(FieldKind::Company), Some("Quill Works"));
        assert_eq!(
            ada.first(FieldKind::Website),
            Some("https://quill.example/")
        );
        assert_eq!(ada.first(FieldKind::Location), Some("Lisbon"));
        assert_eq!(ada.first(FieldKind::Email), Some("ada@quill.example"));
        assert_eq!(
            ada.first(FieldKind::Linkedin),
            Some("https://www.linkedin.com/in/adaquill")
        );
        assert!(
            ada.values(FieldKind::Name).count() == 1,
            "the organisation's name is not the person's"
        );
        assert_eq!(people[1].first(FieldKind::Name), Some("Bo Lind"));
    }
}
