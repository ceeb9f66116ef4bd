//! `fc::routes!`: a builder whose type records which kinds it holds, so a second
//! function of one kind is a compile error on that function's name.
//!
//! `fc::routes![a, b]` expands to
//! `__fc_route_of_b().add_to(__fc_route_of_a().add_to(RoutesBuilder::new())).finish()`;
//! each `add_to` takes a builder whose slot for its kind is [`Vacant`] and returns one
//! where it is [`Taken`].

use std::any::TypeId;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::response::Response;

use crate::context::Context;
use crate::error::Fail;
use crate::macro_support::event::Invocation;
use crate::macro_support::reply::Reply;
use crate::routes::{AnyArc, HookFn, HttpFn, InitFn, InvokeFn, Named, Routes};

/// A slot no function has taken yet.
#[doc(hidden)]
pub struct Vacant;
/// A slot a function has taken.
#[doc(hidden)]
pub struct Taken;

/// Which slots (invoke, initialize, http, pre-stop, pre-freeze) are taken, in the
/// type only.
type Slots<I, N, H, S, F> = PhantomData<fn() -> (I, N, H, S, F)>;

/// The builder `fc::routes!` fills, one slot per kind.
#[doc(hidden)]
pub struct RoutesBuilder<I, N, H, S, F> {
    routes: Routes,
    _slots: Slots<I, N, H, S, F>,
}

impl RoutesBuilder<Vacant, Vacant, Vacant, Vacant, Vacant> {
    #[expect(clippy::new_without_default, reason = "only generated code builds it")]
    pub fn new() -> Self {
        Self {
            routes: Routes::default(),
            _slots: PhantomData,
        }
    }
}

impl<I, N, H, S, F> RoutesBuilder<I, N, H, S, F> {
    pub fn finish(self) -> Routes {
        self.routes
    }
}

impl<I, N, H, S, F> RoutesBuilder<I, N, H, S, F> {
    /// Puts a route into its field; the caller's signature says which slot that
    /// takes.
    fn take<I2, N2, H2, S2, F2>(
        mut self,
        put: impl FnOnce(&mut Routes),
    ) -> RoutesBuilder<I2, N2, H2, S2, F2> {
        put(&mut self.routes);
        RoutesBuilder {
            routes: self.routes,
            _slots: PhantomData,
        }
    }
}

/// The trait that says a slot is still free, with the message a second function of
/// that kind gets.
macro_rules! slot_free {
    ($free:ident: $message:literal, $label:literal, $note:literal) => {
        #[doc(hidden)]
        #[diagnostic::on_unimplemented(message = $message, label = $label, note = $note)]
        pub trait $free {}
        #[diagnostic::do_not_recommend]
        impl $free for Vacant {}
    };
}

slot_free!(InvokeSlotFree:
    "`fc::routes!` already has an `#[fc::invoke]` function",
    "a second `#[fc::invoke]` function",
    "an app has one event handler: give the others another attribute, or merge them into one");
slot_free!(InitSlotFree:
    "`fc::routes!` already has an `#[fc::initialize]` function",
    "a second `#[fc::initialize]` function",
    "an app has one initializer: do all instance set-up in it");
slot_free!(HttpSlotFree:
    "`fc::routes!` already has an `#[fc::http]` function",
    "a second `#[fc::http]` function",
    "an app has one HTTP function: merge the routers with `axum::Router::merge`");
slot_free!(PreStopSlotFree:
    "`fc::routes!` already has an `#[fc::pre_stop]` function",
    "a second `#[fc::pre_stop]` function",
    "an app has one pre-stop hook: do all clean-up in it");
slot_free!(PreFreezeSlotFree:
    "`fc::routes!` already has an `#[fc::pre_freeze]` function",
    "a second `#[fc::pre_freeze]` function",
    "an app has one pre-freeze hook");

/// What `#[fc::invoke]` registers.
#[doc(hidden)]
pub struct InvokeRoute(Named<InvokeFn>);

impl InvokeRoute {
    pub fn new<F, Fut>(name: &'static str, f: F) -> Self
    where
        F: Fn(Invocation) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Reply, Fail>> + Send + 'static,
    {
        InvokeRoute(Named::new(name, Arc::new(move |inv| Box::pin(f(inv)))))
    }

    pub fn add_to<I: InvokeSlotFree, N, H, S, F>(
        self,
        b: RoutesBuilder<I, N, H, S, F>,
    ) -> RoutesBuilder<Taken, N, H, S, F> {
        b.take(|routes| routes.invoke = Some(self.0))
    }
}

/// What `#[fc::initialize]` registers.
#[doc(hidden)]
pub struct InitRoute(Named<InitFn>);

impl InitRoute {
    pub fn new<F, Fut>(name: &'static str, f: F) -> Self
    where
        F: Fn(Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(TypeId, AnyArc), Fail>> + Send + 'static,
    {
        InitRoute(Named::new(name, Arc::new(move |ctx| Box::pin(f(ctx)))))
    }

    pub fn add_to<I, N: InitSlotFree, H, S, F>(
        self,
        b: RoutesBuilder<I, N, H, S, F>,
    ) -> RoutesBuilder<I, Taken, H, S, F> {
        b.take(|routes| routes.initialize = Some(self.0))
    }
}

/// What `#[fc::http]` registers: how to build the app.
#[doc(hidden)]
pub struct HttpRoute(Named<HttpFn>);

impl HttpRoute {
    /// An app built by the user's `fn() -> Router` (sync or async).
    pub fn app<F, Fut>(name: &'static str, build: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Router> + Send + 'static,
    {
        HttpRoute(Named::new(name, Arc::new(move || Box::pin(build()))))
    }

    /// An app of one handler that receives every HTTP invocation.
    pub fn handler<F, Fut>(name: &'static str, handler: F) -> Self
    where
        F: Fn(Request) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Response> + Send + 'static,
    {
        Self::app(name, move || {
            let handler = handler.clone();
            async move { Router::new().fallback(move |req: Request| handler(req)) }
        })
    }

    pub fn add_to<I, N, H: HttpSlotFree, S, F>(
        self,
        b: RoutesBuilder<I, N, H, S, F>,
    ) -> RoutesBuilder<I, N, Taken, S, F> {
        b.take(|routes| routes.http = Some(self.0))
    }
}

/// What a lifecycle hook registers.
fn hook<C, Fut>(name: &'static str, hook: C) -> Named<HookFn>
where
    C: Fn(Context) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Fail>> + Send + 'static,
{
    Named::new(name, Arc::new(move |ctx| Box::pin(hook(ctx))))
}

/// What `#[fc::pre_stop]` registers.
#[doc(hidden)]
pub struct PreStopRoute(Named<HookFn>);

impl PreStopRoute {
    pub fn new<C, Fut>(name: &'static str, f: C) -> Self
    where
        C: Fn(Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Fail>> + Send + 'static,
    {
        PreStopRoute(hook(name, f))
    }

    pub fn add_to<I, N, H, S: PreStopSlotFree, F>(
        self,
        b: RoutesBuilder<I, N, H, S, F>,
    ) -> RoutesBuilder<I, N, H, Taken, F> {
        b.take(|routes| routes.pre_stop = Some(self.0))
    }
}

/// What `#[fc::pre_freeze]` registers.
#[doc(hidden)]
pub struct PreFreezeRoute(Named<HookFn>);

impl PreFreezeRoute {
    pub fn new<C, Fut>(name: &'static str, f: C) -> Self
    where
        C: Fn(Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Fail>> + Send + 'static,
    {
        PreFreezeRoute(hook(name, f))
    }

    pub fn add_to<I, N, H, S, F: PreFreezeSlotFree>(
        self,
        b: RoutesBuilder<I, N, H, S, F>,
    ) -> RoutesBuilder<I, N, H, S, Taken> {
        b.take(|routes| routes.pre_freeze = Some(self.0))
    }
}
