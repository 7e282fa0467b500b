extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
struct Measured<T> {
    /// The measured value
    #[enrich(type = "number")]
    value: T,
}

fn main() {
    let _ = Measured::<u32>::schema();
}
