//! The API's type names, checked at compile time. Mirrors `FieldType` in `sixtyfour-casting`
//! (this crate may only depend on syn, quote and proc-macro2); a test there keeps the two equal.

/// Every accepted spelling, lower case, with the `FieldType` variant it names.
pub const TYPE_NAMES: &[(&str, &str)] = &[
    ("str", "Str"),
    ("string", "Str"),
    ("int", "Int"),
    ("integer", "Int"),
    ("float", "Float"),
    ("bool", "Bool"),
    ("boolean", "Bool"),
    ("list", "List"),
    ("list[str]", "ListStr"),
    ("list[string]", "ListStr"),
    ("list[int]", "ListInt"),
    ("list[integer]", "ListInt"),
    ("list[float]", "ListFloat"),
    ("list[bool]", "ListBool"),
    ("list[boolean]", "ListBool"),
    ("dict", "Dict"),
];

/// The variant named by `name` (trimmed, ASCII case-insensitive).
pub fn variant(name: &str) -> Option<&'static str> {
    let name = name.trim();
    TYPE_NAMES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
        .map(|(_, variant)| *variant)
}

pub fn valid_names() -> String {
    TYPE_NAMES
        .iter()
        .map(|(n, _)| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sixtyfour_casting::FieldType;

    /// The derive's copy of the type names agrees with `FieldType`, alias for alias.
    #[test]
    fn names_match_the_casting_crate() {
        let here: Vec<&str> = TYPE_NAMES.iter().map(|(name, _)| *name).collect();
        let there: Vec<&str> = FieldType::aliases().collect();
        assert_eq!(here, there);
        for (name, variant) in TYPE_NAMES {
            let parsed: FieldType = name.parse().unwrap();
            assert_eq!(format!("{parsed:?}"), *variant);
        }
        assert_eq!(variant(" LIST[Boolean] "), Some("ListBool"));
        assert_eq!(variant("number"), None);
    }
}
