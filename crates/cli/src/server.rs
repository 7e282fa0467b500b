//! The server a run talks to: an emulator inside this process, or the API (or another base
//! URL), and the client and journal binding that go with it.

use sixtyfour::{Client, RequestOptions};
use sixtyfour_emulator::{Emulator, EmulatorHandle};
use sixtyfour_ledger::OpenOptions;

use crate::exit::CliError;
use crate::plan::{Plan, ServerPlan};

/// A client, how the journal binds to it, and the emulator behind it (kept alive).
pub struct Connection {
    /// The client.
    pub client: Client,
    /// The journal's binding.
    pub open: OpenOptions,
    /// The in-process emulator, when there is one (kept alive while the run goes).
    pub _emulator: Option<EmulatorHandle>,
}

/// Starts the emulator if asked, and builds the client.
pub async fn connect(plan: &Plan) -> Result<Connection, CliError> {
    let mut builder = Client::builder()
        .poll_policy(plan.poll)
        .rate_limit(plan.rate_limit)
        .deadline(plan.job_timeout);
    let (emulator, open) = match &plan.server {
        ServerPlan::Emulator(latency) => {
            let mut emulator = Emulator::builder();
            if let Some(latency) = latency {
                emulator = emulator.latency(*latency);
            }
            if let Some(secret) = plan.webhook.as_ref().and_then(|w| w.secret.clone()) {
                emulator = emulator.webhook_secret(secret);
            }
            let handle = emulator
                .spawn()
                .await
                .map_err(|e| CliError::Server(format!("cannot start the emulator: {e}")))?;
            if !plan.quiet {
                eprintln!(
                    "using an in-process emulator at {} (no API key needed)",
                    handle.base_url()
                );
            }
            builder = builder
                .api_key(handle.api_key())
                .base_url(handle.base_url());
            let open = OpenOptions::api_key(handle.api_key()).in_process_emulator();
            (Some(handle), open)
        }
        ServerPlan::Api {
            base_url, api_key, ..
        } => {
            builder = builder.api_key(api_key.clone());
            if let Some(url) = base_url {
                builder = builder.base_url(url.clone());
            }
            (None, OpenOptions::api_key(api_key.clone()))
        }
    };
    let mut client = builder
        .build()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if let Some(webhook) = &plan.webhook {
        client = client.with_options(RequestOptions::new().webhook_url(webhook.url.clone()));
    }
    Ok(Connection {
        client,
        open: open.rebind(plan.rebind),
        _emulator: emulator,
    })
}
