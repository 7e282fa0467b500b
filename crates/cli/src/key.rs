//! Where the API key comes from, in order: `--api-key-file PATH`, the file named by
//! `SIXTYFOUR_API_KEY_FILE`, then `SIXTYFOUR_API_KEY`. A key file need not be in the
//! environment of every process; one that other users can read is warned about. No message
//! ever contains the key.

use std::path::{Path, PathBuf};

use crate::exit::CliError;

/// The environment variable naming a file that holds the key.
pub const API_KEY_FILE_ENV: &str = "SIXTYFOUR_API_KEY_FILE";

/// Where the key came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `--api-key-file`.
    Flag(PathBuf),
    /// `SIXTYFOUR_API_KEY_FILE`.
    FileEnv(PathBuf),
    /// `SIXTYFOUR_API_KEY`.
    Env,
}

/// The key and where it came from. `flag` is `--api-key-file`; `file_env` and `env` the
/// values of the two variables.
pub fn resolve(
    flag: Option<&Path>,
    file_env: Option<&str>,
    env: Option<&str>,
) -> Result<(String, KeySource), CliError> {
    let file_env = file_env.map(str::trim).filter(|v| !v.is_empty());
    if let Some(path) = flag {
        return Ok((
            read_key_file(path, "--api-key-file")?,
            KeySource::Flag(path.to_owned()),
        ));
    }
    if let Some(path) = file_env {
        let path = PathBuf::from(path);
        return Ok((
            read_key_file(&path, API_KEY_FILE_ENV)?,
            KeySource::FileEnv(path),
        ));
    }
    match env.map(str::trim) {
        Some(key) if !key.is_empty() => Ok((key.to_owned(), KeySource::Env)),
        _ => Err(CliError::Usage(format!(
            "no API key: set {} or {API_KEY_FILE_ENV}, pass --api-key-file PATH, or pass --emulator to run offline",
            sixtyfour::API_KEY_ENV
        ))),
    }
}

/// The key from the environment and the flag.
pub fn api_key(flag: Option<&Path>) -> Result<String, CliError> {
    api_key_and_file(flag).map(|(key, _)| key)
}

/// The key, and the file it was read from (if it came from a file).
pub fn api_key_and_file(flag: Option<&Path>) -> Result<(String, Option<PathBuf>), CliError> {
    let file_env = std::env::var(API_KEY_FILE_ENV).ok();
    let env = std::env::var(sixtyfour::API_KEY_ENV).ok();
    resolve(flag, file_env.as_deref(), env.as_deref()).map(|(key, source)| {
        let file = match source {
            KeySource::Flag(path) | KeySource::FileEnv(path) => Some(path),
            KeySource::Env => None,
        };
        (key, file)
    })
}

/// The most bytes read from a key file: far more than any key, and a bound on what a wrong
/// path (`/dev/zero`, a large file) can cost.
pub const KEY_FILE_LIMIT: u64 = 64 << 10;

/// Reads a key file: the key is its content without surrounding whitespace.
fn read_key_file(path: &Path, from: &str) -> Result<String, CliError> {
    use std::io::Read;
    let unreadable = |e: std::io::Error| {
        CliError::Usage(format!(
            "cannot read the API key file {} ({from}): {e}",
            path.display()
        ))
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(unreadable)?
        .take(KEY_FILE_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > KEY_FILE_LIMIT {
        return Err(CliError::Usage(format!(
            "the API key file {} ({from}) is larger than {} KiB: it should hold the key alone",
            path.display(),
            KEY_FILE_LIMIT >> 10
        )));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        CliError::Usage(format!(
            "the API key file {} ({from}) is not text",
            path.display()
        ))
    })?;
    let key = text.trim();
    if key.is_empty() {
        return Err(CliError::Usage(format!(
            "the API key file {} ({from}) is empty",
            path.display()
        )));
    }
    if key.lines().count() > 1 {
        return Err(CliError::Usage(format!(
            "the API key file {} ({from}) has more than one line: it should hold the key alone",
            path.display()
        )));
    }
    if let Some(warning) = mode_warning(path) {
        eprintln!("warning: {warning}");
    }
    Ok(key.to_owned())
}

/// A warning when other users can read the file.
#[cfg(unix)]
fn mode_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then(|| {
        format!(
            "the API key file {} can be read by other users (mode {mode:03o}): chmod 600 {}",
            path.display(),
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn mode_warning(_path: &Path) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.key");
        let b = dir.path().join("b.key");
        std::fs::write(&a, "sk-from-flag\n").unwrap();
        std::fs::write(&b, "  sk-from-file-env  \n").unwrap();
        let b_text = b.to_str().unwrap();
        assert_eq!(
            resolve(Some(&a), Some(b_text), Some("sk-env")).unwrap(),
            ("sk-from-flag".into(), KeySource::Flag(a.clone()))
        );
        assert_eq!(
            resolve(None, Some(b_text), Some("sk-env")).unwrap(),
            ("sk-from-file-env".into(), KeySource::FileEnv(b.clone()))
        );
        assert_eq!(
            resolve(None, Some(" "), Some(" sk-env ")).unwrap(),
            ("sk-env".into(), KeySource::Env)
        );
        let none = resolve(None, None, None).unwrap_err().to_string();
        assert!(
            none.contains("SIXTYFOUR_API_KEY_FILE") && none.contains("--api-key-file"),
            "{none}"
        );
    }

    #[test]
    fn bad_files_are_named_and_never_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.key");
        std::fs::write(&empty, "\n\n").unwrap();
        let two = dir.path().join("two.key");
        std::fs::write(&two, "sk-secret-one\nsk-secret-two\n").unwrap();
        let large = dir.path().join("large.key");
        std::fs::write(&large, "sk-secret-".repeat(10_000)).unwrap();
        let rows = [
            (
                dir.path().join("missing.key"),
                "cannot read the API key file",
            ),
            (empty, "is empty"),
            (two, "more than one line"),
            (large, "is larger than 64 KiB"),
            (dir.path().to_owned(), "cannot read the API key file"),
        ];
        for (path, want) in rows {
            let err = resolve(Some(&path), None, None).unwrap_err().to_string();
            assert!(
                err.contains(want) && err.contains(path.to_str().unwrap()),
                "{err}"
            );
            assert!(!err.contains("sk-secret"), "{err}");
        }
    }

    /// A path that never ends (`/dev/zero`) costs a bounded read, not all the memory.
    #[cfg(target_os = "linux")]
    #[test]
    fn an_endless_file_is_refused_after_a_bounded_read() {
        let err = resolve(Some(Path::new("/dev/zero")), None, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("is larger than 64 KiB"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn open_files_are_warned_about() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, "sk").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(mode_warning(&path).unwrap().contains("mode 644"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(mode_warning(&path), None);
    }
}
