//! Type-erased handlers, [`Routes`], and the helpers `#[fc::invoke]` and
//! `#[fc::initialize]` expand to (reached through `fc::__private`).

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::context::Context;
use crate::error::{Error, Failure};
use crate::state::{self, State, States};

pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;
type AnyArc = Arc<dyn Any + Send + Sync>;

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

impl<F: ?Sized> Clone for Named<F> {
    fn clone(&self) -> Self {
        Self {
            name: self.name,
            handler: Arc::clone(&self.handler),
        }
    }
}

/// The functions an app serves, collected by `fc::routes![..]` from the functions
/// annotated with `#[fc::invoke]` and `#[fc::initialize]`.
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
    /// When both have an `#[fc::invoke]` (or both an `#[fc::initialize]`) function:
    /// an app has one of each. The message names both functions.
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
        f.debug_struct("Routes")
            .field("invoke", &self.invoke.as_ref().map(|n| n.name))
            .field("initialize", &self.initialize.as_ref().map(|n| n.name))
            .field("http", &self.http.as_ref().map(|n| n.name))
            .field("pre_stop", &self.pre_stop.as_ref().map(|n| n.name))
            .field("pre_freeze", &self.pre_freeze.as_ref().map(|n| n.name))
            .finish()
    }
}

/// A failure on its way out of generated code.
#[doc(hidden)]
pub struct Fail(pub(crate) Failure);

impl<E: Into<Error>> From<E> for Fail {
    fn from(error: E) -> Self {
        Fail(Failure::from_error(error.into()))
    }
}

/// What an event handler's invocation gets: the body, the context, the state.
#[doc(hidden)]
pub struct Invocation {
    pub(crate) body: Bytes,
    pub(crate) context: Context,
    pub(crate) states: Arc<States>,
}

impl Invocation {
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    pub fn context(&self) -> Context {
        self.context.clone()
    }

    pub fn state<T: Send + Sync + 'static>(&self) -> Result<State<T>, Fail> {
        self.states.get::<T>().map_err(Fail)
    }
}

/// A successful invocation's body and its content type.
#[doc(hidden)]
pub struct Reply {
    pub(crate) body: Bytes,
    pub(crate) content_type: &'static str,
}

/// Types an initializer may return as the instance state.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the instance state an `#[fc::initialize]` function returns",
    label = "not `Send + Sync + 'static`",
    note = "invocations run concurrently on several threads and share the state: use `Arc` rather than `Rc`, `Mutex` or `RwLock` rather than `RefCell`, and owned data"
)]
pub trait InstanceState: Send + Sync + 'static {}
impl<T: Send + Sync + 'static> InstanceState for T {}

/// Keeps what an initializer returned as the instance state.
#[doc(hidden)]
pub fn keep_state<T: InstanceState>(value: T) -> Result<(TypeId, AnyArc), Fail> {
    Ok(state::erase(value))
}

// ---------------------------------------------------------------------------------
// `fc::routes!`: a builder whose type records which kinds it holds, so a second
// function of one kind is a compile error on that function's name.

/// A slot no function has taken yet.
#[doc(hidden)]
pub struct Vacant;
/// A slot a function has taken.
#[doc(hidden)]
pub struct Taken;

/// Which slots (invoke, initialize, http, pre-stop, pre-freeze) are taken, in the type
/// only.
type Slots<I, N, H, S, F> = PhantomData<fn() -> (I, N, H, S, F)>;

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

#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`fc::routes!` already has an `#[fc::invoke]` function",
    label = "a second `#[fc::invoke]` function",
    note = "an app has one event handler: give the others another attribute, or merge them into one"
)]
pub trait InvokeSlotFree {}
#[diagnostic::do_not_recommend]
impl InvokeSlotFree for Vacant {}

#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`fc::routes!` already has an `#[fc::initialize]` function",
    label = "a second `#[fc::initialize]` function",
    note = "an app has one initializer: do all instance set-up in it"
)]
pub trait InitSlotFree {}
#[diagnostic::do_not_recommend]
impl InitSlotFree for Vacant {}

#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`fc::routes!` already has an `#[fc::http]` function",
    label = "a second `#[fc::http]` function",
    note = "an app has one HTTP function: merge the routers with `axum::Router::merge`"
)]
pub trait HttpSlotFree {}
#[diagnostic::do_not_recommend]
impl HttpSlotFree for Vacant {}

/// What `#[fc::invoke]` registers.
#[doc(hidden)]
pub struct InvokeRoute(Named<InvokeFn>);

impl InvokeRoute {
    pub fn new<F, Fut>(name: &'static str, f: F) -> Self
    where
        F: Fn(Invocation) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Reply, Fail>> + Send + 'static,
    {
        InvokeRoute(Named {
            name,
            handler: Arc::new(move |invocation| Box::pin(f(invocation))),
        })
    }

    pub fn add_to<I: InvokeSlotFree, N, H, S, F>(
        self,
        b: RoutesBuilder<I, N, H, S, F>,
    ) -> RoutesBuilder<Taken, N, H, S, F> {
        let mut routes = b.routes;
        routes.invoke = Some(self.0);
        RoutesBuilder {
            routes,
            _slots: PhantomData,
        }
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
        InitRoute(Named {
            name,
            handler: Arc::new(move |context| Box::pin(f(context))),
        })
    }

    pub fn add_to<I, N: InitSlotFree, H, S, F>(
        self,
        b: RoutesBuilder<I, N, H, S, F>,
    ) -> RoutesBuilder<I, Taken, H, S, F> {
        let mut routes = b.routes;
        routes.initialize = Some(self.0);
        RoutesBuilder {
            routes,
            _slots: PhantomData,
        }
    }
}

#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`fc::routes!` already has an `#[fc::pre_stop]` function",
    label = "a second `#[fc::pre_stop]` function",
    note = "an app has one pre-stop hook: do all clean-up in it"
)]
pub trait PreStopSlotFree {}
#[diagnostic::do_not_recommend]
impl PreStopSlotFree for Vacant {}

#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`fc::routes!` already has an `#[fc::pre_freeze]` function",
    label = "a second `#[fc::pre_freeze]` function",
    note = "an app has one pre-freeze hook"
)]
pub trait PreFreezeSlotFree {}
#[diagnostic::do_not_recommend]
impl PreFreezeSlotFree for Vacant {}

/// Erases a lifecycle hook.
fn hook<C, Fut>(name: &'static str, hook: C) -> Named<HookFn>
where
    C: Fn(Context) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Fail>> + Send + 'static,
{
    Named {
        name,
        handler: Arc::new(move |context| Box::pin(hook(context))),
    }
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
        let mut routes = b.routes;
        routes.pre_stop = Some(self.0);
        RoutesBuilder {
            routes,
            _slots: PhantomData,
        }
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
        let mut routes = b.routes;
        routes.pre_freeze = Some(self.0);
        RoutesBuilder {
            routes,
            _slots: PhantomData,
        }
    }
}

/// What a lifecycle hook may return (after `Result` is split off).
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by a lifecycle hook",
    label = "not `()`",
    note = "`#[fc::pre_stop]` and `#[fc::pre_freeze]` functions return `()` or `Result<(), E>`"
)]
pub trait HookOutput {}
impl HookOutput for () {}

/// A hook's success.
#[doc(hidden)]
pub fn hook_done<T: HookOutput>(_: T) -> Result<(), Fail> {
    Ok(())
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
        HttpRoute(Named {
            name,
            handler: Arc::new(move || Box::pin(build())),
        })
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
        let mut routes = b.routes;
        routes.http = Some(self.0);
        RoutesBuilder {
            routes,
            _slots: PhantomData,
        }
    }
}

/// What an `#[fc::http]` app function may return.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an app an `#[fc::http]` function can serve",
    label = "not an `axum::Router`",
    note = "an `#[fc::http]` function without arguments returns an `axum::Router` (call `.with_state(..)` on a router that has state)"
)]
pub trait IntoHttpApp {
    fn into_router(self) -> Router;
}

impl IntoHttpApp for Router {
    fn into_router(self) -> Router {
        self
    }
}

/// What an `#[fc::http]` handler may return.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is neither an `axum::Router` nor a response",
    label = "not a response",
    note = "`#[fc::http]` goes on `fn app() -> axum::Router`, or on `async fn web(req: fc::http::Request)` returning a type that implements `axum::response::IntoResponse`"
)]
pub trait HttpResponse: IntoResponse {}
impl<T: IntoResponse> HttpResponse for T {}

/// The response of an `#[fc::http]` handler.
#[doc(hidden)]
pub fn http_response<T: HttpResponse>(value: T) -> Response {
    value.into_response()
}

/// What an `#[fc::http]` handler may take.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the argument of an `#[fc::http]` handler",
    label = "not `fc::http::Request`",
    note = "an `#[fc::http]` handler takes the whole request as `fc::http::Request`; for extractors such as `Path` or `Json`, return an `axum::Router` instead"
)]
pub trait FromHttpRequest {
    fn from_request(req: Request) -> Self;
}

impl FromHttpRequest for Request {
    fn from_request(req: Request) -> Self {
        req
    }
}

/// The argument of an `#[fc::http]` handler.
#[doc(hidden)]
pub fn http_request<T: FromHttpRequest>(req: Request) -> T {
    T::from_request(req)
}

// ---------------------------------------------------------------------------------
// Argument and return types, resolved by autoref specialization: a method on
// `&Probe<T>` wins over the same-named method on `Probe<T>` when its bounds hold, so
// `(&&Probe::<T>::new()).decode(..)` picks the raw form for `String`, `Vec<u8>` and
// `Bytes`, and JSON for everything else, without the macro reading type names.

/// A type-level probe for autoref specialization.
#[doc(hidden)]
pub struct Probe<T>(PhantomData<fn() -> T>);

impl<T> Probe<T> {
    #[expect(clippy::new_without_default, reason = "only generated code builds it")]
    pub fn new() -> Self {
        Probe(PhantomData)
    }
}

/// The probe for a value's type.
#[doc(hidden)]
pub fn probe<T>(_: &T) -> Probe<T> {
    Probe(PhantomData)
}

/// Event types that receive the raw body.
#[doc(hidden)]
pub trait RawEvent: Sized {
    fn from_body(body: &Bytes) -> Result<Self, Fail>;
}

impl RawEvent for Bytes {
    fn from_body(body: &Bytes) -> Result<Self, Fail> {
        Ok(body.clone())
    }
}

impl RawEvent for Vec<u8> {
    fn from_body(body: &Bytes) -> Result<Self, Fail> {
        Ok(body.to_vec())
    }
}

impl RawEvent for String {
    fn from_body(body: &Bytes) -> Result<Self, Fail> {
        String::from_utf8(body.to_vec()).map_err(|e| {
            Fail(Failure::new(
                "InvalidEvent",
                format!("the event is not valid UTF-8: {e}"),
            ))
        })
    }
}

/// Event types parsed from JSON.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an `#[fc::invoke]` event",
    label = "not an event type",
    note = "an event is `String`, `Vec<u8>` or `fc::Bytes` (the raw body), or a type that implements `serde::Deserialize` (parsed from JSON)",
    note = "the other arguments a handler may take are `fc::Context` and `fc::State<T>`, recognised by those names: a renamed import or a type alias of them counts as the event"
)]
pub trait JsonEvent: DeserializeOwned {}
impl<T: DeserializeOwned> JsonEvent for T {}

#[doc(hidden)]
pub trait DecodeRaw<T> {
    fn decode(&self, body: &Bytes) -> Result<T, Fail>;
}

impl<T: RawEvent> DecodeRaw<T> for &Probe<T> {
    fn decode(&self, body: &Bytes) -> Result<T, Fail> {
        T::from_body(body)
    }
}

#[doc(hidden)]
pub trait DecodeJson<T> {
    fn decode(&self, body: &Bytes) -> Result<T, Fail>
    where
        T: JsonEvent;
}

impl<T> DecodeJson<T> for Probe<T> {
    fn decode(&self, body: &Bytes) -> Result<T, Fail>
    where
        T: JsonEvent,
    {
        decode_json(body).map_err(Fail)
    }
}

/// Parses JSON; on failure, parses again to name the path of the offending field.
pub(crate) fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Failure> {
    serde_json::from_slice(body).map_err(|error| {
        let mut de = serde_json::Deserializer::from_slice(body);
        let path = match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Err(e) => e.path().to_string(),
            Ok(_) => String::new(),
        };
        // "." is the root and "?" a place serde could not name: no path worth printing.
        let message = if path.is_empty() || path == "." || path == "?" {
            error.to_string()
        } else {
            format!("{path}: {error}")
        };
        Failure::new("InvalidEvent", format!("invalid event: {message}"))
    })
}

/// Errors a handler may return.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error of an fc function",
    label = "does not convert into `fc::Error`",
    note = "return an error that implements `std::error::Error + Send + Sync + 'static`, a `String`, `&str`, `fc::Error`, or convert with `.map_err(fc::Error::new)`"
)]
pub trait IntoFcError: Into<Error> {}
impl<E: Into<Error>> IntoFcError for E {}

/// `Result<T, E>` returns: `Ok` goes on, `Err` becomes the failure. Every `Result`
/// takes this path, so an error that does not convert is a compile error, never a
/// success.
#[doc(hidden)]
pub trait SplitResult<T, E> {
    fn split(&self, value: Result<T, E>) -> Result<T, Fail>
    where
        E: IntoFcError;
}

impl<T, E> SplitResult<T, E> for &Probe<Result<T, E>> {
    fn split(&self, value: Result<T, E>) -> Result<T, Fail>
    where
        E: IntoFcError,
    {
        value.map_err(|e| Fail(Failure::from_error(e.into())))
    }
}

/// Any other return type is a success.
#[doc(hidden)]
pub trait SplitPlain<T> {
    fn split(&self, value: T) -> Result<T, Fail>;
}

impl<T> SplitPlain<T> for Probe<T> {
    fn split(&self, value: T) -> Result<T, Fail> {
        Ok(value)
    }
}

/// Return types that go out as they are.
#[doc(hidden)]
pub trait RawBody {
    const CONTENT_TYPE: &'static str;
    fn into_body(self) -> Bytes;
}

impl RawBody for String {
    const CONTENT_TYPE: &'static str = "text/plain; charset=utf-8";
    fn into_body(self) -> Bytes {
        Bytes::from(self)
    }
}

impl RawBody for &'static str {
    const CONTENT_TYPE: &'static str = "text/plain; charset=utf-8";
    fn into_body(self) -> Bytes {
        Bytes::from_static(self.as_bytes())
    }
}

impl RawBody for Cow<'static, str> {
    const CONTENT_TYPE: &'static str = "text/plain; charset=utf-8";
    fn into_body(self) -> Bytes {
        match self {
            Cow::Borrowed(s) => s.into_body(),
            Cow::Owned(s) => s.into_body(),
        }
    }
}

impl RawBody for Vec<u8> {
    const CONTENT_TYPE: &'static str = "application/octet-stream";
    fn into_body(self) -> Bytes {
        Bytes::from(self)
    }
}

impl RawBody for Bytes {
    const CONTENT_TYPE: &'static str = "application/octet-stream";
    fn into_body(self) -> Bytes {
        self
    }
}

impl RawBody for () {
    const CONTENT_TYPE: &'static str = "application/octet-stream";
    fn into_body(self) -> Bytes {
        Bytes::new()
    }
}

/// Return types sent as JSON.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the body of an `#[fc::invoke]` response",
    label = "not a response body",
    note = "return `String`, `&'static str`, `Vec<u8>`, `fc::Bytes` or `()` (sent as they are), a type that implements `serde::Serialize` (sent as JSON), or `Result<T, E>` of these with `E: Into<fc::Error>`"
)]
pub trait JsonBody: Serialize {}
impl<T: Serialize> JsonBody for T {}

/// `size_hint` is the event's size: a JSON reply reserves that much up front, since a
/// response is often about as large as its event, and regrowing a buffer of many
/// megabytes holds two of them at once.
#[doc(hidden)]
pub trait ReplyRaw<T> {
    fn reply(&self, value: T, size_hint: usize) -> Result<Reply, Fail>;
}

impl<T: RawBody> ReplyRaw<T> for &Probe<T> {
    fn reply(&self, value: T, _size_hint: usize) -> Result<Reply, Fail> {
        Ok(Reply {
            body: value.into_body(),
            content_type: T::CONTENT_TYPE,
        })
    }
}

#[doc(hidden)]
pub trait ReplyJson<T> {
    fn reply(&self, value: T, size_hint: usize) -> Result<Reply, Fail>
    where
        T: JsonBody;
}

impl<T> ReplyJson<T> for Probe<T> {
    fn reply(&self, value: T, size_hint: usize) -> Result<Reply, Fail>
    where
        T: JsonBody,
    {
        let mut json = Vec::with_capacity(size_hint.max(128));
        match serde_json::to_writer(&mut json, &value).map(|()| json) {
            Ok(json) => Ok(Reply {
                body: Bytes::from(json),
                content_type: "application/json",
            }),
            Err(e) => Err(Fail(Failure::new(
                "SerializationError",
                format!("the result could not be serialized as JSON: {e}"),
            ))),
        }
    }
}

#[cfg(test)]
// The `&&` is the point: it is what the generated code writes.
#[allow(clippy::needless_borrow)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Order {
        id: u64,
        qty: u32,
    }

    #[test]
    fn events_are_raw_or_json_by_type() {
        let body = Bytes::from_static(br#"{"id": 1, "qty": 2}"#);
        let s: String = (&&Probe::<String>::new()).decode(&body).ok().unwrap();
        assert_eq!(s, r#"{"id": 1, "qty": 2}"#);
        let v: Vec<u8> = (&&Probe::<Vec<u8>>::new()).decode(&body).ok().unwrap();
        assert_eq!(v, body.to_vec());
        let order: Order = (&&Probe::<Order>::new()).decode(&body).ok().unwrap();
        assert_eq!(order, Order { id: 1, qty: 2 });
        let value: serde_json::Value = (&&Probe::<serde_json::Value>::new())
            .decode(&body)
            .ok()
            .unwrap();
        assert_eq!(value["qty"], 2);
    }

    #[test]
    fn json_errors_name_field_line_and_column() {
        let cases = [
            (
                &br#"{"id": 1, "qty": "two"}"#[..],
                "invalid event: qty: invalid type: string \"two\", expected u32 at line 1 column 22",
            ),
            (
                br#"{"id": 1}"#,
                "invalid event: missing field `qty` at line 1 column 9",
            ),
            (
                br#"{"id": 1, "#,
                "invalid event: EOF while parsing a value at line 1 column 10",
            ),
            (
                b"",
                "invalid event: EOF while parsing a value at line 1 column 0",
            ),
        ];
        for (body, want) in cases {
            let failure = decode_json::<Order>(body).unwrap_err();
            assert_eq!(failure.body.error_type, "InvalidEvent");
            assert_eq!(failure.body.error_message, want);
        }
        let not_utf8 = Bytes::from_static(b"\xff\xfe");
        let err = (&&Probe::<String>::new()).decode(&not_utf8).err().unwrap();
        assert_eq!(err.0.body.error_type, "InvalidEvent");
    }

    #[test]
    fn returns_are_raw_or_json_by_type() {
        fn reply<T>(value: T) -> (Bytes, &'static str)
        where
            for<'a> &'a Probe<T>: ReplyRaw<T>,
        {
            let r = (&&probe(&value)).reply(value, 0).ok().unwrap();
            (r.body, r.content_type)
        }
        assert_eq!(
            reply(String::from("hi")),
            (Bytes::from("hi"), "text/plain; charset=utf-8")
        );
        assert_eq!(reply(()).0, Bytes::new());
        let json = (&&probe(&Order { id: 1, qty: 2 }))
            .reply(Order { id: 1, qty: 2 }, 16)
            .ok()
            .unwrap();
        assert_eq!(json.body, Bytes::from(r#"{"id":1,"qty":2}"#));
        assert_eq!(json.content_type, "application/json");
    }

    #[test]
    fn results_split_into_ok_or_failure() {
        let ok: Result<u8, Error> = Ok(1);
        assert_eq!((&&probe(&ok)).split(ok).ok(), Some(1));
        let err: Result<u8, &str> = Err("nope");
        let fail = (&&probe(&err)).split(err).err().unwrap();
        assert_eq!(fail.0.body.error_message, "nope");
        let plain = 5_u8;
        assert_eq!((&&probe(&plain)).split(plain).ok(), Some(5));
    }

    #[test]
    #[should_panic(expected = "two #[fc::invoke] functions, `a` and `b`")]
    fn merging_two_event_handlers_names_both() {
        let routes = |name| Routes {
            invoke: Some(InvokeRoute::new(name, |_| async { Err(Fail(Failure::new("X", "x"))) }).0),
            initialize: None,
            http: None,
            pre_stop: None,
            pre_freeze: None,
        };
        let _ = routes("a").merge(routes("b"));
    }
}
