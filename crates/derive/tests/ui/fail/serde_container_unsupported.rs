extern crate sixtyfour_casting as sixtyfour;

use sixtyfour::Enrich;

#[derive(serde::Deserialize, Enrich)]
#[serde(transparent)]
struct Email {
    /// The address
    address: String,
}

#[derive(serde::Deserialize)]
struct Raw {
    email: String,
}

#[derive(serde::Deserialize, Enrich)]
#[serde(from = "Raw")]
struct FromRaw {
    /// The address
    email: String,
}

#[derive(serde::Deserialize, Enrich)]
#[serde(try_from = "Raw")]
struct TryFromRaw {
    /// The address
    email: String,
}

impl From<Raw> for FromRaw {
    fn from(raw: Raw) -> Self {
        FromRaw { email: raw.email }
    }
}

impl TryFrom<Raw> for TryFromRaw {
    type Error = String;
    fn try_from(raw: Raw) -> Result<Self, String> {
        Ok(TryFromRaw { email: raw.email })
    }
}

fn main() {}
