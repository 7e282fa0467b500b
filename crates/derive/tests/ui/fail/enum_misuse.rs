extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
enum Stage {
    Seed,
    SeriesA { amount: u64 },
    Bridge(u32, u32),
}

#[derive(serde::Deserialize, Enrich)]
enum Seniority {
    #[enrich(other)]
    Junior,
    #[enrich(other)]
    Senior,
    #[enrich(other)]
    Staff(String, String),
}

#[allow(non_camel_case_types)]
#[derive(serde::Deserialize, Enrich)]
enum Ambiguous {
    SeriesA,
    #[serde(rename = "series_a")]
    Series_A,
}

#[derive(serde::Deserialize, Enrich)]
enum Empty {}

#[derive(serde::Deserialize, Enrich)]
#[serde(tag = "kind")]
#[enrich(rename_all = "snake_case", research_plan = "Look it up.")]
enum Tagged {
    One,
}

fn main() {}
