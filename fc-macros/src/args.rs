//! The attribute's own arguments: none are accepted yet.

use proc_macro2::TokenStream;

use crate::handler::Kind;

/// Rejects anything written inside the attribute's parentheses.
pub(crate) fn parse(kind: Kind, args: TokenStream) -> syn::Result<()> {
    match args.into_iter().next() {
        None => Ok(()),
        Some(first) => Err(syn::Error::new(
            first.span(),
            format!("{} takes no arguments", kind.attr()),
        )),
    }
}
