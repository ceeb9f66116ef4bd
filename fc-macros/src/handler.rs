//! The validated view of the user's function: its [`Shape`] (what the expansion does
//! with it) and, for an event handler, which argument is what.

use quote::ToTokens;
use syn::{FnArg, GenericArgument, ItemFn, PathArguments, ReturnType, Signature, Type};

/// Which attribute is being expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Invoke,
    Initialize,
    Http,
    PreStop,
    PreFreeze,
}

impl Kind {
    /// The attribute as the user wrote it, for messages.
    pub(crate) fn attr(self) -> &'static str {
        match self {
            Kind::Invoke => "#[fc::invoke]",
            Kind::Initialize => "#[fc::initialize]",
            Kind::Http => "#[fc::http]",
            Kind::PreStop => "#[fc::pre_stop]",
            Kind::PreFreeze => "#[fc::pre_freeze]",
        }
    }
}

/// What the expansion does with a function: decided by the attribute and, for
/// `#[fc::http]`, by the signature. Each shape carries only what its expansion reads.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Shape<'a> {
    /// `#[fc::invoke]`: an event, the context and states, in any order.
    Event(Vec<Arg<'a>>),
    /// `#[fc::initialize]`, `#[fc::pre_stop]`, `#[fc::pre_freeze]`: the one optional
    /// argument is the context.
    ContextOnly {
        hook: Hook,
        context: Option<&'a Type>,
    },
    /// `#[fc::http]`.
    Http(HttpForm<'a>),
}

/// Which instance lifecycle hook (FC's name for all three) a context-only function is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hook {
    Initialize,
    PreStop,
    PreFreeze,
}

/// What an `#[fc::http]` function is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HttpForm<'a> {
    /// `fn app() -> Router`, sync or async: builds the app once.
    App,
    /// `async fn web(req) -> impl IntoResponse`: called for every request, with the
    /// request as its one optional argument.
    Handler { request: Option<&'a Type> },
}

/// What an event handler's argument is, decided by its type's name: `Context` and
/// `State<T>` are fc's, anything else is the event. The expansion then checks the
/// real types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Event,
    Context,
    State,
}

/// One argument of an event handler.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Arg<'a> {
    pub(crate) role: Role,
    pub(crate) ty: &'a Type,
}

/// A function that passed every check.
pub(crate) struct Handler<'a> {
    pub(crate) function: &'a ItemFn,
    pub(crate) shape: Shape<'a>,
}

impl<'a> Handler<'a> {
    /// Checks the function against the attribute's rules, collecting every mistake.
    pub(crate) fn validate(kind: Kind, function: &'a ItemFn) -> syn::Result<Self> {
        let attr = kind.attr();
        let sig = &function.sig;
        let mut shape = Shape::of(kind, sig);
        let mut errors: Vec<syn::Error> = Vec::new();
        // `new_spanned` underlines every token of the culprit, not just its first.
        let mut fail = |culprit: &dyn ToTokens, message: String| {
            errors.push(syn::Error::new_spanned(culprit, message));
        };

        if sig.asyncness.is_none() && shape != Shape::Http(HttpForm::App) {
            let message = if kind == Kind::Http {
                format!("{attr} handlers must be `async` (only `fn() -> axum::Router` may be sync)")
            } else {
                format!("{attr} functions must be `async`")
            };
            fail(&sig.fn_token, message);
        }
        if let Some(constness) = &sig.constness {
            fail(constness, format!("{attr} functions cannot be `const`"));
        }
        if let Some(unsafety) = &sig.unsafety {
            fail(unsafety, format!("{attr} functions cannot be `unsafe`"));
        }
        if let Some(abi) = &sig.abi {
            fail(abi, format!("{attr} functions cannot have an ABI"));
        }
        if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
            fail(&sig.generics, format!("{attr} functions cannot be generic"));
        }
        if let Some(variadic) = &sig.variadic {
            fail(variadic, format!("{attr} functions cannot be variadic"));
        }

        for input in &sig.inputs {
            let ty = match input {
                FnArg::Receiver(receiver) => {
                    fail(
                        receiver,
                        format!("{attr} functions cannot take `self`: make it a free function"),
                    );
                    continue;
                }
                FnArg::Typed(pat_type) => &*pat_type.ty,
            };
            if let Err(message) = unsupported(attr, ty).and_then(|()| shape.take(attr, ty)) {
                fail(ty, message);
            }
        }

        if let ReturnType::Type(_, ty) = &sig.output {
            if let Type::Reference(reference) = &**ty {
                if reference
                    .lifetime
                    .as_ref()
                    .is_none_or(|l| l.ident != "static")
                {
                    fail(
                        ty,
                        format!(
                            "{attr} functions cannot return a borrowed value: return an owned type such as `String`, or a `&'static str`"
                        ),
                    );
                }
            }
        }

        match errors.into_iter().reduce(|mut all, e| {
            all.combine(e);
            all
        }) {
            Some(errors) => Err(errors),
            None => Ok(Self { function, shape }),
        }
    }
}

impl<'a> Shape<'a> {
    /// The shape before any argument is taken. `#[fc::http]` on a function without
    /// arguments returning a `Router` (or tonic's `Routes`) builds the app once (and
    /// may be sync); on anything else it is a handler for every request.
    fn of(kind: Kind, sig: &Signature) -> Self {
        let context_only = |hook| Shape::ContextOnly {
            hook,
            context: None,
        };
        match kind {
            Kind::Invoke => Shape::Event(Vec::new()),
            Kind::Initialize => context_only(Hook::Initialize),
            Kind::PreStop => context_only(Hook::PreStop),
            Kind::PreFreeze => context_only(Hook::PreFreeze),
            Kind::Http => Shape::Http(match &sig.output {
                ReturnType::Type(_, ty)
                    if sig.inputs.is_empty()
                        && (last_ident_is(ty, "Router") || last_ident_is(ty, "Routes")) =>
                {
                    HttpForm::App
                }
                _ => HttpForm::Handler { request: None },
            }),
        }
    }

    /// Takes the function's next argument, or says why this shape cannot.
    fn take(&mut self, attr: &str, ty: &'a Type) -> Result<(), String> {
        match self {
            Shape::Event(args) => {
                let role = role_of(ty);
                let already = match role {
                    Role::Event => args.iter().find(|a| a.role == Role::Event).map(|first| {
                        format!(
                            "{attr} functions take one event argument, and `{}` is already the event",
                            tokens(first.ty)
                        )
                    }),
                    Role::Context => args
                        .iter()
                        .any(|a| a.role == Role::Context)
                        .then(|| format!("{attr} functions take `fc::Context` at most once")),
                    Role::State => args
                        .iter()
                        .any(|a| a.role == Role::State && tokens(a.ty) == tokens(ty))
                        .then(|| format!("{attr} functions take `{}` at most once", tokens(ty))),
                };
                if let Some(message) = already {
                    return Err(message);
                }
                args.push(Arg { role, ty });
            }
            Shape::ContextOnly { context, .. } => {
                if role_of(ty) != Role::Context {
                    return Err(format!(
                        "{attr} functions take no event or state: their one optional argument is `fc::Context`"
                    ));
                }
                if context.is_some() {
                    return Err(format!("{attr} functions take `fc::Context` at most once"));
                }
                *context = Some(ty);
            }
            Shape::Http(HttpForm::Handler { request: Some(_) }) => {
                return Err(format!(
                    "{attr} handlers take one argument, the `fc::http::Request`"
                ));
            }
            // A function with an argument is a handler.
            Shape::Http(form) => *form = HttpForm::Handler { request: Some(ty) },
        }
        Ok(())
    }
}

/// Rejects argument types no attribute accepts, saying what to write instead.
fn unsupported(attr: &str, ty: &Type) -> Result<(), String> {
    match ty {
        Type::Reference(reference) => {
            let instead = match &*reference.elem {
                Type::Path(p) if p.path.is_ident("str") => "`String`".to_owned(),
                Type::Slice(_) => "`Vec<u8>` or `fc::Bytes`".to_owned(),
                elem => format!("`{}`", tokens(elem)),
            };
            Err(format!(
                "{attr} arguments must be owned: take {instead} instead of `{}`",
                tokens(ty)
            ))
        }
        Type::ImplTrait(_) => Err(format!(
            "{attr} functions cannot be generic: name the argument's type instead of `impl Trait`"
        )),
        Type::Infer(_) => Err(format!("{attr} arguments need a type")),
        _ => Ok(()),
    }
}

/// Whether a type is a path ending in `name` (`axum::Router`, `Router`).
fn last_ident_is(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Path(path) => path.path.segments.last().is_some_and(|s| s.ident == name),
        _ => false,
    }
}

fn role_of(ty: &Type) -> Role {
    let Type::Path(path) = ty else {
        return Role::Event;
    };
    if path.qself.is_some() {
        return Role::Event;
    }
    let Some(last) = path.path.segments.last() else {
        return Role::Event;
    };
    match (&*last.ident.to_string(), &last.arguments) {
        ("Context", PathArguments::None) => Role::Context,
        ("State", PathArguments::AngleBracketed(a))
            if a.args.len() == 1 && matches!(a.args[0], GenericArgument::Type(_)) =>
        {
            Role::State
        }
        _ => Role::Event,
    }
}

/// A type as the user wrote it, without the spaces `quote` puts between tokens.
fn tokens(ty: &Type) -> String {
    let text = quote::quote!(#ty).to_string();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let prev = out.chars().last();
        let glue = c == ' '
            && (matches!(next, Some('<' | '>' | ',' | ':' | ')' | ']'))
                || matches!(prev, Some('<' | '&' | ':' | '(' | '[')));
        if !glue {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn roles(function: ItemFn) -> Vec<Role> {
        match Handler::validate(Kind::Invoke, &function).map(|h| h.shape) {
            Ok(Shape::Event(args)) => args.iter().map(|a| a.role).collect(),
            _ => Vec::new(),
        }
    }

    /// The shape as text, so a test can name types without borrowing them.
    fn shape(kind: Kind, function: ItemFn) -> String {
        match Handler::validate(kind, &function).map(|h| h.shape) {
            Ok(Shape::Event(args)) => format!("event {}", args.len()),
            Ok(Shape::ContextOnly { hook, context }) => {
                format!("{hook:?} {}", context.map_or_else(String::new, tokens))
            }
            Ok(Shape::Http(HttpForm::App)) => "app".to_owned(),
            Ok(Shape::Http(HttpForm::Handler { request })) => {
                format!("handler {}", request.map_or_else(String::new, tokens))
            }
            Err(e) => format!("error: {e}"),
        }
    }

    fn error(kind: Kind, function: ItemFn) -> String {
        match Handler::validate(kind, &function) {
            Ok(_) => String::new(),
            Err(e) => e
                .into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(" | "),
        }
    }

    #[test]
    fn roles_in_any_order() {
        let f: ItemFn = parse_quote! {
            async fn h(s: fc::State<Prices>, order: Order, ctx: fc::Context) {}
        };
        assert_eq!(roles(f), vec![Role::State, Role::Event, Role::Context]);
        let f: ItemFn = parse_quote! { async fn h(ctx: Context, raw: fc::Bytes) {} };
        assert_eq!(roles(f), vec![Role::Context, Role::Event]);
        let f: ItemFn = parse_quote! { async fn h(a: State<A>, b: State<B>) {} };
        assert_eq!(roles(f), vec![Role::State, Role::State]);
    }

    #[test]
    fn shapes() {
        let cases: [(Kind, ItemFn, &str); 10] = [
            (
                Kind::Invoke,
                parse_quote! { async fn h(e: E, c: Context) {} },
                "event 2",
            ),
            (
                Kind::Initialize,
                parse_quote! { async fn h() {} },
                "Initialize ",
            ),
            (
                Kind::PreStop,
                parse_quote! { async fn h(c: fc::Context) {} },
                "PreStop fc::Context",
            ),
            (
                Kind::PreFreeze,
                parse_quote! { async fn h() {} },
                "PreFreeze ",
            ),
            (Kind::Http, parse_quote! { fn app() -> Router {} }, "app"),
            (
                Kind::Http,
                parse_quote! { async fn app() -> axum::Router {} },
                "app",
            ),
            (
                Kind::Http,
                parse_quote! { fn grpc() -> tonic::service::Routes {} },
                "app",
            ),
            (
                Kind::Http,
                parse_quote! { async fn web() -> String {} },
                "handler ",
            ),
            (
                Kind::Http,
                parse_quote! { async fn web(r: fc::http::Request) -> Router {} },
                "handler fc::http::Request",
            ),
            (
                Kind::Http,
                parse_quote! { fn web() -> String {} },
                "error: #[fc::http] handlers must be `async` (only `fn() -> axum::Router` may be sync)",
            ),
        ];
        for (kind, function, want) in cases {
            assert_eq!(shape(kind, function), want);
        }
    }

    #[test]
    fn messages() {
        let cases: [(Kind, ItemFn, &str); 12] = [
            (
                Kind::Invoke,
                parse_quote! { fn h() {} },
                "#[fc::invoke] functions must be `async`",
            ),
            (
                Kind::Invoke,
                parse_quote! { async fn h(a: A, b: Vec<u8>) {} },
                "#[fc::invoke] functions take one event argument, and `A` is already the event",
            ),
            (
                Kind::Invoke,
                parse_quote! { async fn h(a: &str) {} },
                "#[fc::invoke] arguments must be owned: take `String` instead of `&str`",
            ),
            (
                Kind::Invoke,
                parse_quote! { async fn h(a: &[u8]) {} },
                "#[fc::invoke] arguments must be owned: take `Vec<u8>` or `fc::Bytes` instead of `&[u8]`",
            ),
            (
                Kind::Invoke,
                parse_quote! { async fn h<T>(a: T) {} },
                "#[fc::invoke] functions cannot be generic",
            ),
            (
                Kind::Invoke,
                parse_quote! { async fn h(c: Context, d: fc::Context) {} },
                "#[fc::invoke] functions take `fc::Context` at most once",
            ),
            (
                Kind::Invoke,
                parse_quote! { async fn h(a: State<Vec<u8>>, b: State<Vec<u8>>) {} },
                "#[fc::invoke] functions take `State<Vec<u8>>` at most once",
            ),
            (
                Kind::Initialize,
                parse_quote! { async fn h(e: String) {} },
                "#[fc::initialize] functions take no event or state: their one optional argument is `fc::Context`",
            ),
            (
                Kind::PreStop,
                parse_quote! { async fn h(c: Context, d: Context) {} },
                "#[fc::pre_stop] functions take `fc::Context` at most once",
            ),
            (
                Kind::Http,
                parse_quote! { async fn web(r: Request, c: fc::Context) {} },
                "#[fc::http] handlers take one argument, the `fc::http::Request`",
            ),
            (
                Kind::Http,
                parse_quote! { async fn web(r: &Request, c: fc::Context) {} },
                "#[fc::http] arguments must be owned: take `Request` instead of `&Request`",
            ),
            (
                Kind::Invoke,
                parse_quote! { fn h<T>(a: &str, b: impl Sized) {} },
                "#[fc::invoke] functions must be `async` | #[fc::invoke] functions cannot be generic | #[fc::invoke] arguments must be owned: take `String` instead of `&str` | #[fc::invoke] functions cannot be generic: name the argument's type instead of `impl Trait`",
            ),
        ];
        for (kind, function, want) in cases {
            assert_eq!(error(kind, function), want);
        }
    }
}
