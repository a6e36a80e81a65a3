//! Code generation for `#[ferrodyn(validate = path)]`: the `Model::validate` method, calling the
//! fields' validators in field order, then the model's, each in the order written, and stopping
//! at the first refusal.
//!
//! Each call is spanned on the path the user wrote, so that a path that is no function, takes
//! another argument type or returns something other than `Result<(), E: Display>` is reported
//! there by the compiler.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::ExprPath;

use crate::valid::Model;

/// `fn validate`, or nothing (the trait's default) for a model without validators.
pub(crate) fn validate_fn(model: &Model<'_>) -> TokenStream {
    let fields = model.fields.iter().flat_map(|field| {
        let attribute = &field.attribute;
        field.validators.iter().map(move |path| {
            let name = path_text(path);
            // The whole call on the path, so that a type error points at it alone.
            let mut ident = field.ident.clone();
            ident.set_span(path.span());
            quote_spanned! {path.span()=>
                ::ferrodyn::__private::validate_field(#attribute, #name, #path(&self.#ident))?;
            }
        })
    });
    let model_level = model.validators.iter().map(|path| {
        let name = path_text(path);
        quote_spanned! {path.span()=>
            ::ferrodyn::__private::validate_model(#name, #path(self))?;
        }
    });
    let calls: Vec<TokenStream> = fields.chain(model_level).collect();
    if calls.is_empty() {
        return TokenStream::new();
    }
    quote! {
        fn validate(&self) -> ::ferrodyn::__private::Result<()> {
            #(#calls)*
            ::ferrodyn::__private::Ok(())
        }
    }
}

/// The path as written, for the error message (`checks::email`).
fn path_text(path: &ExprPath) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}
