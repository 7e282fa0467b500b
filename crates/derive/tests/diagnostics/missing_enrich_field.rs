extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize)]
struct Money {
    cents: i64,
}

#[derive(serde::Deserialize, Enrich)]
struct Lead {
    /// Estimated annual revenue
    revenue: Money,
}

fn main() {}
