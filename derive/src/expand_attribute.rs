//! Code generation for `#[derive(Attribute)]`: a struct as a map (M), a unit enum as a string (S).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{parse_quote, DeriveInput, Generics};

use crate::ast;
use crate::fields::{self, Conversion};
use crate::valid::Errors;

const SUPPORTED: &str =
    "`#[derive(Attribute)]` supports structs with named fields (stored as a map, M) \
     and enums whose variants are all units (stored as a string, S)";

pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("ferrodyn")) {
        errors.spanned(
            attr,
            "`#[derive(Attribute)]` takes no `#[ferrodyn(...)]` options; \
             rename with `#[serde(rename = \"...\")]` or `#[serde(rename_all = \"...\")]`",
        );
    }
    let container = ast::serde_container(&input.attrs, &mut errors);
    match &input.data {
        syn::Data::Struct(syn::DataStruct { fields: syn::Fields::Named(named), .. }) => {
            let fields = ast::fields(named, &container, &mut errors);
            for field in &fields {
                if let Some(span) = field.with_span {
                    errors.push(syn::Error::new(
                        span,
                        "`#[derive(Attribute)]` fields convert by their types' impls; \
                         `with`/`serialize_with`/`deserialize_with` apply to fields of a `Model`",
                    ));
                }
                if let Some((role, span)) = field.role {
                    errors.push(syn::Error::new(
                        span,
                        format!(
                            "`{}` applies to fields of a `Model`, not of an `Attribute`",
                            role.name()
                        ),
                    ));
                }
            }
            errors.finish()?;
            return Ok(expand_struct(input, &fields));
        }
        syn::Data::Struct(s) if matches!(s.fields, syn::Fields::Unit) => {
            errors.spanned(&input.ident, format!("{SUPPORTED}, not unit structs"));
        }
        syn::Data::Struct(s) => {
            errors.spanned(&s.fields, format!("{SUPPORTED}, not tuple structs"));
        }
        syn::Data::Enum(e) => {
            let mut variants = Vec::with_capacity(e.variants.len());
            for variant in &e.variants {
                if !matches!(variant.fields, syn::Fields::Unit) {
                    errors.spanned(
                        variant,
                        format!("{SUPPORTED}; variant `{}` carries data", variant.ident),
                    );
                }
                variants
                    .push((&variant.ident, ast::variant_name(variant, &container, &mut errors)));
            }
            errors.finish()?;
            return Ok(expand_enum(input, &variants));
        }
        syn::Data::Union(u) => {
            errors.push(syn::Error::new(u.union_token.span, SUPPORTED));
        }
    }
    errors.finish()?;
    Ok(TokenStream::new())
}

/// `generics` with `bound` required of every type parameter, as serde does.
fn bounded(generics: &Generics, bound: &TokenStream) -> Generics {
    let mut generics = generics.clone();
    let params: Vec<_> = generics.type_params().map(|p| p.ident.clone()).collect();
    let where_clause = generics.make_where_clause();
    for param in params {
        where_clause.predicates.push(parse_quote! { #param: #bound });
    }
    generics
}

fn expand_struct(input: &DeriveInput, fields: &[ast::Field<'_>]) -> TokenStream {
    let ident = &input.ident;
    let map = format_ident!("__map");
    let capacity = fields.iter().filter(|f| !f.skip_serializing).count();
    let encode = fields::encode(fields, Conversion::Direct, &map);
    let decode = fields::decode(fields, Conversion::Direct, &map);

    let to = bounded(&input.generics, &quote! { ::ferrodyn::__private::ToAttributeValue });
    let (to_impl, to_ty, to_where) = to.split_for_impl();
    let from = bounded(&input.generics, &quote! { ::ferrodyn::__private::FromAttributeValue });
    let (from_impl, from_ty, from_where) = from.split_for_impl();
    quote! {
        #[automatically_derived]
        #[allow(unused_qualifications, clippy::all, clippy::pedantic, clippy::nursery)]
        impl #to_impl ::ferrodyn::__private::ToAttributeValue for #ident #to_ty #to_where {
            fn to_attribute_value(&self) -> ::ferrodyn::__private::AttributeValue {
                let mut #map = ::ferrodyn::__private::Item::with_capacity(#capacity);
                #encode
                ::ferrodyn::__private::AttributeValue::M(#map)
            }
        }

        #[automatically_derived]
        #[allow(unused_qualifications, clippy::all, clippy::pedantic, clippy::nursery)]
        impl #from_impl ::ferrodyn::__private::FromAttributeValue for #ident #from_ty #from_where {
            #[inline]
            fn from_attribute_value(
                __value: ::ferrodyn::__private::AttributeValue,
            ) -> ::ferrodyn::__private::Result<Self> {
                Self::decode(__value)
            }

            fn decode<'de, __S: ::ferrodyn::__private::Source<'de>>(
                __source: __S,
            ) -> ::ferrodyn::__private::Result<Self> {
                let mut #map = match ::ferrodyn::__private::Source::take(__source)? {
                    ::ferrodyn::__private::Value::M(__map) => __map,
                    __other => {
                        return ::ferrodyn::__private::Err(
                            ::ferrodyn::__private::expected_map(__other.tag()),
                        );
                    }
                };
                ::ferrodyn::__private::Ok({ #decode })
            }
        }
    }
}

fn expand_enum(input: &DeriveInput, variants: &[(&syn::Ident, String)]) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let to_name = variants.iter().map(|(variant, name)| quote! { Self::#variant => #name });
    let to_name = quote! { match *self { #(#to_name,)* } };
    let from_name = variants
        .iter()
        .map(|(variant, name)| quote! { #name => ::ferrodyn::__private::Ok(Self::#variant) });
    let names = variants.iter().map(|(_, name)| name);
    quote! {
        #[automatically_derived]
        #[allow(unused_qualifications, clippy::all, clippy::pedantic, clippy::nursery)]
        impl #impl_generics ::ferrodyn::__private::ToAttributeValue for #ident #ty_generics #where_clause {
            fn to_attribute_value(&self) -> ::ferrodyn::__private::AttributeValue {
                let __name: &'static str = #to_name;
                ::ferrodyn::__private::AttributeValue::S(__name.to_owned())
            }
        }

        #[automatically_derived]
        #[allow(unused_qualifications, clippy::all, clippy::pedantic, clippy::nursery)]
        impl #impl_generics ::ferrodyn::__private::FromAttributeValue for #ident #ty_generics #where_clause {
            #[inline]
            fn from_attribute_value(
                __value: ::ferrodyn::__private::AttributeValue,
            ) -> ::ferrodyn::__private::Result<Self> {
                Self::decode(__value)
            }

            fn decode<'de, __S: ::ferrodyn::__private::Source<'de>>(
                __source: __S,
            ) -> ::ferrodyn::__private::Result<Self> {
                match ::ferrodyn::__private::Source::take(__source)? {
                    ::ferrodyn::__private::Value::S(__name) => match &*__name {
                        #(#from_name,)*
                        _ => ::ferrodyn::__private::Err(
                            ::ferrodyn::__private::unknown_variant(&[#(#names),*]),
                        ),
                    },
                    __other => ::ferrodyn::__private::Err(
                        ::ferrodyn::__private::expected_string(__other.tag()),
                    ),
                }
            }
        }

        #[automatically_derived]
        #[allow(unused_qualifications, clippy::all, clippy::pedantic, clippy::nursery)]
        impl #impl_generics ::ferrodyn::__private::KeyPart for #ident #ty_generics #where_clause {
            const SCALAR: ::ferrodyn::__private::ScalarType = ::ferrodyn::__private::ScalarType::S;
            fn write_key_part(&self, __out: &mut ::ferrodyn::__private::String) -> bool {
                let __name: &'static str = #to_name;
                __out.push_str(__name);
                true
            }
        }
    }
}
