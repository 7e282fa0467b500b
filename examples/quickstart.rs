//! One typed enrichment: describe the fields as a Rust struct, send a partial lead, print the
//! struct that comes back. Offline against the emulator unless SIXTYFOUR_API_KEY is set.
//!
//! `cargo run --example quickstart`

use serde::Deserialize;
use sixtyfour::prelude::*;

/// What we want to know about a lead. Doc comments are the descriptions the research agent
/// reads; the Rust types are the types that come back.
#[derive(Debug, Deserialize, Enrich)]
struct Lead {
    /// The individual's full name
    name: String,
    /// The individual's email address
    email: Option<String>,
    /// The individual's job title
    title: Option<String>,
    /// The company the individual is associated with
    company: Option<String>,
    /// LinkedIn URL for the person
    linkedin: Option<String>,
    /// The individual's location and/or company location
    location: Option<String>,
    /// Industry the person operates in
    industry: Option<String>,
    /// Skills listed on their profile
    skills: Vec<String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _emulator) = sixtyfour_examples::client().await?;

    let lead = serde_json::json!({"name": "Rafael Núñez", "company": "Lanternfish Labs"});
    println!("Enriching {lead} ...");
    let enriched = client.enrich::<Lead>(&lead).await?;

    let person = &enriched.data;
    let show = |value: &Option<String>| value.clone().unwrap_or_else(|| "(not found)".into());
    println!();
    println!("  name      {}", person.name);
    println!("  title     {}", show(&person.title));
    println!("  company   {}", show(&person.company));
    println!("  email     {}", show(&person.email));
    println!("  linkedin  {}", show(&person.linkedin));
    println!("  location  {}", show(&person.location));
    println!("  industry  {}", show(&person.industry));
    println!("  skills    {}", person.skills.join(", "));
    println!();
    println!(
        "confidence {:?}/10, task {}",
        enriched.confidence_score.unwrap_or_default(),
        enriched
            .task_id
            .map(|t| t.into_string())
            .unwrap_or_default()
    );
    println!("notes: {}", enriched.notes);
    for (url, what) in &enriched.references {
        println!("source: {url}: {}", what.as_str().unwrap_or_default());
    }
    Ok(())
}
