//! `#[derive(Enrich)]`: turns a struct with named fields into the enrich-lead request's
//! `struct` payload and the typed result of the call.
//!
//! Use it through the `sixtyfour` crate, which re-exports it beside the `Enrich` trait; the
//! attributes are documented there. The pipeline reads in file order: `ast` builds a typed
//! picture of the input, `attr` parses `#[enrich(...)]` and the `#[serde(...)]` attributes
//! that change keys, `valid` checks the picture, `expand` writes the impl.

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod ast;
mod attr;
mod case;
mod expand;
mod types;
mod valid;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `Enrich` for a struct with named fields.
///
/// Each field becomes one entry of the request's `struct` payload, in declaration order, and
/// the answer decodes back into the struct. Field attributes, `#[enrich(...)]`:
///
/// | key | meaning |
/// |---|---|
/// | `desc = "..."` | the description sent to the research agent; defaults to the doc comment (one of the two is required) |
/// | `rename = "..."` | the key in the payload; decoding maps it back to the Rust field |
/// | `type = "list[str]"` | the API type, checked at compile time; otherwise the field's Rust type decides |
/// | `skip` | leave the field out of the payload (it needs a serde default, or to be an `Option`) |
///
/// Container attributes: `rename_all = "camelCase"` (serde's rules), `research_plan = "..."`,
/// `crate = "path"` (where the runtime lives, `::sixtyfour` by default).
///
/// serde's `rename`, `rename_all`, `skip`, `skip_deserializing` and `default` are read so that
/// the payload asks for exactly the keys `Deserialize` reads; an `enrich` rename that
/// contradicts serde's is an error, and so are `#[serde(flatten)]`, `transparent`, `from` and
/// `try_from`.
///
/// ```
/// use serde::Deserialize;
/// use sixtyfour::{decode, Enrich};
///
/// #[derive(Debug, Deserialize, Enrich)]
/// #[enrich(research_plan = "Start from their LinkedIn profile.")]
/// struct Prospect {
///     /// The individual's job title
///     title: String,
///     #[enrich(rename = "headcount", desc = "Employees at their company")]
///     company_size: Option<u32>,
///     /// Languages they write on GitHub
///     languages: Vec<String>,
/// }
///
/// assert_eq!(
///     Prospect::schema().to_json(),
///     serde_json::json!({
///         "title": "The individual's job title",
///         "headcount": {"description": "Employees at their company", "type": "int"},
///         "languages": {"description": "Languages they write on GitHub", "type": "list[str]"},
///     })
/// );
/// assert_eq!(Prospect::research_plan(), Some("Start from their LinkedIn profile."));
///
/// let answer = serde_json::json!({"title": "CTO", "headcount": "1,200", "languages": "[\"Rust\"]"});
/// let prospect: Prospect = decode(answer.as_object().unwrap(), &Default::default())?;
/// assert_eq!((prospect.company_size, prospect.languages.len()), (Some(1200), 1));
/// # Ok::<(), sixtyfour::DecodeError>(())
/// ```
#[proc_macro_derive(Enrich, attributes(enrich))]
pub fn derive_enrich(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
