//! Code generation: for a struct, `Enrich` (its plan as a constant) and `EnrichField` (a
//! nested record); for an enum, `EnrichField` (its allowed values). Beside errors, stubs of
//! the same impls, so the user sees only the errors.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Fields, GenericParam, Path, WherePredicate};

use crate::ast::{Body, Field, Input};
use crate::attr::Errors;
use crate::valid;

pub fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let parsed = match Input::from_syn(input, &mut errors) {
        Ok(parsed) => parsed,
        Err(shape) => return shape.to_compile_error(),
    };
    valid::check(&parsed, &mut errors);
    match errors.into_error() {
        Some(error) => {
            let stub = stub(&parsed);
            let error = error.to_compile_error();
            quote! { #error #stub }
        }
        None => match &parsed.body {
            Body::Record(_) => record(&parsed),
            Body::Choices(_) => choices(&parsed),
        },
    }
}

fn runtime(input: &Input<'_>) -> Path {
    input
        .attrs
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::sixtyfour))
}

/// Impls with no fields and no values, so that bad attributes give their own errors and
/// nothing else.
fn stub(input: &Input<'_>) -> TokenStream {
    let krate = runtime(input);
    let ident = &input.original.ident;
    let (impl_generics, ty_generics, _) = input.original.generics.split_for_impl();
    let mut where_clause = where_clause(input);
    match &input.body {
        Body::Record(_) => {
            where_clause
                .predicates
                .push(syn::parse_quote!(#ident #ty_generics: #krate::__private::DeserializeOwned));
            quote! {
                const _: () = {
                    #[automatically_derived]
                    impl #impl_generics #krate::__private::Enrich for #ident #ty_generics #where_clause {
                        fn schema() -> #krate::__private::Schema {
                            #krate::__private::Schema::new()
                        }
                    }
                    #[automatically_derived]
                    impl #impl_generics #krate::__private::EnrichField for #ident #ty_generics #where_clause {
                        const SHAPE: #krate::__private::Shape = #krate::__private::Shape::record::<Self>();
                    }
                };
            }
        }
        Body::Choices(_) => quote! {
            const _: () = {
                #[automatically_derived]
                impl #impl_generics #krate::__private::EnrichField for #ident #ty_generics #where_clause {
                    const SHAPE: #krate::__private::Shape = #krate::__private::Shape::OneOf(&#krate::__private::Choices::new(&[]));
                }
            };
        },
    }
}

fn record(input: &Input<'_>) -> TokenStream {
    let krate = runtime(input);
    let ident = &input.original.ident;
    let name = ident.to_string();
    let generics = &input.original.generics;
    let (impl_generics, ty_generics, _) = generics.split_for_impl();

    let mut where_clause = where_clause(input);
    where_clause
        .predicates
        .push(syn::parse_quote!(#ident #ty_generics: #krate::__private::DeserializeOwned));

    let type_params: Vec<String> = generics
        .params
        .iter()
        .filter_map(|param| match param {
            GenericParam::Type(ty) => Some(ty.ident.to_string()),
            _ => None,
        })
        .collect();

    let mut infos = Vec::new();
    for field in input.sent_fields() {
        let generic = mentions_any(field.ty, &type_params);
        infos.push(field_info(
            input,
            field,
            &krate,
            generic,
            &mut where_clause.predicates,
        ));
    }

    let research_plan = input.attrs.research_plan.as_ref().map(|plan| {
        quote! {
            fn research_plan() -> #krate::__private::Option<&'static str> {
                #krate::__private::Some(#plan)
            }
        }
    });

    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #krate::__private::Enrich for #ident #ty_generics #where_clause {
                const PLAN: &'static #krate::__private::Plan = &#krate::__private::Plan::new(#name, &[ #(#infos),* ])
                    .with_keys({
                        fn keys() -> &'static #krate::__private::Keys {
                            static KEYS: #krate::__private::Keys = #krate::__private::Keys::new();
                            &KEYS
                        }
                        keys
                    });

                #research_plan
            }

            #[automatically_derived]
            impl #impl_generics #krate::__private::EnrichField for #ident #ty_generics #where_clause {
                const SHAPE: #krate::__private::Shape = #krate::__private::Shape::record::<Self>();
            }
        };
    }
}

fn field_info(
    input: &Input<'_>,
    field: &Field<'_>,
    krate: &Path,
    generic: bool,
    bounds: &mut syn::punctuated::Punctuated<WherePredicate, syn::Token![,]>,
) -> TokenStream {
    let ty = field.ty;
    let span = ty.span();
    let key = field.payload_key(&input.attrs);
    let serde_key = field.serde_key(&input.attrs);
    let description = field.description().unwrap_or_default();
    let mut info = quote! { #krate::__private::FieldInfo::new(#key, #serde_key, #description) };
    match &field.attrs.ty {
        Some((variant, lit)) => {
            let variant = format_ident!("{}", variant, span = lit.span());
            let optional = field.is_option();
            info.extend(
                quote! { .with_type(#krate::__private::FieldType::#variant).with_optional(#optional) },
            );
        }
        None => {
            if generic {
                bounds.push(syn::parse_quote_spanned!(span=> #ty: #krate::__private::EnrichField));
            }
            info.extend(quote_spanned! {span=> .of::<#ty>() });
        }
    }
    if !field.attrs.serde_custom {
        if generic {
            bounds.push(syn::parse_quote_spanned!(span=> #ty: #krate::__private::DeserializeOwned));
        }
        info.extend(quote_spanned! {span=> .checked::<#ty>() });
    }
    if field.attrs.serde_default || input.attrs.serde_default {
        info.extend(quote! { .with_optional(true) });
    }
    info
}

fn choices(input: &Input<'_>) -> TokenStream {
    let krate = runtime(input);
    let ident = &input.original.ident;
    let (impl_generics, ty_generics, _) = input.original.generics.split_for_impl();
    let where_clause = where_clause(input);
    let container = &input.attrs;

    let values: Vec<String> = input.values().map(|v| v.serde_name(container)).collect();
    let descriptions: Vec<String> = input.values().map(|v| v.description()).collect();
    let aliases: Vec<TokenStream> = input
        .values()
        .flat_map(|variant| {
            let name = variant.serde_name(container);
            variant
                .attrs
                .serde_aliases
                .iter()
                .map(move |alias| quote! { (#alias, #name) })
        })
        .collect();
    let other = input.other().map(|variant| {
        let name = variant.serde_name(container);
        match variant.original.fields {
            Fields::Unit => quote! { .with_other(#krate::__private::Choice::Unit(#name)) },
            _ => quote! { .with_other(#krate::__private::Choice::Text(#name)) },
        }
    });

    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #krate::__private::EnrichField for #ident #ty_generics #where_clause {
                const SHAPE: #krate::__private::Shape = #krate::__private::Shape::OneOf(
                    &#krate::__private::Choices::new(&[ #(#values),* ])
                        .with_descriptions(&[ #(#descriptions),* ])
                        .with_aliases(&[ #(#aliases),* ])
                        #other
                );
            }
        };
    }
}

fn where_clause(input: &Input<'_>) -> syn::WhereClause {
    input
        .original
        .generics
        .where_clause
        .clone()
        .unwrap_or_else(|| syn::WhereClause {
            where_token: syn::Token![where](Span::call_site()),
            predicates: syn::punctuated::Punctuated::new(),
        })
}

/// True when the type's tokens name one of the struct's type parameters.
fn mentions_any(ty: &syn::Type, params: &[String]) -> bool {
    fn walk(tokens: TokenStream, params: &[String]) -> bool {
        tokens.into_iter().any(|tree| match tree {
            proc_macro2::TokenTree::Ident(ident) => params.iter().any(|p| ident == p),
            proc_macro2::TokenTree::Group(group) => walk(group.stream(), params),
            _ => false,
        })
    }
    !params.is_empty() && walk(ty.to_token_stream(), params)
}
