//! Field encoding and one-pass decoding, shared by both derives: the one definition of how a
//! struct's fields map to the entries of an item or map, used by `to_item`/`from_item` and, through
//! the generated decoder being generic over `MapSource`, by both stream decoders.
//!
//! `Model` fields go through `__private`'s autoref dispatch (direct impl, else serde), which is
//! fallible. `Attribute` struct fields call `ToAttributeValue`/`FromAttributeValue` directly so
//! that `ToAttributeValue` stays infallible; a field type without them is a compile error naming
//! the trait. `with`/`serialize_with`/`deserialize_with` replace a field's conversion by the
//! user's serde functions, over serde_dynamo's serializer and ferrodyn's `Deserializer`.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::ast::{Field, FieldDefault, Role};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Conversion {
    /// Direct impl when there is one, serde otherwise.
    Autoref,
    /// Direct impl only.
    Direct,
}

/// A TTL field is stored as epoch seconds whatever its Rust type.
fn is_ttl(field: &Field<'_>) -> bool {
    matches!(field.role, Some((Role::Ttl, _)))
}

fn slot(field: &Field<'_>) -> Ident {
    format_ident!("__f_{}", field.name)
}

/// The expression `Result<Option<AttributeValue>>` encoding `self.<field>` on the fallible path.
fn encode_fallible(field: &Field<'_>) -> TokenStream {
    let ident = field.ident;
    let ty = field.ty;
    if is_ttl(field) {
        return quote! {
            ::ferrodyn::__private::Ok::<_, ::ferrodyn::__private::Error>(
                <#ty as ::ferrodyn::__private::TtlValue>::to_ttl(&self.#ident),
            )
        };
    }
    match &field.serialize_with {
        Some(path) => quote! {{
            struct __SerializeWith<'__a>(&'__a #ty);
            impl ::ferrodyn::__private::Serialize for __SerializeWith<'_> {
                fn serialize<__S: ::ferrodyn::__private::Serializer>(
                    &self,
                    __serializer: __S,
                ) -> ::ferrodyn::__private::StdResult<__S::Ok, __S::Error> {
                    #path(self.0, __serializer)
                }
            }
            ::ferrodyn::__private::to_attribute_value_serde(&__SerializeWith(&self.#ident))
        }},
        None => quote! {{
            use ::ferrodyn::__private::{EncodeDirect as _, EncodeSerde as _};
            (&&::ferrodyn::__private::Encode(&self.#ident)).__encode()
        }},
    }
}

/// Statements inserting every serialised field into `map` (an `Item`). With `Autoref` they
/// `return Err(..)` on failure, so they belong in a function returning `Result`.
pub(crate) fn encode(fields: &[Field<'_>], conversion: Conversion, map: &Ident) -> TokenStream {
    let statements = fields.iter().filter(|f| !f.skip_serializing).map(|field| {
        let ident = field.ident;
        let attribute = &field.attribute;
        let insert = match conversion {
            Conversion::Autoref => {
                let encoded = encode_fallible(field);
                quote! {
                    match #encoded {
                        ::ferrodyn::__private::Ok(::ferrodyn::__private::Some(__value)) => {
                            #map.insert(#attribute.to_owned(), __value);
                        }
                        ::ferrodyn::__private::Ok(::ferrodyn::__private::None) => {}
                        ::ferrodyn::__private::Err(__error) => {
                            return ::ferrodyn::__private::Err(__error.at(#attribute));
                        }
                    }
                }
            }
            // Naming the field's type points a missing-impl error at the field, not the derive.
            Conversion::Direct => {
                let ty = field.ty;
                quote! {
                    if !<#ty as ::ferrodyn::__private::ToAttributeValue>::is_absent(&self.#ident) {
                        #map.insert(
                            #attribute.to_owned(),
                            <#ty as ::ferrodyn::__private::ToAttributeValue>::to_attribute_value(
                                &self.#ident,
                            ),
                        );
                    }
                }
            }
        };
        match &field.skip_serializing_if {
            Some(path) => quote! { if !#path(&self.#ident) { #insert } },
            None => insert,
        }
    });
    quote! { #(#statements)* }
}

/// The expression `Result<FieldType>` decoding the source `__value`.
fn decode_present(field: &Field<'_>, conversion: Conversion) -> TokenStream {
    let ty = field.ty;
    if is_ttl(field) {
        return quote! { <#ty as ::ferrodyn::__private::TtlValue>::decode_ttl(__value) };
    }
    if let Some(path) = &field.deserialize_with {
        return quote! { #path(::ferrodyn::__private::Deserializer::new(__value)) };
    }
    match conversion {
        Conversion::Autoref => quote! {{
            use ::ferrodyn::__private::{DecodeDirect as _, DecodeSerde as _};
            (&&::ferrodyn::__private::Decode::<#ty>::new()).__decode(__value)
        }},
        Conversion::Direct => quote! {
            <#ty as ::ferrodyn::__private::FromAttributeValue>::decode(__value)
        },
    }
}

/// The expression `FieldType` for a missing attribute (it may `return Err(..)`).
fn decode_missing(field: &Field<'_>, conversion: Conversion) -> TokenStream {
    let ty = field.ty;
    let attribute = &field.attribute;
    let from_option = |option: TokenStream| {
        quote! {
            match #option {
                ::ferrodyn::__private::Some(__value) => __value,
                ::ferrodyn::__private::None => {
                    return ::ferrodyn::__private::Err(
                        ::ferrodyn::__private::Error::missing_attribute(#attribute),
                    );
                }
            }
        }
    };
    match &field.default {
        Some(FieldDefault::Function(path)) => return quote! { #path() },
        Some(FieldDefault::Trait) => return quote! { ::core::default::Default::default() },
        None => {}
    }
    if is_ttl(field) {
        return from_option(quote! { <#ty as ::ferrodyn::__private::TtlValue>::ttl_missing() });
    }
    if let Some(path) = &field.deserialize_with {
        return quote! { ::ferrodyn::__private::missing_by_serde(#attribute, #path)? };
    }
    match conversion {
        Conversion::Autoref => quote! {{
            use ::ferrodyn::__private::{DecodeDirect as _, DecodeSerde as _};
            (&&::ferrodyn::__private::Decode::<#ty>::new()).__missing(#attribute)?
        }},
        Conversion::Direct => from_option(quote! {
            <#ty as ::ferrodyn::__private::FromAttributeValue>::from_missing()
        }),
    }
}

/// Decodes the entries of the `MapSource` in `map` (a mutable binding) into `Self` in one pass.
/// Evaluates to early returns plus a final `Self { .. }` expression.
pub(crate) fn decode(fields: &[Field<'_>], conversion: Conversion, map: &Ident) -> TokenStream {
    let read: Vec<&Field<'_>> = fields.iter().filter(|f| !f.skip_deserializing).collect();
    let slots = read.iter().map(|field| {
        let slot = slot(field);
        let ty = field.ty;
        quote! { let mut #slot: ::ferrodyn::__private::Option<#ty> = ::ferrodyn::__private::None; }
    });
    let arms = read.iter().map(|field| {
        let slot = slot(field);
        let attribute = &field.attribute;
        let aliases = &field.aliases;
        let decoded = decode_present(field, conversion);
        quote! {
            #attribute #(| #aliases)* => {
                #slot = ::ferrodyn::__private::Some(
                    #decoded.map_err(|__error| __error.at(#attribute))?
                );
            }
        }
    });
    let inits = fields.iter().map(|field| {
        let ident = field.ident;
        if field.skip_deserializing {
            let default = match &field.default {
                Some(FieldDefault::Function(path)) => quote! { #path() },
                Some(FieldDefault::Trait) | None => quote! { ::core::default::Default::default() },
            };
            return quote! { #ident: #default };
        }
        let slot = slot(field);
        let missing = decode_missing(field, conversion);
        quote! {
            #ident: match #slot {
                ::ferrodyn::__private::Some(__value) => __value,
                ::ferrodyn::__private::None => #missing,
            }
        }
    });
    quote! {
        #(#slots)*
        while let ::ferrodyn::__private::Some((__name, __value)) =
            ::ferrodyn::__private::MapSource::next_entry(&mut #map)?
        {
            match &*__name {
                #(#arms)*
                _ => ::ferrodyn::__private::Source::skip(__value)?,
            }
        }
        Self { #(#inits),* }
    }
}
