//! Code generation for `#[derive(Attribute)]`: a struct as a map (M), a unit enum as a string (S).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{parse_quote, DeriveInput, Generics};

use crate::ast;
use crate::fields::{self, Conversion};
use crate::valid::{self, AttributeInput};
use crate::{expand_default, fallback};

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    match valid::attribute(input) {
        Ok(AttributeInput::Struct { input, fields, default }) => {
            let conversion = expand_struct(input, &fields);
            let defaults = expand_default::helpers(input, &fields, default.as_ref());
            quote! { #conversion #defaults }
        }
        Ok(AttributeInput::Enum { input, variants }) => expand_enum(input, &variants),
        Err(error) => fallback::attribute(input, error),
    }
}

/// `generics` with `bound` required of every type parameter, as serde does.
pub(crate) fn bounded(generics: &Generics, bound: &TokenStream) -> Generics {
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
