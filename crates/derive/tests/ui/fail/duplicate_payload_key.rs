extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
struct Lead {
    /// Work email
    email: String,
    /// Personal email
    #[enrich(rename = "email")]
    personal_email: String,
}

fn main() {}
