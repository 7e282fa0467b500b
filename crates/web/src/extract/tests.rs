//! Whole-page extraction tests.

use super::*;
use serde_json::json;

fn lead(value: serde_json::Value) -> Lead {
    Lead::from_map(value.as_object().unwrap())
}

fn page(url: &str, html: &str, lead: &Lead) -> PageFacts {
    extract_html(url, html, lead)
}

#[test]
fn a_team_page_gives_one_card_per_mention() {
    let l = lead(json!({"name": "Ada Quill", "company": "Quill Works"}));
    let facts = page(
        "https://quill.example/team/",
        r#"<html><head><title>Our team | Quill Works</title></head><body><h1>Our team</h1>
        <div class="people">
          <div class="person"><h3>Bo Lind</h3><p>CEO</p><a href="mailto:bo@quill.example">Email</a></div>
          <div class="person"><h3>Ada Quill</h3><p>Chief Technology Officer</p><p>Lisbon, Portugal</p>
            <a href="mailto:ada@quill.example">Email</a> <a href="https://www.linkedin.com/in/adaquill">LinkedIn</a></div>
        </div></body></html>"#,
        &l,
    );
    assert!(facts.site.team_page);
    assert_eq!(facts.site.org_name.as_deref(), Some("Quill Works"));
    assert_eq!(facts.records.len(), 1, "{:#?}", facts.records);
    let r = &facts.records[0];
    assert_eq!(r.first(FieldKind::Title), Some("Chief Technology Officer"));
    assert_eq!(r.first(FieldKind::Email), Some("ada@quill.example"));
    assert_eq!(r.first(FieldKind::Location), Some("Lisbon, Portugal"));
    assert_eq!(
        r.first(FieldKind::Linkedin),
        Some("https://www.linkedin.com/in/adaquill")
    );
    assert!(
        r.values(FieldKind::Email)
            .all(|f| f.value != "bo@quill.example")
    );
}

#[test]
fn a_personal_page_is_about_its_owner() {
    let l = lead(json!({"name": "Ada Quill"}));
    let facts = page(
        "https://adaquill.test/",
        r#"<html><head><title>Ada Quill</title></head><body><header><h1>Ada Quill</h1></header>
        <main><p>Hi! I'm a Staff Engineer at Quill Works, where I build robots.</p>
        <p>I live in Porto.</p><p>Write to me: ada [at] adaquill [dot] test</p></main>
        <footer><a href="https://github.com/adaq">GitHub</a></footer></body></html>"#,
        &l,
    );
    let whole = facts
        .records
        .iter()
        .find(|r| r.whole_page)
        .expect("a whole-page record");
    assert_eq!(whole.first(FieldKind::Title), Some("Staff Engineer"));
    assert_eq!(whole.first(FieldKind::Company), Some("Quill Works"));
    assert_eq!(whole.first(FieldKind::Location), Some("Porto"));
    assert_eq!(whole.first(FieldKind::Email), Some("ada@adaquill.test"));
    assert_eq!(
        whole.first(FieldKind::Github),
        Some("https://github.com/adaq")
    );
    assert_eq!(
        whole.first(FieldKind::PersonalWebsite),
        Some("https://adaquill.test/")
    );
}

#[test]
fn an_experience_list_keeps_past_roles_apart() {
    let l = lead(json!({"name": "Ada Quill"}));
    let facts = page(
        "https://www.linkedin.com/in/adaquill",
        r#"<html><head><title>Ada Quill | LinkedIn</title></head><body><h1>Ada Quill</h1>
        <section><h2>Experience</h2><ul>
        <li><div>Staff Engineer</div><div>Quill Works</div><div>Jan 2021 - Present</div></li>
        <li><div>Senior Engineer</div><div>Globex</div><div>2016 - 2020</div></li>
        </ul></section></body></html>"#,
        &l,
    );
    let whole = facts
        .records
        .iter()
        .find(|r| r.whole_page)
        .expect("a whole-page record");
    assert_eq!(whole.first(FieldKind::Title), Some("Staff Engineer"));
    assert_eq!(whole.first(FieldKind::Company), Some("Quill Works"));
    assert!(
        whole
            .values(FieldKind::Title)
            .any(|f| f.value == "Senior Engineer" && f.former)
    );
    assert!(
        whole
            .values(FieldKind::Company)
            .any(|f| f.value == "Globex" && f.former)
    );
}

#[test]
fn link_texts_are_not_companies() {
    let l = lead(json!({"name": "Ada Quill", "company": "Quill Works"}));
    let facts = page(
        "https://quill.example/team/",
        r#"<html><head><title>Team | Quill Works</title></head><body>
        <div class="card"><h3>Ada Quill</h3><p>CTO</p><a href="tel:+15550100">Call</a></div>
        <div class="card"><h3>Bo Lind</h3><p>CEO</p><a href="mailto:bo@quill.example">Email Bo</a></div>
        </body></html>"#,
        &l,
    );
    assert!(
        facts.records[0].values(FieldKind::Company).next().is_none(),
        "{:?}",
        facts.records
    );
}

#[test]
fn json_pages_are_read_as_json_ld() {
    let body =
        r#"{"@type":"Person","name":"Ada Quill","jobTitle":"CTO","dateModified":"2024-01-02"}"#;
    let p = crate::fetch::Page {
        url: "https://x.example/ada.json".into(),
        final_url: "https://x.example/ada.json".into(),
        kind: ContentKind::Json,
        body: body.into(),
        truncated: false,
    };
    let facts = extract(&p, &Lead::default());
    assert_eq!(facts.records[0].first(FieldKind::Title), Some("CTO"));
}

#[test]
fn sentences_about_the_site_organisation() {
    for (text, about) in [
        ("Quill Works is headquartered in Lisbon.", true),
        ("We are a small team in Leeds.", true),
        ("Based in Sheffield.", false),
        (
            "Today a team of fourteen builds robots from our office in Sheffield.",
            true,
        ),
        ("Ada Quill moved to Paris in 2020.", false),
        ("Customers in Leeds love our robots.", false),
    ] {
        let words: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(
            sentence_about_org(&words, "Quill Works", 2),
            about,
            "{text}"
        );
    }
}

#[test]
fn the_organisation_place_from_its_own_pages() {
    let l = lead(json!({"name": "Ada Quill", "company": "Quill Works"}));
    for body in [
        "<p>Today a team of nine builds robots from our office in Sheffield.</p>",
        "<p>We are a small team in Sheffield, guided by a volunteer board.</p>",
    ] {
        let html = format!(
            "<html><head><title>About | Quill Works</title></head><body>{body}<p>Talk to Ada Quill, our head of sales.</p></body></html>"
        );
        let facts = page("https://quillworks.example/about/", &html, &l);
        assert_eq!(facts.site.location.as_deref(), Some("Sheffield"), "{body}");
    }
}

#[test]
fn a_personal_domain_names_its_owner() {
    for (title, email, want) in [
        (
            "Commissions \u{2014} Juno Castellanos Illustration",
            "hello@junocastellanos.example",
            Some("Juno Castellanos"),
        ),
        (
            "Juno Castellanos",
            "hello@junocastellanos.example",
            Some("Juno Castellanos"),
        ),
        (
            "Commissions \u{2014} Juno Castellanos Illustration",
            "hello@acme.example",
            None,
        ),
        (
            "Contact \u{2014} Acme Robotics",
            "hello@acmerobotics.example",
            None,
        ),
    ] {
        assert_eq!(
            domain_person(title, email).as_deref(),
            want,
            "{title} / {email}"
        );
    }
    let l = lead(json!({"email": "hello@junocastellanos.example"}));
    let facts = page(
        "https://junocastellanos.example/contact/",
        "<html><head><title>Commissions \u{2014} Juno Castellanos Illustration</title></head>\
         <body><h1>Commissions</h1><p>Tell me about your project.</p>\
         <p>hello&#64;junocastellanos&#46;example</p></body></html>",
        &l,
    );
    assert!(
        facts.records.iter().any(|r| r
            .first(FieldKind::Name)
            .is_some_and(|n| n == "Juno Castellanos")),
        "{facts:#?}"
    );
}
