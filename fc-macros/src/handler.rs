//! The validated view of the user's function: which argument is what.

use quote::ToTokens;
use syn::{FnArg, GenericArgument, ItemFn, PathArguments, ReturnType, Type};

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

    /// Kinds whose one optional argument is the `fc::Context`.
    pub(crate) fn context_only(self) -> bool {
        matches!(self, Kind::Initialize | Kind::PreStop | Kind::PreFreeze)
    }
}

/// What an argument is, decided by its type's name: `Context` and `State<T>` are
/// fc's, anything else is the event. The expansion then checks the real types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Event,
    Context,
    State,
    /// The whole HTTP request, for an `#[fc::http]` handler.
    Request,
}

/// What an `#[fc::http]` function is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HttpForm {
    /// `fn app() -> Router`: builds the app once.
    App,
    /// `async fn web(req) -> impl IntoResponse`: called for every request.
    Handler,
}

pub(crate) struct Arg<'a> {
    pub(crate) role: Role,
    pub(crate) ty: &'a Type,
}

/// A function that passed every check.
pub(crate) struct Handler<'a> {
    pub(crate) kind: Kind,
    pub(crate) function: &'a ItemFn,
    pub(crate) args: Vec<Arg<'a>>,
    /// For `#[fc::http]`, which of its two forms.
    pub(crate) http_form: HttpForm,
}

impl<'a> Handler<'a> {
    /// Checks the function against the attribute's rules, collecting every mistake.
    pub(crate) fn validate(kind: Kind, function: &'a ItemFn) -> syn::Result<Self> {
        let attr = kind.attr();
        let sig = &function.sig;
        let mut errors: Vec<syn::Error> = Vec::new();
        // `new_spanned` underlines every token of the culprit, not just its first.
        let mut fail = |culprit: &dyn ToTokens, message: String| {
            errors.push(syn::Error::new_spanned(culprit, message));
        };

        // `#[fc::http]` on a function without arguments returning a `Router` builds the
        // app once, and may be sync; on anything else it is a handler for every request.
        let http_form = match &sig.output {
            ReturnType::Type(_, ty) if sig.inputs.is_empty() && last_ident_is(ty, "Router") => {
                HttpForm::App
            }
            _ => HttpForm::Handler,
        };
        let sync_allowed = kind == Kind::Http && http_form == HttpForm::App;
        if sig.asyncness.is_none() && !sync_allowed {
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

        let mut args: Vec<Arg<'a>> = Vec::new();
        for input in &sig.inputs {
            let pat_type = match input {
                FnArg::Receiver(receiver) => {
                    fail(
                        receiver,
                        format!("{attr} functions cannot take `self`: make it a free function"),
                    );
                    continue;
                }
                FnArg::Typed(pat_type) => pat_type,
            };
            let ty = &*pat_type.ty;
            if let Some(message) = unsupported(kind, ty) {
                fail(ty, message);
                continue;
            }
            if kind == Kind::Http {
                if !args.is_empty() {
                    fail(
                        ty,
                        format!("{attr} handlers take one argument, the `fc::http::Request`"),
                    );
                    continue;
                }
                args.push(Arg {
                    role: Role::Request,
                    ty,
                });
                continue;
            }
            let role = role_of(ty);
            if kind.context_only() && role != Role::Context {
                fail(
                    ty,
                    format!(
                        "{attr} functions take no event or state: their one optional argument is `fc::Context`"
                    ),
                );
                continue;
            }
            if role != Role::State {
                if let Some(first) = args.iter().find(|a| a.role == role) {
                    let what = match role {
                        Role::Event => format!(
                            "{attr} functions take one event argument, and `{}` is already the event",
                            tokens(first.ty)
                        ),
                        _ => format!("{attr} functions take `fc::Context` at most once"),
                    };
                    fail(ty, what);
                    continue;
                }
            } else if args
                .iter()
                .any(|a| a.role == Role::State && tokens(a.ty) == tokens(ty))
            {
                fail(
                    ty,
                    format!("{attr} functions take `{}` at most once", tokens(ty)),
                );
                continue;
            }
            args.push(Arg { role, ty });
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
            None => Ok(Self {
                kind,
                function,
                args,
                http_form,
            }),
        }
    }
}

/// Argument types no attribute accepts, with what to write instead.
fn unsupported(kind: Kind, ty: &Type) -> Option<String> {
    let attr = kind.attr();
    match ty {
        Type::Reference(reference) => {
            let instead = match &*reference.elem {
                Type::Path(p) if p.path.is_ident("str") => "`String`".to_owned(),
                Type::Slice(_) => "`Vec<u8>` or `fc::Bytes`".to_owned(),
                elem => format!("`{}`", tokens(elem)),
            };
            Some(format!(
                "{attr} arguments must be owned: take {instead} instead of `{}`",
                tokens(ty)
            ))
        }
        Type::ImplTrait(_) => Some(format!(
            "{attr} functions cannot be generic: name the argument's type instead of `impl Trait`"
        )),
        Type::Infer(_) => Some(format!("{attr} arguments need a type")),
        _ => None,
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
        Handler::validate(Kind::Invoke, &function)
            .map(|h| h.args.iter().map(|a| a.role).collect())
            .unwrap_or_default()
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
    fn messages() {
        let cases: [(Kind, ItemFn, &str); 9] = [
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
