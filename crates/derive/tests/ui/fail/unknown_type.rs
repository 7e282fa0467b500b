extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
struct Lead {
    /// Age in years
    #[enrich(type = "number")]
    age: u32,
}

fn main() {}
