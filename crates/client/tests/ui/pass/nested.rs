//! A field whose type is itself `Enrich` is a dict, cast by its own field types.
use serde::Deserialize;
use serde_json::json;
use sixtyfour::Enrich;

#[derive(Debug, Deserialize, Enrich, PartialEq)]
struct Company {
    /// Company name
    name: String,
    /// Number of employees
    employees: Option<u32>,
    /// Public company or not
    public: bool,
}

#[derive(Debug, Deserialize, Enrich)]
struct Person {
    /// Full name
    name: String,
    /// The company they work for
    company: Company,
    /// Companies they worked for before
    previous: Vec<Company>,
}

fn main() {
    assert_eq!(
        Person::schema().to_json(),
        json!({
            "name": "Full name",
            "company": {"description": "The company they work for", "type": "dict"},
            "previous": {"description": "Companies they worked for before", "type": "list"},
        })
    );
    let data = json!({
        "name": "Ada",
        "company": "{\"name\": \"Lanternfish\", \"employees\": \"1,200\", \"public\": \"no\"}",
        "previous": [{"name": "Kestrel", "employees": "", "public": "yes"}],
    });
    let person: Person = sixtyfour::decode(data.as_object().unwrap(), &Default::default()).unwrap();
    assert_eq!(person.company, Company { name: "Lanternfish".into(), employees: Some(1200), public: false });
    assert_eq!(person.previous, [Company { name: "Kestrel".into(), employees: None, public: true }]);
}
