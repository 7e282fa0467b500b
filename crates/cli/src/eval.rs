//! `sixtyfour eval`: runs the web researcher on every lead of a truth file over an offline web
//! and prints, per field, precision and recall, and the calibration of `field_confidence`
//! (the web crate's `EvalReport`). Exit 0 when it ran, 2 when the inputs were bad.

use std::path::PathBuf;

use sixtyfour_server::LlmArgs;
use sixtyfour_web::eval::{
    EvalOptions, EvalReport, GOAL_FIELDS, evaluate, read_fields, read_truth,
};
use sixtyfour_web::{WebConfig, WebError};

use crate::exit::{CliError, Exit};

/// What `sixtyfour eval --help` prints after the flags.
pub const HELP: &str = "Files:
  --truth    JSON Lines, one {\"lead_info\": {...}, \"expected\": {...}} per person; a field missing
             from `expected` (or null) should stay empty, so an answer there counts against
             precision
  --fields   the `struct` sent with every lead (a JSON object)

Printed: per field, values answered, right, expected and found, precision (answered values
that are right) and recall (expected values found); `overall` over email, title, company,
location, linkedin and website; then, for those fields, how often answers were right per band
of field_confidence (0-20 ... 80-100). Values are compared as `sixtyfour_web::eval::same_value`
says (case, punctuation, URL forms, a location's city, a company's legal form, title short forms).

Exit codes:
  0    the evaluation ran (whatever its figures)
  2    bad usage or inputs: an unreadable web directory, truth or fields file, a bad line
       (named with its number), a truth file with no lead, or an unusable model setting";

/// `sixtyfour eval`.
#[derive(Debug, Clone, clap::Args)]
pub struct EvalArgs {
    /// The offline web: DIR/HOST/PATH answers https://HOST/PATH.
    #[arg(long, value_name = "DIR")]
    pub offline_web: PathBuf,
    /// The truth file (JSON Lines of lead_info and expected values).
    #[arg(long, value_name = "FILE")]
    pub truth: PathBuf,
    /// The `struct` file (JSON).
    #[arg(long, value_name = "FILE")]
    pub fields: PathBuf,
    /// Also list every wrong or missing value, with its confidence.
    #[arg(long)]
    pub misses: bool,
    /// Leads researched at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub concurrency: u64,
    /// An optional language model, as for `serve --researcher web`.
    #[command(flatten, next_help_heading = "Language model")]
    pub llm: LlmArgs,
}

/// Runs the evaluation and prints its report on stdout.
pub async fn run(args: EvalArgs) -> Result<Exit, CliError> {
    let schema = read_fields(&args.fields).map_err(bad_input)?;
    let cases = read_truth(&args.truth).map_err(bad_input)?;
    if cases.is_empty() {
        return Err(CliError::Usage(format!(
            "{}: no lead to evaluate (the file has no line)",
            args.truth.display()
        )));
    }
    for warning in warnings(&schema, cases.iter().flat_map(|c| c.expected.keys())) {
        eprintln!("warning: {warning}");
    }
    let mut config = WebConfig::offline(&args.offline_web);
    config.llm = args.llm.config();
    let mut options = EvalOptions::default();
    options.config = config;
    options.concurrency = usize::try_from(args.concurrency).unwrap_or(4);
    let report = evaluate(&args.offline_web, &args.truth, &schema, &options)
        .await
        .map_err(bad_input)?;
    print!("{report}");
    if args.misses {
        print_misses(&report);
    }
    Ok(Exit::Completed)
}

/// Every way the inputs can be bad is exit 2, with the web crate's message (path, line).
fn bad_input(err: WebError) -> CliError {
    CliError::Usage(err.to_string())
}

/// What is worth saying about the inputs before the figures: expected keys the fields file
/// does not ask for (never scored), and goal fields it does not ask for (left out of
/// `overall`).
pub fn warnings<'a>(
    schema: &sixtyfour::Schema,
    expected_keys: impl Iterator<Item = &'a String>,
) -> Vec<String> {
    let mut unscored: Vec<&str> = Vec::new();
    for key in expected_keys {
        if !schema.contains(key) && !unscored.contains(&key.as_str()) {
            unscored.push(key);
        }
    }
    let mut out = Vec::new();
    if !unscored.is_empty() {
        out.push(format!(
            "the truth file expects fields the fields file does not ask for (not scored): {}",
            unscored.join(", ")
        ));
    }
    let missing: Vec<&str> = GOAL_FIELDS
        .iter()
        .copied()
        .filter(|goal| !schema.contains(goal))
        .collect();
    if !missing.is_empty() {
        out.push(format!(
            "the fields file does not ask for {} (left out of `overall`)",
            missing.join(", ")
        ));
    }
    out
}

fn print_misses(report: &EvalReport) {
    println!("\nwrong or missing values:");
    let show = |v: &Option<String>| v.as_deref().map_or("-".to_owned(), |s| format!("{s:?}"));
    for miss in &report.misses {
        println!(
            "  {:<24} {:<10} expected {:<45} got {:<45} ({})",
            miss.lead,
            miss.field,
            show(&miss.expected),
            show(&miss.got),
            miss.confidence.map_or("-".into(), |c| c.to_string())
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn warnings_name_what_is_not_scored() {
        let schema = sixtyfour::Schema::from_json(&json!({
            "email": "Email", "title": "Title", "company": "Company",
            "location": "Location", "linkedin": "LinkedIn", "website": "Website",
        }))
        .unwrap();
        let keys: Vec<String> = vec!["email".into(), "twitter".into(), "twitter".into()];
        assert_eq!(
            warnings(&schema, keys.iter()),
            [
                "the truth file expects fields the fields file does not ask for (not scored): twitter"
            ]
        );
        assert!(warnings(&schema, [].iter()).is_empty());
        let narrow = sixtyfour::Schema::from_json(&json!({"email": "Email"})).unwrap();
        assert_eq!(
            warnings(&narrow, [].iter()),
            [
                "the fields file does not ask for title, company, location, linkedin, website (left out of `overall`)"
            ]
        );
    }
}
