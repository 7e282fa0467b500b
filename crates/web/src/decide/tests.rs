//! Table tests of matching and deciding.

use super::*;
use crate::extract::{Fact, Site};
use serde_json::json;

fn lead(value: serde_json::Value) -> Lead {
    Lead::from_map(value.as_object().unwrap())
}

fn record(facts: &[(FieldKind, &str)]) -> Record {
    Record {
        facts: facts
            .iter()
            .map(|(k, v)| Fact::new(*k, *v, Source::JsonLd))
            .collect(),
        whole_page: false,
    }
}

fn page(url: &str, records: Vec<Record>) -> PageFacts {
    PageFacts {
        url: url.into(),
        records,
        ..PageFacts::default()
    }
}

#[test]
fn match_levels() {
    use FieldKind::*;
    let ada = lead(
        json!({"name": "Ada Quill", "company": "Quill Works", "email": "ada@quillworks.example", "linkedin": "https://linkedin.com/in/adaq"}),
    );
    let identity = Identity::from_lead(&ada);
    let team = PageFacts {
        url: "https://other.example/team/".into(),
        site: Site {
            org_name: Some("Quill Works".into()),
            org_url: None,
            team_page: true,
            location: None,
        },
        ..PageFacts::default()
    };
    let cases: Vec<(Record, &PageFacts, Match)> = vec![
        (
            record(&[(Email, "ADA@quillworks.example")]),
            &team,
            Match::Lead(MatchLevel::Email),
        ),
        (
            record(&[(Linkedin, "https://www.linkedin.com/in/adaq/")]),
            &team,
            Match::Lead(MatchLevel::Profile),
        ),
        (
            record(&[(Name, "Ada Quill"), (Company, "Quill Works Inc.")]),
            &team,
            Match::Lead(MatchLevel::NameAndCompany),
        ),
        (
            record(&[(Name, "Ada Quill")]),
            &team,
            Match::Lead(MatchLevel::NameAndCompany),
        ),
        (
            record(&[(Name, "Ada Quill"), (Company, "Globex")]),
            &team,
            Match::Namesake,
        ),
        (
            record(&[(Name, "Ada Quill"), (Email, "ada@globex.example")]),
            &team,
            Match::Namesake,
        ),
        (
            record(&[
                (Name, "Ada Quill"),
                (Linkedin, "https://linkedin.com/in/ada-other"),
            ]),
            &team,
            Match::Namesake,
        ),
        (
            record(&[(Name, "Bo Lind"), (Company, "Quill Works")]),
            &team,
            Match::Unrelated,
        ),
    ];
    for (i, (r, p, want)) in cases.iter().enumerate() {
        assert_eq!(match_record(&identity, r, p), *want, "case {i}");
    }
    let plain = page("https://blog.example/post", vec![]);
    assert_eq!(
        match_record(&identity, &record(&[(Name, "Ada Quill")]), &plain),
        Match::Lead(MatchLevel::NameOnly)
    );
}

#[test]
fn namesakes_suppress_name_only_records_and_strong_records_teach_the_company() {
    use FieldKind::*;
    let ada = lead(json!({"name": "Ada Quill", "linkedin": "https://linkedin.com/in/adaq"}));
    let pages = vec![
        page(
            "https://www.linkedin.com/in/adaq",
            vec![record(&[
                (Name, "Ada Quill"),
                (Linkedin, "https://linkedin.com/in/adaq"),
                (Company, "Quill Works"),
                (Title, "CTO"),
            ])],
        ),
        page(
            "https://globex.example/team/",
            vec![record(&[
                (Name, "Ada Quill"),
                (Company, "Globex"),
                (Title, "Designer"),
            ])],
        ),
        page(
            "https://blog.example/post",
            vec![record(&[(Name, "Ada Quill"), (Title, "Poet")])],
        ),
    ];
    let matching = match_pages(&ada, &pages);
    assert_eq!(matching.identity.company.as_deref(), Some("Quill Works"));
    assert_eq!(matching.namesakes, 1);
    assert_eq!(matching.accepted.len(), 1);
    assert_eq!(matching.best_level(), Some(MatchLevel::Profile));
}

fn cand(
    value: &str,
    url: &str,
    date: Option<u32>,
    level: MatchLevel,
    source: Source,
    former: bool,
) -> Candidate {
    Candidate {
        value: value.into(),
        url: url.into(),
        date,
        level,
        source,
        former,
        authority: 1.0,
    }
}

#[test]
fn field_decisions() {
    use MatchLevel::*;
    use Source::*;
    struct Case {
        name: &'static str,
        kind: FieldKind,
        candidates: Vec<Candidate>,
        value: Option<&'static str>,
        min: u8,
        max: u8,
    }
    let cases = vec![
        Case {
            name: "nothing",
            kind: FieldKind::Title,
            candidates: vec![],
            value: None,
            min: 0,
            max: 0,
        },
        Case {
            name: "one strong source",
            kind: FieldKind::Email,
            candidates: vec![cand(
                "ada@q.example",
                "https://q.example/team",
                None,
                Email,
                Link,
                false,
            )],
            value: Some("ada@q.example"),
            min: 85,
            max: 95,
        },
        Case {
            name: "agreement raises confidence",
            kind: FieldKind::Title,
            candidates: vec![
                cand(
                    "CTO",
                    "https://a.example/",
                    None,
                    NameAndCompany,
                    Card,
                    false,
                ),
                cand(
                    "Chief Technology Officer",
                    "https://b.example/",
                    None,
                    NameAndCompany,
                    JsonLd,
                    false,
                ),
                cand(
                    "cto",
                    "https://c.example/",
                    None,
                    NameAndCompany,
                    Prose,
                    false,
                ),
            ],
            value: Some("Chief Technology Officer"),
            min: 80,
            max: 90,
        },
        Case {
            name: "the newer page wins",
            kind: FieldKind::Title,
            candidates: vec![
                cand(
                    "Senior Engineer",
                    "https://conf.example/2019",
                    Some(20190401),
                    NameAndCompany,
                    Card,
                    false,
                ),
                cand(
                    "Engineering Manager",
                    "https://q.example/team",
                    Some(20240101),
                    NameAndCompany,
                    Card,
                    false,
                ),
            ],
            value: Some("Engineering Manager"),
            min: 40,
            max: 70,
        },
        Case {
            name: "a value called former loses",
            kind: FieldKind::Title,
            candidates: vec![
                cand(
                    "Senior Engineer",
                    "https://conf.example/2019",
                    None,
                    NameAndCompany,
                    Card,
                    false,
                ),
                cand(
                    "Senior Engineer",
                    "https://news.example/x",
                    None,
                    NameAndCompany,
                    Prose,
                    true,
                ),
                cand(
                    "Staff Engineer",
                    "https://q.example/team",
                    None,
                    NameAndCompany,
                    Card,
                    false,
                ),
            ],
            value: Some("Staff Engineer"),
            min: 40,
            max: 80,
        },
        Case {
            name: "name-only prose stays empty",
            kind: FieldKind::Location,
            candidates: vec![cand(
                "Lisbon",
                "https://blog.example/",
                None,
                NameOnly,
                Prose,
                false,
            )],
            value: None,
            min: 0,
            max: 39,
        },
        Case {
            name: "a place spelled more fully is shown",
            kind: FieldKind::Location,
            candidates: vec![
                cand("Lisbon", "https://a.example/", None, Profile, Card, false),
                cand(
                    "Lisbon, Portugal",
                    "https://b.example/",
                    None,
                    Profile,
                    Card,
                    false,
                ),
            ],
            value: Some("Lisbon, Portugal"),
            min: 85,
            max: 100,
        },
    ];
    for case in cases {
        let decision = decide_field(case.kind, &case.candidates);
        assert_eq!(decision.value.as_deref(), case.value, "{}", case.name);
        assert!(
            (case.min..=case.max).contains(&decision.confidence),
            "{}: confidence {} not in {}..={}",
            case.name,
            decision.confidence,
            case.min,
            case.max
        );
    }
}

#[test]
fn title_keys() {
    for (a, b) in [
        ("Chief Technology Officer", "CTO"),
        ("VP of Engineering", "VP Engineering"),
        ("Vice President, Engineering", "vp engineering"),
        ("Co-Founder & CEO", "cofounder and chief executive officer"),
        ("Head of Design", "head design"),
        ("Co-Founder & CEO", "CEO and Co-founder"),
    ] {
        assert_eq!(title_key(a), title_key(b), "{a} vs {b}");
    }
    assert_ne!(title_key("CTO"), title_key("CEO"));
}

#[test]
fn email_fit() {
    let identity = Identity::from_lead(&lead(
        json!({"name": "Ada Quill", "company": "Quill Works", "email": "x@quillworks.example"}),
    ));
    assert!(email_fits("ada@gmail.com", &identity));
    assert!(email_fits("aquill@foo.example", &identity));
    assert!(email_fits("anyone@quillworks.example", &identity));
    assert!(!email_fits("bo.lind@other.example", &identity));
}

#[test]
fn a_site_named_for_the_person_is_not_their_company() {
    let juno = record(&[(FieldKind::Name, "Juno Castellanos")]);
    let mut own = page("https://junocastellanos.example/", vec![juno.clone()]);
    own.site = Site {
        org_name: Some("Juno Castellanos Illustration".into()),
        team_page: true,
        ..Site::default()
    };
    assert_eq!(record_company(&juno, &own), None);
    let mut team = own.clone();
    team.site.org_name = Some("Castellanos Studio".into());
    assert_eq!(record_company(&juno, &team), Some("Castellanos Studio"));
}
