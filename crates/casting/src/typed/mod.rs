//! The typed layer: Rust types as the request's `struct` payload and as the typed result.
//!
//! Everything below this module works on JSON alone; here a Rust type describes its fields
//! once, at compile time, as a [`Plan`] of [`FieldInfo`]s whose [`Shape`]s say how each
//! field's Rust type receives its value, and [`decode`] follows that plan.

pub(crate) mod choice;
pub(crate) mod decode;
pub(crate) mod enrich;
pub(crate) mod field;
pub(crate) mod keys;
pub(crate) mod plan;
pub(crate) mod shape;
