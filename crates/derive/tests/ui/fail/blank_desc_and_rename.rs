extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
struct Lead {
    #[enrich(desc = "  ")]
    title: String,
    /// The individual's email address
    #[enrich(rename = "")]
    email: String,
}

fn main() {}
