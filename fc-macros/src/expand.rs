//! The generated code, and nothing else: `quote!` only.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ReturnType, Type};

use crate::handler::{Handler, HttpForm, Kind, Role};

/// The name of the hidden function that registers `name`: what `fc::routes![name]`
/// calls.
pub(crate) fn route_fn(name: &syn::Ident) -> syn::Ident {
    format_ident!("__fc_route_of_{}", name, span = name.span())
}

/// The span to blame for a type: the last segment of a path (`File` in
/// `std::fs::File`), since a span cannot cover several tokens on stable.
fn blame(ty: &Type) -> Span {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .map_or_else(|| ty.span(), |s| s.ident.span()),
        _ => ty.span(),
    }
}

/// What every expansion takes from the user's function.
struct Parts<'a> {
    function: &'a syn::ItemFn,
    vis: &'a syn::Visibility,
    name: &'a syn::Ident,
    name_str: String,
    route: syn::Ident,
    /// Blamed for what concerns the call (`.await`, `Send`).
    fn_span: Span,
    /// Blamed for what concerns the return type.
    ret_span: Span,
}

impl<'a> Parts<'a> {
    fn of(handler: &Handler<'a>) -> Self {
        let function = handler.function;
        let name = &function.sig.ident;
        Parts {
            function,
            vis: &function.vis,
            name,
            name_str: name.to_string(),
            route: route_fn(name),
            fn_span: function.sig.fn_token.span,
            ret_span: match &function.sig.output {
                ReturnType::Type(_, ty) => blame(ty),
                ReturnType::Default => name.span(),
            },
        }
    }
}

/// The user's function, unchanged, and beside it a hidden function,
/// `__fc_route_of_<name>`, that `fc::routes!` calls to register it.
pub(crate) fn expand(handler: &Handler<'_>) -> TokenStream {
    if handler.kind == Kind::Http {
        return expand_http(handler);
    }
    let Parts {
        function,
        vis,
        name,
        name_str,
        route,
        fn_span,
        ret_span,
    } = Parts::of(handler);

    let arg_names: Vec<_> = (0..handler.args.len())
        .map(|i| format_ident!("__fc_arg{}", i))
        .collect();
    let source = match handler.kind {
        Kind::Invoke | Kind::Http => format_ident!("__fc_invocation"),
        Kind::Initialize | Kind::PreStop | Kind::PreFreeze => format_ident!("__fc_context"),
    };
    let bindings = handler.args.iter().zip(&arg_names).map(|(arg, ident)| {
        let ty = arg.ty;
        let span = blame(ty);
        let value = match (handler.kind, arg.role) {
            (Kind::Invoke, Role::Event) => quote_spanned! {span=>
                {
                    #[allow(unused_imports)]
                    use ::fc::__private::{DecodeJson as _, DecodeRaw as _};
                    (&&::fc::__private::Probe::<#ty>::new()).decode(#source.body())?
                }
            },
            (Kind::Invoke, Role::Context) => quote_spanned! {span=> #source.context() },
            (Kind::Invoke, Role::State) => quote_spanned! {span=> #source.state()? },
            // Validation lets only the context through to an initializer, and
            // `#[fc::http]` is expanded by `expand_http`.
            _ => quote_spanned! {span=> #source },
        };
        quote_spanned! {span=> let #ident: #ty = #value; }
    });

    let split = quote_spanned! {ret_span=>
        #[allow(unused_imports)]
        use ::fc::__private::{SplitPlain as _, SplitResult as _};
        let __fc_output = (&&::fc::__private::probe(&__fc_output)).split(__fc_output)?;
    };
    let (route_ty, input_ty, finish) = match handler.kind {
        Kind::Invoke | Kind::Http => (
            quote!(::fc::__private::InvokeRoute),
            quote!(::fc::__private::Invocation),
            quote_spanned! {ret_span=>
                #[allow(unused_imports)]
                use ::fc::__private::{ReplyJson as _, ReplyRaw as _};
                (&&::fc::__private::probe(&__fc_output)).reply(__fc_output, __fc_size_hint)
            },
        ),
        Kind::Initialize => (
            quote!(::fc::__private::InitRoute),
            quote!(::fc::__private::Context),
            quote_spanned! {ret_span=> ::fc::__private::keep_state(__fc_output) },
        ),
        Kind::PreStop | Kind::PreFreeze => (
            if handler.kind == Kind::PreStop {
                quote!(::fc::__private::PreStopRoute)
            } else {
                quote!(::fc::__private::PreFreezeRoute)
            },
            quote!(::fc::__private::Context),
            quote_spanned! {ret_span=> ::fc::__private::hook_done(__fc_output) },
        ),
    };
    let unused_source = if handler.kind.context_only() && handler.args.is_empty() {
        quote!(let _ = #source;)
    } else {
        TokenStream::new()
    };
    // Once the arguments are taken, the raw event is freed before the handler runs: a
    // 20 MB event is not held twice (as bytes and as the parsed value) for the whole
    // invocation.
    let release = match handler.kind {
        Kind::Invoke => quote! {
            let __fc_size_hint = #source.body().len();
            ::core::mem::drop(#source);
        },
        _ => TokenStream::new(),
    };
    let call = quote_spanned! {fn_span=> #name(#(#arg_names),*).await };

    quote! {
        #function

        #[doc(hidden)]
        // Generated code carries the user's spans, so lints would blame the user.
        #[allow(clippy::all, clippy::pedantic, clippy::nursery, unused_qualifications)]
        #vis fn #route() -> #route_ty {
            #route_ty::new(#name_str, move |#source: #input_ty| async move {
                #unused_source
                #(#bindings)*
                #release
                let __fc_output = #call;
                #split
                #finish
            })
        }
    }
}

/// `#[fc::http]`: an app built once from `fn() -> Router`, or a handler called with
/// every request.
fn expand_http(handler: &Handler<'_>) -> TokenStream {
    let Parts {
        function,
        vis,
        name,
        name_str,
        route,
        fn_span,
        ret_span,
    } = Parts::of(handler);
    let awaited = match function.sig.asyncness {
        Some(_) => quote_spanned! {fn_span=> .await },
        None => TokenStream::new(),
    };
    let register = match handler.http_form {
        HttpForm::App => {
            let build = quote_spanned! {ret_span=>
                ::fc::__private::IntoHttpApp::into_router(__fc_app)
            };
            quote! {
                ::fc::__private::HttpRoute::app(#name_str, || async move {
                    let __fc_app = #name()#awaited;
                    #build
                })
            }
        }
        HttpForm::Handler => {
            let request = format_ident!("__fc_request");
            let (bind, args) = match handler.args.first() {
                Some(arg) => {
                    let ty = arg.ty;
                    let arg_name = format_ident!("__fc_arg0");
                    (
                        quote_spanned! {blame(ty)=>
                            let #arg_name: #ty = ::fc::__private::http_request(#request);
                        },
                        quote!(#arg_name),
                    )
                }
                None => (quote!(let _ = #request;), TokenStream::new()),
            };
            let respond = quote_spanned! {ret_span=>
                ::fc::__private::http_response(__fc_output)
            };
            quote! {
                ::fc::__private::HttpRoute::handler(
                    #name_str,
                    |#request: ::fc::__private::Request| async move {
                        #bind
                        let __fc_output = #name(#args)#awaited;
                        #respond
                    },
                )
            }
        }
    };
    quote! {
        #function

        #[doc(hidden)]
        // Generated code carries the user's spans, so lints would blame the user.
        #[allow(clippy::all, clippy::pedantic, clippy::nursery, unused_qualifications)]
        #vis fn #route() -> ::fc::__private::HttpRoute {
            #register
        }
    }
}

/// `fc::routes![a, path::b]`: each function's registration, added to a builder whose
/// type rejects a second function of one kind on that function's own name.
pub(crate) fn routes(paths: &[syn::Path]) -> TokenStream {
    let adds = paths.iter().map(|path| {
        let mut route = path.clone();
        let span = match route.segments.last_mut() {
            Some(last) => {
                last.ident = route_fn(&last.ident);
                last.ident.span()
            }
            None => path.span(),
        };
        quote_spanned! {span=> let __fc_routes = #route().add_to(__fc_routes); }
    });
    quote! {{
        let __fc_routes = ::fc::__private::RoutesBuilder::new();
        #(#adds)*
        __fc_routes.finish()
    }}
}
