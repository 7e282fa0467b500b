//! Checks on the parsed input: descriptions, renames that agree with serde, skips that can be
//! filled, unique keys.

use std::collections::BTreeMap;

use quote::ToTokens;

use crate::ast::Input;
use crate::attr::Errors;

pub fn check(input: &Input<'_>, errors: &mut Errors) {
    let container = &input.attrs;
    if let Some(path) = &container.serde_unsupported {
        errors.push(syn::Error::new_spanned(
            path,
            "`Enrich` cannot be derived with this serde attribute: `Deserialize` would not read the fields the payload asks for",
        ));
    }
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
    for field in &input.fields {
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
