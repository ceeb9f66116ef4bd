//! The attributes of [`fc`](https://docs.rs/fc). Use them through that crate, as
//! `#[fc::invoke]`, `#[fc::initialize]`, `#[fc::http]`, `#[fc::pre_stop]`,
//! `#[fc::pre_freeze]` and `fc::routes!`.
//!
//! Each attribute keeps the user's function as written and adds beside it a hidden
//! `fn __fc_route_of_<name>()` that returns the function's route; `fc::routes!` calls
//! those functions to build `fc::Routes`. Generated code names only
//! `::fc::__private::…`, `::core` and `::std`, so users depend on `fc` alone.
//!
//! Every attribute runs one pipeline: its arguments are parsed (`args`), the function
//! is validated into one of three shapes, event handler, context-only function or
//! HTTP function (`handler`), and the shape is expanded (`expand`).
//!
//! Setting `FC_MACROS_DEBUG=1` while compiling prints every expansion to stderr (on
//! a build cargo has cached, touch the source file to see it again).

use proc_macro::TokenStream;

mod args;
mod entry;
mod expand;
mod handler;

use handler::Kind;

/// Makes an async function the event handler of a Function Compute function: FC's
/// `POST /invoke` calls it with the event.
///
/// Arguments, in any order, each at most once:
/// - the event: `String`, `Vec<u8>` or `fc::Bytes` receive the raw body; any other
///   type that implements `serde::Deserialize` (including `serde_json::Value`) is
///   parsed from JSON, and an event that does not parse is answered with 404 naming
///   the field, line and column;
/// - `fc::Context`: request id, function metadata, credentials;
/// - `fc::State<T>`: what `#[fc::initialize]` returned (or `App::state` set).
///
/// The function returns `T` or `Result<T, E>` with `E: Into<fc::Error>`. `String`,
/// `&'static str`, `Vec<u8>` and `fc::Bytes` go out as they are, `()` as an empty
/// body, any other `T: serde::Serialize` as JSON. An `Err` or a panic is answered with
/// 404, `x-fc-status: 404` and `{"errorMessage", "errorType", "stackTrace"}`.
///
/// ```
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Deserialize)]
/// struct Order { id: u64, qty: u32 }
///
/// #[derive(Serialize)]
/// struct Receipt { id: u64, request_id: String }
///
/// #[fc::invoke]
/// async fn handle(order: Order, ctx: fc::Context) -> Result<Receipt, fc::Error> {
///     if order.qty == 0 {
///         return Err("quantity must be positive".into());
///     }
///     Ok(Receipt { id: order.id, request_id: ctx.request_id().to_owned() })
/// }
///
/// # fn main() {
/// let routes = fc::routes![handle]; // hand to fc::run(..)
/// # }
/// ```
///
/// # Expansion
/// The function is kept exactly as written, so tests can call it. Beside it the
/// attribute adds a hidden function that returns its route, which `fc::routes!`
/// calls. For `handle` above, in plain Rust (`fc::__private` is the hidden module
/// generated code calls; the choices "by type" are made at compile time):
///
/// ```text
/// #[doc(hidden)]
/// fn __fc_route_of_handle() -> fc::__private::InvokeRoute {
///     fc::__private::InvokeRoute::new("handle", move |invocation: fc::__private::Invocation| async move {
///         // Each argument by its type: the event (raw for `String`, `Vec<u8>` and
///         // `fc::Bytes`, JSON for the rest), the context, each `fc::State<T>`.
///         let order: Order = serde_json::from_slice(invocation.body())?;
///         let ctx: fc::Context = invocation.context();
///         // The raw event is freed before the handler runs.
///         let size_hint = invocation.body().len();
///         drop(invocation);
///         let output = handle(order, ctx).await;
///         // `T` as it is; `Result<T, E>` split, an `Err` converted into `fc::Error`.
///         let output = output?;
///         // By type: raw, empty for `()`, or JSON in a buffer sized like the event.
///         reply(output, size_hint)
///     })
/// }
/// ```
///
/// The commonest mistake, a function that is not `async`, does not compile:
///
/// ```compile_fail
/// #[fc::invoke]
/// fn handle(event: String) -> String { event }
/// ```
#[proc_macro_attribute]
pub fn invoke(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::run(Kind::Invoke, args.into(), item.into()).into()
}

/// Makes an async function the instance initializer: FC's `POST /initialize` runs it
/// once per instance, before any invocation, and what it returns becomes the
/// `fc::State<T>` that handlers receive.
///
/// It takes an optional `fc::Context` and returns `Result<T, E>` (or `T`), with
/// `E: Into<fc::Error>`. It succeeds at most once per instance: concurrent
/// `/initialize` calls run it once, a later call after success does not run it again,
/// and a failure (answered with 404) may be retried. When an invocation arrives
/// before any `/initialize` (an FC function configured without an initializer, a
/// local run), it runs first.
///
/// ```
/// struct Prices { unit: u64 }
///
/// #[fc::initialize]
/// async fn init(ctx: fc::Context) -> Result<Prices, fc::Error> {
///     tracing::info!(function = ctx.function_name(), "loading prices");
///     Ok(Prices { unit: 7 })
/// }
///
/// #[fc::invoke]
/// async fn price(qty: u64, prices: fc::State<Prices>) -> u64 {
///     qty * prices.unit
/// }
///
/// # fn main() {
/// let routes = fc::routes![init, price];
/// # }
/// ```
///
/// # Expansion
/// The function is kept as written. Beside it, for `init` above, in plain Rust:
///
/// ```text
/// #[doc(hidden)]
/// fn __fc_route_of_init() -> fc::__private::InitRoute {
///     fc::__private::InitRoute::new("init", move |ctx: fc::Context| async move {
///         let output = init(ctx).await; // `init().await` when it takes no context
///         let output = output?;         // `T`, or `Result<T, E>` with `E` into `fc::Error`
///         keep_state(output)            // the `fc::State<Prices>`: `Send + Sync + 'static`
///     })
/// }
/// ```
///
/// The commonest mistake, an initializer that takes an event, does not compile:
///
/// ```compile_fail
/// #[fc::initialize]
/// async fn init(config: String) -> Result<(), fc::Error> { Ok(()) }
/// ```
#[proc_macro_attribute]
pub fn initialize(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::run(Kind::Initialize, args.into(), item.into()).into()
}

/// Makes an async function the instance's pre-stop hook: FC calls `GET /pre-stop`
/// before it stops the instance (at most 90 s), a last chance to flush buffers or
/// close connections.
///
/// It takes an optional `fc::Context` and returns `()` or `Result<(), E>` with
/// `E: Into<fc::Error>`. Success answers 200 with `x-fc-status: 200`; an `Err` or a
/// panic answers 404 with `x-fc-status: 404`. It runs in a span with the request id.
///
/// ```
/// #[fc::pre_stop]
/// async fn flush(ctx: fc::Context) -> Result<(), fc::Error> {
///     tracing::info!("flushing before {} stops", ctx.function_name().unwrap_or("the function"));
///     Ok(())
/// }
///
/// # fn main() {
/// let routes = fc::routes![flush];
/// # }
/// ```
///
/// # Expansion
/// The function is kept as written. Beside it, for `flush` above, in plain Rust:
///
/// ```text
/// #[doc(hidden)]
/// fn __fc_route_of_flush() -> fc::__private::PreStopRoute {
///     fc::__private::PreStopRoute::new("flush", move |ctx: fc::Context| async move {
///         let output = flush(ctx).await; // `flush().await` when it takes no context
///         let output = output?;          // `()`, or `Result<(), E>` with `E` into `fc::Error`
///         hook_done(output)              // accepts `()` only
///     })
/// }
/// ```
///
/// The commonest mistake, a hook that returns a value, does not compile:
///
/// ```compile_fail
/// #[fc::pre_stop]
/// async fn flush() -> u32 { 1 }
/// # fn main() { let _ = fc::routes![flush]; }
/// ```
#[proc_macro_attribute]
pub fn pre_stop(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::run(Kind::PreStop, args.into(), item.into()).into()
}

/// Makes an async function the instance's pre-freeze hook: FC 2.0 calls
/// `GET /pre-freeze` before it freezes the instance between invocations.
///
/// Same rules as [`macro@pre_stop`]: an optional `fc::Context`, `()` or
/// `Result<(), E>`, 200 on success and 404 on failure or panic.
///
/// ```
/// #[fc::pre_freeze]
/// async fn pause() {
///     tracing::info!("about to be frozen");
/// }
///
/// # fn main() {
/// let routes = fc::routes![pause];
/// # }
/// ```
///
/// # Expansion
/// As for `pre_stop`, with its own route type. For `pause` above, in plain Rust:
///
/// ```text
/// #[doc(hidden)]
/// fn __fc_route_of_pause() -> fc::__private::PreFreezeRoute {
///     fc::__private::PreFreezeRoute::new("pause", move |ctx: fc::Context| async move {
///         let _ = ctx; // `pause` takes no context
///         let output = pause().await;
///         let output = output?; // `()` as it is
///         hook_done(output)
///     })
/// }
/// ```
///
/// The commonest mistake, a hook that takes an event, does not compile:
///
/// ```compile_fail
/// #[fc::pre_freeze]
/// async fn pause(event: String) {}
/// ```
#[proc_macro_attribute]
pub fn pre_freeze(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::run(Kind::PreFreeze, args.into(), item.into()).into()
}

/// Makes an axum app (or a single handler) the HTTP function of a Function Compute
/// function: every HTTP invocation FC forwards reaches it whole (method, path, query,
/// headers, body).
///
/// Two forms:
/// - `fn app() -> axum::Router` (sync or async), called once, on the first HTTP
///   invocation, to build the app. Inside it, `fc::Context` and `fc::State<T>` are
///   axum extractors. With fc's `grpc` feature, the app may be tonic services,
///   `fn app() -> tonic::service::Routes` (or a `Router` made of them,
///   `routes.into_axum_router()`, with ordinary routes beside them): see `fc::grpc`.
/// - `async fn web(req: fc::http::Request) -> impl IntoResponse`, called for every
///   HTTP invocation (the argument may be left out).
///
/// The app's status passes through with `x-fc-status: 200`; a panic answers 404 with
/// `x-fc-status: 404` and a body that names the request id but not the panic. The
/// response headers FC forbids (`x-fc-*`, `connection`, `content-length`, `date`,
/// `keep-alive`, `server`, `content-disposition: attachment`) are dropped. FC 2.0's
/// `x-fc-base-path` prefix is stripped before routing; `axum::extract::OriginalUri`
/// and `Context::base_path` keep the original.
///
/// ```
/// use fc::axum::{Router, routing::get};
///
/// #[fc::http]
/// fn app() -> Router {
///     Router::new().route("/hello", get(|ctx: fc::Context| async move {
///         format!("hello from {}", ctx.request_id())
///     }))
/// }
///
/// # fn main() {
/// let routes = fc::routes![app]; // hand to fc::run(..)
/// # }
/// ```
///
/// # Expansion
/// The function is kept as written. Beside it, for `app` above, in plain Rust:
///
/// ```text
/// #[doc(hidden)]
/// fn __fc_route_of_app() -> fc::__private::HttpRoute {
///     // Called once, on the first HTTP invocation.
///     fc::__private::HttpRoute::app("app", || async move {
///         let app = app(); // `app().await` when it is async
///         into_router(app) // accepts an `axum::Router` only
///     })
/// }
/// ```
///
/// and for a handler, `async fn web(req: fc::http::Request) -> impl IntoResponse`:
///
/// ```text
/// #[doc(hidden)]
/// fn __fc_route_of_web() -> fc::__private::HttpRoute {
///     // An app whose fallback calls `web` for every HTTP invocation.
///     fc::__private::HttpRoute::handler("web", |req: fc::http::Request| async move {
///         let output = web(req).await; // `web().await` when it takes no argument
///         output.into_response()
///     })
/// }
/// ```
///
/// The commonest mistake, a handler that returns neither a `Router` nor a response,
/// does not compile:
///
/// ```compile_fail
/// struct NotAResponse;
/// #[fc::http]
/// async fn web(req: fc::http::Request) -> NotAResponse { NotAResponse }
/// ```
#[proc_macro_attribute]
pub fn http(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::run(Kind::Http, args.into(), item.into()).into()
}

/// Collects the functions annotated with `#[fc::invoke]`, `#[fc::initialize]`, `#[fc::http]`,
/// `#[fc::pre_stop]` and `#[fc::pre_freeze]` into
/// the `fc::Routes` an `fc::App` serves.
///
/// Name each function once, by its path; order does not matter. A second function of
/// the same kind is a compile error on its name.
///
/// ```
/// #[fc::initialize]
/// async fn init() -> Result<u64, fc::Error> {
///     Ok(7)
/// }
///
/// mod handlers {
///     #[fc::invoke]
///     pub async fn price(qty: u64, unit: fc::State<u64>) -> u64 {
///         qty * *unit
///     }
/// }
///
/// # fn main() {
/// let routes = fc::routes![init, handlers::price];
/// # }
/// ```
///
/// # Expansion
/// Each attribute adds a hidden function `__fc_route_of_<name>` beside the one it
/// annotates, returning its route, and `routes!` calls it. `fc::routes![init,
/// handlers::price]` is, in plain Rust:
///
/// ```text
/// {
///     let routes = fc::__private::RoutesBuilder::new();
///     let routes = __fc_route_of_init().add_to(routes);
///     let routes = handlers::__fc_route_of_price().add_to(routes);
///     routes.finish()
/// }
/// ```
///
/// The builder's type records which kinds it holds, so adding a second function of
/// one kind does not compile, with the error on that function's name. A function
/// without an attribute is reported as "cannot find function
/// `__fc_route_of_<name>`", and one that `routes!` cannot see (private in another
/// module) as that function being private.
///
/// The commonest mistake, two functions of one kind, does not compile:
///
/// ```compile_fail
/// #[fc::invoke]
/// async fn a(event: String) -> String { event }
/// #[fc::invoke]
/// async fn b(event: String) -> String { event }
///
/// // error: `fc::routes!` already has an `#[fc::invoke]` function
/// let routes = fc::routes![a, b];
/// ```
#[proc_macro]
pub fn routes(input: TokenStream) -> TokenStream {
    entry::routes(input.into()).into()
}
