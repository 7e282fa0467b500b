//! A field whose type is itself `Enrich` is a dict (a list for `Vec`), described key by key,
//! and cast by its own field types from an object or its JSON text.
extern crate sixtyfour_casting as sixtyfour;

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
    /// Their next employer, if announced
    next: Option<Company>,
    /// Boards they sit on
    boards: Option<Vec<Company>>,
}

fn main() {
    let keys = "an object with the keys \"name\" (str): Company name; \"employees\" (int, optional): Number of employees; \"public\" (bool): Public company or not";
    assert_eq!(
        Person::schema().to_json(),
        json!({
            "name": "Full name",
            "company": {"description": format!("The company they work for. {}.", capitalized(keys)), "type": "dict"},
            "previous": {"description": format!("Companies they worked for before. A list, each item {keys}."), "type": "list"},
            "next": {"description": format!("Their next employer, if announced. {}.", capitalized(keys)), "type": "dict"},
            "boards": {"description": format!("Boards they sit on. A list, each item {keys}."), "type": "list"},
        })
    );
    let data = json!({
        "name": "Ada",
        "company": "{\"name\": \"Lanternfish\", \"employees\": \"1,200\", \"public\": \"no\"}",
        "previous": [{"name": "Kestrel", "employees": "", "public": "yes"}, "{\"name\": \"Harbor\", \"public\": true}"],
        "next": " ",
        "boards": "[{\"name\": \"Northwind\", \"employees\": 40, \"public\": \"1\"}]",
    });
    let person: Person = sixtyfour::decode(data.as_object().unwrap(), &Default::default()).unwrap();
    assert_eq!(person.company, Company { name: "Lanternfish".into(), employees: Some(1200), public: false });
    assert_eq!(
        person.previous,
        [
            Company { name: "Kestrel".into(), employees: None, public: true },
            Company { name: "Harbor".into(), employees: None, public: true },
        ]
    );
    assert_eq!(person.next, None);
    assert_eq!(person.boards.unwrap()[0].employees, Some(40));
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
