//! 200 leads through `enrich_all` with bounded concurrency, each printed as it finishes, then a
//! summary. Offline against the emulator unless SIXTYFOUR_API_KEY is set.
//!
//! `cargo run --example batch`

use std::time::Instant;

use serde::Deserialize;
use sixtyfour::prelude::*;

#[derive(Debug, Deserialize, Enrich)]
struct Contact {
    /// The individual's full name
    name: Option<String>,
    /// The individual's job title
    title: Option<String>,
    /// The company the individual is associated with
    company: Option<String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _emulator) = sixtyfour_examples::client().await?;

    // The 50 sample leads, four times over: matched by email, LinkedIn, name and company, or not at all.
    let mut reader =
        csv::Reader::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/data/leads.csv"))?;
    let columns: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    let mut sample = Vec::new();
    for row in reader.records() {
        let lead: serde_json::Map<String, serde_json::Value> = columns
            .iter()
            .zip(row?.iter())
            .filter(|(_, cell)| !cell.is_empty())
            .map(|(column, cell)| (column.clone(), serde_json::Value::String(cell.to_owned())))
            .collect();
        sample.push(lead);
    }
    let requests: Vec<EnrichRequest> = sample
        .iter()
        .cycle()
        .take(200)
        .map(|lead| EnrichRequest::new(lead.clone(), Contact::schema()))
        .collect();
    let leads: Vec<_> = requests.iter().map(|r| r.lead_info().clone()).collect();

    let started = Instant::now();
    let (mut found, mut unmatched, mut failed) = (0, 0, 0);
    let mut results = client.enrich_all(requests, 20);
    while let Some((index, result)) = results.next().await {
        let typed = result.and_then(|enrichment| {
            Enriched::<Contact>::from_result(enrichment.result, &leads[index], enrichment.task_id)
        });
        match typed {
            Ok(enriched) if enriched.data.title.is_some() => {
                found += 1;
                let c = &enriched.data;
                println!(
                    "#{index:<3} {} | {} | {}",
                    c.name.as_deref().unwrap_or("?"),
                    c.title.as_deref().unwrap_or("?"),
                    c.company.as_deref().unwrap_or("?")
                );
            }
            Ok(_) => {
                unmatched += 1;
                println!(
                    "#{index:<3} no profile found for {}",
                    serde_json::Value::Object(leads[index].clone())
                );
            }
            Err(err) => {
                failed += 1;
                println!("#{index:<3} failed: {err}");
            }
        }
    }
    println!(
        "\n200 leads in {:.1} s: {found} enriched, {unmatched} without a match, {failed} failed",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
