//! Binding: a ledger belongs to one server and one API key. It records the server's normalized
//! base URL (or the in-process emulator) and a keyed fingerprint of the key, HMAC-SHA256 under a
//! random salt kept in the ledger, never the key itself. A ledger opened against another server
//! or key is refused before any request, because its task ids and results belong elsewhere.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::canonical::hex;

/// Who answers the requests: a server at a URL, or an emulator living inside this process
/// (whose port changes every run, and whose jobs die with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Server {
    /// A server at this normalized base URL.
    Url(String),
    /// An emulator started inside the running process.
    InProcessEmulator,
}

impl Server {
    /// The server at `base_url`, normalized: scheme and host in lower case, no default port,
    /// no trailing slash.
    ///
    /// ```
    /// use sixtyfour_ledger::Server;
    ///
    /// assert_eq!(
    ///     Server::url("HTTPS://API.Sixtyfour.ai:443/").unwrap(),
    ///     Server::url("https://api.sixtyfour.ai").unwrap()
    /// );
    /// assert!(Server::url("api.sixtyfour.ai").is_err());
    /// ```
    pub fn url(base_url: &str) -> Result<Server, String> {
        normalize_base_url(base_url).map(Server::Url)
    }

    pub(crate) fn stored(&self) -> String {
        match self {
            Server::Url(url) => url.clone(),
            Server::InProcessEmulator => IN_PROCESS_EMULATOR.to_owned(),
        }
    }

    pub(crate) fn from_stored(text: &str) -> Server {
        if text == IN_PROCESS_EMULATOR {
            Server::InProcessEmulator
        } else {
            Server::Url(text.to_owned())
        }
    }
}

const IN_PROCESS_EMULATOR: &str = "in-process emulator";

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Server::Url(url) => f.write_str(url),
            Server::InProcessEmulator => f.write_str("an in-process emulator"),
        }
    }
}

/// Scheme and host in lower case, the default port dropped, no trailing slash, no query.
pub fn normalize_base_url(base_url: &str) -> Result<String, String> {
    let trimmed = base_url.trim();
    let url = reqwest::Url::parse(trimmed).map_err(|e| format!("`{trimmed}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("`{trimmed}` is not an http(s) URL with a host"));
    }
    let mut text = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    if let Some(port) = url.port() {
        text.push_str(&format!(":{port}"));
    }
    text.push_str(url.path().trim_end_matches('/'));
    Ok(text)
}

/// HMAC-SHA256 of the key under `salt`, hex.
pub fn key_fingerprint(salt: &[u8], api_key: &str) -> String {
    match Hmac::<Sha256>::new_from_slice(salt) {
        Ok(mut mac) => {
            mac.update(api_key.as_bytes());
            hex(&mac.finalize().into_bytes())
        }
        // HMAC takes keys of any length; this arm is never taken.
        Err(_) => String::new(),
    }
}

/// A fresh random salt (32 bytes from the operating system).
pub(crate) fn new_salt() -> Result<[u8; 32], String> {
    let mut salt = [0u8; 32];
    getrandom::getrandom(&mut salt)
        .map_err(|e| format!("no randomness from the operating system: {e}"))?;
    Ok(salt)
}

/// What differs between a ledger's binding and this run's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingChange {
    /// The server the ledger was used with.
    pub old_server: Server,
    /// The server of this run.
    pub new_server: Server,
    /// True when the API key differs.
    pub key_changed: bool,
}

impl BindingChange {
    /// Compares a stored binding with this run's; `None` when they agree.
    pub fn between(
        old_server: &Server,
        old_fingerprint: &str,
        new_server: &Server,
        new_fingerprint: &str,
    ) -> Option<BindingChange> {
        let key_changed = old_fingerprint != new_fingerprint;
        (old_server != new_server || key_changed).then(|| BindingChange {
            old_server: old_server.clone(),
            new_server: new_server.clone(),
            key_changed,
        })
    }

    /// The difference in words: `"the server (was X, now Y)"`, `"the API key"`, or both.
    pub fn describe(&self) -> String {
        let server = (self.old_server != self.new_server).then(|| {
            format!(
                "the server (it was used with {}, this run uses {})",
                self.old_server, self.new_server
            )
        });
        let key = self.key_changed.then(|| "a different API key".to_owned());
        match (server, key) {
            (Some(server), Some(key)) => format!("{server} and {key}"),
            (Some(server), None) => server,
            (None, Some(key)) => format!("this run uses {key}"),
            (None, None) => "nothing".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_normalize() {
        let rows = [
            (
                "https://api.sixtyfour.ai",
                Ok::<&str, ()>("https://api.sixtyfour.ai"),
            ),
            (
                " https://API.sixtyfour.ai/ ",
                Ok("https://api.sixtyfour.ai"),
            ),
            (
                "https://api.sixtyfour.ai:443",
                Ok("https://api.sixtyfour.ai"),
            ),
            ("http://127.0.0.1:80/", Ok("http://127.0.0.1")),
            ("http://127.0.0.1:8064", Ok("http://127.0.0.1:8064")),
            (
                "https://proxy.example/Sixtyfour/",
                Ok("https://proxy.example/Sixtyfour"),
            ),
            ("ftp://x.example", Err(())),
            ("localhost:8064", Err(())),
            ("", Err(())),
        ];
        for (input, want) in rows {
            let got = normalize_base_url(input).map_err(|_| ());
            assert_eq!(got.as_deref().map_err(|_| ()), want, "{input}");
        }
    }

    #[test]
    fn fingerprints_depend_on_salt_and_key_and_hide_the_key() {
        let a = key_fingerprint(b"salt-1", "sk-live-abc");
        assert_eq!(a.len(), 64);
        assert_eq!(a, key_fingerprint(b"salt-1", "sk-live-abc"));
        assert_ne!(a, key_fingerprint(b"salt-2", "sk-live-abc"));
        assert_ne!(a, key_fingerprint(b"salt-1", "sk-live-abd"));
        assert!(!a.contains("abc"));
        assert_ne!(new_salt().unwrap(), new_salt().unwrap());
    }

    #[test]
    fn changes_are_described() {
        let api = Server::Url("https://api.sixtyfour.ai".into());
        let local = Server::Url("http://127.0.0.1:8064".into());
        assert_eq!(BindingChange::between(&api, "f", &api, "f"), None);
        let rows = [
            (
                &api,
                "f",
                &local,
                "f",
                "the server (it was used with https://api.sixtyfour.ai, this run uses http://127.0.0.1:8064)",
            ),
            (&api, "f", &api, "g", "this run uses a different API key"),
            (
                &Server::InProcessEmulator,
                "f",
                &api,
                "g",
                "the server (it was used with an in-process emulator, this run uses https://api.sixtyfour.ai) and a different API key",
            ),
        ];
        for (old, old_fp, new, new_fp, want) in rows {
            let change = BindingChange::between(old, old_fp, new, new_fp).unwrap();
            assert_eq!(change.describe(), want);
        }
        assert_eq!(
            Server::from_stored(&Server::InProcessEmulator.stored()),
            Server::InProcessEmulator
        );
    }
}
