//! The generated code, and nothing else: `quote!` only.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ReturnType;
use syn::spanned::Spanned;

use crate::handler::{Handler, Kind, Role};

/// The user's function, unchanged, and beside it a hidden type of the same name (types
/// and functions live in different namespaces) whose `__fc_add` registers the
/// function with `fc::routes!`.
pub(crate) fn expand(handler: &Handler<'_>) -> TokenStream {
    let function = handler.function;
    let vis = &function.vis;
    let name = &function.sig.ident;
    let name_str = name.to_string();
    let fn_span = function.sig.fn_token.span;
    let ret_span = match &function.sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => function.sig.ident.span(),
    };

    let arg_names: Vec<_> = (0..handler.args.len())
        .map(|i| format_ident!("__fc_arg{}", i))
        .collect();
    let source = match handler.kind {
        Kind::Invoke => format_ident!("__fc_invocation"),
        Kind::Initialize => format_ident!("__fc_context"),
    };
    let bindings = handler.args.iter().zip(&arg_names).map(|(arg, ident)| {
        let ty = arg.ty;
        let value = match (handler.kind, arg.role) {
            (Kind::Invoke, Role::Event) => quote_spanned! {ty.span()=>
                {
                    #[allow(unused_imports)]
                    use ::fc::__private::{DecodeJson as _, DecodeRaw as _};
                    (&&::fc::__private::Probe::<#ty>::new()).decode(#source.body())?
                }
            },
            (Kind::Invoke, Role::Context) => quote_spanned! {ty.span()=> #source.context() },
            (Kind::Invoke, Role::State) => quote_spanned! {ty.span()=> #source.state()? },
            // Validation lets only the context through to an initializer.
            (Kind::Initialize, _) => quote_spanned! {ty.span()=> #source },
        };
        quote_spanned! {ty.span()=> let #ident: #ty = #value; }
    });

    let split = quote_spanned! {ret_span=>
        #[allow(unused_imports)]
        use ::fc::__private::{SplitPlain as _, SplitResult as _};
        let __fc_output = (&&::fc::__private::probe(&__fc_output)).split(__fc_output)?;
    };
    let (accept, input_ty, register, finish) = match handler.kind {
        Kind::Invoke => (
            quote!(::fc::__private::AcceptInvoke),
            quote!(::fc::__private::Invocation),
            quote!(::fc::__private::invoke_fn),
            quote_spanned! {ret_span=>
                #[allow(unused_imports)]
                use ::fc::__private::{ReplyJson as _, ReplyRaw as _};
                (&&::fc::__private::probe(&__fc_output)).reply(__fc_output)
            },
        ),
        Kind::Initialize => (
            quote!(::fc::__private::AcceptInitialize),
            quote!(::fc::__private::Context),
            quote!(::fc::__private::init_fn),
            quote_spanned! {ret_span=> ::fc::__private::keep_state(__fc_output) },
        ),
    };
    let unused_source = match handler.kind {
        Kind::Initialize if handler.args.is_empty() => quote!(let _ = #source;),
        _ => TokenStream::new(),
    };
    let call = quote_spanned! {fn_span=> #name(#(#arg_names),*).await };
    let add = quote_spanned! {Span::call_site()=> __fc_add };

    quote! {
        #function

        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #name {}

        // Generated code carries the user's spans, so lints would blame the user.
        #[allow(clippy::all, clippy::pedantic, clippy::nursery, unused_qualifications)]
        impl #name {
            #[doc(hidden)]
            pub fn #add<__FcRoutes: #accept>(
                routes: __FcRoutes,
            ) -> <__FcRoutes as #accept>::Out {
                #accept::accept(
                    routes,
                    #name_str,
                    #register(move |#source: #input_ty| async move {
                        #unused_source
                        #(#bindings)*
                        let __fc_output = #call;
                        #split
                        #finish
                    }),
                )
            }
        }
    }
}
