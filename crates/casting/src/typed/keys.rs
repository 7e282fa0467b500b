//! `Keys`: how a type's `Deserialize` is told which field comes next, by name or by position.
//!
//! serde's derived `Deserialize` for a struct lists its fields (`deserialize_struct(name,
//! fields, ...)`) and reads a field identifier given as a name or as a position in that list.
//! A position is one comparison for it where a name is a string match, so the fast decoders
//! hand positions once they have checked that the type's list is exactly the plan's keys in
//! the plan's order; they hand names otherwise, and from then on for good if the type refuses a
//! position (a hand-written `Deserialize` that reads only names). The check is made once per
//! type: its result is kept in a `Keys` the derive gives each type.

use std::sync::atomic::{AtomicU8, Ordering};

use crate::typed::plan::Plan;

const UNKNOWN: u8 = 0;
const NAMES: u8 = 1;
const POSITIONS: u8 = 2;

/// Whether a type's fields are handed to its `Deserialize` by name or by position; see the
/// module docs. Made by `#[derive(Enrich)]`, one per type; not a public API.
#[doc(hidden)]
#[derive(Debug)]
pub struct Keys(AtomicU8);

impl Keys {
    /// Not yet known.
    pub const fn new() -> Self {
        Keys(AtomicU8::new(UNKNOWN))
    }

    /// True when fields may be handed by position to a `Deserialize` that lists `fields`: the
    /// list is the plan's serde keys in the plan's order, and the type has not refused a
    /// position before.
    #[inline]
    pub(crate) fn by_position(&self, plan: &Plan, fields: &[&str]) -> bool {
        match self.0.load(Ordering::Relaxed) {
            POSITIONS => true,
            NAMES => false,
            _ => {
                let same = fields.len() == plan.fields.len()
                    && plan
                        .fields
                        .iter()
                        .zip(fields)
                        .all(|(field, name)| field.serde_key == *name);
                let state = if same { POSITIONS } else { NAMES };
                // A refusal seen meanwhile stands.
                let _ =
                    self.0
                        .compare_exchange(UNKNOWN, state, Ordering::Relaxed, Ordering::Relaxed);
                same
            }
        }
    }

    /// The type refused a position: hand names from now on.
    pub(crate) fn refuse(&self) {
        self.0.store(NAMES, Ordering::Relaxed);
    }

    /// True when fields go by name for good (positions refused, or the lists differ).
    pub(crate) fn refused(&self) -> bool {
        self.0.load(Ordering::Relaxed) == NAMES
    }
}

impl Default for Keys {
    fn default() -> Self {
        Keys::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::typed::plan::FieldInfo;

    const PLAN: Plan = Plan::new(
        "Lead",
        &[
            FieldInfo::new("name", "name", "Name"),
            FieldInfo::new("e-mail", "email", "Email"),
        ],
    );

    #[test]
    fn positions_only_for_the_same_list_in_the_same_order() {
        let rows: &[(&[&str], bool)] = &[
            (&["name", "email"], true),
            (&["email", "name"], false),
            (&["name", "e-mail"], false),
            (&["name", "email", "age"], false),
            (&["name"], false),
        ];
        for (fields, want) in rows {
            assert_eq!(Keys::new().by_position(&PLAN, fields), *want, "{fields:?}");
        }
    }

    #[test]
    fn the_first_answer_is_kept_and_a_refusal_is_final() {
        let keys = Keys::new();
        assert!(keys.by_position(&PLAN, &["name", "email"]));
        assert!(keys.by_position(&PLAN, &["other"]));
        keys.refuse();
        assert!(keys.refused());
        assert!(!keys.by_position(&PLAN, &["name", "email"]));

        let keys = Keys::new();
        assert!(!keys.by_position(&PLAN, &["other"]));
        assert!(!keys.by_position(&PLAN, &["name", "email"]));
    }
}
