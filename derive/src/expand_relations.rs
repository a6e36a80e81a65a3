//! Code generation for a model's relations: one associated constant per relation
//! (`Customer::ORDERS`, of a type in `ferrodyn::relation`), and the compile-time assertions over
//! both models' `META` that the related model's keys render from this model's fields.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use crate::ast::{RelationAttrs, RelationKind};
use crate::valid::Model;

/// The relation constants, for the model's inherent impl (also in the fallback expansion, so that
/// uses of them add no errors).
pub(crate) fn constants(model: &Model<'_>) -> TokenStream {
    let ident = &model.input.ident;
    let vis = &model.input.vis;
    let constants = model.relations.iter().map(|relation| {
        let constant = format_ident!("{}", relation.name.to_string().to_uppercase());
        let name = relation.name.to_string();
        let target = &relation.target;
        let target_name = type_name(target);
        let key = key_map(relation);
        let (ty, value, doc) = match relation.kind {
            RelationKind::HasMany => {
                let index = match &relation.index {
                    Some(index) => quote! { ::ferrodyn::__private::Some(#index) },
                    None => quote! { ::ferrodyn::__private::None },
                };
                let through = relation
                    .index
                    .as_ref()
                    .map_or_else(String::new, |i| format!(", through its index `{}`", i.value()));
                (
                    quote! { ::ferrodyn::__private::HasMany<#ident, #target> },
                    quote! { ::ferrodyn::__private::has_many(#name, #index, #key) },
                    format!("Relation `{name}`: the `{target_name}`s of a `{ident}`{through} (has many)."),
                )
            }
            RelationKind::HasOne => (
                quote! { ::ferrodyn::__private::HasOne<#ident, #target> },
                quote! { ::ferrodyn::__private::has_one(#name, #key) },
                format!("Relation `{name}`: the `{target_name}` of a `{ident}` (has one)."),
            ),
            RelationKind::BelongsTo => (
                quote! { ::ferrodyn::__private::BelongsTo<#ident, #target> },
                quote! { ::ferrodyn::__private::belongs_to(#name, #key) },
                format!("Relation `{name}`: the `{target_name}` a `{ident}` belongs to."),
            ),
            RelationKind::ManyToMany => {
                let inverse = relation.inverse.as_ref().map(ToString::to_string).unwrap_or_default();
                let edge = format!("{ident}.{name}");
                let inverse_edge = format!("{target_name}.{inverse}");
                (
                    quote! { ::ferrodyn::__private::ManyToMany<#ident, #target> },
                    quote! {{
                        const __EDGE: &::ferrodyn::__private::ModelMeta =
                            &::ferrodyn::__private::edge_meta(
                                #edge,
                                <#ident as ::ferrodyn::__private::Model>::META,
                            );
                        const __INVERSE: &::ferrodyn::__private::ModelMeta =
                            &::ferrodyn::__private::edge_meta(
                                #inverse_edge,
                                <#target as ::ferrodyn::__private::Model>::META,
                            );
                        ::ferrodyn::__private::many_to_many(#name, #inverse, __EDGE, __INVERSE)
                    }},
                    format!(
                        "Relation `{name}`: the `{target_name}`s linked to a `{ident}` (many to \
                         many; `{inverse}` from the other side)."
                    ),
                )
            }
        };
        quote! {
            #[doc = #doc]
            #vis const #constant: #ty = #value;
        }
    });
    quote! { #(#constants)* }
}

/// The `DeclaredRelations` impl: the model's many-to-many entries, which the other side's checks
/// read (empty for a model without any, and in the fallback expansion).
pub(crate) fn declared(ident: &syn::Ident, relations: &[RelationAttrs]) -> TokenStream {
    let entries = relations.iter().filter(|r| r.kind == RelationKind::ManyToMany).map(|r| {
        let name = r.name.to_string();
        let inverse = r.inverse.as_ref().map(ToString::to_string).unwrap_or_default();
        let target = &r.target;
        quote! { (#name, #inverse, <#target as ::ferrodyn::__private::Model>::META.type_name) }
    });
    let allow = crate::expand_model::allow_lints();
    quote! {
        #[automatically_derived]
        #allow
        impl ::ferrodyn::__private::DeclaredRelations for #ident {
            const MANY_TO_MANY: &'static [(&'static str, &'static str, &'static str)] =
                &[#(#entries),*];
        }
    }
}

/// The relation's `key(..)` mapping as a `&[(related field, source attribute)]` expression.
fn key_map(relation: &RelationAttrs) -> TokenStream {
    let pairs = relation.key.iter().map(|(related, source)| {
        let (related, source) = (related.to_string(), source.to_string());
        quote! { (#related, #source) }
    });
    quote! { &[#(#pairs),*] }
}

/// The checks of each `key(related = source)` pair: `source` is a field of this model, and
/// `related` a field the template the relation renders names (`uses`, given the field's name).
fn key_assertions(
    relation: &RelationAttrs,
    this: &TokenStream,
    source_model: &str,
    uses: impl Fn(&str) -> TokenStream,
    template: &str,
) -> Vec<TokenStream> {
    let name = relation.name.to_string();
    let p = quote! { ::ferrodyn::__private };
    relation
        .key
        .iter()
        .flat_map(|(related, source)| {
            let (related_span, source_span) = (related.span(), source.span());
            let (related, source) = (related.to_string(), source.to_string());
            [
                assert_spanned(
                    source_span,
                    quote! { #p::is_field(#this, #source) },
                    &format!(
                        "relation `{name}`: `key({related} = {source})` maps to `{source}`, which \
                         is not a field of `{source_model}` (by attribute name)"
                    ),
                ),
                assert_spanned(
                    related_span,
                    uses(&related),
                    &format!(
                        "relation `{name}`: `key({related} = {source})` maps `{related}`, which is not named in \
                         {template}"
                    ),
                ),
            ]
        })
        .collect()
}

/// The last segment of the related model's path, for messages.
fn type_name(path: &syn::Path) -> String {
    path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default()
}

/// A `const` item asserting `check`, spanned on the relation's name, with a message the compiler shows as is.
fn assertion(relation: &RelationAttrs, check: TokenStream, message: &str) -> TokenStream {
    assert_spanned(relation.name.span(), check, message)
}

/// A `const` item asserting `check` at `span`.
fn assert_spanned(span: proc_macro2::Span, check: TokenStream, message: &str) -> TokenStream {
    // The message is a format string to `assert!`.
    let message = message.replace('{', "{{").replace('}', "}}");
    quote_spanned! {span=>
        const _: () = ::core::assert!(#check, #message);
    }
}

/// The compile-time checks of every relation: the related model is a `Model` (naming its `META`
/// says so), and its keys render from the right model's fields.
pub(crate) fn assertions(model: &Model<'_>) -> TokenStream {
    let ident = &model.input.ident;
    let checks = model.relations.iter().flat_map(|relation| {
        let name = relation.name.to_string();
        let target = &relation.target;
        let target_name = type_name(target);
        let this = quote! { <#ident as ::ferrodyn::__private::Model>::META };
        let other = quote_spanned! {target.segments.last().map_or_else(proc_macro2::Span::call_site, |s| s.ident.span())=>
            <#target as ::ferrodyn::__private::Model>::META
        };
        let p = quote! { ::ferrodyn::__private };
        let key = key_map(relation);
        let source_model = ident.to_string();
        let mut checks = match relation.kind {
            RelationKind::HasMany => match &relation.index {
                None => vec![
                    assertion(
                        relation,
                        quote! { #p::renders_from(&#other.partition_key, #this, #key) },
                        &format!(
                            "relation `{name}`: the partition key template of `{target_name}` names a \
                             field that `{ident}` does not have; a has_many child's partition key \
                             must render from the parent's fields (by attribute name)"
                        ),
                    ),
                    assertion(
                        relation,
                        quote! { #p::collection_is_selectable(#other) },
                        &format!(
                            "relation `{name}`: `{target_name}` needs a sort key whose template starts \
                             with literal text (as `ORDER#{{order_id}}`), or an `entity`, so that its \
                             items can be read apart from the rest of the partition"
                        ),
                    ),
                ],
                Some(index) => {
                    let index_name = index.value();
                    vec![
                        assertion(
                            relation,
                            quote! { #p::has_index(#other, #index) },
                            &format!(
                                "relation `{name}`: `{target_name}` declares no index `{index_name}`"
                            ),
                        ),
                        assertion(
                            relation,
                            quote! { !#p::has_index(#other, #index) || #p::index_partition_renders_from(#other, #index, #this, #key) },
                            &format!(
                                "relation `{name}`: the partition key template of index \
                                 `{index_name}` of `{target_name}` names a field that `{ident}` \
                                 does not have; it must render from the parent's fields (by \
                                 attribute name)"
                            ),
                        ),
                    ]
                }
            },
            RelationKind::HasOne => vec![assertion(
                relation,
                quote! { #p::primary_key_renders_from(#other, #this, #key) },
                &format!(
                    "relation `{name}`: a key template of `{target_name}` names a field that \
                     `{ident}` does not have; a has_one child's whole primary key must render from \
                     the parent's fields (by attribute name)"
                ),
            )],
            RelationKind::BelongsTo => vec![assertion(
                relation,
                quote! { #p::primary_key_renders_from(#other, #this, #key) },
                &format!(
                    "relation `{name}`: a key template of `{target_name}` names a field that \
                     `{ident}` does not have; the parent's whole primary key must render from the \
                     child's fields (by attribute name)"
                ),
            )],
            RelationKind::ManyToMany => {
                let edges = |model: &str| {
                    format!(
                        "relation `{name}`: `{model}` cannot hold edge items: it needs a string sort \
                         key whose template has no fields (as `sk = \"{}\"`), so that its \
                         partition key alone names an item, and a string or number partition key",
                        model.to_uppercase()
                    )
                };
                let entity = |model: &str| {
                    format!(
                        "relation `{name}`: edge items share `{model}`'s partitions; declare \
                         `entity = \"...\"` on `{model}` so that its queries skip them"
                    )
                };
                let inverse = relation.inverse.as_ref().map(ToString::to_string).unwrap_or_default();
                let declared = quote_spanned! {target.segments.last().map_or_else(proc_macro2::Span::call_site, |s| s.ident.span())=>
                    <#target as ::ferrodyn::__private::DeclaredRelations>::MANY_TO_MANY
                };
                vec![
                    assertion(
                        relation,
                        quote! { #p::inverse_agrees(#this.type_name, #name, #inverse, #declared) },
                        &format!(
                            "relation `{name}`: `{target_name}` declares `{inverse}` otherwise; the \
                             two sides of a many-to-many name each other, as in \
                             `many_to_many({inverse} = {ident}, inverse = {name})` on `{target_name}`"
                        ),
                    ),
                    assertion(relation, quote! { #p::can_hold_edges(#this) }, &edges(&ident.to_string())),
                    assertion(relation, quote! { #p::can_hold_edges(#other) }, &edges(&target_name)),
                    assertion(relation, quote! { #p::declares_entity(#this) }, &entity(&ident.to_string())),
                    assertion(relation, quote! { #p::declares_entity(#other) }, &entity(&target_name)),
                ]
            }
        };
        let template = match &relation.index {
            None if relation.kind == RelationKind::HasMany => {
                format!("the partition key template of `{target_name}`")
            }
            Some(index) => format!(
                "the partition key template of index `{}` of `{target_name}`",
                index.value()
            ),
            None => format!("the key templates of `{target_name}`"),
        };
        let uses = |f: &str| match &relation.index {
            None if relation.kind == RelationKind::HasMany => {
                quote! { #p::uses_field(&#other.partition_key, #f) }
            }
            Some(index) => quote! { #p::index_partition_uses(#other, #index, #f) },
            None => quote! { #p::primary_key_uses(#other, #f) },
        };
        checks.extend(key_assertions(relation, &this, &source_model, uses, &template));
        checks
    });
    // One constant per check, so that every broken rule is reported, not only the first.
    quote! { #(#checks)* }
}
