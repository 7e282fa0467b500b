//! Descriptions from doc comments, joined into one text; `desc` wins over them.
extern crate sixtyfour_casting as sixtyfour;

use serde::Deserialize;
use serde_json::json;
use sixtyfour::Enrich;

#[derive(Deserialize, Enrich)]
struct Profile {
    /// Take detailed notes on their GitHub profile:
    /// languages, activity and notable repositories.
    ///
    /// Keep it under 200 words.
    github_notes: String,
    /// This doc comment is for Rust readers.
    #[enrich(desc = "The individual's job title")]
    title: String,
    /** Company website URL */
    website: String,
}

fn main() {
    assert_eq!(
        Profile::schema().to_json(),
        json!({
            "github_notes": "Take detailed notes on their GitHub profile: languages, activity and notable repositories.\nKeep it under 200 words.",
            "title": "The individual's job title",
            "website": "Company website URL",
        })
    );
}
