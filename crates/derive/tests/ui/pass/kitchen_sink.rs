//! Every attribute at once.
extern crate sixtyfour_casting as sixtyfour;

use serde::Deserialize;
use serde_json::json;
use sixtyfour::Enrich;

#[derive(Debug, Deserialize, Enrich)]
#[serde(rename_all = "camelCase")]
#[enrich(rename_all = "camelCase", research_plan = "Start from the company website.", crate = "::sixtyfour")]
struct KitchenSink {
    /// The individual's full name
    full_name: String,
    #[enrich(desc = "Work email, not a personal one")]
    email: Option<String>,
    #[enrich(rename = "headcount", desc = "Employees at the company")]
    #[serde(rename = "headcount")]
    company_size: u32,
    #[enrich(type = "list[str]", desc = "Programming languages on their GitHub")]
    languages: Vec<String>,
    /// A score from 0 to 10
    #[enrich(type = "float")]
    fit_score: Option<f64>,
    #[enrich(skip)]
    #[serde(default)]
    internal_id: u64,
    #[serde(skip)]
    cache: Vec<u8>,
    /// Whether they are hiring
    r#hiring: bool,
}

fn main() {
    assert_eq!(
        KitchenSink::schema().to_json(),
        json!({
            "fullName": "The individual's full name",
            "email": "Work email, not a personal one",
            "headcount": {"description": "Employees at the company", "type": "int"},
            "languages": {"description": "Programming languages on their GitHub", "type": "list[str]"},
            "fitScore": {"description": "A score from 0 to 10", "type": "float"},
            "hiring": {"description": "Whether they are hiring", "type": "bool"},
        })
    );
    assert_eq!(KitchenSink::research_plan(), Some("Start from the company website."));
    let data = json!({
        "fullName": "Ines Okafor", "email": "", "headcount": "1,200",
        "languages": "[\"rust\", \"go\"]", "fitScore": "8.5", "hiring": "yes"
    });
    let decoded: KitchenSink = sixtyfour::decode(data.as_object().unwrap(), &Default::default()).unwrap();
    assert_eq!(decoded.full_name, "Ines Okafor");
    assert_eq!(decoded.email, None);
    assert_eq!(decoded.company_size, 1200);
    assert_eq!(decoded.languages, ["rust", "go"]);
    assert_eq!(decoded.fit_score, Some(8.5));
    assert!(decoded.hiring);
    assert_eq!(decoded.internal_id, 0);
    assert!(decoded.cache.is_empty());
}
