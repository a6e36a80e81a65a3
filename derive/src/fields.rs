//! Field encoding and one-pass decoding, shared by both derives.
//!
//! `Model` fields go through `__private`'s autoref dispatch (direct impl, else serde_dynamo), which
//! is fallible. `Attribute` struct fields call `ToAttributeValue`/`FromAttributeValue` directly so
//! that `ToAttributeValue` stays infallible; a field type without them is a compile error naming
//! the trait.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::ast::{Field, FieldDefault, Role};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Conversion {
    /// Direct impl when there is one, serde_dynamo otherwise.
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

/// Statements inserting every serialised field into `map` (an `Item`). With `Autoref` they
/// `return Err(..)` on failure, so they belong in a function returning `Result`.
pub(crate) fn encode(fields: &[Field<'_>], conversion: Conversion, map: &Ident) -> TokenStream {
    let statements = fields.iter().filter(|f| !f.skip_serializing).map(|field| {
        let ident = field.ident;
        let attribute = &field.attribute;
        if is_ttl(field) {
            let ty = field.ty;
            return quote! {
                if let ::ferrodyn::__private::Some(__value) =
                    <#ty as ::ferrodyn::__private::TtlValue>::to_ttl(&self.#ident)
                {
                    #map.insert(#attribute.to_owned(), __value);
                }
            };
        }
        match conversion {
            Conversion::Autoref => quote! {
                match {
                    use ::ferrodyn::__private::{EncodeDirect as _, EncodeSerde as _};
                    (&&::ferrodyn::__private::Encode(&self.#ident)).__encode()
                } {
                    ::ferrodyn::__private::Ok(::ferrodyn::__private::Some(__value)) => {
                        #map.insert(#attribute.to_owned(), __value);
                    }
                    ::ferrodyn::__private::Ok(::ferrodyn::__private::None) => {}
                    ::ferrodyn::__private::Err(__error) => {
                        return ::ferrodyn::__private::Err(__error.at(#attribute));
                    }
                }
            },
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
        }
    });
    quote! { #(#statements)* }
}

/// Decodes the `Item` in `map` into `Self` in one pass over its entries; `extra_arms` are further
/// `"name" => expr,` arms for attributes that are not fields. Evaluates to `Result<Self>`-like
/// early returns plus a final `Self { .. }` expression.
pub(crate) fn decode(
    fields: &[Field<'_>],
    conversion: Conversion,
    map: &Ident,
    extra_arms: &TokenStream,
) -> TokenStream {
    let read: Vec<&Field<'_>> = fields.iter().filter(|f| !f.skip_deserializing).collect();
    let slots = read.iter().map(|field| {
        let slot = slot(field);
        let ty = field.ty;
        quote! { let mut #slot: ::ferrodyn::__private::Option<#ty> = ::ferrodyn::__private::None; }
    });
    let arms = read.iter().map(|field| {
        let slot = slot(field);
        let ty = field.ty;
        let attribute = &field.attribute;
        let decoded = match conversion {
            _ if is_ttl(field) => quote! {
                <#ty as ::ferrodyn::__private::TtlValue>::from_ttl(__value)
            },
            Conversion::Autoref => quote! {{
                use ::ferrodyn::__private::{DecodeDirect as _, DecodeSerde as _};
                (&&::ferrodyn::__private::Decode::<#ty>::new()).__decode(__value)
            }},
            Conversion::Direct => quote! {
                <#ty as ::ferrodyn::__private::FromAttributeValue>::from_attribute_value(__value)
            },
        };
        quote! {
            #attribute => {
                #slot = ::ferrodyn::__private::Some(
                    #decoded.map_err(|__error| __error.at(#attribute))?
                );
            }
        }
    });
    let loop_ = if read.is_empty() && extra_arms.is_empty() {
        quote! { let _ = #map; }
    } else {
        quote! {
            for (__name, __value) in #map {
                match __name.as_str() {
                    #(#arms)*
                    #extra_arms
                    _ => {}
                }
            }
        }
    };
    let inits = fields.iter().map(|field| {
        let ident = field.ident;
        let default = match &field.default {
            Some(FieldDefault::Function(path)) => quote! { #path() },
            Some(FieldDefault::Trait) | None => quote! { ::core::default::Default::default() },
        };
        if field.skip_deserializing {
            return quote! { #ident: #default };
        }
        let slot = slot(field);
        let ty = field.ty;
        let attribute = &field.attribute;
        let missing = if field.default.is_some() {
            default
        } else if is_ttl(field) {
            quote! {
                match <#ty as ::ferrodyn::__private::TtlValue>::ttl_missing() {
                    ::ferrodyn::__private::Some(__value) => __value,
                    ::ferrodyn::__private::None => {
                        return ::ferrodyn::__private::Err(
                            ::ferrodyn::__private::Error::missing_attribute(#attribute),
                        );
                    }
                }
            }
        } else {
            match conversion {
                Conversion::Autoref => quote! {{
                    use ::ferrodyn::__private::{DecodeDirect as _, DecodeSerde as _};
                    (&&::ferrodyn::__private::Decode::<#ty>::new()).__missing(#attribute)?
                }},
                Conversion::Direct => quote! {
                    match <#ty as ::ferrodyn::__private::FromAttributeValue>::from_missing() {
                        ::ferrodyn::__private::Some(__value) => __value,
                        ::ferrodyn::__private::None => {
                            return ::ferrodyn::__private::Err(
                                ::ferrodyn::__private::Error::missing_attribute(#attribute),
                            );
                        }
                    }
                },
            }
        };
        quote! {
            #ident: match #slot {
                ::ferrodyn::__private::Some(__value) => __value,
                ::ferrodyn::__private::None => #missing,
            }
        }
    });
    quote! {
        #(#slots)*
        #loop_
        Self { #(#inits),* }
    }
}
