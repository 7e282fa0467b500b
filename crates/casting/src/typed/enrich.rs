//! `Enrich`: a Rust type that is both the request's `struct` payload and the typed result.

use serde::de::DeserializeOwned;

use crate::schema::Schema;
use crate::typed::plan::{FieldInfo, Plan};

/// A type that describes the fields to collect about a lead and receives them back.
///
/// Derive it with `#[derive(Enrich)]` (from the `sixtyfour` crate) next to
/// `serde::Deserialize`; the derive reads serde's renames so the payload's keys and the keys
/// `Deserialize` expects always agree, and computes the [`PLAN`](Enrich::PLAN) at compile
/// time. By hand, write the plan (the schema follows from it):
///
/// ```
/// use serde::Deserialize;
/// use sixtyfour_casting::{decode, Enrich, FieldInfo, Plan};
///
/// #[derive(Debug, Deserialize, PartialEq)]
/// struct Contact {
///     email: String,
///     age: Option<u32>,
/// }
///
/// impl Enrich for Contact {
///     const PLAN: &'static Plan = &Plan::new("Contact", &[
///         FieldInfo::new("email", "email", "The individual's email address").of::<String>().checked::<String>(),
///         FieldInfo::new("age", "age", "Age in years").of::<Option<u32>>().checked::<Option<u32>>(),
///     ]);
/// }
///
/// assert_eq!(
///     Contact::schema().to_json(),
///     serde_json::json!({
///         "email": "The individual's email address",
///         "age": {"description": "Age in years", "type": "int"},
///     })
/// );
/// let data = serde_json::json!({"email": "ada@lovelace.example", "age": "36"});
/// let contact: Contact = decode(data.as_object().unwrap(), &Default::default())?;
/// assert_eq!(contact, Contact { email: "ada@lovelace.example".into(), age: Some(36) });
/// # Ok::<(), sixtyfour_casting::DecodeError>(())
/// ```
///
/// An implementation may instead give only [`schema`](Enrich::schema) and leave the plan
/// empty: [`decode`](crate::decode) then casts by the schema's resolved types alone, building
/// the schema on every call.
pub trait Enrich: DeserializeOwned {
    /// Every field: its payload key, the key `Deserialize` expects, its description and how
    /// its Rust type receives the value. Empty means "decode by the schema".
    const PLAN: &'static Plan = &Plan::EMPTY;

    /// The request's `struct` payload: one entry per field, in declaration order.
    fn schema() -> Schema {
        Self::PLAN.schema()
    }

    /// A research plan sent with every request for this type.
    fn research_plan() -> Option<&'static str> {
        None
    }

    /// The fields of the plan.
    fn fields() -> &'static [FieldInfo] {
        Self::PLAN.fields
    }
}
