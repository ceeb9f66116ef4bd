//! The runtime of [`fc`](https://docs.rs/fc): the server FC talks to, dispatch on
//! `x-fc-control-path`, [`Context`], error and panic mapping, marker lines and FC's
//! log format.
//!
//! Use it through the `fc` crate, which adds the attributes
//! (`#[fc::invoke]`, `#[fc::initialize]`) and `fc::routes!`.

mod context;
mod dispatch;
mod endpoint;
mod error;
#[cfg(feature = "events")]
pub mod events;
mod handler;
mod http_app;
mod instance;
mod layers;
pub mod log;
#[cfg(test)]
mod proptests;
mod server;
mod state;
pub mod testing;

pub use bytes::Bytes;
pub use context::{Context, Credentials};
pub use error::{BoxError, Error};
pub use handler::Routes;
pub use http_app::StateRejection;
pub use server::{App, DEFAULT_BODY_LIMIT, DEFAULT_DRAIN_TIME, DEFAULT_RUNTIME_NAME, run};
pub use state::State;

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
    pub use crate::handler::{
        DecodeJson, DecodeRaw, Fail, HttpRoute, InitRoute, IntoHttpApp, Invocation, InvokeRoute,
        PreFreezeRoute, PreStopRoute, Probe, ReplyJson, ReplyRaw, RoutesBuilder, SplitPlain,
        SplitResult, hook_done, http_request, http_response, keep_state, probe,
    };
    pub use crate::{Context, State};
    pub use axum::extract::Request;
}
