//! `sixtyfour`: exactly-once batch enrichment of CSV and JSONL files, the API emulator, the API
//! as a service (`serve`) and the web researcher's evaluation (`eval`).

mod args;
mod duration;
mod enrich;
mod eval;
mod exit;
mod input;
mod job;
mod key;
mod output;
mod paths;
mod plan;
mod progress;
mod report;
mod schema;
mod serve;
mod server;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::args::{Cli, Command};
use crate::exit::{CliError, Exit};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                Exit::BadInput.code()
            } else {
                0
            });
        }
    };
    // A server logs what it does (`info`) unless RUST_LOG says otherwise; the other commands
    // only errors.
    let default_level = match cli.command {
        Command::Serve(_) => "info",
        _ => "error",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match try_main(cli).await {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit().code())
        }
    }
}

async fn try_main(cli: Cli) -> Result<Exit, CliError> {
    match cli.command {
        Command::Enrich(args) => enrich::enrich(*args).await,
        Command::Status(args) => job::status(args).await,
        Command::Wait(args) => job::wait(args).await,
        Command::Schema(args) => schema::run(args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "sixtyfour",
                &mut std::io::stdout(),
            );
            Ok(Exit::Completed)
        }
        Command::Emulator(args) => args
            .run()
            .await
            .map(|()| Exit::Completed)
            .map_err(CliError::Usage),
        Command::Serve(args) => serve::run(*args).await,
        Command::Eval(args) => eval::run(args).await,
    }
}
