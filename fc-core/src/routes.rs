//! [`Routes`]: the functions an app serves, each erased to one type per kind and kept
//! with the name it was written under.

use std::any::{Any, TypeId};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use bytes::Bytes;

use crate::context::Context;
use crate::error::Fail;
use crate::state::States;

pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;
pub(crate) type AnyArc = Arc<dyn Any + Send + Sync>;

/// What an event handler's invocation gets: the body, the context, the state. Its
/// methods, for the code `#[fc::invoke]` generates, are in `macro_support::event`.
#[doc(hidden)]
pub struct Invocation {
    pub(crate) body: Bytes,
    pub(crate) context: Context,
    pub(crate) states: Arc<States>,
}

/// A successful invocation's body and its content type (made in
/// `macro_support::reply`).
#[doc(hidden)]
pub struct Reply {
    pub(crate) body: Bytes,
    pub(crate) content_type: &'static str,
}

/// An event handler, erased.
pub(crate) type InvokeFn = dyn Fn(Invocation) -> BoxFuture<Result<Reply, Fail>> + Send + Sync;
/// An initializer, erased: it yields the instance state, by type.
pub(crate) type InitFn = dyn Fn(Context) -> BoxFuture<Result<(TypeId, AnyArc), Fail>> + Send + Sync;
/// A lifecycle hook (pre-stop, pre-freeze), erased.
pub(crate) type HookFn = dyn Fn(Context) -> BoxFuture<Result<(), Fail>> + Send + Sync;
/// An HTTP function, erased: it builds the app's router (once per instance).
pub(crate) type HttpFn = dyn Fn() -> BoxFuture<Router> + Send + Sync;

/// A registered function and the name it was written under.
pub(crate) struct Named<F: ?Sized> {
    pub(crate) name: &'static str,
    pub(crate) handler: Arc<F>,
}

impl<F: ?Sized> Named<F> {
    pub(crate) fn new(name: &'static str, handler: Arc<F>) -> Self {
        Self { name, handler }
    }
}

impl<F: ?Sized> Clone for Named<F> {
    fn clone(&self) -> Self {
        Self {
            name: self.name,
            handler: Arc::clone(&self.handler),
        }
    }
}

/// The functions an app serves, collected by `fc::routes![..]` from the functions
/// annotated with `#[fc::invoke]`, `#[fc::initialize]`, `#[fc::http]`,
/// `#[fc::pre_stop]` and `#[fc::pre_freeze]`.
///
/// ```
/// #[fc::invoke]
/// async fn echo(event: String) -> String {
///     event
/// }
///
/// let routes: fc::Routes = fc::routes![echo];
/// let app = fc::App::new().routes(routes);
/// ```
#[derive(Clone, Default)]
pub struct Routes {
    pub(crate) invoke: Option<Named<InvokeFn>>,
    pub(crate) initialize: Option<Named<InitFn>>,
    pub(crate) http: Option<Named<HttpFn>>,
    pub(crate) pre_stop: Option<Named<HookFn>>,
    pub(crate) pre_freeze: Option<Named<HookFn>>,
}

impl Routes {
    /// Adds `other`'s functions to these.
    ///
    /// # Panics
    /// When both have a function of the same kind (two `#[fc::invoke]`, two
    /// `#[fc::initialize]`, …): an app has one of each. The message names both
    /// functions.
    pub fn merge(mut self, other: Routes) -> Routes {
        fn one<F: ?Sized>(
            attr: &str,
            mine: Option<Named<F>>,
            theirs: Option<Named<F>>,
        ) -> Option<Named<F>> {
            match (mine, theirs) {
                (Some(a), Some(b)) => panic!(
                    "fc: two #[fc::{attr}] functions, `{}` and `{}`: an app has at most one",
                    a.name, b.name
                ),
                (a, b) => a.or(b),
            }
        }
        self.invoke = one("invoke", self.invoke, other.invoke);
        self.initialize = one("initialize", self.initialize, other.initialize);
        self.http = one("http", self.http, other.http);
        self.pre_stop = one("pre_stop", self.pre_stop, other.pre_stop);
        self.pre_freeze = one("pre_freeze", self.pre_freeze, other.pre_freeze);
        self
    }
}

impl fmt::Debug for Routes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn name<F: ?Sized>(slot: &Option<Named<F>>) -> Option<&'static str> {
            slot.as_ref().map(|n| n.name)
        }
        f.debug_struct("Routes")
            .field("invoke", &name(&self.invoke))
            .field("initialize", &name(&self.initialize))
            .field("http", &name(&self.http))
            .field("pre_stop", &name(&self.pre_stop))
            .field("pre_freeze", &name(&self.pre_freeze))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Failure;

    #[test]
    #[should_panic(expected = "two #[fc::invoke] functions, `a` and `b`")]
    fn merging_two_event_handlers_names_both() {
        let routes = |name| Routes {
            invoke: Some(Named::new(
                name,
                Arc::new(|_| -> BoxFuture<Result<Reply, Fail>> {
                    Box::pin(async { Err(Fail(Failure::new("X", "x"))) })
                }),
            )),
            ..Routes::default()
        };
        let _ = routes("a").merge(routes("b"));
    }
}
