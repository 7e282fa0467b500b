//! A typed picture of the derive input that keeps the original syn nodes for spans.

use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Ident, Type};

use crate::attr::{self, ContainerAttrs, Errors, FieldAttrs};

pub struct Input<'a> {
    pub original: &'a DeriveInput,
    pub attrs: ContainerAttrs,
    pub fields: Vec<Field<'a>>,
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub attrs: FieldAttrs,
}

impl<'a> Input<'a> {
    /// The picture of a struct with named fields; any other shape is an error on its keyword.
    pub fn from_syn(input: &'a DeriveInput, errors: &mut Errors) -> syn::Result<Self> {
        const SHAPE: &str = "`Enrich` can only be derived for a struct with named fields: each field is one value to collect";
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => &named.named,
                Fields::Unnamed(unnamed) => return Err(syn::Error::new_spanned(unnamed, SHAPE)),
                Fields::Unit => return Err(syn::Error::new_spanned(&input.ident, SHAPE)),
            },
            Data::Enum(data) => return Err(syn::Error::new_spanned(data.enum_token, SHAPE)),
            Data::Union(data) => return Err(syn::Error::new_spanned(data.union_token, SHAPE)),
        };
        let attrs = attr::container(&input.attrs, errors);
        let fields = fields
            .iter()
            .filter_map(|field| {
                Some(Field {
                    ident: field.ident.as_ref()?,
                    ty: &field.ty,
                    attrs: attr::field(&field.attrs, errors),
                })
            })
            .collect();
        Ok(Input {
            original: input,
            attrs,
            fields,
        })
    }

    /// The fields that appear in the payload.
    pub fn sent_fields(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|field| field.is_sent())
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
        match self.ty {
            Type::Path(path) => {
                path.qself.is_none()
                    && path.path.segments.last().is_some_and(|segment| {
                        segment.ident == "Option"
                            && matches!(segment.arguments, syn::PathArguments::AngleBracketed(_))
                    })
            }
            _ => false,
        }
    }
}
