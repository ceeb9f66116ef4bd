//! The generated code, and nothing else: `quote!` only.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ReturnType, Type};

use crate::handler::{Arg, Handler, Hook, HttpForm, Role, Shape};

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
    name: &'a syn::Ident,
    name_str: String,
    /// Blamed for what concerns the call (`.await`, `Send`).
    fn_span: Span,
    /// Blamed for what concerns the return type.
    ret_span: Span,
}

impl<'a> Parts<'a> {
    fn of(function: &'a syn::ItemFn) -> Self {
        let name = &function.sig.ident;
        Parts {
            function,
            name,
            name_str: name.to_string(),
            fn_span: function.sig.fn_token.span,
            ret_span: match &function.sig.output {
                ReturnType::Type(_, ty) => blame(ty),
                ReturnType::Default => name.span(),
            },
        }
    }

    /// `name(args).await`, blamed on `fn`.
    fn call(&self, args: &[syn::Ident]) -> TokenStream {
        let name = self.name;
        quote_spanned! {self.fn_span=> #name(#(#args),*).await }
    }

    /// `__fc_output` turned from `T` or `Result<T, E>` into `T`, returning the error.
    fn split(&self) -> TokenStream {
        quote_spanned! {self.ret_span=>
            #[allow(unused_imports)]
            use ::fc::__private::{SplitPlain as _, SplitResult as _};
            let __fc_output = (&&::fc::__private::probe(&__fc_output)).split(__fc_output)?;
        }
    }
}

/// The user's function, unchanged, and beside it a hidden function,
/// `__fc_route_of_<name>`, that `fc::routes!` calls to register it.
pub(crate) fn expand(handler: &Handler<'_>) -> TokenStream {
    let function = handler.function;
    let parts = Parts::of(function);
    let (route_ty, register) = match &handler.shape {
        Shape::Event(args) => event(&parts, args),
        Shape::ContextOnly { hook, context } => context_only(&parts, *hook, *context),
        Shape::Http(form) => http(&parts, *form),
    };
    let vis = &function.vis;
    let route = route_fn(parts.name);
    quote! {
        #function

        #[doc(hidden)]
        // Generated code carries the user's spans, so lints would blame the user.
        #[allow(clippy::all, clippy::pedantic, clippy::nursery, unused_qualifications)]
        #vis fn #route() -> #route_ty {
            #register
        }
    }
}

/// `#[fc::invoke]`: each argument taken from the invocation (the event decoded, by
/// type, as raw bytes or JSON), the handler called, its output encoded as the reply.
/// Returns the route type and the expression that builds it.
fn event(parts: &Parts<'_>, args: &[Arg<'_>]) -> (TokenStream, TokenStream) {
    let source = format_ident!("__fc_invocation");
    let names = arg_names(args.len());
    let bindings = args.iter().zip(&names).map(|(arg, ident)| {
        let ty = arg.ty;
        let span = blame(ty);
        let value = match arg.role {
            Role::Event => quote_spanned! {span=>
                {
                    #[allow(unused_imports)]
                    use ::fc::__private::{DecodeJson as _, DecodeRaw as _};
                    (&&::fc::__private::Probe::<#ty>::new()).decode(#source.body())?
                }
            },
            Role::Context => quote_spanned! {span=> #source.context() },
            Role::State => quote_spanned! {span=> #source.state()? },
        };
        quote_spanned! {span=> let #ident: #ty = #value; }
    });
    let route = quote!(::fc::__private::InvokeRoute);
    let name_str = &parts.name_str;
    let call = parts.call(&names);
    let split = parts.split();
    let reply = quote_spanned! {parts.ret_span=>
        #[allow(unused_imports)]
        use ::fc::__private::{ReplyJson as _, ReplyRaw as _};
        (&&::fc::__private::probe(&__fc_output)).reply(__fc_output, __fc_size_hint)
    };
    // Once the arguments are taken, the raw event is freed before the handler runs: a
    // 20 MB event is not held twice (as bytes and as the parsed value) for the whole
    // invocation.
    let register = quote! {
        #route::new(#name_str, move |#source: ::fc::__private::Invocation| async move {
            #(#bindings)*
            let __fc_size_hint = #source.body().len();
            ::core::mem::drop(#source);
            let __fc_output = #call;
            #split
            #reply
        })
    };
    (route, register)
}

/// `#[fc::initialize]`, `#[fc::pre_stop]`, `#[fc::pre_freeze]`: called with the
/// context (or without it), the output kept as the instance state or checked to be
/// nothing. Returns the route type and the expression that builds it.
fn context_only(
    parts: &Parts<'_>,
    hook: Hook,
    context: Option<&Type>,
) -> (TokenStream, TokenStream) {
    let source = format_ident!("__fc_context");
    let ret_span = parts.ret_span;
    let (route, finish) = match hook {
        Hook::Initialize => (
            quote!(::fc::__private::InitRoute),
            quote_spanned! {ret_span=> ::fc::__private::keep_state(__fc_output) },
        ),
        Hook::PreStop => (
            quote!(::fc::__private::PreStopRoute),
            quote_spanned! {ret_span=> ::fc::__private::hook_done(__fc_output) },
        ),
        Hook::PreFreeze => (
            quote!(::fc::__private::PreFreezeRoute),
            quote_spanned! {ret_span=> ::fc::__private::hook_done(__fc_output) },
        ),
    };
    let (bind, args) = one_arg(&source, context, |_| quote!(#source));
    let name_str = &parts.name_str;
    let call = parts.call(&args);
    let split = parts.split();
    let register = quote! {
        #route::new(#name_str, move |#source: ::fc::__private::Context| async move {
            #bind
            let __fc_output = #call;
            #split
            #finish
        })
    };
    (route, register)
}

/// `#[fc::http]`: an app built once from `fn() -> Router`, or a handler called with
/// every request. Returns the route type and the expression that builds it.
fn http(parts: &Parts<'_>, form: HttpForm<'_>) -> (TokenStream, TokenStream) {
    let Parts {
        function,
        name,
        name_str,
        fn_span,
        ret_span,
    } = parts;
    let awaited = match function.sig.asyncness {
        Some(_) => quote_spanned! {*fn_span=> .await },
        None => TokenStream::new(),
    };
    let register = match form {
        HttpForm::App => {
            let build = quote_spanned! {*ret_span=>
                ::fc::__private::IntoHttpApp::into_router(__fc_app)
            };
            quote! {
                ::fc::__private::HttpRoute::app(#name_str, || async move {
                    let __fc_app = #name()#awaited;
                    #build
                })
            }
        }
        HttpForm::Handler { request } => {
            let source = format_ident!("__fc_request");
            let (bind, args) = one_arg(&source, request, |span| {
                quote_spanned! {span=> ::fc::__private::http_request(#source) }
            });
            let respond = quote_spanned! {*ret_span=>
                ::fc::__private::http_response(__fc_output)
            };
            quote! {
                ::fc::__private::HttpRoute::handler(
                    #name_str,
                    |#source: ::fc::__private::Request| async move {
                        #bind
                        let __fc_output = #name(#(#args)*)#awaited;
                        #respond
                    },
                )
            }
        }
    };
    (quote!(::fc::__private::HttpRoute), register)
}

/// `__fc_arg0`, `__fc_arg1`, ...: what the hidden function calls the user's function
/// with.
fn arg_names(count: usize) -> Vec<syn::Ident> {
    (0..count).map(|i| format_ident!("__fc_arg{}", i)).collect()
}

/// The one optional argument of a context-only function or an HTTP handler: bound
/// as `__fc_arg0` to `value(span)`, all blamed on its type, or, when the function
/// takes none, the unused source dropped. Returns the binding and the call's arguments.
fn one_arg(
    source: &syn::Ident,
    ty: Option<&Type>,
    value: impl FnOnce(Span) -> TokenStream,
) -> (TokenStream, Vec<syn::Ident>) {
    match ty {
        Some(ty) => {
            let span = blame(ty);
            let names = arg_names(1);
            let name = &names[0];
            let value = value(span);
            (quote_spanned! {span=> let #name: #ty = #value; }, names)
        }
        None => (quote!(let _ = #source;), Vec::new()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handler::Kind;
    use quote::ToTokens;
    use syn::{Item, ItemFn, parse_quote};

    /// Expands a function that passes validation into its two items.
    fn expand_fn(kind: Kind, function: &ItemFn) -> (ItemFn, ItemFn) {
        let handler = match Handler::validate(kind, function) {
            Ok(handler) => handler,
            Err(e) => panic!("{} rejected: {e}", kind.attr()),
        };
        let file: syn::File = syn::parse2(expand(&handler)).expect("the expansion parses");
        match <[Item; 2]>::try_from(file.items) {
            Ok([Item::Fn(user), Item::Fn(route)]) => (user, route),
            Ok(other) => panic!("two functions expected, got {other:?}"),
            Err(items) => panic!("two items expected, got {}", items.len()),
        }
    }

    /// The hidden function: `#[doc(hidden)] <vis> fn __fc_route_of_<name>() -> <route>`,
    /// beside the user's function emitted unchanged.
    #[test]
    fn each_shape_registers_through_its_route() {
        let cases: [(Kind, ItemFn, &str); 7] = [
            (
                Kind::Invoke,
                parse_quote! { pub async fn h(e: Order, c: fc::Context) -> u8 { 1 } },
                "InvokeRoute",
            ),
            (
                Kind::Initialize,
                parse_quote! { async fn h() {} },
                "InitRoute",
            ),
            (
                Kind::PreStop,
                parse_quote! { pub(crate) async fn h(c: Context) {} },
                "PreStopRoute",
            ),
            (
                Kind::PreFreeze,
                parse_quote! { async fn h() {} },
                "PreFreezeRoute",
            ),
            (
                Kind::Http,
                parse_quote! { fn h() -> Router { todo!() } },
                "HttpRoute",
            ),
            (
                Kind::Http,
                parse_quote! { async fn h() -> Router { todo!() } },
                "HttpRoute",
            ),
            (
                Kind::Http,
                parse_quote! { async fn h(r: Request) -> String { todo!() } },
                "HttpRoute",
            ),
        ];
        for (kind, function, route_ty) in cases {
            let (user, route) = expand_fn(kind, &function);
            assert_eq!(user, function, "{} changed the function", kind.attr());
            assert_eq!(route.sig.ident, "__fc_route_of_h");
            assert_eq!(route.vis, function.vis);
            assert!(route.sig.inputs.is_empty());
            assert!(route.attrs.contains(&parse_quote!(#[doc(hidden)])));
            let want: syn::ReturnType =
                syn::parse_str(&format!("-> ::fc::__private::{route_ty}")).expect("a return type");
            assert_eq!(route.sig.output, want, "{}", kind.attr());
        }
    }

    /// What the hidden function's body says, without the spaces `quote` adds.
    fn body(kind: Kind, function: ItemFn) -> String {
        let (_, route) = expand_fn(kind, &function);
        route.block.to_token_stream().to_string().replace(' ', "")
    }

    #[test]
    fn the_raw_event_is_freed_before_the_handler_runs() {
        let body = body(
            Kind::Invoke,
            parse_quote! { async fn h(e: Order, c: fc::Context) {} },
        );
        let decoded = body.find("Probe::<Order>::new()).decode(__fc_invocation.body())");
        let context = body.find("let__fc_arg1:fc::Context=__fc_invocation.context();");
        let dropped = body.find("::core::mem::drop(__fc_invocation);");
        let called = body.find("h(__fc_arg0,__fc_arg1).await");
        assert!(decoded.is_some() && context.is_some(), "{body}");
        assert!(decoded < dropped && context < dropped, "{body}");
        assert!(dropped < called, "{body}");
    }

    #[test]
    fn context_only_functions_get_the_context_or_drop_it() {
        let with = body(Kind::Initialize, parse_quote! { async fn h(c: Context) {} });
        assert!(
            with.contains("let__fc_arg0:Context=__fc_context;"),
            "{with}"
        );
        assert!(with.contains("h(__fc_arg0).await"), "{with}");
        assert!(with.contains("keep_state(__fc_output)"), "{with}");
        let without = body(Kind::PreStop, parse_quote! { async fn h() {} });
        assert!(without.contains("let_=__fc_context;"), "{without}");
        assert!(without.contains("h().await"), "{without}");
        assert!(without.contains("hook_done(__fc_output)"), "{without}");
    }

    #[test]
    fn http_forms() {
        let sync_app = body(Kind::Http, parse_quote! { fn app() -> Router { todo!() } });
        assert!(sync_app.contains("HttpRoute::app("), "{sync_app}");
        assert!(sync_app.contains("let__fc_app=app();"), "{sync_app}");
        let handler = body(
            Kind::Http,
            parse_quote! { async fn web(r: Request) -> String { todo!() } },
        );
        assert!(handler.contains("HttpRoute::handler("), "{handler}");
        assert!(
            handler.contains("let__fc_arg0:Request=::fc::__private::http_request(__fc_request);"),
            "{handler}"
        );
        assert!(handler.contains("web(__fc_arg0).await"), "{handler}");
    }

    #[test]
    fn routes_calls_each_route_function_by_its_path() {
        let out = routes(&[parse_quote!(a), parse_quote!(b::c)])
            .to_string()
            .replace(' ', "");
        let want = "{let__fc_routes=::fc::__private::RoutesBuilder::new();\
                    let__fc_routes=__fc_route_of_a().add_to(__fc_routes);\
                    let__fc_routes=b::__fc_route_of_c().add_to(__fc_routes);\
                    __fc_routes.finish()}";
        assert_eq!(out, want);
    }
}
