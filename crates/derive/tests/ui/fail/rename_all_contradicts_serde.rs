extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
#[serde(rename_all = "camelCase")]
#[enrich(rename_all = "kebab-case")]
struct Lead {
    /// The individual's job title
    job_title: String,
}

fn main() {}
