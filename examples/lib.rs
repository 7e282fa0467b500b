//! Shared by the examples: a client for the real API when `SIXTYFOUR_API_KEY` is set, else
//! for an in-process emulator.

use std::time::Duration;

use sixtyfour::{Client, PollPolicy};
use sixtyfour_emulator::{Emulator, EmulatorHandle};

/// A client, and the emulator behind it when there is no API key (keep it alive while the
/// client is used).
pub async fn client() -> Result<(Client, Option<EmulatorHandle>), Box<dyn std::error::Error>> {
    if std::env::var(sixtyfour::API_KEY_ENV).is_ok_and(|key| !key.trim().is_empty()) {
        println!(
            "Using the Sixtyfour API ({} is set).",
            sixtyfour::API_KEY_ENV
        );
        return Ok((Client::from_env()?, None));
    }
    let emulator = Emulator::builder().spawn().await?;
    println!(
        "No {} set: running offline against the in-process emulator at {}.",
        sixtyfour::API_KEY_ENV,
        emulator.base_url()
    );
    let client = Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        // Emulated jobs take milliseconds, not minutes: poll accordingly.
        .poll_policy(PollPolicy {
            initial: Duration::from_millis(50),
            factor: 1.5,
            max: Duration::from_millis(500),
        })
        .rate_limit(None)
        .build()?;
    Ok((client, Some(emulator)))
}
