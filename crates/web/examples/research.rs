//! Researches one lead and prints the answer as the API's result object.
//!
//! ```sh
//! cargo run -p sixtyfour-web --example research -- --offline-web crates/web/fixtures/web \
//!     --fields crates/web/fixtures/fields.json --lead '{"name": "Ada Quill", "company": "Quill Works"}'
//! ```
//!
//! Without `--offline-web`, set `SEARXNG_URL` (and/or `BRAVE_API_KEY`) to search the live web.

use std::process::ExitCode;

use sixtyfour_web::eval::read_fields;
use sixtyfour_web::{CancelFlag, Job, WebConfig, WebResearcher};

#[tokio::main]
async fn main() -> ExitCode {
    let mut web = None;
    let mut fields = None;
    let mut lead = None;
    let mut plan = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--offline-web" => web = args.next(),
            "--fields" => fields = args.next(),
            "--lead" => lead = args.next(),
            "--plan" => plan = args.next(),
            _ => {
                eprintln!(
                    "usage: research [--offline-web DIR] --fields FIELDS.json --lead JSON [--plan TEXT]"
                );
                return ExitCode::from(2);
            }
        }
    }
    let (Some(fields), Some(lead)) = (fields, lead) else {
        eprintln!(
            "usage: research [--offline-web DIR] --fields FIELDS.json --lead JSON [--plan TEXT]"
        );
        return ExitCode::from(2);
    };
    let schema = match read_fields(fields.as_ref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let lead_info = match serde_json::from_str::<serde_json::Value>(&lead) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => {
            eprintln!("error: --lead must be a JSON object");
            return ExitCode::from(2);
        }
    };
    let config = match web {
        Some(dir) => WebConfig::offline(dir),
        None => {
            let mut config = WebConfig::default();
            config.search.searxng_url = std::env::var("SEARXNG_URL").ok();
            config.search.brave_key = std::env::var("BRAVE_API_KEY").ok();
            config
        }
    };
    let researcher = match WebResearcher::new(config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let job = Job {
        lead_info,
        schema,
        research_plan: plan,
    };
    let progress = |p: sixtyfour_web::Progress| {
        eprintln!("{:?}: {}/{} pages", p.stage, p.pages_fetched, p.page_budget)
    };
    match researcher
        .research(&job, &progress, &CancelFlag::new())
        .await
    {
        Ok(answer) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&answer.to_json()).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
