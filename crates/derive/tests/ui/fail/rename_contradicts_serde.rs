extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
struct Lead {
    /// The individual's email address
    #[enrich(rename = "email")]
    #[serde(rename = "work_email")]
    email_address: String,
}

fn main() {}
