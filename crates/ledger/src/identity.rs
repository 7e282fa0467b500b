//! Row identity: a row is the hash of what is sent plus the caller's row key, so that a re-run
//! of an edited, reordered or appended input finds every row it already paid for.
//!
//! The caller's key is the value of an id column when there is one; otherwise the occurrence
//! number of the same content in the input (the first, second... copy of an identical lead).
//! Moving a row, adding rows or editing other rows never changes a row's identity.

use std::collections::HashMap;
use std::fmt;

/// The caller's part of a row's identity.
///
/// ```
/// use sixtyfour_ledger::RowKey;
///
/// assert_eq!(RowKey::Occurrence(2).encode(), "#2");
/// assert_eq!(RowKey::Id("crm-17".into()).encode(), "id:crm-17");
/// assert_eq!(RowKey::decode("id:crm-17"), Some(RowKey::Id("crm-17".into())));
/// assert_eq!(RowKey::decode("#2"), Some(RowKey::Occurrence(2)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RowKey {
    /// The n-th copy (from 1) of the same content in the input.
    Occurrence(u64),
    /// The value of the caller's id column.
    Id(String),
}

impl RowKey {
    /// The stored form: `#n` or `id:VALUE`.
    pub fn encode(&self) -> String {
        match self {
            RowKey::Occurrence(n) => format!("#{n}"),
            RowKey::Id(id) => format!("id:{id}"),
        }
    }

    /// Reads the stored form.
    pub fn decode(text: &str) -> Option<RowKey> {
        if let Some(id) = text.strip_prefix("id:") {
            return Some(RowKey::Id(id.to_owned()));
        }
        text.strip_prefix('#')?
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .map(RowKey::Occurrence)
    }
}

impl fmt::Display for RowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowKey::Occurrence(1) => f.write_str("first copy"),
            RowKey::Occurrence(n) => write!(f, "copy {n}"),
            RowKey::Id(id) => write!(f, "id {id}"),
        }
    }
}

/// Two rows of one input with the same id and the same content: the ledger cannot tell them
/// apart, so the input is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "rows at {first} and {second} have the same id `{id}` and the same content: remove one, or give them different ids"
)]
pub struct DuplicateRow {
    /// The id they share.
    pub id: String,
    /// Where the first one is (a line, or a position).
    pub first: String,
    /// Where the second one is.
    pub second: String,
}

/// Assigns row keys to the rows of one input, in input order.
///
/// ```
/// use sixtyfour_ledger::{KeyAssigner, RowKey};
///
/// let mut keys = KeyAssigner::default();
/// assert_eq!(keys.assign("hash-a", None, "line 2"), Ok(RowKey::Occurrence(1)));
/// assert_eq!(keys.assign("hash-b", None, "line 3"), Ok(RowKey::Occurrence(1)));
/// assert_eq!(keys.assign("hash-a", None, "line 4"), Ok(RowKey::Occurrence(2)));
/// assert_eq!(keys.assign("hash-a", Some("7"), "line 5"), Ok(RowKey::Id("7".into())));
/// assert!(keys.assign("hash-a", Some("7"), "line 6").is_err());
/// ```
#[derive(Debug, Default)]
pub struct KeyAssigner {
    occurrences: HashMap<String, u64>,
    ids: HashMap<(String, String), String>,
}

impl KeyAssigner {
    /// The key of the next row, whose content hash is `hash`, id `id` (if the caller names
    /// rows) and location `at` (for the duplicate message).
    pub fn assign(
        &mut self,
        hash: &str,
        id: Option<&str>,
        at: &str,
    ) -> Result<RowKey, DuplicateRow> {
        match id {
            Some(id) => {
                let slot = (id.to_owned(), hash.to_owned());
                if let Some(first) = self.ids.get(&slot) {
                    return Err(DuplicateRow {
                        id: id.to_owned(),
                        first: first.clone(),
                        second: at.to_owned(),
                    });
                }
                self.ids.insert(slot, at.to_owned());
                Ok(RowKey::Id(id.to_owned()))
            }
            None => {
                let count = self.occurrences.entry(hash.to_owned()).or_insert(0);
                *count += 1;
                Ok(RowKey::Occurrence(*count))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_bad_forms_are_refused() {
        for key in [
            RowKey::Occurrence(1),
            RowKey::Occurrence(40),
            RowKey::Id(String::new()),
            RowKey::Id("#3".into()),
            RowKey::Id("id:x".into()),
        ] {
            assert_eq!(RowKey::decode(&key.encode()), Some(key));
        }
        for bad in ["", "#", "#0", "#-1", "3", "x:1"] {
            assert_eq!(RowKey::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_reordered_input_keeps_every_key() {
        let input = ["a", "b", "a", "c", "a"];
        let keys = |rows: &[&str]| {
            let mut assigner = KeyAssigner::default();
            let mut out: Vec<(String, RowKey)> = rows
                .iter()
                .map(|h| (h.to_string(), assigner.assign(h, None, "").unwrap()))
                .collect();
            out.sort();
            out
        };
        // The copies of "a" are numbered in order of appearance, so any order of the input
        // yields the same set of identities.
        let mut reversed = input;
        reversed.reverse();
        assert_eq!(keys(&input), keys(&reversed));
        // Appending rows adds identities and changes none.
        let appended = ["a", "b", "a", "c", "a", "d", "a"];
        let before = keys(&input);
        let after = keys(&appended);
        assert!(before.iter().all(|k| after.contains(k)));
        assert_eq!(after.len(), before.len() + 2);
    }

    #[test]
    fn same_id_and_content_is_a_duplicate_naming_both_places() {
        let mut assigner = KeyAssigner::default();
        assigner.assign("h1", Some("7"), "line 2").unwrap();
        // Same id, other content: a different row.
        assert_eq!(
            assigner.assign("h2", Some("7"), "line 3"),
            Ok(RowKey::Id("7".into()))
        );
        let err = assigner.assign("h1", Some("7"), "line 9").unwrap_err();
        assert_eq!(
            err.to_string(),
            "rows at line 2 and line 9 have the same id `7` and the same content: remove one, or give them different ids"
        );
    }
}
