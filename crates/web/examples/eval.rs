//! Measures the web researcher on an offline fixture web.
//!
//! ```sh
//! cargo run -p sixtyfour-web --example eval -- \
//!     --offline-web crates/web/fixtures/web --truth crates/web/fixtures/truth.jsonl \
//!     --fields crates/web/fixtures/fields.json [--misses]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use sixtyfour_web::eval::{EvalOptions, evaluate, read_fields};

fn usage() -> ExitCode {
    eprintln!("usage: eval --offline-web DIR --truth TRUTH.jsonl --fields FIELDS.json [--misses]");
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut web = None;
    let mut truth = None;
    let mut fields = None;
    let mut misses = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--offline-web" => web = args.next().map(PathBuf::from),
            "--truth" => truth = args.next().map(PathBuf::from),
            "--fields" => fields = args.next().map(PathBuf::from),
            "--misses" => misses = true,
            _ => return usage(),
        }
    }
    let (Some(web), Some(truth), Some(fields)) = (web, truth, fields) else {
        return usage();
    };
    let schema = match read_fields(&fields) {
        Ok(schema) => schema,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match evaluate(&web, &truth, &schema, &EvalOptions::default()).await {
        Ok(report) => {
            print!("{report}");
            if misses {
                println!("\nwrong or missing values:");
                for m in &report.misses {
                    println!(
                        "  {:<24} {:<10} expected {:<45} got {:<45} ({})",
                        m.lead,
                        m.field,
                        format!("{:?}", m.expected),
                        format!("{:?}", m.got),
                        m.confidence.map_or("-".into(), |c| c.to_string())
                    );
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
