extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
#[enrich(plan = "Start from the company website.")]
struct Lead {
    /// The individual's job title
    job_title: String,
}

fn main() {}
