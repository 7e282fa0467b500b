extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
struct Lead {
    #[enrich(skip)]
    #[serde(default)]
    crm_id: u64,
    #[serde(skip)]
    cache: Vec<u8>,
}

fn main() {}
