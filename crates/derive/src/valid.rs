//! Checks on the parsed input. For a struct: descriptions, renames that agree with serde,
//! skips that can be filled, unique keys, explicit types the Rust type can hold. For an enum:
//! unit variants, one catch-all at most, values that stay apart when case and separators are
//! ignored.

use std::collections::BTreeMap;

use quote::ToTokens;
use syn::Fields;

use crate::ast::{Body, Input};
use crate::attr::Errors;
use crate::types;

pub fn check(input: &Input<'_>, errors: &mut Errors) {
    if let Some(path) = &input.attrs.serde_unsupported {
        errors.push(syn::Error::new_spanned(
            path,
            "`Enrich` cannot be derived with this serde attribute: `Deserialize` would not read the fields the payload asks for",
        ));
    }
    match &input.body {
        Body::Record(_) => record(input, errors),
        Body::Choices(_) => choices(input, errors),
    }
}

fn record(input: &Input<'_>, errors: &mut Errors) {
    let container = &input.attrs;
    if let (Some((rule, lit)), Some(serde_rule)) =
        (&container.rename_all, container.serde_rename_all)
        && *rule != serde_rule
    {
        errors.push(syn::Error::new_spanned(
                lit,
                "this `rename_all` contradicts `#[serde(rename_all)]`: the payload's keys must be the keys `Deserialize` expects; keep one of the two",
            ));
    }

    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    for field in input.fields() {
        let attrs = &field.attrs;
        if let Some(path) = &attrs.serde_flatten {
            errors.push(syn::Error::new_spanned(
                path,
                "`#[serde(flatten)]` is not supported by `Enrich`: list the inner fields, or make the field a nested `Enrich` type",
            ));
        }
        if let Some(skip) = &attrs.skip {
            let fillable = attrs.serde_skip
                || attrs.serde_default
                || container.serde_default
                || field.is_option();
            if !fillable {
                errors.push(syn::Error::new_spanned(
                    skip,
                    format!(
                        "field `{}` is skipped but `Deserialize` still needs a value for it: add `#[serde(default)]` or `#[serde(skip)]`, or make it an `Option`",
                        field.name()
                    ),
                ));
            }
            continue;
        }
        if !field.is_sent() {
            continue;
        }
        if let (Some(lit), Some(serde_name)) = (&attrs.rename, &attrs.serde_rename)
            && lit.value() != *serde_name
        {
            errors.push(syn::Error::new_spanned(
                    lit,
                    format!(
                        "`rename = \"{}\"` contradicts `#[serde(rename = \"{serde_name}\")]`: the payload's key must be the key `Deserialize` expects; keep one of the two",
                        lit.value()
                    ),
                ));
        }
        if let Some(lit) = &attrs.rename
            && lit.value().trim().is_empty()
        {
            errors.push(syn::Error::new_spanned(lit, "`rename` must not be blank"));
        }
        if let Some((variant, lit)) = &attrs.ty
            && let Some(kind) = types::plain_kind(field.ty)
            && !types::fits(kind, variant)
        {
            errors.push(syn::Error::new_spanned(
                        lit,
                        format!(
                            "`type = \"{}\"` does not fit this field: its Rust type holds {}, but the answer would be cast to `{}`; leave `type` out (the Rust type decides) or give the field a type that holds a `{}`",
                            lit.value(),
                            kind_words(kind),
                            types::canonical(variant),
                            types::canonical(variant),
                        ),
                    ));
        }
        match (&attrs.desc, field.description()) {
            (Some(lit), _) if lit.value().trim().is_empty() => {
                errors.push(syn::Error::new_spanned(
                    lit,
                    "`desc` must not be blank: it tells the research agent what to find",
                ));
            }
            (_, None) if !attrs.had_error => errors.push(syn::Error::new_spanned(
                field.ident,
                format!(
                    "field `{}` has no description: add a doc comment or `#[enrich(desc = \"...\")]` saying what to find",
                    field.name()
                ),
            )),
            _ => {}
        }
        let key = field.payload_key(container);
        if seen.insert(key.clone(), ()).is_some() {
            let at = attrs
                .rename
                .as_ref()
                .map_or_else(|| field.ident.to_token_stream(), ToTokens::to_token_stream);
            errors.push(syn::Error::new_spanned(
                at,
                format!("the payload key `{key}` is used by two fields"),
            ));
        }
    }
    if input.sent_fields().next().is_none() {
        errors.push(syn::Error::new_spanned(
            &input.original.ident,
            "`Enrich` needs at least one field to ask the API for",
        ));
    }
}

fn kind_words(kind: &str) -> &'static str {
    match kind {
        "Str" => "text",
        "Int" => "a whole number",
        "Float" => "a number",
        _ => "a boolean",
    }
}

fn choices(input: &Input<'_>, errors: &mut Errors) {
    let container = &input.attrs;
    if let Some((_, lit)) = &container.rename_all {
        errors.push(syn::Error::new_spanned(
            lit,
            "`rename_all` on an enum would send values `Deserialize` does not read: use `#[serde(rename_all = \"...\")]`",
        ));
    }
    if let Some(lit) = &container.research_plan {
        errors.push(syn::Error::new_spanned(
            lit,
            "`research_plan` belongs on the struct sent with the request, not on an enum of allowed values",
        ));
    }
    if let Some(path) = &container.serde_enum_repr {
        errors.push(syn::Error::new_spanned(
            path,
            "`Enrich` reads an enum from its variant's name alone: tagged and untagged representations are not supported",
        ));
    }
    let Body::Choices(variants) = &input.body else {
        return;
    };
    let mut other_seen = false;
    for variant in variants {
        let attrs = &variant.attrs;
        if let Some(lit) = &attrs.desc
            && lit.value().trim().is_empty()
        {
            errors.push(syn::Error::new_spanned(lit, "`desc` must not be blank"));
        }
        match (&attrs.other, &variant.original.fields) {
            (Some(path), _) if other_seen => errors.push(syn::Error::new_spanned(
                path,
                "only one variant can be the `#[enrich(other)]` catch-all",
            )),
            (Some(path), _) if attrs.serde_skip => errors.push(syn::Error::new_spanned(
                path,
                "the `#[enrich(other)]` catch-all must be a variant `Deserialize` reads: it is skipped",
            )),
            (Some(_), Fields::Unit) => {}
            (Some(_), Fields::Unnamed(fields)) if fields.unnamed.len() == 1 => {}
            (Some(_), fields) => errors.push(syn::Error::new_spanned(
                fields,
                "the `#[enrich(other)]` catch-all holds nothing (a unit variant) or the answer's text (one field, as in `Other(String)`)",
            )),
            (None, Fields::Unit) => {}
            (None, fields) if !attrs.serde_skip => errors.push(syn::Error::new_spanned(
                fields,
                format!(
                    "`Enrich` on an enum needs unit variants, each one allowed value: `{}` holds data (only the `#[enrich(other)]` catch-all may hold the answer's text)",
                    variant.ident()
                ),
            )),
            (None, _) => {}
        }
        other_seen |= attrs.other.is_some();
    }

    let mut taken: BTreeMap<String, (String, String)> = BTreeMap::new();
    for variant in input.values() {
        let name = variant.serde_name(container);
        for spelling in std::iter::once(&name).chain(&variant.attrs.serde_aliases) {
            let folded = folded(spelling);
            match taken.get(&folded) {
                Some((ident, earlier)) if variant.ident() != ident => {
                    errors.push(syn::Error::new_spanned(
                        variant.ident(),
                        format!(
                            "`{}` reads the same as `{ident}` once case and separators are ignored (\"{spelling}\" and \"{earlier}\"): answers could not tell them apart; rename one of them",
                            variant.ident()
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    taken.insert(folded, (variant.ident().to_string(), spelling.clone()));
                }
            }
        }
    }
    if input.values().next().is_none() {
        errors.push(syn::Error::new_spanned(
            &input.original.ident,
            "`Enrich` needs at least one unit variant to allow as a value",
        ));
    }
}

/// The spelling with case, white space, `_` and `-` ignored, as answers are matched.
fn folded(text: &str) -> String {
    text.chars()
        .filter(|c| !(c.is_whitespace() || *c == '_' || *c == '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_matches_the_runtime_rule() {
        for (a, b) in [
            ("SeriesA", "series_a"),
            ("SERIES-A", "Series A"),
            ("Über", "über"),
        ] {
            assert_eq!(folded(a), folded(b));
            assert!(sixtyfour_casting::same_choice(a, b));
        }
        assert_ne!(folded("series_a"), folded("series_b"));
    }
}
