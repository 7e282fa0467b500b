//! `sixtyfour`: crash-safe batch enrichment of CSV and JSONL files, and the API emulator.

mod args;
mod input;
mod journal;
mod output;
mod progress;
mod run;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::run::Outcome;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                Outcome::BadInput.code()
            } else {
                0
            });
        }
    };
    match cli.command {
        Command::Enrich(args) => match run::enrich(args).await {
            Ok(outcome) => ExitCode::from(outcome.code()),
            Err(fatal) => {
                eprintln!("error: {}", fatal.message);
                ExitCode::from(fatal.outcome.code())
            }
        },
        Command::Emulator(args) => match args.run().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::from(Outcome::BadInput.code())
            }
        },
    }
}
