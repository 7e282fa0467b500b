//! One writer: a lock file beside the ledger, held with an OS file lock for the whole run. The
//! file says who holds it (pid, start time, command line), so a second process can name the
//! holder when it is refused. The operating system releases the lock when the holder dies, so a
//! file left by a killed process never blocks. The file itself is kept (deleting it would let
//! two processes lock two different files of the same name).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The path a ledger is known by, whatever its spelling: symlinks and `..` resolved, so that two
/// spellings of one file share one lock file. A file not created yet is its resolved directory
/// plus its name.
pub(crate) fn resolved(path: &Path) -> PathBuf {
    if let Ok(path) = std::fs::canonicalize(path) {
        return path;
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(dir), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_owned(),
    }
}

/// Who holds a ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// The holder's process id.
    pub pid: u32,
    /// When it took the lock, in seconds since the Unix epoch.
    pub started_at: u64,
    /// Its command line.
    pub command: String,
}

impl Holder {
    fn this_process() -> Holder {
        Holder {
            pid: std::process::id(),
            started_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            command: std::env::args().collect::<Vec<_>>().join(" "),
        }
    }

    /// The start time as a UTC date and time.
    pub fn started(&self) -> String {
        utc(self.started_at)
    }
}

/// `YYYY-MM-DD HH:MM:SS UTC` for seconds since the Unix epoch.
pub(crate) fn utc(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// Another process holds it.
    #[error(
        "{path} is in use by process {} (started {}: {}); wait for it to finish, or stop it",
        holder.pid,
        holder.started(),
        holder.command
    )]
    Held {
        /// The lock file.
        path: PathBuf,
        /// Who holds it.
        holder: Holder,
    },
    /// Another process holds it and its file does not say who.
    #[error("{path} is in use by another process; wait for it to finish, or stop it")]
    HeldByUnknown {
        /// The lock file.
        path: PathBuf,
    },
    /// The lock file could not be used.
    #[error("cannot use the lock file {path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct LedgerLock {
    file: File,
    path: PathBuf,
}

impl LedgerLock {
    /// The lock file of a ledger: its path with `.lock` appended.
    pub fn path_for(ledger: &Path) -> PathBuf {
        let mut name = ledger.as_os_str().to_owned();
        name.push(".lock");
        PathBuf::from(name)
    }

    /// Takes the lock at once or says who holds it; never waits.
    pub fn acquire(path: &Path) -> Result<LedgerLock, LockError> {
        let io = |source| LockError::Io {
            path: path.to_owned(),
            source,
        };
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        // It names the holder's command line: its owner's to read.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(match serde_json::from_str::<Holder>(&text) {
                    Ok(holder) => LockError::Held {
                        path: path.to_owned(),
                        holder,
                    },
                    Err(_) => LockError::HeldByUnknown {
                        path: path.to_owned(),
                    },
                });
            }
            Err(TryLockError::Error(source)) => return Err(io(source)),
        }
        let holder = serde_json::to_string(&Holder::this_process())
            .map_err(|e| io(std::io::Error::other(e)))?;
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(holder.as_bytes()).map_err(io)?;
        file.write_all(b"\n").map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(LedgerLock {
            file,
            path: path.to_owned(),
        })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LedgerLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_with_the_holder_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.lock");
        let first = LedgerLock::acquire(&path).unwrap();
        let err = LedgerLock::acquire(&path).unwrap_err();
        match &err {
            LockError::Held { holder, .. } => assert_eq!(holder.pid, std::process::id()),
            other => panic!("{other:?}"),
        }
        assert!(
            err.to_string()
                .contains(&format!("process {}", std::process::id()))
        );
        drop(first);
        let again = LedgerLock::acquire(&path).unwrap();
        assert_eq!(again.path(), path);
    }

    #[test]
    fn dates_in_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
    }
}
