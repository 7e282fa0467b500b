//! Shows how one lead is read on an offline fixture web: the answer, then what every page of
//! the web gives for that lead (the site it belongs to and each record of a person), for
//! finding why a value was missed or taken.
//!
//! ```sh
//! cargo run -p sixtyfour-web --example trace -- --offline-web crates/web/fixtures/web \
//!     --fields crates/web/fixtures/fields.json --lead '{"name": "Kaia Kestrel", "company": "Ironbark Logistics"}'
//! ```

use std::process::ExitCode;

use sixtyfour_web::eval::read_fields;
use sixtyfour_web::extract::{extract_html, extract_json_document};
use sixtyfour_web::offline::OfflineWeb;
use sixtyfour_web::{CancelFlag, Job, Lead, WebConfig, WebResearcher};

fn usage() -> ExitCode {
    eprintln!("usage: trace --offline-web DIR --fields FIELDS.json --lead JSON");
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    let (mut web, mut fields, mut lead) = (None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--offline-web" => web = args.next(),
            "--fields" => fields = args.next(),
            "--lead" => lead = args.next(),
            _ => return usage(),
        }
    }
    let (Some(web), Some(fields), Some(lead)) = (web, fields, lead) else {
        return usage();
    };
    let schema = match read_fields(fields.as_ref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(serde_json::Value::Object(lead_info)) = serde_json::from_str(&lead) else {
        eprintln!("error: --lead must be a JSON object");
        return ExitCode::from(2);
    };
    let researcher = match WebResearcher::new(WebConfig::offline(&web)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let job = Job {
        lead_info: lead_info.clone(),
        schema,
        research_plan: None,
    };
    match researcher.research(&job, &|_| {}, &CancelFlag::new()).await {
        Ok(answer) => {
            let json = answer.to_json();
            println!(
                "{}",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            );
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    let lead = Lead::from_map(&lead_info);
    let documents = match OfflineWeb::open(&web).and_then(|w| w.documents()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for document in documents {
        let facts = if document.content_type == "application/json" {
            extract_json_document(&document.url, &document.body)
        } else {
            extract_html(&document.url, &document.body, &lead)
        };
        println!(
            "\n{} date={:?} org={:?} org_url={:?} team_page={}",
            facts.url, facts.date, facts.site.org_name, facts.site.org_url, facts.site.team_page
        );
        for record in &facts.records {
            let facts: Vec<String> = record
                .facts
                .iter()
                .map(|f| {
                    format!(
                        "{:?}={:?}{}{}",
                        f.kind,
                        f.value,
                        format!("/{:?}", f.source).to_lowercase(),
                        if f.former { " (former)" } else { "" }
                    )
                })
                .collect();
            println!(
                "  record{}: {}",
                if record.whole_page { " (page)" } else { "" },
                facts.join("; ")
            );
        }
    }
    ExitCode::SUCCESS
}
