extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
struct Lead {
    #[enrich(desc = 42)]
    age: u32,
}

fn main() {}
