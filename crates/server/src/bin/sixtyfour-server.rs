//! `sixtyfour-server`: the enrich-lead API as a service (the same as `sixtyfour serve`).

use clap::Parser;
use sixtyfour_server::ServeArgs;

#[derive(Parser)]
#[command(
    name = "sixtyfour-server",
    version,
    about = "The enrich-lead API as a self-hostable service"
)]
struct Cli {
    #[command(flatten)]
    args: ServeArgs,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    match cli.args.run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::ExitCode::from(2)
        }
    }
}
