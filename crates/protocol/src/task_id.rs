//! `TaskId`: the id of an async job, checked when it is made so that it can always be put in a
//! URL path safely.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest task id accepted, in bytes. The API's ids are 36-character UUIDs.
pub const MAX_TASK_ID_LEN: usize = 256;

/// The id of a submitted job; keep it to resume waiting after a restart.
///
/// A task id is 1 to [`MAX_TASK_ID_LEN`] visible ASCII characters (no spaces, no control
/// characters, not `.` or `..`). Anything else cannot have come from the API and is refused
/// before any request is made. In a URL path it is percent-encoded by [`TaskId::path_segment`].
///
/// ```
/// use sixtyfour_protocol::TaskId;
///
/// let id = TaskId::new("bdd69815-a1c0-480d-bfa5-d5fbb9745893")?;
/// assert_eq!(id.as_str(), "bdd69815-a1c0-480d-bfa5-d5fbb9745893");
/// assert_eq!(TaskId::new("a/b")?.path_segment(), "a%2Fb");
/// assert!(TaskId::new("").is_err());
/// assert!(TaskId::new("two words").is_err());
///
/// // Read from JSON, an id must be a string.
/// assert!(serde_json::from_str::<TaskId>("42").is_err());
/// # Ok::<(), sixtyfour_protocol::TaskIdError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(String);

/// Why a text cannot be a task id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskIdError {
    /// The id is empty.
    #[error("a task id cannot be empty")]
    Empty,
    /// The id is longer than [`MAX_TASK_ID_LEN`] bytes.
    #[error("a task id is at most {MAX_TASK_ID_LEN} bytes, this one has {len}")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The id holds a character the API never uses in ids.
    #[error("a task id is visible ASCII only: found {found:?} at byte {at} of {shown:?}")]
    BadCharacter {
        /// The character.
        found: char,
        /// Its byte offset.
        at: usize,
        /// The id, shortened to 40 characters.
        shown: String,
    },
    /// The id is `.` or `..`, which a URL path would resolve away.
    #[error("`{0}` cannot be a task id")]
    DotSegment(String),
}

impl TaskId {
    /// Checks `id` and wraps it.
    pub fn new(id: impl Into<String>) -> Result<Self, TaskIdError> {
        let id = id.into();
        check(&id)?;
        Ok(TaskId(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as an owned `String`.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The id percent-encoded for one URL path segment: every byte outside
    /// `A-Z a-z 0-9 - . _ ~` becomes `%XX`.
    pub fn path_segment(&self) -> String {
        let mut out = String::with_capacity(self.0.len());
        for byte in self.0.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(byte));
            } else {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0x0f)]));
            }
        }
        out
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn check(id: &str) -> Result<(), TaskIdError> {
    if id.is_empty() {
        return Err(TaskIdError::Empty);
    }
    if id.len() > MAX_TASK_ID_LEN {
        return Err(TaskIdError::TooLong { len: id.len() });
    }
    if let Some((at, found)) = id.char_indices().find(|(_, c)| !c.is_ascii_graphic()) {
        return Err(TaskIdError::BadCharacter {
            found,
            at,
            shown: id.chars().take(40).collect(),
        });
    }
    if id == "." || id == ".." {
        return Err(TaskIdError::DotSegment(id.to_owned()));
    }
    Ok(())
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for TaskId {
    type Err = TaskIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TaskId::new(s)
    }
}

impl TryFrom<String> for TaskId {
    type Error = TaskIdError;

    fn try_from(id: String) -> Result<Self, Self::Error> {
        TaskId::new(id)
    }
}

impl TryFrom<&str> for TaskId {
    type Error = TaskIdError;

    fn try_from(id: &str) -> Result<Self, Self::Error> {
        TaskId::new(id)
    }
}

impl AsRef<str> for TaskId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<TaskId> for String {
    fn from(id: TaskId) -> Self {
        id.0
    }
}

impl Serialize for TaskId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TaskId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = TaskId;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a task id string")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<TaskId, E> {
                TaskId::new(v).map_err(E::custom)
            }

            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<TaskId, E> {
                TaskId::new(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_table() {
        let long = "x".repeat(MAX_TASK_ID_LEN + 1);
        let rows: [(&str, Result<(), TaskIdError>); 9] = [
            ("bdd69815-a1c0-480d-bfa5-d5fbb9745893", Ok(())),
            ("job_42", Ok(())),
            ("a/b?c#d%", Ok(())),
            ("", Err(TaskIdError::Empty)),
            (&long, Err(TaskIdError::TooLong { len: long.len() })),
            (
                "a b",
                Err(TaskIdError::BadCharacter {
                    found: ' ',
                    at: 1,
                    shown: "a b".into(),
                }),
            ),
            (
                "é",
                Err(TaskIdError::BadCharacter {
                    found: 'é',
                    at: 0,
                    shown: "é".into(),
                }),
            ),
            ("..", Err(TaskIdError::DotSegment("..".into()))),
            (".", Err(TaskIdError::DotSegment(".".into()))),
        ];
        for (text, want) in rows {
            assert_eq!(TaskId::new(text).map(|_| ()), want, "{text:?}");
        }
        assert!(TaskId::new("line\nbreak").is_err());
        assert!(TaskId::new("nul\0").is_err());
        assert!(TaskId::new("x".repeat(MAX_TASK_ID_LEN)).is_ok());
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        let rows = [
            ("bdd69815-a1c0-480d", "bdd69815-a1c0-480d"),
            ("a/b", "a%2Fb"),
            ("a?b#c", "a%3Fb%23c"),
            ("100%", "100%25"),
            ("..x", "..x"),
            ("~_.-", "~_.-"),
        ];
        for (id, segment) in rows {
            assert_eq!(TaskId::new(id).unwrap().path_segment(), segment);
        }
    }

    #[test]
    fn json_form_is_a_checked_string() {
        let id: TaskId = serde_json::from_str("\"t-1\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"t-1\"");
        for bad in ["5", "null", "\"\"", "\"a b\"", "{}"] {
            assert!(serde_json::from_str::<TaskId>(bad).is_err(), "{bad}");
        }
    }
}
