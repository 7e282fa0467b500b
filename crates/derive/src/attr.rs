//! Helper attributes: `#[enrich(...)]` on the struct and its fields, doc comments, and the
//! `#[serde(...)]` attributes that decide which keys `Deserialize` expects.

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, Lit, LitStr, Path, Token};

use crate::case::RenameRule;
use crate::types;

/// Collects every error so that a user sees all their mistakes in one compile.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub fn into_error(self) -> Option<syn::Error> {
        self.0
    }
}

#[derive(Default)]
pub struct ContainerAttrs {
    pub rename_all: Option<(RenameRule, LitStr)>,
    pub research_plan: Option<LitStr>,
    pub krate: Option<Path>,
    pub serde_rename_all: Option<RenameRule>,
    pub serde_default: bool,
    /// A serde container attribute under which `Deserialize` no longer reads the fields.
    pub serde_unsupported: Option<Path>,
    /// A serde enum representation other than the plain variant name (`tag`, `content`,
    /// `untagged`).
    pub serde_enum_repr: Option<Path>,
}

#[derive(Default)]
pub struct FieldAttrs {
    pub desc: Option<LitStr>,
    pub doc: Option<String>,
    pub rename: Option<LitStr>,
    pub ty: Option<(&'static str, LitStr)>,
    pub skip: Option<Path>,
    pub serde_rename: Option<String>,
    pub serde_skip: bool,
    pub serde_default: bool,
    pub serde_custom: bool,
    pub serde_flatten: Option<Path>,
    /// An `#[enrich]` attribute of this field failed to parse; checks that would only repeat
    /// that mistake are skipped.
    pub had_error: bool,
}

#[derive(Default)]
pub struct VariantAttrs {
    pub desc: Option<LitStr>,
    pub doc: Option<String>,
    pub other: Option<Path>,
    pub serde_rename: Option<String>,
    pub serde_aliases: Vec<String>,
    pub serde_skip: bool,
}

const CONTAINER_KEYS: &str = "`rename_all`, `research_plan`, `crate`";
const FIELD_KEYS: &str = "`desc`, `rename`, `type`, `skip`";
const VARIANT_KEYS: &str = "`desc`, `other`";

pub fn container(attrs: &[Attribute], errors: &mut Errors) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for attr in attrs {
        if attr.path().is_ident("enrich") {
            each_entry(attr, errors, |meta| {
                if meta.path.is_ident("rename_all") {
                    let lit = string_value(meta, "rename_all")?;
                    let rule = RenameRule::from_name(&lit.value()).ok_or_else(|| {
                        syn::Error::new_spanned(
                            &lit,
                            format!(
                                "unknown rename rule `{}`: expected one of {}",
                                lit.value(),
                                RenameRule::valid_names()
                            ),
                        )
                    })?;
                    set_once(&mut out.rename_all, (rule, lit), &meta.path)
                } else if meta.path.is_ident("research_plan") {
                    let lit = string_value(meta, "research_plan")?;
                    set_once(&mut out.research_plan, lit, &meta.path)
                } else if meta.path.is_ident("crate") {
                    let lit = string_value(meta, "crate")?;
                    let path = lit.parse::<Path>()?;
                    set_once(&mut out.krate, path, &meta.path)
                } else {
                    Err(unknown(meta, CONTAINER_KEYS))
                }
            });
        } else if attr.path().is_ident("serde") {
            // serde reports its own syntax errors; only what changes keys is read here.
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename_all") {
                    if let Some(rule) = deserialize_side(&meta)? {
                        out.serde_rename_all = RenameRule::from_name(&rule);
                    }
                } else if meta.path.is_ident("default") {
                    out.serde_default = true;
                    skip_value(&meta)?;
                } else if ["transparent", "from", "try_from"]
                    .iter()
                    .any(|key| meta.path.is_ident(key))
                {
                    out.serde_unsupported = Some(meta.path.clone());
                    skip_value(&meta)?;
                } else if ["tag", "content", "untagged"]
                    .iter()
                    .any(|key| meta.path.is_ident(key))
                {
                    out.serde_enum_repr = Some(meta.path.clone());
                    skip_value(&meta)?;
                } else {
                    skip_value(&meta)?;
                }
                Ok(())
            });
        }
    }
    out
}

pub fn field(attrs: &[Attribute], errors: &mut Errors) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    let mut doc_lines = Vec::new();
    for attr in attrs {
        if attr.path().is_ident("enrich") {
            let failed = each_entry(attr, errors, |meta| {
                if meta.path.is_ident("desc") {
                    let lit = string_value(meta, "desc")?;
                    set_once(&mut out.desc, lit, &meta.path)
                } else if meta.path.is_ident("rename") {
                    let lit = string_value(meta, "rename")?;
                    set_once(&mut out.rename, lit, &meta.path)
                } else if meta.path.is_ident("type") {
                    let lit = string_value(meta, "type")?;
                    let variant = types::variant(&lit.value()).ok_or_else(|| {
                        syn::Error::new_spanned(
                            &lit,
                            format!(
                                "unknown type `{}`: expected one of {}",
                                lit.value(),
                                types::valid_names()
                            ),
                        )
                    })?;
                    set_once(&mut out.ty, (variant, lit), &meta.path)
                } else if meta.path.is_ident("skip") {
                    if meta.input.peek(Token![=]) {
                        return Err(meta.error("`skip` takes no value: write `#[enrich(skip)]`"));
                    }
                    set_once(&mut out.skip, meta.path.clone(), &meta.path)
                } else {
                    Err(unknown(meta, FIELD_KEYS))
                }
            });
            out.had_error |= failed;
        } else if attr.path().is_ident("serde") {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    if let Some(name) = deserialize_side(&meta)? {
                        out.serde_rename = Some(name);
                    }
                } else if meta.path.is_ident("skip") || meta.path.is_ident("skip_deserializing") {
                    out.serde_skip = true;
                } else if meta.path.is_ident("default") {
                    out.serde_default = true;
                    skip_value(&meta)?;
                } else if meta.path.is_ident("with") || meta.path.is_ident("deserialize_with") {
                    out.serde_custom = true;
                    skip_value(&meta)?;
                } else if meta.path.is_ident("flatten") {
                    out.serde_flatten = Some(meta.path.clone());
                } else {
                    skip_value(&meta)?;
                }
                Ok(())
            });
        } else if let Some(line) = doc_line(attr) {
            doc_lines.push(line);
        }
    }
    out.doc = doc_text(&doc_lines);
    out
}

pub fn variant(attrs: &[Attribute], errors: &mut Errors) -> VariantAttrs {
    let mut out = VariantAttrs::default();
    let mut doc_lines = Vec::new();
    for attr in attrs {
        if attr.path().is_ident("enrich") {
            each_entry(attr, errors, |meta| {
                if meta.path.is_ident("desc") {
                    let lit = string_value(meta, "desc")?;
                    set_once(&mut out.desc, lit, &meta.path)
                } else if meta.path.is_ident("other") {
                    if meta.input.peek(Token![=]) {
                        return Err(meta.error("`other` takes no value: write `#[enrich(other)]`"));
                    }
                    set_once(&mut out.other, meta.path.clone(), &meta.path)
                } else {
                    Err(unknown(meta, VARIANT_KEYS))
                }
            });
        } else if attr.path().is_ident("serde") {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    if let Some(name) = deserialize_side(&meta)? {
                        out.serde_rename = Some(name);
                    }
                } else if meta.path.is_ident("alias") {
                    let lit: LitStr = meta.value()?.parse()?;
                    out.serde_aliases.push(lit.value());
                } else if meta.path.is_ident("skip") || meta.path.is_ident("skip_deserializing") {
                    out.serde_skip = true;
                } else {
                    skip_value(&meta)?;
                }
                Ok(())
            });
        } else if let Some(line) = doc_line(attr) {
            doc_lines.push(line);
        }
    }
    out.doc = doc_text(&doc_lines);
    out
}

/// The text of a `///` line.
fn doc_line(attr: &Attribute) -> Option<String> {
    if !attr.path().is_ident("doc") {
        return None;
    }
    match &attr.meta {
        syn::Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(line),
                ..
            }) => Some(line.value()),
            _ => None,
        },
        _ => None,
    }
}

/// Doc comment lines as one description: lines of a paragraph joined by spaces, paragraphs
/// by a newline.
fn doc_text(lines: &[String]) -> Option<String> {
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in lines.iter().flat_map(|l| l.split('\n')) {
        let line = line.trim();
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
        } else {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(line);
        }
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    (!paragraphs.is_empty()).then(|| paragraphs.join("\n"))
}

/// The result of one `key = value` entry of an attribute. A mistake found once the entry was
/// read to its end (a value of the wrong kind, an unknown rule, a duplicate) is kept and the
/// next entry is read, so one attribute reports all its mistakes in one compile; a syntax
/// error, after which the entry's end cannot be found, ends the attribute.
/// Reads each entry of an `#[enrich(...)]` attribute with `entry`, putting every mistake in
/// `errors` (as [`keep_going`] sorts them); true when there was one.
fn each_entry(
    attr: &Attribute,
    errors: &mut Errors,
    mut entry: impl FnMut(&ParseNestedMeta<'_>) -> syn::Result<()>,
) -> bool {
    let mut kept = Vec::new();
    let result = attr.parse_nested_meta(|meta| {
        let outcome = entry(&meta);
        keep_going(&meta, outcome, &mut kept)
    });
    let failed = !kept.is_empty() || result.is_err();
    for err in kept.into_iter().chain(result.err()) {
        errors.push(err);
    }
    failed
}

fn keep_going(
    meta: &ParseNestedMeta<'_>,
    entry: syn::Result<()>,
    kept: &mut Vec<syn::Error>,
) -> syn::Result<()> {
    match entry {
        Err(err) if meta.input.is_empty() || meta.input.peek(Token![,]) => {
            kept.push(err);
            Ok(())
        }
        other => other,
    }
}

fn string_value(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<LitStr> {
    let input = meta.value()?;
    match input.parse::<Lit>()? {
        Lit::Str(lit) => Ok(lit),
        other => Err(syn::Error::new_spanned(
            other,
            format!("expected a string literal: `{key} = \"...\"`"),
        )),
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T, path: &Path) -> syn::Result<()> {
    if slot.is_some() {
        let name = path
            .get_ident()
            .map_or_else(|| "attribute".to_owned(), ToString::to_string);
        return Err(syn::Error::new_spanned(
            path,
            format!("duplicate enrich attribute `{name}`"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

fn unknown(meta: &ParseNestedMeta<'_>, valid: &str) -> syn::Error {
    let name = meta
        .path
        .get_ident()
        .map_or_else(|| "?".to_owned(), ToString::to_string);
    syn::Error::new_spanned(
        &meta.path,
        format!("unknown enrich attribute `{name}`: expected one of {valid}"),
    )
}

/// For `rename = "x"` or `rename(deserialize = "x")`, the name `Deserialize` uses.
fn deserialize_side(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<String>> {
    if meta.input.peek(Token![=]) {
        let lit: LitStr = meta.value()?.parse()?;
        return Ok(Some(lit.value()));
    }
    let mut found = None;
    if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| {
            if inner.path.is_ident("deserialize") {
                let lit: LitStr = inner.value()?.parse()?;
                found = Some(lit.value());
            } else {
                skip_value(&inner)?;
            }
            Ok(())
        })?;
    }
    Ok(found)
}

/// Consumes whatever value a serde key carries (`= ...` or `(...)`).
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<TokenStream>()?;
    }
    Ok(())
}
