//! The API's type names, checked at compile time, and what a field's Rust type plainly is.
//! Mirrors `FieldType` in `sixtyfour-casting` (this crate may only depend on syn, quote and
//! proc-macro2); a test there keeps the two equal.

use syn::{GenericArgument, PathArguments, Type};

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

/// For a type written `Name<Arg>` (or a path ending in it), the `Arg`.
pub fn generic_arg<'t>(ty: &'t Type, name: &str) -> Option<&'t Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let segment = path.path.segments.last()?;
    if segment.ident != name {
        return None;
    }
    match &segment.arguments {
        PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        }),
        _ => None,
    }
}

/// The API type a field's Rust type plainly holds, read from how it is written: text, whole
/// numbers, floats or booleans, through `Option` and `Box`; `None` for anything else.
pub fn plain_kind(ty: &Type) -> Option<&'static str> {
    if let Some(inner) = generic_arg(ty, "Option").or_else(|| generic_arg(ty, "Box")) {
        return plain_kind(inner);
    }
    let ty = match ty {
        Type::Reference(reference) => &*reference.elem,
        Type::Group(group) => &*group.elem,
        Type::Paren(paren) => &*paren.elem,
        other => other,
    };
    if generic_arg(ty, "Cow").is_some_and(|inner| plain_kind(inner) == Some("Str")) {
        return Some("Str");
    }
    let Type::Path(path) = ty else {
        return None;
    };
    let segment = path.path.segments.last()?;
    if !segment.arguments.is_none() {
        return None;
    }
    let ident = segment.ident.to_string();
    Some(match ident.as_str() {
        "String" | "str" | "char" => "Str",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
        | "usize" => "Int",
        "f32" | "f64" => "Float",
        "bool" => "Bool",
        _ => return None,
    })
}

/// True when a value cast to the API type `variant` can be held by a Rust type of the plain
/// kind `kind` (an `int` fits a float; nothing else crosses kinds).
pub fn fits(kind: &str, variant: &str) -> bool {
    kind == variant || kind == "Float" && variant == "Int"
}

/// The canonical spelling of a `FieldType` variant.
pub fn canonical(variant: &str) -> &'static str {
    TYPE_NAMES
        .iter()
        .find(|(_, v)| *v == variant)
        .map_or("", |(name, _)| *name)
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

    #[test]
    fn plain_kinds_table() {
        let rows: &[(&str, Option<&str>)] = &[
            ("String", Some("Str")),
            ("std::string::String", Some("Str")),
            ("Option<String>", Some("Str")),
            ("Option<Option<u8>>", Some("Int")),
            ("Box<f64>", Some("Float")),
            ("std::borrow::Cow<'a, str>", Some("Str")),
            ("&'a str", Some("Str")),
            ("bool", Some("Bool")),
            ("Vec<String>", None),
            ("serde_json::Value", None),
            ("Money", None),
        ];
        for (text, want) in rows {
            let ty: Type = syn::parse_str(text).unwrap();
            assert_eq!(plain_kind(&ty), *want, "{text}");
        }
        assert!(fits("Float", "Int"));
        assert!(!fits("Str", "Dict"));
        assert!(!fits("Int", "Float"));
        assert_eq!(canonical("ListBool"), "list[bool]");
    }
}
