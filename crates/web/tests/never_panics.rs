//! Nothing read from a page, a robots.txt, a URL or a truth value makes the researcher panic.

use proptest::prelude::*;
use sixtyfour_web::extract::{emails, extract_html};
use sixtyfour_web::fetch::Robots;
use sixtyfour_web::{FieldKind, Lead, eval::same_value, offline::relative_path};

/// Text made of HTML-ish pieces, names, emails and punctuation, so the extractors' paths run.
fn htmlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<div class=\"card\">".to_owned()),
        Just("</div>".to_owned()),
        Just("<h2>".to_owned()),
        Just("</h2>".to_owned()),
        Just("<p>".to_owned()),
        Just("<table><tr><th>Name</th><th>Role</th></tr><tr><td>".to_owned()),
        Just("<dl><dt>Email</dt><dd>".to_owned()),
        Just("<script type=\"application/ld+json\">{\"@type\":\"Person\",\"name\":".to_owned()),
        Just("Ada Quill".to_owned()),
        Just("Quill, Ada".to_owned()),
        Just(", CTO at Quill Works".to_owned()),
        Just(" is based in Lisbon, Portugal. ".to_owned()),
        Just("ada [at] quill [dot] example".to_owned()),
        Just("<a href=\"mailto:ada@quill.example\">".to_owned()),
        Just("2016 – 2019".to_owned()),
        Just("(".to_owned()),
        Just("é".to_owned()),
        "[ -~]{0,12}",
        "\\PC{0,6}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn extraction_never_panics(body in htmlish(), email in "[a-z.]{1,8}@[a-z]{1,8}\\.example") {
        let lead = Lead::from_map(serde_json::json!({"name": "Ada Quill", "company": "Quill Works", "email": email}).as_object().unwrap());
        let _ = extract_html("https://quill.example/team/", &body, &lead);
        let _ = extract_html("https://www.linkedin.com/in/ada", &body, &Lead::default());
        let _ = emails::in_text(&body);
    }

    #[test]
    fn robots_never_panics(body in "\\PC{0,200}", path in "\\PC{0,40}") {
        let robots = Robots::parse(&body);
        let _ = robots.allows("sixtyfour-web", &path);
        let _ = robots.crawl_delay("sixtyfour-web");
    }

    #[test]
    fn offline_paths_never_panic_and_stay_inside(url in "(https?://)?[a-z0-9%./~-]{0,40}") {
        if let Ok(path) = relative_path(&url) {
            prop_assert!(path.components().all(|c| matches!(c, std::path::Component::Normal(_))));
        }
    }

    #[test]
    fn comparison_never_panics(a in "\\PC{0,30}", b in "\\PC{0,30}") {
        for kind in [FieldKind::Email, FieldKind::Website, FieldKind::Location, FieldKind::Title, FieldKind::Company, FieldKind::Phone, FieldKind::Name] {
            let _ = same_value(kind, &a, &b);
        }
    }
}
