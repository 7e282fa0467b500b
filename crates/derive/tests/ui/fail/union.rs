extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(Enrich)]
union Lead {
    id: u32,
    score: f32,
}

fn main() {}
