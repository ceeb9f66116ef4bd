//! The pipeline every attribute runs: parse, validate, expand.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::ItemFn;

use crate::handler::{Handler, Kind};
use crate::{args, expand};

/// Expands one attribute. On error the user's function is emitted unchanged beside
/// the errors, so one mistake gives one message and the IDE keeps working.
pub(crate) fn run(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let error =
                syn::Error::new_spanned(&item, format!("{} goes on an `async fn`", kind.attr()));
            let mut out = item;
            out.extend(error.to_compile_error());
            return out;
        }
    };
    let checked = args::parse(kind, args).and_then(|()| Handler::validate(kind, &function));
    let out = match checked {
        Ok(handler) => expand::expand(&handler),
        Err(errors) => {
            let mut out = function.to_token_stream();
            out.extend(errors.to_compile_error());
            out
        }
    };
    debug(
        || format!("{} on `{}`", kind.attr(), function.sig.ident),
        &out,
    );
    out
}

/// Expands `fc::routes![..]`: a comma-separated list of paths.
pub(crate) fn routes(input: TokenStream) -> TokenStream {
    let parser = syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated;
    let out = match syn::parse::Parser::parse2(parser, input) {
        Ok(paths) => expand::routes(&paths.into_iter().collect::<Vec<_>>()),
        Err(e) => {
            let message = format!(
                "fc::routes! takes the names of annotated functions, separated by commas: {e}"
            );
            syn::Error::new(e.span(), message).to_compile_error()
        }
    };
    debug(|| "fc::routes!".to_owned(), &out);
    out
}

/// With `FC_MACROS_DEBUG=1` set while compiling, prints an expansion to stderr.
fn debug(what: impl FnOnce() -> String, out: &TokenStream) {
    if std::env::var_os("FC_MACROS_DEBUG").is_some_and(|v| v == "1") {
        eprintln!("{} expands to:\n{out}\n", what());
    }
}
