extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
struct Lead {
    /// The individual's email address
    email: String,
    #[enrich(skip)]
    crm_id: u64,
}

fn main() {}
