extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize)]
struct Address {
    city: String,
}

#[derive(serde::Deserialize, Enrich)]
struct Lead {
    /// The individual's email address
    email: String,
    /// Where they live
    #[serde(flatten)]
    address: Address,
}

fn main() {}
