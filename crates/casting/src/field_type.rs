//! The ten type names the API understands, their aliases and their canonical spelling.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A type a `struct` field can be cast to.
///
/// Parsing accepts every alias the API documents, trimmed and ASCII case-insensitive;
/// [`Display`](fmt::Display) and serde print the canonical (first) spelling.
///
/// ```
/// use sixtyfour_casting::FieldType;
///
/// assert_eq!(" Integer ".parse::<FieldType>().unwrap(), FieldType::Int);
/// assert_eq!("LIST[STRING]".parse::<FieldType>().unwrap(), FieldType::ListStr);
/// assert_eq!(FieldType::ListBool.to_string(), "list[bool]");
/// assert!("number".parse::<FieldType>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldType {
    /// `str` or `string`: text.
    Str,
    /// `int` or `integer`: a whole number (any value between `i64::MIN` and `u64::MAX`).
    Int,
    /// `float`: a finite 64-bit floating point number.
    Float,
    /// `bool` or `boolean`.
    Bool,
    /// `list`: an array of anything.
    List,
    /// `list[str]` or `list[string]`.
    ListStr,
    /// `list[int]` or `list[integer]`.
    ListInt,
    /// `list[float]`.
    ListFloat,
    /// `list[bool]` or `list[boolean]`.
    ListBool,
    /// `dict`: a JSON object.
    Dict,
}

/// Every alias, lower case, with the type it names. The first alias of a type is canonical.
const ALIASES: &[(&str, FieldType)] = &[
    ("str", FieldType::Str),
    ("string", FieldType::Str),
    ("int", FieldType::Int),
    ("integer", FieldType::Int),
    ("float", FieldType::Float),
    ("bool", FieldType::Bool),
    ("boolean", FieldType::Bool),
    ("list", FieldType::List),
    ("list[str]", FieldType::ListStr),
    ("list[string]", FieldType::ListStr),
    ("list[int]", FieldType::ListInt),
    ("list[integer]", FieldType::ListInt),
    ("list[float]", FieldType::ListFloat),
    ("list[bool]", FieldType::ListBool),
    ("list[boolean]", FieldType::ListBool),
    ("dict", FieldType::Dict),
];

impl FieldType {
    /// All ten types, in declaration order.
    pub const ALL: [FieldType; 10] = [
        FieldType::Str,
        FieldType::Int,
        FieldType::Float,
        FieldType::Bool,
        FieldType::List,
        FieldType::ListStr,
        FieldType::ListInt,
        FieldType::ListFloat,
        FieldType::ListBool,
        FieldType::Dict,
    ];

    /// Every accepted spelling, lower case, canonical names first within each type.
    pub fn aliases() -> impl Iterator<Item = &'static str> {
        ALIASES.iter().map(|(name, _)| *name)
    }

    /// The canonical name, as the API documents it first.
    pub const fn name(self) -> &'static str {
        match self {
            FieldType::Str => "str",
            FieldType::Int => "int",
            FieldType::Float => "float",
            FieldType::Bool => "bool",
            FieldType::List => "list",
            FieldType::ListStr => "list[str]",
            FieldType::ListInt => "list[int]",
            FieldType::ListFloat => "list[float]",
            FieldType::ListBool => "list[bool]",
            FieldType::Dict => "dict",
        }
    }

    /// For a typed list, the type of its elements; `None` for every other type, `list` included.
    pub const fn element(self) -> Option<FieldType> {
        match self {
            FieldType::ListStr => Some(FieldType::Str),
            FieldType::ListInt => Some(FieldType::Int),
            FieldType::ListFloat => Some(FieldType::Float),
            FieldType::ListBool => Some(FieldType::Bool),
            _ => None,
        }
    }

    /// The typed list whose elements are `self`, for the four scalar types.
    pub const fn list_of(self) -> Option<FieldType> {
        match self {
            FieldType::Str => Some(FieldType::ListStr),
            FieldType::Int => Some(FieldType::ListInt),
            FieldType::Float => Some(FieldType::ListFloat),
            FieldType::Bool => Some(FieldType::ListBool),
            _ => None,
        }
    }

    /// True for `list` and the four typed lists.
    pub const fn is_list(self) -> bool {
        matches!(
            self,
            FieldType::List
                | FieldType::ListStr
                | FieldType::ListInt
                | FieldType::ListFloat
                | FieldType::ListBool
        )
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A type name that is none of the accepted spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown type `{name}`: expected one of {}", valid_names())]
#[non_exhaustive]
pub struct UnknownFieldType {
    /// The name as it was given, untrimmed.
    pub name: String,
}

fn valid_names() -> String {
    FieldType::aliases()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for FieldType {
    type Err = UnknownFieldType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        ALIASES
            .iter()
            .find(|(alias, _)| alias.eq_ignore_ascii_case(wanted))
            .map(|(_, ty)| *ty)
            .ok_or_else(|| UnknownFieldType { name: s.to_owned() })
    }
}

impl Serialize for FieldType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for FieldType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alias_parses_in_any_case_and_with_spaces() {
        for (alias, ty) in ALIASES {
            assert_eq!(alias.parse::<FieldType>().as_ref(), Ok(ty));
            assert_eq!(
                alias.to_ascii_uppercase().parse::<FieldType>().as_ref(),
                Ok(ty)
            );
            assert_eq!(format!("  {alias}\t").parse::<FieldType>().as_ref(), Ok(ty));
        }
    }

    #[test]
    fn canonical_names_round_trip() {
        for ty in FieldType::ALL {
            assert_eq!(ty.to_string().parse::<FieldType>(), Ok(ty));
            let json = serde_json::to_value(ty).unwrap();
            assert_eq!(json, serde_json::Value::String(ty.name().into()));
            assert_eq!(serde_json::from_value::<FieldType>(json).unwrap(), ty);
        }
    }

    #[test]
    fn unknown_names_list_the_valid_ones() {
        for bad in [
            "",
            "number",
            "list[dict]",
            "list [str]",
            "strr",
            "dict[str]",
        ] {
            let err = bad.parse::<FieldType>().unwrap_err();
            assert_eq!(err.name, bad);
            let text = err.to_string();
            assert!(text.contains("\"list[boolean]\""), "{text}");
            assert!(text.contains("\"dict\""), "{text}");
        }
    }

    #[test]
    fn element_and_list_of_are_inverse() {
        for ty in FieldType::ALL {
            if let Some(list) = ty.list_of() {
                assert_eq!(list.element(), Some(ty));
                assert!(list.is_list());
            }
        }
        assert_eq!(FieldType::List.element(), None);
    }
}
