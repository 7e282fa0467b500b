//! `Option<Option<T>>` and `Box<T>` take the shape of what they hold.
extern crate sixtyfour_casting as sixtyfour;

use serde::Deserialize;
use serde_json::json;
use sixtyfour::Enrich;

#[derive(Debug, Deserialize, Enrich, PartialEq)]
struct Office {
    /// City
    city: String,
}

#[derive(Debug, Deserialize, Enrich)]
struct Lead {
    /// Years at the company
    tenure: Option<Option<u8>>,
    /// Headcount
    headcount: Box<u32>,
    /// Their office
    office: Box<Office>,
}

fn main() {
    let schema = Lead::schema().to_json();
    assert_eq!(schema["tenure"], json!({"description": "Years at the company", "type": "int"}));
    assert_eq!(schema["headcount"], json!({"description": "Headcount", "type": "int"}));
    assert_eq!(schema["office"]["type"], "dict");
    let decode = |data: serde_json::Value| {
        sixtyfour::decode::<Lead>(data.as_object().unwrap(), &Default::default()).unwrap()
    };
    let lead = decode(json!({"tenure": "3", "headcount": "1,200", "office": "{\"city\": \"Oslo\"}"}));
    assert_eq!(lead.tenure, Some(Some(3)));
    assert_eq!(*lead.headcount, 1200);
    assert_eq!(lead.office.city, "Oslo");
    let lead = decode(json!({"tenure": "", "headcount": 7, "office": {"city": "Turin"}}));
    assert_eq!(lead.tenure, None);
}
