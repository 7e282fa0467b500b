//! Where the API key comes from.

use crate::exit::CliError;

/// The key from `SIXTYFOUR_API_KEY`.
pub fn api_key() -> Result<String, CliError> {
    match std::env::var(sixtyfour::API_KEY_ENV) {
        Ok(key) if !key.trim().is_empty() => Ok(key.trim().to_owned()),
        _ => Err(CliError::Usage(format!(
            "no API key: set {} (or pass --emulator to run offline)",
            sixtyfour::API_KEY_ENV
        ))),
    }
}
