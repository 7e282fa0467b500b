//! A struct with a lifetime decodes into owned data (`Cow` fields are read as owned text).
extern crate sixtyfour_casting as sixtyfour;

use std::borrow::Cow;
use std::marker::PhantomData;

use serde::Deserialize;
use sixtyfour::Enrich;

#[derive(Debug, Deserialize, Enrich)]
struct Lead<'a> {
    /// The individual's job title
    title: Cow<'a, str>,
    /// Years of experience
    years: Option<u8>,
    #[serde(skip)]
    marker: PhantomData<&'a ()>,
}

fn main() {
    assert_eq!(Lead::schema().names().collect::<Vec<_>>(), ["title", "years"]);
    let data = serde_json::json!({"title": "CTO", "years": " 12 "});
    let lead: Lead<'_> = sixtyfour::decode(data.as_object().unwrap(), &Default::default()).unwrap();
    assert_eq!((lead.title.as_ref(), lead.years), ("CTO", Some(12)));
    let _ = lead.marker;
}
