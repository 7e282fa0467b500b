//! `sixtyfour-emulator`: the enrich-lead API on your machine.

use clap::Parser;
use sixtyfour_emulator::EmulatorArgs;

#[derive(Parser)]
#[command(
    name = "sixtyfour-emulator",
    version,
    about = "The enrich-lead API as a local, deterministic, fault-injecting server"
)]
struct Cli {
    #[command(flatten)]
    args: EmulatorArgs,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.args.run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::ExitCode::from(2)
        }
    }
}
