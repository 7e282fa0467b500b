//! Shared by the examples: a client for the real API when `SIXTYFOUR_API_KEY` is set, else
//! for an in-process emulator (`Client::for_emulator`, the `emulator` feature).

use sixtyfour::Client;
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
    Ok((Client::for_emulator(&emulator)?, Some(emulator)))
}
