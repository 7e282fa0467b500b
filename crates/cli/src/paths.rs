//! Where a run writes, checked before anything is paid for: the output and the journal are not
//! directories, their directories exist and are writable (a probe file is created and removed),
//! neither is the input (compared by device and inode, so `./x/../leads.csv`, a symlink or a
//! hard link to the input are caught), and they are not each other. The facts are gathered by
//! [`facts`]; the decision is the pure [`check`].

use std::fmt;
use std::path::{Path, PathBuf};

/// What a path is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The results.
    Output,
    /// The journal (ledger).
    Journal,
    /// A file written beside one of them (the output's temporary file, the journal's lock).
    Companion,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Output => "the output",
            Role::Journal => "the journal",
            Role::Companion => "a file written beside the output or the journal",
        })
    }
}

/// A file's identity on its device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    dev: u64,
    ino: u64,
}

/// What the file system says about a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The path as given.
    pub path: PathBuf,
    /// Its identity, when it exists (symlinks followed).
    pub id: Option<FileId>,
    /// It exists and is a directory.
    pub is_dir: bool,
    /// Its directory.
    pub dir: PathBuf,
    /// The directory exists and is a directory.
    pub dir_exists: bool,
    /// A probe file could be created in the directory (`Err` with the reason otherwise).
    pub writable: Result<(), String>,
    /// The absolute path, directory resolved (to compare paths that do not exist yet).
    pub absolute: PathBuf,
}

/// A path that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// The path is a directory.
    #[error("{role} {} is a directory: name a file", path.display())]
    IsDirectory {
        /// What it is for.
        role: Role,
        /// The path.
        path: PathBuf,
    },
    /// Its directory does not exist.
    #[error("{role} {}: the directory {} does not exist", path.display(), dir.display())]
    MissingDirectory {
        /// What it is for.
        role: Role,
        /// The path.
        path: PathBuf,
        /// The directory.
        dir: PathBuf,
    },
    /// Its directory cannot be written.
    #[error("{role} {}: cannot write in {}: {reason}", path.display(), dir.display())]
    NotWritable {
        /// What it is for.
        role: Role,
        /// The path.
        path: PathBuf,
        /// The directory.
        dir: PathBuf,
        /// Why.
        reason: String,
    },
    /// It is a file the run reads: the input, the fields file, the API key file.
    #[error("{role} {} is {what} {}: writing it would destroy it; name another file", path.display(), input.display())]
    IsInput {
        /// What it is for.
        role: Role,
        /// The path.
        path: PathBuf,
        /// What the file read is (`the input`, `the fields file`).
        what: &'static str,
        /// The file read.
        input: PathBuf,
    },
    /// Two of them are one file.
    #[error("{first} {} and {second} {} are the same file: name different files", first_path.display(), second_path.display())]
    Collide {
        /// One role.
        first: Role,
        /// Its path.
        first_path: PathBuf,
        /// The other role.
        second: Role,
        /// Its path.
        second_path: PathBuf,
    },
}

#[cfg(unix)]
fn file_id(metadata: &std::fs::Metadata) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    Some(FileId {
        dev: metadata.dev(),
        ino: metadata.ino(),
    })
}

#[cfg(not(unix))]
fn file_id(_metadata: &std::fs::Metadata) -> Option<FileId> {
    None
}

/// The identity of an existing file (the input), symlinks followed.
pub fn identity(path: &Path) -> Option<FileId> {
    std::fs::metadata(path).ok().as_ref().and_then(file_id)
}

/// Gathers the facts about a path that a run would write.
pub fn facts(path: &Path, probe: bool) -> Facts {
    let metadata = std::fs::metadata(path).ok();
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let dir_exists = dir.is_dir();
    let absolute = std::fs::canonicalize(&dir)
        .map(|d| d.join(path.file_name().unwrap_or_default()))
        .unwrap_or_else(|_| path.to_owned());
    let writable = if probe && dir_exists {
        probe_dir(&dir)
    } else {
        Ok(())
    };
    Facts {
        path: path.to_owned(),
        id: metadata.as_ref().and_then(file_id),
        is_dir: metadata.as_ref().is_some_and(std::fs::Metadata::is_dir),
        dir,
        dir_exists,
        writable,
        absolute,
    }
}

/// Creates and removes a file in `dir`.
fn probe_dir(dir: &Path) -> Result<(), String> {
    let probe = dir.join(format!(".sixtyfour-probe-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| e.to_string())?;
    std::fs::remove_file(&probe).map_err(|e| e.to_string())
}

/// A file the run reads, which it must never write.
#[derive(Debug, Clone, Copy)]
pub struct Reads<'a> {
    /// What it is: `the input`, `the fields file`, `the API key file`.
    pub what: &'static str,
    /// Its path as given.
    pub path: &'a Path,
    /// Its identity.
    pub id: Option<FileId>,
}

/// The decision: `reads` are the files the run reads (the input unless it is stdin, the
/// fields file, a key file), `targets` what the run writes.
pub fn check(reads: &[Reads<'_>], targets: &[(Role, Facts)]) -> Result<(), PathError> {
    for (role, facts) in targets {
        if *role == Role::Companion {
            continue;
        }
        if facts.is_dir {
            return Err(PathError::IsDirectory {
                role: *role,
                path: facts.path.clone(),
            });
        }
        if !facts.dir_exists {
            return Err(PathError::MissingDirectory {
                role: *role,
                path: facts.path.clone(),
                dir: facts.dir.clone(),
            });
        }
        if let Err(reason) = &facts.writable {
            return Err(PathError::NotWritable {
                role: *role,
                path: facts.path.clone(),
                dir: facts.dir.clone(),
                reason: reason.clone(),
            });
        }
    }
    for read in reads {
        let Some(read_id) = read.id else { continue };
        for (role, facts) in targets {
            if facts.id == Some(read_id) {
                return Err(PathError::IsInput {
                    role: *role,
                    path: facts.path.clone(),
                    what: read.what,
                    input: read.path.to_owned(),
                });
            }
        }
    }
    for (i, (first, a)) in targets.iter().enumerate() {
        for (second, b) in &targets[i + 1..] {
            let same = match (a.id, b.id) {
                (Some(x), Some(y)) => x == y,
                _ => a.absolute == b.absolute,
            };
            if same {
                return Err(PathError::Collide {
                    first: *first,
                    first_path: a.path.clone(),
                    second: *second,
                    second_path: b.path.clone(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(path: &str, id: Option<u64>) -> Facts {
        Facts {
            path: path.into(),
            id: id.map(|ino| FileId { dev: 1, ino }),
            is_dir: false,
            dir: ".".into(),
            dir_exists: true,
            writable: Ok(()),
            absolute: format!("/w/{path}").into(),
        }
    }

    #[test]
    fn decisions() {
        let input = Path::new("leads.csv");
        let input_id = Some(FileId { dev: 1, ino: 7 });
        let reads = [
            Reads {
                what: "the input",
                path: input,
                id: input_id,
            },
            Reads {
                what: "the fields file",
                path: Path::new("fields.json"),
                id: Some(FileId { dev: 1, ino: 8 }),
            },
        ];
        let ok = check(
            &reads,
            &[
                (Role::Output, fact("out.jsonl", None)),
                (Role::Journal, fact("out.journal", Some(9))),
            ],
        );
        assert_eq!(ok, Ok(()));
        let rows: Vec<(Vec<(Role, Facts)>, &str)> = vec![
            (
                vec![(
                    Role::Output,
                    Facts {
                        is_dir: true,
                        ..fact("out", Some(3))
                    },
                )],
                "the output out is a directory",
            ),
            (
                vec![(
                    Role::Output,
                    Facts {
                        dir_exists: false,
                        dir: "missing".into(),
                        ..fact("missing/out.csv", None)
                    },
                )],
                "the directory missing does not exist",
            ),
            (
                vec![(
                    Role::Journal,
                    Facts {
                        writable: Err("Permission denied".into()),
                        ..fact("j", None)
                    },
                )],
                "cannot write in .: Permission denied",
            ),
            (
                vec![(Role::Output, fact("./x/../leads.csv", Some(7)))],
                "the output ./x/../leads.csv is the input leads.csv",
            ),
            (
                vec![
                    (Role::Output, fact("out.jsonl", None)),
                    (Role::Journal, fact("out.jsonl", None)),
                ],
                "the output out.jsonl and the journal out.jsonl are the same file",
            ),
            (
                vec![
                    (Role::Output, fact("a", Some(4))),
                    (
                        Role::Journal,
                        Facts {
                            absolute: "/elsewhere".into(),
                            ..fact("b", Some(4))
                        },
                    ),
                ],
                "are the same file",
            ),
            (
                vec![
                    (Role::Output, fact("out.csv", None)),
                    (Role::Companion, fact("leads.csv", Some(7))),
                ],
                "a file written beside the output or the journal leads.csv is the input",
            ),
            (
                vec![(Role::Output, fact("fields.json", Some(8)))],
                "the output fields.json is the fields file fields.json",
            ),
        ];
        for (targets, want) in rows {
            let err = check(&reads, &targets).unwrap_err().to_string();
            assert!(err.contains(want), "{err} should contain {want}");
        }
    }

    #[test]
    fn facts_from_the_file_system() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("leads.csv");
        std::fs::write(&input, "name\nAda\n").unwrap();
        std::fs::create_dir(dir.path().join("x")).unwrap();
        let spelled = dir.path().join("x").join("..").join("leads.csv");
        let f = facts(&spelled, true);
        assert_eq!(f.id, identity(&input));
        assert!(f.writable.is_ok());
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&input, &link).unwrap();
            assert_eq!(facts(&link, false).id, identity(&input));
            let hard = dir.path().join("hard.csv");
            std::fs::hard_link(&input, &hard).unwrap();
            assert_eq!(facts(&hard, false).id, identity(&input));
        }
        let missing = facts(&dir.path().join("nope").join("out.csv"), true);
        assert!(!missing.dir_exists);
        assert!(facts(dir.path(), false).is_dir);
        // No probe file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            names.iter().all(|n| !n.to_string_lossy().contains("probe")),
            "{names:?}"
        );
    }
}
