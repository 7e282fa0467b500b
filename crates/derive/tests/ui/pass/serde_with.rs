//! A field serde reads with its own function: `type` names the API type (the Rust type needs
//! no `EnrichField`), the value is cast to it and handed to that function.
extern crate sixtyfour_casting as sixtyfour;

use serde::{Deserialize, Deserializer};
use serde_json::json;
use sixtyfour::Enrich;

#[derive(Debug, PartialEq)]
struct Cents(i64);

fn dollars<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Cents, D::Error> {
    let dollars = f64::deserialize(deserializer)?;
    Ok(Cents((dollars * 100.0).round() as i64))
}

mod upper {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        Ok(String::deserialize(deserializer)?.to_uppercase())
    }
}

#[derive(Debug, Deserialize, Enrich)]
struct Deal {
    /// Deal size in dollars
    #[enrich(type = "float")]
    #[serde(deserialize_with = "dollars")]
    size: Cents,
    /// Currency code
    #[serde(with = "upper")]
    currency: String,
}

fn main() {
    assert_eq!(
        Deal::schema().to_json(),
        json!({
            "size": {"description": "Deal size in dollars", "type": "float"},
            "currency": "Currency code",
        })
    );
    let data = json!({"size": "1,234.5", "currency": "eur"});
    let deal: Deal = sixtyfour::decode(data.as_object().unwrap(), &Default::default()).unwrap();
    assert_eq!((deal.size, deal.currency.as_str()), (Cents(123_450), "EUR"));
}
