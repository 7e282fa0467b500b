//! serde's renames decide the payload keys, so they always match what `Deserialize` reads.
extern crate sixtyfour_casting as sixtyfour;

use serde::Deserialize;
use serde_json::json;
use sixtyfour::Enrich;

#[derive(Debug, Deserialize, Enrich)]
#[serde(rename_all = "kebab-case")]
struct Contact {
    /// Work email
    work_email: String,
    /// LinkedIn URL
    #[serde(rename = "linkedin")]
    linkedin_url: String,
    /// Phone number
    #[serde(rename(serialize = "tel", deserialize = "phone"))]
    phone_number: Option<String>,
    /// Job title
    #[enrich(rename = "job-title")]
    job_title: String,
}

#[derive(Debug, Deserialize, Enrich)]
struct ApiNames {
    /// Company website
    #[enrich(rename = "website")]
    homepage: String,
}

fn main() {
    assert_eq!(
        Contact::schema().names().collect::<Vec<_>>(),
        ["work-email", "linkedin", "phone", "job-title"]
    );
    let data = json!({"work-email": "a@b.example", "linkedin": "https://l.example/in/a", "phone": " ", "job-title": "CTO"});
    let contact: Contact = sixtyfour::decode(data.as_object().unwrap(), &Default::default()).unwrap();
    assert_eq!(contact.linkedin_url, "https://l.example/in/a");
    assert_eq!(contact.phone_number, None);
    assert_eq!(contact.job_title, "CTO");

    // An enrich-only rename changes the API key; decoding maps it back to the Rust field.
    assert_eq!(ApiNames::schema().names().collect::<Vec<_>>(), ["website"]);
    let data = json!({"website": "https://lanternfish.example"});
    let names: ApiNames = sixtyfour::decode(data.as_object().unwrap(), &Default::default()).unwrap();
    assert_eq!(names.homepage, "https://lanternfish.example");
}
