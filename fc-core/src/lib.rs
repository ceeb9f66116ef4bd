//! The runtime of [`fc`](https://docs.rs/fc-rs): the server FC talks to, dispatch on
//! `x-fc-control-path`, [`Context`], error and panic mapping, marker lines and FC's
//! log format.
//!
//! Use it through the `fc` crate, which adds the attributes (`#[fc::invoke]`,
//! `#[fc::initialize]`, `#[fc::http]`, `#[fc::pre_stop]`, `#[fc::pre_freeze]`) and
//! `fc::routes!`.
//!
//! # How a request flows
//!
//! An event invocation, `POST /invoke`, in the order its modules see it:
//!
//! 1. `server`: the accept loop hands each connection to `handle_connection`, which
//!    serves it with hyper (keep-alive, no idle timeout, no `date` header, upgrades)
//!    over an `upgrade::Io`: the connection's stream, with the slot where an upgraded
//!    invocation (a WebSocket) is kept until the socket closes.
//! 2. `layers::stack` (assembled by `app::App::into_router`) is the service each request
//!    goes through, outermost first:
//!    - `layers::invocation`: one pass over the headers (`header::Common`) finds
//!      FC's and marks the credentials sensitive; `dispatch::classify_by` names the
//!      request's `Kind` from `x-fc-control-path` (else method and path), and
//!      `Kind::policy` says what that kind gets. The headers become a [`Context`]
//!      (`context`), a span carries the request id, the function's deadline starts,
//!      `instance` runs the initializer first (in a task of its own, within that
//!      deadline) if it has not yet succeeded, and `log::marker` prints
//!      `FC Invoke Start` (every line goes through `log::stdout`, which a stalled
//!      reader never blocks). The invocation is one written-out future
//!      (`Invocation`), which holds the endpoint's inline;
//!    - a panic below it (in the endpoint or, through `layers::catch_panic`, in the
//!      user's layers: in `poll_ready`, `call`, a poll, or a drop) becomes FC's 404
//!      (`panic` holds the hook that logs it);
//!    - the user's own layers (`App::layer`), when there are any;
//!    - `endpoint`: reads the body, and calls the erased handler from `routes`, which
//!      the code `#[fc::invoke]` generated decodes (`macro_support::event`) and
//!      answers (`macro_support::reply`) through.
//! 3. On the way back, `layers::invocation`'s `finish` logs the failure report an
//!    `error::Failure` left in the response, and writes the status and
//!    `x-fc-status` (the only place that does); the End marker prints when the
//!    response body is done (`InvocationBody`), or, for a `101 Switching Protocols`,
//!    when the upgraded socket closes or reaches the deadline (`upgrade::Parked`).
//!    With the `otel` feature, `otel::InvocationTrace` wraps all of this: the
//!    invocation's OpenTelemetry span starts with the request, is the current context
//!    while it runs, and is ended and exported (with every span pending) before the
//!    response is returned.
//!
//! `POST /initialize` and the hooks (`GET /pre-stop`, `GET /pre-freeze`) take the
//! same path with their own policy. An HTTP function's request (`Kind::Http`) keeps
//! its headers, and the endpoint hands it to `http_function::HttpFunction`, which
//! builds the user's app once, strips FC's base path, forwards the request whole and
//! drops the response headers FC forbids (a `101` keeps `connection`); `extract` makes
//! `Context` and `State<T>` axum extractors, and `ws` (feature `ws`) runs a WebSocket's
//! task in its invocation. `log` writes all of it in FC's line format (`log::format`,
//! `log::time`) to an `log::Output`.
//!
//! Each module depends only on modules below it in this map (a unit test,
//! `layering`, fails on an import cycle): `app` (the builder, `run` and the
//! subscriber `run` installs) on top, then `server` and `drain`, the layers, the
//! endpoint and what it calls, and `log`, `context` and `error` at the bottom.
//!
//! With the `http2` feature, `server` tells HTTP/1.1 and h2c (HTTP/2 with prior
//! knowledge) apart per connection; each HTTP/2 stream is one request through the same
//! stack. A gRPC call (`content-type: application/grpc…`) is `Kind::Grpc`: an HTTP
//! invocation whose failures `finish` turns into gRPC statuses (`grpc_status`), and
//! whose streaming response ends with its trailers. `grpc` (feature `grpc`) lets
//! tonic services be the HTTP app.

mod app;
#[cfg(feature = "http2")]
mod coalesce;
mod context;
mod dispatch;
mod drain;
mod endpoint;
mod error;
#[cfg(feature = "events")]
pub mod events;
mod extract;
#[cfg(feature = "grpc")]
pub mod grpc;
mod grpc_status;
mod header;
pub mod health;
mod http_function;
mod instance;
#[cfg(test)]
mod layering;
mod layers;
pub mod log;
mod macro_support;
#[cfg(feature = "otel")]
pub mod otel;
mod panic;
#[cfg(test)]
mod proptests;
mod routes;
mod server;
mod state;
pub mod testing;
mod trace_context;
mod upgrade;
#[cfg(feature = "ws")]
pub mod ws;

pub use app::run;
pub use app::{App, DEFAULT_BODY_LIMIT, DEFAULT_DRAIN_TIME, DEFAULT_RUNTIME_NAME};
pub use bytes::Bytes;
pub use context::{Context, Credentials};
pub use error::{BoxError, Error};
pub use extract::StateRejection;
pub use health::{DEFAULT_HEALTH_PATH, HealthProbe};
pub use routes::Routes;
pub use state::State;
pub use trace_context::{TraceContext, TraceSource};

/// HTTP types: the `http` crate's (`HeaderMap`, `StatusCode`, …), with `Request` and
/// `Response` defaulting to axum's body, as `#[fc::http]` handlers use them.
pub mod http {
    pub use ::http::*;
    pub use axum::body::Body;

    /// An HTTP request, as an `#[fc::http]` handler receives it.
    pub type Request<B = Body> = ::http::Request<B>;
    /// An HTTP response.
    pub type Response<B = Body> = ::http::Response<B>;
}

/// The axum version fc serves HTTP functions with, for apps that do not depend on
/// axum themselves.
pub use axum;

/// What the attributes and `fc::routes!` expand to. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::error::Fail;
    pub use crate::macro_support::builder::{
        HttpRoute, InitRoute, InvokeRoute, PreFreezeRoute, PreStopRoute, RoutesBuilder,
    };
    pub use crate::macro_support::event::{DecodeJson, DecodeRaw, Invocation};
    pub use crate::macro_support::http::{IntoHttpApp, http_request, http_response};
    pub use crate::macro_support::lifecycle::{hook_done, keep_state};
    pub use crate::macro_support::reply::{ReplyJson, ReplyRaw, SplitPlain, SplitResult};
    pub use crate::macro_support::{Probe, probe};
    pub use crate::{Context, State};
    pub use axum::extract::Request;
}
