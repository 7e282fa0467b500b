extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
struct Lead {
    #[enrich(description = "The individual's email address")]
    email: String,
}

fn main() {
    let _ = Lead::schema();
}
