extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
enum Lead {
    Person { name: String },
}

fn main() {}
