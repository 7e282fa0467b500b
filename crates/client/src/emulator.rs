//! A client wired to an in-process emulator, in one call (the `emulator` feature).

use std::time::Duration;

use sixtyfour_emulator::EmulatorHandle;

use crate::client::Client;
use crate::config::ClientBuilder;
use crate::error::Error;
use crate::poll::PollPolicy;

/// The poll policy for emulated jobs, which take milliseconds: first poll after 20 ms, x1.5,
/// at most 200 ms apart.
pub const EMULATOR_POLL: PollPolicy = PollPolicy {
    initial: Duration::from_millis(20),
    factor: 1.5,
    max: Duration::from_millis(200),
};

impl Client {
    /// A client for `emulator`: its address and key, a poll policy for jobs that take
    /// milliseconds ([`EMULATOR_POLL`]), and no client-side rate limit (the emulator applies
    /// its own when configured with one).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = sixtyfour_emulator::Emulator::builder().spawn().await?;
    /// let client = sixtyfour::Client::for_emulator(&emulator)?;
    /// assert_eq!(client.base_url(), emulator.base_url());
    /// # Ok(())
    /// # }
    /// ```
    pub fn for_emulator(emulator: &EmulatorHandle) -> Result<Client, Error> {
        Client::builder_for_emulator(emulator).build()
    }

    /// The builder behind [`for_emulator`](Client::for_emulator), to change more settings.
    pub fn builder_for_emulator(emulator: &EmulatorHandle) -> ClientBuilder {
        Client::builder()
            .api_key(emulator.api_key())
            .base_url(emulator.base_url())
            .poll_policy(EMULATOR_POLL)
            .rate_limit(None)
    }
}
