extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
struct Lead {
    /// Social profiles
    #[enrich(type = "dict")]
    socials: String,
    /// Age in years
    #[enrich(type = "str")]
    age: Option<u32>,
    /// Headcount, which a float holds
    #[enrich(type = "int")]
    headcount: f64,
}

fn main() {}
