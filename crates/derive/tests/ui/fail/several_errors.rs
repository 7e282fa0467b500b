extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
#[enrich(rename_all = "Camel", research_plan = 7)]
struct Lead {
    #[enrich(type = "number")]
    age: u32,
    phone: String,
    #[enrich(skip)]
    crm_id: u64,
}

fn main() {}
