//! A fieldless enum is a set of allowed values: sent as `str` with the values listed,
//! matched whatever the case and separators, serde's renames and aliases honoured, with an
//! optional catch-all.
extern crate sixtyfour_casting as sixtyfour;

use serde::Deserialize;
use serde_json::json;
use sixtyfour::{Enrich, Problem};

#[derive(Debug, Deserialize, Enrich, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Stage {
    /// Pre-seed and seed rounds
    Seed,
    #[serde(alias = "A round")]
    SeriesA,
    #[serde(rename = "later")]
    SeriesB,
}

#[derive(Debug, Deserialize, Enrich, PartialEq)]
enum Seniority {
    Junior,
    Senior,
    #[enrich(other)]
    Unknown,
}

#[derive(Debug, Deserialize, Enrich, PartialEq)]
enum Industry {
    Software,
    Biotech,
    #[enrich(other)]
    Other(String),
}

#[derive(Debug, Deserialize, Enrich)]
struct Company {
    /// Latest funding round
    stage: Stage,
    /// Seniority of the contact
    seniority: Option<Seniority>,
    /// Industry
    industry: Industry,
    /// Every round so far
    rounds: Vec<Stage>,
}

fn main() {
    assert_eq!(
        Company::schema().to_json(),
        json!({
            "stage": "Latest funding round. One of \"seed\" (Pre-seed and seed rounds), \"series_a\", \"later\".",
            "seniority": "Seniority of the contact. One of \"Junior\", \"Senior\", or another value.",
            "industry": "Industry. One of \"Software\", \"Biotech\", or another value.",
            "rounds": {"description": "Every round so far. A list, each item one of \"seed\" (Pre-seed and seed rounds), \"series_a\", \"later\".", "type": "list[str]"},
        })
    );
    let decode = |data: serde_json::Value| {
        sixtyfour::decode::<Company>(data.as_object().unwrap(), &Default::default())
    };
    let company = decode(json!({
        "stage": "Series A", "seniority": "SENIOR", "industry": "bio-tech",
        "rounds": "[\"SEED\", \"a round\", \"Later\"]",
    }))
    .unwrap();
    assert_eq!(company.stage, Stage::SeriesA);
    assert_eq!(company.seniority, Some(Seniority::Senior));
    assert_eq!(company.industry, Industry::Biotech);
    assert_eq!(company.rounds, [Stage::Seed, Stage::SeriesA, Stage::SeriesB]);

    let company = decode(json!({"stage": "series-a", "seniority": "staff", "industry": " Fintech ", "rounds": []})).unwrap();
    assert_eq!(company.seniority, Some(Seniority::Unknown));
    assert_eq!(company.industry, Industry::Other("Fintech".into()));

    let company = decode(json!({"stage": "seed", "seniority": "", "industry": "software", "rounds": []})).unwrap();
    assert_eq!(company.seniority, None);

    let err = decode(json!({"stage": "Series Z", "industry": "software", "rounds": ["seed", "ipo"]})).unwrap_err();
    assert_eq!(err.issues.len(), 2, "{err}");
    assert_eq!(err.issues[0].path, "stage");
    assert!(matches!(err.issues[0].problem, Problem::NotOneOf { .. }));
    assert_eq!(
        err.issues[0].to_string(),
        "`stage`: \"Series Z\" is not one of the allowed values: \"seed\", \"series_a\", \"later\""
    );
    assert_eq!(err.issues[1].path, "rounds[1]");
}
