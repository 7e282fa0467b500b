//! A typed picture of the derive input that keeps the original syn nodes for spans: a struct
//! with named fields (a record), or a fieldless enum (a set of allowed values).

use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Ident, Type, Variant as SynVariant};

use crate::attr::{self, ContainerAttrs, Errors, FieldAttrs, VariantAttrs};

pub struct Input<'a> {
    pub original: &'a DeriveInput,
    pub attrs: ContainerAttrs,
    pub body: Body<'a>,
}

pub enum Body<'a> {
    /// A struct: each field is one value to collect.
    Record(Vec<Field<'a>>),
    /// An enum: each variant is one allowed value.
    Choices(Vec<Variant<'a>>),
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub attrs: FieldAttrs,
}

pub struct Variant<'a> {
    pub original: &'a SynVariant,
    pub attrs: VariantAttrs,
}

const SHAPE: &str = "`Enrich` can be derived for a struct with named fields (each field is one value to collect) or an enum of unit variants (each variant is one allowed value)";

impl<'a> Input<'a> {
    /// The picture of a struct with named fields or of an enum; any other shape is an error on
    /// its keyword.
    pub fn from_syn(input: &'a DeriveInput, errors: &mut Errors) -> syn::Result<Self> {
        let body = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => Body::Record(
                    named
                        .named
                        .iter()
                        .filter_map(|field| {
                            Some(Field {
                                ident: field.ident.as_ref()?,
                                ty: &field.ty,
                                attrs: attr::field(&field.attrs, errors),
                            })
                        })
                        .collect(),
                ),
                Fields::Unnamed(unnamed) => return Err(syn::Error::new_spanned(unnamed, SHAPE)),
                Fields::Unit => return Err(syn::Error::new_spanned(&input.ident, SHAPE)),
            },
            Data::Enum(data) => Body::Choices(
                data.variants
                    .iter()
                    .map(|variant| Variant {
                        original: variant,
                        attrs: attr::variant(&variant.attrs, errors),
                    })
                    .collect(),
            ),
            Data::Union(data) => return Err(syn::Error::new_spanned(data.union_token, SHAPE)),
        };
        let attrs = attr::container(&input.attrs, errors);
        Ok(Input {
            original: input,
            attrs,
            body,
        })
    }

    /// The fields of a struct; none for an enum.
    pub fn fields(&self) -> &[Field<'a>] {
        match &self.body {
            Body::Record(fields) => fields,
            Body::Choices(_) => &[],
        }
    }

    /// The fields that appear in the payload.
    pub fn sent_fields(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields().iter().filter(|field| field.is_sent())
    }

    /// The variants that are allowed values (not skipped, not the catch-all).
    pub fn values(&self) -> impl Iterator<Item = &Variant<'a>> {
        let variants: &[Variant<'a>] = match &self.body {
            Body::Choices(variants) => variants,
            Body::Record(_) => &[],
        };
        variants
            .iter()
            .filter(|variant| !variant.attrs.serde_skip && variant.attrs.other.is_none())
    }

    /// The catch-all variant, if one is marked.
    pub fn other(&self) -> Option<&Variant<'a>> {
        match &self.body {
            Body::Choices(variants) => variants.iter().find(|v| v.attrs.other.is_some()),
            Body::Record(_) => None,
        }
    }
}

impl Field<'_> {
    pub fn name(&self) -> String {
        self.ident.unraw().to_string()
    }

    /// Neither `#[enrich(skip)]` nor skipped by serde.
    pub fn is_sent(&self) -> bool {
        self.attrs.skip.is_none() && !self.attrs.serde_skip
    }

    /// The key `Deserialize` expects.
    pub fn serde_key(&self, container: &ContainerAttrs) -> String {
        if let Some(name) = &self.attrs.serde_rename {
            return name.clone();
        }
        match container.serde_rename_all {
            Some(rule) => rule.apply(&self.name()),
            None => self.name(),
        }
    }

    /// The key in the payload: enrich's rename, serde's rename, enrich's rule, serde's rule.
    pub fn payload_key(&self, container: &ContainerAttrs) -> String {
        if let Some(lit) = &self.attrs.rename {
            return lit.value();
        }
        if self.attrs.serde_rename.is_some() {
            return self.serde_key(container);
        }
        match &container.rename_all {
            Some((rule, _)) => rule.apply(&self.name()),
            None => self.serde_key(container),
        }
    }

    /// The description: `desc`, else the doc comment.
    pub fn description(&self) -> Option<String> {
        self.attrs
            .desc
            .as_ref()
            .map(syn::LitStr::value)
            .or_else(|| self.attrs.doc.clone())
    }

    /// True when the type is written `Option<...>` (or a path ending in it).
    pub fn is_option(&self) -> bool {
        crate::types::generic_arg(self.ty, "Option").is_some()
    }
}

impl Variant<'_> {
    pub fn ident(&self) -> &Ident {
        &self.original.ident
    }

    /// The name `Deserialize` reads for the variant.
    pub fn serde_name(&self, container: &ContainerAttrs) -> String {
        if let Some(name) = &self.attrs.serde_rename {
            return name.clone();
        }
        let ident = self.ident().unraw().to_string();
        match container.serde_rename_all {
            Some(rule) => rule.apply_to_variant(&ident),
            None => ident,
        }
    }

    /// Guidance for the value: `desc`, else the doc comment; empty when neither.
    pub fn description(&self) -> String {
        self.attrs
            .desc
            .as_ref()
            .map(syn::LitStr::value)
            .or_else(|| self.attrs.doc.clone())
            .unwrap_or_default()
    }
}
