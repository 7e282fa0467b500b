//! `#[derive(Enrich)]`: turns a struct with named fields into the enrich-lead request's
//! `struct` payload and the typed result of the call, and a fieldless enum into a set of
//! allowed values for such a field.
//!
//! Use it through the `sixtyfour` crate, which re-exports it beside the `Enrich` trait (or
//! through `sixtyfour-casting` with its `derive` feature). The pipeline reads in file order:
//! `ast` builds a typed picture of the input, `attr` parses `#[enrich(...)]` and the
//! `#[serde(...)]` attributes that change keys, `valid` checks the picture, `expand` writes
//! the impls.

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod ast;
mod attr;
mod case;
mod expand;
mod types;
mod valid;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `Enrich` for a struct with named fields, or `EnrichField` for a fieldless enum.
///
/// # Structs
///
/// Each field becomes one entry of the request's `struct` payload, in declaration order, and
/// the answer decodes back into the struct. The field's Rust type decides the API type
/// (`u32` is `int`, `Vec<String>` is `list[str]`, `String` a plain description) and how the
/// answer is cast; `Option` fields take a blank, null or missing answer as `None`. The
/// derive computes the type's decode plan at compile time, so decoding never rebuilds it.
///
/// Field attributes, `#[enrich(...)]`:
///
/// | key | meaning |
/// |---|---|
/// | `desc = "..."` | the description sent to the research agent; defaults to the doc comment (one of the two is required) |
/// | `rename = "..."` | the key in the payload; decoding maps it back to the Rust field |
/// | `type = "list[str]"` | the API type, checked at compile time; the answer is cast to it and handed to serde as it is. For types that do not implement `EnrichField`; it must fit a plain Rust type (`type = "dict"` on a `String` is an error) |
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
/// # extern crate sixtyfour_casting as sixtyfour;
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
///
/// # Nested types
///
/// A field whose type derives `Enrich` is sent as a `dict` (a `Vec` of them as a `list`),
/// with a description that names the nested keys, their types and their descriptions, since
/// the API's `struct` has no nested schema. The answer may hold an object or its JSON text;
/// the nested fields are cast by their own types.
///
/// ```
/// # extern crate sixtyfour_casting as sixtyfour;
/// use serde::Deserialize;
/// use sixtyfour::{decode, Enrich};
///
/// #[derive(Debug, Deserialize, Enrich)]
/// struct Office {
///     /// City
///     city: String,
///     /// Desks in the office
///     desks: Option<u32>,
/// }
///
/// #[derive(Debug, Deserialize, Enrich)]
/// struct Company {
///     /// Its offices
///     offices: Vec<Office>,
/// }
///
/// assert_eq!(
///     Company::schema().to_json()["offices"],
///     serde_json::json!({
///         "description": "Its offices. A list, each item an object with the keys \"city\" (str): City; \"desks\" (int, optional): Desks in the office.",
///         "type": "list",
///     })
/// );
/// let answer = serde_json::json!({"offices": "[{\"city\": \"Oslo\", \"desks\": \"12\"}]"});
/// let company: Company = decode(answer.as_object().unwrap(), &Default::default())?;
/// assert_eq!(company.offices[0].desks, Some(12));
/// # Ok::<(), sixtyfour::DecodeError>(())
/// ```
///
/// # Enums
///
/// On an enum of unit variants the derive implements `EnrichField`: the field is sent as
/// `str` with the allowed values (serde's names for the variants, with their doc comments)
/// in its description, and an answer matches a value whatever its case and separators
/// (`"Series A"`, `"series_a"` and `"SERIES-A"` are one value; serde's `alias`es count too).
/// Text that matches none is an error naming the allowed values, unless one variant is the
/// catch-all, `#[enrich(other)]`: a unit variant takes any other text and keeps nothing, a
/// variant with one field (`Other(String)`) keeps the text, trimmed. Variant attributes:
/// `desc = "..."` (instead of the doc comment) and `other`.
///
/// ```
/// # extern crate sixtyfour_casting as sixtyfour;
/// use serde::Deserialize;
/// use sixtyfour::{decode, Enrich};
///
/// #[derive(Debug, Deserialize, Enrich, PartialEq)]
/// #[serde(rename_all = "snake_case")]
/// enum Stage {
///     /// Pre-seed and seed rounds
///     Seed,
///     SeriesA,
///     SeriesB,
///     #[enrich(other)]
///     Other(String),
/// }
///
/// #[derive(Debug, Deserialize, Enrich)]
/// struct Funding {
///     /// Their latest funding round
///     stage: Stage,
/// }
///
/// assert_eq!(
///     Funding::schema().to_json()["stage"],
///     "Their latest funding round. One of \"seed\" (Pre-seed and seed rounds), \"series_a\", \"series_b\", or another value."
/// );
/// let stage = |text: &str| {
///     let answer = serde_json::json!({"stage": text});
///     decode::<Funding>(answer.as_object().unwrap(), &Default::default()).map(|f| f.stage)
/// };
/// assert_eq!(stage("Series A")?, Stage::SeriesA);
/// assert_eq!(stage("SERIES-B")?, Stage::SeriesB);
/// assert_eq!(stage(" bridge ")?, Stage::Other("bridge".into()));
/// # Ok::<(), sixtyfour::DecodeError>(())
/// ```
#[proc_macro_derive(Enrich, attributes(enrich))]
pub fn derive_enrich(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
