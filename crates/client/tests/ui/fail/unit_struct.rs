use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
struct Lead;

fn main() {}
