extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
struct Lead {
    #[enrich(desc = "Email address")]
    #[enrich(desc = "Work email address")]
    email: String,
}

fn main() {}
