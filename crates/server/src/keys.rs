//! API keys: the keys file (TOML, keys stored as SHA-256 hashes), each key's limits and
//! webhook secret, and reloading the file without a restart (on SIGHUP, and when its
//! modification time changes).
//!
//! ```toml
//! [[keys]]
//! name = "acme"                 # the key's id in logs, metrics and the store
//! sha256 = "<64 hex digits>"    # SHA-256 of the key: `sixtyfour_server::keys::hash_key`
//! rate_limit = 500              # requests per minute (absent: no limit)
//! webhook_secret = "whsec_..."  # signs this key's webhook deliveries (absent: unsigned)
//! max_active_jobs = 50          # unfinished jobs at once (absent: no limit)
//! tiers = ["low", "medium"]     # tiers it may ask for (absent: all)
//! credits = 10000               # jobs it may submit in all (absent: no limit)
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use sixtyfour_protocol::Tier;

/// The SHA-256 of a key, as lowercase hex: what the keys file stores.
///
/// ```
/// assert_eq!(
///     sixtyfour_server::keys::hash_key("test"),
///     "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
/// );
/// ```
pub fn hash_key(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte & 0x0f)]));
    }
    hex
}

/// One key's identity and limits.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct KeyEntry {
    /// The key's id in logs, metrics and the store.
    pub name: String,
    /// The SHA-256 of the key, lowercase hex.
    pub sha256: String,
    /// Requests per minute; `None` for no limit.
    #[serde(default)]
    pub rate_limit: Option<u32>,
    /// The secret that signs this key's webhook deliveries.
    #[serde(default)]
    pub webhook_secret: Option<String>,
    /// The most unfinished jobs at once.
    #[serde(default)]
    pub max_active_jobs: Option<u64>,
    /// The tiers it may ask for; `None` for all.
    #[serde(default)]
    pub tiers: Option<Vec<Tier>>,
    /// The most jobs it may submit in all.
    #[serde(default)]
    pub credits: Option<u64>,
}

impl KeyEntry {
    /// An entry for the plain `key`, named `name`, with no limits.
    pub fn new(name: impl Into<String>, key: &str) -> Self {
        KeyEntry {
            name: name.into(),
            sha256: hash_key(key),
            rate_limit: None,
            webhook_secret: None,
            max_active_jobs: None,
            tiers: None,
            credits: None,
        }
    }

    /// With a rate limit per minute.
    pub fn rate_limit(mut self, per_minute: Option<u32>) -> Self {
        self.rate_limit = per_minute;
        self
    }

    /// With a webhook signing secret.
    pub fn webhook_secret(mut self, secret: Option<String>) -> Self {
        self.webhook_secret = secret;
        self
    }

    /// With a limit on unfinished jobs.
    pub fn max_active_jobs(mut self, limit: Option<u64>) -> Self {
        self.max_active_jobs = limit;
        self
    }

    /// With the tiers it may use.
    pub fn tiers(mut self, tiers: Option<Vec<Tier>>) -> Self {
        self.tiers = tiers;
        self
    }

    /// With a number of credits.
    pub fn credits(mut self, credits: Option<u64>) -> Self {
        self.credits = credits;
        self
    }

    /// Whether it may ask for `tier` (no tier asked is always allowed).
    pub fn allows(&self, tier: Option<Tier>) -> bool {
        match (tier, &self.tiers) {
            (Some(tier), Some(allowed)) => allowed.contains(&tier),
            _ => true,
        }
    }
}

/// A keys file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeysError {
    /// The file cannot be read.
    #[error("cannot read the keys file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("keys file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line.
        message: String,
    },
    /// An entry is not usable.
    #[error("keys file {path}, key `{name}`: {message}")]
    Entry {
        /// The file.
        path: PathBuf,
        /// The entry's name.
        name: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    #[serde(default)]
    keys: Vec<KeyEntry>,
}

/// The accepted keys, by hash and by name.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    by_hash: HashMap<String, Arc<KeyEntry>>,
    by_name: HashMap<String, Arc<KeyEntry>>,
}

impl Keyring {
    /// A keyring of these entries; refuses duplicate names or hashes and malformed hashes.
    pub fn new(entries: Vec<KeyEntry>) -> Result<Self, String> {
        let mut ring = Keyring::default();
        for mut entry in entries {
            entry.sha256 = entry.sha256.trim().to_ascii_lowercase();
            let name = entry.name.clone();
            let problem = if name.trim().is_empty() {
                Some("the name is empty".to_owned())
            } else if entry.sha256.len() != 64
                || !entry.sha256.bytes().all(|b| b.is_ascii_hexdigit())
            {
                Some("`sha256` must be 64 hex digits (the SHA-256 of the key)".to_owned())
            } else if ring.by_name.contains_key(&name) {
                Some("the name is used twice".to_owned())
            } else if ring.by_hash.contains_key(&entry.sha256) {
                Some("the same key is listed twice".to_owned())
            } else if entry.rate_limit == Some(0) || entry.max_active_jobs == Some(0) {
                Some("a limit of 0 refuses everything; leave it out for no limit".to_owned())
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(format!("{name}\u{0}{problem}"));
            }
            let entry = Arc::new(entry);
            ring.by_hash
                .insert(entry.sha256.clone(), Arc::clone(&entry));
            ring.by_name.insert(name, entry);
        }
        Ok(ring)
    }

    /// Reads a keys file.
    pub fn load(path: &Path) -> Result<Self, KeysError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeysError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Reads the text of a keys file (`path` is for messages).
    pub fn parse(text: &str, path: &Path) -> Result<Self, KeysError> {
        let file: KeysFile = toml::from_str(text).map_err(|e| KeysError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim().to_owned(),
        })?;
        Keyring::new(file.keys).map_err(|joined| {
            let (name, message) = joined.split_once('\u{0}').unwrap_or(("", &joined));
            KeysError::Entry {
                path: path.to_path_buf(),
                name: name.to_owned(),
                message: message.to_owned(),
            }
        })
    }

    /// The entry of a plain key, if it is accepted.
    pub fn authenticate(&self, key: &str) -> Option<Arc<KeyEntry>> {
        self.by_hash.get(&hash_key(key)).cloned()
    }

    /// The entry named `name`.
    pub fn by_name(&self, name: &str) -> Option<Arc<KeyEntry>> {
        self.by_name.get(name).cloned()
    }

    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// True when no key is accepted.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// The keyring in force, replaced whole on reload.
#[derive(Debug)]
pub struct Keys {
    ring: RwLock<Arc<Keyring>>,
    source: Option<(PathBuf, RwLock<Option<SystemTime>>)>,
    failed_reloads: std::sync::atomic::AtomicU64,
}

impl Keys {
    /// Fixed keys, never reloaded.
    pub fn fixed(ring: Keyring) -> Self {
        Keys {
            ring: RwLock::new(Arc::new(ring)),
            source: None,
            failed_reloads: Default::default(),
        }
    }

    /// The keys of a file, reloadable with [`Keys::reload`].
    pub fn from_file(path: impl Into<PathBuf>) -> Result<Self, KeysError> {
        let path = path.into();
        let ring = Keyring::load(&path)?;
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        Ok(Keys {
            ring: RwLock::new(Arc::new(ring)),
            source: Some((path, RwLock::new(modified))),
            failed_reloads: Default::default(),
        })
    }

    /// The keyring now.
    pub fn current(&self) -> Arc<Keyring> {
        Arc::clone(&self.ring.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Reads the file again; on an error the keys in force stay and the error is returned.
    /// `Ok(false)` when there is no file to read.
    pub fn reload(&self) -> Result<bool, KeysError> {
        let Some((path, modified)) = &self.source else {
            return Ok(false);
        };
        let stamp = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        let ring = Keyring::load(path).inspect_err(|_| {
            self.failed_reloads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        })?;
        *self.ring.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(ring);
        *modified.write().unwrap_or_else(|p| p.into_inner()) = stamp;
        Ok(true)
    }

    /// How many reloads failed (the file could not be read or did not parse) since the start;
    /// `/metrics` shows it as `sixtyfour_keys_reload_failures_total`.
    pub fn failed_reloads(&self) -> u64 {
        self.failed_reloads
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Reloads if the file's modification time changed since the last load.
    pub fn reload_if_changed(&self) -> Result<bool, KeysError> {
        let Some((path, modified)) = &self.source else {
            return Ok(false);
        };
        let stamp = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        if stamp == *modified.read().unwrap_or_else(|p| p.into_inner()) {
            return Ok(false);
        }
        self.reload()
    }

    /// Reloads on SIGHUP and whenever the file changes (checked every `interval`), until
    /// `stop` fires. Errors are logged and the keys in force kept.
    pub async fn watch(
        self: Arc<Self>,
        interval: Duration,
        stop: tokio_util::sync::CancellationToken,
    ) {
        if self.source.is_none() {
            return;
        }
        #[cfg(unix)]
        let mut hangup =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        loop {
            #[cfg(unix)]
            let hup = async {
                match hangup.as_mut() {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            #[cfg(not(unix))]
            let hup = std::future::pending::<()>();
            let result = tokio::select! {
                () = stop.cancelled() => return,
                () = hup => self.reload(),
                () = tokio::time::sleep(interval) => self.reload_if_changed(),
            };
            match result {
                Ok(true) => tracing::info!(keys = self.current().len(), "keys file reloaded"),
                Ok(false) => {}
                Err(err) => {
                    tracing::error!(error = %err, "keys file not reloaded; the keys in force stay")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Keyring, KeysError> {
        Keyring::parse(text, Path::new("keys.toml"))
    }

    #[test]
    fn a_keys_file_reads_and_authenticates_by_hash() {
        let text = format!(
            r#"
[[keys]]
name = "acme"
sha256 = "{}"
rate_limit = 500
webhook_secret = "whsec_acme"
max_active_jobs = 50
tiers = ["low", "medium"]
credits = 100

[[keys]]
name = "beta"
sha256 = "{}"
"#,
            hash_key("sk-acme"),
            hash_key("sk-beta").to_uppercase()
        );
        let ring = parse(&text).unwrap();
        assert_eq!(ring.len(), 2);
        let acme = ring.authenticate("sk-acme").unwrap();
        assert_eq!(acme.name, "acme");
        assert_eq!(acme.rate_limit, Some(500));
        assert_eq!(acme.credits, Some(100));
        assert!(acme.allows(Some(Tier::Low)) && !acme.allows(Some(Tier::High)));
        assert!(acme.allows(None));
        let beta = ring.authenticate("sk-beta").unwrap();
        assert!(beta.allows(Some(Tier::Xhigh)));
        assert!(ring.authenticate("sk-other").is_none());
        assert!(
            ring.authenticate(&hash_key("sk-acme")).is_none(),
            "the hash is not the key"
        );
        assert_eq!(ring.by_name("beta").unwrap().webhook_secret, None);
    }

    #[test]
    fn bad_files_say_what_and_where() {
        let good = hash_key("k");
        let rows = [
            (
                "[[keys]]\nname = \"a\"\n".to_owned(),
                "missing field `sha256`",
            ),
            (
                format!("[[keys]]\nname = \"a\"\nsha256 = \"{good}\"\ncolour = 1\n"),
                "unknown field `colour`",
            ),
            (
                "[[keys]]\nname = \"a\"\nsha256 = \"abc\"\n".to_owned(),
                "64 hex digits",
            ),
            (
                format!(
                    "[[keys]]\nname = \"a\"\nsha256 = \"{good}\"\n[[keys]]\nname = \"a\"\nsha256 = \"{}\"\n",
                    hash_key("j")
                ),
                "used twice",
            ),
            (
                format!(
                    "[[keys]]\nname = \"a\"\nsha256 = \"{good}\"\n[[keys]]\nname = \"b\"\nsha256 = \"{good}\"\n"
                ),
                "listed twice",
            ),
            (
                format!("[[keys]]\nname = \"a\"\nsha256 = \"{good}\"\ntiers = [\"ultra\"]\n"),
                "unknown tier",
            ),
            (
                format!("[[keys]]\nname = \"a\"\nsha256 = \"{good}\"\nrate_limit = 0\n"),
                "limit of 0",
            ),
            ("[[keys]\n".to_owned(), "keys.toml"),
        ];
        for (text, expected) in rows {
            let err = parse(&text).unwrap_err().to_string();
            assert!(err.contains(expected), "{err} should contain {expected}");
            assert!(err.contains("keys.toml"), "{err}");
        }
    }

    #[test]
    fn reloading_keeps_the_old_keys_when_the_new_file_is_bad() {
        let dir = std::env::temp_dir().join(format!("sixtyfour-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("keys.toml");
        let write = |key: &str| {
            std::fs::write(
                &path,
                format!("[[keys]]\nname = \"a\"\nsha256 = \"{}\"\n", hash_key(key)),
            )
            .unwrap();
        };
        write("first");
        let keys = Keys::from_file(&path).unwrap();
        assert!(keys.current().authenticate("first").is_some());
        write("second");
        assert!(keys.reload().unwrap());
        assert!(keys.current().authenticate("second").is_some());
        assert!(keys.current().authenticate("first").is_none());
        std::fs::write(&path, "not toml [").unwrap();
        assert!(keys.reload().is_err());
        assert_eq!(keys.failed_reloads(), 1);
        assert!(keys.current().authenticate("second").is_some());
        std::fs::remove_dir_all(&dir).ok();
    }
}
