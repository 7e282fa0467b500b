use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
enum Lead {
    Person { name: String },
}

fn main() {}
